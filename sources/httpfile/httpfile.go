// Package httpfile is a pipeline.CursorSource that downloads export files
// over HTTPS with conditional GETs, so an export the server reports as
// unchanged (304) is not fetched again.
//
// List sends one GET per URL with If-None-Match / If-Modified-Since from the
// cursor and keeps each 200 response open; Open then returns that response's
// body, so a file is downloaded once and is the same version that was
// listed. (HEAD is not used: many export endpoints do not answer it, or
// answer it differently.) Responses never opened are closed by the next List
// or by Close. Opening a file a second time, or one this source did not
// list, sends a new GET; with the listed ETag (a strong one) as If-Match, so
// a changed export is an error rather than a silent mix.
//
// The cursor is a JSON object {"<url>": {"etag": ..., "last_modified": ...}}.
// A listed file's Cursor holds the validators of every file listed before
// it (files are sorted by name) plus its own, so the cursor of the last
// staged file covers all staged downloads.
package httpfile

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"minisync/pipeline"
)

var _ pipeline.CursorSource = (*Source)(nil)

var (
	// ErrAuth means the server refused the credentials (401 or 403).
	ErrAuth = errors.New("http authentication failed")
	// ErrCertificate means the server's TLS certificate could not be
	// verified for its host name.
	ErrCertificate = errors.New("tls certificate not trusted")
	// ErrTooLarge means a download is larger than MaxSize.
	ErrTooLarge = errors.New("export larger than MaxSize")
	// ErrChanged means an export changed between listing and fetching.
	ErrChanged = errors.New("export changed since it was listed")
	// ErrStalled means the server sent nothing for Timeout.
	ErrStalled = errors.New("http server stalled")
)

// Source is an HTTPS export source; Close releases the responses it holds.
type Source struct {
	cfg     Config
	client  *http.Client
	own     bool     // client built here: Close closes its idle connections
	targets []target // sorted by name
	logger  *slog.Logger

	mu     sync.Mutex
	cursor map[string]validators
	held   map[string]*response // by URL: 200 responses from List, not yet opened
	closed bool
}

type target struct {
	raw  string
	name string
}

// validators are what a conditional GET sends back to the server.
type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// response is a response whose body is still unread.
type response struct {
	resp   *http.Response
	cancel context.CancelCauseFunc
}

func (r *response) close() {
	r.resp.Body.Close()
	r.cancel(nil)
}

// New validates cfg and returns a Source; it does not contact the server.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Source{cfg: cfg, logger: logger, cursor: map[string]validators{}, held: map[string]*response{}}
	if cfg.HTTPClient != nil {
		if t, ok := cfg.HTTPClient.Transport.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify {
			return nil, errors.New("validating httpfile source config: HTTPClient skips TLS verification (InsecureSkipVerify); certificates are always verified")
		}
		c := *cfg.HTTPClient
		s.client = &c
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = cfg.Timeout
		t.ResponseHeaderTimeout = cfg.Timeout
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		s.client, s.own = &http.Client{Transport: t}, true
	}
	s.client.CheckRedirect = s.checkRedirect
	for _, raw := range cfg.URLs {
		u, _ := url.Parse(raw)
		name := cfg.Name
		if name == "" {
			name = path.Base(u.Path)
		}
		s.targets = append(s.targets, target{raw: raw, name: name})
	}
	slices.SortFunc(s.targets, func(a, b target) int { return strings.Compare(a.name, b.name) })
	return s, nil
}

// checkRedirect follows at most MaxRedirects https redirects and keeps
// credentials from reaching another host.
func (s *Source) checkRedirect(req *http.Request, via []*http.Request) error {
	if s.cfg.MaxRedirects < 0 || len(via) > s.cfg.MaxRedirects {
		return fmt.Errorf("refusing to follow more than %d redirects", max(s.cfg.MaxRedirects, 0))
	}
	if req.URL.Scheme != "https" {
		return fmt.Errorf("refusing redirect to %s: not https", req.URL.Redacted())
	}
	if req.URL.Host != via[0].URL.Host {
		req.Header.Del("Authorization")
	}
	return nil
}

