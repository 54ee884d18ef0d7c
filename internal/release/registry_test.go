package release

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// span builds a Span from "service version resourceStage spanStage"; "-"
// means the attribute is absent.
func span(desc string) Span {
	f := strings.Fields(desc)
	s := Span{Service: f[0], Version: f[1], End: 100}
	if f[2] != "-" {
		s.ResourceStage, s.HasResourceStage = f[2], true
	}
	if f[3] != "-" {
		s.SpanStage, s.HasSpanStage = f[3], true
	}
	return s
}

// render prints attributions as "service@version:arm[:down]" joined by " ".
func render(as []Attribution) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		p := a.Release.Key.String() + ":" + a.Arm.String()
		if a.Downstream {
			p += ":down"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func TestAttribute(t *testing.T) {
	tests := []struct {
		name     string
		setup    []string // spans seen before, to start releases
		span     string
		want     string
		primary  stage.Arm
		unattrib Unattributed
	}{
		{"canary pod starts its release", nil, "checkout 1.4 canary canary", "checkout@1.4:canary", stage.Canary, Attributed},
		{"own stable pod is the baseline by resource stage", []string{"checkout 1.4 canary -"}, "checkout 1.3 stable canary", "checkout@1.4:stable", stage.Stable, Attributed},
		{"downstream called from the canary", []string{"checkout 1.4 canary -"}, "inventory 2.0 stable canary", "checkout@1.4:canary:down", stage.Canary, Attributed},
		{"downstream called from stable", []string{"checkout 1.4 canary -"}, "inventory 2.0 stable stable", "checkout@1.4:stable:down", stage.Stable, Attributed},
		{"primary is a stable value too", []string{"checkout 1.4 canary -"}, "inventory 2.0 stable primary", "checkout@1.4:stable:down", stage.Stable, Attributed},
		{"no release: arm from the resource, outside any run", nil, "inventory 2.0 stable -", "", stage.Stable, Attributed},
		{"no stage anywhere", []string{"checkout 1.4 canary -"}, "inventory 2.0 - -", "", stage.None, NoArm},
		{"unknown stage value", []string{"checkout 1.4 canary -"}, "inventory 2.0 blue green", "", stage.None, NoArm},
		{"release-qualified value names its release", []string{"checkout 1.4 canary -", "payment 7 canary -"}, "inventory 2.0 stable checkout@1.4", "checkout@1.4:canary:down", stage.Canary, Attributed},
		{"release-qualified value of an unseen release starts it", nil, "inventory 2.0 stable payment@7", "payment@7:canary:down", stage.Canary, Attributed},
		{"bare canary with two releases is ambiguous", []string{"checkout 1.4 canary -", "payment 7 canary -"}, "inventory 2.0 stable canary", "", stage.Canary, Ambiguous},
		{"bare stable with two releases is every release's baseline", []string{"checkout 1.4 canary -", "payment 7 canary -"}, "inventory 2.0 stable stable", "checkout@1.4:stable:down payment@7:stable:down", stage.Stable, Attributed},
		{"own release is not downstream of itself", []string{"checkout 1.4 canary -", "payment 7 canary -"}, "payment 6 stable canary", "payment@7:stable checkout@1.4:canary:down", stage.Stable, Attributed},
		{"a release's stable pod called from another canary", []string{"checkout 1.4 canary -"}, "payment 6 stable canary", "checkout@1.4:canary:down", stage.Canary, Attributed},
		{"newest run of a service is the baseline's", []string{"checkout 1.4 canary -", "checkout 1.5 canary -"}, "checkout 1.3 stable -", "checkout@1.5:stable", stage.Stable, Attributed},
		{"two runs of one service are not ambiguous downstream", []string{"checkout 1.4 canary -", "checkout 1.5 canary -"}, "inventory 2 stable canary", "checkout@1.5:canary:down", stage.Canary, Attributed},
		{"qualified resource stage", nil, "checkout 1.4 checkout@1.4 -", "checkout@1.4:canary", stage.Canary, Attributed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry(stage.DefaultConfig())
			for _, s := range tt.setup {
				r.Attribute(span(s), nil)
			}
			got, primary, why := r.Attribute(span(tt.span), nil)
			assert.Equal(t, tt.want, render(got))
			assert.Equal(t, tt.primary, primary, "primary arm")
			assert.Equal(t, tt.unattrib, why)
		})
	}
}

func TestDefaultArmAttributesSpansWithoutStage(t *testing.T) {
	cfg := stage.DefaultConfig()
	cfg.Default = "stable"
	r := NewRegistry(cfg)
	r.Attribute(span("checkout 1.4 canary -"), nil)
	got, primary, why := r.Attribute(span("inventory 2 - -"), nil)
	assert.Equal(t, "checkout@1.4:stable:down", render(got))
	assert.Equal(t, stage.Stable, primary)
	assert.Equal(t, Attributed, why)
}

