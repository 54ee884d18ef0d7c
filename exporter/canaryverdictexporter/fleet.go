package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"context"
	"encoding/json"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// fleet is the evidence side of the exporter: it folds in the evidence
// metrics of every connector instance, keeps the merged evidence, and
// judges it (with the judge package, never on its own terms) at aligned
// steps. Everything HTTP serves is what fleet returned, via the board.
type fleet interface {
	// consume folds one batch of metrics in and returns the steps that
	// became ready, judged, in order.
	consume(ctx context.Context, md pmetric.Metrics, now time.Time) []judgedStep
	// tick returns the steps whose grace period has passed.
	tick(now time.Time) []judgedStep
	// windowEstimate is a check's estimate for one arm over the most recent
	// window of event time of a release's current run.
	windowEstimate(service, version string, key checkKey, stage string, window time.Duration) (float64, bool)
	// setCriteria validates a criteria document (JSON) and puts it in force
	// for a service from the next judged step; it returns the document as
	// the judge understood it (defaults filled in).
	setCriteria(service string, doc []byte) (json.RawMessage, error)
	// defaultCriteria is the configured criteria, as JSON.
	defaultCriteria() json.RawMessage
	// resume carries a run restored from history on: evidence after a
	// restart continues it (same run id) instead of starting a new one.
	resume(service, version, run string) error
}

// judgedStep is one release judged at one step.
type judgedStep struct {
	report verdictReport
	at     time.Time
	point  seriesPoint
	// ended marks the run's last step: no evidence came for run_idle.
	ended bool
}
