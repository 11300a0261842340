package minicrm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// looseInt decodes an integer sent as a number, a numeric string, "" or null (both 0).
type looseInt int64

func (n *looseInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := parseLooseInt(s)
	if err != nil {
		return fmt.Errorf("decoding integer from %s: %w", clip(string(b)), err)
	}
	*n = looseInt(v)
	return nil
}

// parseLooseInt parses "12", and integral floats such as "12.0" or "1.2e3".
func parseLooseInt(s string) (int64, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return int64(f), nil
}

// looseString decodes a string sent as a string, a number, a boolean, null
// or an empty array/object (the PHP quirk for "nothing").
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = looseString(v)
	case b[0] == '[' || b[0] == '{':
		var v []json.RawMessage
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &v) == nil && len(v) == 0 || json.Unmarshal(b, &m) == nil && len(m) == 0 {
			*s = ""
			return nil
		}
		return fmt.Errorf("decoding string from %s: not a scalar", clip(string(b)))
	default: // number, true, false
		if !json.Valid(b) {
			return fmt.Errorf("decoding string from %s: invalid JSON", clip(string(b)))
		}
		*s = looseString(b)
	}
	return nil
}

// row is one entry of a Results collection; key is the object key ("" in an array).
type row struct {
	key string
	raw json.RawMessage
}

// rows decodes a collection sent as an object keyed by id (order kept), an
// array, [] or {} (empty), or "" and null (empty).
type rows []row

func (r *rows) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*r = nil
	switch {
	case len(b) == 0 || string(b) == "null" || string(b) == `""`:
		return nil
	case b[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return fmt.Errorf("decoding results array: %w", err)
		}
		for _, it := range items {
			*r = append(*r, row{raw: it})
		}
		return nil
	case b[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil { // the '{'
			return fmt.Errorf("decoding results object: %w", err)
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return fmt.Errorf("decoding results object: %w", err)
			}
			key, _ := tok.(string)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("decoding results entry %q: %w", key, err)
			}
			*r = append(*r, row{key: key, raw: raw})
		}
		return nil
	default:
		return fmt.Errorf("decoding results: want an object or an array, got %s", clip(string(b)))
	}
}

// decodeFields decodes a JSON object into Fields, numbers kept as json.Number.
func decodeFields(b []byte) (Fields, error) {
	if t := string(bytes.TrimSpace(b)); t == "[]" || t == `""` {
		return Fields{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var f Fields
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f == nil {
		f = Fields{}
	}
	return f, nil
}

// clip shortens s for an error message.
func clip(s string) string { return truncate(s, 60) }

// truncate cuts s to at most max bytes on a rune boundary, marking the cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := 0
	for i := range s {
		if i > max {
			break
		}
		cut = i
	}
	return s[:cut] + "…"
}
