package canaryanalysisconnector

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
)

// With dimensions [service.name, span.name, http.route] an operation is a
// route: span.kind is dropped, the route is read from the span (or its
// resource) and written under its own key; in evidence it follows the span
// name.
func TestCustomDimensions(t *testing.T) {
	cfg := testConfig()
	cfg.Dimensions = []string{"service.name", "span.name", "http.route"}
	h := newHarness(t, cfg)
	td := traces(at(canaryCall, time.Second), at(canaryCall, 2*time.Second))
	sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	sp.Attributes().PutStr("http.route", "/cart/{id}")
	require.NoError(t, h.replay.ConsumeTraces(context.Background(), td))
	h.flush()

	assert.Equal(t, map[string]float64{
		key("service.name", "checkout", "service.version", "1.4", "span.name", "POST /checkout", "http.route", "/cart/{id}",
			"deployment.stage", "canary", "status", "ok"): 1,
		key("service.name", "checkout", "service.version", "1.4", "span.name", "POST /checkout", "http.route", "",
			"deployment.stage", "canary", "status", "ok"): 1,
	}, values(points(h.last(), metricCalls)))

	got := evidencemetrics.Decode(h.last())
	require.Len(t, got, 1)
	var ops []evidence.Operation
	got[0].Evidence.Cells(func(k evidence.CellKey, _ *evidence.Cell) {
		if !k.Operation.IsRelease() {
			ops = append(ops, k.Operation)
		}
	})
	assert.ElementsMatch(t, []evidence.Operation{
		{Service: "checkout", Name: "POST /checkout /cart/{id}"},
		{Service: "checkout", Name: "POST /checkout"},
	}, ops)
}
