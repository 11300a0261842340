package sim

import (
	"fmt"
	"strconv"
)

// category answers GET /Api/R3/Category[?Detailed=1].
func (s *Server) category(r *request) reply {
	if len(r.parts) != 2 {
		return r.unknownURL()
	}
	return r.readOnly(func() reply {
		detailed := r.query.Get("Detailed") == "1"
		out := &object{emptyArray: true}
		for _, c := range s.sys.Categories {
			if !detailed {
				out.set(strconv.Itoa(c.ID), c.Name)
				continue
			}
			d := &object{}
			d.set("Id", c.ID)
			d.set("Name", c.Name)
			d.set("Type", c.Type)
			d.set("OrderId", c.OrderID)
			out.set(strconv.Itoa(c.ID), d)
		}
		return jsonReply(out)
	})
}

// schema answers GET /Api/R3/Schema/Person, /Business and /Project/{CategoryId}.
func (s *Server) schema(r *request) reply {
	return r.readOnly(func() reply {
		p := r.parts
		switch {
		case len(p) == 3 && p[2] == "Person":
			return jsonReply(schemaObject(s.sys.contactFields(ContactPerson)))
		case len(p) == 3 && p[2] == "Business":
			return jsonReply(schemaObject(s.sys.contactFields(ContactBusiness)))
		case len(p) == 4 && p[2] == "Project":
			id, _ := r.id(3)
			c, ok := s.sys.category(id)
			if !ok {
				return r.notFound(fmt.Sprintf("Category '%s' not found.", p[3]))
			}
			fields := append([]Field{s.sys.statusField(c), s.sys.userField()}, s.sys.projectFields(c)...)
			return jsonReply(schemaObject(fields))
		}
		return r.unknownURL()
	})
}

// schemaObject maps field names to their type, or dropdowns to their options.
func schemaObject(fields []Field) *object {
	out := &object{}
	for _, f := range fields {
		if f.Type != TypeDropdown {
			out.set(f.Name, f.Type)
			continue
		}
		opts := &object{emptyArray: true}
		for _, o := range f.Options {
			opts.set(strconv.Itoa(o.ID), o.Label)
		}
		out.set(f.Name, opts)
	}
	return out
}
