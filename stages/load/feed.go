package load

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"minisync/minicrm"
	"minisync/pipeline"
	"minisync/store"
)

// card is one feed card to push: the parent's pending change (if any) and
// its lines' pending changes, and the project built from them.
type card struct {
	key     string
	parent  *store.Pending
	lines   []store.Pending
	project minicrm.FeedProject
}

func (c *card) changes() []store.Pending {
	out := append([]store.Pending(nil), c.lines...)
	if c.parent != nil {
		out = append([]store.Pending{*c.parent}, out...)
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

// sendFeed pushes the cards whose record or lines changed, many per push;
// a push is an upsert by external id, so a lost answer is simply pushed
// again.
func (l *loader) sendFeed(ctx context.Context, e pipeline.Entity, t *target) error {
	cards, err := l.collectCards(ctx, e, t)
	if err != nil {
		return err
	}
	var ready []*card
	for _, c := range cards {
		if c.parent != nil && c.parent.Op == "missing" {
			for _, ch := range c.changes() {
				if err := l.land(ctx, ch.ID, 0, store.ChangeNoop, nil); err != nil {
					return err
				}
			}
			continue
		}
		if err := l.buildCard(ctx, e, t, c); err != nil {
			for _, ch := range c.changes() {
				l.res.Failed++
				if ferr := l.st.Fail(ctx, ch.ID, err.Error()); ferr != nil {
					return ferr
				}
			}
			continue
		}
		ready = append(ready, c)
	}
	for start := 0; start < len(ready); start += l.o.FeedBatch {
		batch := ready[start:min(start+l.o.FeedBatch, len(ready))]
		l.o.Progress.Update("pushing "+e.Name+" cards", int64(start+len(batch)), "cards")
		if err := l.push(ctx, batch); err != nil {
			l.o.Progress.Done()
			return err
		}
	}
	l.o.Progress.Done()
	return nil
}

// collectCards groups the pending changes of the entity and of its lines
// by card.
func (l *loader) collectCards(ctx context.Context, e pipeline.Entity, t *target) ([]*card, error) {
	byKey := map[string]*card{}
	var order []string
	get := func(key string) *card {
		if c, ok := byKey[key]; ok {
			return c
		}
		c := &card{key: key}
		byKey[key] = c
		order = append(order, key)
		return c
	}
	parents, err := l.st.PendingChanges(ctx, e.Name)
	if err != nil {
		return nil, err
	}
	for i := range parents {
		get(parents[i].Key).parent = &parents[i]
	}
	if ln := t.spec.Lines; ln != nil {
		lines, err := l.st.PendingChanges(ctx, ln.Entity)
		if err != nil {
			return nil, err
		}
		prefix := l.o.Mapper.KeyPrefix(e.Name)
		for _, ch := range lines {
			v := ch.Payload[ln.Key]
			if v == nil {
				l.res.Failed++
				if err := l.st.Fail(ctx, ch.ID, fmt.Sprintf("line has no %s: it cannot be sent with its %s", ln.Key, e.Name)); err != nil {
					return nil, err
				}
				continue
			}
			c := get(prefix + *v)
			c.lines = append(c.lines, ch)
		}
	}
	out := make([]*card, len(order))
	for i, k := range order {
		out[i] = byKey[k]
	}
	return out, nil
}

// buildCard builds a card's project from the export the newest of its
// changes came from; an error is a problem of this card's data.
func (l *loader) buildCard(ctx context.Context, e pipeline.Entity, t *target, c *card) error {
	run := c.lastRun()
	row, err := l.st.StagedRecord(ctx, e.Name, run, c.key)
	if err == nil && row == nil {
		row, err = l.st.CurrentRecord(ctx, e.Name, c.key)
	}
	if err != nil {
		return err
	}
	if row == nil {
		return fmt.Errorf("%s %s is neither staged nor known: its lines cannot be sent alone", e.Name, c.key)
	}
	p := minicrm.FeedProject{ID: c.key}
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
		if rec, err := l.related(ctx, emb.Entity, run, row.Get(emb.Key)); err != nil {
			return err
		} else if rec != nil {
			f := l.crmFields(emb.Entity, rec)
			p.Contact = &minicrm.FeedContact{FirstName: f["FirstName"], LastName: f["LastName"], Email: f["Email"], Phone: f["Phone"]}
		}
	}
	if emb := t.spec.Business; emb != nil {
		if rec, err := l.related(ctx, emb.Entity, run, row.Get(emb.Key)); err != nil {
			return err
		} else if rec != nil {
			f := l.crmFields(emb.Entity, rec)
			p.Business = &minicrm.FeedBusiness{Name: f["Name"], VatNumber: f["VatNumber"]}
		}
	}
	if doc := t.spec.Document; doc != nil {
		o := minicrm.FeedOrder{ID: c.key, Number: row.Get(doc["Number"]), CurrencyCode: row.Get(doc["CurrencyCode"]),
			Performance: row.Get(doc["Performance"]), Status: row.Get(doc["Status"]), PaymentMethod: row.Get(doc["PaymentMethod"])}
		if ln := t.spec.Lines; ln != nil {
			parentValue := row.Get(ln.Key)
			lines, err := l.st.StagedChildren(ctx, ln.Entity, run, ln.Key, parentValue)
			if err == nil && len(lines) == 0 {
				lines, err = l.st.CurrentChildren(ctx, ln.Entity, ln.Key, parentValue)
			}
			if err != nil {
				return err
			}
			for _, line := range lines {
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

// related returns the row of a record a card embeds, from the same export
// when it is there, else from what MiniCRM holds.
func (l *loader) related(ctx context.Context, entity string, run int64, key string) (store.Record, error) {
	if key == "" {
		return nil, nil
	}
	rec, err := l.st.StagedRecord(ctx, entity, run, key)
	if err == nil && rec == nil {
		rec, err = l.st.CurrentRecord(ctx, entity, key)
	}
	return rec, err
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
		r, ok := results[c.key]
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
			if c.parent != nil {
				link = l.link(c.parent.Entity, c.key, r.ID, "feed")
			}
			for _, ch := range c.changes() {
				if err := l.land(ctx, ch.ID, r.ID, store.ChangeSent, link); err != nil {
					return err
				}
				link = nil
			}
		}
	}
	return nil
}
