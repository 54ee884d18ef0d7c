package traffic

import (
	"path/filepath"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

type exporter = sdktrace.SpanExporter

var testStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// loadScenario reads one of the repository's scenarios.
func loadScenario(tb testing.TB, name string) *Scenario {
	tb.Helper()
	sc, err := LoadScenario(filepath.Join("..", "..", "testdata", "scenarios", name))
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}
