package canaryanalysisconnector

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestFuzzCorpus regenerates testdata/fuzz/FuzzConsumeTraces when
// CANARYTRACE_WRITE_CORPUS is set; otherwise it checks the corpus exists.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzConsumeTraces")
	if os.Getenv("CANARYTRACE_WRITE_CORPUS") == "" {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		return
	}
	var m ptrace.ProtoMarshaler
	cases := map[string][]span{
		"checkout":  checkoutTraffic(),
		"jump":      {at(canaryCall, time.Second), at(canaryCall, 100*time.Hour), at(canaryCall, 100*time.Hour+time.Second)},
		"qualified": {{service: "inventory", version: "2", resStage: "stable", spanStage: "checkout@1.4", name: "GET", end: time.Second, tracestate: "ot=th:c;rv:abcdefabcdefab"}},
	}
	for name, spans := range cases {
		b, err := m.MarshalTraces(traces(spans...))
		require.NoError(t, err)
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", b, b)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
}
