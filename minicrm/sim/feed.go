package sim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// xmlNode is a generic XML element of the feed.
type xmlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []xmlNode  `xml:",any"`
}

func (n *xmlNode) name() string { return n.XMLName.Local }

func (n *xmlNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

func (n *xmlNode) value() string { return strings.TrimSpace(n.Text) }

// values reads <Emails><Email><Value>x</Value></Email></Emails> (or
// <Email>x</Email>) into its values.
func (n *xmlNode) values() []string {
	var out []string
	for _, item := range n.Nodes {
		v := item.value()
		for _, c := range item.Nodes {
			if c.name() == "Value" {
				v = c.value()
			}
		}
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseFeed decodes the whole push; any syntax error rejects all of it.
func parseFeed(body []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var root xmlNode
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, errors.New("text after the root element")
			}
		default:
			return nil, errors.New("content after the root element")
		}
	}
	if root.name() != "Projects" {
		return nil, fmt.Errorf("the root element is <%s>, not <Projects>", root.name())
	}
	for _, p := range root.Nodes {
		if p.name() != "Project" {
			return nil, fmt.Errorf("<Projects> holds a <%s>, not a <Project>", p.name())
		}
	}
	return &root, nil
}

// feed answers POST /Api/SyncFeed/{SystemId}/Upload.
func (s *Server) feed(r *request) reply {
	if r.method != http.MethodPost {
		return r.methodNotAllowed(http.MethodPost)
	}
	if r.parts[1] != s.systemID {
		return r.notFound(fmt.Sprintf("Unknown system '%s'.", r.parts[1]))
	}
	root, err := parseFeed(r.body)
	if err != nil {
		return r.fail(badf("Invalid XML: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	results := &object{emptyArray: true}
	for i := range root.Nodes {
		n := &root.Nodes[i]
		key := n.attr("Id")
		if key == "" {
			key = fmt.Sprintf("#%d", i+1)
		}
		res := &object{}
		id, created, err := s.feedProject(n)
		status := "Updated"
		switch {
		case err != nil:
			status = "Error"
		case created:
			status = "Created"
		}
		res.set("Id", id)
		res.set("Status", status)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		res.set("Message", msg)
		results.set(key, res)
	}
	out := &object{}
	out.set("Status", "OK")
	out.set("Projects", results)
	return jsonReply(out)
}

// feedContact is a validated <Business> or <Contact>.
type feedContact struct {
	typ    string
	fields map[string]string
}

// feedOrder is a validated <Order>.
type feedOrder struct {
	ref      string
	fields   map[string]string // Number, CurrencyCode, Performance, Status, PaymentMethod
	customer map[string]string
	items    []OrderItem
}

// feedProject validates one <Project> completely, then applies it: the
// company, the persons, the card and its orders. It returns the card id
// (the existing one, if any, on error). Call with mu held.
func (s *Server) feedProject(n *xmlNode) (int, bool, error) {
	ref := n.attr("Id")
	if ref == "" {
		return 0, false, badf("The Project element has no Id attribute.")
	}
	var cat *Category
	vals := map[string]any{}
	var business *feedContact
	var persons []*feedContact
	var orders []*feedOrder
	var err error
	for i := range n.Nodes {
		c := &n.Nodes[i]
		switch c.name() {
		case "CategoryId":
			id, _ := strconv.Atoi(c.value())
			var ok bool
			if cat, ok = s.sys.category(id); !ok {
				return 0, false, invalidValue("CategoryId", c.value())
			}
		case "Business":
			if business, err = s.feedContactNode(c, ContactBusiness); err != nil {
				return 0, false, err
			}
		case "Contacts":
			for j := range c.Nodes {
				if c.Nodes[j].name() != "Contact" {
					return 0, false, unknownField(c.Nodes[j].name())
				}
				p, err := s.feedContactNode(&c.Nodes[j], ContactPerson)
				if err != nil {
					return 0, false, err
				}
				persons = append(persons, p)
			}
		case "Orders":
			for j := range c.Nodes {
				if c.Nodes[j].name() != "Order" {
					return 0, false, unknownField(c.Nodes[j].name())
				}
				o, err := feedOrderNode(&c.Nodes[j], vals)
				if err != nil {
					return 0, false, err
				}
				orders = append(orders, o)
			}
		default:
			if len(c.Nodes) != 0 {
				return 0, false, unknownField(c.name())
			}
			vals[c.name()] = c.value()
		}
	}
	card := s.cardByReference(ref, cat)
	cardID := 0
	if card != nil {
		cardID = card.ID
		cat = s.categoryOf(card)
	}
	if cat == nil {
		return 0, false, badf("The CategoryId field is required.")
	}
	changes, err := s.checkProject(cat, card, vals, false)
	if err != nil {
		return cardID, false, err
	}
	if card == nil && len(persons) == 0 && business == nil && changes["ContactId"] == "" {
		return 0, false, badf("A new card needs a Contact or a Business.")
	}

	// Everything is valid: apply.
	var businessID, contactID int
	if business != nil {
		businessID = s.upsertFeedContact(business, nil, 0).ID
		contactID = businessID
	}
	for i, p := range persons {
		c := s.upsertFeedContact(p, card, businessID)
		if i == 0 {
			contactID = c.ID
		}
	}
	if contactID != 0 {
		changes["ContactId"] = strconv.Itoa(contactID)
	}
	if businessID != 0 {
		changes["BusinessId"] = strconv.Itoa(businessID)
	}
	if card == nil {
		changes["ReferenceId"] = ref
		if changes["Name"] == "" {
			changes["Name"] = ref
		}
	}
	created := card == nil
	card = s.saveProject(cat, card, changes)
	for _, o := range orders {
		s.upsertFeedOrder(o, card)
	}
	return card.ID, created, nil
}

// cardByReference finds the card whose ReferenceId is ref, in cat if given.
func (s *Server) cardByReference(ref string, cat *Category) *Project {
	for _, p := range s.data.Projects {
		if p.ReferenceID == ref && (cat == nil || p.CategoryID == cat.ID) {
			return p
		}
	}
	return nil
}

// feedContactNode validates a <Business> or <Contact> element.
func (s *Server) feedContactNode(n *xmlNode, typ string) (*feedContact, error) {
	fields := s.sys.contactFields(typ)
	fc := &feedContact{typ: typ, fields: map[string]string{}}
	for i := range n.Nodes {
		c := &n.Nodes[i]
		switch name := c.name(); {
		case name == "Emails" || name == "Phones":
			if vs := c.values(); len(vs) > 0 {
				fc.fields[strings.TrimSuffix(name, "s")] = vs[0]
			}
		case name == "Addresses":
			// Addresses are not simulated.
		case len(c.Nodes) == 0 && name != "BusinessId":
			f, ok := findField(fields, name)
			if !ok {
				return nil, unknownField(name)
			}
			v, err := f.coerce(c.value())
			if err != nil {
				return nil, err
			}
			fc.fields[name] = v
		default:
			return nil, unknownField(name)
		}
	}
	required := "FirstName"
	if typ == ContactBusiness {
		required = "Name"
	}
	if fc.fields[required] == "" && s.matchFeedContact(fc, nil) == nil {
		return nil, badf("The %s field of a new %s is required.", required, strings.ToLower(typ))
	}
	return fc, nil
}

// matchFeedContact finds the existing contact a feed contact stands for: a
// person by e-mail (case-insensitive), else the card's own person of the
// same name; a company by VAT number, else by name when it has none.
func (s *Server) matchFeedContact(fc *feedContact, card *Project) *Contact {
	f := fc.fields
	for _, c := range s.data.Contacts {
		if c.Type != fc.typ {
			continue
		}
		if fc.typ == ContactPerson {
			if f["Email"] != "" && strings.EqualFold(c.Fields["Email"], f["Email"]) {
				return c
			}
			continue
		}
		if vat := normalizeVat(f["VatNumber"]); vat != "" {
			if normalizeVat(c.Fields["VatNumber"]) == vat {
				return c
			}
		} else if f["Name"] != "" && strings.EqualFold(c.Fields["Name"], f["Name"]) {
			return c
		}
	}
	if fc.typ == ContactPerson && f["Email"] == "" && card != nil {
		if c := s.contactByID(card.ContactID); c != nil && c.Type == ContactPerson &&
			c.Fields["FirstName"] == f["FirstName"] && c.Fields["LastName"] == f["LastName"] {
			return c
		}
	}
	return nil
}

// upsertFeedContact updates the matching contact or creates one; a person
// without a company joins businessID (a person is never moved).
func (s *Server) upsertFeedContact(fc *feedContact, card *Project, businessID int) *Contact {
	old := s.matchFeedContact(fc, card)
	changes := map[string]string{}
	for k, v := range fc.fields {
		if v != "" {
			changes[k] = v
		}
	}
	if fc.typ == ContactPerson && businessID != 0 && (old == nil || old.BusinessID() == 0) {
		changes["BusinessId"] = strconv.Itoa(businessID)
	}
	return s.saveContact(fc.typ, old, changes)
}

// feedOrderNode validates an <Order>; the fields of its <Project> (the
// order card) go into cardVals.
func feedOrderNode(n *xmlNode, cardVals map[string]any) (*feedOrder, error) {
	o := &feedOrder{ref: n.attr("Id"), fields: map[string]string{}}
	if o.ref == "" {
		return nil, badf("An Order element has no Id attribute.")
	}
	for i := range n.Nodes {
		c := &n.Nodes[i]
		v := c.value()
		switch name := c.name(); name {
		case "Number", "Language":
			o.fields[name] = v
		case "CurrencyCode":
			if !currencyRE.MatchString(v) {
				return nil, invalidValue(name, v)
			}
			o.fields[name] = v
		case "Performance":
			if _, ok := parseDate(v); !ok {
				return nil, invalidValue(name, v)
			}
			o.fields[name] = v
		case "Status":
			if !slices.Contains(orderStatuses, v) {
				return nil, invalidValue(name, v)
			}
			o.fields[name] = v
		case "PaymentMethod":
			if !slices.Contains(paymentMethods, v) {
				return nil, invalidValue(name, v)
			}
			o.fields[name] = v
		case "Customer":
			o.customer = map[string]string{}
			for _, f := range c.Nodes {
				o.customer[f.name()] = f.value()
			}
		case "Project":
			for _, f := range c.Nodes {
				cardVals[f.name()] = f.value()
			}
		case "Products":
			for j := range c.Nodes {
				it, err := feedProduct(&c.Nodes[j])
				if err != nil {
					return nil, err
				}
				o.items = append(o.items, it)
			}
		default:
			return nil, unknownField(name)
		}
	}
	return o, nil
}

func feedProduct(n *xmlNode) (OrderItem, error) {
	if n.name() != "Product" {
		return OrderItem{}, unknownField(n.name())
	}
	m := map[string]any{}
	for _, f := range n.Nodes {
		switch f.name() {
		case "FolderName", "EAN": // stock fields, not kept on the order
		default:
			m[f.name()] = f.value()
		}
	}
	it, err := checkItem(nil, m)
	it.ProductID = n.attr("Id")
	return it, err
}

// upsertFeedOrder creates or updates the order with the feed's Order Id as
// its ReferenceId, on the card. Its products replace the items; an item
// keeps its id when the product (by Id, else SKU) stays.
func (s *Server) upsertFeedOrder(fo *feedOrder, card *Project) {
	var old *Order
	for _, o := range s.data.Orders {
		if o.ReferenceID == fo.ref {
			old = o
			break
		}
	}
	now := s.now()
	o := old
	if o == nil {
		o = &Order{ID: s.data.NextOrderID, ReferenceID: fo.ref, Number: fo.ref, Status: "Draft",
			CurrencyCode: "HUF", CreatedAt: now}
		s.data.NextOrderID++
		s.data.Orders = append(s.data.Orders, o)
	}
	for k, v := range fo.fields {
		switch k {
		case "Number":
			o.Number = v
		case "CurrencyCode":
			o.CurrencyCode = v
		case "Performance":
			o.Performance = v
		case "Status":
			o.Status = v
		case "PaymentMethod":
			o.PaymentMethod = v
		}
	}
	if fo.customer != nil {
		o.Customer = fo.customer
	}
	if fo.items != nil {
		same := func(a, b OrderItem) bool {
			if a.ProductID != "" || b.ProductID != "" {
				return a.ProductID == b.ProductID
			}
			return a.SKU == b.SKU && a.Name == b.Name
		}
		items := make([]OrderItem, 0, len(fo.items))
		for _, it := range fo.items {
			if i := slices.IndexFunc(o.Items, func(x OrderItem) bool { return same(x, it) }); i >= 0 {
				it.ID = o.Items[i].ID
			} else {
				it.ID = s.data.NextItemID
				s.data.NextItemID++
			}
			items = append(items, it)
		}
		o.Items = items
	}
	o.CustomerID = card.ContactID
	o.ProjectID = card.ID
	o.UpdatedAt = now
	s.changed()
}
