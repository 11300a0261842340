package saga_test

import (
	"testing"

	"minisync/formats/saga"
	"minisync/formats/xmlstream/xmlstreamtest"
	"minisync/pipeline"
)

// FuzzReader checks that the reader never panics and always ends with io.EOF
// or a *pipeline.PositionError.
func FuzzReader(f *testing.F) {
	// Whole exports make minimisation crawl, so each seeds the fuzzer with
	// its prolog and last invoice, whole and cut off.
	for _, name := range []string{day1, day2} {
		data := xmlstreamtest.Fixture(f, fixtureDir, name)
		small := xmlstreamtest.KeepLast(data, "<Factura>")
		f.Add(small)
		f.Add(small[:len(small)/2])
	}
	f.Add([]byte("<Facturi><Factura><Antet><FacturaNumar>1</FacturaNumar></Antet></Factura></Facturi><Facturi/>"))
	f.Add([]byte("<Incasari><Linie/></Incasari>"))
	xmlstreamtest.Fuzz(f, saga.New(), func(rec pipeline.Record) {
		_, _, _ = rec.Value("Antet/ClientCIF")
		_, _, _ = rec.Value("sum(Detalii/Continut/Linie/Valoare)")
		lines, _ := rec.Children(saga.LinesPath)
		for _, l := range lines {
			_, _, _ = l.Value("Descriere")
			_ = l.Position()
		}
	})
}
