package unassim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// splitOrders returns the <Order> elements of doc with their Key and
// DateMod: the children of root, or doc's root element itself when root is
// "".
func splitOrders(doc []byte, root string) ([]order, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	orderDepth := 2
	if root == "" {
		orderDepth = 1
	}
	var (
		orders []order
		depth  int
		start  int64
		field  string
		text   strings.Builder
		cur    order
	)
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && root != "" && t.Name.Local != root:
				return nil, fmt.Errorf("the root is <%s>, want <%s>", t.Name.Local, root)
			case depth == orderDepth && t.Name.Local == "Order":
				start, cur = off, order{}
			case depth == orderDepth && depth == 1:
				return nil, fmt.Errorf("the root is <%s>, want <Order>", t.Name.Local)
			case depth == orderDepth+1:
				field = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if depth == orderDepth+1 {
				text.Write(t)
			}
		case xml.EndElement:
			switch {
			case depth == orderDepth+1 && field == "Key":
				cur.key = strings.TrimSpace(text.String())
			case depth == orderDepth+1 && field == "DateMod":
				v := strings.TrimSpace(text.String())
				if cur.dateMod, err = time.ParseInLocation(DateLayout, v, Budapest); err != nil {
					return nil, fmt.Errorf("order %d: DateMod %q is not like %s", len(orders)+1, v, DateLayout)
				}
			case depth == orderDepth && t.Name.Local == "Order":
				if cur.key == "" || cur.dateMod.IsZero() {
					return nil, fmt.Errorf("order %d has no Key or no DateMod", len(orders)+1)
				}
				cur.raw = bytes.Clone(doc[start:d.InputOffset()])
				orders = append(orders, cur)
			}
			depth--
		}
	}
	if len(orders) == 0 && root == "" {
		return nil, errors.New("no <Order> element")
	}
	return orders, nil
}
