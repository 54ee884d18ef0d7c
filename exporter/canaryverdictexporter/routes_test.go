package canaryverdictexporter

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadatatest"
)

func TestVerdictOfUnknownServiceIsNoDataNot404(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	srv := serve(t, e)
	code, body := call(t, "GET", srv.URL+"/api/v1/verdicts/cart?version=2.0", "")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"service":"cart","version":"2.0","run":"","verdict":"inconclusive","score":null,"reason":"no data","checks":[]}`, body)
}

func TestVerdictOfKnownRelease(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	e.board.record(report("checkout", "1.2", "checkout@1.2@7", verdictPromote, check("", "error_rate", checkPass, 0.01, 0.012)), t0, seriesPoint{})
	srv := serve(t, e)
	code, body := call(t, "GET", srv.URL+"/api/v1/verdicts/checkout", "")
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"service":"checkout","version":"1.2","run":"checkout@1.2@7","verdict":"promote","score":50,
		"reason":"promote reason","since":"2026-11-24T08:00:00Z","step":"2026-11-24T08:00:00Z",
		"checks":[{"service":"checkout","operation":"","check":"error_rate","verdict":"pass","canary":0.01,"stable":0.012,
		"interval":[null,0.1],"samples":{"canary":10,"stable":100},"reason":"error_rate pass","exemplars":[]}]}`, body)

	code, body = call(t, "GET", srv.URL+"/api/v1/verdicts", "")
	require.Equal(t, http.StatusOK, code)
	all := decode[verdictsAnswer](t, body)
	require.Len(t, all.Releases, 1)
	assert.Equal(t, "checkout@1.2@7", all.Releases[0].Run)
}

func TestValue(t *testing.T) {
	e, ff := newTestExporter(t, nil)
	ff.window = map[string]float64{"checkout||error_rate|canary|5m0s": 0.004}
	e.board.record(report("checkout", "1.2", "r", verdictInconclusive,
		check("", "error_rate", checkInconclusive, 0.01, 0.002),
		check("GET /cart", "latency_p99", checkFail, 0.3, 0.05)), t0, seriesPoint{})
	srv := serve(t, e)
	tests := []struct {
		query string
		code  int
		value string
	}{
		{"service=checkout&check=error_rate&stage=canary", 200, `0.01`},
		{"service=checkout&check=error_rate&stage=stable", 200, `0.002`},
		{"service=checkout&check=error_rate", 200, `0.01`},
		{"service=checkout&check=latency_p99&operation=GET%20/cart", 200, `0.3`},
		{"service=checkout&check=latency_p99&operation=GET%20/cart&operation.service=inventory", 200, `null`},
		{"service=checkout&check=error_rate&window=5m", 200, `0.004`},
		{"service=checkout&check=error_rate&window=1m", 200, `null`},
		{"service=checkout&check=nope", 200, `null`},
		{"service=nobody&check=error_rate", 200, `null`},
		{"check=error_rate", 400, ``},
		{"service=checkout", 400, ``},
		{"service=checkout&check=error_rate&stage=blue", 400, ``},
		{"service=checkout&check=error_rate&window=-5m", 400, ``},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, body := call(t, "GET", srv.URL+"/api/v1/value?"+tt.query, "")
			require.Equal(t, tt.code, code, body)
			if tt.code == 200 {
				var v struct {
					Value any `json:"value"`
				}
				v = decode[struct {
					Value any `json:"value"`
				}](t, body)
				if tt.value == "null" {
					assert.Nil(t, v.Value)
				} else {
					assert.Contains(t, body, `"value":`+tt.value+`,`)
				}
			}
		})
	}
}

