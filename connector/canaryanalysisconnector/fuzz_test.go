package canaryanalysisconnector

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector/internal/metadata"
)

// FuzzConsumeTraces feeds the connector arbitrary OTLP traces, as any
// client of the collector could send: wild timestamps, odd kinds, broken
// tracestates, huge or negative durations. It must not panic, and every
// metric it sends must be well formed (it would otherwise poison the
// exporter). The corpus is under testdata/fuzz/FuzzConsumeTraces.
func FuzzConsumeTraces(f *testing.F) {
	var m ptrace.ProtoMarshaler
	for _, spans := range [][]span{
		checkoutTraffic(),
		{at(canaryCall, time.Second), at(canaryCall, 100*time.Hour)},
		{{service: "x", version: "1", resStage: "x@1", spanStage: "y@2", name: "n", end: -time.Hour, tracestate: "ot=th:zz;rv:1"}},
	} {
		b, err := m.MarshalTraces(traces(spans...))
		require.NoError(f, err)
		f.Add(b, b)
	}
	f.Fuzz(func(t *testing.T, first, second []byte) {
		var u ptrace.ProtoUnmarshaler
		cfg := testConfig()
		sink := new(consumertest.MetricsSink)
		c, err := newConnector(connectortest.NewNopSettings(metadata.Type), *cfg, sink, nil)
		require.NoError(t, err)
		for _, b := range [][]byte{first, second} {
			td, err := u.UnmarshalTraces(b)
			if err != nil {
				continue
			}
			require.NoError(t, c.ConsumeTraces(context.Background(), td))
		}
		require.NoError(t, c.advance(context.Background(), true))
		for _, md := range sink.AllMetrics() {
			if err := wellFormed(md); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// wellFormed checks what a backend would reject: non-finite values, a
// histogram whose count is not the sum of its buckets, time running
// backwards.
func wellFormed(md pmetric.Metrics) error {
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			m := ms.At(j)
			var nums pmetric.NumberDataPointSlice
			switch m.Type() {
			case pmetric.MetricTypeGauge:
				nums = m.Gauge().DataPoints()
			case pmetric.MetricTypeSum:
				nums = m.Sum().DataPoints()
			case pmetric.MetricTypeExponentialHistogram:
				dps := m.ExponentialHistogram().DataPoints()
				for k := 0; k < dps.Len(); k++ {
					dp := dps.At(k)
					total := dp.ZeroCount()
					for _, n := range dp.Positive().BucketCounts().AsRaw() {
						total += n
					}
					if total != dp.Count() || math.IsNaN(dp.Sum()) || math.IsInf(dp.Sum(), 0) || dp.StartTimestamp() > dp.Timestamp() {
						return fmt.Errorf("%s: bad histogram point count %d, buckets %d, sum %v", m.Name(), dp.Count(), total, dp.Sum())
					}
				}
				continue
			}
			for k := 0; k < nums.Len(); k++ {
				dp := nums.At(k)
				v := dp.DoubleValue()
				if dp.ValueType() == pmetric.NumberDataPointValueTypeDouble && (math.IsNaN(v) || math.IsInf(v, 0)) || dp.StartTimestamp() > dp.Timestamp() {
					return fmt.Errorf("%s: bad point %v", m.Name(), v)
				}
			}
		}
	}
	return nil
}
