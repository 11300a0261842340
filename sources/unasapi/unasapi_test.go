package unasapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"minisync/sources/unasapi"
	"minisync/sources/unasapi/unassim"
)

func budapest(s string) time.Time {
	t, err := time.ParseInLocation(unassim.DateLayout, s, unassim.Budapest)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtureElements returns the verbatim <Order>…</Order> elements of a
// fixture file, by Key.
func fixtureElements(t *testing.T, doc []byte) map[string][]byte {
	t.Helper()
	els := map[string][]byte{}
	for rest := doc; ; {
		i := bytes.Index(rest, []byte("<Order>"))
		if i < 0 {
			return els
		}
		j := bytes.Index(rest, []byte("</Order>"))
		el := rest[i : j+len("</Order>")]
		k := bytes.Index(el, []byte("<Key>"))
		key := string(el[k+5 : k+5+bytes.Index(el[k+5:], []byte("<"))])
		els[key] = el
		rest = rest[j+1:]
	}
}

func TestWindowOverFixture(t *testing.T) {
	doc, err := os.ReadFile("../../fixtures/unas/orders-2026-11-19.xml")
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock(budapest("2026.11.18 16:05:00"))
	sim, base := startSim(t, unassim.Config{Now: clk.Now})
	if err := sim.AddOrdersXML(doc); err != nil {
		t.Fatal(err)
	}
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: budapest("2026.11.17 00:00:00")})
	f := listOne(t, src)
	start, end := budapest("2026.11.17 00:00:00"), budapest("2026.11.18 16:04:00") // now − 60s
	if want := "unas-orders-20261116T230000Z-20261118T150400Z.xml"; f.Name != want {
		t.Errorf("Name = %q, want %q", f.Name, want)
	}
	wantURI := fmt.Sprintf("%s/getOrder?TimeModStart=%d&TimeModEnd=%d", base, start.Unix(), end.Unix())
	if f.URI != wantURI || f.Size != -1 || !f.ModTime.Equal(end) || f.Cursor != strconv.FormatInt(end.Unix(), 10) {
		t.Errorf("file = %+v, want URI %s, Size -1, ModTime and Cursor %v", f, wantURI, end)
	}
	out, err := fetch(src, f)
	if err != nil {
		t.Fatal(err)
	}

	// Exactly the orders whose DateMod is inside the window, verbatim.
	var want []Order
	for _, o := range parseOrders(t, doc) {
		if m := budapest(o.DateMod); !m.Before(start) && !m.After(end) {
			want = append(want, o)
		}
	}
	got := parseOrders(t, out)
	slices.SortFunc(want, func(a, b Order) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(got, func(a, b Order) int { return strings.Compare(a.Key, b.Key) })
	if len(want) != 6 {
		t.Fatalf("the fixture has %d orders in the window, the test expects 6", len(want))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("orders differ:\n got %+v\nwant %+v", got, want)
	}
	els := fixtureElements(t, doc)
	for _, o := range want {
		if !bytes.Contains(out, els[o.Key]) {
			t.Errorf("order %s is not copied byte for byte", o.Key)
		}
	}
	for _, k := range []string{"27839-100118", "27839-100124", "27839-100127"} {
		if bytes.Contains(out, []byte(k)) {
			t.Errorf("order %s (DateMod outside the window) was fetched", k)
		}
	}
	// UTF-8 letters and CDATA markup come through.
	byKey := map[string]Order{}
	for _, o := range got {
		byKey[o.Key] = o
	}
	if o := byKey["27839-100123"]; o.Name != "Ștefan Țurcanu" || !strings.Contains(o.City, "Târgu Mureș") {
		t.Errorf("27839-100123: name %q city %q", o.Name, o.City)
	}
	if o := byKey["27839-100121"]; len(o.Comment) == 0 || !strings.Contains(o.Comment[0].Text, "<b>Sürgős!</b> & köszönjük") {
		t.Errorf("27839-100121 comments = %+v", o.Comment)
	}
	if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("the document does not start with the XML declaration: %.60q", out)
	}
	st := sim.Stats()
	if st.Logins != 1 || st.GetOrderCalls != 1 {
		t.Errorf("stats = %+v, want 1 login and 1 getOrder", st)
	}
	p := st.LastParams()
	if p["TimeModStart"] != strconv.FormatInt(start.Unix(), 10) || p["TimeModEnd"] != strconv.FormatInt(end.Unix(), 10) ||
		p["LimitStart"] != "0" || p["LimitNum"] != "500" || len(p) != 4 {
		t.Errorf("getOrder params = %v", p)
	}
}

