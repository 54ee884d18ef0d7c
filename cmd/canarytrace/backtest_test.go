package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var start = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

// recording writes seconds of checkout traffic as OTLP JSON lines, one
// request per second (split in two when split): canary checkout at
// canaryRPS with canaryErr errors, stable at 10x with 1% errors, each
// checkout call making one inventory call that carries the caller's stage.
func recording(t *testing.T, seconds int, canaryRPS int, canaryErr float64, split bool) string {
	rng := rand.New(rand.NewPCG(42, 4))
	var buf bytes.Buffer
	var m ptrace.JSONMarshaler
	trace := uint64(0)
	for sec := 0; sec < seconds; sec++ {
		td := ptrace.NewTraces()
		pods := map[string]ptrace.SpanSlice{}
		pod := func(service, version, stage string) ptrace.SpanSlice {
			k := service + version + stage
			if s, ok := pods[k]; ok {
				return s
			}
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", service)
			rs.Resource().Attributes().PutStr("service.version", version)
			rs.Resource().Attributes().PutStr("deployment.stage", stage)
			s := rs.ScopeSpans().AppendEmpty().Spans()
			pods[k] = s
			return s
		}
		call := func(stage, version string, errRate float64) {
			trace++
			var id pcommon.TraceID
			for i := 0; i < 8; i++ {
				id[8+i] = byte(trace >> (8 * i))
			}
			end := start.Add(time.Duration(sec)*time.Second + time.Duration(rng.IntN(1000))*time.Millisecond)
			add := func(s ptrace.SpanSlice, name string, d time.Duration, isErr bool) {
				sp := s.AppendEmpty()
				sp.SetTraceID(id)
				sp.SetName(name)
				sp.SetKind(ptrace.SpanKindServer)
				sp.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-d)))
				sp.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
				sp.Attributes().PutStr("deployment.stage", stage)
				if isErr {
					sp.Status().SetCode(ptrace.StatusCodeError)
				}
			}
			add(pod("checkout", version, stage), "POST /checkout", 80*time.Millisecond, rng.Float64() < errRate)
			add(pod("inventory", "2.0", "stable"), "GET /stock", 20*time.Millisecond, rng.Float64() < 0.01)
		}
		for i := 0; i < canaryRPS; i++ {
			call("canary", "1.4", canaryErr)
		}
		for i := 0; i < 10*canaryRPS; i++ {
			call("stable", "1.3", 0.01)
		}
		if !split {
			b, err := m.MarshalTraces(td)
			require.NoError(t, err)
			buf.Write(b)
			buf.WriteByte('\n')
			continue
		}
		// Same spans, two requests: a replay at another batching.
		for half := 0; half < 2; half++ {
			part := ptrace.NewTraces()
			for i := 0; i < td.ResourceSpans().Len(); i++ {
				if i%2 == half {
					td.ResourceSpans().At(i).CopyTo(part.ResourceSpans().AppendEmpty())
				}
			}
			b, err := m.MarshalTraces(part)
			require.NoError(t, err)
			buf.Write(b)
			buf.WriteByte('\n')
		}
	}
	path := filepath.Join(t.TempDir(), "traces.json")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

func writeFile(t *testing.T, name, body string) string {
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

const collectorConfig = `
receivers: {otlp: {protocols: {grpc: {}}}}
connectors:
  canary_analysis:
    interval: 10s
    allowed_lateness: 2s
    min_samples: 50
exporters: {debug: {}}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [canary_analysis]}
    metrics: {receivers: [canary_analysis], exporters: [debug]}
`

func backtest(t *testing.T, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"backtest"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestBacktestRollsBackAFailingCanary(t *testing.T) {
	traces := recording(t, 300, 2, 0.3, false)
	cfg := writeFile(t, "otelcol.yaml", collectorConfig)
	out, errOut, code := backtest(t, "--config", cfg, traces)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "checkout@1.4  run checkout@1.4@")
	final := out[strings.Index(out, "final verdicts:"):]
	assert.Contains(t, final, "checkout@1.4         rollback")
	assert.Contains(t, final, "failing: ")
	assert.Contains(t, final, "checkout POST /checkout (SPAN_KIND_SERVER) error_rate")
	assert.Contains(t, out, "13200 spans in 300 requests")
}

func TestBacktestHealthyCanaryDoesNotRollBack(t *testing.T) {
	traces := recording(t, 300, 2, 0.01, false)
	cfg := writeFile(t, "canary.yaml", "interval: 10s\nallowed_lateness: 2s\nmin_samples: 50\n")
	out, errOut, code := backtest(t, "--config", cfg, traces)
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, out, "rollback")
}

// Span time alone drives the evaluation, so the batching of a recording
// does not change the timeline.
func TestBacktestTimelineDoesNotDependOnBatching(t *testing.T) {
	cfg := writeFile(t, "canary.yaml", "interval: 10s\nallowed_lateness: 2s\nmin_samples: 50\n")
	whole, _, code := backtest(t, "--config", cfg, "--every-step", recording(t, 120, 2, 0.3, false))
	require.Equal(t, 0, code)
	split, _, code := backtest(t, "--config", cfg, "--every-step", recording(t, 120, 2, 0.3, true))
	require.Equal(t, 0, code)
	cut := func(s string) string { return s[:strings.LastIndex(s, "\n\n")] } // drop the request count
	assert.Equal(t, cut(whole), cut(split))
}

func TestBacktestSkipsUnreadableLines(t *testing.T) {
	traces := recording(t, 20, 1, 0.01, false)
	body, err := os.ReadFile(traces)
	require.NoError(t, err)
	bad := writeFile(t, "bad.json", "not json\n"+string(body))
	cfg := writeFile(t, "canary.yaml", "interval: 10s\n")
	out, errOut, code := backtest(t, "--config", cfg, bad)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "1 unreadable lines skipped")
	assert.Contains(t, errOut, "bad.json:1:")
}

func TestBacktestUsageErrors(t *testing.T) {
	_, errOut, code := backtest(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--config and at least one traces file are required")

	cfg := writeFile(t, "bad.yaml", "interval: -1s\n")
	_, errOut, code = backtest(t, "--config", cfg, "x.json")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "interval must be positive")

	two := writeFile(t, "two.yaml", "connectors: {canary_analysis/a: {}, canary_analysis/b: {}}\n")
	_, errOut, code = backtest(t, "--config", two, "x.json")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "choose one with --name")
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"frobnicate"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `unknown command "frobnicate"`)
	assert.Contains(t, errOut.String(), "backtest")
}
