package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"context"
	"encoding/json"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadata"
)

// TEMPORARY until internal/judge and evidencemetrics.Decode land.
type stubFleet struct{}

func newFleet(*Config, *metadata.TelemetryBuilder) fleet { return stubFleet{} }

func (stubFleet) consume(context.Context, pmetric.Metrics, time.Time) []judgedStep { return nil }
func (stubFleet) tick(time.Time) []judgedStep                                      { return nil }
func (stubFleet) windowEstimate(string, string, checkKey, string, time.Duration) (float64, bool) {
	return 0, false
}
func (stubFleet) setCriteria(_ string, doc []byte) (json.RawMessage, error) { return doc, nil }
func (stubFleet) defaultCriteria() json.RawMessage                          { return json.RawMessage(`{}`) }
