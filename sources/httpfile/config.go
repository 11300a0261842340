package httpfile

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"time"
)

// Config configures an HTTPS export source. Secrets arrive resolved by the
// config layer; String and LogValue redact them, and they never appear in
// errors or URIs.
type Config struct {
	// URLs are the https:// export URLs, one file each. A file's name is the
	// URL path's base name, or Name. URLs must not carry credentials
	// (user:password@); use BearerToken or Username/Password.
	URLs []string
	// Name overrides the file name; only with a single URL.
	Name string
	// BearerToken is sent as "Authorization: Bearer <token>".
	BearerToken string
	// Username and Password are sent as HTTP Basic authentication.
	Username, Password string
	// MaxSize bounds a download; a larger body is an error and nothing is
	// archived. 0 means 2 GiB.
	MaxSize int64
	// MaxRedirects bounds the redirects followed per request; 0 means 3,
	// negative means none. A redirect from https to http is refused, and
	// credentials are not sent to another host than the URL's.
	MaxRedirects int
	// Timeout bounds connecting, the TLS handshake and the wait for the
	// response headers, and how long a download may receive nothing; 0
	// means 60s.
	Timeout time.Duration
	// HTTPClient, when set, is used (copied, with this source's redirect
	// policy) instead of a default client; tests pass one whose transport
	// trusts their CA. A transport with InsecureSkipVerify is refused.
	HTTPClient *http.Client
	// Logger receives debug logs and warnings; nil discards them.
	Logger *slog.Logger
}

// defaultMaxSize is MaxSize's default, 2 GiB.
const defaultMaxSize = 2 << 30

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.MaxSize == 0 {
		c.MaxSize = defaultMaxSize
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = 3
	}
	if c.Timeout == 0 {
		c.Timeout = 60 * time.Second
	}
	return c
}

// Validate reports the first invalid field, naming it and, for non-secret
// fields, its value.
func (c Config) Validate() error {
	c = c.withDefaults()
	const op = "validating httpfile source config"
	switch {
	case len(c.URLs) == 0:
		return fmt.Errorf("%s: URLs is empty", op)
	case c.Name != "" && len(c.URLs) > 1:
		return fmt.Errorf("%s: Name %q is set for %d URLs; it names the file of a single URL", op, c.Name, len(c.URLs))
	case c.MaxSize < 0:
		return fmt.Errorf("%s: MaxSize %d is negative", op, c.MaxSize)
	case c.Timeout < 0:
		return fmt.Errorf("%s: Timeout %s is negative", op, c.Timeout)
	case c.BearerToken != "" && (c.Username != "" || c.Password != ""):
		return fmt.Errorf("%s: both BearerToken and Username/Password are set", op)
	case c.Password != "" && c.Username == "":
		return fmt.Errorf("%s: Password is set without Username", op)
	}
	if c.Name != "" {
		if err := checkName(c.Name); err != nil {
			return fmt.Errorf("%s: Name %q: %w", op, c.Name, err)
		}
	}
	seen := make(map[string]string)
	for i, raw := range c.URLs {
		u, err := url.Parse(raw)
		if err != nil {
			// url.Error repeats the input, which may hold a secret: keep only the cause.
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err
			}
			return fmt.Errorf("%s: URLs[%d]: %w", op, i, err)
		}
		switch {
		case u.User != nil:
			return fmt.Errorf("%s: URLs[%d] %q carries credentials; use BearerToken or Username/Password", op, i, u.Redacted())
		case u.Scheme != "https":
			return fmt.Errorf("%s: URLs[%d] %q is not https://; exports are fetched over verified TLS only", op, i, raw)
		case u.Host == "":
			return fmt.Errorf("%s: URLs[%d] %q has no host", op, i, raw)
		}
		name := c.Name
		if name == "" {
			name = path.Base(u.Path)
			if err := checkName(name); err != nil {
				return fmt.Errorf("%s: URLs[%d] %q: its path gives no file name (%v); set Name", op, i, raw, err)
			}
		}
		if prev, ok := seen[name]; ok {
			return fmt.Errorf("%s: URLs[%d] %q and %q both give the file name %q", op, i, raw, prev, name)
		}
		seen[name] = raw
	}
	return nil
}

// checkName refuses names that are no plain file name.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || name == "/" || name[0] == '.' {
		return errors.New("not a plain file name")
	}
	for _, r := range name {
		if r == '/' || r == '\\' || r < ' ' {
			return errors.New("not a plain file name")
		}
	}
	return nil
}

// String describes the config with secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("httpfile.Config{URLs:%q Name:%q BearerToken:%s Username:%q Password:%s MaxSize:%d MaxRedirects:%d Timeout:%s}",
		c.URLs, c.Name, redacted(c.BearerToken != ""), c.Username, redacted(c.Password != ""), c.MaxSize, c.MaxRedirects, c.Timeout)
}

// LogValue logs the config with secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("urls", c.URLs), slog.String("name", c.Name),
		slog.String("bearer_token", redacted(c.BearerToken != "")),
		slog.String("username", c.Username), slog.String("password", redacted(c.Password != "")),
	)
}

func redacted(set bool) string {
	if set {
		return "[redacted]"
	}
	return "[unset]"
}
