package canaryanalysisconnector

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// podKeys is a checkout pod's batch as the bench workload sends it: five
// operations interleaved by trace, each span's strings its own copy, as
// decoded OTLP gives them (span kinds come from a table).
func podKeys(traces int) []opKey {
	ops := []opKey{
		{service: "checkout", name: "GET", kind: "SPAN_KIND_CLIENT"},
		{service: "checkout", name: "POST", kind: "SPAN_KIND_CLIENT"},
		{service: "checkout", name: "POST", kind: "SPAN_KIND_CLIENT"},
		{service: "checkout", name: "POST", kind: "SPAN_KIND_CLIENT"},
		{service: "checkout", name: "POST /api/checkout", kind: "SPAN_KIND_SERVER"},
		{service: "checkout", name: "GET /health", kind: "SPAN_KIND_SERVER"},
	}
	service := strings.Clone("checkout") // one per resource
	var keys []opKey
	for range traces {
		for _, k := range ops {
			keys = append(keys, opKey{service: service, name: strings.Clone(k.name), kind: k.kind})
		}
	}
	return keys
}

// Every key finds its own operation, the same one each time, whatever the
// cache in front of the table holds; a key after the cap shares its
// service's overflow operation; after expiry a key gets a fresh operation.
func TestOperationsGetIsStable(t *testing.T) {
	ops := newOperations(4)
	first := map[opKey]*operation{}
	for i, k := range podKeys(50) {
		op, overflowed := ops.get(k)
		require.False(t, overflowed, "span %d", i)
		assert.Equal(t, k, op.key)
		if f, ok := first[k]; ok {
			require.Same(t, f, op, "span %d", i)
		}
		first[k] = op
	}
	assert.Len(t, first, 4)

	extra := opKey{service: "checkout", name: "DELETE", kind: "SPAN_KIND_CLIENT"}
	op, overflowed := ops.get(extra)
	assert.True(t, overflowed)
	assert.Equal(t, overflowName, op.key.name)

	ops.expire(1, func(*operation) {}) // every lastEnd is 0: all expire
	for _, k := range podKeys(1)[:4] {
		op, _ := ops.get(k)
		assert.NotSame(t, first[k], op, "an expired operation is not served again")
	}
}

// The previous lookup's answer is not served after expiry, nor after the
// overflow it reported has room again.
func TestOperationsGetAfterExpiryOfThePreviousKey(t *testing.T) {
	ops := newOperations(1)
	a := opKey{service: "checkout", name: "GET"}
	b := opKey{service: "checkout", name: "POST"}
	first, _ := ops.get(a)
	ops.expire(1, func(*operation) {})
	again, _ := ops.get(a)
	assert.NotSame(t, first, again)

	op, overflowed := ops.get(b)
	require.True(t, overflowed)
	require.Equal(t, overflowName, op.key.name)
	again.lastEnd = 5
	ops.expire(1, func(*operation) {}) // only the overflow operation goes
	op, overflowed = ops.get(b)
	require.True(t, overflowed, "a still holds the only place")
	ops.expire(6, func(*operation) {})
	op, overflowed = ops.get(b)
	assert.False(t, overflowed)
	assert.Equal(t, b, op.key)
}

// Keys that share a cache slot take turns in it, each answered with its
// own operation.
func TestOperationsGetKeysSharingACacheSlot(t *testing.T) {
	a := opKey{service: "checkout", name: "abcd", kind: "SPAN_KIND_CLIENT"}
	b := opKey{service: "checkout", name: "axcd", kind: "SPAN_KIND_CLIENT"}
	require.Equal(t, quickHash(a), quickHash(b))
	ops := newOperations(10)
	for range 3 {
		opA, _ := ops.get(a)
		opB, _ := ops.get(b)
		assert.Equal(t, a, opA.key)
		assert.Equal(t, b, opB.key)
	}
	assert.Equal(t, 2, ops.tracked)
}

func BenchmarkOperationsGet(b *testing.B) {
	keys := podKeys(100)
	ops := newOperations(defaultMaxSeries)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ops.get(keys[i])
		i++
		if i == len(keys) {
			i = 0
		}
	}
}
