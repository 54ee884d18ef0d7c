package judge

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/canarytrace/canarytrace/internal/evidence"
	"github.com/canarytrace/canarytrace/internal/stage"
)

// FuzzJudgeDecodedEvidence feeds the judge cells as an exporter decodes
// them from many instances — untrusted: any counts, any thresholds, any
// steps, in any order. The judge must not panic, and every number it
// returns must be finite (they are encoded as JSON).
func FuzzJudgeDecodedEvidence(f *testing.F) {
	f.Add([]byte("\x01\x00\x05\x00\x64\x00\x02\x00\x01\x10\x00\x01\x00\x03\x00\x00\x00\x00"))
	f.Add(make([]byte, 64))
	f.Fuzz(fuzzJudge)
}

func fuzzJudge(t *testing.T, data []byte) {
	if len(data) > 1200 {
		data = data[:1200] // 100 cells: enough for every path, fast to run
	}
	{
		j, err := New(DefaultCriteria())
		if err != nil {
			t.Fatal(err)
		}
		ev := evidence.NewWithTraceCache(1) // AddCell never uses the cache
		ops := []evidence.Operation{{}, payOp, stockOp}
		step := evidence.Step(0)
		for len(data) >= 12 {
			b := data[:12]
			data = data[12:]
			k := evidence.CellKey{
				Release:   pay,
				Operation: ops[int(b[0])%len(ops)],
				Arm:       stage.Arm(b[1] % 3),
				Step:      evidence.Step(int8(b[2])),
				Threshold: uint64(binary.LittleEndian.Uint16(b[3:5])) << 41,
			}
			calls := int64(binary.LittleEndian.Uint16(b[5:7]))
			errs := int64(b[7])
			c := evidence.Cell{
				Calls: calls, Errors: errs,
				TraceCalls2: calls * int64(1+b[8]%4), TraceErrors2: errs, TraceCallsErrors: errs * int64(1+b[9]%3),
			}
			c.Latency.Add(int32(int8(b[10]))*4, uint64(calls/2))
			c.Latency.Add(int32(int8(b[11])), uint64(calls-calls/2))
			_ = ev.AddCell(k, c)
			if k.Arm == stage.Canary {
				ev.AddRun(pay, k.Step)
			}
			if b[2]%5 == 0 {
				step += evidence.Step(b[2] % 7)
				for _, v := range j.Judge(ev, step) {
					checkFinite(t, v)
				}
			}
		}
		for _, v := range j.Judge(ev, step+1) {
			checkFinite(t, v)
		}
	}
}

func checkFinite(t *testing.T, v ReleaseVerdict) {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	if bad(v.Score) {
		t.Fatalf("score %v", v.Score)
	}
	for _, c := range v.Checks {
		if bad(c.Canary) || bad(c.Stable) || bad(c.Interval[0]) || bad(c.Interval[1]) {
			t.Fatalf("%s of %v: canary %v stable %v interval %v", c.Check, c.Operation, c.Canary, c.Stable, c.Interval)
		}
	}
}
