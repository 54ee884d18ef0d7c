package traffic

import (
	"testing"
	"time"

	"github.com/canarytrace/canarytrace/internal/sampling"
)

// TestHeadSamplingWritesThAndKeepsItsShare runs the aa scenario with 10% head
// sampling (seed 9, 12,000 requests) and checks that every kept span carries
// ot=th:e666 (10% at internal/sampling's default precision), that every kept trace's randomness (the trace ID's
// rightmost 56 bits) is at least the threshold, that kept traces are whole,
// and that the kept share of requests is within 4 sigma of 10%.
func TestHeadSamplingWritesThAndKeepsItsShare(t *testing.T) {
	t.Parallel()
	sc := loadScenario(t, "aa.yaml")
	sc.Duration = time.Minute
	sc.HeadSampling = ptr(10.0)
	rows, sum := generate(t, sc, 9)
	threshold, err := sampling.ProbabilityToThreshold(0.1)
	if err != nil {
		t.Fatal(err)
	}
	for id, spans := range traces(rows) {
		if r := sampling.RandomnessFromTraceID(id); !threshold.ShouldSample(r) {
			t.Fatalf("trace %v kept with randomness %s below the threshold %s", id, r.Hex(), threshold.Hex())
		}
		if n := len(spans); n != 8 && n != 3 {
			t.Fatalf("trace %v kept with %d spans: head sampling must keep whole traces", id, n)
		}
		for _, s := range spans {
			if s.traceState != "ot=th:e666" {
				t.Fatalf("span %q tracestate %q", s.name, s.traceState)
			}
		}
	}
	all := int(sum.Requests[StageCanary] + sum.Requests[StageStable])
	withinBinomial(t, "kept requests", int(sum.SampledRequests), all, 0.1)
	if got := len(traces(rows)); int64(got) != sum.SampledRequests {
		t.Errorf("%d traces arrived, summary counts %d kept", got, sum.SampledRequests)
	}
}

// TestHeadSamplingKeepsTheSameTracesAsTheFullRun checks that sampling only
// removes traces: with the same seed, the sampled run's spans are exactly the
// full run's spans of the kept traces, plus the th entry.
func TestHeadSamplingKeepsTheSameTracesAsTheFullRun(t *testing.T) {
	sc := loadScenario(t, "aa.yaml")
	sc.Duration = 10 * time.Second
	full, _ := generate(t, sc, 4)
	sc.HeadSampling = ptr(25.0)
	sampled, _ := generate(t, sc, 4)
	kept := traces(sampled)
	var want []row
	for _, r := range full {
		if _, ok := kept[r.trace]; ok {
			r.traceState = "ot=th:c"
			want = append(want, r)
		}
	}
	if len(want) != len(sampled) || len(sampled) == 0 {
		t.Fatalf("sampled run has %d spans, the full run %d for the same traces", len(sampled), len(want))
	}
	bySpan := map[[8]byte]row{}
	for _, r := range want {
		bySpan[r.span] = r
	}
	for _, r := range sampled {
		if bySpan[r.span] != r {
			t.Fatalf("span differs:\nfull    %+v\nsampled %+v", bySpan[r.span], r)
		}
	}
}
