package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"
	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/evidencemetrics"
	"github.com/canarytrace/canarytrace/internal/stage"
)

const interval = 10 * time.Second

// firstStep is the step the scenarios start at (2026-11-24T08:00:00Z), fixed
// so every run judges the same evidence.
const firstStep = evidence.Step(1795939200 / 10)

// live is a canary_verdict exporter started through its public factory,
// serving HTTP on a loopback port.
type live struct {
	url string
	exp exporter.Metrics
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startExporter starts an exporter with a short grace period (so a test
// does not wait 30s of learning) and the given changes to its config.
func startExporter(t *testing.T, host component.Host, mutate func(*canaryverdictexporter.Config)) *live {
	t.Helper()
	f := canaryverdictexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*canaryverdictexporter.Config)
	addr := freePort(t)
	cfg.NetAddr.Endpoint = addr
	cfg.GracePeriod = 200 * time.Millisecond
	cfg.InstanceExpiry = time.Minute
	cfg.TraceLink = "http://tracing.example/trace/{trace_id}"
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	set := exportertest.NewNopSettings(f.Type())
	// A fixed id: a storage extension keys a component's data by its id, so
	// a restarted collector finds it under the same one.
	set.ID = component.NewID(f.Type())
	exp, err := f.CreateMetrics(context.Background(), set, cfg)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, exp.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })
	return &live{url: "http://" + addr, exp: exp}
}

// release describes one release's simulated traffic.
type release struct {
	service, version string
	tracesPerStep    int
	canaryShare      float64
	stableErr        float64
	canaryErr        float64
	// spanName lets a test use a hostile operation name.
	spanName string
}

// observe draws one step of a release's traces into ev (seeded, so every
// run sees the same spans).
func (r release) observe(rng *rand.Rand, ev *evidence.Evidence, s evidence.Step) {
	rel := evidence.Release{Service: r.service, Version: r.version}
	name := r.spanName
	if name == "" {
		name = "POST /pay"
	}
	ops := []evidence.Operation{
		{Service: r.service, Name: "GET /cart", Kind: "server"},
		{Service: r.service, Name: name, Kind: "server"},
	}
	for range r.tracesPerStep {
		var id [16]byte
		for i := range id {
			id[i] = byte(rng.UintN(256))
		}
		arm, errRate := stage.Stable, r.stableErr
		if rng.Float64() < r.canaryShare {
			arm, errRate = stage.Canary, r.canaryErr
		}
		for _, op := range ops {
			ev.Observe(evidence.Observation{Release: rel, Operation: op, Arm: arm, Step: s, TraceID: id,
				Error: rng.Float64() < errRate, Duration: time.Duration(20+rng.IntN(30)) * time.Millisecond})
		}
	}
}

// feed sends steps [from, to) of the releases' traffic, as one connector
// instance would, one export per step.
func (l *live) feed(t *testing.T, seed uint64, from, to evidence.Step, rels ...release) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	ev := evidence.New()
	for s := from; s < to; s++ {
		for _, r := range rels {
			r.observe(rng, ev, s)
		}
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr(evidencemetrics.AttrInstance, "integration-1")
		evidencemetrics.Encode(ev, evidencemetrics.Export{Interval: interval, Watermark: s, HasWatermark: true}, rm.ScopeMetrics().AppendEmpty())
		ev.Reset()
		require.NoError(t, l.exp.ConsumeMetrics(context.Background(), md))
	}
}

func stepEnd(s evidence.Step) time.Time { return time.Unix(0, (int64(s)+1)*int64(interval)).UTC() }

// get fetches a route and returns status and body.
func (l *live) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(l.url + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// waitJudged waits until the exporter has judged a service through step s.
// Judging follows wall-clock time (the grace period, a 1s ticker), so this
// polls, with a deadline, instead of sleeping a fixed time.
func (l *live) waitJudged(t *testing.T, service string, s evidence.Step) map[string]any {
	t.Helper()
	want := stepEnd(s)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body := l.get(t, "/api/v1/verdicts/"+service)
		var v map[string]any
		require.NoError(t, json.Unmarshal(body, &v))
		if st, ok := v["step"].(string); ok {
			at, err := time.Parse(time.RFC3339Nano, st)
			require.NoError(t, err)
			if !at.Before(want) {
				return v
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not judged through step %d by the deadline; last answer %s", service, s, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Scenarios with a known verdict under the test criteria: an A/A release
// that promotes, a 10x error regression that rolls back, a release too
// young to judge, and a service nothing is known about.
var (
	promoting   = release{service: "checkout", version: "2.0", tracesPerStep: 1500, canaryShare: 0.2, stableErr: 0.01, canaryErr: 0.01}
	rollingBack = release{service: "payments", version: "7.1", tracesPerStep: 600, canaryShare: 0.2, stableErr: 0.01, canaryErr: 0.10}
	quiet       = release{service: "search", version: "5.0", tracesPerStep: 300, canaryShare: 0.2, stableErr: 0.001, canaryErr: 0.001}
	young       = release{service: "cart", version: "0.9", tracesPerStep: 5, canaryShare: 0.2, stableErr: 0.01, canaryErr: 0.01}
)

// scenarioSteps is how many steps the scenarios run.
const scenarioSteps = 30

// startScenarios starts an exporter and feeds the three releases until each
// has its verdict.
func startScenarios(t *testing.T) *live {
	t.Helper()
	l := startExporter(t, nil, nil)
	// The first export only introduces the instance; the exporter learns the
	// fleet for one grace period before judging.
	l.feed(t, 1, firstStep, firstStep+1, promoting, rollingBack, quiet, young)
	waitLearned()
	l.feed(t, 2, firstStep+1, firstStep+scenarioSteps, promoting, rollingBack, quiet, young)
	last := firstStep + scenarioSteps - 1
	for _, svc := range []string{"checkout", "payments", "cart"} {
		l.waitJudged(t, svc, last)
	}
	return l
}

func verdictOf(t *testing.T, l *live, service string) string {
	t.Helper()
	_, body := l.get(t, "/api/v1/verdicts/"+service)
	var v struct{ Verdict, Reason string }
	require.NoError(t, json.Unmarshal(body, &v))
	return fmt.Sprintf("%s (%s)", v.Verdict, strings.TrimSpace(v.Reason))
}

// waitLearned waits out the exporter's learning period (one grace period of
// wall-clock time after the first export) so later exports are judged as
// they arrive. It is the one fixed wait: the period is wall-clock by design.
func waitLearned() { time.Sleep(250 * time.Millisecond) }
