package mappings

import (
	"fmt"
	"strings"
	"testing"

	"minisync/pipeline"
)

// fakeRecord is a record over a flat map of paths, with children.
type fakeRecord struct {
	values   map[string]string
	children map[string][]pipeline.Record
}

func (r fakeRecord) Value(p string) (string, bool, error) {
	v, ok := r.values[p]
	return v, ok, nil
}

func (r fakeRecord) Children(p string) ([]pipeline.Record, error) { return r.children[p], nil }

func (r fakeRecord) Position() string { return "/Orders/Order[1]" }

func TestShippedMappingsCompile(t *testing.T) {
	for _, name := range Shipped() {
		s, err := Load(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		params := map[string]string{}
		for name, p := range s.Params {
			switch {
			case !p.Required:
			case p.Kind == "map":
				params[name] = `{"A": "B"}`
			default:
				params[name] = "X"
			}
		}
		if _, err := Compile(s, params, ""); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseMap(t *testing.T) {
	m, err := ParseMap("{\u201dÚj\u201d: \u201dNou\u201d, \"Kész\": \"Câștigat\"}")
	if err != nil || m["Új"] != "Nou" || m["Kész"] != "Câștigat" {
		t.Errorf("ParseMap with typographic quotes = %v, %v", m, err)
	}
	for _, bad := range []string{`{"a": "b", "a": "c"}`, `{"a": 1}`, `["a"]`, `{"a": "b"} x`, `{"a": "b"`, ``} {
		if _, err := ParseMap(bad); err == nil {
			t.Errorf("ParseMap(%q) accepted", bad)
		}
	}
}

func TestTransforms(t *testing.T) {
	tests := []struct{ name, arg, in, want, err string }{
		{"number", "", "12.345,67", "12345.67", ""},
		{"number", "", "1 234,50", "1234.5", ""},
		{"number", "", "7500.0000", "7500", ""},
		{"number", "", "-3,5", "-3.5", ""},
		{"number", "", "1,234,567", "1234567", ""},
		{"number", "", "12a", "", "not a number"},
		{"number", "", "NaN", "", "not a number"},
		{"percent", "", "27%", "27", ""},
		{"percent", "", "0.19", "19", ""},
		{"percent", "", "19", "19", ""},
		{"percent", "", "5,5 %", "5.5", ""},
		{"datetime", "", "2026.11.18 14:22:05", "2026-11-18T14:22:05+01:00", ""},
		{"datetime", "", "2026.07.01 08:00:00", "2026-07-01T08:00:00+02:00", ""},
		{"datetime", "Europe/Bucharest", "18.11.2026", "2026-11-18T00:00:00+02:00", ""},
		{"datetime", "", "1763472125", "2025-11-18T14:22:05+01:00", ""},
		{"datetime", "", "0000-00-00 00:00:00", "", ""},
		{"datetime", "", "18/11/2026", "", "known layout"},
		{"date", "", "2026.11.18.", "2026-11-18", ""},
		{"tax_id", "hu", "25566552-2-10", "HU25566552", ""},
		{"tax_id", "", "RO 14399840", "RO14399840", ""},
		{"tax_id", "ro", "14399841", "", "check digit"},
		{"collapse_space", "", "  Kovács \t Éva ", "Kovács Éva", ""},
		{"prefix", "UNAS ", "123", "UNAS 123", ""},
	}
	for _, tt := range tests {
		got, err := transforms[tt.name].fn(tt.in, []string{tt.arg})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s(%q) error = %v, want %q", tt.name, tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s:%s(%q) = %q, %v; want %q", tt.name, tt.arg, tt.in, got, err, tt.want)
		}
	}
}

const testMapping = `
name: t
format: unas-xml
record_date: {path: Date, transforms: [datetime]}
params:
  status_map: {kind: map, required: true}
  owner: {default: Anna}
lookups:
  status: {from_param: status_map}
  currency: {entries: {"Ft": "HUF", "lej": "RON"}}
entities:
  - name: order
    key: [key]
    key_prefix: "x:"
    fields:
      - {name: key, path: Key, required: true}
      - {name: status, path: Status, lookup: status}
      - {name: currency, path: Currency, lookup: currency, unknown: pass}
      - {name: channel, path: Channel, lookup: currency, unknown: default, default: web}
      - {name: owner, value: "${owner}"}
      - {name: email, path: Email, transforms: [trim, lower], validate: [email]}
  - name: item
    each: Items
    unless: [{path: Sku, in: [shipping-cost]}]
    key: [order, line]
    fields:
      - {name: order, path: ../Key}
      - {name: line, path: "#index"}
      - {name: sku, path: Sku}
`

func compileTest(t *testing.T, statusMap string) *Mapper {
	t.Helper()
	s, err := Parse([]byte(testMapping), "test")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(s, map[string]string{"status_map": statusMap}, "2026-11-01")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMapRecord(t *testing.T) {
	m := compileTest(t, `{"Új": "Nou"}`)
	item := func(sku string) pipeline.Record {
		return fakeRecord{values: map[string]string{"Sku": sku, "../Key": "K1"}}
	}
	rec := fakeRecord{
		values:   map[string]string{"Key": "K1", "Date": "2026.11.18 10:00:00", "Status": "Új", "Currency": "EUR", "Channel": "shop", "Email": " A@B.hu "},
		children: map[string][]pipeline.Record{"Items": {item("S1"), item("shipping-cost"), item("S2")}},
	}
	res, err := m.Map(rec)
	if err != nil || res.Reject != nil || res.Skip != "" {
		t.Fatalf("Map = %+v, %v", res, err)
	}
	got := []string{}
	for _, r := range res.Rows {
		got = append(got, r.Entity+" "+r.Key+" "+strings.Join(r.Values, ","))
	}
	want := []string{
		"order x:K1 K1,Nou,EUR,web,Anna,a@b.hu",
		"item K1|1 K1,1,S1",
		"item K1|2 K1,2,S2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	rec.values["Status"] = "Visszaküldve"
	res, _ = m.Map(rec)
	if res.Reject == nil || res.Reject.Field != "status" || res.Reject.Value != "Visszaküldve" || !strings.Contains(res.Reject.Reason, "params.status_map") {
		t.Errorf("unmapped status: %+v", res.Reject)
	}
	if len(res.Rows) != 0 {
		t.Errorf("a rejected record still produced %d rows", len(res.Rows))
	}

	rec.values["Status"] = "Új"
	rec.values["Email"] = "not-an-address"
	if res, _ = m.Map(rec); res.Reject == nil || res.Reject.Field != "email" {
		t.Errorf("bad e-mail: %+v", res.Reject)
	}

	rec.values["Email"] = ""
	rec.values["Date"] = "2026.10.31 23:59:59"
	if res, _ = m.Map(rec); res.Skip == "" || len(res.Rows) != 0 {
		t.Errorf("record before sync_start: %+v", res)
	}
}

// TestMapIntoMatchesMap maps records one after another into one Result:
// each time it holds what Map gives for the record alone, in the values
// slices of the record before.
func TestMapIntoMatchesMap(t *testing.T) {
	m := compileTest(t, `{"Új": "Nou"}`)
	order := func(key, status, date string, skus ...string) pipeline.Record {
		var items []pipeline.Record
		for _, sku := range skus {
			items = append(items, fakeRecord{values: map[string]string{"Sku": sku, "../Key": key}})
		}
		return fakeRecord{values: map[string]string{"Key": key, "Date": date, "Status": status, "Currency": "EUR"},
			children: map[string][]pipeline.Record{"Items": items}}
	}
	render := func(res Result) string {
		var b strings.Builder
		fmt.Fprintf(&b, "skip %q reject %v;", res.Skip, res.Reject)
		for _, r := range res.Rows {
			fmt.Fprintf(&b, " %s %s %s %q;", r.Entity, r.Key, r.Pos, r.Values)
		}
		return b.String()
	}
	records := []pipeline.Record{
		order("K1", "Új", "2026.11.18 10:00:00", "S1", "S2", "S3"),
		order("K2", "Új", "2026.11.19 10:00:00", "S9"),
		order("K3", "Visszaküldve", "2026.11.19 10:00:00", "S1"), // rejected
		order("K4", "Új", "2026.10.01 10:00:00", "S1"),           // before sync_start
		order("K5", "Új", "2026.11.20 10:00:00", "S4", "S5"),
	}
	var res Result
	var first *string
	for i, rec := range records {
		if err := m.MapInto(rec, &res); err != nil {
			t.Fatal(err)
		}
		want, err := m.Map(rec)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := render(res), render(want); got != want {
			t.Fatalf("record %d: MapInto gives\n%s\nMap gives\n%s", i, got, want)
		}
		if len(res.Rows) == 0 {
			continue
		}
		if first == nil {
			first = &res.Rows[0].Values[0]
		} else if &res.Rows[0].Values[0] != first {
			t.Errorf("record %d: the first row's values are a new slice, not the one before", i)
		}
	}
}

// TestParamsPerMapper: two mappers compiled from one parsed mapping with
// different parameters keep to their own values, record after record.
func TestParamsPerMapper(t *testing.T) {
	s, err := Parse([]byte(testMapping), "test")
	if err != nil {
		t.Fatal(err)
	}
	rec := fakeRecord{values: map[string]string{"Key": "K1", "Date": "2026.11.18 10:00:00", "Status": "Új"}}
	owner := func(m *Mapper) string {
		t.Helper()
		res, err := m.Map(rec)
		if err != nil || res.Reject != nil || len(res.Rows) == 0 {
			t.Fatalf("Map = %+v, %v", res, err)
		}
		return res.Rows[0].Values[4]
	}
	var mappers []*Mapper
	for _, name := range []string{"Anna", "Béla"} {
		m, err := Compile(s, map[string]string{"status_map": `{"Új": "Nou"}`, "owner": name}, "")
		if err != nil {
			t.Fatal(err)
		}
		mappers = append(mappers, m)
	}
	for range 2 {
		if a, b := owner(mappers[0]), owner(mappers[1]); a != "Anna" || b != "Béla" {
			t.Errorf("owners %q and %q, want Anna and Béla", a, b)
		}
	}
}

func TestCompileErrorsNameTheParameter(t *testing.T) {
	s, err := Parse([]byte(testMapping), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{}, "params.status_map: is required"},
		{map[string]string{"status_map": `{"a": "b", "a": "c"}`}, `"a" is given twice`},
		{map[string]string{"status_map": `{}`, "colour": "x"}, "params.colour: the mapping t has no such parameter"},
	} {
		if _, err := Compile(s, tc.params, ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%v) = %v, want %q", tc.params, err, tc.want)
		}
	}
}

func TestSpecValidation(t *testing.T) {
	bad := strings.Replace(testMapping, "transforms: [trim, lower]", "transforms: [trim, lowercase]", 1)
	if _, err := Parse([]byte(bad), "t"); err == nil || !strings.Contains(err.Error(), `unknown transform "lowercase"`) {
		t.Errorf("unknown transform: %v", err)
	}
	bad = strings.Replace(testMapping, "{name: key, path: Key, required: true}", "{name: run_id, path: Key}", 1)
	if _, err := Parse([]byte(bad), "t"); err == nil || !strings.Contains(err.Error(), "staging column") {
		t.Errorf("reserved column: %v", err)
	}
	bad = strings.Replace(testMapping, "lookup: status}", "lookup: statuses}", 1)
	if _, err := Parse([]byte(bad), "t"); err == nil || !strings.Contains(err.Error(), `"statuses" is not declared`) {
		t.Errorf("undeclared lookup: %v", err)
	}
	bad = strings.Replace(testMapping, "key: [key]", "key: [id]", 1)
	if _, err := Parse([]byte(bad), "t"); err == nil || !strings.Contains(err.Error(), `"id" is not one of the entity's fields`) {
		t.Errorf("bad key: %v", err)
	}
	bad = strings.Replace(testMapping, "key_prefix:", "keyprefix:", 1)
	if _, err := Parse([]byte(bad), "t"); err == nil || !strings.Contains(err.Error(), "keyprefix") {
		t.Errorf("unknown key: %v", err)
	}
}

// TestTransformArgumentsReadTheRecord: a {path} in an argument is read from
// each record in turn; the arguments of a literal transform are not.
func TestTransformArgumentsReadTheRecord(t *testing.T) {
	s, err := Parse([]byte(`name: t
format: csv
entities:
  - name: x
    key: [a]
    fields:
      - {name: a, path: Key, transforms: ["prefix:{Currency}-", "suffix:/"]}
      - {name: b, path: Key, transforms: [{replace: ["{Currency}", "?"]}]}
`), "t")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(s, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, cur := range []string{"HUF", "EUR"} {
		res, err := m.Map(fakeRecord{values: map[string]string{"Key": "k{Currency}", "Currency": cur}})
		if err != nil || res.Reject != nil || len(res.Rows) != 1 {
			t.Fatalf("Map = %+v, %v", res, err)
		}
		if got, want := strings.Join(res.Rows[0].Values, " "), cur+"-k{Currency}/ k?"; got != want {
			t.Errorf("values %q, want %q", got, want)
		}
	}
}
