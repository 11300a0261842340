package sim

import (
	"context"
	"errors"
	"time"
)

// Faults are failures injected into the traffic. The random ones draw from
// a math/rand source seeded with Seed, so a sequential test is reproducible.
type Faults struct {
	// Latency delays every request; LatencyJitter adds a random [0, jitter).
	// A client that gives up (context cancelled) ends the wait.
	Latency       time.Duration
	LatencyJitter time.Duration
	// ErrorRate is the fraction of requests answered 500 "Internal Server
	// Error" before anything else is done (no auth, no limit, no change).
	ErrorRate float64
	// DropRate is the fraction of writes (PUT, POST) that are applied and
	// committed, after which the connection is closed without a response:
	// the client sees EOF and cannot know the write happened.
	DropRate float64
	// Every Burst429Every, for Burst429For, every request gets 429 (the
	// first burst starts one Burst429Every after New or SetFaults).
	Burst429Every time.Duration
	Burst429For   time.Duration
	// Seed seeds the random source of ErrorRate, DropRate and LatencyJitter.
	Seed int64
}

func (f Faults) validate() error {
	switch {
	case f.Latency < 0 || f.LatencyJitter < 0:
		return errors.New("faults: Latency and LatencyJitter must not be negative")
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return errors.New("faults: ErrorRate must be between 0 and 1")
	case f.DropRate < 0 || f.DropRate > 1:
		return errors.New("faults: DropRate must be between 0 and 1")
	case f.Burst429Every < 0 || f.Burst429For < 0:
		return errors.New("faults: Burst429Every and Burst429For must not be negative")
	case f.Burst429For > 0 && f.Burst429For >= f.Burst429Every:
		return errors.New("faults: Burst429For must be shorter than Burst429Every")
	}
	return nil
}

// inBurst reports whether now falls in a 429 burst of the schedule that
// started at epoch.
func (f Faults) inBurst(epoch, now time.Time) bool {
	if f.Burst429Every <= 0 || f.Burst429For <= 0 {
		return false
	}
	elapsed := now.Sub(epoch)
	return elapsed >= f.Burst429Every && elapsed%f.Burst429Every < f.Burst429For
}

// chance draws against a rate; it draws nothing when the rate is zero so
// enabling one fault does not shift the sequence of another. Call with mu held.
func (s *Server) chance(rate float64) bool {
	return rate > 0 && s.rng.Float64() < rate
}

// delay is the latency for one request. Call with mu held.
func (s *Server) delay() time.Duration {
	d := s.faults.Latency
	if j := s.faults.LatencyJitter; j > 0 {
		d += time.Duration(s.rng.Int63n(int64(j)))
	}
	return d
}

// sleep waits d or until ctx ends; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
