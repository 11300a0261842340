package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
)

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
	// Hash is HashValues(Values) once computed; the stage computes it when
	// it is empty.
	Hash string
}

// HashValues identifies a row's values in field order, as 32 hex digits of
// SHA-256 over the values each followed by 0x1f; NULL and "" hash alike.
// Staged and current rows are compared by it, so it never changes.
func HashValues(values []string) string {
	var b [32]byte
	return string(AppendHash(b[:0], values))
}

// AppendHash appends HashValues(values) to dst.
func AppendHash(dst []byte, values []string) []byte {
	n := 0
	for _, v := range values {
		n += len(v) + 1
	}
	var small [512]byte
	buf := small[:0]
	if n > len(small) {
		buf = make([]byte, 0, n)
	}
	for _, v := range values {
		buf = append(buf, v...)
		buf = append(buf, 0x1f)
	}
	sum := sha256.Sum256(buf)
	return hex.AppendEncode(dst, sum[:16])
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
