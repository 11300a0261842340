package minicrm

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

const projectSchema = `{
  "Name": "Text(512)", "ContactId": "Int", "BusinessId": "Int", "ReferenceId": "Text(512)",
  "StatusId": {"2501": "\u00daj", "2502": "Sikeres", "2503": "Sikertelen", "2504": "A", "2505": "B", "2506": "C", "2507": "D"},
  "UserId": {"11": "Kov\u00e1cs Anna", "12": "2024"},
  "UnasStatus": "Text(1024)",
  "Empty": [],
  "List": ["Egy", "Kett\u0151"]
}`

func TestSchema(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Api/R3/Schema/Project/2" {
			t.Errorf("path %s", r.URL.Path)
		}
		writeJSON(w, projectSchema)
	})
	s, err := h.c.Schema(context.Background(), "Project/2")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Has("UnasStatus") || s.Has("unasstatus") || s.Has("Missing") {
		t.Error("Has is wrong")
	}
	if ft := s["Name"]; ft.Type != "Text(512)" || ft.Options != nil {
		t.Errorf("Name = %+v", ft)
	}
	if ft := s["StatusId"]; ft.Type != "Enum" || len(ft.Options) != 7 || ft.Options[2501] != "Új" {
		t.Errorf("StatusId = %+v", ft)
	}
	if ft := s["Empty"]; ft.Type != "Enum" || len(ft.Options) != 0 {
		t.Errorf("Empty = %+v", ft)
	}
	if ft := s["List"]; ft.Options[1] != "Kettő" {
		t.Errorf("List = %+v", ft)
	}

	for _, tc := range []struct {
		field, value string
		want         int64
	}{
		{"StatusId", "2502", 2502},
		{"StatusId", "Sikeres", 2502},
		{"StatusId", " sikeres ", 2502},
		{"StatusId", "Új", 2501},
		{"UserId", "Kovács Anna", 11},
		{"UserId", "12", 12},
		{"UserId", "2024", 12}, // a numeric label that is no option id
	} {
		got, err := s.Resolve(tc.field, tc.value)
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%s, %q) = %d, %v; want %d", tc.field, tc.value, got, err, tc.want)
		}
	}
	_, err = s.Resolve("StatusId", "Foo")
	for _, want := range []string{"StatusId", `"Foo"`, `2501 "Új"`, "2 more"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve(StatusId, Foo) error %v lacks %s", err, want)
		}
	}
	if _, err := s.Resolve("Name", "x"); err == nil {
		t.Error("Resolve on a text field succeeded")
	}
	if _, err := s.Resolve("Nope", "x"); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("Resolve on a missing field: %v", err)
	}
}

func TestSchemaKind(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, `{"FirstName": "Text(512)"}`) })
	for _, k := range []string{"Person", "Business", "Project/12"} {
		if _, err := h.c.Schema(context.Background(), k); err != nil {
			t.Errorf("Schema(%q): %v", k, err)
		}
	}
	for _, k := range []string{"", "person", "Project/", "Project/x", "Project/1/../2", "../Person"} {
		if _, err := h.c.Schema(context.Background(), k); err == nil {
			t.Errorf("Schema(%q) succeeded", k)
		}
	}
}

func TestCategories(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, `{"1": "Webshop", "2": "Megrendel\u00e9sek", "3": {"Id": 3, "Name": "Detailed"}}`)
	})
	got, err := h.c.Categories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1] != "Webshop" || got[2] != "Megrendelések" || got[3] != "Detailed" {
		t.Errorf("categories = %v", got)
	}
	h = newHarness(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, `[]`) })
	if got, err := h.c.Categories(context.Background()); err != nil || len(got) != 0 {
		t.Errorf("empty categories = %v, %v", got, err)
	}
}
