package traffic

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Summary is what a run produced, for the user and for tests.
type Summary struct {
	Scenario string
	// Start and End bound the arrivals of the run's requests (span time).
	Start, End time.Time
	// Requests counts requests by the stage of the release pod that served
	// them ("" when a request never reached the release).
	Requests map[string]int64
	// HeadSampling is the head-sampling percentage, 0 when off.
	HeadSampling float64
	// SampledRequests is how many requests' root spans were exported: those
	// head sampling kept, or every request when it is off.
	SampledRequests int64
	// Spans counts spans handed to the exporter, by service and stage.
	Spans []SpanCount
	// SentSpans and FailedSpans count spans in batches whose export
	// succeeded or failed; FailedExports counts failed batches.
	SentSpans, FailedSpans int64
	FailedExports          int
	// LastExportError is the last export failure, if any.
	LastExportError error
}

// SpanCount is the spans of one service at one stage. Stage is the span's
// deployment.stage attribute (from baggage) or else its resource's.
type SpanCount struct {
	Service, Stage string
	Spans, Errors  int64
}

type spanKey struct{ service, stage string }

type spanTally struct {
	counts map[spanKey]*SpanCount
	// resources caches what each pod group's resource says: reading a
	// resource's attributes copies them.
	resources map[*resource.Resource]spanKey
}

func newSpanTally() spanTally {
	return spanTally{counts: map[spanKey]*SpanCount{}, resources: map[*resource.Resource]spanKey{}}
}

func (t spanTally) resourceKey(res *resource.Resource) spanKey {
	k, ok := t.resources[res]
	if ok {
		return k
	}
	for _, kv := range res.Attributes() {
		switch kv.Key {
		case "service.name":
			k.service = kv.Value.AsString()
		case StageKey:
			k.stage = kv.Value.AsString()
		}
	}
	t.resources[res] = k
	return k
}

func (t spanTally) add(spans []sdktrace.ReadOnlySpan) {
	for _, s := range spans {
		k := t.resourceKey(s.Resource())
		for _, kv := range s.Attributes() {
			if kv.Key == StageKey {
				k.stage = kv.Value.AsString()
			}
		}
		c := t.counts[k]
		if c == nil {
			c = &SpanCount{Service: k.service, Stage: k.stage}
			t.counts[k] = c
		}
		c.Spans++
		if s.Status().Code == codes.Error {
			c.Errors++
		}
	}
}

func (t spanTally) sorted() []SpanCount {
	out := make([]SpanCount, 0, len(t.counts))
	for _, c := range t.counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Stage < out[j].Stage
	})
	return out
}

// Write prints the summary as a table.
func (s Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "scenario %s: %s .. %s (span time)\n", s.Scenario,
		s.Start.UTC().Format(time.RFC3339), s.End.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "requests: canary %d, stable %d", s.Requests[StageCanary], s.Requests[StageStable])
	if n := s.Requests[""]; n > 0 {
		fmt.Fprintf(w, ", outside the release %d", n)
	}
	if s.HeadSampling > 0 {
		fmt.Fprintf(w, "; kept by %g%% head sampling %d", s.HeadSampling, s.SampledRequests)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "service\tstage\tspans\terror spans\t")
	for _, c := range s.Spans {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t\n", c.Service, c.Stage, c.Spans, c.Errors)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "spans sent %d, spans failed %d, failed exports %d\n", s.SentSpans, s.FailedSpans, s.FailedExports)
	if s.LastExportError != nil {
		fmt.Fprintf(w, "last export error: %v\n", s.LastExportError)
	}
}
