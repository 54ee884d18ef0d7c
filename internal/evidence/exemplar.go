package evidence

import (
	"bytes"
	"time"
)

// ExemplarsPerKind is how many canary exemplars of each kind (errors, slow)
// are kept per release and operation.
const ExemplarsPerKind = 4

// Exemplar is a canary trace worth showing next to a failing check.
type Exemplar struct {
	TraceID  [16]byte
	Step     Step
	Duration time.Duration
	Error    bool
}

// ExemplarKey is the release and operation exemplars belong to.
type ExemplarKey struct {
	Release   Release
	Operation Operation
}

// exemplarSet keeps the latest error traces and the slowest traces. Both
// orders are total (ties broken by trace ID) so the kept set does not depend
// on the order observations or merges arrive in.
type exemplarSet struct {
	errs [ExemplarsPerKind]Exemplar
	slow [ExemplarsPerKind]Exemplar
	nErr int
	nSlw int
}

// laterError and slower are total orders on observations (the last key
// breaks ties between two spans of one trace), so the kept set does not
// depend on arrival order.
func laterError(a, b Exemplar) bool {
	if a.Step != b.Step {
		return a.Step > b.Step
	}
	if c := bytes.Compare(a.TraceID[:], b.TraceID[:]); c != 0 {
		return c > 0
	}
	return a.Duration > b.Duration
}

func slower(a, b Exemplar) bool {
	if a.Duration != b.Duration {
		return a.Duration > b.Duration
	}
	if c := bytes.Compare(a.TraceID[:], b.TraceID[:]); c != 0 {
		return c > 0
	}
	return a.Step > b.Step || a.Step == b.Step && a.Error && !b.Error
}

// insert keeps x among the best n of list under better, one entry per
// trace: a trace already held keeps the better of its two observations, so
// the set is the best n traces by their best observation whatever the
// order of arrival.
func insert(list *[ExemplarsPerKind]Exemplar, n *int, x Exemplar, better func(a, b Exemplar) bool) {
	for i := 0; i < *n; i++ {
		if list[i].TraceID == x.TraceID {
			if better(x, list[i]) {
				for ; i > 0 && better(x, list[i-1]); i-- {
					list[i] = list[i-1]
				}
				list[i] = x
			}
			return
		}
	}
	if *n == ExemplarsPerKind && !better(x, list[*n-1]) {
		return
	}
	i := *n
	if i == ExemplarsPerKind {
		i--
	} else {
		*n++
	}
	for i > 0 && better(x, list[i-1]) {
		list[i] = list[i-1]
		i--
	}
	list[i] = x
}

func (s *exemplarSet) add(x Exemplar) {
	// Nearly every span is neither later than the full set's last error
	// nor slower than its last slow one: then it changes nothing (a trace
	// already held has a better observation in the set), and skips
	// insert's trace lookup.
	const full = ExemplarsPerKind
	if x.Error && !(s.nErr == full && x.Step < s.errs[full-1].Step) {
		insert(&s.errs, &s.nErr, x, laterError)
	}
	if !(s.nSlw == full && x.Duration < s.slow[full-1].Duration) {
		insert(&s.slow, &s.nSlw, x, slower)
	}
}

// list returns the error exemplars (latest first) then the slow ones
// (slowest first); a trace in both appears twice.
func (s *exemplarSet) list() []Exemplar {
	out := make([]Exemplar, 0, s.nErr+s.nSlw)
	out = append(out, s.errs[:s.nErr]...)
	return append(out, s.slow[:s.nSlw]...)
}