func TestPageBoundary(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	for _, tc := range []struct {
		n      int
		starts string
	}{
		{499, "0"},
		{500, "0,500"},
		{1000, "0,500,1000"},
		{1001, "0,500,1000"},
	} {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			clk := newClock(first.Add(2 * time.Hour))
			sim, base := startSim(t, unassim.Config{Now: clk.Now})
			if err := sim.AddOrdersXML(genOrders(tc.n, first)); err != nil {
				t.Fatal(err)
			}
			src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour)})
			out, err := fetch(src, listOne(t, src))
			if err != nil {
				t.Fatal(err)
			}
			got := parseOrders(t, out)
			if len(got) != tc.n || got[0].Key != genKey(0) || got[len(got)-1].Key != genKey(tc.n-1) {
				t.Errorf("got %d orders, want %d in DateMod order", len(got), tc.n)
			}
			if s := limitStarts(sim.Stats()); s != tc.starts {
				t.Errorf("LimitStart of the pages = %s, want %s", s, tc.starts)
			}
		})
	}
}

func TestTokenRenewal(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	t.Run("expires soon", func(t *testing.T) {
		clk := newClock(first.Add(2 * time.Hour))
		sim, base := startSim(t, unassim.Config{Now: clk.Now, TokenTTL: 10 * time.Minute})
		sim.AddOrdersXML(genOrders(1001, first))
		// Between pages the clock passes the renewal point (5 minutes
		// before expiry) and then the expiry itself.
		sim.OnGetOrder(func(call int, _ map[string]string) {
			if call > 1 {
				clk.Advance(6 * time.Minute)
			}
		})
		src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour)})
		f := listOne(t, src)
		out, err := fetch(src, f)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(parseOrders(t, out)); n != 1001 {
			t.Errorf("got %d orders, want 1001", n)
		}
		if st := sim.Stats(); st.Logins != 2 || st.GetOrderCalls != 3 {
			t.Errorf("stats = %d logins, %d getOrder calls; want a renewal and 3 calls", st.Logins, st.GetOrderCalls)
		}
	})
	t.Run("refused mid-run", func(t *testing.T) {
		clk := newClock(first.Add(2 * time.Hour))
		sim, base := startSim(t, unassim.Config{Now: clk.Now, TokenTTL: 2 * time.Hour})
		sim.AddOrdersXML(genOrders(1001, first))
		src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour)})
		f := listOne(t, src)
		r, err := src.Open(context.Background(), f) // page 1 is fetched now
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		sim.ExpireTokens() // page 2 gets 401 Token expired
		var out bytes.Buffer
		if _, err := out.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		if n := len(parseOrders(t, out.Bytes())); n != 1001 {
			t.Errorf("got %d orders, want 1001", n)
		}
		st := sim.Stats()
		if st.Logins != 2 || limitStarts(st) != "0,500,500,1000" {
			t.Errorf("%d logins, pages %s; want 2 logins and page 2 repeated once", st.Logins, limitStarts(st))
		}
	})
}

func TestOrderModifiedWhilePaging(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	for _, overlap := range []int{0, 10} {
		t.Run(fmt.Sprintf("PageOverlap %d", overlap), func(t *testing.T) {
			clk := newClock(first.Add(2 * time.Hour))
			sim, base := startSim(t, unassim.Config{Now: clk.Now})
			sim.AddOrdersXML(genOrders(700, first))
			// Before page 2, order 3 (on page 1) is modified, still inside
			// the window: it moves to the end, onto page 2.
			sim.OnGetOrder(func(call int, _ map[string]string) {
				if call == 2 {
					if err := sim.SetOrderXML(genKey(3), []byte(genOrder(3, first.Add(time.Hour), "v2"))); err != nil {
						t.Error(err)
					}
				}
			})
			src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour), PageOverlap: overlap})
			out, err := fetch(src, listOne(t, src))
			if err != nil {
				t.Fatal(err)
			}
			got := parseOrders(t, out)
			var n int
			for _, o := range got {
				if o.Key == genKey(3) {
					n++
					if o.Status != "v1" {
						t.Errorf("kept version %s of the moved order, want the first seen (v1)", o.Status)
					}
				}
			}
			if n != 1 {
				t.Errorf("the moved order appears %d times, want once", n)
			}
			// Plain offset paging misses the order pushed from page 2 onto
			// page 1; PageOverlap catches it.
			want := 699
			if overlap > 0 {
				want = 700
			}
			if len(got) != want {
				t.Errorf("got %d orders, want %d", len(got), want)
			}
		})
	}
}

