// Package mappings holds minisync's mapping engine and the shipped mapping
// files. A mapping is YAML: it names the format it reads, the parameters an
// integration supplies (owner, status map, …), lookup tables, and for each
// canonical entity the fields it takes from a source record, with
// transforms, lookups, validation and a policy for unknown values.
package mappings

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
)

//go:embed *.yaml
var shipped embed.FS

// Spec is a mapping file as written.
type Spec struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Format names the file format the mapping reads, e.g. "unas-xml".
	Format string `yaml:"format"`
	// RecordDate is the field compared with the integration's sync_start:
	// records dated before it are skipped.
	RecordDate *FieldSpec `yaml:"record_date"`
	// Params are the values an integration file supplies.
	Params map[string]ParamSpec `yaml:"params"`
	// Lookups are tables declared once and used by name in fields.
	Lookups map[string]LookupSpec `yaml:"lookups"`
	// Filters skip whole records before they are mapped.
	Filters []FilterSpec `yaml:"filters"`
	// Entities are mapped in order; that order is also the load order.
	Entities []EntitySpec `yaml:"entities"`
}

// ParamSpec declares one parameter of a mapping.
type ParamSpec struct {
	// Kind is "text" (default), "map" (a JSON object of strings, the
	// format of the UNAS status map) or "date".
	Kind        string `yaml:"kind"`
	Required    bool   `yaml:"required"`
	Default     string `yaml:"default"`
	Description string `yaml:"description"`
}

// LookupSpec is a lookup table: inline entries, or a map parameter.
type LookupSpec struct {
	Entries   map[string]string `yaml:"entries"`
	FromParam string            `yaml:"from_param"`
}

// EntitySpec maps records to rows of one entity.
type EntitySpec struct {
	Name string `yaml:"name"`
	// Each, when set, maps every child record at this path (order items)
	// instead of the record itself.
	Each string `yaml:"each"`
	// When lists conditions that must all hold for a row to be produced.
	When []Condition `yaml:"when"`
	// Unless lists conditions any of which skips the row.
	Unless []Condition `yaml:"unless"`
	// Key names the fields whose values make the natural key.
	Key []string `yaml:"key"`
	// KeyPrefix is put before the key, e.g. "unas:" for orders.
	KeyPrefix string      `yaml:"key_prefix"`
	Fields    []FieldSpec `yaml:"fields"`
	// CRM says how the entity's rows reach MiniCRM; without it they are
	// staged and diffed only.
	CRM *CRMSpec `yaml:"crm"`
}

// Condition tests a path's value: non-empty when In is empty, else one of In.
type Condition struct {
	Path string   `yaml:"path"`
	In   []string `yaml:"in"`
}

// FieldSpec maps one field.
type FieldSpec struct {
	Name string `yaml:"name"`
	// Path is the source path (XPath for XML, column for CSV). The pseudo
	// path "#index" is the 1-based position among the mapped children.
	Path string `yaml:"path"`
	// Value is a constant; "${name}" is replaced by the parameter's value.
	Value string `yaml:"value"`
	// Sum adds up a number over the record's children (the lines of an
	// invoice), each read like the number transform.
	Sum *SumSpec `yaml:"sum"`
	// Transforms apply in order; see the README for the names.
	Transforms []Transform `yaml:"transforms"`
	// Lookup names a lookup table applied after the transforms.
	Lookup string `yaml:"lookup"`
	// Unknown is the policy for a value the lookup lacks: "reject"
	// (default), "default" (use Default) or "pass" (keep the value).
	Unknown string `yaml:"unknown"`
	// Default replaces an empty value.
	Default string `yaml:"default"`
	// Required rejects the record when the value is empty.
	Required bool `yaml:"required"`
	// Validate lists checks: email, url, cui, adoszam, tax_id, eu_vat.
	Validate []string `yaml:"validate"`
	// MinLength and MaxLength bound the value's length in characters.
	MinLength int `yaml:"min_length"`
	MaxLength int `yaml:"max_length"`
	// Pattern is a regular expression the whole value must match.
	Pattern string `yaml:"pattern"`
}

// SumSpec names the children and the path summed over them.
type SumSpec struct {
	Each string `yaml:"each"`
	Path string `yaml:"path"`
}

// FilterSpec skips the records it matches, e.g. test customers or offers
// under 100: the value at Path (after Transforms) is compared.
type FilterSpec struct {
	Path       string      `yaml:"path"`
	Transforms []Transform `yaml:"transforms"`
	// Exactly one condition: Equals, NotEquals, In, Matches (a regular
	// expression), Below or Above (numbers), Empty. Equals, NotEquals and In
	// may name parameters as ${name}.
	Equals    *string  `yaml:"equals"`
	NotEquals *string  `yaml:"not_equals"`
	In        []string `yaml:"in"`
	Matches   string   `yaml:"matches"`
	Below     *float64 `yaml:"below"`
	Above     *float64 `yaml:"above"`
	Empty     *bool    `yaml:"empty"`
	// Reason is why such records are skipped, for the run summary.
	Reason string `yaml:"reason"`
}

var identRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// reservedColumns are the staging tables' own columns.
var reservedColumns = map[string]bool{
	"run_id": true, "file_id": true, "source_pos": true, "seq": true,
	"natural_key": true, "row_hash": true, "updated_at": true, "missing_since": true,
}

