package canarysamplingprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

func TestDecisionCacheEvictsTheOldestDecisionAndRemembersIt(t *testing.T) {
	forgotten := newForgottenSet(8)
	c := newDecisionCache(2, forgotten)
	a, b, d := traceID(1, 1), traceID(2, 2), traceID(3, 3)
	th := sampling.AlwaysSample
	c.add(a, th)
	c.add(b, th)
	_, ok := c.get(a)
	assert.True(t, ok)
	assert.False(t, forgotten.take(a), "nothing evicted yet")

	c.add(d, th)
	_, ok = c.get(a)
	assert.False(t, ok, "the oldest decision was evicted")
	_, ok = c.get(b)
	assert.True(t, ok)
	_, ok = c.get(d)
	assert.True(t, ok)
	assert.True(t, forgotten.take(a), "the evicted trace is remembered as forgotten")
	assert.False(t, forgotten.take(a), "once")
	assert.False(t, forgotten.take(b))
}

func TestDecisionCacheOfSizeZeroForgetsAtOnce(t *testing.T) {
	forgotten := newForgottenSet(0)
	c := newDecisionCache(0, forgotten)
	id := traceID(1, 1)
	c.add(id, sampling.AlwaysSample)
	_, ok := c.get(id)
	assert.False(t, ok)
	assert.True(t, forgotten.take(id))
}
