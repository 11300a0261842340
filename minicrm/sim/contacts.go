package sim

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Contact types as written and as search rows report them.
const (
	ContactPerson   = "Person"
	ContactBusiness = "Business"
)

// Contact is a person or a company.
type Contact struct {
	ID   int    `json:"Id"`
	Type string `json:"Type"` // ContactPerson or ContactBusiness
	// Fields holds every set field of the type's schema by name (FirstName,
	// Email, BusinessId, ReferenceId, custom fields…), dropdowns as option ids.
	Fields    map[string]string `json:"Fields"`
	CreatedAt time.Time         `json:"CreatedAt"`
	UpdatedAt time.Time         `json:"UpdatedAt"`
}

// Name is the company name, or for a person "LastName FirstName" (the
// Hungarian order).
func (c Contact) Name() string {
	if c.Type == ContactBusiness {
		return c.Fields["Name"]
	}
	return strings.TrimSpace(c.Fields["LastName"] + " " + c.Fields["FirstName"])
}

// BusinessID is the company of a person, 0 when none.
func (c Contact) BusinessID() int {
	n, _ := strconv.Atoi(c.Fields["BusinessId"])
	return n
}

// ReferenceID is the contact's external id.
func (c Contact) ReferenceID() string { return c.Fields["ReferenceId"] }

func (s *Server) contactByID(id int) *Contact {
	return byID(s.data.Contacts, id)
}

func (s *Server) contact(r *request) reply {
	return s.resource(r, s.searchContacts, s.getContact, s.writeContact)
}

func (s *Server) searchContacts(r *request) reply {
	return search(s, r, searchSpec[*Contact]{
		items: func() []*Contact { return s.data.Contacts },
		match: func(k, v string) (func(*Contact) bool, error) {
			switch k {
			case "Email":
				return func(c *Contact) bool { return strings.EqualFold(c.Fields["Email"], v) }, nil
			case "VatNumber":
				return func(c *Contact) bool {
					return c.Fields["VatNumber"] != "" && normalizeVat(c.Fields["VatNumber"]) == normalizeVat(v)
				}, nil
			case "Name":
				return func(c *Contact) bool { return strings.Contains(strings.ToLower(c.Name()), strings.ToLower(v)) }, nil
			case "Type":
				if v != ContactPerson && v != ContactBusiness {
					return nil, invalidValue("Type", v)
				}
				return func(c *Contact) bool { return c.Type == v }, nil
			case "MainContactId":
				return func(c *Contact) bool { return c.Fields["BusinessId"] == v }, nil
			case "Phone":
				d := digits(v)
				if len(d) < 6 {
					return nil, badf("Search by phone needs at least 6 digits.")
				}
				return func(c *Contact) bool { return strings.HasSuffix(digits(c.Fields["Phone"]), d) }, nil
			case "Query":
				return func(c *Contact) bool { return matchesQuery(c.Fields, v) }, nil
			}
			f, ok := findField(s.sys.contactFields(ContactPerson), k)
			if !ok {
				f, ok = findField(s.sys.contactFields(ContactBusiness), k)
			}
			if !ok {
				return nil, unknownField(k)
			}
			return func(c *Contact) bool { return fieldEquals(f, c.Fields[k], v) }, nil
		},
		row: func(c *Contact) *object {
			row := &object{}
			row.set("Id", c.ID)
			row.set("Name", c.Name())
			row.set("Type", c.Type)
			row.set("Email", c.Fields["Email"])
			row.set("Phone", c.Fields["Phone"])
			if b := c.Fields["BusinessId"]; b != "" {
				row.set("BusinessId", json.Number(b))
			}
			row.set("Url", fmt.Sprintf("%s/Api/R3/Contact/%d", r.base, c.ID))
			return row
		},
	})
}

// matchesQuery is the full-text search: any field containing q.
func matchesQuery(fields map[string]string, q string) bool {
	q = strings.ToLower(q)
	for _, v := range fields {
		if strings.Contains(strings.ToLower(v), q) {
			return true
		}
	}
	return false
}

// fieldEquals compares a stored value with a search parameter; dropdowns
// are searched by label or id, text case-insensitively.
func fieldEquals(f Field, stored, param string) bool {
	if f.Type == TypeDropdown {
		id, ok := resolveOption(f.Options, param)
		return ok && stored == strconv.Itoa(id)
	}
	return strings.EqualFold(stored, param)
}

func (s *Server) getContact(r *request, id int) reply {
	return get(s, r, id, "Contact", s.contactByID, func(c *Contact) *object {
		out := &object{}
		out.set("Id", c.ID)
		out.set("Type", s.sys.typeLabel(c.Type))
		out.set("Name", c.Name())
		for _, f := range s.sys.contactFields(c.Type) {
			out.set(f.Name, f.render(c.Fields[f.Name]))
		}
		out.set("Tags", []string{})
		out.set("CreatedAt", formatTime(c.CreatedAt))
		out.set("UpdatedAt", formatTime(c.UpdatedAt))
		return out
	})
}

// writeContact creates (id 0) or updates a contact from a JSON body.
func (s *Server) writeContact(r *request, id int) reply {
	return write(s, r, id, "Contact", s.contactByID, func(vals map[string]any, old *Contact) (int, error) {
		typ := ""
		if old != nil {
			typ = old.Type // Type never changes on update
		} else {
			t, ok := vals["Type"]
			if !ok {
				return 0, badf("The Type field is required (Person or Business).")
			}
			typ, _ = t.(string) // a number (Type: 2) is not accepted
			if typ != ContactPerson && typ != ContactBusiness {
				return 0, invalidValue("Type", display(t))
			}
		}
		delete(vals, "Type")
		changes, err := s.checkContact(typ, old, vals)
		if err != nil {
			return 0, err
		}
		return s.saveContact(typ, old, changes).ID, nil
	})
}

// checkContact validates written values against the type's schema and
// returns them as stored. Call with mu held.
func (s *Server) checkContact(typ string, old *Contact, vals map[string]any) (map[string]string, error) {
	fields := s.sys.contactFields(typ)
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if k == "Id" {
			continue
		}
		f, ok := findField(fields, k)
		if !ok {
			return nil, unknownField(k)
		}
		v, err := f.coerce(vals[k])
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	required := "FirstName"
	if typ == ContactBusiness {
		required = "Name"
	}
	if v, set := out[required]; (old == nil || set) && v == "" {
		return nil, badf("The %s field is required.", required)
	}
	if b, set := out["BusinessId"]; set && typ == ContactPerson {
		if b != "" {
			id, _ := strconv.Atoi(b)
			if bc := s.contactByID(id); bc == nil || bc.Type != ContactBusiness {
				return nil, invalidValue("BusinessId", b)
			}
		}
		if old != nil && old.Fields["BusinessId"] != "" && old.Fields["BusinessId"] != b {
			return nil, badf("A person cannot be moved to another company.")
		}
	}
	return out, nil
}

// saveContact creates a contact (old nil) or applies changes to it. Call
// with mu held.
func (s *Server) saveContact(typ string, old *Contact, changes map[string]string) *Contact {
	now := s.now()
	c := old
	if c == nil {
		c = &Contact{ID: s.data.NextContactID, Type: typ, Fields: map[string]string{}, CreatedAt: now}
		s.data.NextContactID++
		s.data.Contacts = append(s.data.Contacts, c)
	}
	for k, v := range changes {
		setField(c.Fields, k, v)
	}
	c.UpdatedAt = now
	s.changed()
	return c
}
