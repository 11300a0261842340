package unasxml_test

import (
	"testing"
)

func TestDay1Fields(t *testing.T) {
	recs := readFixture(t, "orders-2026-11-19.xml")
	if len(recs) != 9 {
		t.Fatalf("got %d orders, want 9", len(recs))
	}
	orders := byKey(t, recs)
	tests := []struct {
		key, path, want string
	}{
		{"27839-100118", "Date", "2026.10.15 09:41:12"},
		{"27839-100120", "Customer/Email", "  Eva.Kovacs@Example.hu "},
		{"27839-100120", "Customer/Contact/Name", "Kovács Éva"},
		{"27839-100120", "Invoice/Url", "https://shop.example.hu/szamla/SZ-2026-0042.pdf"},
		{"27839-100121", "Id", "3512067"},
		{"27839-100121", "Status", "Feldolgozás alatt"},
		{"27839-100121", "Customer/Addresses/Invoice/Name", "Árvíztűrő Tükörfúrógép Kft."},
		{"27839-100121", "Customer/Addresses/Invoice/TaxNumber", "25566552-2-10"},
		{"27839-100121", "Customer/Addresses/Invoice/CustomerType", "company"},
		{"27839-100121", "Comments/Comment[Type='customer']/Text", "Számlát a cég nevére kérjük. <b>Sürgős!</b> & köszönjük"},
		{"27839-100122", "Customer/Contact/Name", "Szőlősi Ödön"},
		{"27839-100123", "Customer/Contact/Name", "Ștefan Țurcanu"},
		{"27839-100123", "Customer/Addresses/Invoice/City", "Târgu Mureș"},
		{"27839-100123", "Customer/Addresses/Invoice/Street", "Strada Învățătorului 7"},
		{"27839-100123", "Currency", "RON"},
		{"27839-100124", "Customer/Addresses/Invoice/Name", "Brașov Mobilă SRL"},
		{"27839-100124", "Customer/Contact/Name", "Ioana Mureșan"},
		{"27839-100124", "Customer/Addresses/Invoice/TaxNumber", "RO14399840"},
		{"27839-100124", "Customer/Addresses/Invoice/CountryCode", "ro"},
		{"27839-100125", "Customer/Addresses/Invoice/TaxNumber", "12892312-2-41"},
		{"27839-100126", "Customer/Email", "eva.kovacs@example.hu"},
		{"27839-100127", "Customer/Addresses/Invoice/TaxNumber", "25566552-2-10"},
		{"27839-100127", "Customer/Contact/Name", "Lakatos Márta"},
		{"27839-100127", "SumPriceGross", "50460"},
		{"27839-100127", "count(Items/Item)", "3"},
		{"27839-100127", "/Key", "27839-100127"},
	}
	for _, tt := range tests {
		rec, ok := orders[tt.key]
		if !ok {
			t.Fatalf("no order %s", tt.key)
		}
		got, exists, err := rec.Value(tt.path)
		if err != nil || !exists || got != tt.want {
			t.Errorf("%s %s = %q, %v, %v; want %q", tt.key, tt.path, got, exists, err, tt.want)
		}
	}
}

func TestValueMissingAndEmpty(t *testing.T) {
	rec := byKey(t, readFixture(t, "orders-2026-11-19.xml"))["27839-100122"]
	if v, ok, err := rec.Value("Customer/Addresses/Invoice/TaxNumber"); err != nil || !ok || v != "" {
		t.Errorf("empty TaxNumber = %q, %v, %v; want \"\", true, nil", v, ok, err)
	}
	if v, ok, err := rec.Value("NoSuchElement"); err != nil || ok || v != "" {
		t.Errorf("missing element = %q, %v, %v; want \"\", false, nil", v, ok, err)
	}
	if _, _, err := rec.Value("Items/Item[@"); err == nil {
		t.Error("malformed xpath: want error")
	}
	if _, err := rec.Children("Items/Item["); err == nil {
		t.Error("malformed xpath in Children: want error")
	}
}

