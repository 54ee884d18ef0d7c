package evidence

import "encoding/binary"

// DefaultTraceCacheSize is the number of recent (trace, cell) pairs kept to
// maintain the per-trace moments: a power of two. At 16 bytes an entry it is
// 512 KiB, small enough to stay mostly in the CPU's caches; on the bench
// workload (six services, ~6,500 spans/s, 11-15 spans a trace) it keeps
// sum n^2 within 1% of exact.
const DefaultTraceCacheSize = 1 << 15

// traceEntry is one (trace, cell) pair's counts so far, packed in 16 bytes
// so that a set is one 64-byte cache line.
type traceEntry struct {
	// trace is the trace ID's low 8 bytes (random in W3C trace IDs: two
	// traces in flight together in one set never share them in practice).
	trace uint64
	// cell is the cell serial's low 32 bits, 0 for an empty entry (serials
	// skip values whose low 32 bits are 0).
	cell uint32
	n, e uint16
}

// traceWays is the number of entries of a set.
const traceWays = 8

// traceSet holds the recent pairs of the traces that hash to it, most
// recently used first.
type traceSet [traceWays]traceEntry

// traceCache is set-associative by trace: every cell of a trace maps to the
// same set, so a span's operation and release cells share one cache line,
// and so do the spans of a trace that come together in a batch. A set
// evicts its least recently used pair, usually one its trace is done with
// (it left the service or the step); that bounds memory and keeps a lookup
// to one line.
type traceCache struct {
	sets      []traceSet
	mask      uint64
	evictions uint64
}

func newTraceCache(size int) traceCache {
	if size <= 0 || size&(size-1) != 0 {
		size = DefaultTraceCacheSize
	}
	n := max(size/traceWays, 1)
	return traceCache{sets: make([]traceSet, n), mask: uint64(n - 1)}
}

// setOf returns the set of a trace. The trace ID's low 8 bytes are random
// in W3C trace IDs; the multiplicative hash spreads IDs that are not.
// (One big-endian load: the same value as folding the bytes in order.)
func (tc *traceCache) setOf(trace [16]byte) (*traceSet, uint64) {
	t := binary.BigEndian.Uint64(trace[8:])
	h := t * 0x9E3779B97F4A7C15
	return &tc.sets[(h>>32^h)&tc.mask], t
}

// recordIn returns the spans and error spans the trace had already put in
// the cell, and counts this span. set and t are the trace's, from setOf: a
// span's cells all share them.
func (tc *traceCache) recordIn(set *traceSet, t uint64, cell uint64, isErr bool) (n, e uint32) {
	c := uint32(cell)
	i := 0
	for ; i < traceWays; i++ {
		if set[i].cell == c && set[i].trace == t {
			break
		}
	}
	var x traceEntry
	switch {
	case i == traceWays: // a new pair takes the least recently used entry
		i = traceWays - 1
		if set[i].cell != 0 {
			tc.evictions++
		}
		x = traceEntry{trace: t, cell: c}
	case set[i].n == 1<<16-1:
		// The counts are full: this span starts a new cluster, as if the
		// pair had been evicted.
		tc.evictions++
		x = traceEntry{trace: t, cell: c}
	default:
		x = set[i]
	}
	n, e = uint32(x.n), uint32(x.e)
	x.n++
	if isErr {
		x.e++
	}
	// Move to front: the pairs ahead of it move down one.
	copy(set[1:i+1], set[:i])
	set[0] = x
	return n, e
}

// warm loads the trace's set and returns a word of it (for the caller to
// keep, so the load is not optimised away). Loads of several spans' sets
// issued together overlap their cache misses, which one span at a time
// cannot.
func (tc *traceCache) warm(trace [16]byte) uint32 {
	set, _ := tc.setOf(trace)
	return set[0].cell ^ set[traceWays-1].cell
}
