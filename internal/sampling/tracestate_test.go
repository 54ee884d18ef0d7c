package sampling

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTraceStateValid(t *testing.T) {
	tests := map[string]string{ // input -> String()
		"":                              "",
		"a=1,b=2":                       "a=1,b=2",
		" a=1 , ,b=x y\t":               "a=1,b=x y", // OWS around members and empty members are dropped
		"tenant@sys=1,0t@s_1=2":         "tenant@sys=1,0t@s_1=2",
		"a=1,ot=rv:0123456789abcd;th:8": "a=1,ot=rv:0123456789abcd;th:8", // unmodified: order kept
		"ot=th:80":                      "ot=th:80",                      // unmodified: th kept verbatim
		"k=" + strings.Repeat("v", 256): "k=" + strings.Repeat("v", 256),
		strings.Repeat("x", 256) + "=1": strings.Repeat("x", 256) + "=1",
		"ot=th:c;p:8;xy:A.b_-9":         "ot=th:c;p:8;xy:A.b_-9",
	}
	for in, want := range tests {
		ts, err := ParseTraceState(in)
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, ts.String(), "%q", in)
	}
}

func TestParseTraceStateInvalid(t *testing.T) {
	members := make([]string, maxMembers+1)
	for i := range members {
		members[i] = "k" + strconv.Itoa(i) + "=v"
	}
	for _, in := range []string{
		"a",                             // no '='
		"A=1",                           // uppercase key
		"1a=1",                          // simple key must start with a letter
		"a=",                            // empty value
		"a=b=c",                         // '=' in value
		"a=1,a=2",                       // duplicate key
		"ot=th:8,ot=th:c",               // duplicate ot
		"a@1=1",                         // system id must start with a letter
		"a@sssssssssssssss=1",           // system id longer than 14
		"a=\x01",                        // control character
		"a=é",                           // non-ASCII
		strings.Repeat("x", 257) + "=1", // key too long
		"k=" + strings.Repeat("v", 257), // value too long
		strings.Join(members, ","),      // 33 members
		"ot=th",                         // sub-key without ':'
		"ot=th:8;",                      // empty sub-key
		"ot=Th:8",                       // uppercase sub-key
		"ot=th:8;th:c",                  // duplicate sub-key
		"ot=x:a+b",                      // '+' not allowed in ot values
	} {
		ts, err := ParseTraceState(in)
		assert.ErrorIs(t, err, ErrInvalidTraceState, "%q", in)
		assert.Equal(t, TraceState{}, ts, "%q", in)
	}
}

func TestParseTraceStateReadsThAndRv(t *testing.T) {
	ts, err := ParseTraceState("v=1,ot=th:c;rv:0123456789abcd")
	require.NoError(t, err)
	th, ok := ts.Threshold()
	require.True(t, ok)
	assert.Equal(t, uint64(3)<<54, th.Unsigned())
	rv, ok := ts.Randomness()
	require.True(t, ok)
	assert.Equal(t, uint64(0x0123456789abcd), rv.Unsigned())
	assert.Equal(t, rv, ts.RandomnessOf([16]byte{15: 0xff}), "rv wins over the trace ID")

	empty, err := ParseTraceState("v=1")
	require.NoError(t, err)
	_, ok = empty.Threshold()
	assert.False(t, ok)
	_, ok = empty.Randomness()
	assert.False(t, ok)
	assert.Equal(t, uint64(0xff), empty.RandomnessOf([16]byte{15: 0xff}).Unsigned())
}

// An invalid th or rv is treated as absent, and the rest stays usable so a
// sampler can write a fresh th without losing vendor entries.
func TestParseTraceStateInvalidThOrRvIsDropped(t *testing.T) {
	ts, err := ParseTraceState("v=1,ot=th:XYZ;rv:0123456789abcd;p:1")
	require.ErrorIs(t, err, ErrInvalidThreshold)
	_, ok := ts.Threshold()
	assert.False(t, ok)
	_, ok = ts.Randomness()
	assert.True(t, ok)
	assert.Equal(t, "v=1,ot=rv:0123456789abcd;p:1", ts.String())
	ts.SetThreshold(MustThreshold(t, "8"))
	assert.Equal(t, "ot=th:8;rv:0123456789abcd;p:1,v=1", ts.String())

	ts, err = ParseTraceState("ot=th:8;rv:123")
	require.ErrorIs(t, err, ErrInvalidRandomness)
	_, ok = ts.Randomness()
	assert.False(t, ok)
	assert.Equal(t, "ot=th:8", ts.String())

	_, err = ParseTraceState("ot=th:XYZ;th:8")
	assert.ErrorIs(t, err, ErrInvalidTraceState, "a duplicate is a duplicate even when the first is invalid")
}

