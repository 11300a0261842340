package minicrm

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAPIKeyNeverLeaks drives every error path with a server that echoes the
// key and checks errors, Calls and log lines.
func TestAPIKeyNeverLeaks(t *testing.T) {
	var n atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		_, key, _ := r.BasicAuth()
		switch n.Add(1) % 4 {
		case 1:
			writeText(w, 400, "Contact (PUT): bad key "+key)
		case 2:
			writeText(w, 500, "boom "+key)
		case 3:
			dropConn(t, w, r)
		default:
			writeText(w, 429, "Too Many Requests "+key)
		}
	}, func(c *Config) { c.MaxRetries = 2 })
	ctx := context.Background()
	var errs []error
	for range 4 {
		_, err := h.c.PutContact(ctx, 0, Fields{"Type": "Person", "FirstName": "A"})
		errs = append(errs, err)
		_, err = h.c.GetContact(ctx, 5)
		errs = append(errs, err)
		_, err = h.c.PushFeed(ctx, []FeedProject{{ID: "x"}})
		errs = append(errs, err)
	}
	bad := newHarness(t, func(w http.ResponseWriter, r *http.Request) {}, func(c *Config) { c.APIKey = testAPIKey + "-wrong" })
	_, err := bad.c.SearchContacts(ctx, nil)
	errs = append(errs, err)

	for _, err := range errs {
		if err == nil {
			continue
		}
		if strings.Contains(err.Error(), testAPIKey) || strings.Contains(fmt.Sprintf("%#v", err), testAPIKey) {
			t.Errorf("error leaks the key: %v", err)
		}
	}
	calls := append(h.rec.all(), bad.rec.all()...)
	if len(calls) < 12 {
		t.Errorf("only %d calls recorded", len(calls))
	}
	for _, c := range calls {
		if s := fmt.Sprintf("%+v", c); strings.Contains(s, testAPIKey) {
			t.Errorf("Call leaks the key: %s", s)
		}
	}
	logs := h.logs.String() + bad.logs.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) || !strings.Contains(logs, "REDACTED") {
		t.Errorf("expected debug lines with redacted server messages, got:\n%.500s", logs)
	}
	if strings.Contains(logs, testAPIKey) {
		t.Errorf("log leaks the key:\n%s", logs)
	}
}

func TestConfigRedacted(t *testing.T) {
	cfg := Config{BaseURL: "https://r3.minicrm.hu", SystemID: "123", APIKey: testAPIKey}
	var buf syncBuffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), buf.String()} {
		if strings.Contains(s, testAPIKey) || !strings.Contains(s, "123") {
			t.Errorf("config rendering %q", s)
		}
	}
}

func TestNewValidation(t *testing.T) {
	ok := func(mod func(*Config)) Config {
		c := Config{SystemID: "12345", APIKey: testAPIKey}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	for _, base := range []string{"", "https://r3.minicrm.hu", "https://r3-test.minicrm.hu/", "http://127.0.0.1:8080",
		"http://127.8.9.10", "http://[::1]:9000", "http://localhost:1234/prefix", "http://LOCALHOST"} {
		c, err := New(ok(func(c *Config) { c.BaseURL = base }))
		if err != nil {
			t.Errorf("BaseURL %q: %v", base, err)
			continue
		}
		if base == "" && c.base.String() != DefaultBaseURL {
			t.Errorf("default base = %s", c.base)
		}
	}
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for name, cfg := range map[string]Config{
		"http non-loopback":  ok(func(c *Config) { c.BaseURL = "http://r3.minicrm.hu" }),
		"http private ip":    ok(func(c *Config) { c.BaseURL = "http://10.0.0.1:8080" }),
		"http lookalike":     ok(func(c *Config) { c.BaseURL = "http://localhost.evil.com" }),
		"http 127 prefix":    ok(func(c *Config) { c.BaseURL = "http://127.0.0.1.nip.io" }),
		"ftp":                ok(func(c *Config) { c.BaseURL = "ftp://127.0.0.1" }),
		"no host":            ok(func(c *Config) { c.BaseURL = "https://" }),
		"unparsable":         ok(func(c *Config) { c.BaseURL = "https://r3.minicrm.hu:port/%zz" }),
		"userinfo":           ok(func(c *Config) { c.BaseURL = "https://u:p@r3.minicrm.hu" }),
		"empty system id":    ok(func(c *Config) { c.SystemID = "" }),
		"non-digit id":       ok(func(c *Config) { c.SystemID = "12a45" }),
		"empty key":          ok(func(c *Config) { c.APIKey = "" }),
		"negative timeout":   ok(func(c *Config) { c.Timeout = -1 }),
		"negative r3 limit":  ok(func(c *Config) { c.R3PerMinute = -1 }),
		"insecure transport": ok(func(c *Config) { c.HTTPClient = insecure }),
	} {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New succeeded", name)
			continue
		}
		if strings.Contains(err.Error(), testAPIKey) {
			t.Errorf("%s: error leaks the key: %v", name, err)
		}
	}
	c, err := New(ok(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != 5 || c.timeout.Seconds() != 30 || c.r3.interval.Seconds() != 1 || c.feed.interval.Seconds() != 20 {
		t.Errorf("defaults: retries %d timeout %s r3 %s feed %s", c.maxRetries, c.timeout, c.r3.interval, c.feed.interval)
	}
	c, _ = New(ok(func(c *Config) { c.MaxRetries = -1 }))
	if c.maxRetries != 0 {
		t.Errorf("MaxRetries -1 gave %d retries", c.maxRetries)
	}
}
