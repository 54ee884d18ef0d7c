package canaryanalysisconnector

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/canarytrace/canarytrace/internal/eventtime"
)

func TestWindowSlots(t *testing.T) {
	w := newWindow(30) // 5m of 10s steps: 10 slots of 3 steps
	assert.Equal(t, eventtime.Step(3), w.perSlot)
	assert.Len(t, w.slots, 10)
	assert.Len(t, newWindow(6).slots, 6)
	assert.Len(t, newWindow(1).slots, 1)
	assert.Len(t, newWindow(31).slots, 8) // 4 steps a slot
}

func TestWindowKeepsTheLastSlotsOnly(t *testing.T) {
	w := newWindow(6) // one step a slot
	var h whist
	for s := eventtime.Step(100); s < 110; s++ {
		w.add(s, 1, s%2 == 0, 0, false)
	}
	calls, errs := w.stats(109, &h)
	assert.Equal(t, 6.0, calls, "steps 104..109")
	assert.Equal(t, 3.0, errs)
	calls, _ = w.stats(106, &h)
	assert.Equal(t, 3.0, calls, "steps 104..106; 101..103 were overwritten")
	w.add(100, 1, false, 0, false) // left the window: dropped
	calls, _ = w.stats(109, &h)
	assert.Equal(t, 6.0, calls)
}
