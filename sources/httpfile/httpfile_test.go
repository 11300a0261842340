package httpfile_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"minisync/pipeline"
	"minisync/sources/httpfile"
)

func readAll(t *testing.T, src *httpfile.Source, f pipeline.RemoteFile) ([]byte, error) {
	t.Helper()
	rc, err := src.Open(t.Context(), f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// TestConditionalGET checks each export is downloaded once, and a cursor
// makes the server answer 304 instead of sending it again.
func TestConditionalGET(t *testing.T) {
	s := startExportServer(t, map[string][]byte{"orders.xml": []byte("<o/>"), "contacts.csv": []byte("id\n1\n")})
	src := newSource(t, s.config("orders.xml", "contacts.csv"))
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Name != "contacts.csv" || files[1].Name != "orders.xml" {
		t.Fatalf("files = %+v", files)
	}
	for _, f := range files {
		if _, err := readAll(t, src, f); err != nil {
			t.Fatal(err)
		}
		if !f.ModTime.Equal(time.Date(2026, 11, 20, 6, 0, 1, 0, time.UTC)) && !f.ModTime.Equal(time.Date(2026, 11, 20, 6, 0, 2, 0, time.UTC)) {
			t.Errorf("%s: ModTime %v is not Last-Modified", f.Name, f.ModTime)
		}
		if strings.Contains(f.Cursor, testToken) || strings.Contains(f.URI, testToken) {
			t.Errorf("%s leaks the token", f.Name)
		}
	}
	if got := s.fetched(); len(got) != 2 {
		t.Fatalf("downloads = %q, want each file once", got)
	}

	// A new source (a later run) with the cursor of the last staged file.
	next := newSource(t, s.config("orders.xml", "contacts.csv"))
	next.SetCursor(files[1].Cursor)
	if again, err := next.List(t.Context()); err != nil || len(again) != 0 {
		t.Fatalf("List with cursor = %+v, %v; want nothing", again, err)
	}
	if got := s.fetched(); len(got) != 2 {
		t.Fatalf("downloads = %q after 304s", got)
	}

	// An unreadable cursor fetches everything again.
	next.SetCursor("{not json")
	if again, err := next.List(t.Context()); err != nil || len(again) != 2 {
		t.Fatalf("List with a bad cursor = %+v, %v", again, err)
	}
}

func TestShortBody(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("only ten.."))
	}))
	defer srv.Close()
	src := newSource(t, httpfile.Config{URLs: []string{srv.URL + "/x.xml"}, HTTPClient: srv.Client()})
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 || files[0].Size != 100 {
		t.Fatalf("files = %+v, %v", files, err)
	}
	if _, err := readAll(t, src, files[0]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestMaxSize(t *testing.T) {
	body := strings.Repeat("x", 1000)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked.xml" {
			w.Write([]byte(body[:10]))
			w.(http.Flusher).Flush() // no Content-Length: 1010 bytes chunked
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()
	cfg := httpfile.Config{URLs: []string{srv.URL + "/sized.xml"}, HTTPClient: srv.Client(), MaxSize: 999}
	if _, err := newSource(t, cfg).List(t.Context()); !errors.Is(err, httpfile.ErrTooLarge) {
		t.Fatalf("Content-Length over MaxSize: %v", err)
	}
	cfg.URLs = []string{srv.URL + "/chunked.xml"}
	src := newSource(t, cfg)
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 || files[0].Size != -1 {
		t.Fatalf("files = %+v, %v", files, err)
	}
	if _, err := readAll(t, src, files[0]); !errors.Is(err, httpfile.ErrTooLarge) {
		t.Fatalf("body over MaxSize: %v", err)
	}
	cfg.MaxSize = 1010
	src = newSource(t, cfg)
	files, _ = src.List(t.Context())
	if b, err := readAll(t, src, files[0]); err != nil || len(b) != 1010 {
		t.Fatalf("body at MaxSize: %d bytes, %v", len(b), err)
	}
}

func TestRedirects(t *testing.T) {
	var otherAuth []string
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherAuth = append(otherAuth, r.Header.Get("Authorization"))
		io.WriteString(w, "moved export")
	}))
	defer other.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "plain")
	}))
	defer plain.Close()
	var sameAuth string
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same.xml":
			http.Redirect(w, r, "/final.xml", http.StatusFound)
		case "/final.xml":
			sameAuth = r.Header.Get("Authorization")
			io.WriteString(w, "final")
		case "/other.xml":
			http.Redirect(w, r, other.URL+"/x.xml", http.StatusFound)
		case "/plain.xml":
			http.Redirect(w, r, plain.URL+"/x.xml", http.StatusFound)
		default: // /loop/<n>.xml redirects to /loop/<n+1>.xml
			var n int
			fmt.Sscanf(r.URL.Path, "/loop/%d.xml", &n)
			http.Redirect(w, r, fmt.Sprintf("/loop/%d.xml", n+1), http.StatusFound)
		}
	}))
	defer srv.Close()
	// One transport trusts both test CAs (httptest servers share theirs).
	client := srv.Client()

	fetch := func(path string, redirects int) ([]byte, error) {
		cfg := httpfile.Config{URLs: []string{srv.URL + path}, HTTPClient: client, BearerToken: testToken, MaxRedirects: redirects}
		src := newSource(t, cfg)
		files, err := src.List(t.Context())
		if err != nil {
			return nil, err
		}
		return readAll(t, src, files[0])
	}
	if b, err := fetch("/same.xml", 0); err != nil || string(b) != "final" || sameAuth != "Bearer "+testToken {
		t.Fatalf("same-host redirect: %q, %v, auth %q", b, err, sameAuth)
	}
	if b, err := fetch("/other.xml", 0); err != nil || string(b) != "moved export" {
		t.Fatalf("other-host redirect: %q, %v", b, err)
	}
	if len(otherAuth) != 1 || otherAuth[0] != "" {
		t.Fatalf("other host received Authorization %q", otherAuth)
	}
	_, err := fetch("/plain.xml", 0)
	if err == nil || !strings.Contains(err.Error(), "not https") {
		t.Fatalf("redirect to http: %v", err)
	}
	if _, err := fetch("/loop/0.xml", 0); err == nil || !strings.Contains(err.Error(), "3 redirects") {
		t.Fatalf("redirect loop: %v", err)
	}
	if _, err := fetch("/same.xml", -1); err == nil || !strings.Contains(err.Error(), "0 redirects") {
		t.Fatalf("redirects disabled: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Fatalf("error leaks the token: %v", err)
	}
}

