package minicrm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestUnauthorized(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, `{}`) },
		func(c *Config) { c.APIKey = "wrong-key-0000000000000000000000" })
	_, err := h.c.GetContact(context.Background(), 1)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Temporary() {
		t.Fatalf("err = %#v, want a non-temporary 401 APIError", err)
	}
	if n := len(h.rec.all()); n != 1 {
		t.Errorf("%d attempts, want 1 (401 is not retried)", n)
	}
}

func TestUnauthorizedAs404(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeText(w, 404, "Unauthorized") })
	if _, err := h.c.Categories(context.Background()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	h = newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeText(w, 404, "Contact (GET): Not found.") })
	if _, err := h.c.GetContact(context.Background(), 5); errors.Is(err, ErrUnauthorized) {
		t.Fatalf("plain 404 reported as ErrUnauthorized: %v", err)
	}
}

func TestBadRequestMessage(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		writeText(w, 400, "Contact (PUT): Unknown field 'X'.\n")
	})
	_, err := h.c.PutContact(context.Background(), 0, Fields{"X": 1})
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if ae.Status != 400 || ae.Message != "Contact (PUT): Unknown field 'X'." || ae.Temporary() {
		t.Errorf("APIError = %+v", ae)
	}
	if got, want := err.Error(), "PUT /Api/R3/Contact: 400 Contact (PUT): Unknown field 'X'."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Error("a 400 is not an unknown outcome")
	}
	if n := len(h.rec.all()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestTooManyRequestsRetried(t *testing.T) {
	var n atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeText(w, 429, "Too Many Requests")
			return
		}
		writeJSON(w, `{"Id": "77"}`)
	})
	// A create is retried after 429 too: nothing was done.
	id, err := h.c.PutContact(context.Background(), 0, Fields{"Type": "Person", "FirstName": "Anna"})
	if err != nil || id != 77 {
		t.Fatalf("PutContact = %d, %v", id, err)
	}
	calls := h.rec.all()
	if len(calls) != 2 {
		t.Fatalf("OnCall saw %d attempts, want 2: %+v", len(calls), calls)
	}
	if c := calls[0]; c.Attempt != 1 || c.Status != 429 || c.Err != "Too Many Requests" || c.Method != "PUT" || c.Path != "/Api/R3/Contact" {
		t.Errorf("first call = %+v", c)
	}
	if c := calls[1]; c.Attempt != 2 || c.Status != 200 || c.Err != "" {
		t.Errorf("second call = %+v", c)
	}
	if !strings.Contains(h.logs.String(), `"level":"WARN"`) {
		t.Error("no Warn line logged for the retry")
	}
}

func TestRetriesExhausted(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeText(w, 429, "Too Many Requests") },
		func(c *Config) { c.MaxRetries = 2 })
	_, err := h.c.GetProject(context.Background(), 3)
	var ae *APIError
	if !errors.As(err, &ae) || !ae.Temporary() || ae.Status != 429 {
		t.Fatalf("err = %v, want a temporary 429 APIError", err)
	}
	if tmp, ok := err.(interface{ Temporary() bool }); !ok || !tmp.Temporary() {
		t.Errorf("err %T does not report Temporary() itself", err)
	}
	if n := len(h.rec.all()); n != 3 {
		t.Errorf("%d attempts, want 3 (1 + MaxRetries)", n)
	}
}

