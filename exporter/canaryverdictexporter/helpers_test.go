package canaryverdictexporter

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadata"
)

var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

// fakeFleet stands in for the evidence side in HTTP tests.
type fakeFleet struct {
	window   map[string]float64
	criteria map[string]json.RawMessage
}

func (f *fakeFleet) consume(context.Context, pmetric.Metrics, time.Time) []judgedStep { return nil }
func (f *fakeFleet) tick(time.Time) []judgedStep                                      { return nil }
func (f *fakeFleet) windowEstimate(service, _ string, key checkKey, stage string, w time.Duration) (float64, bool) {
	v, ok := f.window[service+"|"+key.Operation+"|"+key.Check+"|"+stage+"|"+w.String()]
	return v, ok
}

func (f *fakeFleet) setCriteria(service string, doc []byte) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, err
	}
	if f.criteria == nil {
		f.criteria = map[string]json.RawMessage{}
	}
	f.criteria[service] = doc
	return doc, nil
}
func (f *fakeFleet) resume(string, string, string) error { return nil }
func (f *fakeFleet) defaultCriteria() json.RawMessage    { return json.RawMessage(`{"confidence":0.95}`) }

// newTestExporter builds an exporter (not started) with a fake fleet.
func newTestExporter(t *testing.T, mutate func(*Config)) (*verdictExporter, *fakeFleet) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	if mutate != nil {
		mutate(cfg)
	}
	e, err := newVerdictExporter(exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	ff := &fakeFleet{}
	e.fleet = ff
	e.now = func() time.Time { return t0 }
	return e, ff
}

func serve(t *testing.T, e *verdictExporter) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(e.routes())
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v
}

// report builds a judged report for tests.
func report(service, version, run, verdict string, checks ...checkReport) verdictReport {
	if checks == nil {
		checks = []checkReport{}
	}
	return verdictReport{Service: service, Version: version, Run: run, Verdict: verdict, Score: jsonFloat(50), Reason: verdict + " reason", Checks: checks}
}

func check(op, name, verdict string, canary, stable float64) checkReport {
	svc := "checkout"
	return checkReport{Service: svc, Operation: op, Check: name, Verdict: verdict,
		Canary: jsonFloat(canary), Stable: jsonFloat(stable),
		Interval: [2]jsonFloat{jsonFloat(math.NaN()), jsonFloat(0.1)},
		Samples:  armSamples{Canary: 10, Stable: 100}, Reason: name + " " + verdict, Exemplars: []string{}}
}

// memClient is an in-memory storage.Client, so restarts can be tested
// without the contrib file_storage extension in the main module.
type memClient struct {
	mu   sync.Mutex
	data map[string][]byte
	fail bool
}

func newMemClient() *memClient { return &memClient{data: map[string][]byte{}} }

func (m *memClient) Get(_ context.Context, k string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return nil, io.ErrUnexpectedEOF
	}
	return m.data[k], nil
}

func (m *memClient) Set(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return io.ErrUnexpectedEOF
	}
	m.data[k] = append([]byte(nil), v...)
	return nil
}

func (m *memClient) Delete(_ context.Context, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, k)
	return nil
}

func (m *memClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		var err error
		switch op.Type {
		case storage.Get:
			op.Value, err = m.Get(ctx, op.Key)
		case storage.Set:
			err = m.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			err = m.Delete(ctx, op.Key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *memClient) Close(context.Context) error { return nil }
