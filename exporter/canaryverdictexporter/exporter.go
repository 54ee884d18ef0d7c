package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter/internal/metadata"
)

// tickEvery is how often, in wall-clock time, steps held back for missing
// instances are re-examined, so a stopped instance delays a verdict by at
// most grace_period plus this.
const tickEvery = time.Second

// verdictExporter is the canary_verdict component.
type verdictExporter struct {
	cfg       *Config
	set       exporter.Settings
	telemetry *metadata.TelemetryBuilder
	board     *board
	fleet     fleet
	store     *historyStore
	now       func() time.Time

	// recordMu orders judged steps into the board: batches may arrive on
	// several goroutines, and the ticker judges too.
	recordMu sync.Mutex

	server              *http.Server
	serverAuthenticated bool
	operatorAuth        extensionauth.Server
	stop                chan struct{}
	stopOnce            sync.Once
	done                sync.WaitGroup
}

var (
	_ exporter.Metrics = (*verdictExporter)(nil)

	errStorageNotFound = errors.New("storage extension not found")
	errNotStorage      = errors.New("extension is not a storage extension")
)

func newVerdictExporter(set exporter.Settings, cfg *Config) (*verdictExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &verdictExporter{cfg: cfg, set: set, telemetry: tb, now: time.Now, stop: make(chan struct{})}
	e.board = newBoard(cfg.History.MaxRuns, cfg.History.Retention, func(reason string, n int) {
		tb.CanaryVerdictHistoryDropped.Add(context.Background(), int64(n), metric.WithAttributes(attribute.String("reason", reason)))
	})
	fl, err := newFleet(cfg, tb)
	if err != nil {
		return nil, err
	}
	e.fleet = fl
	e.store = newHistoryStore(storage.NewNopClient(), func() {
		tb.CanaryVerdictStorageErrors.Add(context.Background(), 1)
	})
	return e, nil
}

func (e *verdictExporter) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start opens the storage client and restores history, then serves HTTP.
func (e *verdictExporter) Start(ctx context.Context, host component.Host) error {
	if e.cfg.Storage != nil {
		client, err := storageClient(ctx, host, *e.cfg.Storage, e.set.ID)
		if err != nil {
			return err
		}
		e.store.client = client
	}
	recs, err := e.store.load(ctx)
	if err != nil {
		// History is a convenience; serving verdicts matters more.
		e.set.Logger.Warn("history could not be restored; starting empty", zap.Error(err))
	}
	e.board.restore(recs)
	for _, r := range recs {
		if n := len(r.Runs); n > 0 && r.Runs[n-1].End == nil && r.Runs[n-1].Run != "" {
			cur := r.Runs[n-1]
			if err := e.fleet.resume(r.Service, cur.Version, cur.Run); err != nil {
				e.set.Logger.Warn("restored run not resumed", zap.String("service", r.Service), zap.Error(err))
			}
		}
		if r.Criteria != nil {
			if _, err := e.fleet.setCriteria(r.Service, r.Criteria); err != nil {
				e.set.Logger.Warn("restored criteria rejected; using defaults", zap.String("service", r.Service), zap.Error(err))
			}
		}
	}
	if e.cfg.OperatorAuth != nil {
		a, err := e.cfg.OperatorAuth.GetServerAuthenticator(ctx, host.GetExtensions())
		if err != nil {
			return fmt.Errorf("operator_auth: %w", err)
		}
		e.operatorAuth = a
	}
	e.serverAuthenticated = e.cfg.Auth.HasValue()

	ln, err := e.cfg.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", e.cfg.NetAddr.Endpoint, err)
	}
	e.server, err = e.cfg.ToServer(ctx, host.GetExtensions(), e.set.TelemetrySettings, e.routes())
	if err != nil {
		_ = ln.Close()
		return err
	}
	e.done.Add(2)
	go e.serve(ln)
	go e.tickLoop()
	return nil
}

func storageClient(ctx context.Context, host component.Host, id, self component.ID) (storage.Client, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", errStorageNotFound, id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNotStorage, id)
	}
	return se.GetClient(ctx, component.KindExporter, self, "history")
}

func (e *verdictExporter) serve(ln net.Listener) {
	defer e.done.Done()
	if err := e.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.set.Logger.Error("canary_verdict HTTP server stopped", zap.Error(err))
	}
}

func (e *verdictExporter) tickLoop() {
	defer e.done.Done()
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.recordMu.Lock()
			e.apply(context.Background(), e.fleet.tick(e.now()))
			e.recordMu.Unlock()
		}
	}
}

// Shutdown stops serving and closes the storage client.
func (e *verdictExporter) Shutdown(ctx context.Context) error {
	var errs error
	// The collector may shut a component down more than once.
	e.stopOnce.Do(func() {
		if e.server != nil {
			close(e.stop)
			errs = e.server.Shutdown(ctx)
			e.done.Wait()
		}
		errs = errors.Join(errs, e.store.close(ctx))
		e.telemetry.Shutdown()
	})
	return errs
}

// ConsumeMetrics folds connector evidence into the fleet and records every
// step that became ready. Other metrics in the batch are ignored.
func (e *verdictExporter) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	e.recordMu.Lock()
	defer e.recordMu.Unlock()
	e.apply(ctx, e.fleet.consume(ctx, md, e.now()))
	return nil
}

// apply records judged steps on the board and persists what changed. A
// storage failure is counted and logged, never returned: the pipeline must
// not retry metrics because history could not be written.
func (e *verdictExporter) apply(ctx context.Context, steps []judgedStep) {
	for _, s := range steps {
		rec := e.board.record(s.report, s.at, s.point)
		if s.ended {
			rec = e.board.endRun(s.report.Service, s.report.Run, s.at)
		}
		if err := e.store.save(ctx, s.report.Service, rec); err != nil {
			e.set.Logger.Warn("history not persisted", zap.Error(err))
		}
	}
}
