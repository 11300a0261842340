package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/fixtures"
	"minisync/minicrm/sim"
)

// erpEnv is an integration over a local folder sending to an in-process
// MiniCRM simulator, written as a customer would write it.
type erpEnv struct {
	t       *testing.T
	dir     string
	exports string
	file    string
	crm     *sim.Server
}

func newERPEnv(t *testing.T, body string) *erpEnv {
	t.Helper()
	dir := t.TempDir()
	e := &erpEnv{t: t, dir: dir, exports: filepath.Join(dir, "exports"), file: filepath.Join(dir, "erp.yaml")}
	if err := os.MkdirAll(e.exports, 0o755); err != nil {
		t.Fatal(err)
	}
	crm, err := sim.New(sim.Config{SystemID: "4242", APIKey: "erp-test-key-0123456789abcdef0123", R3PerMinute: 6000})
	if err != nil {
		t.Fatal(err)
	}
	url, err := crm.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { crm.Close() })
	e.crm = crm
	t.Setenv("ERP_TEST_MINICRM_KEY", "erp-test-key-0123456789abcdef0123")
	body += fmt.Sprintf("minicrm:\n  url: %s\n  system_id: \"4242\"\n  api_key_env: ERP_TEST_MINICRM_KEY\n  r3_per_minute: 6000\n", url)
	if err := os.WriteFile(e.file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *erpEnv) deliver(fsys fs.FS, path, name string) {
	e.t.Helper()
	b, err := fs.ReadFile(fsys, path)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.exports, name), b, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *erpEnv) cards(module int) map[string]sim.Project {
	out := map[string]sim.Project{}
	for _, p := range e.crm.Projects() {
		if p.CategoryID == module {
			out[p.ReferenceID] = p
		}
	}
	return out
}

