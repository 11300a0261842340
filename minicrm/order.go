package minicrm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// OrderItem is one line of an order; amounts are decimal strings such as "5110.24".
type OrderItem struct {
	SKU         string `json:"SKU,omitempty"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	Unit        string `json:"Unit,omitempty"`
	VAT         string `json:"VAT,omitempty"` // "27" or "27%"
	PriceNet    string `json:"PriceNet"`
	Quantity    string `json:"Quantity"`
}

// Order is the body of POST /Api/Order.
type Order struct {
	ReferenceID  string      `json:"ReferenceId,omitempty"`
	CustomerID   int64       `json:"CustomerId,omitempty"`
	CurrencyCode string      `json:"CurrencyCode,omitempty"`
	Items        []OrderItem `json:"Items"`
	Project      Fields      `json:"Project,omitempty"`
}

// OrderResult is the part of an order document minisync keeps; amounts are strings.
type OrderResult struct {
	ID                           int64
	Number, Status               string
	AmountNet, AmountVat, Amount string
}

type orderRow struct {
	ID          looseInt    `json:"Id"`
	Number      looseString `json:"Number"`
	Status      looseString `json:"Status"`
	AmountNet   looseString `json:"AmountNet"`
	AmountVat   looseString `json:"AmountVat"`
	Amount      looseString `json:"Amount"`
	ReferenceID looseString `json:"ReferenceId"`
}

func (r orderRow) result() OrderResult {
	return OrderResult{
		ID: int64(r.ID), Number: string(r.Number), Status: string(r.Status),
		AmountNet: string(r.AmountNet), AmountVat: string(r.AmountVat), Amount: string(r.Amount),
	}
}

// CreateOrder creates an order document. It is never retried once sent: a
// lost answer yields ErrOutcomeUnknown, and the caller checks FindOrder.
func (c *Client) CreateOrder(ctx context.Context, o Order) (OrderResult, error) {
	if o.Items == nil {
		o.Items = []OrderItem{}
	}
	body, err := json.Marshal(o)
	if err != nil {
		return OrderResult{}, fmt.Errorf("encoding order %q: %w", o.ReferenceID, err)
	}
	rq := &request{method: http.MethodPost, path: "/Api/Order", body: body, contentType: "application/json", create: true}
	var r orderRow
	if err := c.do(ctx, rq, &r); err != nil {
		return OrderResult{}, err
	}
	if r.ID <= 0 {
		return OrderResult{}, fmt.Errorf("%s %s: %w: answer has no Id", rq.method, rq.path, ErrOutcomeUnknown)
	}
	return r.result(), nil
}

// FindOrder returns the order whose ReferenceId is referenceID, or nil when there is none.
func (c *Client) FindOrder(ctx context.Context, referenceID string) (*OrderResult, error) {
	if referenceID == "" {
		return nil, errors.New("finding order: empty ReferenceId")
	}
	rq := &request{method: http.MethodGet, path: "/Api/Order/List", query: url.Values{"ReferenceId": {referenceID}}}
	var p searchPage
	if err := c.do(ctx, rq, &p); err != nil {
		return nil, err
	}
	for _, row := range p.Results {
		var r orderRow
		if err := json.Unmarshal(row.raw, &r); err != nil {
			return nil, fmt.Errorf("%s %s: decoding order: %w", rq.method, rq.path, err)
		}
		if r.ReferenceID != "" && string(r.ReferenceID) != referenceID {
			continue // a server ignoring the filter
		}
		if r.ID == 0 && row.key != "" {
			id, err := parseLooseInt(row.key)
			if err != nil {
				return nil, fmt.Errorf("%s %s: decoding order key: %w", rq.method, rq.path, err)
			}
			r.ID = looseInt(id)
		}
		res := r.result()
		return &res, nil
	}
	return nil, nil
}
