package saga_test

import (
	"errors"
	"strings"
	"testing"

	"minisync/formats/xmlstream"
)

func TestWrongRoot(t *testing.T) {
	for name, doc := range map[string]string{
		"receipts": "<?xml version=\"1.0\"?>\n<Incasari><Linie><Data>19.11.2026</Data></Linie></Incasari>",
		"invoice":  "<?xml version=\"1.0\"?>\n<Factura><Antet><FacturaNumar>1</FacturaNumar></Antet></Factura>",
	} {
		t.Run(name, func(t *testing.T) {
			root := doc[strings.Index(doc, "\n<")+2 : strings.Index(doc, "><")]
			_, err := readAll(t, strings.NewReader(doc), "wrong.xml")
			pe := positionError(t, err)
			if !errors.Is(err, xmlstream.ErrWrongRoot) || !strings.Contains(err.Error(), "<"+root+">") || pe.Line != 2 {
				t.Errorf("err = %v, want ErrWrongRoot naming <%s> at line 2", err, root)
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	doc := fixture(t, day1)
	second := strings.Index(doc, "<FacturaNumar>1002")
	cut := doc[:second+len("<FacturaNumar>10")]
	recs, err := readAll(t, strings.NewReader(cut), "cut.xml")
	if err == nil {
		t.Fatal("truncated file read without error")
	}
	pe := positionError(t, err)
	line := 1 + strings.Count(cut, "\n")
	if pe.File != "cut.xml" || pe.Line != line || pe.Path != "/Facturi/Factura[2]" {
		t.Errorf("error %+v, want line %d and /Facturi/Factura[2]", pe, line)
	}
	if len(recs) != 1 || value(t, recs[0], "Antet/FacturaNumar") != "1001" {
		t.Errorf("got %d invoices before the error, want 1001 only", len(recs))
	}
}

func TestEmptyExport(t *testing.T) {
	recs, err := readAll(t, strings.NewReader(`<?xml version="1.0" encoding="UTF-8"?><Facturi/>`), "empty.xml")
	if err != nil || len(recs) != 0 {
		t.Errorf("empty export = %d records, %v; want none and no error", len(recs), err)
	}
}

// TestCommaBelowInWindows1250 checks that a cp1250 byte sequence cannot
// smuggle in UTF-8: ș written as UTF-8 in a windows-1250 file decodes as
// two cp1250 characters, not as ș.
func TestCommaBelowInWindows1250(t *testing.T) {
	doc := `<?xml version="1.0" encoding="windows-1250"?><Facturi><Factura><Antet><FacturaNumar>1</FacturaNumar><ClientNume>Some` + "\xc8\x99" + `</ClientNume></Antet></Factura></Facturi>`
	recs, err := readAll(t, strings.NewReader(doc), "mixed.xml")
	if err != nil || len(recs) != 1 {
		t.Fatalf("got %d records, %v", len(recs), err)
	}
	if got := value(t, recs[0], "Antet/ClientNume"); got != "SomeČ™" {
		t.Errorf("ClientNume = %q, want the cp1250 reading SomeČ™", got)
	}
}
