package sim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Project is a card of a module.
type Project struct {
	ID          int    `json:"Id"`
	CategoryID  int    `json:"CategoryId"`
	ContactID   int    `json:"ContactId"`
	BusinessID  int    `json:"BusinessId,omitempty"`
	Name        string `json:"Name"`
	StatusID    int    `json:"StatusId"`
	UserID      int    `json:"UserId"`
	ReferenceID string `json:"ReferenceId,omitempty"`
	// Fields holds the module's custom fields by name, dropdowns as option ids.
	Fields          map[string]string `json:"Fields"`
	StatusUpdatedAt time.Time         `json:"StatusUpdatedAt"`
	CreatedAt       time.Time         `json:"CreatedAt"`
	UpdatedAt       time.Time         `json:"UpdatedAt"`
}

func (s *Server) projectByID(id int) *Project {
	ps := s.data.Projects
	i := sort.Search(len(ps), func(i int) bool { return ps[i].ID >= id })
	if i < len(ps) && ps[i].ID == id {
		return ps[i]
	}
	return nil
}

func (s *Server) project(r *request) reply {
	switch len(r.parts) {
	case 2:
		switch r.method {
		case http.MethodGet:
			return s.searchProjects(r)
		case http.MethodPut:
			return s.writeProject(r, 0)
		}
		return r.methodNotAllowed(http.MethodGet, http.MethodPut)
	case 3:
		id, ok := r.id(2)
		if !ok {
			return r.unknownURL()
		}
		switch r.method {
		case http.MethodGet:
			return s.getProject(r, id)
		case http.MethodPut:
			return s.writeProject(r, id)
		}
		return r.methodNotAllowed(http.MethodGet, http.MethodPut)
	}
	return r.unknownURL()
}

func (s *Server) searchProjects(r *request) reply {
	page, err := r.page()
	if err != nil {
		return r.fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var preds []func(*Project) bool
	intParam := func(k, v string, get func(*Project) int) (func(*Project) bool, error) {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, invalidValue(k, v)
		}
		return func(p *Project) bool { return get(p) == n }, nil
	}
	for _, k := range sortedKeys(r.query) {
		v := r.query.Get(k)
		var p func(*Project) bool
		var err error
		switch k {
		case "Page":
			continue
		case "CategoryId":
			p, err = intParam(k, v, func(p *Project) int { return p.CategoryID })
		case "ContactId":
			p, err = intParam(k, v, func(p *Project) int { return p.ContactID })
		case "MainContactId", "BusinessId":
			p, err = intParam(k, v, func(p *Project) int { return p.BusinessID })
		case "ReferenceId":
			p = func(p *Project) bool { return p.ReferenceID == v }
		case "Name":
			p = func(p *Project) bool { return strings.Contains(strings.ToLower(p.Name), strings.ToLower(v)) }
		case "StatusId":
			p = func(p *Project) bool {
				id, ok := resolveOption(s.categoryOf(p).Statuses, v)
				return ok && id == p.StatusID
			}
		case "UserId":
			p = func(p *Project) bool {
				id, ok := resolveOption(s.sys.Users, v)
				return ok && id == p.UserID
			}
		case "Deleted":
			p = func(*Project) bool { return v != "1" } // nothing is ever deleted
		case "Query":
			p = func(p *Project) bool {
				return matchesQuery(p.Fields, v) || matchesQuery(map[string]string{"": p.Name, "r": p.ReferenceID}, v)
			}
		case "UpdatedSince":
			t, ok := parseDate(v)
			if !ok {
				return r.fail(invalidValue(k, v))
			}
			p = func(p *Project) bool { return !p.UpdatedAt.Before(t) }
		default:
			if !s.anyCategoryHas(k) {
				return r.fail(unknownField(k))
			}
			p = func(p *Project) bool {
				f, ok := findField(s.categoryOf(p).Fields, k)
				return ok && fieldEquals(f, p.Fields[k], v)
			}
		}
		if err != nil {
			return r.fail(err)
		}
		preds = append(preds, p)
	}
	var hits []*Project
next:
	for _, p := range s.data.Projects {
		for _, pred := range preds {
			if !pred(p) {
				continue next
			}
		}
		hits = append(hits, p)
	}
	lo, hi := pageBounds(page, len(hits))
	results := &object{emptyArray: true}
	for _, p := range hits[lo:hi] {
		row := &object{}
		row.set("Id", p.ID)
		row.set("Name", p.Name)
		row.set("Url", fmt.Sprintf("%s/Api/R3/Project/%d", r.base, p.ID))
		row.set("ContactId", p.ContactID)
		row.set("StatusId", p.StatusID)
		row.set("UserId", p.UserID)
		row.set("Deleted", 0)
		if p.BusinessID != 0 {
			row.set("BusinessId", p.BusinessID)
		}
		results.set(strconv.Itoa(p.ID), row)
	}
	out := &object{}
	out.set("Count", len(hits))
	out.set("Results", results)
	return jsonReply(out)
}

// categoryOf is the card's module; a module missing from the system (a
// state file from another system) reads as one without statuses or fields.
func (s *Server) categoryOf(p *Project) *Category {
	if c, ok := s.sys.category(p.CategoryID); ok {
		return c
	}
	return &Category{ID: p.CategoryID, Name: "?", Type: CategoryGeneric}
}

func (s *Server) anyCategoryHas(field string) bool {
	for i := range s.sys.Categories {
		if _, ok := findField(s.sys.Categories[i].Fields, field); ok {
			return true
		}
	}
	return false
}

