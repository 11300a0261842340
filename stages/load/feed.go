package load

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"

	"minisync/mappings"
	"minisync/minicrm"
	"minisync/pipeline"
	"minisync/store"
)

// card is one feed card to push: the pending changes of its record and
// its lines, and the project built from them.
type card struct {
	store.FeedCard
	project minicrm.FeedProject
}

func (c *card) changes() []store.Pending {
	out := append([]store.Pending(nil), c.Lines...)
	if c.Parent != nil {
		out = append([]store.Pending{*c.Parent}, out...)
	}
	return out
}

func (c *card) lastRun() int64 {
	var r int64
	for _, ch := range c.changes() {
		r = max(r, ch.LastRunID)
	}
	return r
}

// feedPages is how many pushes of cards are built from one page of
// pending changes: the staged rows of a page's cards are read together.
const feedPages = 5

// sendFeed pushes the cards whose record or lines changed, many per push;
// a push is an upsert by external id, so a lost answer is simply pushed
// again. The outbox is read a page of cards at a time, and the rows the
// cards are built from with one query per page and entity.
func (l *loader) sendFeed(ctx context.Context, e pipeline.Entity, t *target) error {
	var lines *store.FeedLines
	if ln := t.spec.Lines; ln != nil {
		lines = &store.FeedLines{Entity: ln.Entity, Key: ln.Key, Prefix: l.o.Mapper.KeyPrefix(e.Name)}
		if err := l.failLinesWithoutCard(ctx, e, *lines); err != nil {
			return err
		}
	}
	pushed := 0
	defer l.o.Progress.Done()
	return l.st.EachFeedCard(ctx, e.Name, lines, feedPages*l.o.FeedBatch, func(page []store.FeedCard) error {
		ready, err := l.buildCards(ctx, e, t, page)
		if err != nil {
			return err
		}
		for start := 0; start < len(ready); start += l.o.FeedBatch {
			batch := ready[start:min(start+l.o.FeedBatch, len(ready))]
			pushed += len(batch)
			l.o.Progress.Update("pushing "+e.Name+" cards", int64(pushed), "cards")
			if err := l.push(ctx, batch); err != nil {
				return err
			}
		}
		return nil
	})
}

// failLinesWithoutCard fails the pending lines that do not say which card
// they belong to.
func (l *loader) failLinesWithoutCard(ctx context.Context, e pipeline.Entity, lines store.FeedLines) error {
	ids, err := l.st.PendingLinesWithoutCard(ctx, lines)
	if err != nil {
		return err
	}
	for _, id := range ids {
		l.res.Failed++
		if err := l.st.Fail(ctx, id, fmt.Sprintf("line has no %s: it cannot be sent with its %s", lines.Key, e.Name)); err != nil {
			return err
		}
	}
	return nil
}

// buildCards builds the projects of a page of cards. A card whose record
// is missing from the source needs no call; a card that cannot be built
// fails with the reason; the rest are returned, in order.
func (l *loader) buildCards(ctx context.Context, e pipeline.Entity, t *target, page []store.FeedCard) ([]*card, error) {
	var cards []*card
	for _, fc := range page {
		c := &card{FeedCard: fc}
		if c.Parent != nil && c.Parent.Op == "missing" {
			for _, ch := range c.changes() {
				if err := l.land(ctx, ch, 0, store.ChangeNoop, nil); err != nil {
					return nil, err
				}
			}
			continue
		}
		cards = append(cards, c)
	}
	rows, err := l.sourceRows(ctx, e, t, cards)
	if err != nil {
		return nil, err
	}
	ready := cards[:0]
	for _, c := range cards {
		if err := l.buildCard(e, t, c, rows); err != nil {
			for _, ch := range c.changes() {
				l.res.Failed++
				if ferr := l.st.Fail(ctx, ch.ID, err.Error()); ferr != nil {
					return nil, ferr
				}
			}
			continue
		}
		ready = append(ready, c)
	}
	return ready, nil
}

// cardRows are the rows a page of cards is built from: each record as
// the export of the card's newest change staged it, or else as MiniCRM
// holds it, and the document lines likewise.
type cardRows struct {
	records map[string]map[store.RunKey]store.Record // by entity
	lines   map[store.RunKey][]store.Record          // by card run and parent value
}

