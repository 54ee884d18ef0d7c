package workload

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type service int

const (
	frontend service = iota
	checkout         // the release: it has a canary pod
	cart
	inventory
	payment
	shipping
	numServices
)

var serviceNames = [numServices]string{"frontend", "checkout", "cart", "inventory", "payment", "shipping"}

const ms = int64(1_000_000)

// trace generates one request through the shop: 11 to 15 spans over six
// services. Spans are handed to their pods in the order they end (children
// first, the root last), as SDK exporters see them.
func (g *generator) trace() {
	canary := g.rng.Float64() < g.cfg.CanaryShare
	failed := g.rng.Float64() < g.cfg.ErrorShare
	kind := Stable
	switch {
	case canary:
		kind = Canary
	case failed:
		kind = Error
	}
	t := traceBuilder{g: g, id: g.traceID(kind), canary: canary}
	start := g.now
	g.now += int64(requestEvery)

	root, feClient, coServer := g.spanID(), g.spanID(), g.spanID()
	cursor := start + 2*ms

	// checkout -> cart -> redis
	coCart, cartServer := g.spanID(), g.spanID()
	t.db(cart, "GET", "redis", "GET cart:*", cartServer, cursor+ms, ms)
	t.server(cart, "GET /cart/{id}", 200, cartServer, coCart, cursor, 3*ms)
	t.client(checkout, "GET", "cart", coCart, coServer, cursor, 4*ms, false)
	cursor += 5 * ms

	// checkout -> inventory -> database, one query per item
	coInv, invServer := g.spanID(), g.spanID()
	items := 1 + g.rng.IntN(3)
	for i := range int64(items) {
		t.db(inventory, "SELECT stock", "postgresql", "SELECT qty FROM stock WHERE sku = $1", invServer, cursor+ms+i*3*ms, 2*ms+g.jitter(ms))
	}
	invDur := int64(items)*3*ms + 2*ms
	t.server(inventory, "POST /reserve", 200, invServer, coInv, cursor, invDur)
	t.client(checkout, "POST", "inventory", coInv, coServer, cursor, invDur+ms, false)
	cursor += invDur + 2*ms

	// checkout -> payment, where errors happen
	coPay, payServer := g.spanID(), g.spanID()
	payDur := 20*ms + g.jitter(30*ms)
	payStatus := 200
	if failed {
		payStatus = 500
	}
	t.server(payment, "POST /charge", payStatus, payServer, coPay, cursor, payDur)
	t.client(checkout, "POST", "payment", coPay, coServer, cursor, payDur+ms, failed)
	cursor += payDur + 2*ms

	// checkout -> shipping, for half the orders
	if g.rng.IntN(2) == 0 {
		coShip, shipServer := g.spanID(), g.spanID()
		t.server(shipping, "POST /quote", 200, shipServer, coShip, cursor, 8*ms)
		t.client(checkout, "POST", "shipping", coShip, coServer, cursor, 9*ms, false)
		cursor += 10 * ms
	}

	coStatus := 200
	if failed {
		coStatus = 500
	}
	t.server(checkout, "POST /api/checkout", coStatus, coServer, feClient, start+ms, cursor-start)
	t.client(frontend, "POST", "checkout", feClient, root, start+ms, cursor-start+ms, false)
	t.server(frontend, "GET /checkout", coStatus, root, pcommon.SpanID{}, start, cursor-start+3*ms)

	g.truth.Traces[kind]++
	g.truth.Spans[kind] += t.spans
}

func (g *generator) jitter(max int64) int64 { return g.rng.Int64N(max) }

// traceBuilder writes the spans of one trace.
type traceBuilder struct {
	g      *generator
	id     pcommon.TraceID
	canary bool
	spans  int
	stage  Stage // of the span last started
}

// span starts a span of svc in the right pod. Spans of the release come
// from its canary pod; spans of other services called by the canary carry
// the stage as a span attribute, copied from baggage.
func (t *traceBuilder) span(svc service, name string, kind ptrace.SpanKind, id, parent pcommon.SpanID, start, dur int64) ptrace.Span {
	p := t.g.pods[svc][0]
	if svc == checkout && t.canary {
		p = t.g.pods[svc][1]
	}
	s := p.span()
	s.SetTraceID(t.id)
	s.SetSpanID(id)
	s.SetParentSpanID(parent)
	s.SetFlags(1)
	s.SetName(name)
	s.SetKind(kind)
	s.SetStartTimestamp(pcommon.Timestamp(start))
	s.SetEndTimestamp(pcommon.Timestamp(start + dur))
	st := StableStage
	switch {
	case t.canary && svc == checkout:
		st = CanaryStage
	case t.canary && svc != frontend:
		s.Attributes().PutStr("deployment.stage", "canary")
		st = CanaryStage
	}
	t.g.truth.Calls[st]++
	t.g.truth.LastEnd = max(t.g.truth.LastEnd, start+dur)
	t.spans++
	t.stage = st
	return s
}

// fail marks the span last started as an error span.
func (t *traceBuilder) fail(s ptrace.Span) {
	s.Status().SetCode(ptrace.StatusCodeError)
	t.g.truth.Errors[t.stage]++
}

func (t *traceBuilder) server(svc service, route string, status int, id, parent pcommon.SpanID, start, dur int64) {
	s := t.span(svc, route, ptrace.SpanKindServer, id, parent, start, dur)
	a := s.Attributes()
	a.EnsureCapacity(a.Len() + 6)
	method, path, _ := cutSpace(route)
	a.PutStr("http.request.method", method)
	a.PutStr("http.route", path)
	a.PutStr("url.path", path)
	a.PutStr("url.scheme", "http")
	a.PutInt("http.response.status_code", int64(status))
	a.PutStr("server.address", serviceNames[svc])
	if status >= 500 {
		t.fail(s)
		s.Status().SetMessage("HTTP " + strconv.Itoa(status))
	}
}

func (t *traceBuilder) client(svc service, method, peer string, id, parent pcommon.SpanID, start, dur int64, failed bool) {
	s := t.span(svc, method, ptrace.SpanKindClient, id, parent, start, dur)
	a := s.Attributes()
	a.EnsureCapacity(a.Len() + 5)
	status := 200
	if failed {
		status = 500
		t.fail(s)
	}
	a.PutStr("http.request.method", method)
	a.PutStr("server.address", peer)
	a.PutInt("server.port", 8080)
	a.PutStr("url.full", "http://"+peer+":8080/")
	a.PutInt("http.response.status_code", int64(status))
}

func (t *traceBuilder) db(svc service, name, system, query string, parent pcommon.SpanID, start, dur int64) {
	s := t.span(svc, name, ptrace.SpanKindClient, t.g.spanID(), parent, start, dur)
	a := s.Attributes()
	a.EnsureCapacity(a.Len() + 3)
	a.PutStr("db.system.name", system)
	a.PutStr("db.query.text", query)
	a.PutStr("db.namespace", "shop")
}

func cutSpace(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, s, false
}
