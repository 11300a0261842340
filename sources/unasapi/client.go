package unasapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	maxAttempts  = 3                // per call: 429/5xx/broken answers are retried twice at most
	renewBefore  = 5 * time.Minute  // a token expiring sooner is renewed first
	fallbackTTL  = time.Hour        // when a login answer lacks ExpireTime
	maxBodyBytes = 512 << 20        // one answer; 500 orders are a few MB
	maxRetryWait = 60 * time.Second // a longer Retry-After fails the call
	hour         = 60 * time.Minute // the budget window
	xmlHeader    = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// client makes the API calls: login, token renewal, retries, the hourly
// budget and the ban memory. It is safe for concurrent use.
type client struct {
	cfg  Config
	http *http.Client

	mu          sync.Mutex
	token       string
	expires     time.Time
	calls       []time.Time // getOrder calls in the last hour
	bannedUntil *BanError
}

// login fetches a new token.
func (c *client) login(ctx context.Context) error {
	var b strings.Builder
	b.WriteString(xmlHeader + "<Params><ApiKey>")
	xml.EscapeText(&b, []byte(c.cfg.APIKey)) //nolint:errcheck // a strings.Builder does not fail
	b.WriteString("</ApiKey></Params>")
	body, err := c.post(ctx, "login", []byte(b.String()), "")
	if err != nil {
		return fmt.Errorf("logging in to UNAS: %w", err)
	}
	var l struct {
		XMLName    xml.Name `xml:"Login"`
		Token      string   `xml:"Token"`
		ExpireTime string   `xml:"ExpireTime"`
		Status     string   `xml:"Status"`
	}
	if err := xml.Unmarshal(body, &l); err != nil {
		return fmt.Errorf("logging in to UNAS: reading the answer: %w", err)
	}
	if strings.TrimSpace(l.Status) != "ok" || strings.TrimSpace(l.Token) == "" {
		return fmt.Errorf("logging in to UNAS: the answer has status %q and no token", l.Status)
	}
	now := c.cfg.Now()
	expires := now.Add(fallbackTTL)
	if l.ExpireTime != "" {
		unix, err := strconv.ParseInt(strings.TrimSpace(l.ExpireTime), 10, 64)
		if err != nil {
			return fmt.Errorf("logging in to UNAS: ExpireTime %q is not a unix time", l.ExpireTime)
		}
		expires = time.Unix(unix, 0)
	} else {
		c.cfg.Logger.Warn("UNAS login answer has no ExpireTime; assuming the token lasts an hour")
	}
	c.mu.Lock()
	c.token, c.expires = strings.TrimSpace(l.Token), expires
	c.mu.Unlock()
	c.cfg.Logger.Debug("logged in to UNAS", "token_expires", expires)
	return nil
}

// validToken returns a token that does not expire within renewBefore,
// logging in when needed.
func (c *client) validToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	tok, exp := c.token, c.expires
	c.mu.Unlock()
	if tok != "" && c.cfg.Now().Add(renewBefore).Before(exp) {
		return tok, nil
	}
	if err := c.login(ctx); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, nil
}

func (c *client) dropToken(tok string) {
	c.mu.Lock()
	if c.token == tok {
		c.token = ""
	}
	c.mu.Unlock()
}

// getOrder makes one getOrder call with params (the children of <Params>)
// and returns the answer's body, an <Orders> document. A token that UNAS
// calls invalid or expired is renewed and the call repeated once.
func (c *client) getOrder(ctx context.Context, params string) ([]byte, error) {
	body := []byte(xmlHeader + "<Params>" + params + "</Params>")
	for renewed := false; ; renewed = true {
		tok, err := c.validToken(ctx)
		if err != nil {
			return nil, err
		}
		answer, err := c.post(ctx, "getOrder", body, tok)
		var te *tokenError
		if errors.As(err, &te) && !renewed {
			c.cfg.Logger.Debug("UNAS token refused; logging in again", "answer", te.msg)
			c.dropToken(tok)
			continue
		}
		if te != nil {
			return nil, &APIError{Function: "getOrder", Status: te.status, Message: te.msg + " (again after a fresh login)"}
		}
		return answer, err
	}
}

// tokenError is an answer refusing the token.
type tokenError struct {
	status int
	msg    string
}

func (e *tokenError) Error() string { return "the token was refused: " + e.msg }

// post sends one call, retrying 429, 5xx and broken answers at most
// maxAttempts times in all. getOrder calls are counted against the hourly
// budget, retries included. The returned body is a complete XML document
// that is not an <Error>.
func (c *client) post(ctx context.Context, function string, body []byte, token string) ([]byte, error) {
	wait := c.cfg.RetryWait
	var last error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if err := c.admit(function); err != nil {
			return nil, err
		}
		answer, retryAfter, err := c.once(ctx, function, body, token)
		if err == nil {
			return answer, nil
		}
		var r *retryable
		if !errors.As(err, &r) {
			return nil, err
		}
		last = r.err
		if attempt == maxAttempts {
			break
		}
		d := wait + rand.N(wait/2+1)
		if retryAfter > 0 {
			if retryAfter > maxRetryWait {
				return nil, fmt.Errorf("%w; UNAS asks to wait %v", last, retryAfter)
			}
			d = retryAfter
		}
		c.cfg.Logger.Warn("UNAS call failed; retrying", "function", function, "attempt", attempt, "wait", d, "err", last)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait *= 2
	}
	return nil, fmt.Errorf("%w (gave up after %d attempts)", last, maxAttempts)
}

