package mappings_test

import (
	"bytes"
	"testing"

	"minisync/fixtures/gen"
	"minisync/formats/delimited"
	"minisync/formats/unasxml"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/mappings"
	"minisync/pipeline"
)

// BenchmarkMapUNASOrders reads a generated UNAS export of 2 000 orders and
// maps every order with the shipped unas-orders mapping, on one goroutine:
// parse + map + hash, without staging. MB/s is of the export.
func BenchmarkMapUNASOrders(b *testing.B) {
	var doc bytes.Buffer
	if _, err := gen.WriteUNAS(&doc, gen.UNASOptions{Orders: 2000, Seed: 1, Day: 1}); err != nil {
		b.Fatal(err)
	}
	benchMap(b, "unas-orders", map[string]string{
		"owner": "Kovács Anna", "orders_module": "Rendelések",
		"status_map": `{"Feldolgozás alatt": "Feldolgozás", "Csomagolás": "Feldolgozás", "Kiszállítva": "Kiszállítva", "Teljesítve": "Sikeres"}`,
	}, unasxml.New(), doc.Bytes())
}

// BenchmarkMapERPInvoices does the same for 20 000 generated ERP invoice
// lines (semicolon CSV grouped by invoice) and the erp-invoices mapping.
func BenchmarkMapERPInvoices(b *testing.B) {
	var doc bytes.Buffer
	if _, err := gen.WriteInvoiceCSV(&doc, gen.InvoiceCSVOptions{Rows: 20000, Seed: 1, Day: 1}); err != nil {
		b.Fatal(err)
	}
	f, err := delimited.New(delimited.Options{Delimiter: ";", Header: true, Encoding: "utf-8", GroupBy: "Számlaszám"})
	if err != nil {
		b.Fatal(err)
	}
	benchMap(b, "erp-invoices", map[string]string{"owner": "Kovács Anna"}, f, doc.Bytes())
}

// benchMap reads doc with f and maps every record with the named mapping.
func benchMap(b *testing.B, mapping string, params map[string]string, f pipeline.Format, doc []byte) {
	spec, err := mappings.Load(mapping)
	if err != nil {
		b.Fatal(err)
	}
	m, err := mappings.Compile(spec, params, "")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		recs, err := xmlstreamtest.ReadAll(b, f, bytes.NewReader(doc), "export")
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for _, rec := range recs {
			res, err := m.Map(rec)
			if err != nil || res.Reject != nil {
				b.Fatalf("%v %+v", err, res.Reject)
			}
			for _, r := range res.Rows {
				r.Hash = pipeline.HashValues(r.Values)
			}
			rows += len(res.Rows)
		}
		b.ReportMetric(float64(rows), "rows/op")
	}
}
