package saga_test

import (
	"slices"
	"strings"
	"testing"

	"minisync/fixtures"
	"minisync/formats/saga"
)

const (
	day1 = "F_14399840_1001_2026-11-19.xml"
	day2 = "F_14399840_1002_2026-11-20.xml"
)

func TestDay1(t *testing.T) {
	recs := readFixture(t, day1)
	if len(recs) != 3 {
		t.Fatalf("got %d invoices, want 3", len(recs))
	}
	tests := []struct {
		rec        int
		path, want string
	}{
		{0, "Antet/FacturaNumar", "1001"},
		{0, "Antet/FacturaData", "19.11.2026"},
		{0, "Antet/FacturaScadenta", "19.12.2026"},
		{0, "Antet/FurnizorNume", "Brașov Mobilă SRL"},
		{0, "Antet/FurnizorCIF", "RO14399840"},
		{0, "Antet/FurnizorIBAN", "RO31BTRL01301202Q4839100"},
		{0, "Antet/ClientNume", "Tipografia Someș SRL"},
		{0, "Antet/ClientCIF", "RO4221306"},
		{0, "Antet/ClientAdresa", "Strada Fabricii de Zahăr 24"},
		{0, "Antet/FacturaTaxareInversa", "Nu"},
		{0, "Antet/FacturaTip", ""},
		{0, "Antet/FacturaMoneda", "RON"},
		{0, "Antet/FacturaIndexSPV", "4012877501"},
		{1, "Antet/ClientNume", "Cărți & Ceai SRL"},
		{1, "Antet/ClientLocalitate", "București Sector 3"},
		{1, "Antet/ClientMail", "comenzi@cartisiceai.ro"},
		{1, "sum(Detalii/Continut/Linie/Valoare)", "2184.7"},
		{2, "Antet/ClientNume", "Fântâna Îngerilor Pensiune SRL"},
		{2, "Antet/ClientCIF", "RO13548146"},
		{2, "count(Detalii/Continut/Linie)", "4"},
		{2, "Detalii/Continut/Linie[4]/Cantitate", "7.5"},
		{2, "/Antet/FacturaNumar", "1003"},
	}
	for _, tt := range tests {
		got, ok, err := recs[tt.rec].Value(tt.path)
		if err != nil || !ok || got != tt.want {
			t.Errorf("invoice %d %s = %q, %v, %v; want %q", tt.rec+1, tt.path, got, ok, err, tt.want)
		}
	}
	if v, ok, err := recs[0].Value("FacturaID"); err != nil || ok || v != "" {
		t.Errorf("missing FacturaID = %q, %v, %v; want not found", v, ok, err)
	}
}

func TestLinesAndPositions(t *testing.T) {
	recs := readFixture(t, day1)
	if got, want := recs[1].Position(), "/Facturi/Factura[2] (FacturaNumar 1002)"; got != want {
		t.Errorf("Position = %q, want %q", got, want)
	}
	lines, err := recs[0].Children(saga.LinesPath)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1", "Masă de lucru din fag, 180 cm", "BM-MLU-180", "buc", "2", "1320.00", "2640.00", "19", "501.60"},
		{"2", "Scaun ergonomic cu spătar înalt", "BM-SCA-ERG", "buc", "4", "455.00", "1820.00", "19", "345.80"},
		{"3", "Transport și montaj", "BM-TRANSP", "serv", "1", "250.00", "250.00", "19", "47.50"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(lines), len(want))
	}
	for i, w := range want {
		var got []string
		for _, p := range []string{"LinieNrCrt", "Descriere", "CodArticolFurnizor", "UM", "Cantitate", "Pret", "Valoare", "ProcTVA", "TVA"} {
			got = append(got, value(t, lines[i], p))
		}
		if !slices.Equal(got, w) {
			t.Errorf("line %d = %q, want %q", i+1, got, w)
		}
	}
	if got, want := lines[2].Position(), "/Facturi/Factura[1]/Detalii/Continut/Linie[3] (FacturaNumar 1001)"; got != want {
		t.Errorf("line Position = %q, want %q", got, want)
	}
	if got := value(t, lines[1], "../../../Antet/ClientCIF"); got != "RO4221306" {
		t.Errorf("line ../../../Antet/ClientCIF = %q", got)
	}
	more, err := recs[2].Children(saga.LinesPath)
	if err != nil || len(more) != 4 || value(t, more[3], "Descriere") != "Perdea din in, țesută manual" {
		t.Errorf("invoice 1003 lines = %d, %v", len(more), err)
	}
}

// TestDay2Windows1250 reads the export declared windows-1250: the cedilla
// letters ş ţ Ţ it must use for ș ț Ț come out as such, with ă â î.
func TestDay2Windows1250(t *testing.T) {
	if raw := fixture(t, day2); strings.Contains(raw, "ă") || !strings.Contains(raw, `encoding="windows-1250"`) {
		t.Fatal("day 2 fixture is not a windows-1250 file")
	}
	recs := readFixture(t, day2)
	if len(recs) != 2 {
		t.Fatalf("got %d invoices, want 2", len(recs))
	}
	tests := []struct {
		rec        int
		path, want string
	}{
		{0, "Antet/FacturaNumar", "1002"},
		{0, "Antet/FurnizorNume", "Bra\u015fov Mobilă SRL"},
		{0, "Antet/ClientNume", "Căr\u0163i & Ceai SRL"},
		{0, "Antet/ClientJudet", "Bucure\u015fti"},
		{0, "Antet/ClientMail", "achizitii@cartisiceai.ro"},
		{0, "Antet/FacturaScadenta", "10.12.2026"},
		{1, "Antet/FacturaNumar", "1004"},
		{1, "Antet/ClientNume", "Lemnul Ardelenesc SRL"},
		{1, "Antet/ClientCIF", "RO1860712"},
		{1, "Antet/ClientLocalitate", "Târgu Mure\u015f"},
		{1, "Antet/ClientIBAN", ""},
		{1, "Detalii/Continut/Linie[1]/Descriere", "Cuier de perete din stejar, 5 cârlige"},
		{1, "Detalii/Continut/Linie[2]/Descriere", "\u0162esătură tapi\u0163erie, bobină 25 m"},
		{1, "Detalii/Continut/Linie[2]/UM", "rola"},
	}
	for _, tt := range tests {
		got, ok, err := recs[tt.rec].Value(tt.path)
		if err != nil || !ok || got != tt.want {
			t.Errorf("invoice %d %s = %q, %v, %v; want %q", tt.rec+1, tt.path, got, ok, err, tt.want)
		}
	}
	if got, want := recs[1].Position(), "/Facturi/Factura[2] (FacturaNumar 1004)"; got != want {
		t.Errorf("Position = %q, want %q", got, want)
	}
}

// TestEmbedded reads the exports through the embedded fixtures.Saga.
func TestEmbedded(t *testing.T) {
	for name, n := range map[string]int{day1: 3, day2: 2} {
		f, err := fixtures.Saga.Open("saga/" + name)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(t, f, name)
		f.Close()
		if err != nil || len(recs) != n {
			t.Errorf("%s: %d invoices, %v; want %d", name, len(recs), err, n)
		}
	}
}
