package load

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"minisync/mappings"
	"minisync/minicrm"
	"minisync/pipeline"
	"minisync/store"
)

// sendRecords sends the pending changes of a contact or project entity,
// one request per change (plus a lookup before a record's first create).
func (l *loader) sendRecords(ctx context.Context, e pipeline.Entity, t *target) error {
	defer l.o.Progress.Done()
	sent := 0
	return l.st.EachPending(ctx, e.Name, pendingPage, func(changes []store.Pending) error {
		if err := l.pageIDs(ctx, e, t, changes); err != nil {
			return err
		}
		for _, ch := range changes {
			sent++
			l.o.Progress.Update("sending "+e.Name, int64(sent), "changes")
			if err := l.sendRecord(withChange(ctx, ch.ID), e, t, ch); err != nil {
				return err
			}
		}
		return nil
	})
}

// pageIDs reads the MiniCRM ids a page of changes needs, its records' and
// those they refer to, once everything landed before is recorded: the load
// holds the ids of one page, not of every record MiniCRM holds.
func (l *loader) pageIDs(ctx context.Context, e pipeline.Entity, t *target, changes []store.Pending) error {
	if err := l.drain(ctx); err != nil {
		return err
	}
	var want []store.EntityKey
	for _, ch := range changes {
		want = append(want, store.EntityKey{Entity: e.Name, Key: ch.Key})
		for _, r := range t.spec.Refs {
			if k := ch.Payload[r.Key]; k != nil && *k != "" {
				want = append(want, store.EntityKey{Entity: r.Entity, Key: *k})
			}
		}
	}
	ids, err := l.st.IDs(ctx, want)
	if err != nil {
		return err
	}
	l.ids = ids
	return nil
}

func (l *loader) sendRecord(ctx context.Context, e pipeline.Entity, t *target, ch store.Pending) error {
	if ch.Op == "missing" {
		return l.land(ctx, ch, 0, store.ChangeNoop, nil)
	}
	id := l.crmID(e.Name, ch.Key)
	full := ch.Op == "create" || id == 0
	fields, err := l.fields(t, ch, full)
	var wait *waitError
	switch {
	case errors.As(err, &wait):
		return l.st.Defer(ctx, ch.ID, wait.Error())
	case err != nil:
		l.res.Failed++
		return l.st.Fail(ctx, ch.ID, err.Error())
	}
	if !full && len(fields) == 0 {
		return l.land(ctx, ch, id, store.ChangeNoop, nil)
	}
	var link *store.Link
	if id == 0 {
		if id, err = l.find(ctx, e, t, ch); err != nil {
			return l.failOrStop(ctx, ch, err)
		}
		if id > 0 {
			link = l.link(e.Name, ch.Key, id, "found")
		}
	}
	if id > 0 {
		_, err = l.put(ctx, t, id, fields)
	} else {
		id, link, err = l.create(ctx, e, t, ch, fields)
	}
	if err != nil {
		return l.failOrStop(ctx, ch, err)
	}
	return l.land(ctx, ch, id, store.ChangeSent, link)
}

// create creates a record; when the answer is lost it looks the record up
// before trying again, so a create that did land is not repeated.
func (l *loader) create(ctx context.Context, e pipeline.Entity, t *target, ch store.Pending, fields minicrm.Fields) (int64, *store.Link, error) {
	switch t.spec.API {
	case mappings.APIContact:
		fields["Type"] = t.spec.Type
	case mappings.APIProject:
		fields["CategoryId"] = t.category
		fields["ReferenceId"] = ch.Key
	}
	const tries = 3
	var err error
	for range tries {
		var id int64
		if id, err = l.put(ctx, t, 0, fields); err == nil {
			return id, l.link(e.Name, ch.Key, id, "created"), nil
		}
		if !errors.Is(err, minicrm.ErrOutcomeUnknown) {
			return 0, nil, err
		}
		l.log.Warn("create got no answer; looking the record up before trying again", "entity", e.Name, "key", ch.Key)
		found, ferr := l.find(ctx, e, t, ch)
		if ferr != nil {
			return 0, nil, ferr
		}
		if found > 0 {
			return found, l.link(e.Name, ch.Key, found, "found"), nil
		}
	}
	return 0, nil, err
}

