package sim

import (
	"strings"
	"time"
)

// Family is a group of endpoints sharing a rate limit.
type Family string

// The families: R3 REST (60/min), the XML feed (180/h), /Api/Order
// (unlimited) and anything else (unknown URLs, unlimited).
const (
	FamilyR3    Family = "R3"
	FamilyFeed  Family = "SyncFeed"
	FamilyOrder Family = "Order"
	FamilyOther Family = "Other"
)

func familyOf(path string) Family {
	switch {
	case strings.HasPrefix(path, "/Api/R3/") || path == "/Api/R3":
		return FamilyR3
	case strings.HasPrefix(path, "/Api/SyncFeed/"):
		return FamilyFeed
	case strings.HasPrefix(path, "/Api/Order/") || path == "/Api/Order":
		return FamilyOrder
	}
	return FamilyOther
}

// window is a sliding-window limiter. admitted holds the requests let
// through (what the limit counts); seen holds every request that arrived,
// refused or not, to measure how fast a client actually sends.
type window struct {
	size     time.Duration
	limit    int // 0 = unlimited
	admitted []time.Time
	seen     []time.Time
	maxSeen  int
}

func evict(ts []time.Time, now time.Time, size time.Duration) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-size)) {
		i++
	}
	return ts[i:]
}

// arrive records a request and returns the number seen in the window ending now.
func (w *window) arrive(now time.Time) int {
	w.seen = append(evict(w.seen, now, w.size), now)
	w.maxSeen = max(w.maxSeen, len(w.seen))
	return len(w.seen)
}

// admit lets a request through unless the window is full.
func (w *window) admit(now time.Time) bool {
	if w.limit <= 0 {
		return true
	}
	w.admitted = evict(w.admitted, now, w.size)
	if len(w.admitted) >= w.limit {
		return false
	}
	w.admitted = append(w.admitted, now)
	return true
}

// FamilyStats counts the requests of one family.
type FamilyStats struct {
	Requests     int // every request that arrived
	Unauthorized int // refused 401
	OverLimit    int // refused 429 by the rate limit (not the injected bursts)
	Burst429     int // refused 429 by an injected burst
	Errors       int // answered 500 by ErrorRate
	Dropped      int // writes applied but answered by closing the connection
	// MaxInWindow is the most requests that arrived within any one sliding
	// window of the family's limit (60 s for R3 and Order, 1 h for the feed),
	// counting refused ones too: a client that respects the limit keeps it
	// at or under the limit.
	MaxInWindow int
}

// Stats is a snapshot of the traffic since New.
type Stats struct {
	R3, Feed, Order, Other FamilyStats
}

// Total sums the families.
func (st Stats) Total() FamilyStats {
	var t FamilyStats
	for _, f := range []FamilyStats{st.R3, st.Feed, st.Order, st.Other} {
		t.Requests += f.Requests
		t.Unauthorized += f.Unauthorized
		t.OverLimit += f.OverLimit
		t.Burst429 += f.Burst429
		t.Errors += f.Errors
		t.Dropped += f.Dropped
		t.MaxInWindow = max(t.MaxInWindow, f.MaxInWindow)
	}
	return t
}

func (st *Stats) family(f Family) *FamilyStats {
	switch f {
	case FamilyR3:
		return &st.R3
	case FamilyFeed:
		return &st.Feed
	case FamilyOrder:
		return &st.Order
	}
	return &st.Other
}

// Stats returns a snapshot of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	for f, w := range s.limits {
		st.family(f).MaxInWindow = w.maxSeen
	}
	return st
}
