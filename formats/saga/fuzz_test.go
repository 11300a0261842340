package saga_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"minisync/formats/saga"
	"minisync/pipeline"
)

// FuzzReader checks that the reader never panics and always ends with io.EOF
// or a *pipeline.PositionError.
func FuzzReader(f *testing.F) {
	// Whole exports make minimisation crawl, so each seeds the fuzzer with
	// its prolog and last invoice, whole and cut off.
	for _, name := range []string{day1, day2} {
		data, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		small := lastInvoice(data)
		f.Add(small)
		f.Add(small[:len(small)/2])
	}
	f.Add([]byte("<Facturi><Factura><Antet><FacturaNumar>1</FacturaNumar></Antet></Factura></Facturi><Facturi/>"))
	f.Add([]byte("<Incasari><Linie/></Incasari>"))
	format := saga.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		rr, err := format.Open(context.Background(), bytes.NewReader(data), "fuzz.xml")
		if err != nil {
			var pe *pipeline.PositionError
			if !errors.As(err, &pe) {
				t.Fatalf("Open error %v (%T) is not a PositionError", err, err)
			}
			return
		}
		for i := 0; ; i++ {
			if i > len(data) {
				t.Fatalf("more records (%d) than input bytes", i)
			}
			rec, err := rr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var pe *pipeline.PositionError
				if !errors.As(err, &pe) {
					t.Fatalf("Next error %v (%T) is not a PositionError", err, err)
				}
				if _, err2 := rr.Next(); err2 != err {
					t.Fatalf("Next after error = %v, want the same error", err2)
				}
				return
			}
			if rec == nil || rec.Position() == "" {
				t.Fatal("nil record or empty position without error")
			}
			_, _, _ = rec.Value("Antet/ClientCIF")
			_, _, _ = rec.Value("sum(Detalii/Continut/Linie/Valoare)")
			lines, _ := rec.Children(saga.LinesPath)
			for _, l := range lines {
				_, _, _ = l.Value("Descriere")
				_ = l.Position()
			}
		}
	})
}

// lastInvoice shortens an export to its prolog, its last <Factura> and
// what follows it.
func lastInvoice(data []byte) []byte {
	first := bytes.Index(data, []byte("<Factura>"))
	last := bytes.LastIndex(data, []byte("<Factura>"))
	if first < 0 {
		return data
	}
	out := append([]byte(nil), data[:first]...)
	return append(out, data[last:]...)
}
