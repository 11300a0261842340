package delimited_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/formats/delimited"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// invoiceOpts reads testdata/invoices.csv: UTF-8 with a BOM, CRLF, one row
// per invoice line.
var invoiceOpts = delimited.Options{Header: true, GroupBy: "Számlaszám", Encoding: "auto", FallbackEncoding: "windows-1250"}

// readRecords reads r to the end and fails the test on any error.
func readRecords(t *testing.T, opts delimited.Options, r io.Reader) []pipeline.Record {
	t.Helper()
	f, err := delimited.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := xmlstreamtest.ReadAll(t, f, r, "invoices.csv")
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func value(t *testing.T, rec pipeline.Record, path string) string {
	t.Helper()
	v, ok, err := rec.Value(path)
	if err != nil || !ok {
		t.Fatalf("%s: Value(%q) = %q, %v, %v", rec.Position(), path, v, ok, err)
	}
	return v
}

func TestGroupedInvoices(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "invoices.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs := readRecords(t, invoiceOpts, f) // an *os.File: the seekable path

	type line struct{ pos, item, qty string }
	want := []struct {
		pos, invoice, customer string
		lines                  []line
	}{
		{"lines 2–3 (Számlaszám SZ-2026-0041)", "SZ-2026-0041", "Kovács Éva", []line{
			{"line 2 (Számlaszám SZ-2026-0041)", "Tükörfúrógép 220 V", "2"},
			{"line 3 (Számlaszám SZ-2026-0041)", "Fúrógép kefe készlet (12 db)", "3"},
		}},
		{"lines 5–7 (Számlaszám SZ-2026-0042)", "SZ-2026-0042", "Árvíztűrő Tükörfúrógép Kft.", []line{
			{"line 5 (Számlaszám SZ-2026-0042)", "Csavar; horganyzott", "100"},
			{"line 6 (Számlaszám SZ-2026-0042)", `Tipli "S" 8 mm`, "100"},
			{"line 7 (Számlaszám SZ-2026-0042)", "Szállítási költség\nGLS futár", "1"},
		}},
		{"lines 9–10 (Számlaszám SZ-2026-0043)", "SZ-2026-0043", "Brașov Mobilă SRL", []line{
			{"line 9 (Számlaszám SZ-2026-0043)", "Tükörfúrógép 220 V", "1"},
			{"line 10 (Számlaszám SZ-2026-0043)", "Szállítási költség", "1"},
		}},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d invoices, want %d", len(recs), len(want))
	}
	for i, w := range want {
		inv := recs[i]
		if inv.Position() != w.pos {
			t.Errorf("invoice %d position = %q, want %q", i+1, inv.Position(), w.pos)
		}
		if got := value(t, inv, "Számlaszám"); got != w.invoice {
			t.Errorf("%s: Számlaszám = %q", w.pos, got)
		}
		if got := value(t, inv, "vevő"); got != w.customer { // case-insensitive, from the first row
			t.Errorf("%s: Vevő = %q, want %q", w.pos, got, w.customer)
		}
		if got := value(t, inv, "Tétel"); got != w.lines[0].item {
			t.Errorf("%s: Tétel = %q, want the first row's %q", w.pos, got, w.lines[0].item)
		}
		for _, path := range []string{"lines", ""} {
			rows, err := inv.Children(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(w.lines) {
				t.Fatalf("%s: Children(%q) has %d rows, want %d", w.pos, path, len(rows), len(w.lines))
			}
			for j, wl := range w.lines {
				r := rows[j]
				if r.Position() != wl.pos || value(t, r, "Tétel") != wl.item || value(t, r, "Mennyiség") != wl.qty {
					t.Errorf("row %d = %s %q %q, want %+v", j+1, r.Position(), value(t, r, "Tétel"), value(t, r, "Mennyiség"), wl)
				}
				if kids, err := r.Children("lines"); kids != nil || err != nil {
					t.Errorf("%s: a row has children %v, %v", r.Position(), kids, err)
				}
			}
		}
		if _, err := inv.Children("Items/Item"); err == nil {
			t.Errorf("%s: Children(Items/Item) gave no error", w.pos)
		}
		if v, ok, err := inv.Value("Nincs ilyen"); v != "" || ok || err != nil {
			t.Errorf("%s: Value of a missing column = %q, %v, %v", w.pos, v, ok, err)
		}
	}
}

func TestGroupErrors(t *testing.T) {
	in := "Számlaszám;Tétel;Db\n" +
		"SZ-1;a;1\n" + // 2
		"SZ-1;b;2\n" + // 3
		"SZ-2;c;1\n" + // 4
		"SZ-2;d\n" + // 5: short, spoils SZ-2
		"SZ-3;e;1\n" + // 6
		";f;1\n" + // 7: no group value, rejected alone
		"SZ-3;g;1\n" + // 8
		"SZ-1;h;1\n" + // 9: SZ-1 again
		"SZ-1;i;1\n" + // 10
		"SZ-4;j;1\n" + // 11
		"SZ-2;k;1\n" // 12: SZ-2 again, though SZ-2 was rejected
	res := read(t, delimited.Options{Header: true, GroupBy: "Számlaszám"}, strings.NewReader(in))
	if res.fatal != nil {
		t.Fatal(res.fatal)
	}
	want := []outcome{
		rec("lines 2–3 (Számlaszám SZ-1)", "SZ-1", "a", "1"),
		rej("lines 4–5 (Számlaszám SZ-2): line 5: 2 fields, the header has 3"),
		rej("line 7: Számlaszám: no value in the GroupBy column"),
		rec("lines 6–8 (Számlaszám SZ-3)", "SZ-3", "e", "1"),
		rej("lines 9–10 (Számlaszám SZ-1): rows of Számlaszám SZ-1 are not together (first at line 2)"),
		rec("line 11 (Számlaszám SZ-4)", "SZ-4", "j", "1"),
		rej("line 12 (Számlaszám SZ-2): rows of Számlaszám SZ-2 are not together (first at line 4)"),
	}
	checkResult(t, dialectCase{want: want}, res)
}

func TestValueLookup(t *testing.T) {
	recs := readRecords(t, delimited.Options{Header: true}, strings.NewReader("Email;EMAIL2;Név;NÉV\na@x.hu;b@x.hu;Éva;ÉVA\n"))
	r := recs[0]
	for path, want := range map[string]string{"Email": "a@x.hu", "email": "a@x.hu", "email2": "b@x.hu", "Név": "Éva", "NÉV": "ÉVA"} {
		if got := value(t, r, path); got != want {
			t.Errorf("Value(%q) = %q, want %q", path, got, want)
		}
	}
	if _, _, err := r.Value("név"); err == nil || !strings.Contains(err.Error(), "several columns") {
		t.Errorf("ambiguous Value(név) error = %v", err)
	}
	if v, ok, err := r.Value("Telefon"); v != "" || ok || err != nil {
		t.Errorf("Value(Telefon) = %q, %v, %v; want no column", v, ok, err)
	}
	if kids, err := r.Children(""); kids != nil || err != nil {
		t.Errorf("Children of a row = %v, %v", kids, err)
	}
	if r.Position() != "line 2" {
		t.Errorf("Position = %q", r.Position())
	}
}

func TestHeaderless(t *testing.T) {
	recs := readRecords(t, delimited.Options{GroupBy: "1"}, strings.NewReader("SZ-1;a\nSZ-1;b\nSZ-2;c\n"))
	if len(recs) != 2 || recs[0].Position() != "lines 1–2 (1 SZ-1)" || value(t, recs[1], "2") != "c" {
		t.Fatalf("got %d records, first at %s", len(recs), recs[0].Position())
	}
	if v, ok, err := recs[0].Value("3"); v != "" || ok || err != nil {
		t.Errorf("Value(3) = %q, %v, %v; want no column", v, ok, err)
	}
	if _, _, err := recs[0].Value("Számlaszám"); err == nil || !strings.Contains(err.Error(), "without a header") {
		t.Errorf("Value by name without a header: error = %v", err)
	}
}
