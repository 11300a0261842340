package unasapi

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Budapest on hosts without zoneinfo
)

// Sentinel errors; the errors of this package wrap them.
var (
	// ErrBanned is matched by a *BanError: UNAS banned the caller's IP.
	ErrBanned = errors.New("UNAS banned this IP")
	// ErrPackageNeeded means the shop's plan has no API access (UNAS
	// answers "Login Error: PREMIUM package needed").
	ErrPackageNeeded = errors.New("the UNAS shop's plan has no API access: the API needs the PREMIUM or VIP package")
	// ErrCallBudget means the Source refused a getOrder call that would pass
	// Config.MaxCallsPerHour.
	ErrCallBudget = errors.New("hourly getOrder call budget used up")
	// ErrTooManyPages means a window needed more than Config.MaxPages pages.
	ErrTooManyPages = errors.New("too many getOrder pages")
)

// budapest is the shop's time zone: ban times are shop-local.
var budapest = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Budapest")
	if err != nil {
		panic("loading Europe/Budapest: " + err.Error()) // embedded by time/tzdata
	}
	return loc
}()

// BanError is UNAS's "IP is banned till …" answer. Nothing more is called
// until Until.
type BanError struct {
	// Until is when the ban lifts (parsed as Europe/Budapest).
	Until time.Time
	// Message is UNAS's text, e.g. "Too much getOrder query, IP is banned
	// till 05.24.2019 18:14:01!".
	Message string
}

func (e *BanError) Error() string {
	return fmt.Sprintf("UNAS banned this IP until %s (%s): no UNAS call will work before then; call less often (getOrder lists are limited to 30/h on PREMIUM)",
		e.Until.Format("2006-01-02 15:04:05 MST"), e.Message)
}

// Is makes errors.Is(err, ErrBanned) true.
func (e *BanError) Is(target error) bool { return target == ErrBanned }

// APIError is an <Error> answer of the UNAS API, or an HTTP status without one.
type APIError struct {
	Function string // "login", "getOrder"
	Status   int    // HTTP status
	Message  string // the <Error> text, or the status text
}

func (e *APIError) Error() string {
	return fmt.Sprintf("UNAS %s answered HTTP %d: %s", e.Function, e.Status, e.Message)
}

var banRE = regexp.MustCompile(`banned till (\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2}):(\d{2})`)

// classify turns an <Error> text into the matching error.
func classify(function string, status int, msg string) error {
	if m := banRE.FindStringSubmatch(msg); m != nil {
		until, err := time.ParseInLocation("1.2.2006 15:04:05", fmt.Sprintf("%s.%s.%s %s:%s:%s", m[1], m[2], m[3], m[4], m[5], m[6]), budapest)
		if err == nil {
			return &BanError{Until: until, Message: msg}
		}
	}
	if strings.Contains(strings.ToLower(msg), "package needed") {
		return fmt.Errorf("%w (UNAS answered %q)", ErrPackageNeeded, msg)
	}
	return &APIError{Function: function, Status: status, Message: msg}
}

// isTokenError reports whether an answer says the token is invalid or
// expired: HTTP 401, or an <Error> about the token.
func isTokenError(status int, msg string) bool {
	return status == 401 || strings.Contains(strings.ToLower(msg), "token")
}
