package canaryanalysisconnector

import (
	"github.com/canarytrace/canarytrace/internal/release"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// attributionMemo remembers, within one resource, the attribution of each
// span stage value seen: the resource's fields are the same for all its
// spans, and spans mostly carry one or two stage values, so most spans
// reuse an answer instead of asking the registry. Only answers that
// touched no release are kept (touching records each span's end time),
// and only while the registry's runs stay the same.
type attributionMemo struct {
	entries [memoEntries]memoEntry
	next    int
	// last is the entry of the previous answer, tried first: a pod's
	// spans mostly carry one stage value.
	last int
}

// memoEntries covers a resource's usual span stage values: none, canary,
// stable, and a qualified one.
const memoEntries = 4

type memoEntry struct {
	ok       bool
	stamp    release.Stamp
	stage    string
	hasStage bool
	atts     []release.Attribution
	primary  stage.Arm
	why      release.Unattributed
}

// answers reports whether the entry holds the attribution of f's stage
// value, still valid at stamp now. Most spans carry no stage value, and
// comparing two empty strings still costs a call.
func (e *memoEntry) answers(f *spanFacts, now release.Stamp) bool {
	return e.ok && e.hasStage == f.hasStage && len(e.stage) == len(f.stage) &&
		(len(f.stage) == 0 || e.stage == f.stage) && e.stamp.SameRuns(now)
}

// recall returns the attribution of the previous answer when it answers
// f at stamp now, as most spans' does; ok is false otherwise (then call
// attribute). Small enough for the compiler to inline into record, where
// attribute is not.
func (m *attributionMemo) recall(f *spanFacts, now release.Stamp) (atts []release.Attribution, primary stage.Arm, why release.Unattributed, ok bool) {
	if e := &m.entries[m.last]; e.answers(f, now) {
		return e.atts, e.primary, e.why, true
	}
	return nil, stage.None, 0, false
}

func (m *attributionMemo) reset() {
	for i := range m.entries {
		m.entries[i].ok = false
	}
}

// attribute returns the span's attributions (valid until the next call),
// its primary arm and why it is unattributed, if it is, when recall did
// not answer. The caller holds the lock and reset the memo at the start of
// the resource.
func (c *canaryConnector) attribute(res *resourceFacts, f *spanFacts) ([]release.Attribution, stage.Arm, release.Unattributed) {
	now := c.releases.Stamp()
	m := &c.memo
	for i := range m.entries {
		if e := &m.entries[i]; e.answers(f, now) {
			m.last = i
			return e.atts, e.primary, e.why
		}
	}
	atts, primary, why := c.releases.Attribute(release.Span{
		Service: res.service, Version: res.version,
		ResourceStage: res.stage, HasResourceStage: res.hasStage,
		SpanStage: f.stage, HasSpanStage: f.hasStage,
		End: f.end,
	}, c.attBuf[:0])
	c.attBuf = atts
	if c.releases.Stamp() == now {
		e := &m.entries[m.next]
		// The next span most likely carries the same stage value: recall
		// tries this entry first.
		m.last = m.next
		m.next = (m.next + 1) % memoEntries
		*e = memoEntry{ok: true, stamp: now, stage: f.stage, hasStage: f.hasStage,
			atts: append(e.atts[:0], atts...), primary: primary, why: why}
	}
	return atts, primary, why
}
