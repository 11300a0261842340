package minicrm

import (
	"context"
	"net/url"
)

// SearchProjects returns every project (card) matching q (e.g. CategoryId,
// ReferenceId), paging from Page=0 until Count is reached.
func (c *Client) SearchProjects(ctx context.Context, q url.Values) ([]Summary, error) {
	return c.search(ctx, "/Api/R3/Project", q)
}

// PutProject creates a project (id 0; never retried once sent, see
// ErrOutcomeUnknown) or updates project id with f, and returns its id.
func (c *Client) PutProject(ctx context.Context, id int64, f Fields) (int64, error) {
	return c.put(ctx, "Project", id, f)
}

// GetProject returns all fields of a project; dropdowns come as labels.
func (c *Client) GetProject(ctx context.Context, id int64) (Fields, error) {
	return c.get(ctx, "Project", id)
}
