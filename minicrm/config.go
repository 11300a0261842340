package minicrm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the production API root used when Config.BaseURL is empty.
const DefaultBaseURL = "https://r3.minicrm.hu"

// Config configures a Client; zero fields take the defaults documented on each field.
type Config struct {
	// BaseURL is the API root; default "https://r3.minicrm.hu". http:// is
	// allowed only for loopback hosts (the local simulator).
	BaseURL string
	// SystemID is the numeric MiniCRM system id, the Basic auth user name.
	SystemID string
	// APIKey is the Basic auth password; it is never logged nor put into errors.
	APIKey string
	// R3PerMinute paces /Api/R3/* requests; default 60.
	R3PerMinute int
	// FeedPerHour paces /Api/SyncFeed requests; default 180.
	FeedPerHour int
	// MaxRetries bounds retries of 429, 5xx and transport errors; default 5,
	// negative means no retries.
	MaxRetries int
	// Timeout bounds one HTTP attempt including reading its body; default 30s.
	Timeout time.Duration
	// RetryBase is the first wait after a 429, 5xx or transport error,
	// doubled per retry (with ±20 % jitter) up to 60 s; default 1s.
	RetryBase time.Duration
	// HTTPClient is the optional client to send with; TLS must stay verified.
	HTTPClient *http.Client
	// Logger receives Debug lines per request and Warn lines per retry.
	Logger *slog.Logger
	// OnCall, when set, is called after every HTTP attempt with the call's ctx.
	OnCall func(ctx context.Context, c Call)
}

// String describes the config with the API key redacted.
func (c Config) String() string {
	return fmt.Sprintf("minicrm.Config{BaseURL:%q SystemID:%q APIKey:%s}", c.BaseURL, c.SystemID, redacted(c.APIKey))
}

// LogValue logs the config with the API key redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("system_id", c.SystemID),
		slog.String("api_key", redacted(c.APIKey)),
	)
}

func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return "REDACTED"
}

// Client talks to one MiniCRM system; it is safe for concurrent use.
type Client struct {
	base       *url.URL
	systemID   string
	apiKey     string
	http       *http.Client
	log        *slog.Logger
	onCall     func(context.Context, Call)
	r3         *pacer
	feed       *pacer
	maxRetries int
	timeout    time.Duration
	// backoffBase is the first retry wait, doubled per retry; tests shorten it.
	backoffBase time.Duration
}

const (
	defaultR3PerMinute = 60
	defaultFeedPerHour = 180
	defaultMaxRetries  = 5
	defaultTimeout     = 30 * time.Second
	defaultBackoffBase = time.Second
	maxBackoff         = 60 * time.Second
)

// New validates cfg, applies defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	const op = "configuring minicrm client"
	if cfg.SystemID == "" || strings.Trim(cfg.SystemID, "0123456789") != "" || len(cfg.SystemID) > 20 {
		return nil, fmt.Errorf("%s: SystemID %q must be digits", op, cfg.SystemID)
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("%s: APIKey is empty", op)
	}
	if strings.ContainsFunc(cfg.APIKey, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, fmt.Errorf("%s: APIKey contains control characters", op)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	switch {
	case cfg.R3PerMinute < 0:
		return nil, fmt.Errorf("%s: R3PerMinute %d is negative", op, cfg.R3PerMinute)
	case cfg.FeedPerHour < 0:
		return nil, fmt.Errorf("%s: FeedPerHour %d is negative", op, cfg.FeedPerHour)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("%s: Timeout %s is negative", op, cfg.Timeout)
	}
	if cfg.R3PerMinute == 0 {
		cfg.R3PerMinute = defaultR3PerMinute
	}
	if cfg.FeedPerHour == 0 {
		cfg.FeedPerHour = defaultFeedPerHour
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	hc, err := httpClient(cfg.HTTPClient)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		base:        base,
		systemID:    cfg.SystemID,
		apiKey:      cfg.APIKey,
		http:        hc,
		log:         logger.WithGroup("minicrm"),
		onCall:      cfg.OnCall,
		r3:          newPacer(time.Minute, cfg.R3PerMinute),
		feed:        newPacer(time.Hour, cfg.FeedPerHour),
		maxRetries:  cfg.MaxRetries,
		timeout:     cfg.Timeout,
		backoffBase: cmp.Or(cfg.RetryBase, defaultBackoffBase),
	}, nil
}

// parseBaseURL accepts https URLs, and http URLs whose host is loopback.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("parsing BaseURL: %w", err)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("BaseURL %q has no host", raw)
	case u.User != nil:
		return nil, errors.New("BaseURL must not carry credentials; use SystemID and APIKey")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("BaseURL %q must not have a query or fragment", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("BaseURL %q: plain http is allowed only for loopback hosts", raw)
		}
	default:
		return nil, fmt.Errorf("BaseURL %q: scheme must be https", raw)
	}
	return u, nil
}

// isLoopback reports whether host is localhost, 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpClient copies hc (or builds a default) and refuses redirects, so
// credentials and request bodies are never replayed elsewhere.
func httpClient(hc *http.Client) (*http.Client, error) {
	var c http.Client
	if hc != nil {
		c = *hc
		if t, ok := c.Transport.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify {
			return nil, errors.New("HTTPClient skips TLS verification; refusing it")
		}
	} else {
		c.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c, nil
}