func TestBan(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	clk := newClock(first.Add(2 * time.Hour))
	sim, base := startSim(t, unassim.Config{Now: clk.Now})
	sim.AddOrdersXML(genOrders(3, first))
	until := budapest("2026.11.18 11:14:01")
	sim.Ban(until)
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour)})
	f := listOne(t, src)
	_, err := fetch(src, f)
	var be *unasapi.BanError
	if !errors.Is(err, unasapi.ErrBanned) || !errors.As(err, &be) || !be.Until.Equal(until) {
		t.Fatalf("err = %v, want a ban until %v", err, until)
	}
	if !strings.Contains(err.Error(), "2026-11-18 11:14:01 CET") {
		t.Errorf("the error does not say when the ban lifts: %v", err)
	}
	// The source calls nothing more until the ban lifts.
	calls := sim.Stats()
	if _, err := fetch(src, f); !errors.Is(err, unasapi.ErrBanned) {
		t.Errorf("second fetch: err = %v, want ErrBanned", err)
	}
	if after := sim.Stats(); after.Banned != calls.Banned || after.GetOrderCalls != calls.GetOrderCalls {
		t.Errorf("the source called UNAS during the ban")
	}
	clk.Advance(2 * time.Hour)
	if _, err := fetch(src, f); err != nil {
		t.Errorf("after the ban: %v", err)
	}
}

func TestBanMessage(t *testing.T) {
	// The answer exactly as UNAS words it (sources.md A5): m.d.Y, Budapest.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error>Too much getOrder query, IP is banned till 05.24.2019 18:14:01!</Error>`)
	}))
	defer srv.Close()
	src := newSource(t, unasapi.Config{BaseURL: srv.URL, FirstWindowStart: time.Now().Add(-time.Hour)})
	_, err := fetch(src, listOne(t, src))
	var be *unasapi.BanError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *BanError", err)
	}
	want := time.Date(2019, 5, 24, 18, 14, 1, 0, unassim.Budapest)
	if !be.Until.Equal(want) || be.Until.UTC().Hour() != 16 {
		t.Errorf("Until = %v, want %v", be.Until, want)
	}
}

func TestHourlyLimitBansAtSimulator(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	clk := newClock(first.Add(2 * time.Hour))
	sim, base := startSim(t, unassim.Config{Now: clk.Now, HourlyLimit: 2})
	sim.AddOrdersXML(genOrders(1001, first))
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour), MaxCallsPerHour: 10})
	_, err := fetch(src, listOne(t, src))
	var be *unasapi.BanError
	if !errors.As(err, &be) || !be.Until.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("err = %v, want a one-hour ban", err)
	}
}

func TestCallBudget(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	clk := newClock(first.Add(2 * time.Hour))
	sim, base := startSim(t, unassim.Config{Now: clk.Now})
	sim.AddOrdersXML(genOrders(1001, first))
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour), MaxCallsPerHour: 2})
	f := listOne(t, src)
	_, err := fetch(src, f)
	if !errors.Is(err, unasapi.ErrCallBudget) {
		t.Fatalf("err = %v, want ErrCallBudget", err)
	}
	if n := sim.Stats().GetOrderCalls; n != 2 {
		t.Errorf("%d getOrder calls, want 2", n)
	}
	clk.Advance(time.Hour)
	src2 := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour), MaxCallsPerHour: 3})
	if _, err := fetch(src2, f); err != nil {
		t.Errorf("with a budget of 3: %v", err)
	}
	if _, err := fetch(src, f); !errors.Is(err, unasapi.ErrCallBudget) {
		t.Errorf("an hour later: err = %v, want ErrCallBudget again on page 3", err)
	}
}

