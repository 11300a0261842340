package minicrm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Call describes one HTTP attempt, for metrics and audit; it never holds credentials.
type Call struct {
	At      time.Time
	Method  string
	Path    string // path and query
	Status  int    // 0 when no response arrived
	Latency time.Duration
	Attempt int    // 1-based
	Err     string // transport error or server message; "" on 2xx
}

// request is one logical API call, possibly sent several times.
type request struct {
	method      string
	path        string // API path, e.g. /Api/R3/Contact/12
	query       url.Values
	body        []byte
	contentType string
	create      bool   // not idempotent: never resent once it may have arrived
	pace        *pacer // nil: unpaced
}

// pathQuery is the path plus the encoded query, as reported in Call.
func (rq *request) pathQuery() string {
	if len(rq.query) == 0 {
		return rq.path
	}
	return rq.path + "?" + rq.query.Encode()
}

// attempt is the outcome of sending a request once.
type attempt struct {
	status  int
	header  http.Header
	body    []byte
	message string // server message of a non-2xx answer
	err     error  // transport error; nil when a whole response was read
	sent    bool   // request headers were written, so the server may act on it
}

const maxBody = 32 << 20

// do sends rq until it succeeds or shouldRetry gives up, then decodes a JSON
// answer into out (when out is not nil).
func (c *Client) do(ctx context.Context, rq *request, out any) error {
	for n := 1; ; n++ {
		if rq.pace != nil {
			if err := rq.pace.wait(ctx); err != nil {
				return fmt.Errorf("%s %s: waiting for the rate limit: %w", rq.method, rq.path, err)
			}
		}
		start := time.Now()
		a := c.try(ctx, rq)
		c.report(ctx, rq, n, start, time.Since(start), &a)
		retry, err := c.shouldRetry(ctx, rq, &a)
		if err == nil {
			return c.decode(rq, &a, out)
		}
		if !retry || n > c.maxRetries {
			return err
		}
		wait := backoff(c.backoffBase, maxBackoff, n, rand.Float64())
		c.log.WarnContext(ctx, "retrying minicrm request",
			"method", rq.method, "path", rq.path, "attempt", n, "status", a.status,
			"wait", wait, "err", err.Error())
		if serr := sleepCtx(ctx, wait); serr != nil {
			return fmt.Errorf("%s %s: waiting to retry after %w: %w", rq.method, rq.path, err, serr)
		}
	}
}

// try sends rq once and reads the whole answer.
func (c *Client) try(ctx context.Context, rq *request) attempt {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var sent atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteHeaders: func() { sent.Store(true) },
	})
	u := *c.base
	u.Path = c.base.Path + rq.path
	u.RawPath = ""
	u.RawQuery = rq.query.Encode()
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body) // sets ContentLength
	}
	req, err := http.NewRequestWithContext(actx, rq.method, u.String(), body)
	if err != nil {
		return attempt{err: err}
	}
	req.SetBasicAuth(c.systemID, c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "minisync-minicrm")
	if rq.body != nil {
		req.Header.Set("Content-Type", rq.contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return attempt{err: err, sent: sent.Load()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	a := attempt{status: resp.StatusCode, header: resp.Header, body: b, sent: true}
	if err != nil {
		a.err = fmt.Errorf("reading the %d answer: %w", resp.StatusCode, err)
		return a
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.message = c.redact(serverMessage(b))
	}
	return a
}

// serverMessage turns a plain-text error body into a one-line message.
func serverMessage(b []byte) string {
	b = bytes.TrimPrefix(b, bom)
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	return truncate(s, 512)
}

// redact removes the API key from text that came from outside.
func (c *Client) redact(s string) string {
	if len(c.apiKey) < 6 {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "REDACTED")
}

// report logs one attempt at Debug and hands it to OnCall.
func (c *Client) report(ctx context.Context, rq *request, n int, at time.Time, lat time.Duration, a *attempt) {
	call := Call{At: at, Method: rq.method, Path: rq.pathQuery(), Status: a.status, Latency: lat, Attempt: n}
	switch {
	case a.err != nil:
		call.Err = c.redact(transportError(a.err).Error())
	case a.status < 200 || a.status > 299:
		call.Err = a.message
		if call.Err == "" {
			call.Err = http.StatusText(a.status)
		}
	}
	c.log.DebugContext(ctx, "minicrm request", "method", call.Method, "path", call.Path,
		"status", call.Status, "attempt", n, "latency", lat, "err", call.Err)
	if c.onCall != nil {
		c.onCall(ctx, call)
	}
}

var bom = []byte("\xEF\xBB\xBF")

// decode checks that a 2xx answer is JSON and decodes it into out. A create
// whose answer cannot be read was probably applied: ErrOutcomeUnknown.
func (c *Client) decode(rq *request, a *attempt, out any) error {
	if out == nil {
		return nil
	}
	err := decodeJSON(a, out)
	if err == nil {
		return nil
	}
	if rq.create {
		return fmt.Errorf("%s %s: %w: %w", rq.method, rq.path, ErrOutcomeUnknown, err)
	}
	return fmt.Errorf("%s %s: %w", rq.method, rq.path, err)
}

func decodeJSON(a *attempt, out any) error {
	if len(a.body) > maxBody {
		return fmt.Errorf("answer exceeds %d bytes", maxBody)
	}
	ct := a.header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return fmt.Errorf("answer has Content-Type %q, want application/json", ct)
	}
	b := bytes.TrimPrefix(a.body, bom)
	if fp, ok := out.(*Fields); ok {
		f, err := decodeFields(b)
		if err != nil {
			return fmt.Errorf("decoding the answer: %w", err)
		}
		*fp = f
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	return nil
}