func TestERPOffersEndToEnd(t *testing.T) {
	e := newERPEnv(t, `name: erp-offers
source: {type: local, dir: exports, glob: "offers-*.csv", date_pattern: 'offers-(\d{4}-\d{2}-\d{2})'}
format: {type: csv, delimiter: ";"}
mapping: erp-offers
params:
  owner: Kovács Anna
  status_map: '{"Kiküldve": "Ajánlat kiküldve", "Elfogadva": "Elfogadva", "Elutasítva": "Elutasítva"}'
`)
	e.deliver(fixtures.ERP, "erp/offers-2026-11-19.csv", "offers-2026-11-19.csv")
	code, out, errOut := cli(t, "run", e.file)
	if code != exitRejects {
		t.Fatalf("run: exit %d, want %d (rejects)\n%s\n%s", code, exitRejects, out, errOut)
	}
	for _, want := range []string{
		"7 records → 9 rows, 2 rejected, 2 skipped",
		`offer.status: value "Tárgyalás": no entry for this value in lookup status (params.status_map)`,
		"Hungarian tax number 12892313 fails its check digit",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	cards := e.cards(3)
	if len(cards) != 3 {
		t.Fatalf("%d offer cards, want 3: %v", len(cards), cards)
	}
	c := cards["erp-offer:AJ-2026-103"]
	if c.Fields["OfferNumber"] != "AJ-2026-103" || c.Fields["Currency"] != "EUR" || c.Fields["Amount"] != "12480" || c.Name != "Ajánlat AJ-2026-103" {
		t.Errorf("card AJ-2026-103 = %+v", c)
	}
	if c.ContactID == 0 || c.BusinessID == 0 {
		t.Errorf("card AJ-2026-103 is not linked to its contact and company: %+v", c)
	}
	if cards["erp-offer:AJ-2026-102"].UserID != 2 { // Nagy Péter, the offer's salesperson
		t.Errorf("card AJ-2026-102 owner %d, want Nagy Péter (2)", cards["erp-offer:AJ-2026-102"].UserID)
	}
	// The same export again changes nothing and sends nothing.
	before := e.crm.Stats().Total().Requests
	e.deliver(fixtures.ERP, "erp/offers-2026-11-19.csv", "offers-2026-11-19-again.csv")
	if code, out, _ := cli(t, "run", e.file); code != exitOK || !strings.Contains(out, "send: nothing pending") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
	if e.crm.Stats().Total().Requests != before {
		t.Error("the repeated export made requests")
	}
}

func TestERPInvoicesWindows1250EndToEnd(t *testing.T) {
	e := newERPEnv(t, `name: erp-invoices
source: {type: local, dir: exports, glob: "invoices-*.csv", date_pattern: 'invoices-(\d{4}-\d{2}-\d{2})'}
format: {type: csv, delimiter: ";", encoding: utf-8, fallback_encoding: windows-1250, group_by: Számlaszám}
mapping: erp-invoices
params:
  owner: Kovács Anna
`)
	e.deliver(fixtures.ERP, "erp/invoices-2026-11-19.csv", "invoices-2026-11-19.csv")
	code, out, errOut := cli(t, "run", e.file)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	cards := e.cards(4)
	if len(cards) != 3 {
		t.Fatalf("%d invoice cards, want 3", len(cards))
	}
	// 77 980 + 14 970, summed exactly over the lines.
	if got := cards["erp-invoice:SZ-2026-0101"].Fields["Amount"]; got != "92950" {
		t.Errorf("SZ-2026-0101 amount %q, want 92950", got)
	}
	if got := cards["erp-invoice:SZ-2026-0102"].Fields["DueDate"]; !strings.HasPrefix(got, "2026-12-02") {
		t.Errorf("SZ-2026-0102 due %q", got)
	}
	code, out, _ = cli(t, "query", e.file, "--format", "csv",
		"SELECT name FROM stg_invoice_line WHERE natural_key = 'erp-invoice:SZ-2026-0102|2'")
	if code != exitOK || !strings.Contains(out, "Lapátos ásó, 60 cm (nyél nélkül)") {
		t.Errorf("the windows-1250 line with an embedded newline: exit %d\n%s", code, out)
	}
}

func TestEFacturaAndSagaEndToEnd(t *testing.T) {
	e := newERPEnv(t, `name: efactura
source: {type: local, dir: exports, glob: "efactura-*.xml"}
mapping: efactura-invoices
params:
  owner: Kovács Anna
`)
	for _, f := range []string{"efactura-BM-2026-0117.xml", "efactura-BM-2026-0118.xml", "efactura-BM-2026-0119.xml"} {
		e.deliver(fixtures.EFactura, "efactura/"+f, f)
	}
	if code, out, errOut := cli(t, "run", e.file); code != exitOK {
		t.Fatalf("e-Factura run: exit %d\n%s\n%s", code, out, errOut)
	}
	if cards := e.cards(4); len(cards) != 3 {
		t.Errorf("%d e-Factura invoice cards, want 3", len(cards))
	}

	s := newERPEnv(t, `name: saga
source: {type: local, dir: exports, glob: "F_*.xml", date_pattern: '_(\d{4}-\d{2}-\d{2})\.xml$'}
mapping: saga-invoices
params:
  owner: Kovács Anna
  own_cif: "14399840"
`)
	s.deliver(fixtures.Saga, "saga/F_14399840_1001_2026-11-19.xml", "F_14399840_1001_2026-11-19.xml")
	s.deliver(fixtures.Saga, "saga/F_14399840_1002_2026-11-20.xml", "F_14399840_1002_2026-11-20.xml")
	code, out, errOut := cli(t, "run", s.file)
	if code != exitOK {
		t.Fatalf("Saga run: exit %d\n%s\n%s", code, out, errOut)
	}
	if cards := s.cards(4); len(cards) != 4 {
		t.Errorf("%d Saga invoice cards, want 4 (1001–1004)\n%s", len(cards), out)
	}
}

func TestERPCustomersEndToEnd(t *testing.T) {
	e := newERPEnv(t, `name: erp-customers
source: {type: local, dir: exports, glob: "customers-*.csv", date_pattern: 'customers-(\d{4}-\d{2}-\d{2})'}
format: {type: csv, delimiter: auto}
mapping: erp-customers
`)
	e.deliver(fixtures.ERP, "erp/customers-2026-11-19.csv", "customers-2026-11-19.csv")
	code, out, errOut := cli(t, "run", e.file)
	if code != exitRejects || !strings.Contains(out, "Hungarian tax number 12345678 fails its check digit") {
		t.Fatalf("run: exit %d, want %d with the bad tax number rejected\n%s\n%s", code, exitRejects, out, errOut)
	}
	companies, persons := 0, map[string]int{}
	for _, c := range e.crm.Contacts() {
		if c.Type == "Business" {
			companies++
		} else {
			persons[c.Fields["Email"]] = c.BusinessID()
		}
	}
	if companies != 4 || len(persons) != 4 {
		t.Errorf("MiniCRM holds %d companies and %d persons, want 4 and 4", companies, len(persons))
	}
	if persons["mihaela.birsan@tipografiasomes.ro"] == 0 {
		t.Error("the contact person is not linked to her company")
	}
}
