package unasapi

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults and bounds of Config.
const (
	DefaultBaseURL         = "https://api.unas.eu/shop"
	DefaultOverlap         = 5 * time.Minute
	DefaultLag             = 60 * time.Second
	MaxPageSize            = 500 // LimitNum ≤ 500 (sources.md A2)
	DefaultMaxPages        = 200
	DefaultMaxCallsPerHour = 25 // getOrder list calls; PREMIUM allows 30/h (sources.md A5)
	DefaultTimeout         = 5 * time.Minute
	DefaultRetryWait       = 2 * time.Second
)

// Config configures a UNAS getOrder source.
type Config struct {
	// BaseURL is the API root; default https://api.unas.eu/shop. http is
	// accepted only for a loopback host (the simulator, tests).
	BaseURL string
	// APIKey is the shop's API key. It is a secret: it is sent only in the
	// login request body, never logged and never part of an error.
	APIKey string
	// Overlap is how far before the cursor the next window starts, so that
	// orders modified around the previous window's end are fetched again;
	// default 5m.
	Overlap time.Duration
	// Lag keeps the window's end this far behind now (TimeModEnd = now −
	// Lag), default 60s.
	Lag time.Duration
	// PageSize is getOrder's LimitNum, default and maximum 500.
	PageSize int
	// PageOverlap makes each page after the first start this many orders
	// before the end of the previous one (LimitStart advances by PageSize −
	// PageOverlap), so that up to PageOverlap orders leaving the window while
	// it is paged cannot push an unseen order into a page already fetched.
	// Default 0: plain offset paging.
	PageOverlap int
	// MaxPages bounds the pages of one window; default 200.
	MaxPages int
	// MaxCallsPerHour bounds the getOrder calls this Source makes in any
	// sliding hour (retries included); default 25, under PREMIUM's 30/h.
	// Past it the Source refuses to call rather than risk a one-hour ban.
	MaxCallsPerHour int
	// FirstWindowStart is where the first window starts when the cursor is
	// empty, e.g. the integration's sync_start. Required.
	FirstWindowStart time.Time
	// HTTPClient, if set, is used for the calls (copied: redirects are
	// never followed); its transport must verify TLS certificates.
	HTTPClient *http.Client
	// Timeout bounds one HTTP call, body included; default 5m.
	Timeout time.Duration
	// RetryWait is the first backoff after a 429/5xx or a broken response,
	// doubled for the next attempt (with jitter); default 2s. A Retry-After
	// header of up to a minute is honoured instead.
	RetryWait time.Duration
	// Now is the clock (windows, token expiry, the hourly budget); default
	// time.Now.
	Now func() time.Time
	// Logger receives the source's logs; the caller names the group.
	Logger *slog.Logger
}

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Overlap == 0 {
		c.Overlap = DefaultOverlap
	}
	if c.Lag == 0 {
		c.Lag = DefaultLag
	}
	if c.PageSize == 0 {
		c.PageSize = MaxPageSize
	}
	if c.MaxPages == 0 {
		c.MaxPages = DefaultMaxPages
	}
	if c.MaxCallsPerHour == 0 {
		c.MaxCallsPerHour = DefaultMaxCallsPerHour
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetryWait == 0 {
		c.RetryWait = DefaultRetryWait
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports the first invalid field, naming it and its value (never
// the API key's).
func (c Config) Validate() error {
	c = c.withDefaults()
	fail := func(format string, a ...any) error {
		return fmt.Errorf("validating UNAS source config: "+format, a...)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return fail("BaseURL %q: %w", c.BaseURL, err)
	}
	switch {
	case u.Host == "":
		return fail("BaseURL %q has no host", c.BaseURL)
	case u.User != nil:
		return fail("BaseURL must not hold credentials")
	case u.RawQuery != "" || u.Fragment != "":
		return fail("BaseURL %q must not have a query or fragment", c.BaseURL)
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return fail("BaseURL %q: http is allowed only for a loopback host (127.0.0.1, ::1, localhost); use https", c.BaseURL)
	default:
		return fail("BaseURL %q: scheme must be https", c.BaseURL)
	}
	if strings.TrimSpace(c.APIKey) == "" {
		return fail("APIKey is empty")
	}
	if c.Overlap < 0 {
		return fail("Overlap %v is negative", c.Overlap)
	}
	if c.Lag < 0 {
		return fail("Lag %v is negative", c.Lag)
	}
	if c.PageSize < 1 || c.PageSize > MaxPageSize {
		return fail("PageSize %d is outside 1-%d", c.PageSize, MaxPageSize)
	}
	if c.PageOverlap < 0 || (c.PageOverlap > 0 && 2*c.PageOverlap >= c.PageSize) {
		return fail("PageOverlap %d must be ≥ 0 and less than half of PageSize %d", c.PageOverlap, c.PageSize)
	}
	if c.MaxPages < 1 {
		return fail("MaxPages %d is less than 1", c.MaxPages)
	}
	if c.MaxCallsPerHour < 1 {
		return fail("MaxCallsPerHour %d is less than 1", c.MaxCallsPerHour)
	}
	if c.FirstWindowStart.IsZero() {
		return fail("FirstWindowStart is not set (the integration's sync_start)")
	}
	if c.Timeout < 0 {
		return fail("Timeout %v is negative", c.Timeout)
	}
	if c.RetryWait < 0 {
		return fail("RetryWait %v is negative", c.RetryWait)
	}
	if c.HTTPClient != nil {
		if t, ok := c.HTTPClient.Transport.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify {
			return fail("HTTPClient skips TLS certificate verification; refusing")
		}
	}
	return nil
}

// LogValue shows the configuration without the API key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("api_key", redacted(c.APIKey != "")),
		slog.Duration("overlap", c.Overlap), slog.Duration("lag", c.Lag),
		slog.Int("page_size", c.PageSize), slog.Int("max_pages", c.MaxPages),
		slog.Int("max_calls_per_hour", c.MaxCallsPerHour),
		slog.Time("first_window_start", c.FirstWindowStart),
	)
}

func redacted(set bool) string {
	if set {
		return "[redacted]"
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpClient returns the client of the calls: cfg's copied, or a new one
// with TLS ≥ 1.2 verified; redirects are never followed.
func httpClient(cfg Config) *http.Client {
	var c http.Client
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		c.Transport = t
	}
	if c.Timeout == 0 || c.Timeout > cfg.Timeout {
		c.Timeout = cfg.Timeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

var errRedirect = errors.New("UNAS answered a redirect; redirects are not followed")
