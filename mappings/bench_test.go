package mappings_test

import (
	"bytes"
	"testing"

	"minisync/fixtures/gen"
	"minisync/formats/unasxml"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/mappings"
	"minisync/pipeline"
)

// BenchmarkMapUNASOrders reads a generated UNAS export of 2 000 orders and
// maps every order with the shipped unas-orders mapping, on one goroutine:
// parse + map, without staging. MB/s is of the export.
func BenchmarkMapUNASOrders(b *testing.B) {
	var doc bytes.Buffer
	if _, err := gen.WriteUNAS(&doc, gen.UNASOptions{Orders: 2000, Seed: 1, Day: 1}); err != nil {
		b.Fatal(err)
	}
	spec, err := mappings.Load("unas-orders")
	if err != nil {
		b.Fatal(err)
	}
	m, err := mappings.Compile(spec, map[string]string{
		"owner": "Kovács Anna", "orders_module": "Rendelések",
		"status_map": `{"Feldolgozás alatt": "Feldolgozás", "Csomagolás": "Feldolgozás", "Kiszállítva": "Kiszállítva", "Teljesítve": "Sikeres"}`,
	}, "")
	if err != nil {
		b.Fatal(err)
	}
	f := unasxml.New()
	b.SetBytes(int64(doc.Len()))
	b.ReportAllocs()
	for b.Loop() {
		recs, err := xmlstreamtest.ReadAll(b, f, bytes.NewReader(doc.Bytes()), "orders.xml")
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
