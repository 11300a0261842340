package mappings

import (
	"strings"
	"testing"

	"minisync/pipeline"
)

func TestMoreTransforms(t *testing.T) {
	tests := []struct {
		name string
		args []string
		in   string
		want string
		err  string
	}{
		{"title", nil, "kovács éva", "Kovács Éva", ""},
		{"concat", []string{" ", "Kft."}, "Árvíztűrő", "Árvíztűrő Kft.", ""},
		{"replace", []string{"#", ""}, "#12#3", "123", ""},
		{"split", []string{" ", "0"}, "Ștefan Țurcanu", "Ștefan", ""},
		{"split", []string{" ", "-1"}, "Ștefan Țurcanu", "Țurcanu", ""},
		{"split", []string{" ", "5"}, "a b", "", ""},
		{"regex", []string{`^SZ-(\d+)`}, "SZ-2026-0042", "2026", ""},
		{"regex", []string{`^\d{8}`}, "25566552-2-10", "25566552", ""},
		{"regex", []string{`^\d{8}`}, "abc", "", "does not match"},
		{"regex_replace", []string{`[^0-9]`, ""}, "+36 (30) 123-4567", "36301234567", ""},
	}
	for _, tt := range tests {
		got, err := transforms[tt.name].fn(tt.in, tt.args)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s%v(%q) error = %v, want %q", tt.name, tt.args, tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s%v(%q) = %q, %v; want %q", tt.name, tt.args, tt.in, got, err, tt.want)
		}
	}
}

func TestEUVAT(t *testing.T) {
	for _, ok := range []string{"RO14399840", "HU25566552", "PL1234563218", "DE123456789", "EL 094259216"} {
		if err := checkEUVAT(ok); err != nil {
			t.Errorf("checkEUVAT(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"RO14399841", "HU25566553", "PL1234563219", "US123456789", "14399840", "HU255665"} {
		if err := checkEUVAT(bad); err == nil {
			t.Errorf("checkEUVAT(%q) accepted", bad)
		}
	}
}

const languageMapping = `
name: offers
format: csv
filters:
  - {path: Vevő, matches: "(?i)^teszt", reason: test customer}
  - {path: Összeg, transforms: [number], below: 100, reason: offer under 100}
lookups:
  currency: {entries: {"Ft": "HUF", "HUF": "HUF", "€": "EUR", "EUR": "EUR", "lei": "RON"}}
entities:
  - name: offer
    key: [number]
    fields:
      - {name: number, path: Szám, required: true, pattern: "AJ-[0-9]{4}-[0-9]{3}"}
      - {name: amount, path: Összeg, transforms: [number]}
      - {name: currency, path: Pénznem, transforms: [trim], lookup: currency}
      - {name: vat, path: ÁFA, transforms: [percent]}
      - {name: discount, path: Kedvezmény, transforms: [percent], default: "0"}
      - {name: note, path: Megjegyzés, transforms: [{replace: ["#", ""]}, collapse_space], max_length: 20}
      - {name: customer, path: Vevő, transforms: [collapse_space, {concat: [" (", "{Város}", ")"]}]}
`

func TestMappingLanguage(t *testing.T) {
	s, err := Parse([]byte(languageMapping), "offers")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(s, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var misses []LookupMiss
	m.OnLookupMiss(func(x LookupMiss) { misses = append(misses, x) })
	rec := func(kv ...string) pipeline.Record {
		r := fakeRecord{values: map[string]string{}}
		for i := 0; i < len(kv); i += 2 {
			r.values[kv[i]] = kv[i+1]
		}
		return r
	}
	base := []string{"Szám", "AJ-2026-001", "Összeg", "12.345,67", "Pénznem", " Ft", "ÁFA", "0,27", "Kedvezmény", "", "Megjegyzés", "#sürgős#  ajánlat", "Vevő", "Kovács  Kft.", "Város", "Pécs"}
	res, err := m.Map(rec(base...))
	if err != nil || res.Reject != nil || res.Skip != "" {
		t.Fatalf("Map = %+v, %v", res, err)
	}
	if got := strings.Join(res.Rows[0].Values, "|"); got != "AJ-2026-001|12345.67|HUF|27|0|sürgős ajánlat|Kovács Kft. (Pécs)" {
		t.Errorf("row = %s", got)
	}

	with := func(k, v string) []string {
		out := append([]string(nil), base...)
		for i := 0; i < len(out); i += 2 {
			if out[i] == k {
				out[i+1] = v
			}
		}
		return out
	}
	for _, tc := range []struct {
		rec         []string
		skip, field string
	}{
		{with("Vevő", "TESZT Elek"), "test customer", ""},
		{with("Összeg", "99,99"), "offer under 100", ""},
		{with("Pénznem", "USD"), "", "currency"},
		{with("Szám", "AJ-26-1"), "", "number"},
		{with("Megjegyzés", "egy nagyon hosszú megjegyzés szöveg"), "", "note"},
		{with("Összeg", "sok"), "", "Összeg"},
	} {
		res, err := m.Map(rec(tc.rec...))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.skip != "" && res.Skip != tc.skip:
			t.Errorf("%v: skip %q, want %q", tc.rec, res.Skip, tc.skip)
		case tc.field != "" && (res.Reject == nil || res.Reject.Field != tc.field):
			t.Errorf("%v: reject %+v, want field %s", tc.rec, res.Reject, tc.field)
		}
	}
	if len(misses) != 1 || misses[0].Value != "USD" || misses[0].Lookup != "currency" || misses[0].Policy != "reject" {
		t.Errorf("lookup misses = %+v, want USD in currency", misses)
	}
}

func TestTransformSpellings(t *testing.T) {
	bad := strings.Replace(languageMapping, `{replace: ["#", ""]}`, `{replace: []}`, 1)
	if _, err := Parse([]byte(bad), "x"); err == nil || !strings.Contains(err.Error(), "takes 1 to 2 arguments") {
		t.Errorf("replace without arguments: %v", err)
	}
	bad = strings.Replace(languageMapping, `reason: test customer`, `reason: ""`, 1)
	if _, err := Parse([]byte(bad), "x"); err == nil || !strings.Contains(err.Error(), "reason is required") {
		t.Errorf("filter without reason: %v", err)
	}
	bad = strings.Replace(languageMapping, `below: 100`, `below: 100, above: 5`, 1)
	if _, err := Parse([]byte(bad), "x"); err == nil || !strings.Contains(err.Error(), "exactly one of") {
		t.Errorf("filter with two conditions: %v", err)
	}
}
