package traffic

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRepositoryScenariosLoad: every file under testdata/scenarios is valid.
func TestRepositoryScenariosLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "scenarios", "*.yaml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("scenarios: %v %v", files, err)
	}
	for _, f := range files {
		if _, err := LoadScenario(f); err != nil {
			t.Error(err)
		}
	}
}

const minimal = `
entries: [{service: a, operation: GET /x}]
services:
  - name: a
    version: "1"
    canary_version: "2"
    operations:
      - name: GET /x
        latency: {median: 1ms}
`

// TestBadScenarioErrorsNameFileFieldAndValue: each mistake is reported with
// the file, the field path and the bad value.
func TestBadScenarioErrorsNameFileFieldAndValue(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", minimal + "colour: blue\n", []string{"bad.yaml", "field colour not found"}},
		{"misspelt nested key", strings.Replace(minimal, "median:", "medain:", 1), []string{"bad.yaml", "field medain not found"}},
		{"error rate above one", strings.Replace(minimal, "latency: {median: 1ms}", "latency: {median: 1ms}\n        error_rate: 1.5", 1),
			[]string{"bad.yaml", "services[0].operations[0].error_rate", "1.5"}},
		{"negative canary share", minimal + "canary_share: -0.1\n", []string{"canary_share", "-0.1"}},
		{"head sampling zero", minimal + "head_sampling: 0\n", []string{"head_sampling", "0 is not a percentage"}},
		{"bad duration", minimal + "duration: soon\n", []string{"bad.yaml", "soon"}},
		{"missing latency", strings.Replace(minimal, "latency: {median: 1ms}", "error_rate: 0.1", 1),
			[]string{"services[0].operations[0].latency", "stable stage"}},
		{"p99 below median", strings.Replace(minimal, "{median: 1ms}", "{median: 10ms, p99: 5ms}", 1),
			[]string{"services[0].operations[0].latency.p99", "5ms", "below the median 10ms"}},
		{"unknown call target", strings.Replace(minimal, "latency: {median: 1ms}", "latency: {median: 1ms}\n        calls: [{service: b, operation: GET /y}]", 1),
			[]string{"services[0].operations[0].calls[0]", `"b"/"GET /y"`}},
		{"call cycle", strings.Replace(minimal, "latency: {median: 1ms}", "latency: {median: 1ms}\n        calls: [{service: a, operation: GET /x}]", 1),
			[]string{"cycle", `"GET /x"`}},
		{"unknown entry", strings.Replace(minimal, "operation: GET /x}", "operation: GET /z}", 1), []string{"entries[0]", `"a"/"GET /z"`}},
		{"bad kind", strings.Replace(minimal, "latency: {median: 1ms}", "latency: {median: 1ms}\n        kind: client", 1),
			[]string{"services[0].operations[0].kind", `"client"`}},
		{"two releases", minimal + `  - name: b
    version: "1"
    canary_version: "3"
    operations: [{name: op, latency: {median: 1ms}}]
`, []string{"services[1].canary_version", "second release"}},
		{"steps out of order", minimal + "canary_steps: [{at: 10m, share: 0.1}, {at: 5m, share: 0.2}]\n", []string{"canary_steps[1].at", "5m0s"}},
		{"empty", "", []string{"bad.yaml", "empty"}},
		{"two documents", minimal + "---\n" + minimal, []string{"more than one YAML document"}},
		{"not a mapping", "- 1\n- 2\n", []string{"bad.yaml", "cannot unmarshal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario("bad.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadScenarioNamesAMissingFile(t *testing.T) {
	_, err := LoadScenario(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("err = %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestDefaultsApply(t *testing.T) {
	sc, err := ParseScenario("min.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "min.yaml" || sc.canaryShare(0) != DefaultCanaryShare {
		t.Fatalf("name %q, share %g", sc.Name, sc.canaryShare(0))
	}
	before := time.Now()
	r, err := newRunner(Config{Scenario: sc, Exporter: &capture{}, SimulatedClock: true})
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	defer r.topo.shutdown(t.Context())
	if r.rate != DefaultRate || r.duration != DefaultDuration || r.cfg.BatchSize != DefaultBatchSize {
		t.Fatalf("rate %g duration %v batch %d", r.rate, r.duration, r.cfg.BatchSize)
	}
	// A simulated run with no start ends at the present: it starts the
	// duration before now, truncated to the second.
	lo, hi := before.Add(-DefaultDuration).Truncate(time.Second), after.Add(-DefaultDuration)
	if r.start.Before(lo) || r.start.After(hi) || r.start.Nanosecond() != 0 {
		t.Fatalf("simulated start %v, want whole seconds in [%v, %v]", r.start, lo, hi)
	}
}
