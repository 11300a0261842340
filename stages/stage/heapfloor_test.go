package stage

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		floor, live uint64
		base, want  int
	}{
		{32 * mib, 8 * mib, 100, 300},    // goal 4 × 8 MiB = the floor
		{32 * mib, 16 * mib, 100, 100},   // twice the live heap is the floor
		{32 * mib, 64 * mib, 100, 100},   // above the floor: paced as before
		{32 * mib, 16 * mib, 250, 250},   // never below the configured value
		{32 * mib, 1024, 100, 1000},      // a tiny live heap: capped
		{32 * mib, 0, 100, 100},          // before the first collection
		{32 * mib, 12 * mib, 100, 166},   // 32/12 = 2.66…
		{32 * mib, 31 * mib, 50, 50},     // a lower GOGC is kept too
		{32 * mib, 40 * mib, 100, 100},   // live above the floor
		{32 * mib, 10 * mib, 1000, 1000}, // a high GOGC stays
	} {
		if got := gcPercentFor(c.floor, c.live, c.base); got != c.want {
			t.Errorf("gcPercentFor(%d MiB, %d, %d) = %d, want %d", c.floor/mib, c.live, c.base, got, c.want)
		}
	}
}

// TestHeapFloorRaisesAndRestores runs the floor over this test's small
// heap: GOGC rises above its value while it runs and is that value again
// after Stop.
func TestHeapFloorRaisesAndRestores(t *testing.T) {
	base := debug.SetGCPercent(120)
	defer debug.SetGCPercent(base)
	runtime.GC() // the live heap is known from here
	h := startHeapFloor(1<<30, time.Millisecond)
	second := startHeapFloor(1<<30, time.Millisecond) // does nothing while h runs
	raised := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !raised; time.Sleep(time.Millisecond) {
		raised = gcPercent() > 120
	}
	second.Stop()
	h.Stop()
	h.Stop()
	if !raised {
		t.Error("GOGC never rose above 120 under a floor of 1 GiB")
	}
	if got := gcPercent(); got != 120 {
		t.Errorf("GOGC after Stop = %d, want 120", got)
	}
}

// TestHeapFloorLeavesTheCollectorOff: with GOGC=off nothing is changed.
func TestHeapFloorLeavesTheCollectorOff(t *testing.T) {
	base := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(base)
	h := startHeapFloor(1<<30, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	got := gcPercent()
	h.Stop()
	if got != -1 || gcPercent() != -1 {
		t.Errorf("GOGC = %d while the floor ran, %d after; want -1 (off)", got, gcPercent())
	}
}
