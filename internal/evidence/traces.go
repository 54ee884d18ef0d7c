package evidence

import (
	"encoding/binary"
	"math/bits"
)

// DefaultTraceCacheSize is the number of recent (trace, cell) pairs kept to
// maintain the per-trace moments: a power of two. At 8 bytes an entry it is
// 256 KiB, small enough to stay mostly in the CPU's caches; on the bench
// workload (six services, ~6,500 spans/s, 11-15 spans a trace) it keeps
// sum n^2 within 1% of exact.
const DefaultTraceCacheSize = 1 << 15

// A trace-cache entry is one (trace, cell) pair's counts so far, packed in
// a word so that a set is one 64-byte cache line. From the top bit down:
//
//	tag     24 bits  the trace ID's hash, the bits the set index leaves
//	cell    16 bits  the cell's serial, low bits (0 only in an empty entry)
//	spans   12 bits  the trace's spans in the cell so far
//	errors  12 bits  its error spans among them
//
// Two traces in flight in one set carry the same tag about once in 16
// million pairs, and then count as one cluster in the cells they share; a
// trace's 4,096th span in one cell starts a new cluster (counted as an
// eviction); a trace still in the cache 65,536 cells later continues its
// old count in a new cell whose serial shares the low bits (a larger
// variance: the cautious side). Each biases the variance far below what
// the judge resolves.
const (
	countBits = 12
	maxCount  = 1<<countBits - 1
	oneSpan   = 1 << countBits // adds one to the spans field
	cellShift = 2 * countBits
	cellMask  = 1<<16 - 1
	tagShift  = cellShift + 16
	tagBits   = 64 - tagShift
	keyMask   = 1<<64 - 1<<cellShift // tag and cell
)

// traceWays is the number of entries of a set.
const traceWays = 8

// traceSet holds the recent pairs of the traces that hash to it, most
// recently used first.
type traceSet [traceWays]uint64

// traceCache is set-associative by trace: every cell of a trace maps to the
// same set, so a span's operation and release cells share one cache line,
// and so do the spans of a trace that come together in a batch. A set
// evicts its least recently used pairs, usually ones whose trace is done
// with them (it left the service or the step); that bounds memory and
// keeps a lookup to one line.
type traceCache struct {
	sets []traceSet
	// indexShift leaves the hash's top bits and mask takes the set index
	// of them; tagFrom is where the 24 tag bits below them start. Both are
	// below 64 (one set: 0, masked to index 0), so the compiler adds no
	// check for wider shifts.
	indexShift, tagFrom uint8
	mask                uint64
	evictions           uint64
}

func newTraceCache(size int) traceCache {
	if size <= 0 || size&(size-1) != 0 {
		size = DefaultTraceCacheSize
	}
	n := max(size/traceWays, 1)
	shift := 64 - bits.TrailingZeros(uint(n))
	return traceCache{sets: make([]traceSet, n), indexShift: uint8(shift & 63), tagFrom: uint8(shift - tagBits), mask: uint64(n - 1)}
}

// setOf returns the set of a trace and the tag of its entries (in place,
// cell and counts zero). One multiplicative hash of the trace ID's low 8
// bytes (random in W3C trace IDs; the hash spreads IDs that are not) gives
// both: its top bits index the set, the 24 bits below them are the tag.
func (tc *traceCache) setOf(trace [16]byte) (*traceSet, uint64) {
	h := binary.BigEndian.Uint64(trace[8:]) * 0x9E3779B97F4A7C15
	return &tc.sets[h>>(tc.indexShift&63)&tc.mask], h >> (tc.tagFrom & 63) << tagShift
}

// recordIn returns the spans and error spans the trace had already put in
// the cell (serial cell), and counts this span. set and tag are the
// trace's, from setOf: a span's cells all share them. The pair moves to
// the front of the set; a new pair takes the least recently used entry.
func (tc *traceCache) recordIn(set *traceSet, tag, cell uint64, isErr bool) (n, e uint32) {
	k := tag | (cell&cellMask)<<cellShift
	i := 0
	for i < traceWays && set[i]&keyMask != k {
		i++
	}
	if i == traceWays {
		// A new pair: the others move down one, the least recently used
		// falls off the end (written out whole: copy calls memmove).
		s := *set
		if s[traceWays-1] != 0 {
			tc.evictions++
		}
		var x uint64
		x, n, e = tc.count(k, k, isErr)
		*set = traceSet{x, s[0], s[1], s[2], s[3], s[4], s[5], s[6]}
		return n, e
	}
	x := set[i]
	// Move to front: the pairs ahead of it move down one.
	for ; i > 0; i-- {
		set[i] = set[i-1]
	}
	set[0], n, e = tc.count(x, k, isErr)
	return n, e
}

// count returns entry x (of key k) with one more span, and the spans and
// error spans it held. Full counts start a new cluster, as if the pair had
// been evicted.
func (tc *traceCache) count(x, k uint64, isErr bool) (next uint64, n, e uint32) {
	n, e = uint32(x>>countBits)&maxCount, uint32(x)&maxCount
	if n == maxCount {
		tc.evictions++
		x, n, e = k, 0, 0
	}
	x += oneSpan
	if isErr {
		x++
	}
	return x, n, e
}

// warm loads the trace's set and returns a word of it (for the caller to
// keep, so the load is not optimised away). Loads of several spans' sets
// issued together overlap their cache misses, which one span at a time
// cannot.
func (tc *traceCache) warm(trace [16]byte) uint32 {
	set, _ := tc.setOf(trace)
	return uint32(set[0])
}
