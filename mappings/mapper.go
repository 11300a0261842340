package mappings

import (
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"minisync/pipeline"
)

// Mapper applies a compiled mapping to source records.
type Mapper struct {
	spec      *Spec
	params    map[string]string
	lookups   map[string]map[string]string
	syncStart string // YYYY-MM-DD or ""
	entities  []pipeline.Entity
	keyFields [][]int // per entity, the indexes of its key fields
	onMiss    func(LookupMiss)
	missMu    sync.Mutex // onMiss is called by one goroutine at a time
	expanded  sync.Map   // string of the mapping -> its params expanded
}

// LookupMiss is a value a lookup table did not map, whatever the field's
// policy did with it.
type LookupMiss struct {
	Lookup, Entity, Field, Value string
	// Policy is what the field did with it: reject, default or pass.
	Policy string
}

// OnLookupMiss, when set, is told of every value a lookup did not map;
// validate --sample uses it to report coverage. Map is safe for concurrent
// use; f is called by one goroutine at a time.
func (m *Mapper) OnLookupMiss(f func(LookupMiss)) { m.onMiss = f }

func (m *Mapper) missed(lookup, entity, field, value, policy string) {
	if m.onMiss != nil {
		m.missMu.Lock()
		defer m.missMu.Unlock()
		m.onMiss(LookupMiss{lookup, entity, field, value, policy})
	}
}

// Result is what one source record maps to: rows for each entity, or a
// reject, or a skip (e.g. a record older than the sync start date).
type Result struct {
	Rows   []pipeline.Row
	Reject *pipeline.Reject
	Skip   string
}

// Compile binds a mapping to an integration's parameters and sync start
// date. Every error names the parameter and what is wrong with it.
func Compile(s *Spec, params map[string]string, syncStart string) (*Mapper, error) {
	m := &Mapper{spec: s, params: map[string]string{}, lookups: map[string]map[string]string{}, syncStart: syncStart}
	var errs []string
	for name := range params {
		if _, ok := s.Params[name]; !ok {
			errs = append(errs, fmt.Sprintf("params.%s: the mapping %s has no such parameter (it has: %s)", name, s.Name, strings.Join(paramNames(s), ", ")))
		}
	}
	for _, name := range paramNames(s) {
		p := s.Params[name]
		v, ok := params[name]
		if !ok || v == "" {
			v = p.Default
		}
		if v == "" && p.Required {
			errs = append(errs, fmt.Sprintf("params.%s: is required by mapping %s: %s", name, s.Name, p.Description))
			continue
		}
		if p.Kind == "date" && v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				errs = append(errs, fmt.Sprintf("params.%s = %q: must be a date YYYY-MM-DD", name, v))
			}
		}
		m.params[name] = v
	}
	for name, l := range s.Lookups {
		table := l.Entries
		if l.FromParam != "" {
			raw := m.params[l.FromParam]
			if raw == "" {
				table = map[string]string{}
			} else {
				parsed, err := ParseMap(raw)
				if err != nil {
					errs = append(errs, fmt.Sprintf("params.%s: %v", l.FromParam, err))
					continue
				}
				table = parsed
			}
		}
		m.lookups[name] = table
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("mapping %s: %s", s.Name, strings.Join(errs, "; "))
	}
	if s.RecordDate != nil {
		bindTransforms(s.RecordDate.Transforms)
	}
	for _, e := range s.Entities {
		for j := range e.Fields {
			bindTransforms(e.Fields[j].Transforms)
		}
		ent := pipeline.Entity{Name: e.Name, Key: e.Key}
		for _, f := range e.Fields {
			ent.Fields = append(ent.Fields, f.Name)
		}
		m.entities = append(m.entities, ent)
		var keys []int
		for _, k := range e.Key {
			keys = append(keys, slices.Index(ent.Fields, k))
		}
		m.keyFields = append(m.keyFields, keys)
	}
	return m, nil
}

// bindTransforms resolves each transform's name once, for Map, and notes
// whether its arguments need reading from each record.
func bindTransforms(ts []Transform) {
	for i := range ts {
		d, ok := transforms[ts[i].Name]
		if ok {
			ts[i].def = &d
		}
		ts[i].refs = !d.literal && slices.ContainsFunc(ts[i].Args, hasRef)
	}
}

