package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeExporter answers like a canary_verdict exporter: checkout promotes,
// inventory rolls back, anything else has no data; /api/v1/value knows the
// canary error rate of checkout.
func fakeExporter(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/verdicts/{service}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("service") {
		case "checkout":
			_, _ = w.Write([]byte(`{"service":"checkout","version":"1.2","run":"checkout@1.2@7","verdict":"promote","score":100,"reason":"all pass",
				"checks":[{"service":"checkout","operation":"","check":"error_rate","verdict":"pass","canary":0.001,"stable":0.002,"reason":"ok"},
				{"service":"inventory","operation":"SELECT","check":"latency_p99","verdict":"fail","canary":0.3,"stable":0.05,"reason":"slow"}]}`))
		case "inventory":
			_, _ = w.Write([]byte(`{"service":"inventory","version":"3","run":"r","verdict":"rollback","score":0,"reason":"error rate","checks":[]}`))
		case "broken":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			_, _ = w.Write([]byte(`{"service":"` + r.PathValue("service") + `","version":"","run":"","verdict":"inconclusive","score":null,"reason":"no data","checks":[]}`))
		}
	})
	mux.HandleFunc("GET /api/v1/value", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("service") == "checkout" && q.Get("check") == "error_rate" && q.Get("stage") == "canary" && q.Get("window") == "" {
			_, _ = w.Write([]byte(`{"value":0.004}`))
			return
		}
		_, _ = w.Write([]byte(`{"value":null}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestQueryExitStatuses(t *testing.T) {
	srv := fakeExporter(t)
	tests := []struct {
		name string
		args string
		code int
		out  string
	}{
		{"promote", "--service checkout", 0, "promote checkout@1.2 run=checkout@1.2@7: all pass\n"},
		{"rollback", "--service inventory", 1, "rollback inventory@3 run=r: error rate\n"},
		{"no data", "--service cart", 2, "inconclusive cart@ run=-: no data\n"},
		{"check pass", "--service checkout --check error_rate", 0, "pass error_rate canary=0.001 stable=0.002: ok\n"},
		{"operation check fail", "--service checkout --check latency_p99 --operation SELECT --operation-service inventory", 1, "fail latency_p99 canary=0.3 stable=0.05: slow\n"},
		{"unknown check", "--service checkout --check latency_p50", 2, "inconclusive latency_p50: no data\n"},
		{"value pass", "--service checkout --check error_rate --max 0.005", 0, "0.004\n"},
		{"value fail", "--service checkout --check error_rate --max 0.001", 1, "0.004\n"},
		{"value null", "--service cart --check error_rate --max 0.005", 2, "null\n"},
		{"window null", "--service checkout --check error_rate --max 0.005 --window 5m", 2, "null\n"},
		{"server error", "--service broken", 3, ""},
		{"no service", "--check error_rate", 3, ""},
		{"max without check", "--service checkout --max 1", 3, ""},
		{"window without max", "--service checkout --check error_rate --window 5m", 3, ""},
		{"bad stage", "--service checkout --stage blue", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := query(context.Background(), append([]string{"--endpoint", srv.URL}, strings.Fields(tt.args)...), &out, &errOut)
			assert.Equal(t, tt.code, code, errOut.String())
			assert.Equal(t, tt.out, out.String())
			if tt.code == 3 {
				assert.NotEmpty(t, errOut.String(), "an error says what went wrong")
			}
		})
	}
}

func TestQueryUnreachableEndpointIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var out, errOut bytes.Buffer
	assert.Equal(t, 3, query(context.Background(), []string{"--endpoint", url, "--service", "checkout"}, &out, &errOut))
}

// TestQueryProcessExitStatus runs the real command in a child process, so
// the status the shell sees is checked, not only query's return value.
func TestQueryProcessExitStatus(t *testing.T) {
	if args := os.Getenv("CANARYTRACE_QUERY_CHILD"); args != "" {
		os.Exit(run(context.Background(), strings.Fields(args), os.Stdout, os.Stderr))
	}
	srv := fakeExporter(t)
	for args, want := range map[string]int{
		"--service checkout":  0,
		"--service inventory": 1,
		"--service cart":      2,
		"--service broken":    3,
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestQueryProcessExitStatus$")
		cmd.Env = append(os.Environ(), "CANARYTRACE_QUERY_CHILD=query --endpoint "+srv.URL+" "+args)
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else {
			require.NoError(t, err)
		}
		assert.Equal(t, want, code, args)
	}
}
