package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testSystem = "12345"
	testKey    = "0123456789abcdef0123456789abcdef"
)

// fixture is a simulator listening on loopback and a plain net/http client.
type fixture struct {
	t      *testing.T
	s      *Server
	base   string
	client *http.Client
}

func start(t *testing.T, cfg Config) *fixture {
	t.Helper()
	if cfg.SystemID == "" {
		cfg.SystemID = testSystem
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.R3PerMinute == 0 {
		cfg.R3PerMinute = 100000 // tests of the limit set their own
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return &fixture{t: t, s: s, base: base, client: &http.Client{Timeout: 30 * time.Second}}
}

// send makes an authenticated request and returns the response or the error.
func (f *fixture) send(method, path, body string) (*http.Response, string, error) {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.base+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.SetBasicAuth(testSystem, testKey)
	if strings.HasPrefix(body, "<") {
		req.Header.Set("Content-Type", "application/xml")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// do makes an authenticated request and returns the status and body.
func (f *fixture) do(method, path, body string) (int, string) {
	f.t.Helper()
	resp, b, err := f.send(method, path, body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// ok makes a request that must answer 200 JSON and decodes it.
func (f *fixture) ok(method, path, body string) map[string]any {
	f.t.Helper()
	resp, b, err := f.send(method, path, body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		f.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		f.t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
	}
	return m
}

// fail makes a request that must answer status with exactly the text want.
func (f *fixture) fail(method, path, body string, status int, want string) {
	f.t.Helper()
	resp, b, err := f.send(method, path, body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != status || b != want {
		f.t.Errorf("%s %s: got %d %q, want %d %q", method, path, resp.StatusCode, b, status, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		f.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
}

// create makes a record and returns its id.
func (f *fixture) create(path, body string) int {
	f.t.Helper()
	return num(f.t, f.ok("PUT", path, body)["Id"])
}

func num(t *testing.T, v any) int {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return int(i)
}

// results returns the Results object of a search.
func results(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	switch r := m["Results"].(type) {
	case map[string]any:
		return r
	case []any:
		if len(r) == 0 {
			return map[string]any{}
		}
	}
	t.Fatalf("Results is %T: %v", m["Results"], m["Results"])
	return nil
}

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 17, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
