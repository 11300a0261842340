package minicrm

import (
	"context"
	"net/url"
)

// SearchContacts returns every contact matching q (e.g. Email, VatNumber,
// ReferenceId, Type), paging from Page=0 until Count is reached.
func (c *Client) SearchContacts(ctx context.Context, q url.Values) ([]Summary, error) {
	return c.search(ctx, "/Api/R3/Contact", q)
}

// PutContact creates a contact (id 0; never retried once sent, see
// ErrOutcomeUnknown) or updates contact id with f, and returns its id.
func (c *Client) PutContact(ctx context.Context, id int64, f Fields) (int64, error) {
	return c.put(ctx, "Contact", id, f)
}

// GetContact returns all fields of a contact; dropdowns come as labels.
func (c *Client) GetContact(ctx context.Context, id int64) (Fields, error) {
	return c.get(ctx, "Contact", id)
}
