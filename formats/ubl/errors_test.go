package ubl_test

import (
	"errors"
	"strings"
	"testing"

	"minisync/formats/xmlstream"
)

func TestWrongRoot(t *testing.T) {
	invoice := fixture(t, "efactura-BM-2026-0118.xml")
	creditNote := strings.ReplaceAll(invoice, "Invoice", "CreditNote")
	for _, tt := range []struct {
		name, doc, mention string
		line               int
	}{
		{"credit note", creditNote, "<CreditNote>", 2},
		{"no namespace", strings.Replace(invoice, `xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"`, "", 1), `namespace ""`, 2},
		{"unas export", "<?xml version=\"1.0\"?>\n<Orders><Order><Key>1</Key></Order></Orders>", "<Orders>", 2},
		{"anaf error", `<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" ExecutionStatus="1"><Errors errorMessage="Fisierul transmis nu este valid."/></header>`, "<header>", 1},
		{"empty", "", "no <Invoice> root", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := readAll(t, strings.NewReader(tt.doc), "wrong.xml")
			pe := positionError(t, err)
			if !errors.Is(err, xmlstream.ErrWrongRoot) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("err = %v, want ErrWrongRoot mentioning %s", err, tt.mention)
			}
			if pe.Line != tt.line || len(recs) != 0 {
				t.Errorf("line %d after %d records, want line %d and none: %v", pe.Line, len(recs), tt.line, err)
			}
			t.Log(err)
		})
	}
}

// TestWrongRootAfterHead checks the root namespace when the root lies beyond
// what Open sniffs, behind a long comment; the error names the root's line.
func TestWrongRootAfterHead(t *testing.T) {
	doc := `<?xml version="1.0"?><!--` + strings.Repeat("x", 70<<10) + "-->\n" +
		`<Invoice xmlns="urn:example:not-ubl"><ID xmlns="` + "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" + `">1</ID></Invoice>`
	_, err := readAll(t, strings.NewReader(doc), "late.xml")
	if pe := positionError(t, err); pe.Line != 2 {
		t.Errorf("error at line %d, want 2 (the root's): %v", pe.Line, err)
	}
	if !errors.Is(err, xmlstream.ErrWrongRoot) || !strings.Contains(err.Error(), "urn:example:not-ubl") {
		t.Errorf("err = %v, want ErrWrongRoot naming the namespace", err)
	}
}

func TestTruncated(t *testing.T) {
	doc := fixture(t, "efactura-BM-2026-0117.xml")
	lines := strings.SplitAfter(doc, "\n")
	for _, cut := range []int{3, 40, 100, len(lines) - 2} {
		truncated := strings.Join(lines[:cut], "") + lines[cut][:len(lines[cut])/2]
		recs, err := readAll(t, strings.NewReader(truncated), "cut.xml")
		if err == nil {
			t.Fatalf("cut at line %d: read %d records without error", cut+1, len(recs))
		}
		pe := positionError(t, err)
		if pe.File != "cut.xml" || pe.Line != cut+1 || pe.Path != "/Invoice" || len(recs) != 0 {
			t.Errorf("cut at line %d: %d records, error %+v; want none and line %d, /Invoice", cut+1, len(recs), pe, cut+1)
		}
	}
}

func TestSyntaxErrorLine(t *testing.T) {
	doc := strings.Replace(fixture(t, "efactura-BM-2026-0118.xml"), "<cbc:DueDate>2026-12-03</cbc:DueDate>", "<cbc:DueDate>2026-12-03</cbc:Due>", 1)
	_, err := readAll(t, strings.NewReader(doc), "bad.xml")
	if pe := positionError(t, err); pe.Line != 8 {
		t.Errorf("line %d, want 8: %v", pe.Line, err)
	}
}

func TestInvalidUTF8(t *testing.T) {
	doc := strings.Replace(fixture(t, "efactura-BM-2026-0118.xml"), "Lampă", "Lamp\xe3", 1)
	_, err := readAll(t, strings.NewReader(doc), "latin.xml")
	pe := positionError(t, err)
	if !errors.Is(err, xmlstream.ErrInvalidUTF8) || pe.Line < 100 {
		t.Errorf("err = %v, want ErrInvalidUTF8 at the line of the item name", err)
	}
}

func TestSecondInvoice(t *testing.T) {
	doc := fixture(t, "efactura-BM-2026-0117.xml")
	body := doc[strings.Index(doc, "<Invoice"):]
	recs, err := readAll(t, strings.NewReader(doc+body), "two.xml")
	if err == nil {
		t.Fatalf("two <Invoice> roots read as %d records without error", len(recs))
	}
	positionError(t, err)
	if len(recs) != 1 {
		t.Errorf("got %d records before the error, want the first invoice", len(recs))
	}
}