// hasRef reports whether a transform argument holds a {path} reference.
func hasRef(a string) bool {
	return slices.ContainsFunc(refParts(a), func(p refPart) bool { return p.ref })
}

func paramNames(s *Spec) []string { return slices.Sorted(maps.Keys(s.Params)) }

// Entities returns the entities the mapping produces, in load order.
func (m *Mapper) Entities() []pipeline.Entity { return m.entities }

// Spec returns the mapping as written.
func (m *Mapper) Spec() *Spec { return m.spec }

// Lookup returns a compiled lookup table by name.
func (m *Mapper) Lookup(name string) map[string]string { return m.lookups[name] }

// Map maps one record. The error is reserved for faults of the mapping
// itself (a malformed path); a bad record is a Result with a Reject.
func (m *Mapper) Map(rec pipeline.Record) (Result, error) {
	var res Result
	err := m.MapInto(rec, &res)
	return res, err
}

// MapInto is Map writing into res, reusing its rows and their values for
// this record's: whatever res held before is overwritten. Staging maps a
// batch's records into one Result, without a new slice per row.
func (m *Mapper) MapInto(rec pipeline.Record, res *Result) error {
	rows := res.Rows[:0]
	*res = Result{Rows: rows}
	if m.syncStart != "" && m.spec.RecordDate != nil {
		d, rej, err := m.field(rec, m.spec.RecordDate, 0, "record_date")
		if err != nil || rej != nil {
			res.Reject = rej
			return err
		}
		if d != "" && d[:min(10, len(d))] < m.syncStart {
			res.Skip = fmt.Sprintf("dated %s, before sync_start %s", d, m.syncStart)
			return nil
		}
	}
	for _, f := range m.spec.Filters {
		skip, err := m.skips(rec, f)
		var bad *pipeline.RecordError
		if errors.As(err, &bad) {
			res.Reject = &pipeline.Reject{Pos: bad.Pos, Field: bad.Field, Value: bad.Value, Reason: "filter: " + bad.Reason}
			return nil
		}
		if err != nil {
			return fmt.Errorf("filter on %s: %w", f.Path, err)
		}
		if skip {
			res.Skip = f.Reason
			return nil
		}
	}
	if rows == nil {
		rows = make([]pipeline.Row, 0, len(m.spec.Entities))
	}
	for i := range m.spec.Entities {
		e := &m.spec.Entities[i]
		self := [1]pipeline.Record{rec}
		recs := self[:]
		if e.Each != "" {
			var err error
			if recs, err = rec.Children(e.Each); err != nil {
				return fmt.Errorf("entity %s: each %q: %w", e.Name, e.Each, err)
			}
		}
		rows = slices.Grow(rows, len(recs))
		index := 0
		for _, r := range recs {
			ok, err := m.applies(r, e)
			if err != nil {
				return fmt.Errorf("entity %s: %w", e.Name, err)
			}
			if !ok {
				continue
			}
			index++
			// The values of the row this one overwrites, if any.
			values := rows[:len(rows)+1][len(rows)].Values
			row, rej, err := m.row(r, e, m.keyFields[i], index, values)
			if err != nil || rej != nil {
				res.Rows, res.Reject = rows[:0], rej
				return err
			}
			rows = append(rows, row)
		}
	}
	res.Rows = rows
	return nil
}

