package load

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"minisync/mappings"
	"minisync/minicrm"
)

// target is an entity's CRM target bound to the account's schema.
type target struct {
	spec     *mappings.CRMSpec
	schema   minicrm.Schema
	kind     string // schema kind: Person, Business, Project/<id>
	category int64  // module of project and feed cards
	module   string // module name, for messages
}

// preflight reads the account's modules and schemas and checks that every
// MiniCRM field the mapping names exists, before anything is sent.
func (l *loader) preflight(ctx context.Context) error {
	l.targets = map[string]*target{}
	var modules map[int64]string
	schemas := map[string]minicrm.Schema{}
	var errs []error
	for _, e := range l.order {
		spec := l.o.Mapper.CRM(e.Name)
		if spec == nil || spec.API == mappings.APIWithParent {
			continue
		}
		t := &target{spec: spec}
		switch spec.API {
		case mappings.APIContact:
			t.kind = spec.Type
		case mappings.APIProject, mappings.APIFeed:
			if modules == nil {
				var err error
				if modules, err = l.c.Categories(ctx); err != nil {
					return l.requestFailed("reading the account's modules", err)
				}
			}
			id, name, err := findModule(modules, spec.Category)
			if err != nil {
				errs = append(errs, fmt.Errorf("entity %s: %w", e.Name, err))
				continue
			}
			t.category, t.module = id, name
			t.kind = "Project/" + strconv.FormatInt(id, 10)
		}
		if schemas[t.kind] == nil {
			s, err := l.c.Schema(ctx, t.kind)
			if err != nil {
				return l.requestFailed("reading the schema "+t.kind, err)
			}
			schemas[t.kind] = s
		}
		t.schema = schemas[t.kind]
		for _, f := range t.fieldNames() {
			if !t.schema.Has(f) {
				errs = append(errs, fmt.Errorf("entity %s: MiniCRM field %q is not in the schema of %s (it has: %s)", e.Name, f, t.where(), fieldList(t.schema)))
			}
		}
		l.targets[e.Name] = t
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w; nothing was sent:\n  %v", ErrSchema, strings.ReplaceAll(errors.Join(errs...).Error(), "\n", "\n  "))
	}
	return nil
}

// fieldNames are the MiniCRM fields a target writes.
func (t *target) fieldNames() []string {
	var names []string
	for f := range t.spec.Fields {
		names = append(names, f)
	}
	for _, r := range t.spec.Refs {
		names = append(names, r.Field)
	}
	sort.Strings(names)
	return names
}

func (t *target) where() string {
	if t.module != "" {
		return fmt.Sprintf("module %q (%d)", t.module, t.category)
	}
	return t.kind + " contacts"
}

func findModule(modules map[int64]string, ref string) (int64, string, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if name, ok := modules[id]; ok {
			return id, name, nil
		}
	}
	for id, name := range modules {
		if name == ref {
			return id, name, nil
		}
	}
	for id, name := range modules {
		if strings.EqualFold(name, ref) {
			return id, name, nil
		}
	}
	var names []string
	for id, name := range modules {
		names = append(names, fmt.Sprintf("%q (%d)", name, id))
	}
	sort.Strings(names)
	return 0, "", fmt.Errorf("module %q is not in the MiniCRM account (modules: %s)", ref, strings.Join(names, ", "))
}

func fieldList(s minicrm.Schema) string {
	names := slices.Sorted(maps.Keys(s))
	if len(names) > 20 {
		names = append(names[:20], "…")
	}
	return strings.Join(names, ", ")
}

// requestFailed wraps an error of a read made before any change is sent.
func (l *loader) requestFailed(what string, err error) error {
	if errors.Is(err, minicrm.ErrUnauthorized) {
		return stopError(err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// value converts a canonical value to what a MiniCRM field takes:
// dropdowns must name one of their options (by id or label) and are sent
// as the option's id.
func (t *target) value(field, v string) (any, error) {
	ft, ok := t.schema[field]
	if !ok || ft.Options == nil || v == "" {
		return v, nil
	}
	id, err := t.schema.Resolve(field, v)
	if err != nil {
		return nil, fmt.Errorf("%s of %s: %w", field, t.where(), err)
	}
	return id, nil
}
