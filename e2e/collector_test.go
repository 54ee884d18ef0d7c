package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// repoRoot is the checkout this test runs in; the binaries are in its bin/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	return root
}

// binary returns the path of a built tool, failing with the fix when absent.
func binary(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is not built: run `make build` (or `make test`, which builds first): %v", p, err)
	}
	return p
}

// freePort reserves a loopback port long enough to name it in a config.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects a child process's output for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// collector is a running bin/otelcol-canary.
type collector struct {
	cmd        *exec.Cmd
	log        *lockedBuffer
	exited     chan struct{}
	exitErr    error
	healthPort int
}

// harnessConfig is merged into every test's config (the collector merges
// its --config files in order): the health_check extension the test waits
// on, and no self-telemetry listener to collide on a port.
const harnessConfig = `
extensions:
  health_check: {endpoint: "127.0.0.1:%d"}
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
`

// startCollector starts the binary with config and the harness's own
// fragment, returning once the collector reports healthy.
func startCollector(t *testing.T, config string) *collector {
	t.Helper()
	c := &collector{log: &lockedBuffer{}, exited: make(chan struct{}), healthPort: freePort(t)}
	dir := t.TempDir()
	path, harness := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "harness.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))
	require.NoError(t, os.WriteFile(harness, []byte(fmt.Sprintf(harnessConfig, c.healthPort)), 0o600))

	c.cmd = exec.Command(binary(t, "otelcol-canary"), "--config", path, "--config", harness)
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	require.NoError(t, c.cmd.Start())
	go func() { c.exitErr = c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			t.Logf("collector log:\n%s", c.log.String())
		}
	})
	c.awaitHealthy(t)
	return c
}

// awaitHealthy polls the health_check extension, which answers 200 only once
// every pipeline has started; an early exit fails at once with the log.
func (c *collector) awaitHealthy(t *testing.T) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/", c.healthPort)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			t.Fatalf("collector exited before becoming healthy (%v):\n%s", c.exitErr, c.log.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("collector not healthy after 60s:\n%s", c.log.String())
}

// stop sends SIGTERM, as a Kubernetes pod stop does, and waits for a clean
// exit: the collector drains its pipelines on the way out.
func (c *collector) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-c.exited:
		require.NoError(t, c.exitErr, "collector did not exit cleanly:\n%s", c.log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("collector did not stop within 60s of SIGTERM:\n%s", c.log.String())
	}
}
