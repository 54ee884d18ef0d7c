package canarysamplingprocessor

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// FuzzDecodeSpan feeds arbitrary buffers to the decoder: it must return an
// error or spans, never panic or allocate beyond what the input describes.
// The seed corpus (testdata/fuzz/FuzzDecodeSpan) holds encoded spans.
func FuzzDecodeSpan(f *testing.F) {
	e := testEncoder()
	s := ptrace.NewSpan()
	fullSpan(s)
	full, _ := e.appendSpan(nil, 0, s, &memo{})
	f.Add(full)
	minimal, _ := e.appendSpan(nil, 0, ptrace.NewSpan(), &memo{})
	f.Add(minimal)
	f.Fuzz(func(t *testing.T, buf []byte) {
		d := decoder{dict: e.dict, buf: buf}
		out := ptrace.NewSpanSlice()
		for n := 0; n < 1000; n++ {
			if _, ok := d.context(); !ok {
				break
			}
			d.span(out.AppendEmpty())
		}
	})
}
