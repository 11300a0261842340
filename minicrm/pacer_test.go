package minicrm

import (
	"context"
	"testing"
	"time"
)

// fakeClock advances only when the pacer sleeps.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

func (f *fakeClock) sleep(_ context.Context, d time.Duration) error {
	f.t = f.t.Add(d)
	return nil
}

func TestPacerSpacing(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 17, 8, 0, 0, 0, time.UTC)}
	p := newPacer(time.Minute, 60)
	p.now, p.sleep = clk.now, clk.sleep
	start := clk.t

	var sent []time.Time
	for range 150 {
		if err := p.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, clk.t)
	}
	if !sent[0].Equal(start) {
		t.Errorf("first request waited until %s", sent[0].Sub(start))
	}
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap != time.Second {
			t.Fatalf("gap %d = %s, want 1s", i, gap)
		}
	}
	// No 60-s window [t, t+60s) holds more than 60 requests.
	for i := range sent {
		n := 0
		for _, s := range sent[i:] {
			if s.Sub(sent[i]) < time.Minute {
				n++
			}
		}
		if n > 60 {
			t.Fatalf("window from request %d holds %d requests", i, n)
		}
	}

	// After an idle spell the next request goes at once.
	clk.t = clk.t.Add(10 * time.Minute)
	before := clk.t
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !clk.t.Equal(before) {
		t.Errorf("request after idle waited %s", clk.t.Sub(before))
	}
}

func TestPacerReserveConcurrentSlots(t *testing.T) {
	p := newPacer(time.Hour, 180)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		if got, want := p.reserve(now), now.Add(time.Duration(i)*20*time.Second); !got.Equal(want) {
			t.Fatalf("slot %d = %s, want %s", i, got, want)
		}
	}
}

func TestPacerCancelled(t *testing.T) {
	p := newPacer(time.Hour, 1)
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.wait(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Fatal("wait on a cancelled ctx succeeded")
	}
}

func TestBackoff(t *testing.T) {
	base, max := time.Second, 60*time.Second
	for _, tc := range []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0.5, time.Second},
		{2, 0.5, 2 * time.Second},
		{3, 0.5, 4 * time.Second},
		{1, 0, 800 * time.Millisecond},
		{1, 0.999999, 1199999 * time.Microsecond},
		{7, 0.5, 60 * time.Second},
		{7, 0, 48 * time.Second},
		{30, 0.999, 60 * time.Second},
	} {
		got := backoff(base, max, tc.n, tc.r)
		if d := got - tc.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("backoff(n=%d, r=%v) = %s, want %s", tc.n, tc.r, got, tc.want)
		}
	}
}
