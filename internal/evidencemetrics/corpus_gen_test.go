package evidencemetrics

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzDecode when
// CANARYTRACE_WRITE_CORPUS is set; otherwise it checks the corpus exists.
func TestWriteFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if os.Getenv("CANARYTRACE_WRITE_CORPUS") == "" {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	var m pmetric.ProtoMarshaler
	for seed := uint64(1); seed <= 4; seed++ {
		b, err := m.MarshalMetrics(encode(t, fmt.Sprint("instance-", seed), randomEvidence(seed, int(seed)*5), 9))
		require.NoError(t, err)
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprint("encoded-", seed)), []byte(body), 0o644))
	}
}
