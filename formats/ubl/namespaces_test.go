package ubl_test

import (
	"regexp"
	"strings"
	"testing"

	"minisync/formats/ubl"
	"minisync/pipeline"
)

// comparedPaths are read from the fixture and from each rewritten variant.
var comparedPaths = []string{
	"cbc:CustomizationID", "cbc:ID", "cbc:IssueDate", "cbc:DueDate", "cbc:InvoiceTypeCode", "cbc:Note",
	"cbc:DocumentCurrencyCode", "cbc:TaxCurrencyCode",
	supplier + "cac:PartyName/cbc:Name",
	customer + "cac:PartyName/cbc:Name",
	customerID,
	customer + "cac:PartyLegalEntity/cbc:CompanyID",
	customer + "cac:PostalAddress/cac:Country/cbc:IdentificationCode",
	customer + "cac:Contact/cbc:ElectronicMail",
	"cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
	"cac:TaxTotal/cbc:TaxAmount[@currencyID='RON']",
	monetary + "cbc:PayableAmount",
	monetary + "cbc:PayableAmount/@currencyID",
	"count(cac:InvoiceLine)",
	"/cbc:ID",
}

// linePaths are read on every invoice line.
var linePaths = []string{
	"cbc:ID", "cbc:InvoicedQuantity/@unitCode", "cbc:LineExtensionAmount/@currencyID",
	"cac:Item/cbc:Name", "cac:Item/cac:SellersItemIdentification/cbc:ID", "cac:Price/cbc:PriceAmount",
}

// snapshot reads the compared values of an invoice and its lines.
func snapshot(t *testing.T, rec pipeline.Record) map[string]string {
	t.Helper()
	m := map[string]string{"Position": rec.Position()}
	for _, p := range comparedPaths {
		m[p] = value(t, rec, p)
	}
	lines, err := rec.Children(ubl.LinesPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		m[l.Position()] = "line"
		for _, p := range linePaths {
			m[l.Position()+" "+p] = value(t, l, p)
		}
	}
	return m
}

var (
	openCBC = regexp.MustCompile(`<(/?)cbc:`)
	openCAC = regexp.MustCompile(`<(/?)cac:`)
)

// variants rewrite a fixture with other namespace prefixes; the document is
// the same to a namespace-aware reader.
var variants = map[string]func(string) string{
	"other prefixes": func(doc string) string {
		doc = openCBC.ReplaceAllString(doc, "<${1}b:")
		doc = openCAC.ReplaceAllString(doc, "<${1}a:")
		doc = strings.Replace(doc, "xmlns:cbc=", "xmlns:b=", 1)
		doc = strings.Replace(doc, "xmlns:cac=", "xmlns:a=", 1)
		doc = strings.Replace(doc, `<Invoice xmlns="`, `<inv:Invoice xmlns:inv="`, 1)
		return strings.Replace(doc, "</Invoice>", "</inv:Invoice>", 1)
	},
	"default namespaces": func(doc string) string {
		doc = regexp.MustCompile(`\s+xmlns:c[ab]c="[^"]*"`).ReplaceAllString(doc, "")
		doc = regexp.MustCompile(`<cbc:(\w+)`).ReplaceAllString(doc, `<$1 xmlns="`+ubl.NamespaceCBC+`"`)
		doc = regexp.MustCompile(`<cac:(\w+)`).ReplaceAllString(doc, `<$1 xmlns="`+ubl.NamespaceCAC+`"`)
		return regexp.MustCompile(`</c[ab]c:`).ReplaceAllString(doc, "</")
	},
	"swapped prefixes": func(doc string) string {
		doc = openCBC.ReplaceAllString(doc, "<${1}tmp:")
		doc = openCAC.ReplaceAllString(doc, "<${1}cbc:")
		doc = regexp.MustCompile(`<(/?)tmp:`).ReplaceAllString(doc, "<${1}cac:")
		doc = strings.Replace(doc, `xmlns:cbc="`+ubl.NamespaceCBC, `xmlns:cac="`+ubl.NamespaceCBC, 1)
		return strings.Replace(doc, `xmlns:cac="`+ubl.NamespaceCAC, `xmlns:cbc="`+ubl.NamespaceCAC, 1)
	},
}

func TestPrefixIndependence(t *testing.T) {
	for _, file := range []string{"efactura-BM-2026-0117.xml", "efactura-BM-2026-0119.xml"} {
		doc := fixture(t, file)
		want := snapshot(t, readInvoice(t, doc, file))
		for name, rewrite := range variants {
			t.Run(file+"/"+name, func(t *testing.T) {
				variant := rewrite(doc)
				if strings.Contains(variant, "<cbc:ID>") {
					t.Fatalf("rewrite did not change the prefixes:\n%.600s", variant)
				}
				got := snapshot(t, readInvoice(t, variant, file))
				if len(got) != len(want) {
					t.Errorf("got %d values, want %d", len(got), len(want))
				}
				for k, w := range want {
					if got[k] != w {
						t.Errorf("%s = %q, want %q", k, got[k], w)
					}
				}
			})
		}
	}
}
