package canaryanalysisconnector

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadatatest"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/judge"
)

// brokenDependency sends seconds of traffic in which inventory fails 30% of
// the calls made by canary checkout and 0.2% of those made by stable
// checkout, while checkout itself is healthy. Seed 7.
func brokenDependency(h *harness, seconds int) {
	rng := rand.New(rand.NewPCG(7, 7))
	trace := 0
	for sec := 0; sec < seconds; sec++ {
		var spans []span
		for i := 0; i < 22; i++ {
			trace++
			stage, version, invErr := "stable", "1.3", 0.002
			if i < 2 {
				stage, version, invErr = "canary", "1.4", 0.3
			}
			end := time.Duration(sec)*time.Second + time.Duration(rng.IntN(1000))*time.Millisecond
			spans = append(spans,
				span{service: "checkout", version: version, resStage: stage, spanStage: stage, name: "POST /checkout", kind: server, end: end, trace: trace},
				span{service: "inventory", version: "2.0", resStage: "stable", spanStage: stage, name: "GET /stock", kind: server, end: end, trace: trace, err: rng.Float64() < invErr, duration: 20 * time.Millisecond},
			)
		}
		h.send(spans...)
	}
	h.flush()
}

func TestDownstreamFailureRollsBackTheCallerNamingTheOperation(t *testing.T) {
	cfg := testConfig()
	cfg.MinSamples = 50
	h := newHarness(t, cfg)
	brokenDependency(h, 300)

	require.NotEmpty(t, h.verdict)
	last := h.verdict[len(h.verdict)-1]
	assert.Equal(t, evidence.Release{Service: "checkout", Version: "1.4"}, last.Release)
	assert.Equal(t, judge.Fail, last.Verdict)
	var failing []string
	for _, c := range last.Checks {
		if c.Verdict == judge.Fail {
			failing = append(failing, c.Operation.String()+" "+c.Check)
		}
	}
	assert.Contains(t, failing, "inventory GET /stock (SPAN_KIND_SERVER) error_rate")
	assert.NotContains(t, failing, "checkout POST /checkout (SPAN_KIND_SERVER) error_rate", "checkout itself is healthy")

	// The verdict metric carries the failing operation row, with canary
	// trace IDs as exemplars.
	md := h.last()
	rows := points(md, metricVerdict)
	assert.Equal(t, -1.0, rows[key("service.name", "checkout", "service.version", "1.4", "check", "overall")].value)
	row := key("service.name", "checkout", "service.version", "1.4", "check", "error_rate",
		"operation.service", "inventory", "span.name", "GET /stock", "span.kind", "SPAN_KIND_SERVER")
	assert.Equal(t, -1.0, rows[row].value)
	ex := exemplarsOf(md, metricVerdict, row)
	assert.NotEmpty(t, ex)
	assert.LessOrEqual(t, len(ex), cfg.Exemplars)
	score := values(points(md, metricScore))
	assert.Contains(t, score, key("service.name", "checkout", "service.version", "1.4"))

	// A rollback is final for the run: one change, from inconclusive.
	metadatatest.AssertEqualConnectorCanaryAnalysisVerdictChanges(t, h.tel,
		[]metricdata.DataPoint[int64]{{Value: 1, Attributes: attribute.NewSet(attribute.String("verdict", "rollback"))}},
		metricdatatest.IgnoreTimestamp())
}

func exemplarsOf(md pmetric.Metrics, name, attrs string) []pcommon.TraceID {
	var out []pcommon.TraceID
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		if ms.At(i).Name() != name {
			continue
		}
		dps := ms.At(i).Gauge().DataPoints()
		for j := 0; j < dps.Len(); j++ {
			if attrString(dps.At(j).Attributes()) != attrs {
				continue
			}
			for k := 0; k < dps.At(j).Exemplars().Len(); k++ {
				out = append(out, dps.At(j).Exemplars().At(k).TraceID())
			}
		}
	}
	return out
}
