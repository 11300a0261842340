package pipeline

// Entity describes one canonical entity a mapping produces (company,
// person, order, order_item, …): its fields in column order and the fields
// that make its natural key.
type Entity struct {
	Name   string
	Fields []string
	Key    []string
}

// Row is one canonical entity row mapped from a source record. Values are
// in the order of the entity's Fields; "" means empty.
type Row struct {
	Entity string
	Key    string
	Values []string
	// Pos locates the source record, e.g. "/Orders/Order[3]".
	Pos string
}

// Reject is a source record that could not be mapped, with the reason.
type Reject struct {
	Pos    string // record position in the file
	Entity string
	Key    string // natural key when known
	Field  string
	Value  string
	Reason string
}

func (r Reject) Error() string {
	s := r.Pos + ": "
	if r.Entity != "" {
		s += r.Entity
		if r.Field != "" {
			s += "." + r.Field
		}
		s += ": "
	}
	if r.Value != "" {
		s += "value " + quote(r.Value) + ": "
	}
	return s + r.Reason
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return "\"" + s + "\""
}