func (s *Server) getProject(r *request, id int) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectByID(id)
	if p == nil {
		return r.notFound(fmt.Sprintf("Project %d not found.", id))
	}
	c := s.categoryOf(p)
	intOrEmpty := func(n int) any {
		if n == 0 {
			return ""
		}
		return n
	}
	out := &object{}
	out.set("Id", p.ID)
	out.set("CategoryId", p.CategoryID)
	out.set("ContactId", intOrEmpty(p.ContactID))
	out.set("BusinessId", intOrEmpty(p.BusinessID))
	out.set("Name", p.Name)
	out.set("StatusId", optionLabel(c.Statuses, p.StatusID))
	out.set("UserId", optionLabel(s.sys.Users, p.UserID))
	out.set("ReferenceId", p.ReferenceID)
	for _, f := range c.Fields {
		out.set(f.Name, f.render(p.Fields[f.Name]))
	}
	out.set("StatusUpdatedAt", formatTime(p.StatusUpdatedAt))
	out.set("IsPrivate", 0)
	out.set("Deleted", 0)
	out.set("CreatedBy", "API")
	out.set("CreatedAt", formatTime(p.CreatedAt))
	out.set("UpdatedBy", "API")
	out.set("UpdatedAt", formatTime(p.UpdatedAt))
	return jsonReply(out)
}

// writeProject creates (id 0) or updates a card from a JSON body.
func (s *Server) writeProject(r *request, id int) reply {
	vals, err := decodeObject(r.body)
	if err != nil {
		return r.fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old *Project
	var cat *Category
	if id != 0 {
		if old = s.projectByID(id); old == nil {
			return r.notFound(fmt.Sprintf("Project %d not found.", id))
		}
		cat = s.categoryOf(old) // CategoryId is ignored on update
	} else {
		v, ok := vals["CategoryId"]
		if !ok {
			return r.fail(badf("The CategoryId field is required."))
		}
		n, _ := intValue(v)
		if cat, ok = s.sys.category(n); !ok {
			return r.fail(invalidValue("CategoryId", display(v)))
		}
	}
	delete(vals, "CategoryId")
	changes, err := s.checkProject(cat, old, vals, old == nil)
	if err != nil {
		return r.fail(err)
	}
	p := s.saveProject(cat, old, changes)
	return jsonReply(map[string]int{"Id": p.ID})
}

// checkProject validates written card values against the module's schema
// and returns them as stored; needContact requires a ContactId (a create).
// Call with mu held.
func (s *Server) checkProject(cat *Category, old *Project, vals map[string]any, needContact bool) (map[string]string, error) {
	fields := s.sys.projectFields(cat)
	out := map[string]string{}
	for _, k := range sortedKeys(vals) {
		var v string
		var err error
		switch k {
		case "Id":
			continue
		case "Deleted":
			if d, _ := rawString(vals[k]); d != "" && d != "0" {
				return nil, badf("Deleting cards is not supported: minisync never deletes.")
			}
			continue
		case "StatusId":
			v, err = s.sys.statusField(cat).coerce(vals[k])
		case "UserId":
			// The manual's quirk: an unknown user answers 200 and the card
			// goes to a user of the system (here the first).
			if v, err = s.sys.userField().coerce(vals[k]); err != nil || v == "" {
				v, err = strconv.Itoa(s.sys.Users[0].ID), nil
			}
		default:
			f, ok := findField(fields, k)
			if !ok {
				return nil, unknownField(k)
			}
			v, err = f.coerce(vals[k])
		}
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	if v, set := out["StatusId"]; set && v == "" {
		return nil, badf("The StatusId field is required.")
	}
	if c, set := out["ContactId"]; set || needContact {
		id, _ := strconv.Atoi(c)
		if c == "" {
			return nil, badf("The ContactId field is required.")
		}
		if s.contactByID(id) == nil {
			return nil, invalidValue("ContactId", c)
		}
	}
	if b, set := out["BusinessId"]; set && b != "" {
		id, _ := strconv.Atoi(b)
		if bc := s.contactByID(id); bc == nil || bc.Type != ContactBusiness {
			return nil, invalidValue("BusinessId", b)
		}
	}
	return out, nil
}

// saveProject creates a card (old nil) or applies changes to it. Call with
// mu held.
func (s *Server) saveProject(cat *Category, old *Project, changes map[string]string) *Project {
	now := s.now()
	p := old
	if p == nil {
		p = &Project{ID: s.data.NextProjectID, CategoryID: cat.ID, Fields: map[string]string{},
			StatusID: cat.Statuses[0].ID, UserID: s.sys.Users[0].ID, CreatedAt: now, StatusUpdatedAt: now}
		s.data.NextProjectID++
		s.data.Projects = append(s.data.Projects, p)
	}
	for k, v := range changes {
		n, _ := strconv.Atoi(v)
		switch k {
		case "Name":
			p.Name = v
		case "ReferenceId":
			p.ReferenceID = v
		case "ContactId":
			p.ContactID = n
		case "BusinessId":
			p.BusinessID = n
		case "UserId":
			p.UserID = n
		case "StatusId":
			if n != p.StatusID {
				p.StatusID, p.StatusUpdatedAt = n, now
			}
		default:
			if v == "" {
				delete(p.Fields, k)
			} else {
				p.Fields[k] = v
			}
		}
	}
	p.UpdatedAt = now
	s.changed()
	return p
}
