package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.yaml.in/yaml/v3"

	"github.com/canarytrace/canarytrace/connector/canaryanalysisconnector"
)

func init() {
	register(command{
		name:    "backtest",
		summary: "replay recorded spans (OTLP JSON lines) through canary_analysis and print each release's verdict timeline",
		run:     runBacktest,
	})
}

// maxLine bounds one OTLP JSON line (one ExportTraceServiceRequest).
const maxLine = 256 << 20

func runBacktest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "collector config file (its connectors: canary_analysis section is used) or a bare canary_analysis config")
	name := fs.String("name", "", "connector id in a collector config, e.g. canary_analysis/edge (default: the only canary_analysis connector)")
	every := fs.Bool("every-step", false, "print the verdict at every judged step, not only when it changes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: canarytrace backtest --config FILE TRACES.json [TRACES.json...]")
		fmt.Fprintln(stderr, "\nTRACES.json holds one OTLP ExportTraceServiceRequest as JSON per line (canarygen --output,")
		fmt.Fprintln(stderr, "the file exporter); '-' reads standard input. Only span time advances the evaluation.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *configPath == "" || fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: --config and at least one traces file are required", errUsage)
	}
	cfg, err := loadConfig(*configPath, *name)
	if err != nil {
		return err
	}
	tl := newTimeline(stdout, cfg.Interval, *every)
	replay, err := canaryanalysisconnector.NewReplay(settings(), cfg, discard{}, tl.observe)
	if err != nil {
		return fmt.Errorf("config %s: %w", *configPath, err)
	}
	defer func() { _ = replay.Shutdown(ctx) }()

	var stats readStats
	for _, path := range fs.Args() {
		if err := replayFile(ctx, path, replay, &stats); err != nil {
			return err
		}
	}
	if err := replay.Flush(ctx); err != nil {
		return err
	}
	tl.summary()
	fmt.Fprintf(stdout, "\n%d spans in %d requests", stats.spans, stats.requests)
	if stats.skipped > 0 {
		fmt.Fprintf(stdout, "; %d unreadable lines skipped", stats.skipped)
	}
	fmt.Fprintln(stdout)
	if stats.skipped > 0 {
		fmt.Fprintf(stderr, "canarytrace backtest: skipped %d lines that were not OTLP JSON traces (first: %s)\n", stats.skipped, stats.firstBad)
	}
	return nil
}

type readStats struct {
	requests, spans, skipped int
	firstBad                 string
}

// replayFile feeds every line of path to the replay; unreadable lines are
// counted and skipped so one bad line does not lose a recording.
func replayFile(ctx context.Context, path string, replay *canaryanalysisconnector.Replay, stats *readStats) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	var u ptrace.JSONUnmarshaler
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		td, err := u.UnmarshalTraces(b)
		if err != nil {
			if stats.skipped == 0 {
				stats.firstBad = fmt.Sprintf("%s:%d: %v", path, line, err)
			}
			stats.skipped++
			continue
		}
		stats.requests++
		stats.spans += td.SpanCount()
		if err := replay.ConsumeTraces(ctx, td); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadConfig reads the connector's config: the `connectors:` entry of a
// collector config file (named, or the only canary_analysis one), or the
// whole file as a bare connector config. ${env:…} references are not
// expanded.
func loadConfig(path, name string) (*canaryanalysisconnector.Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	section := m
	if conns, ok := m["connectors"].(map[string]any); ok {
		section, err = pickConnector(conns, name)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	factory := canaryanalysisconnector.NewFactory()
	cfg := factory.CreateDefaultConfig().(*canaryanalysisconnector.Config)
	if err := confmap.NewFromStringMap(section).Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := confmap.Validate(cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

func pickConnector(conns map[string]any, name string) (map[string]any, error) {
	typ := canaryanalysisconnector.NewFactory().Type().String()
	var found []string
	for id := range conns {
		if id == typ || strings.HasPrefix(id, typ+"/") {
			found = append(found, id)
		}
	}
	switch {
	case name != "":
		if _, ok := conns[name]; !ok {
			return nil, fmt.Errorf("no connector %q in connectors", name)
		}
		found = []string{name}
	case len(found) == 0:
		return nil, fmt.Errorf("no %s connector in connectors", typ)
	case len(found) > 1:
		return nil, fmt.Errorf("%d %s connectors (%s): choose one with --name", len(found), typ, strings.Join(found, ", "))
	}
	section, _ := conns[found[0]].(map[string]any)
	if section == nil {
		section = map[string]any{} // `canary_analysis:` with no body: the defaults
	}
	return section, nil
}

func settings() connector.Settings {
	tel := componenttest.NewNopTelemetrySettings()
	tel.Resource = pcommon.NewResource()
	tel.Resource.Attributes().PutStr("service.instance.id", "backtest")
	return connector.Settings{
		ID:                component.NewID(canaryanalysisconnector.NewFactory().Type()),
		TelemetrySettings: tel,
		BuildInfo:         component.NewDefaultBuildInfo(),
	}
}

// discard drops the metrics a collector would send on.
type discard struct{}

func (discard) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (discard) ConsumeMetrics(context.Context, pmetric.Metrics) error {
	return nil
}

var _ consumer.Metrics = discard{}