func TestChildrenAndPositions(t *testing.T) {
	recs := readFixture(t, "orders-2026-11-19.xml")
	if got, want := recs[2].Position(), "/Orders/Order[3] (Key 27839-100121)"; got != want {
		t.Errorf("Position = %q, want %q", got, want)
	}
	items, err := recs[2].Children("Items/Item")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, name, pos string }{
		{"1002", "Tükörfúrógép 220 V", "/Orders/Order[3]/Items/Item[1] (Key 27839-100121)"},
		{"1001", "Fúrógép kefe készlet (12 db)", "/Orders/Order[3]/Items/Item[2] (Key 27839-100121)"},
		{"1005", `Árvíztűrő tömlő 3/4" 25 m`, "/Orders/Order[3]/Items/Item[3] (Key 27839-100121)"},
		{"shipping-cost", "Szállítási költség", "/Orders/Order[3]/Items/Item[4] (Key 27839-100121)"},
		{"discount-amount", "Kedvezmény (TAVASZ10 kupon)", "/Orders/Order[3]/Items/Item[5] (Key 27839-100121)"},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i, w := range want {
		it := items[i]
		if id, name := value(t, it, "Id"), value(t, it, "Name"); id != w.id || name != w.name {
			t.Errorf("item %d = %q %q, want %q %q", i+1, id, name, w.id, w.name)
		}
		if it.Position() != w.pos {
			t.Errorf("item %d Position = %q, want %q", i+1, it.Position(), w.pos)
		}
		sku := value(t, it, "Sku")
		if pseudo := sku == "shipping-cost" || sku == "discount-amount"; pseudo != (i >= 3) {
			t.Errorf("item %d (Sku %q): shipping or discount line = %v, want %v", i+1, sku, pseudo, i >= 3)
		}
	}
	if got := value(t, items[4], "PriceGross"); got != "-3000" {
		t.Errorf("discount PriceGross = %q, want -3000", got)
	}
	if got := value(t, items[1], "../../Key"); got != "27839-100121" {
		t.Errorf("item ../../Key = %q, want the order's Key", got)
	}
	if got := value(t, items[0], "Vat"); got != "27%" {
		t.Errorf("Vat = %q, want 27%%", got)
	}
	none, err := recs[0].Children("Comments/Comment")
	if err != nil || len(none) != 0 {
		t.Errorf("Children of empty Comments = %v, %v; want none", none, err)
	}
}

func TestRecordOutlivesNext(t *testing.T) {
	recs := readFixture(t, "orders-2026-11-19.xml")
	for i, rec := range recs {
		if v := value(t, rec, "Key"); v == "" {
			t.Errorf("order %d lost its Key after later Next calls", i+1)
		}
		if items, err := rec.Children("Items/Item"); err != nil || len(items) == 0 {
			t.Errorf("order %d: items %d, %v", i+1, len(items), err)
		}
	}
}

func TestDay2(t *testing.T) {
	recs := readFixture(t, "orders-2026-11-20.xml")
	if len(recs) != 7 {
		t.Fatalf("got %d orders, want 7", len(recs))
	}
	o := byKey(t, recs)
	checks := []struct{ key, path, want string }{
		{"27839-100120", "Status", "Teljesítve"},
		{"27839-100120", "StatusType", "close_ok"},
		{"27839-100121", "Status", "Kiszállítva"},
		{"27839-100121", "Invoice/Url", "https://shop.example.hu/szamla/SZ-2026-0047.pdf"},
		{"27839-100122", "Status", "Kiszállítva"},
		{"27839-100123", "Customer/Email", "stefan.turcanu@gmail.com"},
		{"27839-100123", "Customer/Contact/Name", "Ștefan Țurcanu"},
		{"27839-100125", "Status", "Teljesítve"},
		{"27839-100128", "Customer/Contact/Name", "Andrei Păunescu"},
		{"27839-100129", "Status", "Visszaküldve"},
		{"27839-100129", "Customer/Addresses/Invoice/TaxNumber", "4221306"},
	}
	for _, c := range checks {
		if got := value(t, o[c.key], c.path); got != c.want {
			t.Errorf("%s %s = %q, want %q", c.key, c.path, got, c.want)
		}
	}
}
