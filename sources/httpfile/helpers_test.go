package httpfile_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"minisync/sources/httpfile"
)

const testToken = "tök-én-s3cret"

// exportServer serves files under /exports/ over TLS with ETag and
// Last-Modified, honouring conditional requests, to a bearer token.
type exportServer struct {
	srv   *httptest.Server
	token string

	mu    sync.Mutex
	files map[string]served
	clock time.Time
	gets  []string // paths of GETs answered 200
}

type served struct {
	data []byte
	mod  time.Time
}

func startExportServer(t *testing.T, files map[string][]byte) *exportServer {
	t.Helper()
	s := &exportServer{token: testToken, files: map[string]served{}, clock: time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)}
	for name, data := range files {
		s.write(name, data)
	}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *exportServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/exports/")
	s.mu.Lock()
	f, found := s.files[name]
	s.mu.Unlock()
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(f.data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	rec := &statusRecorder{ResponseWriter: w}
	http.ServeContent(rec, r, name, f.mod, bytes.NewReader(f.data))
	if rec.status == http.StatusOK {
		s.mu.Lock()
		s.gets = append(s.gets, name)
		s.mu.Unlock()
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// write stores a file with an mtime one second after the previous write.
func (s *exportServer) write(name string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(time.Second)
	s.files[name] = served{data: slices.Clone(data), mod: s.clock}
}

func (s *exportServer) remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, name)
}

func (s *exportServer) fetched() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.gets)
}

func (s *exportServer) url(name string) string {
	return s.srv.URL + "/exports/" + url.PathEscape(name)
}

// config returns a config for names on the server, with its CA trusted.
func (s *exportServer) config(names ...string) httpfile.Config {
	cfg := httpfile.Config{BearerToken: s.token, HTTPClient: s.srv.Client(), Timeout: 10 * time.Second}
	for _, n := range names {
		cfg.URLs = append(cfg.URLs, s.url(n))
	}
	return cfg
}

func newSource(t *testing.T, cfg httpfile.Config) *httpfile.Source {
	t.Helper()
	src, err := httpfile.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
