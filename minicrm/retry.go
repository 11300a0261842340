package minicrm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// shouldRetry classifies one attempt: whether to try again, and the error to
// return (or to remember, when retrying). Context errors come first and are
// never retried; 429 is always retried (nothing was done); 5xx and transport
// errors are retried only for idempotent requests, while a create that may
// have reached the server yields ErrOutcomeUnknown; other statuses fail at once.
func (c *Client) shouldRetry(ctx context.Context, rq *request, a *attempt) (bool, error) {
	if a.err != nil {
		if cerr := ctx.Err(); cerr != nil {
			if rq.create && a.sent {
				return false, fmt.Errorf("%s %s: %w: %w", rq.method, rq.path, ErrOutcomeUnknown, cerr)
			}
			return false, fmt.Errorf("%s %s: %w", rq.method, rq.path, cerr)
		}
		err := transportError(a.err)
		if rq.create && a.sent {
			return false, fmt.Errorf("%s %s: %w: %w", rq.method, rq.path, ErrOutcomeUnknown, err)
		}
		return true, fmt.Errorf("%s %s: %w", rq.method, rq.path, err)
	}
	if a.status >= 200 && a.status < 300 {
		return false, nil
	}
	apiErr := &APIError{Method: rq.method, Path: rq.path, Status: a.status, Message: a.message}
	switch {
	case a.status == http.StatusTooManyRequests:
		return true, apiErr
	case a.status >= 500 && rq.create:
		// The server may have failed after applying the create; the caller looks it up.
		return false, fmt.Errorf("%w: %w", ErrOutcomeUnknown, apiErr)
	case a.status >= 500:
		return true, apiErr
	default:
		return false, apiErr
	}
}

// transportError drops the *url.Error wrapper (its URL repeats what the
// caller's context already says) and names attempt timeouts.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("request timed out: %w", err)
	}
	return err
}

// backoff returns the wait before retry number n (1-based): base doubled per
// retry and capped at max, then scaled by a jitter factor in [0.8, 1.2)
// drawn from r in [0, 1), and capped at max again.
func backoff(base, max time.Duration, n int, r float64) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	d = time.Duration(float64(d) * (0.8 + 0.4*r))
	if d > max {
		d = max
	}
	return d
}
