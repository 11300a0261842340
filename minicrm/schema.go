package minicrm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Categories returns the modules (categories) of the system by id.
func (c *Client) Categories(ctx context.Context) (map[int64]string, error) {
	rq := &request{method: http.MethodGet, path: "/Api/R3/Category", pace: c.r3}
	var rs rows
	if err := c.do(ctx, rq, &rs); err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rs))
	for _, r := range rs {
		var v struct {
			ID   looseInt    `json:"Id"`
			Name looseString `json:"Name"`
		}
		var name looseString
		if err := json.Unmarshal(r.raw, &name); err != nil {
			if err := json.Unmarshal(r.raw, &v); err != nil {
				return nil, fmt.Errorf("GET /Api/R3/Category: decoding category %q: %w", r.key, err)
			}
			name = v.Name
		}
		id, err := parseLooseInt(r.key)
		if r.key == "" {
			id, err = int64(v.ID), nil
		}
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("GET /Api/R3/Category: bad category id %q", r.key)
		}
		out[id] = string(name)
	}
	return out, nil
}

// Schema maps field names to their types.
type Schema map[string]FieldType

// FieldType is a field's type: "Int", "Text(512)", … or "Enum" for a dropdown with its Options.
type FieldType struct {
	Type    string
	Options map[int64]string // option id → label, for Enum fields
}

// Schema returns the fields of kind "Person", "Business" or "Project/<categoryId>".
func (c *Client) Schema(ctx context.Context, kind string) (Schema, error) {
	if !validSchemaKind(kind) {
		return nil, fmt.Errorf("reading schema: kind %q is not Person, Business or Project/<categoryId>", kind)
	}
	rq := &request{method: http.MethodGet, path: "/Api/R3/Schema/" + kind, pace: c.r3}
	var rs rows
	if err := c.do(ctx, rq, &rs); err != nil {
		return nil, err
	}
	s := make(Schema, len(rs))
	for _, r := range rs {
		if r.key == "" {
			continue
		}
		ft, err := decodeFieldType(r.raw)
		if err != nil {
			return nil, fmt.Errorf("%s %s: field %q: %w", rq.method, rq.path, r.key, err)
		}
		s[r.key] = ft
	}
	return s, nil
}

func validSchemaKind(kind string) bool {
	if kind == "Person" || kind == "Business" {
		return true
	}
	cat, ok := strings.CutPrefix(kind, "Project/")
	return ok && cat != "" && len(cat) <= 18 && strings.Trim(cat, "0123456789") == ""
}

// decodeFieldType decodes a type string, or a dropdown's option object or array.
func decodeFieldType(raw json.RawMessage) (FieldType, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		var t looseString
		if err := json.Unmarshal(raw, &t); err != nil {
			return FieldType{}, err
		}
		return FieldType{Type: string(t)}, nil
	}
	var opts rows
	if err := json.Unmarshal(raw, &opts); err != nil {
		return FieldType{}, err
	}
	ft := FieldType{Type: "Enum", Options: make(map[int64]string, len(opts))}
	for i, o := range opts {
		id := int64(i) // a PHP list: the index is the key
		if o.key != "" {
			var err error
			if id, err = parseLooseInt(o.key); err != nil {
				return FieldType{}, fmt.Errorf("option key: %w", err)
			}
		}
		var label looseString
		if err := json.Unmarshal(o.raw, &label); err != nil {
			return FieldType{}, fmt.Errorf("option %d: %w", id, err)
		}
		ft.Options[id] = string(label)
	}
	return ft, nil
}

// Has reports whether the schema has the field (names are case-sensitive).
func (s Schema) Has(field string) bool {
	_, ok := s[field]
	return ok
}

// Resolve maps a dropdown value, given as an option id or label, to the option id.
func (s Schema) Resolve(field, value string) (int64, error) {
	ft, ok := s[field]
	if !ok {
		return 0, fmt.Errorf("resolving %q for field %s: no such field", value, field)
	}
	if ft.Type != "Enum" {
		return 0, fmt.Errorf("resolving %q for field %s: field is %s, not a dropdown", value, field, ft.Type)
	}
	v := strings.TrimSpace(value)
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		if _, ok := ft.Options[id]; ok {
			return id, nil
		}
	}
	ids := ft.sortedIDs()
	for _, match := range []func(string) bool{
		func(l string) bool { return l == v },
		func(l string) bool { return strings.EqualFold(strings.TrimSpace(l), v) },
	} {
		var found []int64
		for _, id := range ids {
			if match(ft.Options[id]) {
				found = append(found, id)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			return 0, fmt.Errorf("resolving %q for field %s: ambiguous, options %v share that label", value, field, found)
		}
	}
	return 0, fmt.Errorf("resolving %q for field %s: no such option (options: %s)", value, field, ft.someOptions(5))
}

func (ft FieldType) sortedIDs() []int64 { return slices.Sorted(maps.Keys(ft.Options)) }

// someOptions lists up to n options as `id "label"`, for error messages.
func (ft FieldType) someOptions(n int) string {
	ids := ft.sortedIDs()
	if len(ids) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, id := range ids {
		if i == n {
			fmt.Fprintf(&b, ", … %d more", len(ids)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %q", id, ft.Options[id])
	}
	return b.String()
}
