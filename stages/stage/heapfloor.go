package stage

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// stagingHeapFloor is the Go heap size below which the collector does not
// run while a run stages its files. Staging's live heap is small (~10 MB
// for a CSV: the batches in flight and the group keys) and nearly all it
// allocates is garbage at once, so the default pacing, a collection each
// time the heap doubles, collected every 30 ms or so and kept write
// barriers on for much of the time. At 32 MiB Go's memory while staging a
// million-row CSV peaks ~6 MB higher, and staging takes ~5 % less time.
const stagingHeapFloor = 32 << 20

// heapFloor raises GOGC while the live heap is small, so that the heap goal
// is floor bytes rather than twice the live heap, and never lowers it below
// the value it found: a large live heap is paced as before. Stop restores
// that value.
type heapFloor struct {
	stop    chan struct{}
	stopped sync.Once
	done    sync.WaitGroup
}

// floorRunning is set while a heapFloor adjusts GOGC: runs staging at the
// same time in one process leave it to the first, so that each restores
// the value it found.
var floorRunning atomic.Bool

// startHeapFloor adjusts GOGC every period until Stop. With the collector
// off (GOGC=off), or another floor running, it does nothing.
func startHeapFloor(floor uint64, period time.Duration) *heapFloor {
	h := &heapFloor{stop: make(chan struct{})}
	base := gcPercent()
	if base < 0 || !floorRunning.CompareAndSwap(false, true) {
		return h
	}
	h.done.Go(func() {
		defer floorRunning.Store(false)
		defer debug.SetGCPercent(base)
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(period)
		defer t.Stop()
		current := base
		for {
			metrics.Read(live)
			if want := gcPercentFor(floor, live[0].Value.Uint64(), base); want != current {
				debug.SetGCPercent(want)
				current = want
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	})
	return h
}

// gcPercentFor returns the GOGC whose heap goal, (1 + GOGC/100) times the
// live heap, is floor, between base and 1000 (before the first collection
// the live heap reads 0: the floor then cannot be judged, base holds).
func gcPercentFor(floor, live uint64, base int) int {
	if live == 0 {
		return base
	}
	want := int(min(100*floor/live, 1100)) - 100
	return max(want, base)
}

// gcPercent returns GOGC, -1 when the collector is off.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// Stop ends the adjustments and sets GOGC back; later calls do nothing.
func (h *heapFloor) Stop() {
	h.stopped.Do(func() { close(h.stop) })
	h.done.Wait()
}
