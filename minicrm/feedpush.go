package minicrm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// FeedResult is the per-project answer of a feed push: Status "Created", "Updated" or "Error".
type FeedResult struct {
	ID      int64
	Status  string
	Message string
}

type feedAnswer struct {
	Status   looseString `json:"Status"`
	Message  looseString `json:"Message"`
	Projects rows        `json:"Projects"`
}

type feedResultRow struct {
	ID      looseInt    `json:"Id"`
	Status  looseString `json:"Status"`
	Message looseString `json:"Message"`
}

// PushFeed uploads projects as one XML feed and returns the per-project
// results by external id. Pushes are upserts, so lost answers are retried;
// projects the server did not answer for are absent from the map.
func (c *Client) PushFeed(ctx context.Context, projects []FeedProject) (map[string]FeedResult, error) {
	if len(projects) == 0 {
		return map[string]FeedResult{}, nil
	}
	body, err := BuildFeed(projects)
	if err != nil {
		return nil, err
	}
	rq := &request{
		method: http.MethodPost, path: "/Api/SyncFeed/" + c.systemID + "/Upload",
		body: body, contentType: "application/xml", pace: c.feed,
	}
	var a feedAnswer
	if err := c.do(ctx, rq, &a); err != nil {
		return nil, err
	}
	if a.Status != "" && !strings.EqualFold(string(a.Status), "OK") {
		return nil, fmt.Errorf("%s %s: feed answered status %q: %s", rq.method, rq.path, a.Status, c.redact(string(a.Message)))
	}
	out := make(map[string]FeedResult, len(a.Projects))
	for _, r := range a.Projects {
		if r.key == "" {
			continue
		}
		var fr feedResultRow
		if err := json.Unmarshal(r.raw, &fr); err != nil {
			return nil, fmt.Errorf("%s %s: decoding result of project %q: %w", rq.method, rq.path, r.key, err)
		}
		out[r.key] = FeedResult{ID: int64(fr.ID), Status: string(fr.Status), Message: c.redact(string(fr.Message))}
	}
	return out, nil
}
