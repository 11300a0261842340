package mappings

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"minisync/pipeline"
)

func (f FilterSpec) check() error {
	if f.Path == "" {
		return fmt.Errorf("path is required")
	}
	n := 0
	for _, set := range []bool{f.Equals != nil, f.NotEquals != nil, f.In != nil, f.Matches != "", f.Below != nil, f.Above != nil, f.Empty != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("give exactly one of equals, not_equals, in, matches, below, above, empty")
	}
	if f.Matches != "" {
		if _, err := regexp.Compile(f.Matches); err != nil {
			return err
		}
	}
	for _, t := range f.Transforms {
		if err := checkTransform(t); err != nil {
			return err
		}
	}
	if f.Reason == "" {
		return fmt.Errorf("reason is required: it tells the run summary why records were skipped")
	}
	return nil
}

// skips reports whether the filter matches the record; a value that cannot
// be compared (not a number for below/above) is an error for a reject.
func (m *Mapper) skips(r pipeline.Record, f FilterSpec) (bool, error) {
	v, _, err := r.Value(f.Path)
	if err != nil {
		return false, err
	}
	v = strings.TrimSpace(v)
	for _, t := range f.Transforms {
		args := append([]string(nil), t.Args...)
		if !transforms[t.Name].literal {
			for i := range args {
				if args[i], err = resolveRefs(r, args[i]); err != nil {
					return false, err
				}
			}
		}
		if v, err = transforms[t.Name].fn(v, args); err != nil {
			return false, &pipeline.RecordError{Pos: r.Position(), Field: f.Path, Value: v, Reason: err.Error()}
		}
	}
	switch {
	case f.Equals != nil:
		return v == m.expand(*f.Equals), nil
	case f.NotEquals != nil:
		return v != m.expand(*f.NotEquals), nil
	case f.In != nil:
		for _, x := range f.In {
			if v == m.expand(x) {
				return true, nil
			}
		}
		return false, nil
	case f.Matches != "":
		re, err := compiled(f.Matches)
		if err != nil {
			return false, err
		}
		return re.MatchString(v), nil
	case f.Empty != nil:
		return (v == "") == *f.Empty, nil
	}
	if v == "" {
		return false, nil
	}
	num, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return false, &pipeline.RecordError{Pos: r.Position(), Field: f.Path, Value: v, Reason: "is not a number (add transforms: [number])"}
	}
	if f.Below != nil {
		return num < *f.Below, nil
	}
	return num > *f.Above, nil
}
