package store

import (
	"context"
	"database/sql"
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
// line change. The cards are numbered once into a temporary table (DuckDB
// sorting them, on disk when they do not fit its memory); each page is then
// read by its numbers with a statement of its own, so no transaction stays
// open while fn sends, which at MiniCRM's feed limit may take hours. fn may
// land, fail or defer the changes it is handed. Lines without a card key
// are not handed over (see PendingLinesWithoutCard).
func (s *Store) EachFeedCard(ctx context.Context, entity string, lines *FeedLines, n int, fn func([]FeedCard) error) error {
	conn, err := s.DB.Conn(ctx) // the temporary table lives on one connection
	if err != nil {
		return err
	}
	defer conn.Close()
	q := `CREATE OR REPLACE TEMP TABLE feed_cards AS
		SELECT change_id, natural_key AS card, TRUE AS is_parent, row_number() OVER (ORDER BY change_id) AS card_no
		FROM changes WHERE status = 'pending' AND entity = $1`
	args := []any{entity}
	if lines != nil {
		// A card's place: its record's change, else (after every card
		// with one) its first line change.
		q = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE feed_cards AS
			WITH cards AS (
				SELECT change_id, entity = $1 AS is_parent,
					CASE WHEN entity = $1 THEN natural_key ELSE $3 || (payload->>%[1]s) END AS card
				FROM changes
				WHERE status = 'pending' AND (entity = $1 OR (entity = $2 AND (payload->>%[1]s) IS NOT NULL))
			), placed AS (
				SELECT *, coalesce(min(change_id) FILTER (WHERE is_parent) OVER w, 4611686018427387904 + min(change_id) OVER w) AS ord
				FROM cards WINDOW w AS (PARTITION BY card)
			)
			SELECT change_id, card, is_parent, dense_rank() OVER (ORDER BY ord) AS card_no FROM placed`, Lit(lines.Key))
		args = append(args, lines.Entity, lines.Prefix)
	}
	if _, err := conn.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("numbering pending cards of %s: %w", entity, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.feed_cards`)
	var cards int64
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(card_no), 0) FROM temp.feed_cards`).Scan(&cards); err != nil {
		return fmt.Errorf("counting pending cards of %s: %w", entity, err)
	}
	for from := int64(0); from < cards; from += int64(n) {
		page, err := feedPage(ctx, conn, from, from+int64(n))
		if err != nil {
			return fmt.Errorf("reading pending cards of %s: %w", entity, err)
		}
		if len(page) == 0 {
			continue
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

// feedPage reads the cards numbered (from, to] of temp.feed_cards.
func feedPage(ctx context.Context, conn *sql.Conn, from, to int64) ([]FeedCard, error) {
	rows, err := conn.QueryContext(ctx, `SELECT `+pendingColumns+`, f.card, f.is_parent, f.card_no
		FROM temp.feed_cards f JOIN changes USING (change_id)
		WHERE f.card_no > $1 AND f.card_no <= $2 AND status = 'pending'
		ORDER BY f.card_no, f.is_parent DESC, change_id`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []FeedCard
	last := int64(-1)
	for rows.Next() {
		var card string
		var isParent bool
		var no int64
		p, err := scanPending(rows, &card, &isParent, &no)
		if err != nil {
			return nil, err
		}
		if no != last {
			page = append(page, FeedCard{Key: card})
			last = no
		}
		c := &page[len(page)-1]
		if isParent {
			c.Parent = &p
		} else {
			c.Lines = append(c.Lines, p)
		}
	}
	return page, rows.Err()
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
