package canarysamplingprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/stage"
)

func resourceSpans(attrs map[string]any, scope string) ptrace.ResourceSpans {
	rs := ptrace.NewResourceSpans()
	_ = rs.Resource().Attributes().FromRaw(attrs)
	rs.ScopeSpans().AppendEmpty().Scope().SetName(scope)
	return rs
}

func TestContextsInternEqualResourcesAndScopes(t *testing.T) {
	c := newContexts(stage.NewClassifier(stage.DefaultConfig()), stage.DefaultAttribute)
	a := resourceSpans(map[string]any{"service.name": "checkout", stage.DefaultAttribute: "canary"}, "http")
	b := resourceSpans(map[string]any{stage.DefaultAttribute: "canary", "service.name": "checkout"}, "http")
	other := resourceSpans(map[string]any{"service.name": "inventory"}, "http")

	ra, rb, ro := c.resource(a), c.resource(b), c.resource(other)
	assert.Same(t, ra, c.resource(a))
	assert.Equal(t, stage.Canary, ra.arm)
	assert.Equal(t, "canary", ra.stage)
	assert.NotSame(t, ra, ro)
	assert.Equal(t, stage.None, ro.arm)
	// Equal attributes in another order may hash differently and get a
	// second entry, which costs memory but not correctness.
	assert.Equal(t, ra.resource.Attributes().AsRaw(), rb.resource.Attributes().AsRaw())

	sa := c.scope(ra, a.ScopeSpans().At(0))
	assert.Same(t, sa, c.scope(ra, a.ScopeSpans().At(0)))
	assert.NotSame(t, sa, c.scope(ro, other.ScopeSpans().At(0)), "same scope, other resource")
}

func TestContextsForgetEntriesUnusedForTwoSweeps(t *testing.T) {
	c := newContexts(stage.NewClassifier(stage.DefaultConfig()), stage.DefaultAttribute)
	used := resourceSpans(map[string]any{"service.name": "checkout"}, "http")
	idle := resourceSpans(map[string]any{"service.name": "inventory"}, "http")
	first := c.resource(idle)
	c.resource(used)
	c.sweepUnused()
	c.resource(used)
	c.sweepUnused()
	c.resource(used)
	assert.Len(t, c.resources, 2, "idle was used in the previous period")
	c.sweepUnused()
	assert.Len(t, c.resources, 1)
	assert.NotSame(t, first, c.resource(idle), "a forgotten resource is interned anew")
}