func TestServerErrorOnGetRetried(t *testing.T) {
	var n atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			writeText(w, 500, "Internal Server Error")
			return
		}
		writeJSON(w, `{"Id": 3, "Name": "Kártya", "StatusId": "Sikeres"}`)
	})
	f, err := h.c.GetProject(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if f["Name"] != "Kártya" || f["Id"] != json.Number("3") {
		t.Errorf("fields = %v", f)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
}

func TestCreateNeverRetried(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(t *testing.T, w http.ResponseWriter, r *http.Request)
		status int // wrapped APIError status, 0 for none
	}{
		{"500", func(t *testing.T, w http.ResponseWriter, r *http.Request) { writeText(w, 500, "boom") }, 500},
		{"502", func(t *testing.T, w http.ResponseWriter, r *http.Request) { writeText(w, 502, "Bad Gateway") }, 502},
		{"connection drop", dropConn, 0},
		{"non-JSON 200", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>ok</html>")
		}, 0},
	} {
		for _, call := range []struct {
			name string
			do   func(c *Client) error
		}{
			{"PutContact", func(c *Client) error {
				_, err := c.PutContact(context.Background(), 0, Fields{"Type": "Person", "FirstName": "Anna"})
				return err
			}},
			{"PutProject", func(c *Client) error {
				_, err := c.PutProject(context.Background(), 0, Fields{"CategoryId": 2, "ContactId": 7})
				return err
			}},
			{"CreateOrder", func(c *Client) error {
				_, err := c.CreateOrder(context.Background(), Order{ReferenceID: "unas:1", CustomerID: 7, CurrencyCode: "HUF"})
				return err
			}},
		} {
			t.Run(tc.name+"/"+call.name, func(t *testing.T) {
				var n atomic.Int32
				h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
					n.Add(1)
					tc.answer(t, w, r)
				})
				err := call.do(h.c)
				if !errors.Is(err, ErrOutcomeUnknown) {
					t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
				}
				if got := n.Load(); got != 1 {
					t.Errorf("%d requests reached the server, want exactly 1", got)
				}
				var ae *APIError
				if tc.status != 0 && (!errors.As(err, &ae) || ae.Status != tc.status) {
					t.Errorf("err = %v, want it to wrap the %d APIError", err, tc.status)
				}
				if !strings.Contains(err.Error(), "PUT /Api/R3/") && !strings.Contains(err.Error(), "POST /Api/Order") {
					t.Errorf("err %q does not name method and path", err)
				}
			})
		}
	}
}

func TestCreateTimeoutIsOutcomeUnknown(t *testing.T) {
	var n atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body) // then a closed connection cancels r.Context
		<-r.Context().Done()               // never answers; the client's timeout ends it
	}, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	_, err := h.c.PutContact(context.Background(), 0, Fields{"Type": "Business", "Name": "Kft"})
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown wrapping a deadline", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

func TestCreateNotSentIsRetried(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {}, func(c *Config) { c.MaxRetries = 1 })
	h.srv.Close() // connection refused: the request never left
	_, err := h.c.PutContact(context.Background(), 0, Fields{"Type": "Person", "FirstName": "Anna"})
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want a plain transport error", err)
	}
	if n := len(h.rec.all()); n != 2 {
		t.Errorf("%d attempts, want 2: an unsent create is safe to retry", n)
	}
	if c := h.rec.all()[0]; c.Status != 0 || c.Err == "" {
		t.Errorf("call = %+v, want status 0 and an error", c)
	}
}

func TestDropOnUpdateRetried(t *testing.T) {
	var n atomic.Int32
	var mu sync.Mutex
	var bodies []string
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			dropConn(t, w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if r.URL.Path != "/Api/R3/Contact/77" || r.Method != http.MethodPut {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		if r.ContentLength != int64(len(b)) {
			t.Errorf("Content-Length = %d, body %d bytes", r.ContentLength, len(b))
		}
		writeJSON(w, `{"Id":77}`)
	})
	id, err := h.c.PutContact(context.Background(), 77, Fields{"Phone": "+36 1 234 5678"})
	if err != nil || id != 77 {
		t.Fatalf("PutContact = %d, %v", id, err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 || bodies[0] != `{"Phone":"+36 1 234 5678"}` {
		t.Errorf("bodies = %q", bodies)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeText(w, 429, "Too Many Requests") },
		func(c *Config) { c.OnCall = func(context.Context, Call) { cancel() } })
	h.c.backoffBase = time.Hour
	done := make(chan error, 1)
	go func() {
		_, err := h.c.SearchContacts(ctx, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 429 {
			t.Errorf("err = %v, want it to carry the 429 it was waiting out", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("call still waiting after cancellation")
	}
}

func TestCancelledContextNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		cancel()
		<-r.Context().Done()
	})
	_, err := h.c.GetContact(ctx, 9)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}