// Load reads a shipped mapping by name, or a mapping file by path.
func Load(nameOrPath string) (*Spec, error) {
	var b []byte
	var err error
	src := nameOrPath
	if strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".yaml") {
		b, err = os.ReadFile(nameOrPath)
	} else {
		src = nameOrPath + ".yaml (shipped)"
		b, err = shipped.ReadFile(nameOrPath + ".yaml")
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("mapping %q is neither a shipped mapping (%s) nor a file path", nameOrPath, strings.Join(Shipped(), ", "))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading mapping: %w", err)
	}
	return Parse(b, src)
}

// Shipped lists the names of the mappings embedded in minisync.
func Shipped() []string {
	entries, _ := shipped.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())))
	}
	return names
}

// Parse decodes and validates a mapping; src names it in errors.
func Parse(b []byte, src string) (*Spec, error) {
	s := &Spec{}
	if err := yaml.NewDecoder(bytes.NewReader(b), yaml.Strict()).Decode(s); err != nil {
		return nil, fmt.Errorf("%s: %s", src, yaml.FormatError(err, false, true))
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("mapping %s: %w", src, err)
	}
	return s, nil
}

func (s *Spec) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.Format == "" {
		bad("format: is required")
	}
	for name, p := range s.Params {
		switch p.Kind {
		case "", "text", "map", "date":
		default:
			bad("params.%s.kind: %q must be text, map or date", name, p.Kind)
		}
	}
	for name, l := range s.Lookups {
		if l.FromParam != "" {
			if p, ok := s.Params[l.FromParam]; !ok || p.Kind != "map" {
				bad("lookups.%s.from_param: %q is not a parameter of kind map", name, l.FromParam)
			}
		}
	}
	if len(s.Entities) == 0 {
		bad("entities: at least one entity is required")
	}
	for i, f := range s.Filters {
		if err := f.check(); err != nil {
			bad("filters[%d] (%s): %v", i, f.Path, err)
		}
	}
	seen := map[string]bool{}
	for i, e := range s.Entities {
		at := fmt.Sprintf("entities[%d]", i)
		if !identRe.MatchString(e.Name) {
			bad("%s.name: %q must be lower-case letters, digits and _", at, e.Name)
		}
		if seen[e.Name] {
			bad("%s.name: %q is declared twice", at, e.Name)
		}
		seen[e.Name] = true
		errs = append(errs, s.validateEntity(at+" ("+e.Name+")", e)...)
	}
	return errors.Join(errs...)
}

func (s *Spec) validateEntity(at string, e EntitySpec) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	fields := map[string]bool{}
	for j, f := range e.Fields {
		fat := fmt.Sprintf("%s.fields[%d]", at, j)
		switch {
		case !identRe.MatchString(f.Name):
			bad("%s.name: %q must be lower-case letters, digits and _", fat, f.Name)
		case reservedColumns[f.Name]:
			bad("%s.name: %q is a staging column of minisync's own", fat, f.Name)
		case fields[f.Name]:
			bad("%s.name: %q is declared twice", fat, f.Name)
		}
		fields[f.Name] = true
		sources := 0
		for _, set := range []bool{f.Path != "", f.Value != "", f.Sum != nil} {
			if set {
				sources++
			}
		}
		if sources != 1 {
			bad("%s (%s): give exactly one of path, value or sum", fat, f.Name)
		}
		if f.Sum != nil && f.Sum.Path == "" {
			bad("%s (%s).sum.path: the path to add up is required", fat, f.Name)
		}
		for _, t := range f.Transforms {
			if err := checkTransform(t); err != nil {
				bad("%s (%s).transforms: %v", fat, f.Name, err)
			}
		}
		if f.Lookup != "" {
			if _, ok := s.Lookups[f.Lookup]; !ok {
				bad("%s (%s).lookup: %q is not declared under lookups", fat, f.Name, f.Lookup)
			}
		}
		switch f.Unknown {
		case "", "reject", "pass":
		case "default":
			if f.Default == "" {
				bad("%s (%s).unknown: default needs a default value", fat, f.Name)
			}
		default:
			bad("%s (%s).unknown: %q must be reject, default or pass", fat, f.Name, f.Unknown)
		}
		for _, v := range f.Validate {
			if _, ok := validators[v]; !ok {
				bad("%s (%s).validate: unknown check %q (known: email, url, cui, adoszam, tax_id, eu_vat)", fat, f.Name, v)
			}
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(f.Pattern); err != nil {
				bad("%s (%s).pattern: %v", fat, f.Name, err)
			}
		}
		if f.MaxLength < 0 || f.MinLength < 0 || (f.MaxLength > 0 && f.MinLength > f.MaxLength) {
			bad("%s (%s): min_length %d and max_length %d do not make a range", fat, f.Name, f.MinLength, f.MaxLength)
		}
		for _, p := range paramRefs(f.Value) {
			if _, ok := s.Params[p]; !ok {
				bad("%s (%s).value: ${%s} is not a declared parameter", fat, f.Name, p)
			}
		}
	}
	if len(e.Key) == 0 {
		bad("%s.key: at least one key field is required", at)
	}
	for _, k := range e.Key {
		if !fields[k] {
			bad("%s.key: %q is not one of the entity's fields", at, k)
		}
	}
	return append(errs, s.validateCRM(at, e, fields)...)
}

var paramRefRe = regexp.MustCompile(`\$\{([a-z][a-z0-9_]*)\}`)

func paramRefs(s string) []string {
	var out []string
	for _, m := range paramRefRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