// retryable marks an error worth another attempt.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }

// once sends one HTTP request.
func (c *client) once(ctx context.Context, function string, body []byte, token string) ([]byte, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/"+function, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("calling UNAS %s: %w", function, err)
	}
	req.Header.Set("Content-Type", "application/xml; charset=UTF-8")
	req.Header.Set("Accept", "application/xml")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		// url.Error names the URL only, which holds no secret.
		return nil, 0, &retryable{fmt.Errorf("calling UNAS %s: %w", function, err)}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, &retryable{fmt.Errorf("reading the UNAS %s answer (HTTP %d, %d bytes read): the answer is incomplete: %w", function, resp.StatusCode, len(answer), err)}
	}
	if len(answer) > maxBodyBytes {
		return nil, 0, fmt.Errorf("the UNAS %s answer is larger than %d MiB", function, maxBodyBytes>>20)
	}
	if resp.ContentLength >= 0 && int64(len(answer)) != resp.ContentLength {
		return nil, 0, &retryable{fmt.Errorf("reading the UNAS %s answer: got %d of %d bytes: the answer is incomplete", function, len(answer), resp.ContentLength)}
	}
	status := resp.StatusCode
	if answer, err = toUTF8(answer); err != nil {
		return nil, 0, fmt.Errorf("reading the UNAS %s answer (HTTP %d): %w", function, status, err)
	}
	if status >= 300 && status < 400 {
		return nil, 0, fmt.Errorf("calling UNAS %s: HTTP %d to %q: %w", function, status, resp.Header.Get("Location"), errRedirect)
	}
	msg, isError := errorText(answer)
	if banRE.MatchString(msg) {
		return nil, 0, c.banned(classify(function, status, msg))
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		return nil, retryAfter(resp.Header.Get("Retry-After")), &retryable{&APIError{Function: function, Status: status, Message: orStatus(msg, status)}}
	}
	if token != "" && (status == http.StatusUnauthorized || isError && isTokenError(status, msg)) {
		return nil, 0, &tokenError{status: status, msg: orStatus(msg, status)}
	}
	if isError || status != http.StatusOK {
		return nil, 0, c.banned(classify(function, status, orStatus(msg, status)))
	}
	if _, err := parseAnswer(answer); err != nil {
		// A 200 whose document does not end is a cut-off answer.
		return nil, 0, &retryable{fmt.Errorf("reading the UNAS %s answer (%d bytes): the answer is incomplete or not XML: %w", function, len(answer), err)}
	}
	return answer, 0, nil
}

// errorText returns the text of an <Error> answer.
func errorText(answer []byte) (string, bool) {
	root, err := parseAnswer(answer)
	var ea *errorAnswer
	if errors.As(err, &ea) {
		return ea.msg, true
	}
	if root == "Error" {
		return "", true
	}
	return "", false
}

func orStatus(msg string, status int) string {
	if msg != "" {
		return msg
	}
	return http.StatusText(status)
}

func retryAfter(h string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// banned remembers a ban so that no call is made before it lifts.
func (c *client) banned(err error) error {
	var be *BanError
	if errors.As(err, &be) {
		c.mu.Lock()
		c.bannedUntil = be
		c.mu.Unlock()
		c.cfg.Logger.Error("UNAS banned this IP", "until", be.Until, "message", be.Message)
	}
	return err
}

// admit refuses a call during a known ban and a getOrder call past the
// hourly budget; it counts the getOrder calls it admits.
func (c *client) admit(function string) error {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bannedUntil != nil {
		if now.Before(c.bannedUntil.Until) {
			return c.bannedUntil
		}
		c.bannedUntil = nil
	}
	if function != "getOrder" {
		return nil
	}
	keep := c.calls[:0]
	for _, t := range c.calls {
		if now.Sub(t) < hour {
			keep = append(keep, t)
		}
	}
	c.calls = keep
	if len(c.calls) >= c.cfg.MaxCallsPerHour {
		next := c.calls[0].Add(hour)
		return fmt.Errorf("%w: %d getOrder calls in the last hour (MaxCallsPerHour %d); the next is allowed at %s. UNAS bans the IP for an hour past 30/h on PREMIUM",
			ErrCallBudget, len(c.calls), c.cfg.MaxCallsPerHour, next.Format(time.RFC3339))
	}
	c.calls = append(c.calls, now)
	return nil
}
