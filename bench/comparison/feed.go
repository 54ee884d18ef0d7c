package comparison

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Feed decodes the workload batch by batch and feeds each batch to a new
// connector, then shuts it down (its final metrics included); with a nil
// connector it only decodes. Nothing is timed: it is the work of a run
// for tools that count from outside the process. scripts/instructions.sh
// runs it under callgrind with and without a connector, and the difference
// is the connector's instructions and cache misses per span, a figure
// that, unlike CPU time, does not move with the machine's load.
func Feed(ctx context.Context, c *Connector, w *Workload) error {
	var p underTest
	if c != nil {
		var err error
		if p, err = c.start(ctx, w, newMetricsSink(c.counter)); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	var u ptrace.ProtoUnmarshaler
	for _, b := range w.encoded {
		td, err := u.UnmarshalTraces(b)
		if err != nil {
			return err
		}
		if p != nil {
			if err := p.ConsumeTraces(ctx, td); err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
		}
	}
	if p != nil {
		return p.Shutdown(ctx)
	}
	return nil
}

// Spans returns the number of spans in the workload.
func (w *Workload) Spans() int { return w.truth.TotalSpans() }
