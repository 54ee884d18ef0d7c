package canarysamplingprocessor

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/stage"
)

func testEncoder() *encoder {
	return &encoder{
		dict:       newDictionary(nil),
		stageKey:   stage.DefaultAttribute,
		classifier: stage.NewClassifier(stage.DefaultConfig()),
	}
}

// fullSpan sets every field a span has, with values of every type.
func fullSpan(s ptrace.Span) {
	s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	s.SetSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, 2})
	s.SetParentSpanID(pcommon.SpanID{2, 2, 2, 2, 2, 2, 2, 3})
	s.TraceState().FromRaw("vendor=x,ot=th:8;rv:0123456789abcd")
	s.SetName("db:SELECT users")
	s.SetKind(ptrace.SpanKindClient)
	s.SetFlags(0x301)
	s.SetStartTimestamp(1_700_000_000_123_456_789)
	s.SetEndTimestamp(1_700_000_000_173_456_789)
	s.Status().SetCode(ptrace.StatusCodeError)
	s.Status().SetMessage("connection reset by peer")
	putAllTypes(s.Attributes())
	s.SetDroppedAttributesCount(3)
	s.SetDroppedEventsCount(4)
	s.SetDroppedLinksCount(5)
	ev := s.Events().AppendEmpty()
	ev.SetName("exception")
	ev.SetTimestamp(1_700_000_000_150_000_000)
	ev.Attributes().PutStr("exception.message", strings.Repeat("long message ", 10))
	ev.SetDroppedAttributesCount(1)
	early := s.Events().AppendEmpty() // before the span's start: a negative offset
	early.SetName("queued")
	early.SetTimestamp(1_600_000_000_000_000_000)
	l := s.Links().AppendEmpty()
	l.SetTraceID(pcommon.TraceID{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9})
	l.SetSpanID(pcommon.SpanID{8, 8, 8, 8, 8, 8, 8, 8})
	l.TraceState().FromRaw("ot=th:c")
	l.SetFlags(1)
	l.Attributes().PutBool("link.bool", true)
	l.SetDroppedAttributesCount(2)
}

func putAllTypes(m pcommon.Map) {
	m.PutStr("http.route", "/users/{id}")
	m.PutStr("db.statement", strings.Repeat("SELECT * FROM users WHERE id = ? ", 4))
	m.PutInt("http.response.status_code", 503)
	m.PutInt("negative", math.MinInt64)
	m.PutDouble("ratio", 0.125)
	m.PutDouble("nan", math.NaN())
	m.PutBool("yes", true)
	m.PutBool("no", false)
	m.PutEmptyBytes("bytes").FromRaw([]byte{0, 1, 2, 255})
	m.PutEmpty("empty")
	sl := m.PutEmptySlice("slice")
	sl.AppendEmpty().SetStr("a")
	sl.AppendEmpty().SetInt(7)
	sl.AppendEmpty().SetEmptySlice().AppendEmpty().SetBool(true)
	nested := m.PutEmptyMap("map")
	nested.PutStr("inner", "v")
	nested.PutEmptyMap("deeper").PutDouble("pi", 3.14)
}

// roundTrip encodes spans and decodes them into a new span slice.
func roundTrip(t *testing.T, e *encoder, in ptrace.SpanSlice) ptrace.SpanSlice {
	t.Helper()
	var buf []byte
	var m memo // shared, as in a batch
	for i := range in.Len() {
		buf, _ = e.appendSpan(buf, i, in.At(i), &m)
	}
	out := ptrace.NewSpanSlice()
	d := decoder{dict: e.dict, buf: buf}
	for i := 0; ; i++ {
		ctx, ok := d.context()
		if !ok {
			break
		}
		require.Equal(t, i, ctx)
		s := out.AppendEmpty()
		d.span(s)
		s.SetTraceID(in.At(i).TraceID())
	}
	require.NoError(t, d.err)
	return out
}

func spansJSON(t *testing.T, spans ptrace.SpanSlice) string {
	t.Helper()
	td := ptrace.NewTraces()
	spans.CopyTo(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans())
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	return string(b)
}

func TestEncodingRoundTripsEveryField(t *testing.T) {
	in := ptrace.NewSpanSlice()
	fullSpan(in.AppendEmpty())
	in.AppendEmpty().SetName("minimal") // every optional part absent
	backwards := in.AppendEmpty()       // end before start survives too
	backwards.SetStartTimestamp(200)
	backwards.SetEndTimestamp(100)

	e := testEncoder()
	out := roundTrip(t, e, in)
	assert.Equal(t, spansJSON(t, in), spansJSON(t, out))
}

func TestEncodingInlinesStringsWhenTheDictionaryIsFull(t *testing.T) {
	e := testEncoder()
	e.dict.full.Store(true) // as after maxInternedStrings distinct strings
	in := ptrace.NewSpanSlice()
	fullSpan(in.AppendEmpty())
	out := roundTrip(t, e, in)
	assert.Equal(t, spansJSON(t, in), spansJSON(t, out))
	assert.Empty(t, e.dict.all)
}

func TestEncodingReportsSpanFacts(t *testing.T) {
	e := testEncoder()
	s := ptrace.NewSpan()
	fullSpan(s)
	s.Attributes().PutStr(stage.DefaultAttribute, "canary")
	_, facts := e.appendSpan(nil, 0, s, &memo{})
	assert.Equal(t, spanFacts{
		root:       false,
		err:        true,
		duration:   50_000_000,
		traceState: "vendor=x,ot=th:8;rv:0123456789abcd",
		stage:      "canary",
		hasStage:   true,
	}, facts)

	root := ptrace.NewSpan()
	root.SetStartTimestamp(10)
	root.SetEndTimestamp(5)
	_, facts = e.appendSpan(nil, 0, root, &memo{})
	assert.Equal(t, spanFacts{root: true}, facts, "a span ending before it starts lasts 0")
}

func TestEncodedSpanIsSmallerThanProtobuf(t *testing.T) {
	e := testEncoder()
	in := ptrace.NewSpanSlice()
	for range 100 {
		sdkLikeSpan(in.AppendEmpty(), 1, 2, false, false)
	}
	var buf []byte
	for i := range in.Len() {
		buf, _ = e.appendSpan(buf, 0, in.At(i), &memo{})
	}
	td := ptrace.NewTraces()
	in.CopyTo(td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans())
	proto := (&ptrace.ProtoMarshaler{}).TracesSize(td)
	t.Logf("encoded %d B/span, protobuf %d B/span", len(buf)/100, proto/100)
	assert.Less(t, len(buf), proto/2)
}
