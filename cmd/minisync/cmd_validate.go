package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"minisync/mappings"
	"minisync/pipeline"
)

func init() {
	register(command{
		name: "validate", args: "<integration> [--sample FILE]",
		summary: "check an integration file, its mapping and lookup tables; with --sample, map a real export and report coverage",
		run:     runValidate,
	})
}

const validateHelp = `
Checks the integration file (every key known, every value valid), its
mapping (fields, transforms, lookups, filters, MiniCRM targets) and the
lookup tables its parameters supply (the status map parses, no status is
given twice). Nothing is fetched, staged or sent.

With --sample FILE, the export file is read with the integration's format
and mapped record by record, and the report says what a run would do:
records that would be rejected and why (grouped, with an example and its
position), values seen that no lookup table maps (also those a field's
policy defaults or passes through), fields that are always empty, and
records skipped by filters or the sync start date. Exit status 3 when the
sample has records that would be rejected.`

func runValidate(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(env, commands["validate"], validateHelp)
	sample := fs.String("sample", "", "an export file to map as a trial")
	pos, code := parse(env, fs, args, 1)
	if code >= 0 {
		return code
	}
	in, m, format, err := loadIntegration(pos[0])
	if err != nil {
		return fail(env, exitFor(err), err)
	}
	w := env.stdout
	fmt.Fprintf(w, "integration %s: ok\n", in.Path)
	fmt.Fprintf(w, "  source: %s %s glob %s (%s)\n", in.Source.Type, in.Source.Dir, in.Source.Glob, in.Source.Snapshot)
	spec := m.Spec()
	fmt.Fprintf(w, "  mapping %s, format %s\n", spec.Name, spec.Format)
	for _, e := range m.Entities() {
		fmt.Fprintf(w, "    %-12s %2d fields, key %s%s\n", e.Name, len(e.Fields), strings.Join(e.Key, "+"), describeTarget(m.CRM(e.Name)))
	}
	for _, name := range slices.Sorted(maps.Keys(spec.Lookups)) {
		origin := "entries in the mapping"
		if p := spec.Lookups[name].FromParam; p != "" {
			origin = "params." + p
		}
		fmt.Fprintf(w, "  lookup %s: %d entries (%s)\n", name, len(m.Lookup(name)), origin)
	}
	for _, f := range spec.Filters {
		fmt.Fprintf(w, "  filter: skip records where %s … (%s)\n", f.Path, f.Reason)
	}
	if in.MiniCRM == nil {
		fmt.Fprintln(w, "  minicrm: not configured (plan works; run needs it)")
	} else {
		fmt.Fprintf(w, "  minicrm: %s, system %s, %d requests/min\n", in.MiniCRM.URL, in.MiniCRM.SystemID, in.MiniCRM.R3PerMinute)
	}
	if *sample == "" {
		return exitOK
	}
	cov, err := trialMap(ctx, m, format, *sample)
	if err != nil {
		return fail(env, exitFailed, err)
	}
	cov.print(w, filepath.Base(*sample))
	if cov.rejects > 0 {
		return exitRejects
	}
	return exitOK
}

func describeTarget(c *mappings.CRMSpec) string {
	if c == nil {
		return " → staged only"
	}
	switch c.API {
	case mappings.APIContact:
		return fmt.Sprintf(" → MiniCRM %s contact, found by %s", c.Type, c.Match)
	case mappings.APIProject:
		return fmt.Sprintf(" → MiniCRM card in module %q", c.Category)
	case mappings.APIFeed:
		return fmt.Sprintf(" → MiniCRM card in module %q through the XML sync feed", c.Category)
	}
	return " → sent with its parent"
}

// coverage is what a trial mapping of a sample file saw.
type coverage struct {
	records, rows, rejects, skipped int
	rejectGroups                    map[string]*example
	misses                          map[string]*example
	skips                           map[string]int
	filled                          map[string]bool // entity.field seen non-empty
	fields                          []string        // every entity.field in order
}

type example struct {
	n          int
	value, pos string
}

func trialMap(ctx context.Context, m *mappings.Mapper, format pipeline.Format, path string) (*coverage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening sample: %w", err)
	}
	defer f.Close()
	rr, err := format.Open(ctx, f, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	c := &coverage{rejectGroups: map[string]*example{}, misses: map[string]*example{}, skips: map[string]int{}, filled: map[string]bool{}}
	for _, e := range m.Entities() {
		for _, fld := range e.Fields {
			c.fields = append(c.fields, e.Name+"."+fld)
		}
	}
	var pos string
	m.OnLookupMiss(func(x mappings.LookupMiss) {
		what := map[string]string{"reject": "rejected", "default": "defaulted", "pass": "passed through"}[x.Policy]
		add(c.misses, fmt.Sprintf("%s: %q (%s.%s, %s)", x.Lookup, x.Value, x.Entity, x.Field, what), x.Value, pos)
	})
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		var bad *pipeline.RecordError
		if errors.As(err, &bad) {
			c.records++
			c.rejects++
			add(c.rejectGroups, bad.Field+": "+bad.Reason, bad.Value, bad.Pos)
			continue
		}
		if err != nil {
			return c, err
		}
		c.records++
		pos = rec.Position()
		res, err := m.Map(rec)
		if err != nil {
			return c, err
		}
		switch {
		case res.Reject != nil:
			c.rejects++
			r := res.Reject
			add(c.rejectGroups, fmt.Sprintf("%s.%s: %s", r.Entity, r.Field, r.Reason), r.Value, r.Pos)
		case res.Skip != "":
			c.skipped++
			c.skips[res.Skip]++
		default:
			for _, row := range res.Rows {
				c.rows++
				e := entityOf(m, row.Entity)
				for i, v := range row.Values {
					if v != "" {
						c.filled[row.Entity+"."+e.Fields[i]] = true
					}
				}
			}
		}
	}
}

func entityOf(m *mappings.Mapper, name string) pipeline.Entity {
	for _, e := range m.Entities() {
		if e.Name == name {
			return e
		}
	}
	return pipeline.Entity{}
}

func add(m map[string]*example, key, value, pos string) {
	if ex, ok := m[key]; ok {
		ex.n++
		return
	}
	m[key] = &example{n: 1, value: value, pos: pos}
}

func (c *coverage) print(w io.Writer, name string) {
	fmt.Fprintf(w, "\nsample %s: %d records → %d rows, %d would be rejected, %d skipped\n", name, c.records, c.rows, c.rejects, c.skipped)
	printGroup(w, "would be rejected", c.rejectGroups)
	printGroup(w, "values no lookup table maps", c.misses)
	if len(c.skips) > 0 {
		fmt.Fprintln(w, "  skipped:")
		for _, reason := range slices.Sorted(maps.Keys(c.skips)) {
			fmt.Fprintf(w, "    %d × %s\n", c.skips[reason], reason)
		}
	}
	var empty []string
	for _, f := range c.fields {
		if !c.filled[f] {
			empty = append(empty, f)
		}
	}
	if len(empty) > 0 && c.rows > 0 {
		fmt.Fprintf(w, "  fields always empty: %s\n", strings.Join(empty, ", "))
	}
}

func printGroup(w io.Writer, title string, m map[string]*example) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s:\n", title)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		ex := m[k]
		fmt.Fprintf(w, "    %d × %s — e.g. %q at %s\n", ex.n, k, ex.value, ex.pos)
	}
}
