package canaryanalysisconnector

import (
	"strings"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/release"
	"github.com/canarytrace/canarytrace/internal/stage"
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
	// windows[arm-1] holds the arm's recent steps; nil until it has a span.
	windows [2]*window
	// lastEnd is the latest span end time (unix ns), for expiry.
	lastEnd int64
	// last caches the series of the previous span: an operation's spans
	// mostly come from one version and arm, and the lookup is per span.
	last    *series
	lastKey seriesKey
	// evidence holds the operation's evidence series per release it was
	// attributed to: resolved once, so observing a span hashes no strings.
	evidence [releasesPerOperation]releaseSeries
	nextEv   uint8
}

// releasesPerOperation is how many releases' evidence series an operation
// keeps resolved: its own service's release and the stable baseline, or a
// few callers' releases downstream. More only costs a string hash.
const releasesPerOperation = 4

type releaseSeries struct {
	rel *release.Release
	h   evidence.SeriesHandle
}

// evidenceOf returns the operation's evidence series of rel in ev.
func (o *operation) evidenceOf(rel *release.Release, ev *evidence.Evidence) *evidence.SeriesHandle {
	for i := range o.evidence {
		if o.evidence[i].rel == rel {
			return &o.evidence[i].h
		}
	}
	x := &o.evidence[o.nextEv]
	o.nextEv = (o.nextEv + 1) % releasesPerOperation
	*x = releaseSeries{rel: rel, h: ev.SeriesOf(evidence.Release{Service: rel.Key.Service, Version: rel.Key.Version}, o.ev)}
	return &x.h
}

func (o *operation) window(a stage.Arm, steps int) *window {
	w := o.windows[a-1]
	if w == nil {
		w = newWindow(steps)
		o.windows[a-1] = w
	}
	return w
}

// operations is the table of tracked operations, capped at max: an
// operation counts once for both arms, and once the cap is reached further
// operations share their service's overflow operation (not counted against
// the cap, so a burst of new span names cannot hide a service's errors).
type operations struct {
	max     int
	tracked int
	byKey   map[opKey]*operation
	// last is the previous lookup and its answer: consecutive spans of a
	// resource often share an operation, and comparing four strings costs
	// less than hashing them. Only expire changes an answer, and it
	// forgets this one.
	last struct {
		k          opKey
		op         *operation
		overflowed bool
	}
}

func newOperations(max int) *operations {
	return &operations{max: max, byKey: map[opKey]*operation{}}
}

// get returns the operation of k; overflowed is true when k was new and the
// table full.
func (t *operations) get(k opKey) (op *operation, overflowed bool) {
	if t.last.op != nil && t.last.k == k {
		return t.last.op, t.last.overflowed
	}
	op, overflowed = t.lookup(k)
	t.last.k, t.last.op, t.last.overflowed = k, op, overflowed
	return op, overflowed
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
	t.last.op = nil
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