func TestBasicAuthAndForbidden(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		switch {
		case !ok || pass != "jelszó":
			w.WriteHeader(http.StatusUnauthorized)
		case user != "exports":
			w.WriteHeader(http.StatusForbidden)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	cfg := httpfile.Config{URLs: []string{srv.URL + "/e.csv"}, HTTPClient: srv.Client(), Username: "exports", Password: "jelszó"}
	src := newSource(t, cfg)
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	if b, err := readAll(t, src, files[0]); err != nil || string(b) != "ok" {
		t.Fatalf("content %q, %v", b, err)
	}
	for _, c := range []struct{ user, pass string }{{"exports", "wrong-secret"}, {"other", "jelszó"}} {
		cfg.Username, cfg.Password = c.user, c.pass
		_, err := newSource(t, cfg).List(t.Context())
		if !errors.Is(err, httpfile.ErrAuth) {
			t.Fatalf("%s: err = %v, want ErrAuth", c.user, err)
		}
		if strings.Contains(err.Error(), c.pass) {
			t.Fatalf("error %q leaks the password", err)
		}
	}
	// A file not held from List is fetched anew, and 403 there is ErrAuth too.
	cfg.Username, cfg.Password = "other", "jelszó"
	_, err = readAll(t, newSource(t, cfg), files[0])
	if !errors.Is(err, httpfile.ErrAuth) {
		t.Fatalf("Open: err = %v, want ErrAuth", err)
	}
}

func TestUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = discardLog()
	defer srv.Close()
	// The default client trusts only the system roots.
	_, err := newSource(t, httpfile.Config{URLs: []string{srv.URL + "/a.xml"}}).List(t.Context())
	if !errors.Is(err, httpfile.ErrCertificate) {
		t.Fatalf("err = %v, want ErrCertificate", err)
	}
}

func TestStalledBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("first"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	src := newSource(t, httpfile.Config{URLs: []string{srv.URL + "/a.xml"}, HTTPClient: srv.Client(), Timeout: 100 * time.Millisecond})
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, src, files[0]); !errors.Is(err, httpfile.ErrStalled) {
		t.Fatalf("err = %v, want ErrStalled", err)
	}
}

// TestListedBodiesClosed checks that a body List kept but nobody opened is
// closed by Close and by the next List, so the server sees the request end.
func TestListedBodiesClosed(t *testing.T) {
	ended := make(chan string, 4)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		w.Write([]byte("start"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		ended <- r.URL.Path
	}))
	defer srv.Close()
	src, err := httpfile.New(httpfile.Config{URLs: []string{srv.URL + "/a.xml"}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := src.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-ended // the first List's response
	src.Close()
	<-ended
	if _, err := src.List(t.Context()); err == nil {
		t.Fatal("List after Close succeeded")
	}
}

func TestCancelWhileWaitingForHeaders(t *testing.T) {
	started := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	defer srv.Close()
	src := newSource(t, httpfile.Config{URLs: []string{srv.URL + "/a.xml"}, HTTPClient: srv.Client()})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-started; cancel() }()
	if _, err := src.List(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestConfigErrors(t *testing.T) {
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	tests := []struct {
		name string
		cfg  httpfile.Config
		want string
	}{
		{"no urls", httpfile.Config{}, "URLs is empty"},
		{"http", httpfile.Config{URLs: []string{"http://example.com/a.xml"}}, "not https"},
		{"userinfo", httpfile.Config{URLs: []string{"https://u:pw-secret@example.com/a.xml"}}, "credentials"},
		{"no file name", httpfile.Config{URLs: []string{"https://example.com/"}}, "set Name"},
		{"name for two", httpfile.Config{URLs: []string{"https://example.com/a", "https://example.com/b"}, Name: "x.xml"}, "Name"},
		{"same names", httpfile.Config{URLs: []string{"https://a.example/x.xml", "https://b.example/x.xml"}}, `"x.xml"`},
		{"bad name", httpfile.Config{URLs: []string{"https://example.com/a"}, Name: "../x"}, "Name"},
		{"token and basic", httpfile.Config{URLs: []string{"https://example.com/a"}, BearerToken: testToken, Username: "u"}, "BearerToken"},
		{"negative size", httpfile.Config{URLs: []string{"https://example.com/a"}, MaxSize: -1}, "MaxSize"},
		{"insecure", httpfile.Config{URLs: []string{"https://example.com/a"}, HTTPClient: insecure}, "InsecureSkipVerify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpfile.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "pw-secret") {
				t.Fatalf("error %q leaks the token", err)
			}
		})
	}
	cfg := httpfile.Config{URLs: []string{"https://example.com/a"}, BearerToken: testToken, Password: testToken}
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), cfg.LogValue().String()} {
		if strings.Contains(s, testToken) {
			t.Errorf("%q leaks a secret", s)
		}
	}
}
