package traffic

import (
	"bytes"
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

func jsonRun(t *testing.T, seed uint64) []byte {
	t.Helper()
	sc := loadScenario(t, "error-regression.yaml")
	sc.Duration = 10 * time.Second
	var buf bytes.Buffer
	exp := NewFileExporter(&buf)
	if _, err := Run(context.Background(), Config{Scenario: sc, Exporter: exp, Seed: seed, SimulatedClock: true, Start: testStart}); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSameSeedSameBytes: with a simulated clock and a fixed start, the OTLP
// JSON output is a function of the seed alone.
func TestSameSeedSameBytes(t *testing.T) {
	a, b := jsonRun(t, 42), jsonRun(t, 42)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("two runs with seed 42 differ (%d and %d bytes)", len(a), len(b))
	}
	if c := jsonRun(t, 43); bytes.Equal(a, c) {
		t.Fatal("seeds 42 and 43 gave the same output")
	}
}

// TestFileOutputIsOTLPJSONPerLine: every line decodes with the collector's
// own JSON unmarshaler and the lines hold every span the summary counts.
func TestFileOutputIsOTLPJSONPerLine(t *testing.T) {
	out := jsonRun(t, 1)
	lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
	spans := 0
	var u ptrace.JSONUnmarshaler
	var last time.Time
	for i, l := range lines {
		td, err := u.UnmarshalTraces(l)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		spans += td.SpanCount()
		// Batches follow the schedule: every root of a line starts no
		// earlier than every root of the lines before it.
		var lineLast time.Time
		for _, r := range flatten(td) {
			if r.parent.IsEmpty() {
				if r.start.Before(last) {
					t.Fatalf("line %d: root at %v before a root of an earlier line at %v", i+1, r.start, last)
				}
				if r.start.After(lineLast) {
					lineLast = r.start
				}
			}
		}
		last = lineLast
	}
	sc := loadScenario(t, "error-regression.yaml")
	sc.Duration = 10 * time.Second
	_, sum := generate(t, sc, 1)
	if int64(spans) != sum.SentSpans || len(lines) < 2 {
		t.Fatalf("%d lines with %d spans; the same run sends %d spans", len(lines), spans, sum.SentSpans)
	}
}
