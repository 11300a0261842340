package mappings

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// typographicQuotes are the quotes a status map pasted from a document
// often carries ("{”Nou”: ”Nou”}"); they are read as plain quotes.
var typographicQuotes = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u2033", `"`)

// ParseMap reads a map parameter written in the format of the UNAS status
// map, {"Unas-Status1": "MiniCRM-Status1", …}. Typographic quotes are
// accepted; a key given twice, a non-string value or trailing text is an
// error naming it.
func ParseMap(s string) (map[string]string, error) {
	dec := json.NewDecoder(strings.NewReader(typographicQuotes.Replace(s)))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf(`must be a JSON object such as {"Unas-Status1": "MiniCRM-Status1", "Unas-Status2": "MiniCRM-Status2"}`)
	}
	m := map[string]string{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("reading key at offset %d: %w", dec.InputOffset(), err)
		}
		k := kt.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("reading value of %q: %w", k, err)
		}
		sv, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("value of %q must be a string, not %v", k, v)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("key %q is given twice", k)
		}
		m[k] = sv
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("reading the end of the object: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected text after the closing }")
	}
	return m, nil
}
