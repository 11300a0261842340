package unasapi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// rawOrder is one <Order> element of a getOrder answer, its bytes verbatim.
type rawOrder struct {
	key string
	raw []byte
}

// errorAnswer is an answer whose root is <Error>.
type errorAnswer struct{ msg string }

func (e *errorAnswer) Error() string { return e.msg }

// parseAnswer checks that body is a complete XML document and returns its
// root element's name. An <Error> root is returned as *errorAnswer.
func parseAnswer(body []byte) (root string, err error) {
	d := newDecoder(body)
	var depth int
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == "" {
				return "", errors.New("the answer holds no XML element")
			}
			break
		}
		if err != nil {
			return root, fmt.Errorf("reading the answer: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					return root, errors.New("the answer has more than one root element")
				}
				root = t.Name.Local
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if root == "Error" {
				text.Write(t)
			}
		}
	}
	if root == "Error" {
		return root, &errorAnswer{msg: strings.TrimSpace(text.String())}
	}
	return root, nil
}

// parseOrders returns the <Order> children of an <Orders> answer, their
// bytes copied verbatim, and their Key. The whole document is checked
// first, so a truncated answer is an error, never a short page.
// body is in UTF-8 (toUTF8 converted it).
func parseOrders(body []byte) ([]rawOrder, error) {
	root, err := parseAnswer(body)
	if err != nil {
		return nil, err
	}
	if root != "Orders" {
		return nil, fmt.Errorf("the answer's root is <%s>, want <Orders>", root)
	}
	d := newDecoder(body)
	var (
		orders []rawOrder
		depth  int
		start  int64
		inKey  bool
		key    strings.Builder
	)
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			return orders, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the answer: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2 && t.Name.Local == "Order":
				start = off
				key.Reset()
			case depth == 3 && t.Name.Local == "Key":
				inKey = true
			}
		case xml.EndElement:
			switch {
			case depth == 3:
				inKey = false
			case depth == 2 && t.Name.Local == "Order":
				k := strings.TrimSpace(key.String())
				if k == "" {
					return nil, fmt.Errorf("order %d of the answer has no Key", len(orders)+1)
				}
				orders = append(orders, rawOrder{key: k, raw: body[start:d.InputOffset()]})
			}
			depth--
		case xml.CharData:
			if inKey {
				key.Write(t)
			}
		}
	}
}

func newDecoder(body []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(body))
	// toUTF8 already converted the bytes; the declaration may still name
	// the original encoding.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

// toUTF8 converts an answer whose XML declaration names another encoding
// (UNAS answers in UTF-8; this is a safety net) and rewrites the
// declaration, so that the order bytes copied into the UTF-8 document stay
// what they say.
func toUTF8(body []byte) ([]byte, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(body, []byte("<?xml")) {
		return body, nil
	}
	end := bytes.Index(body, []byte("?>"))
	if end < 0 {
		return body, nil
	}
	decl := string(body[:end])
	i := strings.Index(decl, "encoding=")
	if i < 0 || len(decl) < i+10 {
		return body, nil
	}
	q := decl[i+9]
	rest := decl[i+10:]
	j := strings.IndexByte(rest, q)
	if j < 0 {
		return body, nil
	}
	name := strings.ToLower(rest[:j])
	if name == "utf-8" || name == "utf8" {
		return body, nil
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		return nil, fmt.Errorf("the answer declares the unknown encoding %q", name)
	}
	conv, err := enc.NewDecoder().Bytes(body[end+2:])
	if err != nil {
		return nil, fmt.Errorf("converting the answer from %s: %w", name, err)
	}
	return append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`), conv...), nil
}
