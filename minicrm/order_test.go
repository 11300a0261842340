package minicrm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

func TestCreateOrder(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/Api/Order" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		if body["ReferenceId"] != "unas:27839-100120" || body["CustomerId"] != float64(7) || body["CurrencyCode"] != "HUF" {
			t.Errorf("body = %s", b)
		}
		items, _ := body["Items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["PriceNet"] != "5110.24" {
			t.Errorf("items = %v", body["Items"])
		}
		if p, _ := body["Project"].(map[string]any); p["UnasStatus"] != "Teljesítve" {
			t.Errorf("project = %v", body["Project"])
		}
		writeJSON(w, `{"Id": "501", "Number": "M-1", "Status": "Draft", "CurrencyCode": "HUF",
			"AmountNet": "5110.2400", "AmountVat": 1379.76, "Amount": "6490.0000", "Items": [{"Id": 1}], "ReferenceId": "unas:27839-100120"}`)
	})
	res, err := h.c.CreateOrder(context.Background(), Order{
		ReferenceID: "unas:27839-100120", CustomerID: 7, CurrencyCode: "HUF",
		Items:   []OrderItem{{SKU: "A-1", Name: "Bögre", PriceNet: "5110.24", Quantity: "1", Unit: "db", VAT: "27%"}},
		Project: Fields{"UnasStatus": "Teljesítve"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := OrderResult{ID: 501, Number: "M-1", Status: "Draft", AmountNet: "5110.2400", AmountVat: "1379.76", Amount: "6490.0000"}
	if res != want {
		t.Errorf("result = %+v, want %+v", res, want)
	}
}

func TestFindOrder(t *testing.T) {
	h := newHarness(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Api/Order/List" {
			t.Errorf("path %s", r.URL.Path)
		}
		switch r.URL.Query().Get("ReferenceId") {
		case "unas:1":
			writeJSON(w, `{"Count": "1", "Results": [{"Id": "9", "Number": "M-9", "Status": "Issued", "Amount": "10.0000", "ReferenceId": "unas:1"}]}`)
		default:
			writeJSON(w, `{"Count": 0, "Results": []}`)
		}
	})
	got, err := h.c.FindOrder(context.Background(), "unas:1")
	if err != nil || got == nil || got.ID != 9 || got.Number != "M-9" || got.Amount != "10.0000" {
		t.Fatalf("FindOrder = %+v, %v", got, err)
	}
	got, err = h.c.FindOrder(context.Background(), "unas:2")
	if err != nil || got != nil {
		t.Fatalf("FindOrder(missing) = %+v, %v; want nil, nil", got, err)
	}
}
