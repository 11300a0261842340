package sim

import (
	"fmt"
	"strconv"
	"testing"
)

func itoa(n int) string { return strconv.Itoa(n) }

func TestOrders(t *testing.T) {
	f := start(t, Config{})
	if code, body := f.do("GET", "/Api/Order/List?ReferenceId=nope", ""); code != 200 || body != `{"Count":0,"Results":[]}` {
		t.Errorf("empty list: %d %s", code, body)
	}
	customer := f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"Anna"}`)
	doc := f.ok("POST", "/Api/Order", fmt.Sprintf(`{"ReferenceId":"unas:1","CustomerId":%d,"CurrencyCode":"HUF",
	  "Items":[{"SKU":"B-1","Name":"Bögre","PriceNet":"5000","Quantity":1.5,"Unit":"db","VAT":"27%%"}],
	  "Project":{"UnasStatus":"Új rendelés"}}`, customer))
	id := num(t, doc["Id"])
	items, _ := doc["Items"].([]any)
	if doc["Status"] != "Draft" || doc["AmountNet"] != "7500.0000" || doc["Amount"] != "9525.0000" || len(items) != 1 {
		t.Fatalf("created %v", doc)
	}
	f.ok("POST", "/Api/Order", fmt.Sprintf(`{"ReferenceId":"unas:2","CustomerId":%d}`, customer))

	m := f.ok("GET", "/Api/Order/List?ReferenceId=unas:1", "")
	rows, ok := m["Results"].([]any)
	if !ok || len(rows) != 1 || num(t, m["Count"]) != 1 {
		t.Fatalf("list by ReferenceId: %v", m)
	}
	if row := rows[0].(map[string]any); num(t, row["Id"]) != id || row["ReferenceId"] != "unas:1" {
		t.Errorf("list row %v", row)
	}
	if m := f.ok("GET", "/Api/Order/List?Page=0", ""); num(t, m["Count"]) != 2 {
		t.Errorf("list all: %v", m)
	}

	// Update: add an item, overwrite the first.
	itemID := num(t, items[0].(map[string]any)["Id"])
	doc = f.ok("POST", "/Api/Order/"+itoa(id), fmt.Sprintf(
		`{"Items":[{"Id":%d,"Name":"Bögre","PriceNet":1000,"Quantity":1,"VAT":"27"},{"Name":"Tál","PriceNet":500,"Quantity":2,"VAT":"27%%"}]}`, itemID))
	if doc["AmountNet"] != "2000.0000" || len(doc["Items"].([]any)) != 2 {
		t.Errorf("updated %v", doc)
	}
	if got := f.ok("GET", "/Api/Order/"+itoa(id), ""); got["AmountVat"] != "540.0000" {
		t.Errorf("get %v", got)
	}
	f.fail("POST", "/Api/Order/"+itoa(id), `{"CurrencyCode":"EUR"}`, 400, "Order (POST): The CurrencyCode of an order cannot be changed.")
	f.fail("POST", "/Api/Order", `{"CustomerId":999999}`, 400, "Order (POST): Invalid value '999999' for the CustomerId field.")
	f.fail("POST", "/Api/Order", fmt.Sprintf(`{"CustomerId":%d,"Discount":5}`, customer), 400, "Order (POST): Unknown field 'Discount'.")
	f.fail("GET", "/Api/Order/1", "", 404, "Order (GET): Order 1 not found.")
	f.fail("PUT", "/Api/Order", `{}`, 405, "Order (PUT): Method not allowed.")

	orders := f.s.Orders()
	cards := f.s.Projects()
	if len(orders) != 2 || len(cards) != 1 || orders[0].ProjectID != cards[0].ID || cards[0].ContactID != customer ||
		cards[0].Fields["UnasStatus"] != "Új rendelés" || cards[0].CategoryID != 2 {
		t.Errorf("orders %+v, cards %+v", orders, cards)
	}
}
