package canarysamplingprocessor // import "github.com/canarytrace/canarytrace/processor/canarysamplingprocessor"

import (
	"encoding/binary"
	"math/bits"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/canarytrace/canarytrace/internal/stage"
)

const (
	// maxShards bounds the shard count; 32 locks leave two batches on 2–16
	// cores rarely waiting for each other.
	maxShards = 32
	// minTracesPerShard keeps small max_traces in one shard, so that
	// "the oldest trace is decided first" holds exactly where it is visible.
	minTracesPerShard = 1024
	// Ticks decide expired traces; a tenth of decision_wait keeps the
	// decision at most 10% late, and the bounds keep the ticker neither
	// busy nor sluggish.
	minTick = time.Millisecond
	maxTick = time.Second
)

// core is the decision machinery, free of the collector's lifecycle.
type core struct {
	shards           []shard
	shardShift       uint
	contexts         *contexts
	encoder          encoder
	policies         policies
	maxSpansPerTrace int
	decideOnRoot     bool
	wait             int64 // decision_wait in nanoseconds
}

func newCore(cfg *Config, interned func(int)) core {
	classifier := stage.NewClassifier(cfg.Stage)
	n := shardCount(cfg.MaxTraces)
	c := core{
		shards:           make([]shard, n),
		shardShift:       uint(64 - bits.TrailingZeros(uint(n))),
		contexts:         newContexts(classifier, cfg.Stage.Attribute),
		policies:         newPolicies(cfg),
		maxSpansPerTrace: cfg.MaxSpansPerTrace,
		decideOnRoot:     cfg.DecideOnRoot,
		wait:             cfg.DecisionWait.Nanoseconds(),
		encoder: encoder{
			dict:       newDictionary(interned),
			stageKey:   cfg.Stage.Attribute,
			classifier: classifier,
			annotate:   cfg.Stage.Annotate,
		},
	}
	for i := range c.shards {
		// Split every bound exactly: shard i gets one more than
		// bound/n when i < bound%n.
		part := func(bound int) int { return bound/n + btoi(i < bound%n) }
		forgotten := newForgottenSet(part(cfg.DecisionCache.Kept) + part(cfg.DecisionCache.Dropped))
		c.shards[i] = shard{
			traces:   map[pcommon.TraceID]*bufferedTrace{},
			capacity: part(cfg.MaxTraces),
			kept:     newDecisionCache(part(cfg.DecisionCache.Kept), forgotten),
			dropped:  newDecisionCache(part(cfg.DecisionCache.Dropped), forgotten),
		}
	}
	return c
}

// shardCount is the largest power of two up to maxShards that leaves each
// shard at least minTracesPerShard traces (at least 1).
func shardCount(maxTraces int) int {
	n := 1
	for n < maxShards && maxTraces/(2*n) >= minTracesPerShard {
		n *= 2
	}
	return n
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// shardOf picks the shard from the trace ID's random bytes (Fibonacci
// hashing, so non-random test IDs spread too).
func (c *core) shardOf(id pcommon.TraceID) *shard {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	u := binary.LittleEndian.Uint64(id[8:]) ^ binary.LittleEndian.Uint64(id[:8])
	return &c.shards[(u*0x9E3779B97F4A7C15)>>c.shardShift]
}
