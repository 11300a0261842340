package sim

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Order is an order document. Orders created through /Api/Order start in
// Draft; the feed sets the status it is given.
type Order struct {
	ID            int               `json:"Id"`
	ReferenceID   string            `json:"ReferenceId,omitempty"`
	Number        string            `json:"Number"`
	CustomerID    int               `json:"CustomerId"`
	ProjectID     int               `json:"ProjectId,omitempty"`
	Status        string            `json:"Status"`
	CurrencyCode  string            `json:"CurrencyCode"`
	PaymentMethod string            `json:"PaymentMethod,omitempty"`
	Performance   string            `json:"Performance,omitempty"`
	Customer      map[string]string `json:"Customer,omitempty"`
	Items         []OrderItem       `json:"Items"`
	CreatedAt     time.Time         `json:"CreatedAt"`
	UpdatedAt     time.Time         `json:"UpdatedAt"`
}

// OrderItem is a line of an order. Amounts are strings like "7500.0000".
type OrderItem struct {
	ID          int    `json:"Id"`
	ProductID   string `json:"ProductId,omitempty"` // the feed's Product Id attribute
	SKU         string `json:"SKU"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
	PriceNet    string `json:"PriceNet"`
	Quantity    string `json:"Quantity"`
	Unit        string `json:"Unit"`
	VAT         string `json:"VAT"`
}

// Order statuses and payment methods the feed accepts.
var (
	orderStatuses  = []string{"Draft", "Issued", "Completed", "Failed"}
	paymentMethods = []string{"WiredTransfer", "Card", "Check", "CashOnDelivery", "Other"}
	currencyRE     = regexp.MustCompile(`^[A-Z]{3}$`)
)

func (o *Order) clone() Order {
	c := *o
	c.Items = slices.Clone(o.Items)
	if o.Customer != nil {
		c.Customer = cloneMap(o.Customer)
	}
	return c
}

// Amounts are the net, VAT and gross totals of the items.
func (o Order) Amounts() (net, vat, gross float64) {
	for _, it := range o.Items {
		price, _ := strconv.ParseFloat(it.PriceNet, 64)
		qty, _ := strconv.ParseFloat(it.Quantity, 64)
		rate, _ := strconv.ParseFloat(strings.TrimSuffix(it.VAT, "%"), 64)
		net += price * qty
		vat += price * qty * rate / 100
	}
	return net, vat, net + vat
}

func money(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }

func (s *Server) orderByID(id int) *Order {
	list := s.data.Orders
	i := sort.Search(len(list), func(i int) bool { return list[i].ID >= id })
	if i < len(list) && list[i].ID == id {
		return list[i]
	}
	return nil
}

func (s *Server) order(r *request) reply {
	p := r.parts
	switch {
	case len(p) == 1:
		if r.method != http.MethodPost {
			return r.methodNotAllowed(http.MethodPost)
		}
		return s.writeOrder(r, 0)
	case len(p) == 2 && p[1] == "List":
		return r.readOnly(func() reply { return s.listOrders(r) })
	case len(p) == 2:
		id, ok := r.id(1)
		if !ok {
			return r.unknownURL()
		}
		switch r.method {
		case http.MethodGet:
			s.mu.Lock()
			defer s.mu.Unlock()
			o := s.orderByID(id)
			if o == nil {
				return r.notFound(fmt.Sprintf("Order %d not found.", id))
			}
			return jsonReply(s.orderDoc(o, r.base))
		case http.MethodPost:
			return s.writeOrder(r, id)
		}
		return r.methodNotAllowed(http.MethodGet, http.MethodPost)
	}
	return r.unknownURL()
}

func (s *Server) listOrders(r *request) reply {
	page, err := r.page()
	if err != nil {
		return r.fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var preds []func(*Order) bool
	for _, k := range slices.Sorted(maps.Keys(r.query)) {
		v := r.query.Get(k)
		switch k {
		case "Page":
		case "ReferenceId":
			preds = append(preds, func(o *Order) bool { return o.ReferenceID == v })
		case "Status":
			preds = append(preds, func(o *Order) bool { return o.Status == v })
		case "CustomerId":
			preds = append(preds, func(o *Order) bool { return strconv.Itoa(o.CustomerID) == v })
		case "UpdatedSince":
			t, ok := parseDate(v)
			if !ok {
				return r.fail(invalidValue(k, v))
			}
			preds = append(preds, func(o *Order) bool { return !o.UpdatedAt.Before(t) })
		default:
			return r.fail(unknownField(k))
		}
	}
	var hits []*Order
next:
	for _, o := range s.data.Orders {
		for _, p := range preds {
			if !p(o) {
				continue next
			}
		}
		hits = append(hits, o)
	}
	// Newest change first, as the manual says.
	slices.SortStableFunc(hits, func(a, b *Order) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	lo, hi := pageBounds(page, len(hits))
	rows := []any{}
	for _, o := range hits[lo:hi] {
		net, vat, gross := o.Amounts()
		row := &object{}
		row.set("Id", o.ID)
		row.set("ProjectId", o.ProjectID)
		row.set("Number", o.Number)
		row.set("Type", "Order")
		row.set("ReferenceId", o.ReferenceID)
		row.set("CustomerId", o.CustomerID)
		row.set("Performance", o.Performance)
		row.set("CurrencyCode", o.CurrencyCode)
		row.set("AmountNet", money(net))
		row.set("AmountVat", money(vat))
		row.set("Amount", money(gross))
		row.set("Status", o.Status)
		row.set("UpdatedAt", formatTime(o.UpdatedAt))
		row.set("Url", fmt.Sprintf("%s/Api/Order/%d", r.base, o.ID))
		rows = append(rows, row)
	}
	out := &object{}
	out.set("Count", len(hits))
	out.set("Results", rows)
	return jsonReply(out)
}

// orderDoc is the whole document as create, update and get return it.
func (s *Server) orderDoc(o *Order, base string) *object {
	net, vat, gross := o.Amounts()
	out := &object{}
	out.set("Id", o.ID)
	out.set("Number", o.Number)
	out.set("Type", "Order")
	out.set("Status", o.Status)
	out.set("ReferenceId", o.ReferenceID)
	out.set("CustomerId", o.CustomerID)
	out.set("ProjectId", o.ProjectID)
	out.set("CurrencyCode", o.CurrencyCode)
	out.set("PaymentMethod", o.PaymentMethod)
	out.set("Performance", o.Performance)
	out.set("AmountNet", money(net))
	out.set("AmountVat", money(vat))
	out.set("Amount", money(gross))
	if o.Customer != nil {
		out.set("Customer", o.Customer)
	}
	items := []any{}
	for _, it := range o.Items {
		row := &object{}
		row.set("Id", it.ID)
		row.set("SKU", it.SKU)
		row.set("Name", it.Name)
		row.set("Description", it.Description)
		row.set("PriceNet", it.PriceNet)
		row.set("Quantity", it.Quantity)
		row.set("Unit", it.Unit)
		row.set("VAT", it.VAT)
		items = append(items, row)
	}
	out.set("Items", items)
	out.set("CreatedAt", formatTime(o.CreatedAt))
	out.set("UpdatedAt", formatTime(o.UpdatedAt))
	out.set("Url", fmt.Sprintf("%s/Api/Order/%d", base, o.ID))
	return out
}

// orderChange is a validated order write.
type orderChange struct {
	fields   map[string]string // ReferenceId, Number, CurrencyCode, …
	customer map[string]string
	items    []OrderItem // Id 0 = new item
	card     map[string]string
	hasCard  bool
}

// writeOrder creates (id 0) or updates an order from a JSON body.
func (s *Server) writeOrder(r *request, id int) reply {
	vals, err := decodeObject(r.body)
	if err != nil {
		return r.fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old *Order
	if id != 0 {
		if old = s.orderByID(id); old == nil {
			return r.notFound(fmt.Sprintf("Order %d not found.", id))
		}
		if old.Status != "Draft" {
			return r.fail(badf("Only a Draft order can be changed; this one is %s.", old.Status))
		}
	}
	ch, err := s.checkOrder(old, vals)
	if err != nil {
		return r.fail(err)
	}
	o := s.saveOrder(old, ch)
	return jsonReply(s.orderDoc(o, r.base))
}

// checkOrder validates an /Api/Order body. Call with mu held.
func (s *Server) checkOrder(old *Order, vals map[string]any) (*orderChange, error) {
	ch := &orderChange{fields: map[string]string{}}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v := vals[k]
		switch k {
		case "Id":
		case "ReferenceId", "Number":
			str, err := Field{Name: k, Type: TypeText512}.coerce(v)
			if err != nil {
				return nil, err
			}
			ch.fields[k] = str
		case "CustomerId":
			n, ok := intValue(v)
			if !ok || s.contactByID(n) == nil {
				return nil, invalidValue(k, display(v))
			}
			ch.fields[k] = strconv.Itoa(n)
		case "CurrencyCode":
			str, _ := rawString(v)
			if !currencyRE.MatchString(str) {
				return nil, invalidValue(k, display(v))
			}
			if old != nil && str != old.CurrencyCode {
				return nil, badf("The CurrencyCode of an order cannot be changed.")
			}
			ch.fields[k] = str
		case "PaymentMethod":
			str, _ := rawString(v)
			if !slices.Contains(paymentMethods, str) {
				return nil, invalidValue(k, display(v))
			}
			ch.fields[k] = str
		case "Performance":
			str, _ := rawString(v)
			if _, ok := parseDate(str); !ok {
				return nil, invalidValue(k, display(v))
			}
			ch.fields[k] = str
		case "Customer":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, invalidValue(k, display(v))
			}
			ch.customer = map[string]string{}
			for ck, cv := range m {
				str, ok := rawString(cv)
				if !ok {
					return nil, invalidValue("Customer."+ck, display(cv))
				}
				ch.customer[ck] = str
			}
		case "Items":
			list, ok := v.([]any)
			if !ok {
				return nil, invalidValue(k, display(v))
			}
			for _, raw := range list {
				it, err := checkItem(old, raw)
				if err != nil {
					return nil, err
				}
				ch.items = append(ch.items, it)
			}
		case "Project":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, invalidValue(k, display(v))
			}
			card, err := s.checkOrderCard(old, ch, m)
			if err != nil {
				return nil, err
			}
			ch.card, ch.hasCard = card, true
		default:
			return nil, unknownField(k)
		}
	}
	if old == nil && ch.fields["CustomerId"] == "" {
		return nil, badf("The CustomerId field is required.")
	}
	return ch, nil
}

// checkItem validates one element of Items; an Id must name an item of
// the order, which the element then overwrites.
func checkItem(old *Order, raw any) (OrderItem, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return OrderItem{}, invalidValue("Items", display(raw))
	}
	it := OrderItem{Quantity: "1", VAT: "27%"}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		str, ok := rawString(m[k])
		if !ok {
			return OrderItem{}, invalidValue(k, display(m[k]))
		}
		switch k {
		case "Id":
			n, _ := strconv.Atoi(str)
			if old == nil || !slices.ContainsFunc(old.Items, func(i OrderItem) bool { return i.ID == n }) {
				return OrderItem{}, invalidValue("Items.Id", str)
			}
			it.ID = n
		case "SKU":
			it.SKU = str
		case "Name":
			it.Name = str
		case "Description":
			it.Description = str
		case "Unit":
			it.Unit = str
		case "PriceNet", "Quantity":
			x, err := strconv.ParseFloat(strings.TrimSpace(str), 64)
			if err != nil {
				return OrderItem{}, invalidValue(k, str)
			}
			if k == "PriceNet" {
				it.PriceNet = money(x)
			} else {
				it.Quantity = money(x)
			}
		case "VAT":
			if _, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(str), "%"), 64); err != nil {
				return OrderItem{}, invalidValue(k, str)
			}
			it.VAT = str
		default:
			return OrderItem{}, unknownField(k)
		}
	}
	if it.Name == "" {
		return OrderItem{}, badf("The Name field of an item is required.")
	}
	if it.PriceNet == "" {
		it.PriceNet = money(0)
	}
	if q, err := strconv.ParseFloat(it.Quantity, 64); err == nil {
		it.Quantity = money(q)
	}
	return it, nil
}

// checkOrderCard validates the card fields of an order (its Project) against
// the Orders module. A new card belongs to the order's customer.
func (s *Server) checkOrderCard(old *Order, ch *orderChange, vals map[string]any) (map[string]string, error) {
	cat, ok := s.sys.ordersCategory()
	if !ok {
		return nil, badf("The system has no Orders module.")
	}
	var card *Project
	if old != nil && old.ProjectID != 0 {
		card = s.projectByID(old.ProjectID)
	}
	if card == nil {
		if _, set := vals["ContactId"]; !set {
			customer := ch.fields["CustomerId"]
			if customer == "" && old != nil {
				customer = strconv.Itoa(old.CustomerID)
			}
			vals["ContactId"] = customer
		}
	}
	return s.checkProject(cat, card, vals, card == nil)
}

// saveOrder creates an order (old nil) or applies a change. Call with mu held.
func (s *Server) saveOrder(old *Order, ch *orderChange) *Order {
	now := s.now()
	o := old
	if o == nil {
		o = &Order{ID: s.data.NextOrderID, Status: "Draft", CurrencyCode: "HUF", CreatedAt: now}
		o.Number = fmt.Sprintf("MS-%d", o.ID)
		s.data.NextOrderID++
		s.data.Orders = append(s.data.Orders, o)
	}
	for k, v := range ch.fields {
		switch k {
		case "ReferenceId":
			o.ReferenceID = v
		case "Number":
			if v != "" {
				o.Number = v
			}
		case "CustomerId":
			o.CustomerID, _ = strconv.Atoi(v)
		case "CurrencyCode":
			o.CurrencyCode = v
		case "PaymentMethod":
			o.PaymentMethod = v
		case "Performance":
			o.Performance = v
		}
	}
	if ch.customer != nil {
		o.Customer = ch.customer
	}
	for _, it := range ch.items {
		if it.ID == 0 {
			it.ID = s.data.NextItemID
			s.data.NextItemID++
			o.Items = append(o.Items, it)
			continue
		}
		for i := range o.Items {
			if o.Items[i].ID == it.ID {
				o.Items[i] = it
			}
		}
	}
	if ch.hasCard {
		cat, _ := s.sys.ordersCategory()
		card := s.projectByID(o.ProjectID)
		if card == nil && ch.card["Name"] == "" {
			ch.card["Name"] = o.Number
		}
		o.ProjectID = s.saveProject(cat, card, ch.card).ID
	}
	o.UpdatedAt = now
	s.changed()
	return o
}
