package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// badRequest is a 400 whose message goes after the "<Entity> (<METHOD>): " prefix.
type badRequest string

func (e badRequest) Error() string { return string(e) }

func badf(format string, args ...any) error { return badRequest(fmt.Sprintf(format, args...)) }

func invalidValue(field, value string) error {
	return badf("Invalid value '%s' for the %s field.", value, field)
}

func unknownField(name string) error { return badf("Unknown field '%s'.", name) }

// dateLayouts are the accepted DateTime formats; the first is the canonical one.
var dateLayouts = []string{time.DateTime, time.DateOnly, "2006-01-02T15:04:05"}

// rawString turns a decoded JSON scalar into its text; objects and arrays fail.
func rawString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

func display(v any) string {
	if s, ok := rawString(v); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// coerce validates a written value against the field's type and returns it
// as stored: dropdowns as the option id, booleans as 1 or 0, the rest as text.
func (f Field) coerce(v any) (string, error) {
	s, ok := rawString(v)
	if !ok {
		return "", invalidValue(f.Name, display(v))
	}
	if s == "" {
		return "", nil
	}
	switch f.Type {
	case TypeInt:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return "", invalidValue(f.Name, s)
		}
	case TypeFloat:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return "", invalidValue(f.Name, s)
		}
	case TypeDateTime:
		if _, ok := parseDate(s); !ok {
			return "", invalidValue(f.Name, s)
		}
	case TypeBoolean:
		switch strings.ToLower(s) {
		case "1", "true":
			return "1", nil
		case "0", "false":
			return "0", nil
		}
		return "", invalidValue(f.Name, s)
	case TypeDropdown:
		id, ok := resolveOption(f.Options, s)
		if !ok {
			return "", invalidValue(f.Name, s)
		}
		return strconv.Itoa(id), nil
	default:
		if n, ok := textLimit(f.Type); ok && utf8.RuneCountInString(s) > n {
			return "", badf("The value of the %s field is longer than %d characters.", f.Name, n)
		}
	}
	return s, nil
}

// resolveOption finds an option by its label or by its id.
func resolveOption(opts []Option, s string) (int, bool) {
	for _, o := range opts {
		if o.Label == s {
			return o.ID, true
		}
	}
	if id, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		for _, o := range opts {
			if o.ID == id {
				return id, true
			}
		}
	}
	return 0, false
}

func optionLabel(opts []Option, id int) string {
	for _, o := range opts {
		if o.ID == id {
			return o.Label
		}
	}
	return ""
}

// render is a stored value as a detail GET shows it: numbers as numbers,
// dropdowns as labels, an empty value as "".
func (f Field) render(v string) any {
	if v == "" {
		return ""
	}
	switch f.Type {
	case TypeInt, TypeFloat, TypeBoolean:
		return json.Number(v)
	case TypeDropdown:
		id, _ := strconv.Atoi(v)
		return optionLabel(f.Options, id)
	}
	return v
}

func parseDate(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, budapest); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "0000-00-00 00:00:00"
	}
	return t.In(budapest).Format(time.DateTime)
}

// decodeObject decodes a JSON request body that must be one object.
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		if err == nil {
			err = errors.New("the body is not a JSON object")
		}
		return nil, badf("Invalid JSON: %v", err)
	}
	if dec.More() {
		return nil, badf("Invalid JSON: data after the object")
	}
	return m, nil
}

// intValue reads a positive integer written as a number or a string.
func intValue(v any) (int, bool) {
	s, ok := rawString(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n > 0
}

// normalizeVat drops spaces, dashes and dots and an RO or HU prefix.
func normalizeVat(s string) string {
	s = strings.ToUpper(s)
	s = strings.NewReplacer(" ", "", "-", "", ".", "").Replace(s)
	for _, p := range []string{"HU", "RO"} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
