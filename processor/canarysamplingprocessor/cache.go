package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"encoding/binary"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

// decisionCache remembers the most recent decisions of one kind (kept or
// dropped) up to a fixed number, evicting the oldest decision first. A
// late span is most likely to arrive soon after its trace was decided, so
// the order of decisions is the order that matters; refreshing an entry on
// every hit, as a true LRU does, would cost a linked list per entry for
// little gain.
type decisionCache struct {
	capacity int
	index    map[pcommon.TraceID]int32 // position in ring
	ring     []cachedDecision
	next     int // the oldest entry once ring is full
	// forgotten receives each evicted trace ID, so that a span arriving
	// after its decision was evicted can be counted as a miss.
	forgotten *forgottenSet
}

type cachedDecision struct {
	id        pcommon.TraceID
	threshold sampling.Threshold
}

func newDecisionCache(capacity int, forgotten *forgottenSet) *decisionCache {
	return &decisionCache{capacity: capacity, index: map[pcommon.TraceID]int32{}, forgotten: forgotten}
}

func (c *decisionCache) add(id pcommon.TraceID, th sampling.Threshold) {
	if c.capacity == 0 {
		c.forgotten.add(id)
		return
	}
	if _, ok := c.index[id]; ok {
		return
	}
	if len(c.ring) < c.capacity {
		c.index[id] = int32(len(c.ring))
		c.ring = append(c.ring, cachedDecision{id: id, threshold: th})
		return
	}
	old := &c.ring[c.next]
	delete(c.index, old.id)
	c.forgotten.add(old.id)
	*old = cachedDecision{id: id, threshold: th}
	c.index[id] = int32(c.next)
	c.next = (c.next + 1) % c.capacity
}

func (c *decisionCache) get(id pcommon.TraceID) (sampling.Threshold, bool) {
	i, ok := c.index[id]
	if !ok {
		return sampling.Threshold{}, false
	}
	return c.ring[i].threshold, true
}

// forgottenSet is a fixed-size table of 32-bit fingerprints of trace IDs
// whose decision was evicted. A lookup that matches is almost surely such a
// trace (a false match needs a 32-bit collision in one slot); a later
// eviction landing in the same slot overwrites the earlier one, so misses
// are undercounted, never invented. Four bytes per slot keep the table a
// small fraction of the caches it watches; it is allocated at the first
// eviction, so a processor whose caches never fill never pays for it.
type forgottenSet struct {
	size  int
	slots []uint32
	mask  uint64
}

func newForgottenSet(size int) *forgottenSet {
	n := 64
	for n < size {
		n <<= 1
	}
	return &forgottenSet{size: n, mask: uint64(n - 1)}
}

// fingerprint uses the trace ID's random low bytes (the W3C trace ID's
// randomness) for the slot and a disjoint part for the tag; zero marks an
// empty slot, so the tag is never zero.
func (f *forgottenSet) fingerprint(id pcommon.TraceID) (uint64, uint32) {
	lo := binary.LittleEndian.Uint64(id[8:])
	hi := binary.LittleEndian.Uint64(id[:8])
	return lo & f.mask, uint32(hi^(lo>>32)) | 1
}

func (f *forgottenSet) add(id pcommon.TraceID) {
	if f.slots == nil {
		f.slots = make([]uint32, f.size)
	}
	slot, tag := f.fingerprint(id)
	f.slots[slot] = tag
}

// take reports whether id was forgotten, and clears it: the re-buffered
// trace will be decided (and cached) again.
func (f *forgottenSet) take(id pcommon.TraceID) bool {
	if f.slots == nil {
		return false
	}
	slot, tag := f.fingerprint(id)
	if f.slots[slot] != tag {
		return false
	}
	f.slots[slot] = 0
	return true
}
