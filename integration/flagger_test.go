package integration

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// flaggerCanary is the part of a Flagger Canary its webhooks use.
type flaggerCanary struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Analysis struct {
			Webhooks []struct {
				Name     string            `json:"name"`
				Type     string            `json:"type"`
				URL      string            `json:"url"`
				Metadata map[string]string `json:"metadata"`
			} `json:"webhooks"`
		} `json:"analysis"`
	} `json:"spec"`
}

// callFlaggerHook posts what Flagger posts (name, namespace, phase,
// checksum, metadata) and applies Flagger's rule: a status above 202 is a
// failed webhook (promotion halted; no rollback), 200-202 is success.
func callFlaggerHook(t *testing.T, l *live, url, name, namespace string, meta map[string]string) (int, bool) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"name": name, "namespace": namespace, "phase": "Progressing", "checksum": "abc", "metadata": meta})
	require.NoError(t, err)
	i := strings.Index(url, "/api/")
	require.Positive(t, i)
	resp, err := http.Post(l.url+url[i:], "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode, resp.StatusCode <= 202
}

func TestFlaggerWebhooks(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "flagger", "canary.yaml"))
	require.NoError(t, err)
	var c flaggerCanary
	require.NoError(t, yaml.Unmarshal(raw, &c))
	require.Equal(t, "Canary", c.Kind)
	hooks := map[string]string{}
	for _, w := range c.Spec.Analysis.Webhooks {
		hooks[w.Type] = w.URL
		assert.Equal(t, map[string]string{"service": "checkout"}, w.Metadata)
	}
	require.Contains(t, hooks, "confirm-promotion")
	require.Contains(t, hooks, "rollback")

	l := startScenarios(t)
	tests := []struct {
		service                string
		promotes, rollsBack    bool
		gateCode, rollbackCode int
	}{
		{"checkout", true, false, 200, 403}, // promote
		{"payments", false, true, 403, 200}, // rollback
		{"cart", false, false, 403, 403},    // inconclusive
		{"nobody", false, false, 403, 403},  // no data
	}
	for _, tt := range tests {
		meta := map[string]string{"service": tt.service}
		code, ok := callFlaggerHook(t, l, hooks["confirm-promotion"], "some-canary", c.Metadata.Namespace, meta)
		assert.Equal(t, tt.gateCode, code, tt.service)
		assert.Equal(t, tt.promotes, ok, "%s: Flagger promotes only on <= 202", tt.service)
		code, ok = callFlaggerHook(t, l, hooks["rollback"], "some-canary", c.Metadata.Namespace, meta)
		assert.Equal(t, tt.rollbackCode, code, tt.service)
		assert.Equal(t, tt.rollsBack, ok, "%s: Flagger rolls back only on <= 202", tt.service)
	}
	// Without metadata.service, the Canary's name names the release.
	code, _ := callFlaggerHook(t, l, hooks["confirm-promotion"], "checkout", c.Metadata.Namespace, nil)
	assert.Equal(t, http.StatusOK, code)
}
