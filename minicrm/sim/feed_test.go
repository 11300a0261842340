package sim

import (
	"strings"
	"testing"
)

const feedPath = "/Api/SyncFeed/" + testSystem + "/Upload"

// feedXML is a push of two order cards: one for a company's employee and
// one whose status label is given by badStatus.
func feedXML(vat, email, badStatus string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Projects>
  <Project Id="unas:27839-100120">
    <Name>UNAS 27839-100120</Name>
    <CategoryId>2</CategoryId>
    <StatusId>Sikeres</StatusId>
    <UserId>Kovács Anna</UserId>
    <UnasStatus>Teljesítve</UnasStatus>
    <Business><Name>Példa Kft.</Name><VatNumber>` + vat + `</VatNumber></Business>
    <Contacts><Contact><FirstName>Anna</FirstName><LastName>Kiss</LastName>
      <Emails><Email><Value>` + email + `</Value></Email></Emails></Contact></Contacts>
    <Orders>
      <Order Id="unas:27839-100120">
        <Number>27839-100120</Number><CurrencyCode>HUF</CurrencyCode><Performance>2026-11-17 08:15:33</Performance>
        <Status>Issued</Status><PaymentMethod>Card</PaymentMethod>
        <Products>
          <Product Id="1003"><Name>Bögre</Name><SKU>B-1</SKU><PriceNet>5110.24</PriceNet><Quantity>1</Quantity><Unit>db</Unit><VAT>27%</VAT></Product>
          <Product Id="1004"><Name>Tányér</Name><SKU>T-1</SKU><PriceNet>1000</PriceNet><Quantity>2</Quantity><Unit>db</Unit><VAT>27%</VAT></Product>
        </Products>
      </Order>
    </Orders>
  </Project>
  <Project Id="unas:27839-100121">
    <Name>UNAS 27839-100121</Name>
    <CategoryId>2</CategoryId>
    <StatusId>` + badStatus + `</StatusId>
    <Contacts><Contact><FirstName>Béla</FirstName><LastName>Nagy</LastName>
      <Emails><Email><Value>bela@example.hu</Value></Email></Emails></Contact></Contacts>
  </Project>
</Projects>`
}

func projectResult(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	ps, _ := m["Projects"].(map[string]any)
	r, ok := ps[key].(map[string]any)
	if !ok || m["Status"] != "OK" {
		t.Fatalf("no result for %s in %v", key, m)
	}
	return r
}

func TestFeedUpsert(t *testing.T) {
	f := start(t, Config{})
	m := f.ok("POST", feedPath, feedXML("12345678-2-42", "anna@example.hu", "Nincs ilyen"))
	first := projectResult(t, m, "unas:27839-100120")
	bad := projectResult(t, m, "unas:27839-100121")
	if first["Status"] != "Created" || bad["Status"] != "Error" ||
		bad["Message"] != "Invalid value 'Nincs ilyen' for the StatusId field." {
		t.Fatalf("first push: %v", m)
	}
	cardID := num(t, first["Id"])
	if len(f.s.Projects()) != 1 || len(f.s.Contacts()) != 2 || len(f.s.Orders()) != 1 {
		t.Fatalf("after the first push: %d cards, %d contacts, %d orders (the bad project must apply nothing)",
			len(f.s.Projects()), len(f.s.Contacts()), len(f.s.Orders()))
	}

	// The same cards again, the VAT number and e-mail written differently,
	// the second project fixed: updates, no duplicates.
	m = f.ok("POST", feedPath, feedXML("HU 12345678 2 42", "ANNA@example.hu", "Új"))
	if r := projectResult(t, m, "unas:27839-100120"); r["Status"] != "Updated" || num(t, r["Id"]) != cardID {
		t.Errorf("second push, first project: %v", r)
	}
	if r := projectResult(t, m, "unas:27839-100121"); r["Status"] != "Created" {
		t.Errorf("second push, second project: %v", r)
	}
	contacts, cards, orders := f.s.Contacts(), f.s.Projects(), f.s.Orders()
	if len(cards) != 2 || len(contacts) != 3 || len(orders) != 1 {
		t.Fatalf("after the second push: %d cards, %d contacts, %d orders; want 2, 3, 1", len(cards), len(contacts), len(orders))
	}
	biz, anna := contacts[0], contacts[1]
	if biz.Type != ContactBusiness || anna.Fields["Email"] != "ANNA@example.hu" || anna.BusinessID() != biz.ID {
		t.Errorf("contacts %+v", contacts)
	}
	card := cards[0]
	if card.ReferenceID != "unas:27839-100120" || card.ContactID != anna.ID || card.BusinessID != biz.ID ||
		card.StatusID != 13 || card.Fields["UnasStatus"] != "Teljesítve" {
		t.Errorf("card %+v", card)
	}
	o := orders[0]
	if o.ReferenceID != "unas:27839-100120" || o.ProjectID != card.ID || o.Status != "Issued" || len(o.Items) != 2 ||
		o.Items[0].ProductID != "1003" || o.Items[0].PriceNet != "5110.2400" {
		t.Errorf("order %+v", o)
	}
	if net, _, _ := o.Amounts(); net != 7110.24 {
		t.Errorf("order net %v", net)
	}

	// Visible through R3, with the label in the detail.
	r := f.ok("GET", "/Api/R3/Project?ReferenceId=unas:27839-100120", "")
	if num(t, r["Count"]) != 1 {
		t.Errorf("R3 search by ReferenceId: %v", r)
	}
	if d := f.ok("GET", "/Api/R3/Project/"+itoa(cardID), ""); d["StatusId"] != "Sikeres" {
		t.Errorf("R3 detail %v", d)
	}
}

func TestFeedRejects(t *testing.T) {
	f := start(t, Config{})
	for _, body := range []string{
		`<Projects><Project Id="x"><Name>A</Name></Projects>`, // malformed
		`not xml at all`,
		`<Orders></Orders>`, // wrong root
	} {
		code, text := f.do("POST", feedPath, body)
		if code != 400 || !strings.HasPrefix(text, "SyncFeed (POST): Invalid XML: ") {
			t.Errorf("%q: %d %q", body, code, text)
		}
	}
	// A malformed push applies nothing, even its valid first project.
	valid := feedXML("1", "a@b.hu", "Új")
	code, _ := f.do("POST", feedPath, valid[:len(valid)-20])
	if code != 400 || len(f.s.Projects())+len(f.s.Contacts())+len(f.s.Orders()) != 0 {
		t.Errorf("truncated push: %d, applied %d cards", code, len(f.s.Projects()))
	}
	f.fail("POST", "/Api/SyncFeed/999/Upload", `<Projects/>`, 404, "SyncFeed (POST): Unknown system '999'.")
	f.fail("GET", feedPath, "", 405, "SyncFeed (GET): Method not allowed.")

	m := f.ok("POST", feedPath, `<Projects>
	  <Project Id="a"><CategoryId>2</CategoryId><Szin>piros</Szin><Contacts><Contact><FirstName>A</FirstName></Contact></Contacts></Project>
	  <Project Id="b"><CategoryId>2</CategoryId><Contacts><Contact><FirstName>B</FirstName></Contact></Contacts>
	    <Orders><Order Id="o"><Status>Paid</Status></Order></Orders></Project>
	  <Project Id="c"><StatusId>Új</StatusId><Contacts><Contact><FirstName>C</FirstName></Contact></Contacts></Project>
	</Projects>`)
	for key, want := range map[string]string{
		"a": "Unknown field 'Szin'.",
		"b": "Invalid value 'Paid' for the Status field.",
		"c": "The CategoryId field is required.",
	} {
		if r := projectResult(t, m, key); r["Status"] != "Error" || r["Message"] != want {
			t.Errorf("project %s: %v, want Error %q", key, r, want)
		}
	}
	if len(f.s.Projects())+len(f.s.Contacts())+len(f.s.Orders()) != 0 {
		t.Errorf("projects in error applied something")
	}
}
