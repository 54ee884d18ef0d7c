package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

// memo remembers the strings of the previous span encoded in one batch, with
// their dictionary ids. Spans of one instrumentation repeat their name and
// their attribute keys, in the same order, so comparing a string with the
// previous span's at the same position (a length check and a short memcmp)
// answers most lookups without hashing. A memo lives for one ConsumeTraces
// call and is used by one goroutine; its strings point into that call's
// batch and are never kept beyond it.
type memo struct {
	name  memoString
	attrs []memoAttr
}

type memoAttr struct {
	key, value memoString
}

type memoString struct {
	s        string
	id       uint32
	interned bool
	valid    bool
}

// lookup returns the dictionary id of s if m holds s.
func (m *memoString) lookup(s string) (id uint32, interned, hit bool) {
	if m.valid && m.s == s {
		return m.id, m.interned, true
	}
	return 0, false, false
}

func (m *memoString) set(s string, id uint32, interned bool) {
	*m = memoString{s: s, id: id, interned: interned, valid: true}
}

// attr returns the memo of the i-th attribute, growing the memo as needed.
func (m *memo) attr(i int) *memoAttr {
	for len(m.attrs) <= i {
		m.attrs = append(m.attrs, memoAttr{})
	}
	return &m.attrs[i]
}
