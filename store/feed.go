package store

import (
	"context"
	"fmt"
)

// FeedCard is the pending changes of one feed card: its record's (nil
// when only lines changed) and its lines', oldest first.
type FeedCard struct {
	Key    string
	Parent *Pending
	Lines  []Pending
}

// FeedLines names the line entity of a feed card and how a line names
// its card: Key is the line field holding the card record's key without
// its Prefix.
type FeedLines struct {
	Entity string
	Key    string
	Prefix string
}

// EachFeedCard hands the pending changes of a feed entity and of its lines
// (nil when it has none) to fn grouped by card, in pages of up to n cards:
// first the cards whose record changed, in the order of those changes,
// then the cards where only lines changed, in the order of their first
// line change. One query reads them all, DuckDB sorting them (on disk
// when they do not fit its memory), so memory holds one page. fn may land,
// fail or defer the changes it is handed. Lines without a card key are
// not handed over (see PendingLinesWithoutCard).
func (s *Store) EachFeedCard(ctx context.Context, entity string, lines *FeedLines, n int, fn func([]FeedCard) error) error {
	q := `SELECT ` + pendingColumns + `, natural_key AS card, TRUE AS is_parent, change_id AS ord
		FROM changes WHERE status = 'pending' AND entity = $1
		ORDER BY change_id`
	args := []any{entity}
	if lines != nil {
		card := fmt.Sprintf("($3 || (payload->>%s))", Lit(lines.Key))
		// A card's place: its record's change, else (after every card
		// with one) its first line change.
		q = fmt.Sprintf(`WITH cards AS (
				SELECT *, %[1]s AS card, entity = $1 AS is_parent FROM changes
				WHERE status = 'pending' AND (entity = $1 OR (entity = $2 AND (payload->>%[2]s) IS NOT NULL))
			)
			SELECT %[3]s, card, is_parent,
				coalesce(min(change_id) FILTER (WHERE is_parent) OVER w, 4611686018427387904 + min(change_id) OVER w) AS ord
			FROM cards
			WINDOW w AS (PARTITION BY card)
			ORDER BY ord, is_parent DESC, change_id`,
			`CASE WHEN entity = $1 THEN natural_key ELSE `+card+` END`, Lit(lines.Key), pendingColumns)
		args = append(args, lines.Entity, lines.Prefix)
	}
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading pending cards of %s: %w", entity, err)
	}
	defer rows.Close()
	var page []FeedCard
	var lastOrd int64 = -1
	for rows.Next() {
		var card string
		var isParent bool
		var ord int64
		p, err := scanPending(rows, &card, &isParent, &ord)
		if err != nil {
			return err
		}
		if ord != lastOrd {
			if len(page) == n {
				if err := fn(page); err != nil {
					return err
				}
				page = nil
			}
			page = append(page, FeedCard{Key: card})
			lastOrd = ord
		}
		c := &page[len(page)-1]
		if isParent {
			c.Parent = &p
		} else {
			c.Lines = append(c.Lines, p)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading pending cards of %s: %w", entity, err)
	}
	if len(page) > 0 {
		return fn(page)
	}
	return nil
}

// PendingLinesWithoutCard returns the pending line changes that do not
// name their card, oldest first.
func (s *Store) PendingLinesWithoutCard(ctx context.Context, lines FeedLines) ([]int64, error) {
	rows, err := s.DB.QueryContext(ctx, fmt.Sprintf(`SELECT change_id FROM changes
		WHERE status = 'pending' AND entity = ? AND (payload->>%s) IS NULL ORDER BY change_id`, Lit(lines.Key)), lines.Entity)
	if err != nil {
		return nil, fmt.Errorf("reading pending lines of %s: %w", lines.Entity, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
