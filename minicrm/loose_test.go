package minicrm

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestLooseInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: `12`, want: 12},
		{in: `"12"`, want: 12},
		{in: `" 12 "`, want: 12},
		{in: `12.0`, want: 12},
		{in: `"1.2e3"`, want: 1200},
		{in: `-7`, want: -7},
		{in: `""`, want: 0},
		{in: `null`, want: 0},
		{in: `9007199254740993`, want: 9007199254740993},
		{in: `12.5`, bad: true},
		{in: `"abc"`, bad: true},
		{in: `true`, bad: true},
		{in: `[]`, bad: true},
	} {
		var n looseInt
		err := json.Unmarshal([]byte(tc.in), &n)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: decoded %d, want an error", tc.in, n)
			}
			continue
		}
		if err != nil || int64(n) != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.in, n, err, tc.want)
		}
	}
}

func TestLooseString(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: `"Kovács"`, want: "Kovács"},
		{in: `"\u0150r\u0219"`, want: "Őrș"},
		{in: `"7500.0000"`, want: "7500.0000"},
		{in: `7500.5`, want: "7500.5"},
		{in: `12`, want: "12"},
		{in: `true`, want: "true"},
		{in: `null`, want: ""},
		{in: `""`, want: ""},
		{in: `[]`, want: ""},
		{in: `{}`, want: ""},
		{in: `["a"]`, bad: true},
		{in: `{"a":1}`, bad: true},
	} {
		var s looseString
		err := json.Unmarshal([]byte(tc.in), &s)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: decoded %q, want an error", tc.in, s)
			}
			continue
		}
		if err != nil || string(s) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.in, s, err, tc.want)
		}
	}
}

func TestSearchPageShapes(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		count    int64
		ids      []int64
	}{
		{"object keyed by id", `{"Count": 2, "Results": {"7": {"Id": 7, "Name": "A"}, "3": {"Id": "3", "Name": "B"}}}`, 2, []int64{7, 3}},
		{"object without Id uses key", `{"Count": "1", "Results": {"42": {"Name": "A"}}}`, 1, []int64{42}},
		{"array", `{"Count": "2", "Results": [{"Id": "5"}, {"Id": 6}]}`, 2, []int64{5, 6}},
		{"empty array", `{"Count": 0, "Results": []}`, 0, nil},
		{"empty object", `{"Count": "0", "Results": {}}`, 0, nil},
		{"empty string", `{"Count": "", "Results": ""}`, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p searchPage
			if err := json.Unmarshal([]byte(tc.in), &p); err != nil {
				t.Fatal(err)
			}
			if int64(p.Count) != tc.count {
				t.Errorf("Count = %d, want %d", p.Count, tc.count)
			}
			var ids []int64
			for _, r := range p.Results {
				s, err := decodeSummary(r)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, s.ID)
			}
			if len(ids) != len(tc.ids) {
				t.Fatalf("ids = %v, want %v", ids, tc.ids)
			}
			for i := range ids {
				if ids[i] != tc.ids[i] {
					t.Fatalf("ids = %v, want %v (order kept)", ids, tc.ids)
				}
			}
		})
	}
}

func TestDecodeJSONAnswer(t *testing.T) {
	hdr := func(ct string) http.Header { return http.Header{"Content-Type": {ct}} }
	var v idAnswer
	a := &attempt{status: 200, header: hdr("application/json; charset=utf-8"), body: []byte("\xEF\xBB\xBF{\"Id\":\"9\"}")}
	if err := decodeJSON(a, &v); err != nil || v.ID != 9 {
		t.Fatalf("BOM answer: got %d, %v", v.ID, err)
	}
	a = &attempt{status: 200, header: hdr("text/html; charset=utf-8"), body: []byte(`{"Id":9}`)}
	err := decodeJSON(a, &v)
	if err == nil || !strings.Contains(err.Error(), "text/html") {
		t.Fatalf("HTML answer: err = %v, want one naming text/html", err)
	}
	var f Fields
	a = &attempt{status: 200, header: hdr("application/json"), body: []byte(`{"Id": 12345678901, "Name": "x", "Tags": []}`)}
	if err := decodeJSON(a, &f); err != nil {
		t.Fatal(err)
	}
	if f["Id"] != json.Number("12345678901") {
		t.Errorf("Id = %#v, want json.Number", f["Id"])
	}
}
