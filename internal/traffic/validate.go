package traffic

import (
	"fmt"
	"math"
	"time"
)

// Bounds on a scenario. They keep a typo from turning into a generator that
// never ends or a request with millions of spans.
const (
	maxRate          = 1e6
	maxCallDepth     = 16
	maxSpansPerTrace = 10000
)

var validKinds = map[string]bool{"": true, "server": true, "internal": true, "consumer": true, "producer": true}

// Validate checks every field and returns the first problem, naming the
// file, the field and the bad value.
func (s *Scenario) Validate() error {
	bad := func(field string, value any, why string) error {
		return fmt.Errorf("scenario %s: %s: %v %s", s.file, field, value, why)
	}
	if s.Duration < 0 {
		return bad("duration", s.Duration, "is negative")
	}
	if !(s.Rate >= 0 && s.Rate <= maxRate) {
		return bad("rate", s.Rate, fmt.Sprintf("is not in [0, %g] requests per second", maxRate))
	}
	if s.CanaryShare != nil && !isProbability(*s.CanaryShare) {
		return bad("canary_share", *s.CanaryShare, "is not a share in [0, 1]")
	}
	for i, st := range s.CanarySteps {
		field := fmt.Sprintf("canary_steps[%d]", i)
		if st.At < 0 || (i > 0 && st.At <= s.CanarySteps[i-1].At) {
			return bad(field+".at", st.At, "is negative or not after the previous step")
		}
		if !isProbability(st.Share) {
			return bad(field+".share", st.Share, "is not a share in [0, 1]")
		}
	}
	if s.HeadSampling != nil && !(*s.HeadSampling > 0 && *s.HeadSampling <= 100) {
		return bad("head_sampling", *s.HeadSampling, "is not a percentage in (0, 100]")
	}
	if len(s.Services) == 0 {
		return bad("services", "[]", "is empty: a scenario needs at least one service")
	}
	if err := s.validateServices(bad); err != nil {
		return err
	}
	if len(s.Entries) == 0 {
		return bad("entries", "[]", "is empty: name the operations requests arrive at")
	}
	for i, e := range s.Entries {
		field := fmt.Sprintf("entries[%d]", i)
		if s.operation(e.Service, e.Operation) == nil {
			return bad(field, fmt.Sprintf("%q/%q", e.Service, e.Operation), "is not an operation of a listed service")
		}
		if !(e.Weight >= 0 && e.Weight < math.Inf(1)) {
			return bad(field+".weight", e.Weight, "is not a finite weight >= 0")
		}
	}
	return s.validateCallGraph(bad)
}

type badFunc func(field string, value any, why string) error

