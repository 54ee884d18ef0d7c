package release

import (
	"slices"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// Span holds what attribution reads from one span.
type Span struct {
	Service string // resource service.name
	Version string // resource service.version
	// ResourceStage and SpanStage are the stage attribute's values on the
	// resource and on the span; the Has flags say whether it was present.
	ResourceStage    string
	HasResourceStage bool
	SpanStage        string
	HasSpanStage     bool
	// End is the span's end time, unix nanoseconds.
	End int64
}

// Registry knows the active releases and attributes spans to them. It is not
// safe for concurrent use: the connector holds its lock while calling it.
type Registry struct {
	classifier stage.Classifier
	releases   map[Key]*Release
	// byService lists each service's active releases, oldest first.
	byService map[string][]*Release
	// active lists every active release, oldest first.
	active []*Release
	// seen caches the arms of the last resource and span stage values:
	// consecutive spans mostly repeat them, and a lookup is per span.
	seen [2]seenArm
	// touched and runs cache the last release touched and the last
	// service's runs: consecutive spans mostly come from one resource, and
	// comparing its strings costs less than hashing them. Starting or
	// ending a run forgets both.
	touched *Release
	// changes counts changes to the set of runs and touches calls to
	// touch: see Stamp.
	changes, touches uint64
	runs             struct {
		ok      bool
		service string
		rels    []*Release
	}
}

type seenArm struct {
	value     string
	arm       stage.Arm
	ok        bool
	qualified bool // value is "<service>@<version>"
	release   Key
}

// NewRegistry builds a registry for a validated stage config.
func NewRegistry(c stage.Config) *Registry {
	return &Registry{
		classifier: stage.NewClassifier(c),
		releases:   map[Key]*Release{},
		byService:  map[string][]*Release{},
	}
}

// arm classifies a stage value; slot 0 caches resource values, 1 span
// values.
func (r *Registry) arm(slot int, value string, present bool) stage.Arm {
	if !present {
		return r.classifier.Missing()
	}
	return r.lookup(slot, value).arm
}

func (r *Registry) lookup(slot int, value string) *seenArm {
	c := &r.seen[slot]
	if !c.ok || c.value != value {
		svc, ver, q := stage.ParseRelease(value)
		*c = seenArm{value: value, arm: r.classifier.Arm(value), ok: true, qualified: q, release: Key{Service: svc, Version: ver}}
	}
	return c
}

// Attribute appends to out the releases and arms the span is evidence for.
//
// primary is the arm its user metrics (canary.calls, window gauges) carry:
// that of its own service's release; else the downstream one (canary when
// any caller was a canary); else what the span (then resource) stage says,
// so that services outside any run still show their stage. why is NoArm
// when no stage value names an arm (primary None) and Ambiguous when a bare
// canary value could belong to several releases; a span with an arm but no
// active release is simply outside any run.
func (r *Registry) Attribute(s Span, out []Attribution) (_ []Attribution, primary stage.Arm, why Unattributed) {
	n := len(out)
	own := r.arm(0, s.ResourceStage, s.HasResourceStage)
	switch own {
	case stage.Canary:
		rel := r.touch(r.ownKey(s), s.End)
		out = append(out, Attribution{Release: rel, Arm: stage.Canary})
	case stage.Stable:
		if rels := r.runsOf(s.Service); len(rels) > 0 {
			// Stable pods are the baseline of the newest run of their service.
			out = append(out, Attribution{Release: rels[len(rels)-1], Arm: stage.Stable})
		}
	}
	callers := r.arm(1, s.SpanStage, s.HasSpanStage)
	out, ambiguous := r.downstream(s, callers, out)
	switch {
	case len(out) > n && !out[n].Downstream:
		primary = out[n].Arm
	case callers != stage.None:
		primary = callers
	default:
		primary = own
	}
	switch {
	case ambiguous:
		why = Ambiguous
	case primary == stage.None:
		why = NoArm
	}
	return out, primary, why
}

func (r *Registry) ownKey(s Span) Key {
	if seen := r.lookup(0, s.ResourceStage); seen.qualified && seen.release.Service == s.Service {
		return seen.release
	}
	return Key{Service: s.Service, Version: s.Version}
}

// downstream attributes the span, as another service's operation, by the
// arm its span attribute stage names (callers).
func (r *Registry) downstream(s Span, callers stage.Arm, out []Attribution) (_ []Attribution, ambiguous bool) {
	if seen := r.lookup(1, s.SpanStage); s.HasSpanStage && seen.qualified {
		if seen.release.Service == s.Service {
			return out, false // its own release: the resource stage decides
		}
		k := seen.release
		rel := r.releases[k]
		if rel == nil {
			// Named exactly by the canary's baggage, perhaps before the
			// canary's own spans reached this instance.
			rel = r.touch(k, s.End)
			rel.LastCanary = 0
		}
		return append(out, Attribution{Release: rel, Arm: stage.Canary, Downstream: true}), false
	}
	switch callers {
	case stage.Canary:
		var only *Release
		for _, rel := range r.active {
			if rel.Key.Service == s.Service {
				continue
			}
			if only != nil && only.Key.Service != rel.Key.Service {
				return out, true
			}
			only = rel // a newer run of the same service supersedes
		}
		if only != nil {
			out = append(out, Attribution{Release: only, Arm: stage.Canary, Downstream: true})
		}
	case stage.Stable:
		for i, rel := range r.active {
			if rel.Key.Service == s.Service || r.supersededAt(i) {
				continue
			}
			out = append(out, Attribution{Release: rel, Arm: stage.Stable, Downstream: true})
		}
	}
	return out, false
}

// supersededAt reports whether active[i] has a newer run of its service.
func (r *Registry) supersededAt(i int) bool {
	rels := r.byService[r.active[i].Key.Service]
	return rels[len(rels)-1] != r.active[i]
}

// runsOf returns the service's active releases, oldest first.
func (r *Registry) runsOf(service string) []*Release {
	if !r.runs.ok || r.runs.service != service {
		r.runs.ok, r.runs.service, r.runs.rels = true, service, r.byService[service]
	}
	return r.runs.rels
}

// forget drops the cached lookups: the set of runs changed.
func (r *Registry) forget() {
	r.changes++
	r.touched = nil
	r.runs.ok, r.runs.service, r.runs.rels = false, "", nil
}

// touch returns the release, starting its run if it is new.
func (r *Registry) touch(k Key, end int64) *Release {
	r.touches++
	rel := r.touched
	if rel == nil || rel.Key != k {
		rel = r.releases[k]
	}
	if rel == nil {
		rel = &Release{Key: k, Start: end}
		r.releases[k] = rel
		r.byService[k.Service] = append(r.byService[k.Service], rel)
		r.active = append(r.active, rel)
		r.forget()
	}
	r.touched = rel
	if end < rel.Start {
		rel.Start = end
	}
	if end > rel.LastCanary {
		rel.LastCanary = end
	}
	return rel
}

// Stamp identifies the registry's state as far as attribution goes.
type Stamp struct{ changes, touches uint64 }

// Stamp returns the current stamp. A call of Attribute that left the stamp
// unchanged touched no release (touching records the span's end time, a
// side effect each span must have); its answer holds for the same span
// fields (End aside) while the registry's runs stay the same
// (SameRuns): a caller may reuse it that long.
func (r *Registry) Stamp() Stamp { return Stamp{r.changes, r.touches} }

// SameRuns reports whether no run started or ended between two stamps.
func (s Stamp) SameRuns(o Stamp) bool { return s.changes == o.changes }

// Get returns an active release.
func (r *Registry) Get(k Key) (*Release, bool) {
	rel, ok := r.releases[k]
	return rel, ok
}

// Active returns the active releases, oldest first. The slice is the
// registry's own: do not modify it.
func (r *Registry) Active() []*Release { return r.active }

// Expire ends the runs whose latest canary span ended before cutoff (unix
// ns) and returns them: a redeploy of the same version later is a new run.
func (r *Registry) Expire(cutoff int64) []*Release {
	r.forget()
	var gone []*Release
	r.active = slices.DeleteFunc(r.active, func(rel *Release) bool {
		last := max(rel.LastCanary, rel.Start)
		if last >= cutoff {
			return false
		}
		gone = append(gone, rel)
		delete(r.releases, rel.Key)
		rels := slices.DeleteFunc(r.byService[rel.Key.Service], func(x *Release) bool { return x == rel })
		if len(rels) == 0 {
			delete(r.byService, rel.Key.Service)
		} else {
			r.byService[rel.Key.Service] = rels
		}
		return true
	})
	return gone
}
