package sim

import (
	"fmt"
	"maps"
	"slices"
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
	return byID(s.data.Projects, id)
}

func (s *Server) project(r *request) reply {
	return s.resource(r, s.searchProjects, s.getProject, s.writeProject)
}

func (s *Server) searchProjects(r *request) reply {
	intParam := func(k, v string, get func(*Project) int) (func(*Project) bool, error) {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, invalidValue(k, v)
		}
		return func(p *Project) bool { return get(p) == n }, nil
	}
	return search(s, r, searchSpec[*Project]{
		items: func() []*Project { return s.data.Projects },
		match: func(k, v string) (func(*Project) bool, error) {
			switch k {
			case "CategoryId":
				return intParam(k, v, func(p *Project) int { return p.CategoryID })
			case "ContactId":
				return intParam(k, v, func(p *Project) int { return p.ContactID })
			case "MainContactId", "BusinessId":
				return intParam(k, v, func(p *Project) int { return p.BusinessID })
			case "ReferenceId":
				return func(p *Project) bool { return p.ReferenceID == v }, nil
			case "Name":
				return func(p *Project) bool { return strings.Contains(strings.ToLower(p.Name), strings.ToLower(v)) }, nil
			case "StatusId":
				return func(p *Project) bool {
					id, ok := resolveOption(s.categoryOf(p).Statuses, v)
					return ok && id == p.StatusID
				}, nil
			case "UserId":
				return func(p *Project) bool {
					id, ok := resolveOption(s.sys.Users, v)
					return ok && id == p.UserID
				}, nil
			case "Deleted":
				return func(*Project) bool { return v != "1" }, nil // nothing is ever deleted
			case "Query":
				return func(p *Project) bool {
					return matchesQuery(p.Fields, v) || matchesQuery(map[string]string{"": p.Name, "r": p.ReferenceID}, v)
				}, nil
			}
			if !s.anyCategoryHas(k) {
				return nil, unknownField(k)
			}
			return func(p *Project) bool {
				f, ok := findField(s.categoryOf(p).Fields, k)
				return ok && fieldEquals(f, p.Fields[k], v)
			}, nil
		},
		row: func(p *Project) *object {
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
			return row
		},
	})
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
	return get(s, r, id, "Project", s.projectByID, func(p *Project) *object {
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
		return out
	})
}

// writeProject creates (id 0) or updates a card from a JSON body.
func (s *Server) writeProject(r *request, id int) reply {
	return write(s, r, id, "Project", s.projectByID, func(vals map[string]any, old *Project) (int, error) {
		var cat *Category
		if old != nil {
			cat = s.categoryOf(old) // CategoryId is ignored on update
		} else {
			v, ok := vals["CategoryId"]
			if !ok {
				return 0, badf("The CategoryId field is required.")
			}
			n, _ := intValue(v)
			if cat, ok = s.sys.category(n); !ok {
				return 0, invalidValue("CategoryId", display(v))
			}
		}
		delete(vals, "CategoryId")
		changes, err := s.checkProject(cat, old, vals, old == nil)
		if err != nil {
			return 0, err
		}
		return s.saveProject(cat, old, changes).ID, nil
	})
}

// checkProject validates written card values against the module's schema
// and returns them as stored; needContact requires a ContactId (a create).
// Call with mu held.
func (s *Server) checkProject(cat *Category, old *Project, vals map[string]any, needContact bool) (map[string]string, error) {
	fields := s.sys.projectFields(cat)
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
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
			setField(p.Fields, k, v)
		}
	}
	p.UpdatedAt = now
	s.changed()
	return p
}
