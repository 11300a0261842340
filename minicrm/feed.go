package minicrm

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"unicode"
)

// FeedProject is one card of the XML sync feed, upserted by its external ID.
type FeedProject struct {
	ID       string      // external id: the card's ReferenceId and upsert key
	Fields   []FeedField // Name, CategoryId, StatusId, UserId, custom fields… in order
	Business *FeedBusiness
	Contact  *FeedContact
	Orders   []FeedOrder
}

// FeedField is one card field written as <Name>Value</Name>.
type FeedField struct{ Name, Value string }

// FeedBusiness is the card's company, matched by VatNumber.
type FeedBusiness struct{ Name, VatNumber string }

// FeedContact is the card's person, matched by e-mail.
type FeedContact struct{ FirstName, LastName, Email, Phone string }

// FeedOrder is an order document of the card, upserted by its external ID.
type FeedOrder struct {
	ID, Number, CurrencyCode, Performance, Status, PaymentMethod string
	Products                                                     []FeedProduct
}

// FeedProduct is one order line; ID is the product's external id.
type FeedProduct struct{ ID, Name, SKU, PriceNet, Quantity, Unit, VAT string }

// reserved are element names of FeedProject that a FeedField must not reuse.
var reserved = map[string]bool{"Business": true, "Contacts": true, "Orders": true}

// BuildFeed renders projects as the UTF-8 XML body of the sync feed, fields
// in the given order; characters XML cannot carry become U+FFFD.
func BuildFeed(projects []FeedProject) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	w := &xmlWriter{enc: xml.NewEncoder(&buf)}
	w.enc.Indent("", "  ")
	seen := make(map[string]bool, len(projects))
	w.start("Projects")
	for i, p := range projects {
		if err := validateFeedProject(p, seen); err != nil {
			return nil, fmt.Errorf("building feed: project %d: %w", i, err)
		}
		w.start("Project", xml.Attr{Name: xml.Name{Local: "Id"}, Value: p.ID})
		for _, f := range p.Fields {
			w.text(f.Name, f.Value)
		}
		if b := p.Business; b != nil {
			w.start("Business")
			w.optional("Name", b.Name)
			w.optional("VatNumber", b.VatNumber)
			w.end("Business")
		}
		if c := p.Contact; c != nil {
			w.start("Contacts")
			w.start("Contact")
			w.optional("FirstName", c.FirstName)
			w.optional("LastName", c.LastName)
			w.list("Emails", "Email", c.Email)
			w.list("Phones", "Phone", c.Phone)
			w.end("Contact")
			w.end("Contacts")
		}
		if len(p.Orders) > 0 {
			w.start("Orders")
			for _, o := range p.Orders {
				w.order(o)
			}
			w.end("Orders")
		}
		w.end("Project")
	}
	w.end("Projects")
	if w.err == nil {
		w.err = w.enc.Close()
	}
	if w.err != nil {
		return nil, fmt.Errorf("building feed: %w", w.err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// validateFeedProject checks ids and field names, which XML cannot escape.
func validateFeedProject(p FeedProject, seen map[string]bool) error {
	if p.ID == "" {
		return fmt.Errorf("empty Id")
	}
	if seen[p.ID] {
		return fmt.Errorf("duplicate Id %q", p.ID)
	}
	seen[p.ID] = true
	names := make(map[string]bool, len(p.Fields))
	for _, f := range p.Fields {
		switch {
		case !isXMLName(f.Name):
			return fmt.Errorf("project %q: field name %q is not a valid element name", p.ID, f.Name)
		case reserved[f.Name]:
			return fmt.Errorf("project %q: field name %q is reserved", p.ID, f.Name)
		case names[f.Name]:
			return fmt.Errorf("project %q: duplicate field %q", p.ID, f.Name)
		}
		names[f.Name] = true
	}
	for _, o := range p.Orders {
		if o.ID == "" {
			return fmt.Errorf("project %q: order %q has an empty Id", p.ID, o.Number)
		}
	}
	return nil
}

// isXMLName accepts names such as StatusId or Enum1221: a letter or _ then letters, digits, _ - .
func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := unicode.IsLetter(r) || r == '_' || (i > 0 && (unicode.IsDigit(r) || r == '-' || r == '.'))
		if !ok {
			return false
		}
	}
	return true
}

// xmlWriter writes tokens, keeping the first error.
type xmlWriter struct {
	enc *xml.Encoder
	err error
}

func (w *xmlWriter) token(t xml.Token) {
	if w.err == nil {
		w.err = w.enc.EncodeToken(t)
	}
}

func (w *xmlWriter) start(name string, attrs ...xml.Attr) {
	w.token(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs})
}

func (w *xmlWriter) end(name string) { w.token(xml.EndElement{Name: xml.Name{Local: name}}) }

// text writes <name>value</name>, even when value is empty.
func (w *xmlWriter) text(name, value string) {
	w.start(name)
	if value != "" {
		w.token(xml.CharData(value))
	}
	w.end(name)
}

// optional writes <name>value</name> unless value is empty.
func (w *xmlWriter) optional(name, value string) {
	if value != "" {
		w.text(name, value)
	}
}

// list writes <outer><inner><Value>value</Value></inner></outer> unless value is empty.
func (w *xmlWriter) list(outer, inner, value string) {
	if value == "" {
		return
	}
	w.start(outer)
	w.start(inner)
	w.text("Value", value)
	w.end(inner)
	w.end(outer)
}

func (w *xmlWriter) order(o FeedOrder) {
	w.start("Order", xml.Attr{Name: xml.Name{Local: "Id"}, Value: o.ID})
	w.optional("Number", o.Number)
	w.optional("CurrencyCode", o.CurrencyCode)
	w.optional("Performance", o.Performance)
	w.optional("Status", o.Status)
	w.optional("PaymentMethod", o.PaymentMethod)
	if len(o.Products) > 0 {
		w.start("Products")
		for _, p := range o.Products {
			var attrs []xml.Attr
			if p.ID != "" {
				attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "Id"}, Value: p.ID})
			}
			w.start("Product", attrs...)
			w.optional("Name", p.Name)
			w.optional("SKU", p.SKU)
			w.optional("PriceNet", p.PriceNet)
			w.optional("Quantity", p.Quantity)
			w.optional("Unit", p.Unit)
			w.optional("VAT", p.VAT)
			w.end("Product")
		}
		w.end("Products")
	}
	w.end("Order")
}