func MustThreshold(t *testing.T, s string) Threshold {
	t.Helper()
	th, err := ParseThreshold(s)
	require.NoError(t, err)
	return th
}

func TestSetThreshold(t *testing.T) {
	tests := []struct {
		in   string
		th   Threshold
		want string
	}{
		{"", MustThreshold(t, "e666"), "ot=th:e666"},
		{"a=1,b=2", MustThreshold(t, "8"), "ot=th:8,a=1,b=2"},
		{"a=1,ot=rv:0123456789abcd,b=2", MustThreshold(t, "8"), "ot=th:8;rv:0123456789abcd,a=1,b=2"},
		{"ot=p:1;th:8;q:2", MustThreshold(t, "c"), "ot=p:1;th:c;q:2"}, // replaced in place
		{"ot=th:80", MustThreshold(t, "8"), "ot=th:8"},                // re-encoded canonically
		{"a=1,ot=th:8", AlwaysSample, "ot=th:0,a=1"},
		{"a=1,ot=th:8", NeverSample, "a=1"}, // no encoding: th removed, empty ot omitted
		{"a=1,ot=th:8;rv:0123456789abcd", NeverSample, "ot=rv:0123456789abcd,a=1"},
	}
	for _, tt := range tests {
		ts, err := ParseTraceState(tt.in)
		require.NoError(t, err, tt.in)
		ts.SetThreshold(tt.th)
		assert.Equal(t, tt.want, ts.String(), "%q with th %q", tt.in, tt.th.Hex())
		got, ok := ts.Threshold()
		assert.Equal(t, tt.th != NeverSample, ok)
		if ok {
			assert.Equal(t, tt.th, got)
		}
	}
}

// W3C: a vendor adding its entry to a full list drops the rightmost member.
func TestSetThresholdOnFullListDropsRightmost(t *testing.T) {
	members := make([]string, maxMembers)
	for i := range members {
		members[i] = "k" + strconv.Itoa(i) + "=v"
	}
	ts, err := ParseTraceState(strings.Join(members, ","))
	require.NoError(t, err)
	ts.SetThreshold(MustThreshold(t, "8"))
	want := "ot=th:8," + strings.Join(members[:maxMembers-1], ",")
	assert.Equal(t, want, ts.String())
	_, err = ParseTraceState(ts.String())
	assert.NoError(t, err)
}

func TestZeroTraceStateSetThreshold(t *testing.T) {
	var ts TraceState
	ts.SetThreshold(MustThreshold(t, "c"))
	assert.Equal(t, "ot=th:c", ts.String())
}

func TestWithThreshold(t *testing.T) {
	tests := []struct {
		in   string
		th   Threshold
		want string
	}{
		{"", MustThreshold(t, "e666"), "ot=th:e666"},
		{"", AlwaysSample, "ot=th:0"},
		{"", NeverSample, ""},
		{"a=1", MustThreshold(t, "8"), "ot=th:8,a=1"},
		{"a=1,ot=th:4;rv:0123456789abcd", MustThreshold(t, "8"), "ot=th:8;rv:0123456789abcd,a=1"},
		{"a=1,ot=th:XYZ", MustThreshold(t, "8"), "ot=th:8,a=1"}, // invalid th replaced
	}
	for _, tt := range tests {
		got, err := WithThreshold(tt.in, tt.th)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	_, err := WithThreshold("a=1,A=2", AlwaysSample)
	assert.ErrorIs(t, err, ErrInvalidTraceState)
}

func TestWithThresholdOnEmptyAllocatesOnce(t *testing.T) {
	th := MustThreshold(t, "e666")
	allocs := testing.AllocsPerRun(100, func() { _, _ = WithThreshold("", th) })
	assert.Equal(t, 1.0, allocs)
}

// A longer th must not push the ot entry past the W3C value limit: other
// sub-keys give way, rightmost first.
func TestSetThresholdKeepsOTWithinValueLimit(t *testing.T) {
	pad := strings.Repeat("a", 115)
	in := "ot=rv:0123456789abcd;x:" + pad + ";y:" + pad // 253 characters of value
	ts, err := ParseTraceState(in)
	require.NoError(t, err)
	ts.SetThreshold(MustThreshold(t, "fd70a3d70a3d71"))
	assert.Equal(t, "ot=th:fd70a3d70a3d71;rv:0123456789abcd;x:"+pad, ts.String())
	_, err = ParseTraceState(ts.String())
	assert.NoError(t, err)
}
