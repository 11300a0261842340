package xmlstream_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"

	"minisync/fixtures/gen"
	"minisync/formats/xmlstream"
	"minisync/pipeline"
)

// benchOrders is the number of generated orders read by the benchmarks,
// about 20 MB of UNAS export.
const benchOrders = 4500

// unasOptions are the options of the UNAS order export (see unasxml).
var unasOptions = xmlstream.Options{Root: "Orders", Record: "Order", KeyPath: "Key"}

// orderPaths are typical mapping paths evaluated on every order.
var orderPaths = []string{
	"Key", "Date", "Status", "Currency", "Lang", "SumPriceGross",
	"Customer/Email", "Customer/Contact/Name", "Customer/Contact/Phone",
	"Customer/Addresses/Invoice/TaxNumber", "Customer/Addresses/Invoice/CountryCode",
	"Customer/Addresses/Invoice/City", "Payment/Type", "Invoice/Url",
}

// itemPaths are evaluated on every order item.
var itemPaths = []string{"Sku", "Name", "Quantity", "PriceNet", "Unit", "Vat"}

var (
	benchOnce sync.Once
	benchDoc  []byte
)

// unasExport returns a generated UNAS export of benchOrders orders.
func unasExport(b *testing.B) []byte {
	b.Helper()
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if _, err := gen.WriteUNAS(&buf, gen.UNASOptions{Orders: benchOrders, Seed: 1, Day: 1}); err != nil {
			panic(err)
		}
		benchDoc = buf.Bytes()
	})
	return benchDoc
}

// mapOrder evaluates the typical paths of one order and its items.
func mapOrder(b *testing.B, rec pipeline.Record) {
	for _, p := range orderPaths {
		if _, _, err := rec.Value(p); err != nil {
			b.Fatal(err)
		}
	}
	items, err := rec.Children("Items/Item")
	if err != nil {
		b.Fatal(err)
	}
	for _, it := range items {
		for _, p := range itemPaths {
			if _, _, err := it.Value(p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchRead reads doc with the UNAS options, calling visit on every record
// on workers goroutines, or on the reading one when workers is 0.
func benchRead(b *testing.B, doc []byte, workers int, visit func(pipeline.Record)) {
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	f := xmlstream.New(unasOptions)
	for b.Loop() {
		recs := make(chan pipeline.Record, 256)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for rec := range recs {
					visit(rec)
				}
			})
		}
		rr, err := f.Open(context.Background(), bytes.NewReader(doc), "bench.xml")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			rec, err := rr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if workers > 0 {
				recs <- rec
			} else {
				visit(rec)
			}
			n++
		}
		close(recs)
		wg.Wait()
		if n != benchOrders {
			b.Fatalf("read %d orders, want %d", n, benchOrders)
		}
	}
}

// BenchmarkReadUNAS streams every order of a generated export without
// looking into the records.
func BenchmarkReadUNAS(b *testing.B) {
	benchRead(b, unasExport(b), 0, func(pipeline.Record) {})
}

// BenchmarkMapUNAS streams every order and evaluates the typical mapping
// paths on it and its items, on one goroutine.
func BenchmarkMapUNAS(b *testing.B) {
	benchRead(b, unasExport(b), 0, func(rec pipeline.Record) { mapOrder(b, rec) })
}

// BenchmarkMapUNASParallel streams every order on one goroutine and maps
// the orders on GOMAXPROCS workers, as the pipeline does.
func BenchmarkMapUNASParallel(b *testing.B) {
	benchRead(b, unasExport(b), runtime.GOMAXPROCS(0), func(rec pipeline.Record) { mapOrder(b, rec) })
}

// BenchmarkTokenLoop is the reference: a bare encoding/xml Decoder.Token
// loop over the same export.
func BenchmarkTokenLoop(b *testing.B) {
	doc := unasExport(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(doc))
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