// SetCursor sets the validators of the last staged downloads; "" or a
// cursor that does not parse means none (everything is fetched again, and
// the archive's hash check skips what it holds).
func (s *Source) SetCursor(cursor string) {
	m := map[string]validators{}
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &m); err != nil {
			s.logger.Warn("ignoring unreadable cursor; fetching every export again", "err", err)
			m = map[string]validators{}
		}
	}
	s.mu.Lock()
	s.cursor = m
	s.mu.Unlock()
}

// List sends a conditional GET per URL and returns the files the server
// sent (200), sorted by name, leaving out those it reports unchanged (304).
// A URL answering 404 fails the listing, wrapping pipeline.ErrNotFound; 401
// and 403 wrap ErrAuth; an untrusted certificate wraps ErrCertificate.
func (s *Source) List(ctx context.Context) ([]pipeline.RemoteFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed
	}
	s.releaseLocked()
	base := s.cursor
	s.mu.Unlock()

	cur := map[string]validators{}
	for _, t := range s.targets {
		if v, ok := base[t.raw]; ok {
			cur[t.raw] = v
		}
	}
	held := map[string]*response{}
	release := func() {
		for _, r := range held {
			r.close()
		}
	}
	var files []pipeline.RemoteFile
	for _, t := range s.targets {
		h := http.Header{}
		if v, ok := base[t.raw]; ok {
			if v.ETag != "" {
				h.Set("If-None-Match", v.ETag)
			}
			if v.LastModified != "" {
				h.Set("If-Modified-Since", v.LastModified)
			}
		}
		r, err := s.get(ctx, t.raw, h)
		if err != nil {
			release()
			return nil, err
		}
		switch r.resp.StatusCode {
		case http.StatusNotModified:
			r.close()
			s.logger.Debug("export unchanged", "url", t.raw)
			continue
		case http.StatusOK:
		default:
			r.close()
			release()
			return nil, statusError(t.raw, r.resp)
		}
		held[t.raw] = r
		if n := r.resp.ContentLength; n > s.cfg.MaxSize {
			release()
			return nil, fmt.Errorf("fetching %s: %w: Content-Length %d > %d", t.raw, ErrTooLarge, n, s.cfg.MaxSize)
		}
		v := validators{ETag: r.resp.Header.Get("ETag"), LastModified: r.resp.Header.Get("Last-Modified")}
		if v == (validators{}) {
			delete(cur, t.raw)
		} else {
			cur[t.raw] = v
		}
		cursor, err := json.Marshal(cur)
		if err != nil {
			release()
			return nil, fmt.Errorf("encoding cursor: %w", err)
		}
		mod, err := http.ParseTime(v.LastModified)
		if err != nil {
			mod = time.Now()
		}
		files = append(files, pipeline.RemoteFile{
			Name: t.name, Path: t.raw, URI: t.raw,
			Size: r.resp.ContentLength, ModTime: mod, Cursor: string(cursor),
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		release()
		return nil, errClosed
	}
	s.held = held
	return files, nil
}

// Open returns the body of a listed file's response, or sends a new GET
// when that body was opened already or the file was not listed. It wraps
// pipeline.ErrNotFound on 404, ErrAuth on 401/403 and ErrChanged when the
// export's ETag changed since listing. Reads fail with ctx's error once ctx
// is done, wrap io.ErrUnexpectedEOF when the body is shorter than its
// Content-Length, wrap ErrTooLarge past MaxSize, and wrap ErrStalled when
// nothing arrives for Timeout.
func (s *Source) Open(ctx context.Context, f pipeline.RemoteFile) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed
	}
	r := s.held[f.Path]
	delete(s.held, f.Path)
	s.mu.Unlock()
	if r == nil {
		if !slices.ContainsFunc(s.targets, func(t target) bool { return t.raw == f.Path }) {
			return nil, fmt.Errorf("opening %q: not one of the configured URLs", f.Path)
		}
		h := http.Header{}
		var m map[string]validators
		if json.Unmarshal([]byte(f.Cursor), &m) == nil {
			if etag := m[f.Path].ETag; etag != "" && !strings.HasPrefix(etag, "W/") {
				h.Set("If-Match", etag)
			}
		}
		var err error
		if r, err = s.get(ctx, f.Path, h); err != nil {
			return nil, err
		}
		switch r.resp.StatusCode {
		case http.StatusOK:
		case http.StatusPreconditionFailed:
			r.close()
			return nil, fmt.Errorf("fetching %s: %w", f.Path, ErrChanged)
		default:
			r.close()
			return nil, statusError(f.Path, r.resp)
		}
		if n := r.resp.ContentLength; n > s.cfg.MaxSize {
			r.close()
			return nil, fmt.Errorf("fetching %s: %w: Content-Length %d > %d", f.Path, ErrTooLarge, n, s.cfg.MaxSize)
		}
	}
	return newBody(ctx, r, f.Path, s.cfg.MaxSize, s.cfg.Timeout), nil
}