func TestCursor(t *testing.T) {
	now := budapest("2026.11.20 06:00:00")
	clk := newClock(now)
	src := newSource(t, unasapi.Config{BaseURL: "http://127.0.0.1:1/shop", Now: clk.Now, FirstWindowStart: budapest("2026.11.01 00:00:00")})
	cursor := budapest("2026.11.19 22:00:00").Unix()
	src.SetCursor(strconv.FormatInt(cursor, 10))
	f := listOne(t, src)
	if want := fmt.Sprintf("TimeModStart=%d&", cursor-300); !strings.Contains(f.URI, want) {
		t.Errorf("URI %s, want %s (cursor − 5m overlap)", f.URI, want)
	}
	if f.Cursor != strconv.FormatInt(now.Unix()-60, 10) {
		t.Errorf("Cursor = %s, want now − 60s", f.Cursor)
	}

	src.SetCursor("")
	if f := listOne(t, src); !strings.Contains(f.URI, fmt.Sprintf("TimeModStart=%d&", budapest("2026.11.01 00:00:00").Unix())) {
		t.Errorf("no cursor: URI %s, want FirstWindowStart", f.URI)
	}

	// Empty window: the cursor is at (or past) now − Lag + Overlap.
	src.SetCursor(strconv.FormatInt(now.Unix()-60+300, 10))
	if files, err := src.List(context.Background()); err != nil || len(files) != 0 {
		t.Errorf("empty window: %v, %v; want no files", files, err)
	}
	src.SetCursor("yesterday")
	if _, err := src.List(context.Background()); err == nil {
		t.Error("a cursor that is no unix time was accepted")
	}
}

func TestEmptyResult(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	clk := newClock(first.Add(2 * time.Hour))
	_, base := startSim(t, unassim.Config{Now: clk.Now})
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first})
	out, err := fetch(src, listOne(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(parseOrders(t, out)); n != 0 {
		t.Errorf("got %d orders", n)
	}
	// Two empty windows must not have the same bytes (the archive would
	// skip the second and the cursor would never move).
	clk.Advance(time.Hour)
	src.SetCursor(listOne(t, src).Cursor)
	out2, err := fetch(src, listOne(t, src))
	if err != nil || bytes.Equal(out, out2) {
		t.Errorf("second empty window: %v, same bytes %v", err, bytes.Equal(out, out2))
	}
}

func TestLoginErrors(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	t.Run("wrong key", func(t *testing.T) {
		_, base := startSim(t, unassim.Config{})
		src := newSource(t, unasapi.Config{BaseURL: base, FirstWindowStart: first, APIKey: "wrong-secret-key"})
		_, err := fetch(src, listOne(t, src))
		if err == nil || !strings.Contains(err.Error(), "Login Error") {
			t.Fatalf("err = %v, want the login error", err)
		}
		if strings.Contains(err.Error(), "wrong-secret-key") {
			t.Errorf("the error shows the API key: %v", err)
		}
	})
	t.Run("no premium", func(t *testing.T) {
		_, base := startSim(t, unassim.Config{NoPremium: true})
		src := newSource(t, unasapi.Config{BaseURL: base, FirstWindowStart: first})
		_, err := fetch(src, listOne(t, src))
		if !errors.Is(err, unasapi.ErrPackageNeeded) {
			t.Fatalf("err = %v, want ErrPackageNeeded", err)
		}
	})
}

func TestTruncatedAnswer(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	t.Run("content length", func(t *testing.T) {
		clk := newClock(first.Add(2 * time.Hour))
		sim, base := startSim(t, unassim.Config{Now: clk.Now})
		sim.AddOrdersXML(genOrders(1001, first))
		src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour)})
		f := listOne(t, src)
		r, err := src.Open(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		sim.TruncateNext(3) // page 2, and both retries
		var out bytes.Buffer
		_, err = out.ReadFrom(r)
		if err == nil || !strings.Contains(err.Error(), "incomplete") {
			t.Fatalf("err = %v, want an incomplete answer", err)
		}
		if n := sim.Stats().GetOrderCalls; n != 4 {
			t.Errorf("%d getOrder calls, want 1 + 3 attempts", n)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		// A body that ends cleanly at the HTTP level but mid-document.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/login") {
				fmt.Fprintf(w, "<Login><Token>t</Token><ExpireTime>%d</ExpireTime><Status>ok</Status></Login>", time.Now().Add(time.Hour).Unix())
				return
			}
			doc := genOrders(2, first)
			w.Write(doc[:len(doc)-30])
		}))
		defer srv.Close()
		src := newSource(t, unasapi.Config{BaseURL: srv.URL, FirstWindowStart: time.Now().Add(-time.Hour)})
		_, err := fetch(src, listOne(t, src))
		if err == nil || !strings.Contains(err.Error(), "incomplete") {
			t.Fatalf("err = %v, want an incomplete answer", err)
		}
	})
}

