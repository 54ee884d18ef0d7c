package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// resourceContext is one distinct resource of the buffered spans, held once
// however many spans and traces refer to it.
type resourceContext struct {
	resource  pcommon.Resource
	schemaURL string
	arm       stage.Arm // the arm of the resource's own stage attribute
	stage     string    // that attribute's value, if any
	hash      uint64
	lastSweep uint64
}

// scopeContext is one distinct instrumentation scope within a resource:
// what a buffered span needs, besides itself, to be rebuilt.
type scopeContext struct {
	resource  *resourceContext
	scope     pcommon.InstrumentationScope
	schemaURL string
	hash      uint64
	lastSweep uint64
}

// contexts interns the resources and scopes of received batches, so that a
// buffered span refers to its resource and scope by pointer instead of
// copying them. Lookups happen once per ResourceSpans and ScopeSpans, not
// per span. An entry unused for two sweeps leaves the table; traces still
// holding it keep it alive, and a later equal resource simply gets a new
// entry, so the table's size is bounded by the distinct resources and
// scopes received within two sweep periods.
type contexts struct {
	seed       maphash.Seed
	classifier stage.Classifier
	stageKey   string

	mu        sync.Mutex
	resources map[uint64][]*resourceContext
	scopes    map[uint64][]*scopeContext
	sweep     uint64
}

func newContexts(classifier stage.Classifier, stageKey string) *contexts {
	return &contexts{
		seed:       maphash.MakeSeed(),
		classifier: classifier,
		stageKey:   stageKey,
		resources:  map[uint64][]*resourceContext{},
		scopes:     map[uint64][]*scopeContext{},
	}
}

// resource returns the interned context of rs's resource.
func (c *contexts) resource(rs ptrace.ResourceSpans) *resourceContext {
	var h maphash.Hash
	h.SetSeed(c.seed)
	res := rs.Resource()
	h.WriteString(rs.SchemaUrl())
	writeUint(&h, uint64(res.DroppedAttributesCount()))
	hashMap(&h, res.Attributes())
	sum := h.Sum64()

	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.resources[sum] {
		if r.schemaURL == rs.SchemaUrl() &&
			r.resource.DroppedAttributesCount() == res.DroppedAttributesCount() &&
			r.resource.Attributes().Equal(res.Attributes()) {
			r.lastSweep = c.sweep
			return r
		}
	}
	r := &resourceContext{resource: pcommon.NewResource(), schemaURL: rs.SchemaUrl(), hash: sum, lastSweep: c.sweep}
	res.CopyTo(r.resource)
	r.arm = c.classifier.Missing()
	if v, ok := r.resource.Attributes().Get(c.stageKey); ok && v.Type() == pcommon.ValueTypeStr {
		r.stage = v.Str()
		r.arm = c.classifier.Arm(r.stage)
	}
	c.resources[sum] = append(c.resources[sum], r)
	return r
}

// scope returns the interned context of ss within resource r.
func (c *contexts) scope(r *resourceContext, ss ptrace.ScopeSpans) *scopeContext {
	var h maphash.Hash
	h.SetSeed(c.seed)
	sc := ss.Scope()
	writeUint(&h, r.hash)
	h.WriteString(ss.SchemaUrl())
	h.WriteString(sc.Name())
	h.WriteByte(0)
	h.WriteString(sc.Version())
	writeUint(&h, uint64(sc.DroppedAttributesCount()))
	hashMap(&h, sc.Attributes())
	sum := h.Sum64()

	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.scopes[sum] {
		if s.resource == r && s.schemaURL == ss.SchemaUrl() &&
			s.scope.Name() == sc.Name() && s.scope.Version() == sc.Version() &&
			s.scope.DroppedAttributesCount() == sc.DroppedAttributesCount() &&
			s.scope.Attributes().Equal(sc.Attributes()) {
			s.lastSweep = c.sweep
			return s
		}
	}
	s := &scopeContext{resource: r, scope: pcommon.NewInstrumentationScope(), schemaURL: ss.SchemaUrl(), hash: sum, lastSweep: c.sweep}
	sc.CopyTo(s.scope)
	c.scopes[sum] = append(c.scopes[sum], s)
	return s
}

// sweepUnused drops entries not looked up since the previous sweep.
func (c *contexts) sweepUnused() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, list := range c.resources {
		c.resources[h] = keepRecent(list, c.sweep, func(r *resourceContext) uint64 { return r.lastSweep })
		if len(c.resources[h]) == 0 {
			delete(c.resources, h)
		}
	}
	for h, list := range c.scopes {
		c.scopes[h] = keepRecent(list, c.sweep, func(s *scopeContext) uint64 { return s.lastSweep })
		if len(c.scopes[h]) == 0 {
			delete(c.scopes, h)
		}
	}
	c.sweep++
}

func keepRecent[T any](list []T, sweep uint64, last func(T) uint64) []T {
	kept := list[:0]
	for _, e := range list {
		if last(e)+1 >= sweep {
			kept = append(kept, e)
		}
	}
	clear(list[len(kept):])
	return kept
}

func writeUint(h *maphash.Hash, u uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], u)
	h.Write(b[:])
}

// hashMap hashes m in its order; Equal ignores order, so two equal maps in
// different orders only miss each other's entry (and are interned twice).
func hashMap(h *maphash.Hash, m pcommon.Map) {
	writeUint(h, uint64(m.Len()))
	for k, v := range m.All() {
		h.WriteString(k)
		h.WriteByte(0)
		hashValue(h, v)
	}
}

func hashValue(h *maphash.Hash, v pcommon.Value) {
	h.WriteByte(byte(v.Type()))
	switch v.Type() {
	case pcommon.ValueTypeStr:
		h.WriteString(v.Str())
		h.WriteByte(0)
	case pcommon.ValueTypeInt:
		writeUint(h, uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		writeUint(h, math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		if v.Bool() {
			h.WriteByte(1)
		} else {
			h.WriteByte(0)
		}
	case pcommon.ValueTypeBytes:
		h.Write(v.Bytes().AsRaw())
		h.WriteByte(0)
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		writeUint(h, uint64(sl.Len()))
		for i := range sl.Len() {
			hashValue(h, sl.At(i))
		}
	case pcommon.ValueTypeMap:
		hashMap(h, v.Map())
	}
}