func (l *loader) put(ctx context.Context, t *target, id int64, f minicrm.Fields) (int64, error) {
	if t.spec.API == mappings.APIContact {
		return l.c.PutContact(ctx, id, f)
	}
	return l.c.PutProject(ctx, id, f)
}

// find looks a record up in MiniCRM: a contact by its match field, a card
// by its ReferenceId. Two or more matches are an error to be resolved by
// hand rather than a guess.
func (l *loader) find(ctx context.Context, e pipeline.Entity, t *target, ch store.Pending) (int64, error) {
	q := url.Values{}
	var found []minicrm.Summary
	var err error
	switch t.spec.API {
	case mappings.APIContact:
		v := ch.Payload[t.spec.Fields[t.spec.Match]]
		if v == nil || *v == "" {
			return 0, nil
		}
		q.Set(t.spec.Match, *v)
		q.Set("Type", t.spec.Type)
		found, err = l.c.SearchContacts(ctx, q)
	default:
		q.Set("CategoryId", strconv.FormatInt(t.category, 10))
		q.Set("ReferenceId", ch.Key)
		found, err = l.c.SearchProjects(ctx, q)
	}
	if err != nil {
		return 0, err
	}
	switch len(found) {
	case 0:
		return 0, nil
	case 1:
		return found[0].ID, nil
	}
	ids := make([]int64, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	slices.Sort(ids)
	return 0, &ambiguousError{entity: e.Name, key: ch.Key, ids: ids}
}

// ambiguousError is a lookup that found more than one record.
type ambiguousError struct {
	entity, key string
	ids         []int64
}

func (a *ambiguousError) Error() string {
	return fmt.Sprintf("%d records in MiniCRM match %s %s (ids %v): merge them or link one by hand, minisync does not guess", len(a.ids), a.entity, a.key, a.ids)
}

// waitError holds a change back until a record it refers to has reached
// MiniCRM.
type waitError struct{ entity, key string }

func (w *waitError) Error() string {
	return fmt.Sprintf("waiting for %s %s to reach MiniCRM", w.entity, w.key)
}

// fields builds the request body: every mapped field on a create, the
// changed ones on an update, and the references.
func (l *loader) fields(t *target, ch store.Pending, full bool) (minicrm.Fields, error) {
	out := minicrm.Fields{}
	for crmName, canon := range t.spec.Fields {
		if !full && !slices.Contains(ch.Changed, canon) {
			continue
		}
		v := ch.Payload[canon]
		if v == nil {
			if full {
				continue
			}
			out[crmName] = "" // cleared in the source: cleared in MiniCRM
			continue
		}
		val, err := t.value(crmName, *v)
		if err != nil {
			return nil, err
		}
		out[crmName] = val
	}
	for _, r := range t.spec.Refs {
		if !full && !slices.Contains(ch.Changed, r.Key) {
			continue
		}
		key := ch.Payload[r.Key]
		if key == nil || *key == "" {
			continue
		}
		id := l.crmID(r.Entity, *key)
		if id == 0 {
			if r.Required {
				return nil, &waitError{r.Entity, *key}
			}
			continue
		}
		out[r.Field] = id
	}
	return out, nil
}

// failOrStop fails a change MiniCRM refused, or stops the load when
// MiniCRM is unavailable or refuses the credentials.
func (l *loader) failOrStop(ctx context.Context, ch store.Pending, err error) error {
	if stop(err) {
		if derr := l.st.Defer(context.WithoutCancel(ctx), ch.ID, err.Error()); derr != nil {
			return errors.Join(err, derr)
		}
		return stopError(err)
	}
	l.res.Failed++
	return l.st.Fail(ctx, ch.ID, err.Error())
}