func (r cardRows) record(entity string, run int64, key string) store.Record {
	return r.records[entity][store.RunKey{Run: run, Key: key}]
}

// sourceRows reads the rows of the cards' records, of the contacts they
// embed and of their document lines, one query per entity.
func (l *loader) sourceRows(ctx context.Context, e pipeline.Entity, t *target, cards []*card) (cardRows, error) {
	rows := cardRows{records: map[string]map[store.RunKey]store.Record{}}
	want := make([]store.RunKey, len(cards))
	for i, c := range cards {
		want[i] = store.RunKey{Run: c.lastRun(), Key: c.Key}
	}
	var err error
	if rows.records[e.Name], err = l.records(ctx, e.Name, want); err != nil {
		return rows, err
	}
	// keys of what the cards' rows point to
	related := func(field string) []store.RunKey {
		var out []store.RunKey
		for _, k := range want {
			if r := rows.record(e.Name, k.Run, k.Key); r != nil && r.Get(field) != "" {
				out = append(out, store.RunKey{Run: k.Run, Key: r.Get(field)})
			}
		}
		return out
	}
	for _, emb := range []*mappings.CRMEmbed{t.spec.Contact, t.spec.Business} {
		if emb == nil {
			continue
		}
		recs, err := l.records(ctx, emb.Entity, related(emb.Key))
		if err != nil {
			return rows, err
		}
		if rows.records[emb.Entity] == nil {
			rows.records[emb.Entity] = recs
		} else {
			maps.Copy(rows.records[emb.Entity], recs)
		}
	}
	if ln := t.spec.Lines; ln != nil && t.spec.Document != nil {
		if rows.lines, err = l.children(ctx, ln.Entity, ln.Key, related(ln.Key)); err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// records reads records as their run staged them, else as MiniCRM holds
// them.
func (l *loader) records(ctx context.Context, entity string, want []store.RunKey) (map[store.RunKey]store.Record, error) {
	out, err := l.st.StagedRecords(ctx, entity, want)
	if err != nil {
		return nil, err
	}
	var rest []string
	for _, k := range want {
		if out[k] == nil {
			rest = append(rest, k.Key)
		}
	}
	cur, err := l.st.CurrentRecords(ctx, entity, rest)
	if err != nil {
		return nil, err
	}
	for _, k := range want {
		if out[k] == nil && cur[k.Key] != nil {
			out[k] = cur[k.Key]
		}
	}
	return out, nil
}

// children reads the rows whose field equals a parent's value as the
// parent's run staged them, else as MiniCRM holds them.
func (l *loader) children(ctx context.Context, entity, field string, want []store.RunKey) (map[store.RunKey][]store.Record, error) {
	out, err := l.st.StagedChildren(ctx, entity, field, want)
	if err != nil {
		return nil, err
	}
	var rest []string
	for _, k := range want {
		if len(out[k]) == 0 {
			rest = append(rest, k.Key)
		}
	}
	cur, err := l.st.CurrentChildren(ctx, entity, field, rest)
	if err != nil {
		return nil, err
	}
	for _, k := range want {
		if len(out[k]) == 0 && len(cur[k.Key]) > 0 {
			out[k] = cur[k.Key]
		}
	}
	return out, nil
}

// buildCard builds a card's project from the export the newest of its
// changes came from; an error is a problem of this card's data.
func (l *loader) buildCard(e pipeline.Entity, t *target, c *card, rows cardRows) error {
	run := c.lastRun()
	row := rows.record(e.Name, run, c.Key)
	if row == nil {
		return fmt.Errorf("%s %s is neither staged nor known: its lines cannot be sent alone", e.Name, c.Key)
	}
	p := minicrm.FeedProject{ID: c.Key}
	p.Fields = append(p.Fields, minicrm.FeedField{Name: "CategoryId", Value: fmt.Sprint(t.category)})
	names := make([]string, 0, len(t.spec.Fields))
	for n := range t.spec.Fields {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { // Name first, then alphabetical
		if (names[i] == "Name") != (names[j] == "Name") {
			return names[i] == "Name"
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		v := row.Get(t.spec.Fields[n])
		if v == "" {
			continue
		}
		val, err := t.value(n, v)
		if err != nil {
			return err
		}
		p.Fields = append(p.Fields, minicrm.FeedField{Name: n, Value: fmt.Sprint(val)})
	}
	if emb := t.spec.Contact; emb != nil {
		if rec := rows.record(emb.Entity, run, row.Get(emb.Key)); rec != nil {
			f := l.crmFields(emb.Entity, rec)
			p.Contact = &minicrm.FeedContact{FirstName: f["FirstName"], LastName: f["LastName"], Email: f["Email"], Phone: f["Phone"]}
		}
	}
	if emb := t.spec.Business; emb != nil {
		if rec := rows.record(emb.Entity, run, row.Get(emb.Key)); rec != nil {
			f := l.crmFields(emb.Entity, rec)
			p.Business = &minicrm.FeedBusiness{Name: f["Name"], VatNumber: f["VatNumber"]}
		}
	}
	if doc := t.spec.Document; doc != nil {
		o := minicrm.FeedOrder{ID: c.Key, Number: row.Get(doc["Number"]), CurrencyCode: row.Get(doc["CurrencyCode"]),
			Performance: row.Get(doc["Performance"]), Status: row.Get(doc["Status"]), PaymentMethod: row.Get(doc["PaymentMethod"])}
		if ln := t.spec.Lines; ln != nil {
			for _, line := range rows.lines[store.RunKey{Run: run, Key: row.Get(ln.Key)}] {
				o.Products = append(o.Products, minicrm.FeedProduct{
					ID: line.Get(ln.Fields["Id"]), Name: line.Get(ln.Fields["Name"]), SKU: line.Get(ln.Fields["SKU"]),
					PriceNet: line.Get(ln.Fields["PriceNet"]), Quantity: line.Get(ln.Fields["Quantity"]),
					Unit: line.Get(ln.Fields["Unit"]), VAT: line.Get(ln.Fields["VAT"]),
				})
			}
		}
		p.Orders = []minicrm.FeedOrder{o}
	}
	c.project = p
	return nil
}

// crmFields maps a row of an entity to its MiniCRM field names.
func (l *loader) crmFields(entity string, rec store.Record) map[string]string {
	out := map[string]string{}
	if spec := l.o.Mapper.CRM(entity); spec != nil {
		for crmName, canon := range spec.Fields {
			out[crmName] = rec.Get(canon)
		}
	}
	return out
}

// push sends one batch and lands or fails each card by its result.
func (l *loader) push(ctx context.Context, batch []*card) error {
	projects := make([]minicrm.FeedProject, len(batch))
	for i, c := range batch {
		projects[i] = c.project
	}
	results, err := l.c.PushFeed(withNote(ctx, fmt.Sprintf("feed push of %d cards", len(batch))), projects)
	if err != nil {
		for _, c := range batch {
			for _, ch := range c.changes() {
				if !stop(err) {
					l.res.Failed++
					if ferr := l.st.Fail(ctx, ch.ID, err.Error()); ferr != nil {
						return ferr
					}
				} else if derr := l.st.Defer(context.WithoutCancel(ctx), ch.ID, err.Error()); derr != nil {
					return errors.Join(err, derr)
				}
			}
		}
		if stop(err) {
			return stopError(err)
		}
		return nil
	}
	for _, c := range batch {
		r, ok := results[c.Key]
		switch {
		case !ok:
			for _, ch := range c.changes() {
				if err := l.st.Defer(ctx, ch.ID, "the feed's answer did not mention this card; it is pushed again next run"); err != nil {
					return err
				}
			}
		case r.Status == "Error":
			for _, ch := range c.changes() {
				l.res.Failed++
				if err := l.st.Fail(ctx, ch.ID, "SyncFeed: "+r.Message); err != nil {
					return err
				}
			}
		default:
			var link *store.Link
			if c.Parent != nil {
				link = l.link(c.Parent.Entity, c.Key, r.ID, "feed")
			}
			for _, ch := range c.changes() {
				if err := l.land(ctx, ch, r.ID, store.ChangeSent, link); err != nil {
					return err
				}
				link = nil
			}
		}
	}
	return nil
}
