package unasxml_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"minisync/formats/unasxml"
)

func TestTruncated(t *testing.T) {
	f, err := os.Open(filepath.Join(fixtureDir, "broken", "orders-truncated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := readAll(t, f, "orders-truncated.xml")
	if err == nil {
		t.Fatal("truncated file read without error")
	}
	pe := positionError(t, err)
	if pe.File != "orders-truncated.xml" || pe.Line <= 0 || pe.Path != "/Orders/Order[4]" {
		t.Errorf("error = %+v, want file, line > 0 and /Orders/Order[4]", pe)
	}
	if len(recs) != 3 || value(t, recs[2], "Key") != "27839-100121" {
		t.Errorf("got %d records before the error, want the 3 complete ones", len(recs))
	}
	t.Log(err)
}

func TestSyntaxErrorLine(t *testing.T) {
	doc := "<?xml version=\"1.0\"?>\n<Orders>\n<Order><Key>1</Key></Order>\n<Order><Key>2</Kex></Order>\n</Orders>\n"
	recs, err := readString(t, doc)
	pe := positionError(t, err)
	if pe.Line != 4 || len(recs) != 1 {
		t.Errorf("line %d after %d records, want line 4 after 1: %v", pe.Line, len(recs), err)
	}
}

func TestNotOrdersRoot(t *testing.T) {
	for name, doc := range map[string]string{
		"error response": `<?xml version="1.0" encoding="UTF-8"?><Error>Too much getOrder query, IP is banned till 05.24.2019 18:14:01!</Error>`,
		"products":       "<?xml version=\"1.0\"?>\n<Products><Product><Id>1</Id></Product></Products>",
		"no root":        `<?xml version="1.0" encoding="UTF-8"?>` + "\n",
		"empty":          "",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readString(t, doc)
			positionError(t, err)
			if !errors.Is(err, unasxml.ErrNotOrders) {
				t.Errorf("err = %v, want ErrNotOrders", err)
			}
		})
	}
}

func TestEmptyOrders(t *testing.T) {
	recs, err := readString(t, `<?xml version="1.0" encoding="UTF-8"?><Orders/>`)
	if err != nil || len(recs) != 0 {
		t.Errorf("empty export = %d records, %v; want none and no error", len(recs), err)
	}
}

func TestSecondRoot(t *testing.T) {
	_, err := readString(t, "<Orders><Order><Key>1</Key></Order></Orders>\n<Orders><Order><Key>2</Key></Order></Orders>")
	if err == nil {
		t.Fatal("two <Orders> roots read without error")
	}
	positionError(t, err)
}

func TestInvalidUTF8(t *testing.T) {
	for name, bad := range map[string]string{
		"text":    "<Name><![CDATA[Kov\xe1cs]]></Name>",
		"comment": "<!-- Kov\xe1cs -->",
		"cut":     "<Name>Kov\xc3",
	} {
		t.Run(name, func(t *testing.T) {
			doc := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Orders>\n<Order><Key>1</Key></Order>\n<Order>\n" + bad + "</Order></Orders>"
			recs, err := readString(t, doc)
			pe := positionError(t, err)
			if !errors.Is(err, unasxml.ErrInvalidUTF8) {
				t.Errorf("err = %v, want ErrInvalidUTF8", err)
			}
			if pe.Line != 5 || len(recs) != 1 {
				t.Errorf("line %d after %d records, want line 5 after 1: %v", pe.Line, len(recs), err)
			}
		})
	}
}

func TestBOM(t *testing.T) {
	recs, err := readString(t, "\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Orders><Order><Key>1</Key></Order></Orders>")
	if err != nil || len(recs) != 1 {
		t.Fatalf("BOM file = %d records, %v", len(recs), err)
	}
}

func TestLegacyEncodings(t *testing.T) {
	const body = "\n<Orders><Order><Key>27839-1</Key><Customer><Contact><Name><![CDATA[Szőlősi Ödön – Árvíztűrő]]></Name></Contact></Customer></Order></Orders>\n"
	for _, tt := range []struct {
		label string
		cm    *charmap.Charmap
	}{
		{"windows-1250", charmap.Windows1250},
		{"ISO-8859-2", charmap.ISO8859_2},
	} {
		t.Run(tt.label, func(t *testing.T) {
			text := body
			if tt.cm == charmap.ISO8859_2 {
				text = strings.ReplaceAll(text, "–", "-") // no en dash in Latin-2
			}
			encoded, err := tt.cm.NewEncoder().String(text)
			if err != nil {
				t.Fatal(err)
			}
			doc := `<?xml version="1.0" encoding="` + tt.label + `"?>` + encoded
			if strings.Contains(encoded, "ő") {
				t.Fatal("test document is still UTF-8")
			}
			recs, err := readString(t, doc)
			if err != nil || len(recs) != 1 {
				t.Fatalf("got %d records, %v", len(recs), err)
			}
			want := "Szőlősi Ödön – Árvíztűrő"
			if tt.cm == charmap.ISO8859_2 {
				want = "Szőlősi Ödön - Árvíztűrő"
			}
			if got := value(t, recs[0], "Customer/Contact/Name"); got != want {
				t.Errorf("name = %q, want %q", got, want)
			}
		})
	}
}

func TestUnknownEncoding(t *testing.T) {
	for _, label := range []string{"x-klingon", "UTF-16"} {
		_, err := readString(t, `<?xml version="1.0" encoding="`+label+`"?><Orders/>`)
		positionError(t, err)
		if !errors.Is(err, unasxml.ErrUnsupportedEncoding) || !strings.Contains(err.Error(), label) {
			t.Errorf("encoding %q: err = %v, want ErrUnsupportedEncoding naming it", label, err)
		}
	}
}
