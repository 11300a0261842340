package ubl_test

import (
	"slices"
	"testing"

	"minisync/fixtures"
	"minisync/formats/ubl"
)

const (
	customer   = "cac:AccountingCustomerParty/cac:Party/"
	supplier   = "cac:AccountingSupplierParty/cac:Party/"
	monetary   = "cac:LegalMonetaryTotal/"
	customerID = customer + "cac:PartyTaxScheme/cbc:CompanyID"
)

func TestFixtureValues(t *testing.T) {
	tests := []struct {
		file string
		want map[string]string
	}{
		{"efactura-BM-2026-0117.xml", map[string]string{
			"cbc:CustomizationID":                         "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1",
			"cbc:ID":                                      "BM-2026-0117",
			"cbc:IssueDate":                               "2026-11-18",
			"cbc:DueDate":                                 "2026-12-18",
			"cbc:InvoiceTypeCode":                         "380",
			"cbc:DocumentCurrencyCode":                    "RON",
			supplier + "cac:PartyName/cbc:Name":           "Brașov Mobilă SRL",
			supplier + "cac:PartyTaxScheme/cbc:CompanyID": "RO14399840",
			supplier + "cac:PostalAddress/cbc:CountrySubentity":               "RO-BV",
			customer + "cac:PartyName/cbc:Name":                               "Tipografia Someș SRL",
			customerID:                                                        "RO4221306",
			customer + "cac:PartyLegalEntity/cbc:RegistrationName":            "Tipografia Someș SRL",
			customer + "cac:PartyLegalEntity/cbc:CompanyID":                   "J12/2044/1993",
			customer + "cac:PostalAddress/cbc:StreetName":                     "Strada Fabricii de Zahăr 24",
			customer + "cac:PostalAddress/cbc:CityName":                       "Cluj-Napoca",
			customer + "cac:PostalAddress/cbc:CountrySubentity":               "RO-CJ",
			customer + "cac:PostalAddress/cac:Country/cbc:IdentificationCode": "RO",
			customer + "cac:Contact/cbc:ElectronicMail":                       "mihaela.birsan@tipografiasomes.ro",
			"cac:PaymentMeans/cbc:PaymentMeansCode":                           "31",
			"cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID":               "RO31BTRL01301202Q4839100",
			"cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount":                  "6217.00",
			"cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID":             "S",
			"cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent":        "19",
			monetary + "cbc:TaxExclusiveAmount":                               "6217.00",
			monetary + "cbc:PayableAmount":                                    "7398.23",
			monetary + "cbc:PayableAmount/@currencyID":                        "RON",
			"count(cac:InvoiceLine)":                                          "4",
		}},
		{"efactura-BM-2026-0118.xml", map[string]string{
			"cbc:ID":                            "BM-2026-0118",
			customer + "cac:PartyName/cbc:Name": "Cărți & Ceai SRL",
			customerID:                          "RO14837428",
			customer + "cac:PostalAddress/cbc:CityName":         "SECTOR3",
			customer + "cac:PostalAddress/cbc:CountrySubentity": "RO-B",
			customer + "cac:Contact/cbc:Name":                   "Ștefan Țurcanu",
			monetary + "cbc:PayableAmount":                      "2599.79",
			"cac:TaxTotal/cbc:TaxAmount":                        "415.09",
			"count(cac:InvoiceLine)":                            "2",
		}},
		{"efactura-BM-2026-0119.xml", map[string]string{
			"cbc:ID":                                            "BM-2026-0119",
			"cbc:DocumentCurrencyCode":                          "EUR",
			"cbc:TaxCurrencyCode":                               "RON",
			customer + "cac:PartyName/cbc:Name":                 "Fântâna Îngerilor Pensiune SRL",
			customerID:                                          "RO13548146",
			monetary + "cbc:PayableAmount":                      "3618.79",
			monetary + "cbc:PayableAmount/@currencyID":          "EUR",
			"cac:TaxTotal/cbc:TaxAmount":                        "577.79",
			"cac:TaxTotal/cbc:TaxAmount/@currencyID":            "EUR",
			"cac:TaxTotal/cbc:TaxAmount[@currencyID='RON']":     "2874.51",
			"count(cac:TaxTotal)":                               "2",
			"sum(cac:InvoiceLine/cbc:LineExtensionAmount)":      "3041",
			"cac:InvoiceLine[3]/cac:Item/cbc:Name":              "Saltea ortopedică 160×200 cm",
			"cac:InvoiceLine[2]/cbc:InvoicedQuantity/@unitCode": "H87",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rec := readInvoice(t, fixture(t, tt.file), tt.file)
			for path, want := range tt.want {
				got, ok, err := rec.Value(path)
				if err != nil || !ok || got != want {
					t.Errorf("%s = %q, %v, %v; want %q", path, got, ok, err, want)
				}
			}
		})
	}
}

