package evidence

import "encoding/binary"

// DefaultTraceCacheSize is the number of recent (trace, cell) pairs kept to
// maintain the per-trace moments: a power of two. At 32 bytes an entry it is
// 2 MiB; with spans of a trace arriving within seconds of each other it
// covers tens of thousands of spans per second.
const DefaultTraceCacheSize = 1 << 16

type traceEntry struct {
	trace [16]byte
	cell  uint64
	n, e  uint32
}

// traceCache is a direct-mapped cache: a pair hashes to one slot and evicts
// whatever held it. That bounds memory and keeps a lookup to one probe.
type traceCache struct {
	slots     []traceEntry
	mask      uint64
	evictions uint64
}

func newTraceCache(size int) traceCache {
	if size <= 0 || size&(size-1) != 0 {
		size = DefaultTraceCacheSize
	}
	return traceCache{slots: make([]traceEntry, size), mask: uint64(size - 1)}
}

// record returns the spans and error spans the trace had already put in the
// cell, and counts this span.
func (tc *traceCache) record(trace [16]byte, cell uint64, isErr bool) (n, e uint32) {
	// The trace ID's low 8 bytes are random in W3C trace IDs; mixing in the
	// cell serial with a multiplicative hash spreads one trace's cells.
	// (One big-endian load: the same value as folding the bytes in order.)
	h := binary.BigEndian.Uint64(trace[8:])
	h ^= cell * 0x9E3779B97F4A7C15
	h ^= h >> 29
	s := &tc.slots[h&tc.mask]
	if s.cell == cell && s.trace == trace {
		n, e = s.n, s.e
	} else {
		if s.cell != 0 {
			tc.evictions++
		}
		s.trace, s.cell, s.n, s.e = trace, cell, 0, 0
	}
	s.n++
	if isErr {
		s.e++
	}
	return n, e
}
