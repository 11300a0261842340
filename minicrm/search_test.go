package minicrm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestSearchPaging pages through 250 contacts, each page in another shape.
func TestSearchPaging(t *testing.T) {
	var mu sync.Mutex
	var pages []string
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Api/R3/Contact" || r.Method != http.MethodGet {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		q := r.URL.Query()
		if q.Get("Email") != "a@b.hu" || q.Get("Type") != "Person" {
			t.Errorf("query %q lost the caller's filters", r.URL.RawQuery)
		}
		mu.Lock()
		pages = append(pages, q.Get("Page"))
		mu.Unlock()
		var b strings.Builder
		switch q.Get("Page") {
		case "0": // object keyed by id, numbers
			b.WriteString(`{"Count": 250, "Results": {`)
			for i := 1; i <= 100; i++ {
				if i > 1 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"%d": {"Id": %d, "Name": "P%d", "Type": "Person", "Email": "a@b.hu", "BusinessId": 9, "Url": "x"}`, i, i, i)
			}
			b.WriteString("}}")
		case "1": // array, ids and Count as strings
			b.WriteString(`{"Count": "250", "Results": [`)
			for i := 101; i <= 200; i++ {
				if i > 101 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"Id": "%d", "Name": "P%d", "Type": "Person", "Email": "", "BusinessId": ""}`, i, i)
			}
			b.WriteString("]}")
		case "2": // object with a BOM in front
			b.WriteString("\xEF\xBB\xBF" + `{"Count": "250", "Results": {`)
			for i := 201; i <= 250; i++ {
				if i > 201 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"%d": {"Id": "%d", "Name": "P%d"}`, i, i, i)
			}
			b.WriteString("}}")
		default:
			b.WriteString(`{"Count": 250, "Results": []}`)
		}
		writeJSON(w, b.String())
	})
	got, err := h.c.SearchContacts(context.Background(), url.Values{"Email": {"a@b.hu"}, "Type": {"Person"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d contacts, want 250", len(got))
	}
	for i, s := range got {
		if s.ID != int64(i+1) || s.Name != fmt.Sprintf("P%d", i+1) {
			t.Fatalf("contact %d = %+v", i, s)
		}
	}
	if s := got[0]; s.Type != "Person" || s.Email != "a@b.hu" || s.BusinessID != 9 || s.Fields["Url"] != "x" {
		t.Errorf("first summary = %+v", s)
	}
	if got := strings.Join(pages, ","); got != "0,1,2" {
		t.Errorf("pages requested %s, want 0,1,2", got)
	}
}

func TestSearchEmptyAndStuck(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, `{"Count": 0, "Results": []}`) })
	got, err := h.c.SearchProjects(context.Background(), url.Values{"ReferenceId": {"unas:1"}})
	if err != nil || len(got) != 0 {
		t.Fatalf("SearchProjects = %v, %v", got, err)
	}
	// A server that ignores Page and overstates Count must not loop forever.
	h = newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, `{"Count": 500, "Results": {"1": {"Id": 1, "Name": "A", "ContactId": 4, "StatusId": 2}}}`)
	})
	got, err = h.c.SearchProjects(context.Background(), url.Values{"CategoryId": {"2"}})
	if err != nil || len(got) != 1 || got[0].Fields["ContactId"] == nil {
		t.Fatalf("SearchProjects = %+v, %v", got, err)
	}
	if n := len(h.rec.all()); n != 2 {
		t.Errorf("%d requests, want 2 (stop on a page with nothing new)", n)
	}
}

func TestGetContactDetail(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Api/R3/Contact/42" {
			t.Errorf("path %s", r.URL.Path)
		}
		writeJSON(w, `{"Id": "42", "Type": "Szem\u00e9ly", "FirstName": "\u0150rs", "Tags": [], "Email": ""}`)
	})
	f, err := h.c.GetContact(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if f["Type"] != "Személy" || f["FirstName"] != "Őrs" || f["Email"] != "" {
		t.Errorf("fields = %v", f)
	}
	if _, err := h.c.GetContact(context.Background(), 0); err == nil {
		t.Error("GetContact(0) succeeded")
	}
}
