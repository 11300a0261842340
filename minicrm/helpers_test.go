package minicrm

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const (
	testSystemID = "12345"
	testAPIKey   = "sekret-KEY-0123456789abcdef0123"
)

// recorder collects the Calls reported through OnCall.
type recorder struct {
	mu    sync.Mutex
	calls []Call
}

func (r *recorder) add(_ context.Context, c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

func (r *recorder) all() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	c    *Client
	srv  *httptest.Server
	rec  *recorder
	logs *syncBuffer
}

// newHarness serves h on loopback and returns a fast client for it: no
// pacing to speak of and millisecond backoff.
func newHarness(t *testing.T, h http.HandlerFunc, mod ...func(*Config)) *harness {
	t.Helper()
	srv := httptest.NewServer(requireAuth(t, h))
	t.Cleanup(srv.Close)
	hs := &harness{srv: srv, rec: &recorder{}, logs: &syncBuffer{}}
	cfg := Config{
		BaseURL:     srv.URL,
		SystemID:    testSystemID,
		APIKey:      testAPIKey,
		R3PerMinute: 6_000_000,
		FeedPerHour: 360_000_000,
		MaxRetries:  3,
		Timeout:     5 * time.Second,
		Logger:      slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnCall:      hs.rec.add,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.backoffBase = time.Millisecond
	hs.c = c
	return hs
}

// requireAuth answers 401 unless the test credentials came along.
func requireAuth(t *testing.T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != testSystemID || p != testAPIKey {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeJSON answers like MiniCRM: JSON with charset.
func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

// writeText answers a plain-text error like MiniCRM.
func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// dropConn closes the connection without answering, after reading the request.
func dropConn(t *testing.T, w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}
