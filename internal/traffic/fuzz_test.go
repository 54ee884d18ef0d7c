package traffic

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// FuzzParseScenario: whatever the bytes, the parser returns a scenario or an
// error, never panics, and an accepted scenario compiles into a topology and
// can generate a request.
func FuzzParseScenario(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "scenarios", "*.yaml"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(minimal))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario("fuzz.yaml", data)
		if err != nil {
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("accepted a scenario that does not validate: %v", err)
		}
		b := &batch{}
		topo, err := buildTopology(sc, newSeededIDs(1), sdktrace.AlwaysSample(), b)
		if err != nil {
			t.Fatal(err)
		}
		defer topo.shutdown(t.Context())
		r := &runner{scenario: sc, topo: topo, rng: newSeededIDs(2).rng, start: testStart, requests: map[string]int64{}}
		r.emit(testStart.Add(time.Second))
		if b.len() == 0 {
			t.Fatal("a request made no spans")
		}
	})
}
