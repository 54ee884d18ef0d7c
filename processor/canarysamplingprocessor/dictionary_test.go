package canarysamplingprocessor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDictionaryInternsShortStringsOnce(t *testing.T) {
	var published int
	d := newDictionary(func(n int) { published += n })
	a, ok := d.id("http.route")
	require.True(t, ok)
	b, ok := d.id("http.route")
	require.True(t, ok)
	assert.Equal(t, a, b)
	s, ok := d.str(a)
	require.True(t, ok)
	assert.Equal(t, "http.route", s)
	assert.Zero(t, published, "still pending")
	d.publish()
	assert.Equal(t, 1, published)
	assert.Equal(t, a, d.snapshot.Load().ids["http.route"], "visible without the lock")

	_, ok = d.id(strings.Repeat("x", maxInternedLen+1))
	assert.False(t, ok, "long strings are inline")
	_, ok = d.str(12345)
	assert.False(t, ok, "unknown id")
}

func TestDictionaryStopsInterningValuesOfAHighCardinalityKey(t *testing.T) {
	d := newDictionary(nil)
	key, _ := d.id("url.path")
	for i := range maxValuesPerKey {
		_, ok := d.valueID(key, fmt.Sprintf("/users/%d", i))
		require.True(t, ok, "value %d", i)
	}
	_, ok := d.valueID(key, "/users/new")
	assert.False(t, ok, "the key has had maxValuesPerKey distinct values")
	_, ok = d.valueID(key, "/users/0")
	assert.False(t, ok, "not even known ones: the key is not worth a lookup")

	other, _ := d.id("http.request.method")
	_, ok = d.valueID(other, "GET")
	assert.True(t, ok, "other keys are unaffected")
}

func TestDictionaryIsBounded(t *testing.T) {
	d := newDictionary(nil)
	for i := range maxInternedStrings {
		_, ok := d.id(fmt.Sprint(i))
		require.True(t, ok)
	}
	_, ok := d.id("one too many")
	assert.False(t, ok)
	assert.True(t, d.full.Load())
	id, ok := d.id("17")
	assert.True(t, ok, "interned strings are still found")
	s, _ := d.str(id)
	assert.Equal(t, "17", s)
}
