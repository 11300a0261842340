package sim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// entity is what the shared handlers need of a stored contact or card.
type entity interface {
	comparable
	key() int           // the Id
	updated() time.Time // the UpdatedAt
}

func (c *Contact) key() int           { return c.ID }
func (c *Contact) updated() time.Time { return c.UpdatedAt }
func (p *Project) key() int           { return p.ID }
func (p *Project) updated() time.Time { return p.UpdatedAt }

// byID finds the item with the given id in items, which are sorted by id;
// the zero T (nil) when there is none.
func byID[T entity](items []T, id int) T {
	i := sort.Search(len(items), func(i int) bool { return items[i].key() >= id })
	if i < len(items) && items[i].key() == id {
		return items[i]
	}
	var none T
	return none
}

// resource routes the requests of a searchable, writable entity: GET and
// PUT on the collection (parts[1]) search and create, GET and PUT on an
// id (parts[2]) read and update; anything else is an unknown URL or a
// method not allowed.
func (s *Server) resource(r *request, search func(*request) reply, get, write func(*request, int) reply) reply {
	switch len(r.parts) {
	case 2:
		switch r.method {
		case http.MethodGet:
			return search(r)
		case http.MethodPut:
			return write(r, 0)
		}
		return r.methodNotAllowed(http.MethodGet, http.MethodPut)
	case 3:
		id, ok := r.id(2)
		if !ok {
			return r.unknownURL()
		}
		switch r.method {
		case http.MethodGet:
			return get(r, id)
		case http.MethodPut:
			return write(r, id)
		}
		return r.methodNotAllowed(http.MethodGet, http.MethodPut)
	}
	return r.unknownURL()
}

// matchAll returns the items that every predicate accepts, in order.
func matchAll[T any](items []T, preds []func(T) bool) []T {
	var hits []T
next:
	for _, it := range items {
		for _, p := range preds {
			if !p(it) {
				continue next
			}
		}
		hits = append(hits, it)
	}
	return hits
}

// searchReply is the answer to a search: the count of all hits and the
// page's rows.
func searchReply(count int, results *object) reply {
	out := &object{}
	out.set("Count", count)
	out.set("Results", results)
	return jsonReply(out)
}

// searchSpec describes a search over one kind of entity.
type searchSpec[T entity] struct {
	items func() []T // all entities, sorted by id; called with mu held
	// match turns a query parameter other than Page and UpdatedSince into
	// a predicate, or an error that fails the request. Called with mu held.
	match func(k, v string) (func(T) bool, error)
	row   func(T) *object // a page's row, under the entity's id
}

// search answers a search request: every query parameter but Page, in
// name order, becomes a predicate (UpdatedSince for every kind, the rest
// through sp.match); the entities all predicates accept are counted and
// the requested page of them rendered.
func search[T entity](s *Server, r *request, sp searchSpec[T]) reply {
	page, err := r.page()
	if err != nil {
		return r.fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var preds []func(T) bool
	for _, k := range slices.Sorted(maps.Keys(r.query)) {
		v := r.query.Get(k)
		var p func(T) bool
		switch k {
		case "Page":
			continue
		case "UpdatedSince":
			t, ok := parseDate(v)
			if !ok {
				return r.fail(invalidValue(k, v))
			}
			p = func(x T) bool { return !x.updated().Before(t) }
		default:
			if p, err = sp.match(k, v); err != nil {
				return r.fail(err)
			}
		}
		preds = append(preds, p)
	}
	hits := matchAll(sp.items(), preds)
	lo, hi := pageBounds(page, len(hits))
	results := &object{emptyArray: true}
	for _, h := range hits[lo:hi] {
		results.set(strconv.Itoa(h.key()), sp.row(h))
	}
	return searchReply(len(hits), results)
}

// get answers a read of one entity: with mu held, lookup finds it (a
// missing one is not found, named by kind) and render makes its object.
func get[T any](s *Server, r *request, id int, kind string, lookup func(int) *T, render func(*T) *object) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := lookup(id)
	if x == nil {
		return r.notFound(fmt.Sprintf("%s %d not found.", kind, id))
	}
	return jsonReply(render(x))
}

// write answers a create (id 0) or update from a JSON object body: with mu
// held, lookup finds the entity being updated (a missing one is not found,
// named by kind) and apply validates vals and saves them, old nil on a
// create, returning the written id or an error that fails the request.
func write[T any](s *Server, r *request, id int, kind string, lookup func(int) *T, apply func(vals map[string]any, old *T) (int, error)) reply {
	vals, err := decodeObject(r.body)
	if err != nil {
		return r.fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old *T
	if id != 0 {
		if old = lookup(id); old == nil {
			return r.notFound(fmt.Sprintf("%s %d not found.", kind, id))
		}
	}
	newID, err := apply(vals, old)
	if err != nil {
		return r.fail(err)
	}
	return jsonReply(map[string]int{"Id": newID})
}

// setField stores a written field value; an empty one clears the field.
func setField(fields map[string]string, k, v string) {
	if v == "" {
		delete(fields, k)
	} else {
		fields[k] = v
	}
}
