package ubl_test

import (
	"bytes"
	"testing"

	"minisync/formats/ubl"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// FuzzReader checks that the reader never panics and always ends with io.EOF
// or a *pipeline.PositionError.
func FuzzReader(f *testing.F) {
	// Whole invoices make minimisation crawl, so each seeds the fuzzer with
	// its header, customer and first line only, whole and cut off.
	for _, name := range []string{"efactura-BM-2026-0117.xml", "efactura-BM-2026-0119.xml"} {
		data := xmlstreamtest.Fixture(f, fixtureDir, name)
		small := smallInvoice(data)
		f.Add(small)
		f.Add(small[:len(small)*2/3])
	}
	f.Add([]byte(`<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"><ID>1</ID></CreditNote>`))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-2"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">1</ID></Invoice>`))
	xmlstreamtest.Fuzz(f, ubl.New(), func(rec pipeline.Record) {
		_, _, _ = rec.Value("cbc:ID")
		_, _, _ = rec.Value(customerID)
		_, _, _ = rec.Value("cac:LegalMonetaryTotal/cbc:PayableAmount/@currencyID")
		lines, _ := rec.Children(ubl.LinesPath)
		for _, l := range lines {
			_, _, _ = l.Value("cac:Item/cbc:Name")
			_ = l.Position()
		}
	})
}

// smallInvoice keeps an invoice's header, its customer and its first line.
func smallInvoice(data []byte) []byte {
	supplier := bytes.Index(data, []byte("  <cac:AccountingSupplierParty>"))
	customer := bytes.Index(data, []byte("  <cac:AccountingCustomerParty>"))
	payment := bytes.Index(data, []byte("  <cac:PaymentMeans>"))
	line := bytes.Index(data, []byte("  <cac:InvoiceLine>"))
	lineEnd := bytes.Index(data, []byte("</cac:InvoiceLine>\n"))
	if supplier < 0 || customer < supplier || payment < customer || line < payment || lineEnd < line {
		return data
	}
	out := append([]byte(nil), data[:supplier]...)
	out = append(out, data[customer:payment]...)
	out = append(out, data[line:lineEnd+len("</cac:InvoiceLine>\n")]...)
	return append(out, "</Invoice>\n"...)
}