// get sends a GET whose response outlives ctx: ctx bounds only the wait
// for the headers; the body is bound to the context given to Open.
func (s *Source) get(ctx context.Context, raw string, h http.Header) (*response, error) {
	reqCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, raw, nil)
	if err != nil {
		cancel(nil)
		return nil, fmt.Errorf("fetching %s: %w", raw, err)
	}
	req.Header = h
	req.Header.Set("User-Agent", "minisync")
	switch {
	case s.cfg.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+s.cfg.BearerToken)
	case s.cfg.Username != "":
		req.SetBasicAuth(s.cfg.Username, s.cfg.Password)
	}
	stop := context.AfterFunc(ctx, func() { cancel(ctx.Err()) })
	timer := time.AfterFunc(s.cfg.Timeout, func() {
		cancel(fmt.Errorf("no response within %s: %w", s.cfg.Timeout, ErrStalled))
	})
	resp, err := s.client.Do(req)
	timer.Stop()
	if !stop() && err == nil { // ctx ended as the headers arrived
		resp.Body.Close()
		err = ctx.Err()
	}
	if err != nil {
		cancel(nil)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, classify(raw, err, context.Cause(reqCtx))
	}
	s.logger.Debug("response", "url", raw, "status", resp.StatusCode)
	return &response{resp: resp, cancel: cancel}, nil
}

// classify names certificate failures and stalls in a transport error.
func classify(raw string, err, cause error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // url.Error repeats the method and URL
	}
	switch {
	case errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify):
		return fmt.Errorf("fetching %s: %w: %v", raw, ErrCertificate, err)
	case errors.Is(cause, ErrStalled):
		return fmt.Errorf("fetching %s: %w", raw, cause)
	}
	return fmt.Errorf("fetching %s: %w", raw, err)
}

// statusError describes an unexpected status.
func statusError(raw string, resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("fetching %s: %w: the server answered %s; check BearerToken or Username/Password", raw, ErrAuth, resp.Status)
	case http.StatusNotFound, http.StatusGone:
		return fmt.Errorf("fetching %s: %w: the server answered %s", raw, pipeline.ErrNotFound, resp.Status)
	default:
		return fmt.Errorf("fetching %s: unexpected status %s", raw, resp.Status)
	}
}

// errClosed is returned by calls on a closed source.
var errClosed = errors.New("httpfile source is closed")

// releaseLocked closes the responses List kept that were never opened.
func (s *Source) releaseLocked() {
	for _, r := range s.held {
		r.close()
	}
	s.held = map[string]*response{}
}

// Close closes the responses that were listed but not opened.
func (s *Source) Close() error {
	s.mu.Lock()
	s.closed = true
	s.releaseLocked()
	s.mu.Unlock()
	if s.own {
		s.client.CloseIdleConnections()
	}
	return nil
}
