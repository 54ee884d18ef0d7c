package canaryverdictexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistorySurvivesARestart(t *testing.T) {
	mem := newMemClient()
	failures := 0
	store := newHistoryStore(mem, func() { failures++ })
	b := newBoard(5, 0, nil)
	ctx := context.Background()
	require.NoError(t, store.save(ctx, "checkout", b.record(report("checkout", "1.1", "checkout@1.1@1", verdictRollback), t0, seriesPoint{})))
	require.NoError(t, store.save(ctx, "checkout", b.record(report("checkout", "1.2", "checkout@1.2@9", verdictPromote), t0.Add(time.Hour), seriesPoint{})))
	require.NoError(t, store.save(ctx, "cart", b.override("cart", overrideRequest{Action: overrideHold, Reason: "freeze"}, "alice", t0)))

	restarted := newBoard(5, 0, nil)
	recs, err := newHistoryStore(mem, func() { failures++ }).load(ctx)
	require.NoError(t, err)
	restarted.restore(recs)

	assert.Equal(t, b.runs("checkout"), restarted.runs("checkout"))
	assert.Equal(t, verdictPromote, restarted.verdict("checkout", "").Verdict)
	assert.Equal(t, verdictRollback, restarted.verdict("checkout", "1.1").Verdict)
	assert.Equal(t, b.runs("cart"), restarted.runs("cart"))
	assert.Equal(t, 0, failures)
}

func TestCorruptHistoryIsSkippedAndCounted(t *testing.T) {
	mem := newMemClient()
	mem.data[storageIndexKey] = []byte(`["checkout","cart"]`)
	mem.data[storageServicePrefix+"checkout"] = []byte(`{not json`)
	mem.data[storageServicePrefix+"cart"] = []byte(`{"service":"cart","runs":[]}`)
	failures := 0
	recs, err := newHistoryStore(mem, func() { failures++ }).load(context.Background())
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "cart", recs[0].Service)
	assert.Equal(t, 1, failures)
}

func TestStorageFailureIsReturnedAndCounted(t *testing.T) {
	mem := newMemClient()
	mem.fail = true
	failures := 0
	store := newHistoryStore(mem, func() { failures++ })
	err := store.save(context.Background(), "checkout", []byte(`{}`))
	require.Error(t, err)
	assert.Equal(t, 1, failures)
	mem.fail = false
	require.NoError(t, store.save(context.Background(), "checkout", []byte(`{}`)))
	assert.Equal(t, `["checkout"]`, string(mem.data[storageIndexKey]), "the index is written once the save succeeds")
}