func TestRunStartsAtFirstCanarySpanAndExpires(t *testing.T) {
	r := NewRegistry(stage.DefaultConfig())
	s := span("checkout 1.4 canary -")
	s.End = 50
	r.Attribute(s, nil)
	s.End = 40 // out of order: the run started earlier than first seen
	r.Attribute(s, nil)
	s.End = 90
	r.Attribute(s, nil)
	rel, ok := r.Get(Key{"checkout", "1.4"})
	assert.True(t, ok)
	assert.Equal(t, Release{Key: Key{"checkout", "1.4"}, Start: 40, LastCanary: 90}, *rel)

	assert.Empty(t, r.Expire(90))
	gone := r.Expire(91)
	assert.Equal(t, []*Release{rel}, gone)
	assert.Empty(t, r.Active())
	got, _, _ := r.Attribute(span("inventory 2 stable canary"), nil)
	assert.Empty(t, got, "no active release after expiry")

	s.End = 200
	got, _, _ = r.Attribute(s, nil)
	assert.Equal(t, int64(200), got[0].Release.Start, "a redeploy is a new run")
}

func ExampleRegistry_Attribute() {
	r := NewRegistry(stage.DefaultConfig())
	for _, s := range []Span{
		{Service: "checkout", Version: "1.4", ResourceStage: "canary", HasResourceStage: true},
		{Service: "checkout", Version: "1.3", ResourceStage: "stable", HasResourceStage: true},
		{Service: "inventory", Version: "2.0", ResourceStage: "stable", HasResourceStage: true, SpanStage: "canary", HasSpanStage: true},
	} {
		as, primary, _ := r.Attribute(s, nil)
		fmt.Println(s.Service, primary, render(as))
	}
	// Output:
	// checkout canary checkout@1.4:canary
	// checkout stable checkout@1.4:stable
	// inventory canary checkout@1.4:canary:down
}

// Consecutive spans of one resource hit the registry's cached lookups; a
// run that starts or ends between them must still be seen.
func TestAttributeSeesRunsStartAndEndBetweenSpans(t *testing.T) {
	r := NewRegistry(stage.DefaultConfig())
	stable := span("checkout 1.3 stable -")
	as, _, _ := r.Attribute(stable, nil)
	assert.Empty(t, as, "no run yet")

	as, _, _ = r.Attribute(span("checkout 1.4 canary -"), nil)
	first := as[0].Release
	as, _, _ = r.Attribute(stable, nil)
	assert.Equal(t, "checkout@1.4:stable", render(as))

	as, _, _ = r.Attribute(span("checkout 1.5 canary -"), nil)
	as, _, _ = r.Attribute(stable, nil)
	assert.Equal(t, "checkout@1.5:stable", render(as), "the newest run is the baseline's")

	require.Len(t, r.Expire(101), 2)
	as, _, _ = r.Attribute(stable, nil)
	assert.Empty(t, as, "the runs ended")
	as, _, _ = r.Attribute(span("checkout 1.4 canary -"), nil)
	assert.NotSame(t, first, as[0].Release, "a redeploy is a new run")
	assert.Equal(t, []*Release{as[0].Release}, r.Active())
}

func BenchmarkAttribute(b *testing.B) {
	for _, bc := range []struct{ name, span string }{
		{"downstream", "inventory 2.0 stable canary"},
		{"own-canary", "checkout 1.4 canary -"},
		{"own-stable", "checkout 1.3 stable -"},
		{"outside", "payment 3.1 stable -"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := NewRegistry(stage.DefaultConfig())
			r.Attribute(span("checkout 1.4 canary -"), nil)
			s := span(bc.span)
			buf := make([]Attribution, 0, 4)
			b.ReportAllocs()
			for b.Loop() {
				buf, _, _ = r.Attribute(s, buf[:0])
			}
		})
	}
}

// The connector reuses an answer of Attribute that touched nothing while
// the registry's runs stay the same: over random spans, runs starting (canary
// spans, qualified baggage) and expiring, every answer given under an
// unchanged stamp must equal the one recorded for the same fields.
func TestStampUnchangedMeansSameAnswer(t *testing.T) {
	r := NewRegistry(stage.DefaultConfig())
	services := []string{"checkout", "inventory", "payment"}
	versions := []string{"1", "2"}
	stages := []string{"-", "canary", "stable", "checkout@2", "inventory@1", "other"}
	type memo struct {
		stamp   Stamp
		answer  string
		primary stage.Arm
		why     Unattributed
	}
	memos := map[string]memo{}
	reused := 0
	for i := range 20000 {
		desc := fmt.Sprintf("%s %s %s %s", services[(i*7)%3], versions[(i/3)%2], stages[(i*5)%len(stages)], stages[(i*11/7)%len(stages)])
		s := span(desc)
		s.End = int64(i)
		if i%2500 == 2499 {
			r.Expire(int64(i - 1000))
		}
		before := r.Stamp()
		got, primary, why := r.Attribute(s, nil)
		if r.Stamp() != before {
			continue // touched or changed: not reusable
		}
		if m, ok := memos[desc]; ok && m.stamp.SameRuns(before) {
			reused++
			require.Equal(t, m.answer, render(got), "span %q at %d", desc, i)
			require.Equal(t, m.primary, primary)
			require.Equal(t, m.why, why)
		}
		memos[desc] = memo{before, render(got), primary, why}
	}
	assert.Greater(t, reused, 1000)
}
