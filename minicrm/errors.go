package minicrm

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrUnauthorized reports a 401 (or a 404 whose body says "Unauthorized"): a bad SystemID or API key.
var ErrUnauthorized = errors.New("unauthorized: bad SystemID or API key")

// ErrOutcomeUnknown reports a create that was sent but got no usable answer, so it may have been applied.
var ErrOutcomeUnknown = errors.New("outcome unknown: the create may have been applied")

// APIError is a non-2xx answer of the server, carrying its plain-text message.
type APIError struct {
	Method  string
	Path    string
	Status  int
	Message string
}

// Error renders the error as `METHOD /path: STATUS message`.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, msg)
}

// Temporary reports whether the error is a rate limit (429) or a server error (5xx).
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Unwrap returns ErrUnauthorized for authentication failures, so errors.Is works.
func (e *APIError) Unwrap() error {
	if e.Status == http.StatusUnauthorized ||
		(e.Status == http.StatusNotFound && strings.Contains(e.Message, "Unauthorized")) {
		return ErrUnauthorized
	}
	return nil
}
