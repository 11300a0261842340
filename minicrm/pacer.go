package minicrm

import (
	"context"
	"sync"
	"time"
)

// pacer spaces requests of one rate-limited family evenly, window/limit
// apart, so no window-long span holds more than limit requests. The first
// request goes at once.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // earliest start of the next request
}

func newPacer(window time.Duration, limit int) *pacer {
	iv := window / time.Duration(limit)
	if iv <= 0 {
		iv = 1
	}
	return &pacer{interval: iv, now: time.Now, sleep: sleepCtx}
}

// reserve books the next slot at or after now and returns its time.
func (p *pacer) reserve(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	slot := p.next
	if slot.Before(now) {
		slot = now
	}
	p.next = slot.Add(p.interval)
	return slot
}

// wait blocks until the caller's slot comes, or ctx is done.
func (p *pacer) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := p.now()
	if d := p.reserve(now).Sub(now); d > 0 {
		return p.sleep(ctx, d)
	}
	return nil
}

// sleepCtx sleeps for d, returning early with ctx's error when it is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
