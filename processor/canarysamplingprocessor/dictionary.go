package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Bounds of the dictionary. Attribute keys, span names and enum-like values
// repeat in almost every span, so holding each once instead of once per
// buffered span is most of what makes the encoding smaller than protobuf.
// Long strings are rarely repeated (URLs, statements, ids) and stay inline.
const (
	maxInternedLen     = 48
	maxInternedStrings = 1 << 16
	// minPublish, publishShare and maxPendingHits decide when strings gathered under the
	// lock are copied into a new lock-free snapshot: after a quarter of the
	// snapshot's size, so the copying stays linear in the strings interned.
	// The decision ticker also publishes whatever is pending.
	minPublish   = 16
	publishShare = 4
	// maxPendingHits publishes early when strings still pending are looked
	// up this often: each such lookup takes the lock.
	maxPendingHits = 256
	// maxValuesPerKey stops interning the values of an attribute key after
	// this many distinct ones: such a key (url.path, a user id) has values
	// that rarely repeat, and interning them would only fill the dictionary.
	maxValuesPerKey = 64
)

// dictionary interns short strings for the span encoding: encoders look up
// the id of a string without a lock in an immutable snapshot; new strings
// go to a pending set under a mutex and reach the snapshot in batches.
// Strings are never removed, which the bounds above make safe; beyond them
// strings are encoded inline.
type dictionary struct {
	snapshot atomic.Pointer[dictSnapshot]
	full     atomic.Bool

	mu      sync.Mutex
	pending map[string]uint32
	hits    int      // lookups answered from pending since the last publish
	all     []string // every interned string by id; append-only
	added   func(n int)

	// values counts, per key id, the distinct values interned for it.
	values [maxInternedStrings]atomic.Uint32
}

type dictSnapshot struct {
	ids  map[string]uint32
	strs []string
}

// newDictionary returns an empty dictionary; added (may be nil) is told how
// many strings each publish added, for telemetry.
func newDictionary(added func(n int)) *dictionary {
	d := &dictionary{pending: map[string]uint32{}, added: added}
	d.snapshot.Store(&dictSnapshot{ids: map[string]uint32{}})
	return d
}

// id returns the id of s, interning it if it is short and the dictionary
// has room; false means s must be stored inline.
func (d *dictionary) id(s string) (uint32, bool) {
	if id, ok := d.snapshot.Load().ids[s]; ok {
		return id, true
	}
	if len(s) > maxInternedLen || d.full.Load() {
		return 0, false
	}
	id, ok, _ := d.intern(s)
	return id, ok
}

// intern returns the id of s, adding s when there is room; added says
// whether s was new.
func (d *dictionary) intern(s string) (id uint32, ok, added bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.pending[s]; ok {
		if d.hits++; d.hits >= maxPendingHits {
			d.publishLocked()
		}
		return id, true, false
	}
	// The snapshot may have been replaced since the caller looked.
	if id, ok := d.snapshot.Load().ids[s]; ok {
		return id, true, false
	}
	if len(d.all) >= maxInternedStrings {
		d.full.Store(true)
		return 0, false, false
	}
	// Clone: s may point into a received request buffer that must not be
	// kept alive by the dictionary.
	s = strings.Clone(s)
	id = uint32(len(d.all))
	d.all = append(d.all, s)
	d.pending[s] = id
	if len(d.pending) >= max(minPublish, len(d.snapshot.Load().ids)/publishShare) {
		d.publishLocked()
	}
	return id, true, true
}

// valueID returns the id of value s of the attribute whose key has id key,
// interning it while that key has had few distinct values.
func (d *dictionary) valueID(key uint32, s string) (uint32, bool) {
	counter := &d.values[key]
	if counter.Load() >= maxValuesPerKey {
		return 0, false
	}
	if id, ok := d.snapshot.Load().ids[s]; ok {
		return id, true
	}
	if len(s) > maxInternedLen || d.full.Load() {
		return 0, false
	}
	id, ok, added := d.intern(s)
	if added {
		counter.Add(1)
	}
	return id, ok
}

// str returns the string with the given id; false for an unknown id.
func (d *dictionary) str(id uint32) (string, bool) {
	if snap := d.snapshot.Load(); id < uint32(len(snap.strs)) {
		return snap.strs[id], true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id < uint32(len(d.all)) {
		return d.all[id], true
	}
	return "", false
}

// publish makes pending strings visible to lock-free lookups.
func (d *dictionary) publish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.publishLocked()
}

func (d *dictionary) publishLocked() {
	if len(d.pending) == 0 {
		return
	}
	old := d.snapshot.Load()
	ids := make(map[string]uint32, len(old.ids)+len(d.pending))
	for s, id := range old.ids {
		ids[s] = id
	}
	for s, id := range d.pending {
		ids[s] = id
	}
	if d.added != nil {
		d.added(len(d.pending))
	}
	d.pending, d.hits = map[string]uint32{}, 0
	d.snapshot.Store(&dictSnapshot{ids: ids, strs: d.all[:len(d.all):len(d.all)]})
}
