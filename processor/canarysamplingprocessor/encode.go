package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"encoding/binary"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/internal/stage"
)

// The buffered form of a span. Protobuf would hold a span in ~140 B but
// costs ~650 ns to build; this encoding is built in one pass over the pdata
// accessors, and is smaller still because every repeated string (attribute
// keys, span names, short values) is a dictionary id, and the trace ID,
// resource and scope are held once per trace instead of once per span.
//
// Layout (uvarint unless noted):
//
//	context   index into the trace's resource/scope contexts
//	flags     1 byte, the span* bits below
//	span id   8 bytes
//	parent    8 bytes, if spanHasParent
//	trace st. string, if spanHasTraceState
//	name      string
//	kind      uvarint
//	flags     uvarint (the W3C/OTLP span flags)
//	start     8 bytes little endian, unix nanos
//	end       zigzag varint, end - start
//	status    1 byte code; message string if spanHasStatusMessage
//	attrs     attribute list
//	dropped   3 uvarints (attributes, events, links), if spanHasDropped
//	events    count, then per event: zigzag time - start, name, attrs, dropped
//	links     count, then per link: trace id (16), span id (8), trace state,
//	          flags, attrs, dropped
//
// A string is uvarint v: v even is dictionary id v/2, v odd is an inline
// string of v/2 bytes that follow. A value is one type byte then its
// payload; an attribute list is a count then key string, value pairs.
const (
	spanHasParent byte = 1 << iota
	spanHasTraceState
	spanHasStatusMessage
	spanHasDropped
	spanHasEvents
	spanHasLinks
	// spanHasStage marks a span with its own stage attribute, so that
	// stage.annotate leaves it alone without decoding attributes twice.
	spanHasStage
)

const (
	valueEmpty byte = iota
	valueStr
	valueInt
	valueDouble
	valueFalse
	valueTrue
	valueBytes
	valueSlice
	valueMap
)

// spanFacts is what a trace's decision needs from one span, read while the
// span is encoded.
type spanFacts struct {
	root       bool
	err        bool
	duration   int64
	traceState string
	stage      string // the span's own stage attribute value, if a string
	hasStage   bool   // the span has a stage attribute of any type
}

// encoder appends spans to a trace's buffer, interning strings in dict.
type encoder struct {
	dict       *dictionary
	stageKey   string
	classifier stage.Classifier
	annotate   bool
}

// appendSpan appends s, in context number ctx of its trace, to b. m
// remembers the previous span's strings (see memo).
func (e *encoder) appendSpan(b []byte, ctx int, s ptrace.Span, m *memo) ([]byte, spanFacts) {
	var facts spanFacts
	var flags byte
	parent := s.ParentSpanID()
	if !parent.IsEmpty() {
		flags |= spanHasParent
	} else {
		facts.root = true
	}
	ts := s.TraceState().AsRaw()
	if ts != "" {
		flags |= spanHasTraceState
		facts.traceState = ts
	}
	status := s.Status()
	if status.Message() != "" {
		flags |= spanHasStatusMessage
	}
	if s.DroppedAttributesCount()|s.DroppedEventsCount()|s.DroppedLinksCount() != 0 {
		flags |= spanHasDropped
	}
	events, links := s.Events(), s.Links()
	if events.Len() > 0 {
		flags |= spanHasEvents
	}
	if links.Len() > 0 {
		flags |= spanHasLinks
	}

	b = binary.AppendUvarint(b, uint64(ctx))
	flagsAt := len(b)
	b = append(b, flags)
	id := s.SpanID()
	b = append(b, id[:]...)
	if flags&spanHasParent != 0 {
		b = append(b, parent[:]...)
	}
	if flags&spanHasTraceState != 0 {
		b = e.appendString(b, ts)
	}
	b = e.appendMemoString(b, &m.name, s.Name())
	b = binary.AppendUvarint(b, uint64(s.Kind()))
	b = binary.AppendUvarint(b, uint64(s.Flags()))
	start, end := uint64(s.StartTimestamp()), uint64(s.EndTimestamp())
	b = binary.LittleEndian.AppendUint64(b, start)
	b = binary.AppendVarint(b, int64(end-start))
	facts.duration = max(int64(end-start), 0)
	b = append(b, byte(status.Code()))
	if flags&spanHasStatusMessage != 0 {
		b = e.appendString(b, status.Message())
	}
	facts.err = status.Code() == ptrace.StatusCodeError
	b = e.appendSpanAttributes(b, s.Attributes(), m, &facts)
	if facts.hasStage {
		b[flagsAt] |= spanHasStage
	}
	if flags&spanHasDropped != 0 {
		b = binary.AppendUvarint(b, uint64(s.DroppedAttributesCount()))
		b = binary.AppendUvarint(b, uint64(s.DroppedEventsCount()))
		b = binary.AppendUvarint(b, uint64(s.DroppedLinksCount()))
	}
	if flags&spanHasEvents != 0 {
		b = binary.AppendUvarint(b, uint64(events.Len()))
		for i := range events.Len() {
			ev := events.At(i)
			b = binary.AppendVarint(b, int64(uint64(ev.Timestamp())-start))
			b = e.appendString(b, ev.Name())
			b = e.appendMap(b, ev.Attributes())
			b = binary.AppendUvarint(b, uint64(ev.DroppedAttributesCount()))
		}
	}
	if flags&spanHasLinks != 0 {
		b = binary.AppendUvarint(b, uint64(links.Len()))
		for i := range links.Len() {
			l := links.At(i)
			tid, sid := l.TraceID(), l.SpanID()
			b = append(b, tid[:]...)
			b = append(b, sid[:]...)
			b = e.appendString(b, l.TraceState().AsRaw())
			b = binary.AppendUvarint(b, uint64(l.Flags()))
			b = e.appendMap(b, l.Attributes())
			b = binary.AppendUvarint(b, uint64(l.DroppedAttributesCount()))
		}
	}
	return b, facts
}

