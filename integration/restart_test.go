package integration

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"
)

// storageHost is a host with one file_storage extension.
type storageHost struct {
	id  component.ID
	ext extension.Extension
}

func (h storageHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{h.id: h.ext}
}

// startFileStorage starts the contrib file_storage extension on dir.
func startFileStorage(t *testing.T, dir string) storageHost {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	cfg.Compaction.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	h := storageHost{id: component.NewID(f.Type()), ext: ext}
	require.NoError(t, ext.Start(context.Background(), h))
	return h
}

type historyAnswer struct {
	Runs []struct {
		Run, Version, Verdict string
		Changes               []struct{ Verdict string }
	}
}

func TestHistorySurvivesARestartWithFileStorage(t *testing.T) {
	dir := t.TempDir()
	withStorage := func(h storageHost) func(*canaryverdictexporter.Config) {
		return func(c *canaryverdictexporter.Config) { c.Storage = &h.id }
	}

	// First life: two versions of payments, the first rolled back.
	host := startFileStorage(t, dir)
	l := startExporter(t, host, withStorage(host))
	old := rollingBack
	old.version = "7.0"
	l.feed(t, 1, firstStep, firstStep+1, old)
	waitLearned()
	l.feed(t, 2, firstStep+1, firstStep+scenarioSteps, old)
	l.waitJudged(t, "payments", firstStep+scenarioSteps-1)
	next := young
	next.service, next.version = "payments", "7.1"
	l.feed(t, 3, firstStep+scenarioSteps, firstStep+scenarioSteps+3, next)
	l.waitJudged(t, "payments", firstStep+scenarioSteps+2)
	_, before := l.get(t, "/api/v1/releases/payments/history")
	require.NoError(t, l.exp.Shutdown(context.Background()))
	require.NoError(t, host.ext.Shutdown(context.Background()))

	// Second life on the same directory, before any new evidence.
	host = startFileStorage(t, dir)
	t.Cleanup(func() { require.NoError(t, host.ext.Shutdown(context.Background())) })
	l = startExporter(t, host, withStorage(host))
	_, after := l.get(t, "/api/v1/releases/payments/history")
	assert.JSONEq(t, string(before), string(after))

	var h historyAnswer
	require.NoError(t, json.Unmarshal(after, &h))
	require.Len(t, h.Runs, 2, string(after))
	assert.Equal(t, "7.1", h.Runs[0].Version)
	assert.Equal(t, "7.0", h.Runs[1].Version)
	assert.Equal(t, "rollback", h.Runs[1].Verdict)
	assert.Equal(t, "rollback", verdictOf(t, l, "payments?version=7.0")[:8])
	assert.Equal(t, "inconclusive", verdictOf(t, l, "payments")[:12])

	// Evidence after the restart continues the restored run: same id, no
	// third run in the history.
	l.feed(t, 4, firstStep+scenarioSteps+3, firstStep+scenarioSteps+4, next)
	waitLearned()
	l.feed(t, 5, firstStep+scenarioSteps+4, firstStep+scenarioSteps+6, next)
	l.waitJudged(t, "payments", firstStep+scenarioSteps+5)
	_, again := l.get(t, "/api/v1/releases/payments/history")
	var h2 historyAnswer
	require.NoError(t, json.Unmarshal(again, &h2))
	require.Len(t, h2.Runs, 2, string(again))
	assert.Equal(t, h.Runs[0].Run, h2.Runs[0].Run)
}
