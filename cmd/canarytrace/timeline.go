package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/judge"
)

// timeline prints each release's verdicts as they change: the step's end
// time, the verdict, the failing checks (operation and check) and the
// judge's reason.
type timeline struct {
	w        io.Writer
	interval time.Duration
	every    bool
	last     map[evidence.Release]entry
	order    []evidence.Release
}

type entry struct {
	verdict judge.Verdict
	failing string
	rv      judge.ReleaseVerdict
}

func newTimeline(w io.Writer, interval time.Duration, every bool) *timeline {
	return &timeline{w: w, interval: interval, every: every, last: map[evidence.Release]entry{}}
}

func (t *timeline) observe(rv judge.ReleaseVerdict) {
	e := entry{verdict: rv.Verdict, failing: failing(rv), rv: rv}
	prev, seen := t.last[rv.Release]
	if !seen {
		t.order = append(t.order, rv.Release)
		fmt.Fprintf(t.w, "%s  run %s\n", rv.Release, rv.Run)
	}
	t.last[rv.Release] = e
	if seen && !t.every && prev.verdict == e.verdict && prev.failing == e.failing {
		return
	}
	t.print("  ", rv.Release, e)
}

func (t *timeline) print(indent string, r evidence.Release, e entry) {
	fmt.Fprintf(t.w, "%s%s  %-20s %-12s", indent, t.stepTime(e.rv.Step), r, e.verdict.Release())
	if e.failing != "" {
		fmt.Fprintf(t.w, "  failing: %s", e.failing)
	}
	if e.rv.Reason != "" {
		fmt.Fprintf(t.w, "  — %s", e.rv.Reason)
	}
	fmt.Fprintln(t.w)
}

// summary prints every release's final verdict.
func (t *timeline) summary() {
	if len(t.order) == 0 {
		fmt.Fprintln(t.w, "no release: no span had a canary stage on its resource")
		return
	}
	sort.Slice(t.order, func(i, j int) bool { return t.order[i].String() < t.order[j].String() })
	fmt.Fprintln(t.w, "\nfinal verdicts:")
	for _, r := range t.order {
		e := t.last[r]
		fmt.Fprintf(t.w, "  %-20s %-12s score %3.0f  since %s", r, e.verdict.Release(), e.rv.Score, t.stepTime(e.rv.Since))
		if e.failing != "" {
			fmt.Fprintf(t.w, "  failing: %s", e.failing)
		}
		fmt.Fprintln(t.w)
	}
}

func (t *timeline) stepTime(s evidence.Step) string {
	return time.Unix(0, (int64(s)+1)*int64(t.interval)).UTC().Format(time.RFC3339)
}

// failing names the failing checks: "inventory GET /stock (SPAN_KIND_SERVER)
// error_rate", or just the check for a release-level one.
func failing(rv judge.ReleaseVerdict) string {
	var out []string
	for _, c := range rv.Checks {
		if c.Verdict != judge.Fail {
			continue
		}
		if c.Operation.IsRelease() {
			out = append(out, c.Check)
		} else {
			out = append(out, c.Operation.String()+" "+c.Check)
		}
	}
	return strings.Join(out, "; ")
}