func TestFlaggerWebhooks(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	e.board.record(report("checkout", "1.2", "r1", verdictPromote), t0, seriesPoint{})
	e.board.record(report("inventory", "3.0", "r2", verdictRollback), t0, seriesPoint{})
	e.board.record(report("cart", "0.9", "r3", verdictInconclusive), t0, seriesPoint{})
	srv := serve(t, e)
	payload := func(name, meta string) string {
		return `{"name":"` + name + `","namespace":"shop","phase":"Progressing","checksum":"x","metadata":{` + meta + `}}`
	}
	tests := []struct {
		name, route, body string
		code              int
	}{
		{"gate promote by name", "gate", payload("checkout", ""), 200},
		{"gate promote by metadata.service", "gate", payload("checkout-canary", `"service":"checkout"`), 200},
		{"gate rollback", "gate", payload("inventory", ""), 403},
		{"gate inconclusive", "gate", payload("cart", ""), 403},
		{"gate no data", "gate", payload("unknown", ""), 403},
		{"gate version mismatch is no data", "gate", payload("checkout", `"version":"9"`), 403},
		{"rollback on rollback", "rollback", payload("inventory", ""), 200},
		{"rollback on promote", "rollback", payload("checkout", ""), 403},
		{"rollback on inconclusive", "rollback", payload("cart", ""), 403},
		{"rollback no data", "rollback", payload("unknown", ""), 403},
		{"bad json", "gate", `{"name":`, 400},
		{"no service", "rollback", `{"namespace":"shop"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, "POST", srv.URL+"/api/v1/flagger/"+tt.route, tt.body, "Content-Type", "application/json")
			assert.Equal(t, tt.code, code, body)
		})
	}
	code, _ := call(t, "POST", srv.URL+"/api/v1/flagger/gate", `{"name":"`+strings.Repeat("x", maxBodyBytes)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
}

func TestOperatorRoutesAreDisabledWithoutAuth(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	srv := serve(t, e)
	code, _ := call(t, "POST", srv.URL+"/api/v1/releases/checkout/override", `{"action":"rollback","reason":"x"}`)
	assert.Equal(t, http.StatusForbidden, code)
	code, _ = call(t, "PUT", srv.URL+"/api/v1/releases/checkout/criteria", `{"confidence":0.99}`)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, verdictInconclusive, e.board.verdict("checkout", "").Verdict)
}

type authData map[string]any

func (a authData) GetAttribute(k string) any { return a[k] }
func (a authData) GetAttributeNames() []string {
	var n []string
	for k := range a {
		n = append(n, k)
	}
	return n
}

// tokenAuth accepts "Bearer letmein" as alice.
var tokenAuth = extensionauth.ServerAuthenticateFunc(func(ctx context.Context, h map[string][]string) (context.Context, error) {
	if v := h["Authorization"]; len(v) == 1 && v[0] == "Bearer letmein" {
		info := client.FromContext(ctx)
		info.Auth = authData{"subject": "alice"}
		return client.NewContext(ctx, info), nil
	}
	return ctx, errors.New("bad token")
})

func TestOperatorOverrideIsAuthenticatedRecordedAndPersisted(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	e.operatorAuth = tokenAuth
	mem := newMemClient()
	e.store.client = mem
	e.board.record(report("checkout", "1.2", "r1", verdictPromote), t0, seriesPoint{})
	srv := serve(t, e)

	code, _ := call(t, "POST", srv.URL+"/api/v1/releases/checkout/override", `{"action":"hold","reason":"freeze"}`, "Authorization", "Bearer wrong")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Equal(t, verdictPromote, e.board.verdict("checkout", "").Verdict)

	code, body := call(t, "POST", srv.URL+"/api/v1/releases/checkout/override", `{"action":"hold","reason":"freeze"}`, "Authorization", "Bearer letmein")
	require.Equal(t, http.StatusOK, code, body)
	got := decode[verdictReport](t, body)
	assert.Equal(t, verdictInconclusive, got.Verdict)
	assert.Equal(t, "held by operator: freeze", got.Reason)

	runs := e.board.runs("checkout")
	require.Len(t, runs[0].Actions, 1)
	assert.Equal(t, operatorAction{Time: t0, Route: "override", Action: "hold", Reason: "freeze", By: "alice"}, runs[0].Actions[0])
	assert.Contains(t, string(mem.data["service/checkout"]), `"by":"alice"`)

	code, _ = call(t, "POST", srv.URL+"/api/v1/releases/checkout/override", `{"acton":"clear"}`, "Authorization", "Bearer letmein")
	assert.Equal(t, http.StatusBadRequest, code, "unknown fields are refused")
	code, _ = call(t, "POST", srv.URL+"/api/v1/releases/checkout/override", `{"action":"clear"}`, "Authorization", "Bearer letmein")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, verdictPromote, e.board.verdict("checkout", "").Verdict)
}

func TestOperatorRoutesFollowServerAuth(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	e.serverAuthenticated = true // confighttp has authenticated every request
	srv := serve(t, e)
	code, body := call(t, "POST", srv.URL+"/api/v1/releases/checkout/override", `{"action":"rollback","reason":"bad deploy"}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, verdictRollback, e.board.verdict("checkout", "").Verdict)
}

func TestCriteriaRoutes(t *testing.T) {
	e, ff := newTestExporter(t, nil)
	e.operatorAuth = tokenAuth
	srv := serve(t, e)
	code, body := call(t, "GET", srv.URL+"/api/v1/releases/checkout/criteria", "")
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"service":"checkout","source":"default","criteria":{"confidence":0.95}}`, body)

	code, _ = call(t, "PUT", srv.URL+"/api/v1/releases/checkout/criteria", `not json`, "Authorization", "Bearer letmein")
	assert.Equal(t, http.StatusBadRequest, code)
	code, _ = call(t, "PUT", srv.URL+"/api/v1/releases/checkout/criteria", `{"confidence":0.99}`, "Authorization", "Bearer letmein")
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"confidence":0.99}`, string(ff.criteria["checkout"]))
	code, body = call(t, "GET", srv.URL+"/api/v1/releases/checkout/criteria", "")
	require.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"service":"checkout","source":"operator","criteria":{"confidence":0.99}}`, body)
	runs := e.board.runs("checkout")
	require.Len(t, runs, 1)
	assert.Equal(t, "criteria", runs[0].Actions[0].Route)
}

