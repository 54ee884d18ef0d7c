package traffic

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestTraceStructureAndAttribution checks, on every trace of 30 simulated
// seconds of the downstream-regression scenario (seed 7): one root, every
// parent present in the same trace, the expected number of spans for the
// entry operation, exact resource attributes, and deployment.stage on every
// span equal to the stage of the checkout pod that served the request.
func TestTraceStructureAndAttribution(t *testing.T) {
	t.Parallel()
	sc := loadScenario(t, "downstream-regression.yaml")
	sc.Duration = 30 * time.Second
	sc.CanaryShare = ptr(0.2)
	rows, sum := generate(t, sc, 7)

	wantSpans := map[string]int{
		// server, validate cart, client+server GET /stock, client+server
		// db:SELECT stock, client+server db:SELECT users
		"POST /checkout": 8,
		"GET /cart":      3, // server, client span, db:SELECT cart
	}
	versions := map[[2]string]string{
		{"checkout", StageStable}: "1.4.0", {"checkout", StageCanary}: "1.5.0",
		{"inventory", StageStable}: "2.3.1", {"postgres", StageStable}: "16.4",
	}
	stages := map[string]int{}
	for id, spans := range traces(rows) {
		byID := map[[8]byte]row{}
		for _, r := range spans {
			byID[r.span] = r
		}
		var root *row
		for i, r := range spans {
			if r.parent.IsEmpty() {
				if root != nil {
					t.Fatalf("trace %v has two roots", id)
				}
				root = &spans[i]
			} else if _, ok := byID[r.parent]; !ok {
				t.Fatalf("trace %v: span %q has a parent outside the trace", id, r.name)
			}
		}
		if root == nil || root.service != "checkout" || root.kind != ptrace.SpanKindServer {
			t.Fatalf("trace %v: root is not a checkout server span: %+v", id, root)
		}
		if got := len(spans); got != wantSpans[root.name] {
			t.Fatalf("trace %v (%s): %d spans, want %d", id, root.name, got, wantSpans[root.name])
		}
		stage := root.resStage
		stages[stage]++
		for _, r := range spans {
			if r.attrStage != stage {
				t.Fatalf("trace %v: %s %q has span deployment.stage %q, the request came through %q", id, r.service, r.name, r.attrStage, stage)
			}
			wantRes := StageStable
			if r.service == "checkout" {
				wantRes = stage
			}
			if r.resStage != wantRes || r.resAttrKeys != 3 || r.version != versions[[2]string{r.service, r.resStage}] {
				t.Fatalf("trace %v: %s %q resource is {stage %q version %q, %d keys}", id, r.service, r.name, r.resStage, r.version, r.resAttrKeys)
			}
			if r.start.After(r.end) || r.start.Before(root.start) || r.end.After(root.end) {
				t.Fatalf("trace %v: %q [%v, %v] is not inside its root [%v, %v]", id, r.name, r.start, r.end, root.start, root.end)
			}
		}
	}
	if int64(stages[StageCanary]) != sum.Requests[StageCanary] || int64(stages[StageStable]) != sum.Requests[StageStable] {
		t.Errorf("traces by stage %v, summary says %v", stages, sum.Requests)
	}
	if stages[StageCanary] == 0 || stages[StageStable] == 0 {
		t.Fatalf("want both stages, got %v", stages)
	}
}

