package mappings

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
)

// Transform is one step of a field's transforms, written in YAML as a name
// ("trim"), a name with one argument ("datetime:Europe/Bucharest"), or a
// map of the name to its argument or arguments ({replace: ["#", ""]}).
// Arguments may hold {path} references, read from the record.
type Transform struct {
	Name string
	Args []string
	def  *transformDef // bound by Compile
	refs bool          // an argument holds a {path} reference; set by Compile
}

// UnmarshalYAML reads the three spellings.
func (t *Transform) UnmarshalYAML(b []byte) error {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		name, arg, ok := strings.Cut(x, ":")
		t.Name = name
		if ok {
			t.Args = []string{arg}
		}
		return nil
	case map[string]any:
		if len(x) != 1 {
			return fmt.Errorf("a transform map has exactly one key, the transform's name")
		}
		for name, a := range x {
			t.Name = name
			switch args := a.(type) {
			case []any:
				for _, arg := range args {
					t.Args = append(t.Args, fmt.Sprint(arg))
				}
			case nil:
			default:
				t.Args = []string{fmt.Sprint(args)}
			}
		}
		return nil
	}
	return fmt.Errorf("a transform is a name, name:argument, or {name: argument}")
}

// String spells the transform as in YAML.
func (t Transform) String() string {
	if len(t.Args) == 0 {
		return t.Name
	}
	return t.Name + ":" + strings.Join(t.Args, ",")
}

// arg returns argument i, or "".
func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