func TestPrometheusText(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	op := check("GET \"/cart\"\n", "latency_p99", checkFail, 0.3, 0.05)
	op.Service, op.Kind = "inventory", "server"
	e.board.record(report("checkout", "1.2", "r1", verdictRollback, check("", "error_rate", checkPass, 0, 0), op), t0, seriesPoint{})
	srv := serve(t, e)
	code, body := call(t, "GET", srv.URL+"/metrics", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, `# HELP canary_verdict Merged verdict: 1 pass/promote, 0 inconclusive, -1 fail/rollback.
# TYPE canary_verdict gauge
canary_verdict{service_name="checkout",service_version="1.2",run="r1",check="overall"} -1
canary_verdict{service_name="checkout",service_version="1.2",run="r1",check="error_rate"} 1
canary_verdict{service_name="checkout",service_version="1.2",run="r1",check="latency_p99",operation_service="inventory",span_name="GET \"/cart\"\n",span_kind="server"} -1
# HELP canary_score Merged score: share (0-100) of evaluated checks that pass.
# TYPE canary_score gauge
canary_score{service_name="checkout",service_version="1.2",run="r1"} 50
`, body)
}

func TestDashboardIsSelfContainedWithCSP(t *testing.T) {
	e, _ := newTestExporter(t, nil)
	srv := serve(t, e)
	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "script-src 'sha256-")
	assert.NotContains(t, csp, "unsafe-inline")
	page := string(dashboardHTML)
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", `src="http`, `href="http`, "eval("} {
		assert.False(t, strings.Contains(page, banned), "the page must not use %s", banned)
	}

	code, _ := call(t, "GET", srv.URL+"/nope", "")
	assert.Equal(t, http.StatusNotFound, code)
	code, body := call(t, "GET", srv.URL+"/healthz", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok\n", body)
}

func TestRequestsAreCountedByRouteAndCode(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	e, err := newVerdictExporter(metadatatest.NewSettings(tel), createDefaultConfig().(*Config))
	require.NoError(t, err)
	e.fleet = &fakeFleet{}
	e.now = func() time.Time { return t0 }
	srv := serve(t, e)
	call(t, "GET", srv.URL+"/api/v1/verdicts/checkout", "")
	call(t, "GET", srv.URL+"/api/v1/verdicts/cart", "")
	call(t, "GET", srv.URL+"/api/v1/value", "")
	metadatatest.AssertEqualCanaryVerdictRequests(t, tel, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("route", "GET /api/v1/value"), attribute.Int("code", 400)), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("route", "GET /api/v1/verdicts/{service}"), attribute.Int("code", 200)), Value: 2},
	}, metricdatatest.IgnoreTimestamp())
}
