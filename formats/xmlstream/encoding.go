package xmlstream

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// xmlDecl matches the encoding pseudo-attribute of an XML declaration at the
// very start of the document.
var xmlDecl = regexp.MustCompile(`^<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']`)

// declaredEncoding returns the decoder for the encoding declared at the start
// of head, or nil for UTF-8 (declared or by default).
func declaredEncoding(head []byte) (encoding.Encoding, error) {
	m := xmlDecl.FindSubmatch(head)
	if m == nil {
		return nil, nil
	}
	return lookupEncoding(string(m[1]))
}

// lookupEncoding resolves an encoding label such as "windows-1250" or
// "ISO-8859-2" to a decoder; it returns nil for UTF-8 and accepts only
// single-byte, ASCII-compatible charsets besides it.
func lookupEncoding(label string) (encoding.Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8":
		return nil, nil
	}
	e, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnsupportedEncoding, label)
	}
	if _, ok := e.(*charmap.Charmap); !ok {
		return nil, fmt.Errorf("%w %q", ErrUnsupportedEncoding, label)
	}
	return e, nil
}
