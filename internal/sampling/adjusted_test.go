package sampling

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAdjustedCountOf(t *testing.T) {
	tests := map[string]float64{
		"":                                 1,
		"vendor=x":                         1,
		"ot=th:8":                          2,
		"ot=th:0":                          1,
		"a=1, ot=th:c;rv:0123456789abcd":   4,
		"a=1,\tot=rv:0123456789abcd;th:c ": 4,
		"bot=th:8":                         1, // another vendor's key ending in "ot"
		"a=ot=th:8":                        1, // "ot=" inside a value is not the ot entry
		"ot=rv:0123456789abcd":             1, // no th
		"ot=th:":                           1,
		"ot=th:XYZ":                        1,
		"ot=th:8;th:c":                     1, // duplicate th: invalid
		"ot=th:8;":                         1, // malformed ot
		"ot=th:ffffffffffffff":             1 << 56,
		"BAD KEY,ot=th:8":                  2, // a vendor's syntax error does not matter here
	}
	for in, want := range tests {
		assert.Equal(t, want, AdjustedCountOf(in), "%q", in)
	}
}

func TestAdjustedCountOfDoesNotAllocate(t *testing.T) {
	for _, in := range []string{"", "vendor=abc,other=1", "vendor=abc,ot=th:fd70a;rv:0123456789abcd", "ot=th:XYZ"} {
		allocs := testing.AllocsPerRun(100, func() { _ = AdjustedCountOf(in) })
		assert.Zero(t, allocs, "%q", in)
	}
}