// TestHTTPAndClientSpans checks the wire-level details of one request:
// client spans wrap their server span by exactly the network time, carry
// the callee's name and fail with it, and HTTP server spans carry a 500
// status exactly when they fail.
func TestHTTPAndClientSpans(t *testing.T) {
	sc := loadScenario(t, "downstream-regression.yaml")
	sc.Duration = 20 * time.Second
	rows, _ := generate(t, sc, 3)
	byID := map[[8]byte]row{}
	for _, r := range rows {
		byID[r.span] = r
	}
	clients := 0
	for _, r := range rows {
		if r.kind == ptrace.SpanKindServer && (r.name == "POST /checkout" || r.name == "GET /stock") {
			if want := map[bool]int64{true: 500, false: 200}[r.failed]; r.status != want {
				t.Fatalf("%s %q failed=%v has status %d", r.service, r.name, r.failed, r.status)
			}
		}
		p, ok := byID[r.parent]
		if !ok || p.kind != ptrace.SpanKindClient {
			continue
		}
		clients++
		if p.name != r.name || p.service == r.service {
			t.Fatalf("client span %s %q calls %s %q", p.service, p.name, r.service, r.name)
		}
		if p.duration()-r.duration() != DefaultNetwork || r.start.Sub(p.start) != DefaultNetwork/2 {
			t.Fatalf("client %q [%v, %v] around server [%v, %v]: want %v of network", p.name, p.start, p.end, r.start, r.end, DefaultNetwork)
		}
		if p.failed != r.failed {
			t.Fatalf("client %q failed=%v, its server span failed=%v", p.name, p.failed, r.failed)
		}
	}
	if clients == 0 {
		t.Fatal("no client spans")
	}
}

// TestCanaryStepsChangeTheShare runs the ramp scenario (5%, then 20% from
// 10m, 50% from 20m) and checks the canary share of the requests in each
// step against its configured share, 4 sigma, seed 5.
func TestCanaryStepsChangeTheShare(t *testing.T) {
	t.Parallel()
	sc := loadScenario(t, "ramp.yaml")
	sc.Rate = 5 // 3,000 requests per step
	rows, _ := generate(t, sc, 5)
	type count struct{ canary, all int }
	steps := make([]count, 3)
	for _, r := range rows {
		if !r.parent.IsEmpty() {
			continue
		}
		i := int(r.start.Sub(testStart) / (10 * time.Minute))
		steps[i].all++
		if r.resStage == StageCanary {
			steps[i].canary++
		}
	}
	for i, share := range []float64{0.05, 0.2, 0.5} {
		withinBinomial(t, "step "+string(rune('1'+i)), steps[i].canary, steps[i].all, share)
	}
}

// TestLatencyRegressionHidesAtHTTPLevel runs aa and latency-regression with
// the same seed (the same requests: latency draws are fixed in number) and
// checks what the scenario promises: the canary's db:SELECT users p99 goes
// from ~50 ms to ~300 ms while the p99 of POST /checkout over all traffic
// moves by less than 5%.
func TestLatencyRegressionHidesAtHTTPLevel(t *testing.T) {
	p99 := func(rows []row, service, name, stage string) time.Duration {
		var ds []time.Duration
		for _, r := range rows {
			if r.service == service && r.name == name && r.kind == ptrace.SpanKindServer && (stage == "" || r.attrStage == stage) {
				ds = append(ds, r.duration())
			}
		}
		return quantile(ds, 0.99)
	}
	run := func(name string) []row {
		sc := loadScenario(t, name)
		sc.Duration = 2 * time.Minute
		rows, _ := generate(t, sc, 11)
		return rows
	}
	t.Parallel()
	aa, reg := run("aa.yaml"), run("latency-regression.yaml")
	if got := p99(aa, "postgres", "db:SELECT users", StageCanary); got < 35*time.Millisecond || got > 70*time.Millisecond {
		t.Errorf("A/A canary db:SELECT users p99 = %v, want ~50ms", got)
	}
	if got := p99(reg, "postgres", "db:SELECT users", StageCanary); got < 250*time.Millisecond || got > 350*time.Millisecond {
		t.Errorf("regressed canary db:SELECT users p99 = %v, want ~300ms", got)
	}
	before, after := p99(aa, "checkout", "POST /checkout", ""), p99(reg, "checkout", "POST /checkout", "")
	t.Logf("POST /checkout p99 over all traffic: A/A %v, regression %v", before, after)
	if after < before || float64(after-before) > 0.05*float64(before) {
		t.Errorf("POST /checkout p99 over all traffic moved from %v to %v, want under 5%%", before, after)
	}
}