func TestRetries(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	clk := newClock(first.Add(2 * time.Hour))
	sim, base := startSim(t, unassim.Config{Now: clk.Now})
	sim.AddOrdersXML(genOrders(3, first))
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour)})
	f := listOne(t, src)
	sim.FailNext(503, 429)
	if _, err := fetch(src, f); err != nil {
		t.Fatalf("after a 503 and a 429: %v", err)
	}
	sim.FailNext(500, 502, 503, 504)
	before := sim.Stats().GetOrderCalls
	_, err := fetch(src, f)
	var ae *unasapi.APIError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Fatalf("err = %v, want the last 5xx", err)
	}
	if n := sim.Stats().GetOrderCalls - before; n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestMaxPages(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	clk := newClock(first.Add(2 * time.Hour))
	sim, base := startSim(t, unassim.Config{Now: clk.Now})
	sim.AddOrdersXML(genOrders(1001, first))
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour), MaxPages: 2})
	if _, err := fetch(src, listOne(t, src)); !errors.Is(err, unasapi.ErrTooManyPages) {
		t.Fatalf("err = %v, want ErrTooManyPages", err)
	}
}

func TestNoRedirects(t *testing.T) {
	var hits int
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	src := newSource(t, unasapi.Config{BaseURL: srv.URL, FirstWindowStart: time.Now().Add(-time.Hour)})
	if _, err := fetch(src, listOne(t, src)); err == nil || !strings.Contains(err.Error(), "redirect") || hits != 0 {
		t.Fatalf("err = %v, %d hits on the target; want a redirect error and none", err, hits)
	}
}

func TestConfig(t *testing.T) {
	ok := unasapi.Config{APIKey: "k", FirstWindowStart: time.Now()}
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mod := range map[string]func(*unasapi.Config){
		"http remote":    func(c *unasapi.Config) { c.BaseURL = "http://api.unas.eu/shop" },
		"credentials":    func(c *unasapi.Config) { c.BaseURL = "https://u:p@api.unas.eu/shop" },
		"no key":         func(c *unasapi.Config) { c.APIKey = "" },
		"page size":      func(c *unasapi.Config) { c.PageSize = 501 },
		"no first":       func(c *unasapi.Config) { c.FirstWindowStart = time.Time{} },
		"page overlap":   func(c *unasapi.Config) { c.PageOverlap = 250 },
		"negative lag":   func(c *unasapi.Config) { c.Lag = -time.Second },
		"calls per hour": func(c *unasapi.Config) { c.MaxCallsPerHour = -1 },
	} {
		c := ok
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c := ok
	c.BaseURL = "http://127.0.0.1:8460/shop"
	if err := c.Validate(); err != nil {
		t.Errorf("http on loopback: %v", err)
	}
	c.APIKey = "very-secret"
	if s := fmt.Sprint(c.LogValue()); strings.Contains(s, "very-secret") {
		t.Errorf("LogValue shows the key: %s", s)
	}
}

func TestLatin2Answer(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-2"?>` + "\n<Orders><Order><Key>1</Key><Name><![CDATA[Őrség Tűzoltó]]></Name></Order></Orders>"
	latin2, err := charmap.ISO8859_2.NewEncoder().String(doc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/login") {
			fmt.Fprintf(w, "<Login><Token>t</Token><ExpireTime>%d</ExpireTime><Status>ok</Status></Login>", time.Now().Add(time.Hour).Unix())
			return
		}
		fmt.Fprint(w, latin2)
	}))
	defer srv.Close()
	src := newSource(t, unasapi.Config{BaseURL: srv.URL, FirstWindowStart: time.Now().Add(-time.Hour)})
	out, err := fetch(src, listOne(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("<Order><Key>1</Key><Name><![CDATA[Őrség Tűzoltó]]></Name></Order>")) {
		t.Errorf("the order was not converted to UTF-8: %s", out)
	}
}

func TestCancel(t *testing.T) {
	first := budapest("2026.11.18 08:00:00")
	clk := newClock(first.Add(2 * time.Hour))
	sim, base := startSim(t, unassim.Config{Now: clk.Now})
	sim.AddOrdersXML(genOrders(1001, first))
	src := newSource(t, unasapi.Config{BaseURL: base, Now: clk.Now, FirstWindowStart: first.Add(-time.Hour)})
	ctx, cancel := context.WithCancel(context.Background())
	r, err := src.Open(ctx, listOne(t, src))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
	r.Close() // waits for the pager to stop
	if n := sim.Stats().GetOrderCalls; n > 2 {
		t.Errorf("%d getOrder calls after the cancel, want at most 2", n)
	}
}