func (m *Mapper) applies(r pipeline.Record, e *EntitySpec) (bool, error) {
	for _, c := range e.When {
		ok, err := holds(r, c)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, c := range e.Unless {
		ok, err := holds(r, c)
		if err != nil || ok {
			return false, err
		}
	}
	return true, nil
}

func holds(r pipeline.Record, c Condition) (bool, error) {
	v, _, err := r.Value(c.Path)
	if err != nil {
		return false, fmt.Errorf("condition on %q: %w", c.Path, err)
	}
	v = strings.TrimSpace(v)
	if len(c.In) == 0 {
		return v != "", nil
	}
	for _, x := range c.In {
		if v == x {
			return true, nil
		}
	}
	return false, nil
}

// row maps one row, into values when it is large enough.
func (m *Mapper) row(r pipeline.Record, e *EntitySpec, keyFields []int, index int, values []string) (pipeline.Row, *pipeline.Reject, error) {
	if cap(values) < len(e.Fields) {
		values = make([]string, len(e.Fields))
	}
	row := pipeline.Row{Entity: e.Name, Pos: r.Position(), Values: values[:len(e.Fields)]}
	for j := range e.Fields {
		v, rej, err := m.field(r, &e.Fields[j], index, e.Name)
		if err != nil || rej != nil {
			return row, rej, err
		}
		row.Values[j] = v
	}
	for _, j := range keyFields {
		if row.Values[j] == "" {
			return row, &pipeline.Reject{Pos: row.Pos, Entity: e.Name, Field: e.Fields[j].Name, Reason: "natural key field is empty"}, nil
		}
	}
	if len(keyFields) == 1 {
		row.Key = e.KeyPrefix + row.Values[keyFields[0]]
		return row, nil, nil
	}
	n := len(e.KeyPrefix) + len(keyFields) - 1
	for _, j := range keyFields {
		n += len(row.Values[j])
	}
	var key strings.Builder
	key.Grow(n)
	key.WriteString(e.KeyPrefix)
	for n, j := range keyFields {
		if n > 0 {
			key.WriteByte('|')
		}
		key.WriteString(row.Values[j])
	}
	row.Key = key.String()
	return row, nil, nil
}

var pathRefRe = regexp.MustCompile(`\{([^{}]+)\}`)

// refPart is a piece of a transform argument: literal text, or a {path}
// reference when ref is set.
type refPart struct {
	text string
	ref  bool
}

var refTemplates sync.Map // argument -> []refPart

// refParts splits a transform argument at its {path} references, once per
// argument.
func refParts(a string) []refPart {
	if v, ok := refTemplates.Load(a); ok {
		return v.([]refPart)
	}
	var parts []refPart
	last := 0
	for _, m := range pathRefRe.FindAllStringSubmatchIndex(a, -1) {
		if m[0] > last {
			parts = append(parts, refPart{text: a[last:m[0]]})
		}
		parts = append(parts, refPart{text: a[m[2]:m[3]], ref: true})
		last = m[1]
	}
	if last < len(a) {
		parts = append(parts, refPart{text: a[last:]})
	}
	v, _ := refTemplates.LoadOrStore(a, parts)
	return v.([]refPart)
}

// resolveRefs replaces {path} references in a transform argument with the
// record's trimmed values.
func resolveRefs(r pipeline.Record, a string) (string, error) {
	parts := refParts(a)
	if len(parts) == 1 && !parts[0].ref {
		return a, nil
	}
	var b strings.Builder
	for _, p := range parts {
		if !p.ref {
			b.WriteString(p.text)
			continue
		}
		s, _, err := r.Value(p.text)
		if err != nil {
			return "", err
		}
		b.WriteString(strings.TrimSpace(s))
	}
	return b.String(), nil
}

// field evaluates one field; a bad value is a reject, a bad mapping an error.
func (m *Mapper) field(r pipeline.Record, f *FieldSpec, index int, entity string) (string, *pipeline.Reject, error) {
	reject := func(v, reason string) (string, *pipeline.Reject, error) {
		return "", &pipeline.Reject{Pos: r.Position(), Entity: entity, Field: f.Name, Value: v, Reason: reason}, nil
	}
	var v string
	switch {
	case f.Path == "#index":
		v = strconv.Itoa(index)
	case f.Path != "":
		var err error
		if v, _, err = r.Value(f.Path); err != nil {
			return "", nil, fmt.Errorf("field %s.%s: %w", entity, f.Name, err)
		}
	case f.Sum != nil:
		total, bad, err := sum(r, f.Sum)
		if err != nil {
			return "", nil, fmt.Errorf("field %s.%s: %w", entity, f.Name, err)
		}
		if bad != nil {
			return "", &pipeline.Reject{Pos: bad.Pos, Entity: entity, Field: f.Name, Value: bad.Value, Reason: bad.Reason}, nil
		}
		v = total
	default:
		v = m.expand(f.Value)
	}
	raw := v
	for i := range f.Transforms {
		t := &f.Transforms[i]
		def := t.def
		if def == nil {
			d := transforms[t.Name]
			def = &d
		}
		args := t.Args
		if (t.refs || t.def == nil) && !def.literal && len(args) > 0 {
			args = make([]string, len(t.Args))
			for i, a := range t.Args {
				var err error
				if args[i], err = resolveRefs(r, a); err != nil {
					return "", nil, fmt.Errorf("field %s.%s: transform %s: %w", entity, f.Name, t, err)
				}
			}
		}
		var err error
		if v, err = def.fn(v, args); err != nil {
			return reject(raw, err.Error())
		}
	}
	if v == "" {
		v = f.Default
	}
	if f.Lookup != "" && v != "" {
		mapped, ok := m.lookups[f.Lookup][v]
		switch {
		case ok:
			v = mapped
		case f.Unknown == "pass":
			m.missed(f.Lookup, entity, f.Name, v, "pass")
		case f.Unknown == "default":
			m.missed(f.Lookup, entity, f.Name, v, "default")
			v = f.Default
		default:
			m.missed(f.Lookup, entity, f.Name, v, "reject")
			return reject(v, fmt.Sprintf("no entry for this value in lookup %s%s", f.Lookup, m.lookupOrigin(f.Lookup)))
		}
	}
	if v == "" {
		if f.Required {
			return reject(raw, "is required but empty")
		}
		return "", nil, nil
	}
	for _, check := range f.Validate {
		if err := validators[check](v); err != nil {
			return reject(v, err.Error())
		}
	}
	if f.MinLength > 0 || f.MaxLength > 0 {
		if n := utf8.RuneCountInString(v); (f.MinLength > 0 && n < f.MinLength) || (f.MaxLength > 0 && n > f.MaxLength) {
			return reject(v, fmt.Sprintf("length %d is outside %d–%d", n, f.MinLength, f.MaxLength))
		}
	}
	if f.Pattern != "" {
		re, err := compiled(`^(?:` + f.Pattern + `)$`)
		if err != nil {
			return "", nil, fmt.Errorf("field %s.%s: pattern: %w", entity, f.Name, err)
		}
		if !re.MatchString(v) {
			return reject(v, "does not match the pattern "+f.Pattern)
		}
	}
	return v, nil, nil
}

func (m *Mapper) lookupOrigin(name string) string {
	if p := m.spec.Lookups[name].FromParam; p != "" {
		return " (params." + p + ")"
	}
	return ""
}

// sum adds up a path over a record's children exactly (big.Rat: money is
// never rounded through floats). A value that is not a number is a reject.
func sum(r pipeline.Record, s *SumSpec) (string, *pipeline.RecordError, error) {
	children, err := r.Children(s.Each)
	if err != nil {
		return "", nil, err
	}
	if total, ok := sumPlain(children, s.Path); ok {
		return total, nil, nil
	}
	nums := make([]string, 0, len(children))
	from := make([]pipeline.Record, 0, len(children)) // the child of each number
	for _, c := range children {
		raw, _, err := c.Value(s.Path)
		if err != nil {
			return "", nil, err
		}
		n, err := normalizeNumber(raw)
		if err != nil {
			return "", &pipeline.RecordError{Pos: c.Position(), Field: s.Path, Value: raw, Reason: err.Error()}, nil
		}
		if n != "" {
			nums, from = append(nums, n), append(from, c)
		}
	}
	if total, ok := sumDecimals(nums); ok {
		return total, nil, nil
	}
	total := new(big.Rat)
	for i, n := range nums {
		x, ok := new(big.Rat).SetString(n)
		if !ok {
			raw, _, _ := from[i].Value(s.Path)
			return "", &pipeline.RecordError{Pos: from[i].Position(), Field: s.Path, Value: raw, Reason: "is not a number"}, nil
		}
		total.Add(total, x)
	}
	out, _ := normalizeNumber(total.FloatString(6))
	return out, nil, nil
}

// sumPlain is sum for the common case, every value empty or a plain
// decimal spelling of at most maxDecimalScale fraction digits, without
// making a string per value; ok is false otherwise, and sum's general
// path then answers, or names the bad value.
func sumPlain(children []pipeline.Record, path string) (string, bool) {
	var total int64
	for _, c := range children {
		raw, _, err := c.Value(path)
		if err != nil {
			return "", false
		}
		if raw == "" {
			continue
		}
		mant, scale, ok := plainDecimal(raw)
		if !ok {
			return "", false
		}
		if total, ok = addFixed(total, mant, scale); !ok {
			return "", false
		}
	}
	return formatFixed(total), true
}
