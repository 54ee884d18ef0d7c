package traffic

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// failing fails the exports whose index (from 0) is in fail.
type failing struct {
	fail  map[int]bool
	calls int
}

func (f *failing) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error {
	i := f.calls
	f.calls++
	if f.fail[i] {
		return errors.New("refused")
	}
	return nil
}

func (f *failing) Shutdown(context.Context) error { return nil }

func smallRun(t *testing.T, exp sdktrace.SpanExporter) (Summary, error) {
	sc := loadScenario(t, "aa.yaml")
	sc.Duration = 10 * time.Second // about 13,500 spans: 13 batches of 1024
	return Run(context.Background(), Config{Scenario: sc, Exporter: exp, Seed: 1, SimulatedClock: true, Start: testStart, MaxConsecutiveFailures: 2})
}

func TestFirstExportFailureEndsTheRun(t *testing.T) {
	f := &failing{fail: map[int]bool{0: true}}
	sum, err := smallRun(t, f)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v", err)
	}
	if sum.FailedExports != 1 || sum.SentSpans != 0 || f.calls != 1 {
		t.Fatalf("failed %d sent %d calls %d", sum.FailedExports, sum.SentSpans, f.calls)
	}
}

func TestLaterExportFailuresAreCountedAndSkipped(t *testing.T) {
	f := &failing{fail: map[int]bool{3: true, 5: true}}
	sum, err := smallRun(t, f)
	if err != nil {
		t.Fatal(err)
	}
	var spans int64
	for _, c := range sum.Spans {
		spans += c.Spans
	}
	if sum.FailedExports != 2 || sum.FailedSpans == 0 || sum.SentSpans+sum.FailedSpans != spans || f.calls < 10 {
		t.Fatalf("failed %d (%d spans), sent %d of %d, calls %d", sum.FailedExports, sum.FailedSpans, sum.SentSpans, spans, f.calls)
	}
}

func TestConsecutiveExportFailuresEndTheRun(t *testing.T) {
	f := &failing{fail: map[int]bool{2: true, 3: true, 4: true}}
	_, err := smallRun(t, f)
	if err == nil || !strings.Contains(err.Error(), "after 2 failed export(s)") || f.calls != 4 {
		t.Fatalf("err = %v after %d calls", err, f.calls)
	}
}

// TestRealTimePacing runs half a second of traffic at 100 requests per
// second against the wall clock: the run lasts at least until the last
// arrival and every request starts inside the run. (A request is emitted
// whole at its arrival, so its later spans are stamped ahead of the clock.)
func TestRealTimePacing(t *testing.T) {
	sc := loadScenario(t, "aa.yaml")
	sc.Duration = 500 * time.Millisecond
	sc.Rate = 100
	c := &capture{}
	begin := time.Now()
	sum, err := Run(context.Background(), Config{Scenario: sc, Exporter: c, Seed: 1})
	end := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if end.Before(sum.End) || sum.Start.Before(begin) {
		t.Fatalf("run [%v, %v] but requests arrived in [%v, %v]", begin, end, sum.Start, sum.End)
	}
	for _, r := range c.rows {
		if r.parent.IsEmpty() && (r.start.Before(begin) || r.start.After(end)) {
			t.Fatalf("span %q starts at %v outside the run [%v, %v]", r.name, r.start, begin, end)
		}
	}
	if n := sum.Requests[StageCanary] + sum.Requests[StageStable]; n < 10 || int64(len(c.rows)) != sum.SentSpans {
		t.Fatalf("%d requests, %d spans received, %d sent", n, len(c.rows), sum.SentSpans)
	}
}

func TestCancelStopsTheRunAndSendsWhatWasMade(t *testing.T) {
	sc := loadScenario(t, "aa.yaml")
	sc.Rate = 100
	ctx, cancel := context.WithCancel(context.Background())
	c := &capture{}
	// The interrupt arrives while the first batch is being exported.
	exp := exportFunc(func(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
		cancel()
		return c.ExportSpans(ctx, spans)
	})
	sum, err := Run(ctx, Config{Scenario: sc, Exporter: exp, Seed: 1, BatchSize: 10})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if sum.SentSpans == 0 || int64(len(c.rows)) != sum.SentSpans {
		t.Fatalf("sent %d, received %d", sum.SentSpans, len(c.rows))
	}
}

type exportFunc func(context.Context, []sdktrace.ReadOnlySpan) error

func (f exportFunc) ExportSpans(ctx context.Context, s []sdktrace.ReadOnlySpan) error {
	return f(ctx, s)
}
func (exportFunc) Shutdown(context.Context) error { return nil }
