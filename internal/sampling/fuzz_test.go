package sampling

import (
	"errors"
	"math"
	"testing"
)

// Any input: no panic; an accepted tracestate re-encodes to one that parses
// to the same encoding; AdjustedCountOf agrees with the full parser; setting
// a threshold always gives a valid tracestate carrying it.
func FuzzParseTraceState(f *testing.F) {
	for _, s := range []string{"", "a=1", "ot=th:8;rv:0123456789abcd", "v=1, ot=th:XYZ;p:1", "ot=th:8;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTraceState(s)
		if err != nil && !errors.Is(err, ErrInvalidThreshold) && !errors.Is(err, ErrInvalidRandomness) {
			if !errors.Is(err, ErrInvalidTraceState) {
				t.Fatalf("%q: error %v wraps no sentinel", s, err)
			}
			return
		}
		out := ts.String()
		again, err2 := ParseTraceState(out)
		if err2 != nil {
			t.Fatalf("%q re-encoded to %q which does not parse: %v", s, out, err2)
		}
		if again.String() != out {
			t.Fatalf("%q: encoding not stable: %q then %q", s, out, again.String())
		}
		want := 1.0
		if th, ok := ts.Threshold(); ok {
			want = th.AdjustedCount()
		}
		if got := AdjustedCountOf(s); got != want {
			t.Fatalf("%q: AdjustedCountOf = %v, parser says %v", s, got, want)
		}
		ts.SetThreshold(MustThreshold(t, "e666"))
		set, err := ParseTraceState(ts.String())
		if err != nil {
			t.Fatalf("%q after SetThreshold: %q does not parse: %v", s, ts.String(), err)
		}
		if th, ok := set.Threshold(); !ok || th.Hex() != "e666" {
			t.Fatalf("%q after SetThreshold: th lost in %q", s, ts.String())
		}
	})
}

// Any input: no panic; an accepted th re-encodes canonically to the same
// threshold, and so does an accepted rv.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"0", "8", "80", "e666", "ffffffffffffff", "", "E6", "123456789abcdef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if th, err := ParseThreshold(s); err == nil {
			back, err := ParseThreshold(th.Hex())
			if err != nil || back != th || th.Unsigned() >= maxAdjusted {
				t.Fatalf("%q: Hex %q does not round-trip (%v)", s, th.Hex(), err)
			}
		} else if !errors.Is(err, ErrInvalidThreshold) {
			t.Fatalf("%q: unexpected error %v", s, err)
		}
		if rv, err := ParseRandomness(s); err == nil && rv.Hex() != s {
			t.Fatalf("%q: rv re-encodes to %q", s, rv.Hex())
		}
	})
}

// Any probability and upstream threshold: no panic; Compose never lowers
// the threshold and stays within the precision bound when not clamped.
func FuzzCompose(f *testing.F) {
	f.Add(uint64(0), 0.1)
	f.Add(uint64(1)<<55, 1.0/3)
	f.Add(maxAdjusted-1, 1e-300)
	f.Fuzz(func(t *testing.T, u uint64, p float64) {
		up, ok := ThresholdFromUnsigned(u)
		if !ok {
			return
		}
		got, err := up.Compose(p)
		if err != nil {
			if p >= 0 && p <= 1 {
				t.Fatalf("Compose(%v) of %s: %v", p, up.Hex(), err)
			}
			return
		}
		if got.Unsigned() < up.Unsigned() {
			t.Fatalf("Compose(%v) lowered %s to %s", p, up.Hex(), got.Hex())
		}
		if got.kept() > 1 && got.kept() < up.kept() {
			want := up.Probability() * p
			if math.Abs(got.Probability()-want) > precisionBound(want) {
				t.Fatalf("Compose(%v) of %s = %s, probability %v, want %v", p, up.Hex(), got.Hex(), got.Probability(), want)
			}
		}
	})
}
