package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"encoding/binary"
	"errors"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// errCorrupt reports a buffer that does not hold what encoder wrote. The
// processor only decodes its own buffers, so this is a bug, but decoding
// checks every length instead of trusting it (and is fuzzed).
var errCorrupt = errors.New("canary_sampling: corrupt span buffer")

// decoder reads spans written by encoder.
type decoder struct {
	dict *dictionary
	buf  []byte
	err  error
}

// context reads the context index that starts every span; false at the end
// of the buffer or after an error.
func (d *decoder) context() (int, bool) {
	if d.err != nil || len(d.buf) == 0 {
		return 0, false
	}
	return int(d.uvarint()), d.err == nil
}

// span reads the rest of a span into s, after context.
func (d *decoder) span(s ptrace.Span) spanFlags {
	flags := d.byte()
	s.SetSpanID(pcommon.SpanID(d.fixed8()))
	if flags&spanHasParent != 0 {
		s.SetParentSpanID(pcommon.SpanID(d.fixed8()))
	}
	if flags&spanHasTraceState != 0 {
		s.TraceState().FromRaw(d.string())
	}
	s.SetName(d.string())
	s.SetKind(ptrace.SpanKind(d.uvarint32()))
	s.SetFlags(d.uvarint32())
	start := binary.LittleEndian.Uint64(d.take(8))
	s.SetStartTimestamp(pcommon.Timestamp(start))
	s.SetEndTimestamp(pcommon.Timestamp(start + uint64(d.varint())))
	status := s.Status()
	status.SetCode(ptrace.StatusCode(d.byte()))
	if flags&spanHasStatusMessage != 0 {
		status.SetMessage(d.string())
	}
	d.attributes(s.Attributes())
	if flags&spanHasDropped != 0 {
		s.SetDroppedAttributesCount(d.uvarint32())
		s.SetDroppedEventsCount(d.uvarint32())
		s.SetDroppedLinksCount(d.uvarint32())
	}
	if flags&spanHasEvents != 0 {
		n := d.count(4)
		events := s.Events()
		events.EnsureCapacity(n)
		for range n {
			ev := events.AppendEmpty()
			ev.SetTimestamp(pcommon.Timestamp(start + uint64(d.varint())))
			ev.SetName(d.string())
			d.attributes(ev.Attributes())
			ev.SetDroppedAttributesCount(d.uvarint32())
		}
	}
	if flags&spanHasLinks != 0 {
		n := d.count(28)
		links := s.Links()
		links.EnsureCapacity(n)
		for range n {
			l := links.AppendEmpty()
			var tid pcommon.TraceID
			copy(tid[:], d.take(16))
			l.SetTraceID(tid)
			l.SetSpanID(pcommon.SpanID(d.fixed8()))
			l.TraceState().FromRaw(d.string())
			l.SetFlags(d.uvarint32())
			d.attributes(l.Attributes())
			l.SetDroppedAttributesCount(d.uvarint32())
		}
	}
	return spanFlags(flags)
}

// spanFlags are the span* bits of one decoded span.
type spanFlags byte

func (f spanFlags) hasStage() bool { return byte(f)&spanHasStage != 0 }

func (d *decoder) attributes(m pcommon.Map) {
	n := d.count(2)
	m.EnsureCapacity(n)
	for range n {
		k := d.string()
		if d.err != nil {
			return
		}
		d.value(m.PutEmpty(k))
	}
}

func (d *decoder) value(v pcommon.Value) {
	switch d.byte() {
	case valueEmpty:
	case valueStr:
		v.SetStr(d.string())
	case valueInt:
		v.SetInt(d.varint())
	case valueDouble:
		v.SetDouble(math.Float64frombits(binary.LittleEndian.Uint64(d.take(8))))
	case valueFalse:
		v.SetBool(false)
	case valueTrue:
		v.SetBool(true)
	case valueBytes:
		v.SetEmptyBytes().Append(d.take(d.count(1))...)
	case valueSlice:
		n := d.count(1)
		sl := v.SetEmptySlice()
		sl.EnsureCapacity(n)
		for range n {
			if d.err != nil {
				return
			}
			d.value(sl.AppendEmpty())
		}
	case valueMap:
		d.attributes(v.SetEmptyMap())
	default:
		d.fail()
	}
}

func (d *decoder) string() string {
	v := d.uvarint()
	if v&1 == 0 {
		if v>>1 > math.MaxUint32 {
			d.fail()
			return ""
		}
		s, ok := d.dict.str(uint32(v >> 1))
		if !ok {
			d.fail()
		}
		return s
	}
	return string(d.take(d.count64(v >> 1)))
}

// count reads a length and checks that at least minSize bytes per element
// remain, so corrupt input cannot make the decoder allocate more than the
// buffer could describe.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.buf)/minSize) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) count64(n uint64) int {
	if n > uint64(len(d.buf)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) uvarint32() uint32 {
	v := d.uvarint()
	if v > math.MaxUint32 {
		d.fail()
		return 0
	}
	return uint32(v)
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) byte() byte {
	b := d.take(1)
	return b[0]
}

func (d *decoder) fixed8() [8]byte {
	return [8]byte(d.take(8))
}

// take returns the next n bytes, or zeros after a failure so that callers
// need not check each read; the error is reported once at the end.
func (d *decoder) take(n int) []byte {
	if d.err != nil || n > len(d.buf) {
		d.fail()
		return make([]byte, n)
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.buf = nil
}