func (s *Scenario) validateServices(bad badFunc) error {
	names := map[string]bool{}
	release := ""
	for i, svc := range s.Services {
		field := fmt.Sprintf("services[%d]", i)
		if svc.Name == "" || names[svc.Name] {
			return bad(field+".name", fmt.Sprintf("%q", svc.Name), "is empty or repeated")
		}
		names[svc.Name] = true
		if svc.Version == "" {
			return bad(field+".version", `""`, "is empty")
		}
		if svc.CanaryVersion != "" {
			if release != "" {
				return bad(field+".canary_version", svc.CanaryVersion,
					fmt.Sprintf("is a second release: %q already has a canary", release))
			}
			release = svc.Name
		}
		if len(svc.Operations) == 0 {
			return bad(field+".operations", "[]", "is empty")
		}
		ops := map[string]bool{}
		for j, op := range svc.Operations {
			if err := validateOperation(fmt.Sprintf("%s.operations[%d]", field, j), op, ops, bad); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateOperation(field string, op Operation, seen map[string]bool, bad badFunc) error {
	if op.Name == "" || seen[op.Name] {
		return bad(field+".name", fmt.Sprintf("%q", op.Name), "is empty or repeated in this service")
	}
	seen[op.Name] = true
	if !validKinds[op.Kind] {
		return bad(field+".kind", fmt.Sprintf("%q", op.Kind), "is not one of server, internal, consumer, producer")
	}
	for _, b := range []struct {
		path string
		b    *Behavior
	}{{field, &op.Behavior}, {field + ".stable", op.Stable}, {field + ".canary", op.Canary}} {
		if err := validateBehavior(b.path, b.b, bad); err != nil {
			return err
		}
	}
	for _, stage := range []struct {
		name string
		over *Behavior
	}{{"stable", op.Stable}, {"canary", op.Canary}} {
		if op.resolve(stage.over).Latency == nil {
			return bad(field+".latency", "(missing)", "is needed for the "+stage.name+" stage")
		}
	}
	for j, c := range op.Calls {
		if c.Network < 0 {
			return bad(fmt.Sprintf("%s.calls[%d].network", field, j), c.Network, "is negative")
		}
	}
	for k := range op.Attributes {
		if k == "" {
			return bad(field+".attributes", `""`, "is an empty attribute key")
		}
	}
	return nil
}

func validateBehavior(field string, b *Behavior, bad badFunc) error {
	if b == nil {
		return nil
	}
	if b.ErrorRate != nil && !isProbability(*b.ErrorRate) {
		return bad(field+".error_rate", *b.ErrorRate, "is not a probability in [0, 1]")
	}
	if b.Latency == nil {
		return nil
	}
	l := b.Latency
	if err := validateLognormal(field+".latency", l.Median, l.P99, bad); err != nil {
		return err
	}
	if l.Slow != nil {
		if !isProbability(l.Slow.Share) {
			return bad(field+".latency.slow.share", l.Slow.Share, "is not a share in [0, 1]")
		}
		return validateLognormal(field+".latency.slow", l.Slow.Median, l.Slow.P99, bad)
	}
	return nil
}

func validateLognormal(field string, median, p99 time.Duration, bad badFunc) error {
	if median <= 0 {
		return bad(field+".median", median, "is not a positive duration")
	}
	if p99 != 0 && p99 < median {
		return bad(field+".p99", p99, "is below the median "+median.String())
	}
	return nil
}

// validateCallGraph checks that calls name real operations and that a request
// is a finite tree of bounded size: a cycle would recurse for ever, and a
// diamond-heavy graph multiplies spans exponentially.
func (s *Scenario) validateCallGraph(bad badFunc) error {
	spans := map[*Operation]int{}
	onPath := map[*Operation]bool{}
	var visit func(field string, op *Operation, depth int) (int, error)
	visit = func(field string, op *Operation, depth int) (int, error) {
		if n, ok := spans[op]; ok {
			return n, nil
		}
		if onPath[op] || depth > maxCallDepth {
			return 0, bad(field, fmt.Sprintf("%q", op.Name), fmt.Sprintf("closes a call cycle or nests deeper than %d", maxCallDepth))
		}
		onPath[op] = true
		n := 1
		for j, c := range op.Calls {
			callee := s.operation(c.Service, c.Operation)
			cf := fmt.Sprintf("%s.calls[%d]", field, j)
			if callee == nil {
				return 0, bad(cf, fmt.Sprintf("%q/%q", c.Service, c.Operation), "is not an operation of a listed service")
			}
			m, err := visit(cf, callee, depth+1)
			if err != nil {
				return 0, err
			}
			n += m + 1 // the callee's spans and, at most, a client span
			if n > maxSpansPerTrace {
				return 0, bad(field, fmt.Sprintf("%q", op.Name), fmt.Sprintf("makes more than %d spans per request", maxSpansPerTrace))
			}
		}
		onPath[op] = false
		spans[op] = n
		return n, nil
	}
	for i := range s.Services {
		for j := range s.Services[i].Operations {
			field := fmt.Sprintf("services[%d].operations[%d]", i, j)
			if _, err := visit(field, &s.Services[i].Operations[j], 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Scenario) operation(service, name string) *Operation {
	for i := range s.Services {
		if s.Services[i].Name != service {
			continue
		}
		for j := range s.Services[i].Operations {
			if s.Services[i].Operations[j].Name == name {
				return &s.Services[i].Operations[j]
			}
		}
	}
	return nil
}

// resolve merges a stage override over the operation's own behaviour.
func (op *Operation) resolve(over *Behavior) Behavior {
	b := op.Behavior
	if over != nil && over.ErrorRate != nil {
		b.ErrorRate = over.ErrorRate
	}
	if over != nil && over.Latency != nil {
		b.Latency = over.Latency
	}
	return b
}

func isProbability(p float64) bool { return p >= 0 && p <= 1 }