func TestLines(t *testing.T) {
	rec := readInvoice(t, fixture(t, "efactura-BM-2026-0117.xml"), "efactura-BM-2026-0117.xml")
	if got, want := rec.Position(), "/Invoice (ID BM-2026-0117)"; got != want {
		t.Errorf("Position = %q, want %q", got, want)
	}
	lines, err := rec.Children(ubl.LinesPath)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, qty, unit, amount, name, sku, price string }{
		{"1", "1", "H87", "2450.00", "Masă extensibilă din stejar masiv, 160–220 cm", "BM-MAS-160", "2450.00"},
		{"2", "6", "H87", "2337.00", "Scaun tapițat, țesătură gri", "BM-SCA-TAP", "389.50"},
		{"3", "1", "H87", "1180.00", "Comodă cu patru sertare, finisaj nuc", "BM-COM-4S", "1180.00"},
		{"4", "1", "C62", "250.00", "Transport și montaj în Cluj-Napoca", "BM-TRANSP", "250.00"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(lines), len(want))
	}
	for i, w := range want {
		l := lines[i]
		got := []string{
			value(t, l, "cbc:ID"), value(t, l, "cbc:InvoicedQuantity"), value(t, l, "cbc:InvoicedQuantity/@unitCode"),
			value(t, l, "cbc:LineExtensionAmount"), value(t, l, "cac:Item/cbc:Name"),
			value(t, l, "cac:Item/cac:SellersItemIdentification/cbc:ID"), value(t, l, "cac:Price/cbc:PriceAmount"),
		}
		if exp := []string{w.id, w.qty, w.unit, w.amount, w.name, w.sku, w.price}; !slices.Equal(got, exp) {
			t.Errorf("line %d = %q, want %q", i+1, got, exp)
		}
		if v := value(t, l, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"); v != "19" {
			t.Errorf("line %d VAT percent = %q", i+1, v)
		}
		if v := value(t, l, "cac:Price/cbc:PriceAmount/@currencyID"); v != "RON" {
			t.Errorf("line %d price currency = %q", i+1, v)
		}
	}
	if got, want := lines[1].Position(), "/Invoice/cac:InvoiceLine[2] (ID BM-2026-0117)"; got != want {
		t.Errorf("line Position = %q, want %q", got, want)
	}
	if got := value(t, lines[0], "../cbc:ID"); got != "BM-2026-0117" {
		t.Errorf("line ../cbc:ID = %q, want the invoice ID", got)
	}
}

func TestMissingAndMalformedPaths(t *testing.T) {
	rec := readInvoice(t, fixture(t, "efactura-BM-2026-0118.xml"), "efactura-BM-2026-0118.xml")
	for _, path := range []string{"cbc:Note", "cbc:TaxCurrencyCode", "ID"} {
		if v, ok, err := rec.Value(path); err != nil || ok || v != "" {
			t.Errorf("%s = %q, %v, %v; want missing (unprefixed names mean no namespace)", path, v, ok, err)
		}
	}
	for _, path := range []string{"ubl:ID", "cbc:ID[", "foo:InvoiceLine"} {
		if _, _, err := rec.Value(path); err == nil {
			t.Errorf("Value(%q): want error", path)
		}
		if _, err := rec.Children(path); err == nil {
			t.Errorf("Children(%q): want error", path)
		}
	}
}

// TestEmbedded reads every invoice through the embedded fixtures.EFactura.
func TestEmbedded(t *testing.T) {
	entries, err := fixtures.EFactura.ReadDir("efactura")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("embedded %d invoices, want 3", len(entries))
	}
	for _, e := range entries {
		b, err := fixtures.EFactura.ReadFile("efactura/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		rec := readInvoice(t, string(b), e.Name())
		if want := "efactura-" + value(t, rec, "cbc:ID") + ".xml"; e.Name() != want {
			t.Errorf("file %s holds invoice for %s", e.Name(), want)
		}
	}
}
