package minicrm

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func sampleFeed() []FeedProject {
	return []FeedProject{{
		ID: "unas:27839-100120",
		Fields: []FeedField{
			{"Name", "UNAS 27839-100120"}, {"CategoryId", "2"}, {"StatusId", "Sikeres"},
			{"UserId", "Kovács Anna"}, {"UnasStatus", `Teljesítve <"kész"> & 'ok'`},
		},
		Business: &FeedBusiness{Name: "Șțefănescu & Fiii SRL", VatNumber: "RO123"},
		Contact:  &FeedContact{FirstName: "Őrs", LastName: "Kovács", Email: "a@b.hu"},
		Orders: []FeedOrder{{
			ID: "unas:27839-100120", Number: "27839-100120", CurrencyCode: "HUF",
			Performance: "2026-11-17 08:15:33", Status: "Issued", PaymentMethod: "Card",
			Products: []FeedProduct{{ID: "1003", Name: "Bögre <XL>", SKU: "B-1", PriceNet: "5110.24", Quantity: "1", Unit: "db", VAT: "27%"}},
		}},
	}, {
		ID:     "unas:2",
		Fields: []FeedField{{"Name", "Második"}, {"CategoryId", "2"}},
	}}
}

func TestBuildFeed(t *testing.T) {
	out, err := BuildFeed(sampleFeed())
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.HasPrefix(s, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Projects>") {
		t.Errorf("header: %.80q", s)
	}
	for _, want := range []string{
		`<Project Id="unas:27839-100120">`,
		`<UserId>Kovács Anna</UserId>`,
		`<UnasStatus>Teljesítve &lt;&#34;kész&#34;&gt; &amp; &#39;ok&#39;</UnasStatus>`,
		`<Name>Șțefănescu &amp; Fiii SRL</Name>`,
		`<FirstName>Őrs</FirstName>`,
		`<Emails>`, `<Value>a@b.hu</Value>`,
		`<Order Id="unas:27839-100120">`,
		`<Performance>2026-11-17 08:15:33</Performance>`,
		`<Product Id="1003">`, `<Name>Bögre &lt;XL&gt;</Name>`, `<VAT>27%</VAT>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("feed lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "<Phones>") || strings.Contains(s, "<LastName></LastName>") {
		t.Error("empty optional elements were written")
	}
	// Field order is kept, then Business, Contacts, Orders.
	order := []string{"<Name>UNAS", "<CategoryId>", "<StatusId>", "<UserId>", "<UnasStatus>", "<Business>", "<Contacts>", "<Orders>", `<Project Id="unas:2">`}
	last := -1
	for _, o := range order {
		i := strings.Index(s, o)
		if i <= last {
			t.Fatalf("%s out of order in:\n%s", o, s)
		}
		last = i
	}

	// The body parses back to the same values.
	var doc struct {
		Projects []struct {
			ID         string `xml:"Id,attr"`
			UnasStatus string
			Business   struct{ Name string }
			Contacts   struct {
				Contact []struct{ FirstName string }
			}
		} `xml:"Project"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Projects[0]
	if len(doc.Projects) != 2 || p.UnasStatus != `Teljesítve <"kész"> & 'ok'` || p.Business.Name != "Șțefănescu & Fiii SRL" || p.Contacts.Contact[0].FirstName != "Őrs" {
		t.Errorf("round trip = %+v", doc)
	}
}

func TestBuildFeedRejects(t *testing.T) {
	for name, ps := range map[string][]FeedProject{
		"empty id":       {{Fields: []FeedField{{"Name", "x"}}}},
		"duplicate id":   {{ID: "a"}, {ID: "a"}},
		"bad field name": {{ID: "a", Fields: []FeedField{{"Bad Name", "x"}}}},
		"markup name":    {{ID: "a", Fields: []FeedField{{"<x>", "x"}}}},
		"reserved name":  {{ID: "a", Fields: []FeedField{{"Orders", "x"}}}},
		"dup field":      {{ID: "a", Fields: []FeedField{{"Name", "x"}, {"Name", "y"}}}},
		"order no id":    {{ID: "a", Orders: []FeedOrder{{Number: "1"}}}},
	} {
		if _, err := BuildFeed(ps); err == nil {
			t.Errorf("%s: BuildFeed succeeded", name)
		}
	}
	out, err := BuildFeed(nil)
	if err != nil || !strings.Contains(string(out), "<Projects></Projects>") {
		t.Errorf("empty feed = %q, %v", out, err)
	}
}

func TestPushFeed(t *testing.T) {
	var gotBody atomic.Value
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/Api/SyncFeed/12345/Upload" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/xml" {
			t.Errorf("Content-Type = %q", ct)
		}
		b, _ := io.ReadAll(r.Body)
		gotBody.Store(string(b))
		writeJSON(w, `{"Status": "OK", "Projects": {
			"unas:27839-100120": {"Id": "88", "Status": "Created", "Message": ""},
			"unas:2": {"Id": 0, "Status": "Error", "Message": "Project (POST): Invalid value 'X' for the StatusId field."}}}`)
	})
	res, err := h.c.PushFeed(context.Background(), sampleFeed())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(gotBody.Load().(string), `<Project Id="unas:2">`) {
		t.Errorf("body = %s", gotBody)
	}
	if r := res["unas:27839-100120"]; r != (FeedResult{ID: 88, Status: "Created"}) {
		t.Errorf("first result = %+v", r)
	}
	if r := res["unas:2"]; r.Status != "Error" || !strings.Contains(r.Message, "StatusId") {
		t.Errorf("second result = %+v", r)
	}
}

func TestPushFeedRetriedAndRejected(t *testing.T) {
	var n atomic.Int32
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			dropConn(t, w, r) // an upsert: safe to send again
			return
		}
		writeText(w, 400, "SyncFeed (POST): Invalid XML: bad")
	})
	_, err := h.c.PushFeed(context.Background(), sampleFeed()[1:])
	if err == nil || !strings.Contains(err.Error(), "Invalid XML") || n.Load() != 2 {
		t.Fatalf("err = %v after %d requests", err, n.Load())
	}
	if res, err := h.c.PushFeed(context.Background(), nil); err != nil || len(res) != 0 || n.Load() != 2 {
		t.Errorf("empty push = %v, %v (requests %d)", res, err, n.Load())
	}
}
