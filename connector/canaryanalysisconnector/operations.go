package canaryanalysisconnector

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/release"
)

// opKey is an operation's identity: the values of the configured
// dimensions. Dimensions other than service.name, span.name and span.kind
// are joined into extra.
type opKey struct {
	service, name, kind, extra string
}

// operation is one tracked operation with the state of both its arms.
type operation struct {
	key      opKey
	ev       evidence.Operation
	overflow bool
	// series[arm-1] holds the operation's series of the arm, one per
	// version (their windows make the operation's gauges).
	series [2][]*series
	// lastEnd is the latest span end time (unix ns), for expiry.
	lastEnd int64
	// evRels and evidence hold the operation's evidence series per release
	// it was attributed to: resolved once, so observing a span hashes no
	// strings. The releases sit apart from the handles, so finding one
	// reads a single cache line.
	evRels   [releasesPerOperation]*release.Release
	evidence [releasesPerOperation]evidence.SeriesHandle
	nextEv   uint8
}

// releasesPerOperation is how many releases' evidence series an operation
// keeps resolved: its own service's release and the stable baseline, or a
// few callers' releases downstream. More only costs a string hash.
const releasesPerOperation = 4

// evidenceOf returns the operation's evidence series of rel in ev.
func (o *operation) evidenceOf(rel *release.Release, ev *evidence.Evidence) *evidence.SeriesHandle {
	for i, r := range &o.evRels {
		if r == rel {
			return &o.evidence[i]
		}
	}
	i := o.nextEv
	o.nextEv = (o.nextEv + 1) % releasesPerOperation
	o.evRels[i] = rel
	o.evidence[i] = ev.SeriesOf(evidence.Release{Service: rel.Key.Service, Version: rel.Key.Version}, o.ev)
	return &o.evidence[i]
}

// operations is the table of tracked operations, capped at max: an
// operation counts once for both arms, and once the cap is reached further
// operations share their service's overflow operation (not counted against
// the cap, so a burst of new span names cannot hide a service's errors).
type operations struct {
	max     int
	tracked int
	byKey   map[opKey]*operation
	// recent holds recent lookups and their answers, direct-mapped by a
	// cheap hash of a few bytes of the key: comparing a key's strings costs
	// far less than hashing all four for the map. Only expire changes an
	// answer, and it forgets them all.
	recent *[recentOps]recentOp
}

// recentOps is the size of the recent-lookup cache: a power of two, well
// above the operations a pod's batch usually holds (80 bytes an entry).
const recentOps = 256

type recentOp struct {
	k          opKey
	op         *operation
	overflowed bool
}

func newOperations(max int) *operations {
	return &operations{max: max, byKey: map[opKey]*operation{}, recent: new([recentOps]recentOp)}
}

// get returns the operation of k; overflowed is true when k was new and the
// table full.
func (t *operations) get(k opKey) (op *operation, overflowed bool) {
	r := &t.recent[quickHash(k)&(recentOps-1)]
	if r.op != nil && r.k == k {
		return r.op, r.overflowed
	}
	op, overflowed = t.lookup(k)
	*r = recentOp{k, op, overflowed}
	return op, overflowed
}

// quickHash mixes the lengths and a few bytes of the key's strings (span
// names of one service usually differ in length or in their first, middle
// or last byte); keys it confuses only evict each other from the cache.
func quickHash(k opKey) uint32 {
	h := uint32(len(k.name))*31 + uint32(len(k.kind))*7 + uint32(len(k.extra))*131 + uint32(len(k.service))*17
	if n := len(k.name); n > 0 {
		h = h*31 + uint32(k.name[n-1]) + uint32(k.name[n/2])*131 + uint32(k.name[0])*7
	}
	if n := len(k.kind); n > 0 {
		h = h*31 + uint32(k.kind[n-1]) + uint32(k.kind[n/2])*5
	}
	if n := len(k.service); n > 0 {
		h = h*31 + uint32(k.service[n-1]) + uint32(k.service[0])*3
	}
	if n := len(k.extra); n > 0 {
		h = h*31 + uint32(k.extra[n-1]) + uint32(k.extra[n/2])*3
	}
	return h ^ h>>8
}

func (t *operations) lookup(k opKey) (op *operation, overflowed bool) {
	if op, ok := t.byKey[k]; ok {
		return op, op.overflow && k.name != overflowName
	}
	if t.tracked >= t.max {
		ok := opKey{service: k.service, name: overflowName}
		op = t.byKey[ok]
		if op == nil {
			op = &operation{key: ok, ev: evidence.Operation{Service: k.service, Name: overflowName}, overflow: true}
			t.byKey[ok] = op
		}
		return op, true
	}
	op = &operation{key: k, ev: evidenceOperation(k)}
	t.byKey[k] = op
	t.tracked++
	return op, false
}

// evidenceOperation names an operation in evidence: extra dimension values
// follow the span name, separated by spaces.
func evidenceOperation(k opKey) evidence.Operation {
	name := k.name
	if k.extra != "" {
		if name != "" {
			name += " "
		}
		name += strings.ReplaceAll(k.extra, extraSep, " ")
	}
	return evidence.Operation{Service: k.service, Name: name, Kind: k.kind}
}

// expire forgets operations with no span ending at or after cutoff (unix
// ns), freeing their place under the cap; it calls gone for each.
func (t *operations) expire(cutoff int64, gone func(*operation)) {
	clear(t.recent[:])
	for k, op := range t.byKey {
		if op.lastEnd >= cutoff {
			continue
		}
		delete(t.byKey, k)
		if !op.overflow {
			t.tracked--
		}
		gone(op)
	}
}

// resourceOps remembers the operations of the resource being recorded:
// its spans share the service, and mostly a handful of span names. It is
// direct-mapped by a few bytes of the name and the kind, so a lookup
// compares one entry's strings, without hashing them.
type resourceOps struct {
	entries [resourceOpEntries]resourceOp
}

// resourceOpEntries covers the operations one pod's batch usually holds.
const (
	resourceOpBits    = 4
	resourceOpEntries = 1 << resourceOpBits
)

type resourceOp struct {
	name, extra string
	kind        ptrace.SpanKind // kindCode
	op          *operation
	overflowed  bool
	// series holds the operation's series of the resource's version, by
	// primary arm, once looked up.
	series [3]*series
}

func (m *resourceOps) reset() {
	for i := range m.entries {
		m.entries[i].op = nil
	}
}

// get returns the entry of the operation of the resource's service with
// f's dimensions.
func (m *resourceOps) get(t *operations, service string, f *spanFacts) *resourceOp {
	// The span names of one service mostly differ in length, first or
	// last byte, or kind; a multiplicative hash spreads those over the
	// table.
	h := uint64(len(f.name)) | uint64(f.kindCode)<<16 | uint64(len(f.extra))<<24
	if n := len(f.name); n > 0 {
		h |= uint64(f.name[0])<<32 | uint64(f.name[n-1])<<40 | uint64(f.name[n/2])<<48
	}
	h = h * 0x9E3779B97F4A7C15 >> (64 - resourceOpBits)
	e := &m.entries[h]
	// Extra dimensions are mostly not configured: two empty values are
	// told equal without a call to compare their bytes.
	if e.op != nil && e.kind == f.kindCode && e.name == f.name && (len(e.extra)|len(f.extra) == 0 || e.extra == f.extra) {
		return e
	}
	op, overflowed := t.get(opKey{service: service, name: f.name, kind: f.kind, extra: f.extra})
	*e = resourceOp{name: f.name, kind: f.kindCode, extra: f.extra, op: op, overflowed: overflowed}
	return e
}
