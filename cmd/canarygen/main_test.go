package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const scenarios = "../../testdata/scenarios/"

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestSameSeedSameFile is the reproducibility promise of the README: the
// same flags and seed give a byte-identical OTLP JSON file.
func TestSameSeedSameFile(t *testing.T) {
	dir := t.TempDir()
	var files [][]byte
	for _, name := range []string{"a.json", "b.json"} {
		path := filepath.Join(dir, name)
		code, out, errOut := runCLI(t, "--scenario", scenarios+"error-regression.yaml", "--output", path,
			"--simulated-clock", "--start", "2026-01-01T00:00:00Z", "--duration", "5s", "--seed", "5")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "scenario error-regression (seed 5)") || !strings.Contains(out, "failed exports 0") {
			t.Fatalf("summary:\n%s", out)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, data)
	}
	if len(files[0]) == 0 || !bytes.Equal(files[0], files[1]) {
		t.Fatal("same seed, different files")
	}
}

// TestOverrides: --canary-share 1 sends every request to the canary and
// --rate with --duration fixes how many arrive (Poisson: 2s at 50/s).
func TestOverrides(t *testing.T) {
	code, out, errOut := runCLI(t, "--scenario", scenarios+"aa.yaml", "--output", filepath.Join(t.TempDir(), "o.json"),
		"--simulated-clock", "--duration", "2s", "--rate", "50", "--canary-share", "1", "--head-sampling", "50", "--seed", "1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`requests: canary (\d+), stable (\d+); kept by 50% head sampling (\d+)`).FindStringSubmatch(out)
	if m == nil || m[2] != "0" || m[1] == "0" || m[3] == "0" || m[3] == m[1] {
		t.Fatalf("summary:\n%s", out)
	}
}

func TestBadScenarioExitsWithUsageError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.yaml")
	data, err := os.ReadFile(scenarios + "aa.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("error_rate: 0.005"), []byte("error_rate: 5"), 1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "--scenario", path, "--output", filepath.Join(t.TempDir(), "o.json"))
	if code != exitUsage || !strings.Contains(errOut, "broken.yaml") ||
		!strings.Contains(errOut, "services[0].operations[0].error_rate: 5 ") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestUnreachableEndpointExitsNonZeroNamingIt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	code, out, errOut := runCLI(t, "--scenario", scenarios+"aa.yaml", "--endpoint", addr, "--protocol", "http",
		"--simulated-clock", "--duration", "5s", "--export-timeout", "1s", "--seed", "1")
	if code != exitRun || !strings.Contains(errOut, "http://"+addr) || !strings.Contains(out, "failed exports 1") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func TestFlagErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.json")
	aa := scenarios + "aa.yaml"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--output", out}, "--scenario is required"},
		{[]string{"--scenario", aa}, "exactly one of --endpoint and --output"},
		{[]string{"--scenario", aa, "--output", out, "--endpoint", "127.0.0.1:4317"}, "exactly one"},
		{[]string{"--scenario", aa, "--endpoint", "127.0.0.1:4317", "--protocol", "thrift"}, `--protocol "thrift"`},
		{[]string{"--scenario", aa, "--output", out, "--start", "yesterday"}, `--start "yesterday"`},
		{[]string{"--scenario", aa, "--output", out, "--canary-share", "2"}, "canary_share: 2 is not a share"},
		{[]string{"--scenario", aa, "--output", out, "--rate", "-1"}, "--rate -1 is not positive"},
		{[]string{"--scenario", aa, "--output", out, "--head-sampling", "101"}, "head_sampling: 101"},
		{[]string{"--scenario", aa, "--output", out, "extra"}, `unexpected argument "extra"`},
		{[]string{"--scenario", aa, "--endpoint", "nohostport"}, `"nohostport" is not host:port`},
		{[]string{"--scenario", filepath.Join(t.TempDir(), "missing.yaml"), "--output", out}, "missing.yaml"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}