// appendMemoString is appendString with m remembering the last string at
// this position.
func (e *encoder) appendMemoString(b []byte, m *memoString, s string) []byte {
	id, interned, hit := m.lookup(s)
	if !hit {
		id, interned = e.dict.id(s)
		m.set(s, id, interned)
	}
	if interned {
		return binary.AppendUvarint(b, uint64(id)<<1)
	}
	return appendInline(b, s)
}

// appendSpanAttributes writes a span's attributes like appendMap, using the
// memo, and notes the span's own stage attribute in facts.
func (e *encoder) appendSpanAttributes(b []byte, attrs pcommon.Map, m *memo, facts *spanFacts) []byte {
	b = binary.AppendUvarint(b, uint64(attrs.Len()))
	i := 0
	for k, v := range attrs.All() {
		ma := m.attr(i)
		i++
		key, interned, hit := ma.key.lookup(k)
		if !hit {
			key, interned = e.dict.id(k)
			ma.key.set(k, key, interned)
			ma.value = memoString{}
		}
		if interned {
			b = binary.AppendUvarint(b, uint64(key)<<1)
		} else {
			b = appendInline(b, k)
		}
		if k == e.stageKey {
			// Any value marks the span as carrying its own stage (annotate
			// leaves it alone); only a string names an arm.
			facts.hasStage = true
			if v.Type() == pcommon.ValueTypeStr {
				facts.stage = v.Str()
			}
		}
		if v.Type() != pcommon.ValueTypeStr {
			b = e.appendValue(b, v)
			continue
		}
		str := v.Str()
		b = append(b, valueStr)
		if !interned {
			b = appendInline(b, str)
			continue
		}
		id, ok, hit := ma.value.lookup(str)
		if !hit {
			id, ok = e.dict.valueID(key, str)
			ma.value.set(str, id, ok)
		}
		if ok {
			b = binary.AppendUvarint(b, uint64(id)<<1)
		} else {
			b = appendInline(b, str)
		}
	}
	return b
}

func (e *encoder) appendString(b []byte, s string) []byte {
	if id, ok := e.dict.id(s); ok {
		return binary.AppendUvarint(b, uint64(id)<<1)
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1|1)
	return append(b, s...)
}

// appendInline writes s without the dictionary: for values too varied to be
// worth interning.
func appendInline(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s))<<1|1)
	return append(b, s...)
}

func (e *encoder) appendMap(b []byte, m pcommon.Map) []byte {
	b = binary.AppendUvarint(b, uint64(m.Len()))
	for k, v := range m.All() {
		key, interned := e.dict.id(k)
		if interned {
			b = binary.AppendUvarint(b, uint64(key)<<1)
		} else {
			b = appendInline(b, k)
		}
		if v.Type() == pcommon.ValueTypeStr {
			b = append(b, valueStr)
			if interned {
				b = e.appendValueString(b, key, v.Str())
			} else {
				b = appendInline(b, v.Str())
			}
			continue
		}
		b = e.appendValue(b, v)
	}
	return b
}

// appendValueString writes the string value of the attribute with key id
// key: interned while that key's values repeat (see maxValuesPerKey).
func (e *encoder) appendValueString(b []byte, key uint32, s string) []byte {
	if id, ok := e.dict.valueID(key, s); ok {
		return binary.AppendUvarint(b, uint64(id)<<1)
	}
	return appendInline(b, s)
}

// appendValue writes v; strings nested in slices are written inline, as
// they have no key whose cardinality would say whether they repeat.
func (e *encoder) appendValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendInline(append(b, valueStr), v.Str())
	case pcommon.ValueTypeInt:
		return binary.AppendVarint(append(b, valueInt), v.Int())
	case pcommon.ValueTypeDouble:
		return binary.LittleEndian.AppendUint64(append(b, valueDouble), math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return append(b, valueTrue)
		}
		return append(b, valueFalse)
	case pcommon.ValueTypeBytes:
		raw := v.Bytes().AsRaw()
		b = binary.AppendUvarint(append(b, valueBytes), uint64(len(raw)))
		return append(b, raw...)
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		b = binary.AppendUvarint(append(b, valueSlice), uint64(sl.Len()))
		for i := range sl.Len() {
			b = e.appendValue(b, sl.At(i))
		}
		return b
	case pcommon.ValueTypeMap:
		return e.appendMap(append(b, valueMap), v.Map())
	default:
		return append(b, valueEmpty)
	}
}
