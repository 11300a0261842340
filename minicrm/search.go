package minicrm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Fields holds record fields by name; decoded numbers are json.Number.
type Fields map[string]any

// Summary is one row of a contact or project search.
type Summary struct {
	ID         int64
	Name       string
	Type       string // contacts: "Person" or "Business"
	Email      string
	BusinessID int64
	Fields     Fields // the whole row as sent, e.g. ContactId, StatusId, Url
}

// searchPage is one page of an R3 search answer.
type searchPage struct {
	Count   looseInt `json:"Count"`
	Results rows     `json:"Results"`
}

type summaryRow struct {
	ID         looseInt    `json:"Id"`
	Name       looseString `json:"Name"`
	Type       looseString `json:"Type"`
	Email      looseString `json:"Email"`
	BusinessID looseInt    `json:"BusinessId"`
}

// maxSearchPages stops a server that never runs out of pages.
const maxSearchPages = 10000

// search pages through an R3 search from Page=0 until Count rows arrived
// (or a page brings nothing new).
func (c *Client) search(ctx context.Context, path string, q url.Values) ([]Summary, error) {
	q = cloneValues(q)
	seen := map[int64]bool{}
	var out []Summary
	for page := 0; page < maxSearchPages; page++ {
		q.Set("Page", strconv.Itoa(page))
		var p searchPage
		rq := &request{method: http.MethodGet, path: path, query: q, pace: c.r3}
		if err := c.do(ctx, rq, &p); err != nil {
			return nil, err
		}
		added := 0
		for _, r := range p.Results {
			s, err := decodeSummary(r)
			if err != nil {
				return nil, fmt.Errorf("%s %s page %d: %w", rq.method, path, page, err)
			}
			if seen[s.ID] {
				continue
			}
			seen[s.ID] = true
			out = append(out, s)
			added++
		}
		if added == 0 || int64(len(out)) >= int64(p.Count) {
			return out, nil
		}
	}
	return nil, fmt.Errorf("GET %s: more than %d pages", path, maxSearchPages)
}

// decodeSummary decodes one result row; an object key stands in for a missing Id.
func decodeSummary(r row) (Summary, error) {
	var sr summaryRow
	if err := json.Unmarshal(r.raw, &sr); err != nil {
		return Summary{}, fmt.Errorf("decoding result %q: %w", r.key, err)
	}
	f, err := decodeFields(r.raw)
	if err != nil {
		return Summary{}, fmt.Errorf("decoding result %q: %w", r.key, err)
	}
	id := int64(sr.ID)
	if id == 0 && r.key != "" {
		if id, err = parseLooseInt(r.key); err != nil {
			return Summary{}, fmt.Errorf("decoding result key: %w", err)
		}
	}
	if id <= 0 {
		return Summary{}, fmt.Errorf("result %s has no Id", clip(string(r.raw)))
	}
	return Summary{
		ID: id, Name: string(sr.Name), Type: string(sr.Type), Email: string(sr.Email),
		BusinessID: int64(sr.BusinessID), Fields: f,
	}, nil
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q)+1)
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// idAnswer is the {"Id": N} answer of an R3 write.
type idAnswer struct {
	ID looseInt `json:"Id"`
}

// put creates (id 0) or updates an R3 record and returns its id.
func (c *Client) put(ctx context.Context, resource string, id int64, f Fields) (int64, error) {
	if id < 0 {
		return 0, fmt.Errorf("putting %s: negative id %d", resource, id)
	}
	if f == nil {
		f = Fields{}
	}
	body, err := json.Marshal(f)
	if err != nil {
		return 0, fmt.Errorf("encoding %s fields: %w", resource, err)
	}
	rq := &request{
		method: http.MethodPut, path: "/Api/R3/" + resource,
		body: body, contentType: "application/json", pace: c.r3, create: id == 0,
	}
	if id != 0 {
		rq.path += "/" + strconv.FormatInt(id, 10)
	}
	var a idAnswer
	if err := c.do(ctx, rq, &a); err != nil {
		return 0, err
	}
	if a.ID <= 0 {
		err := fmt.Errorf("%s %s: answer has no Id", rq.method, rq.path)
		if rq.create {
			err = fmt.Errorf("%s %s: %w: answer has no Id", rq.method, rq.path, ErrOutcomeUnknown)
		}
		return 0, err
	}
	return int64(a.ID), nil
}

// get reads all fields of one R3 record.
func (c *Client) get(ctx context.Context, resource string, id int64) (Fields, error) {
	if id <= 0 {
		return nil, fmt.Errorf("getting %s: invalid id %d", resource, id)
	}
	rq := &request{method: http.MethodGet, path: "/Api/R3/" + resource + "/" + strconv.FormatInt(id, 10), pace: c.r3}
	var f Fields
	if err := c.do(ctx, rq, &f); err != nil {
		return nil, err
	}
	return f, nil
}
