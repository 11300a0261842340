package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Category types, as GET /Api/R3/Category?Detailed=1 reports them.
const (
	CategoryGeneric = "Generic"
	CategoryWebshop = "Webshop"
	CategoryOrders  = "Orders"
)

// Option is one choice of a dropdown: a status, a user or an enum value.
type Option struct {
	ID    int    `json:"Id"`
	Label string `json:"Label"`
}

// Field is a custom field of a schema. Type is one of Int, Float, DateTime,
// Boolean, Text(N) or Dropdown; a Dropdown lists its Options.
type Field struct {
	Name    string   `json:"Name"`
	Type    string   `json:"Type"`
	Options []Option `json:"Options,omitempty"`
}

// Category is a module of the system: its statuses and custom card fields.
type Category struct {
	ID       int      `json:"Id"`
	Name     string   `json:"Name"`
	Type     string   `json:"Type"`
	OrderID  int      `json:"OrderId,omitempty"`
	Statuses []Option `json:"Statuses"`
	Fields   []Field  `json:"Fields,omitempty"`
}

// System describes a MiniCRM account: its users, modules and the custom
// fields added to the Person and Business schemas. It is JSON-loadable
// (LoadSystem) so a customer's account can be described in a file.
type System struct {
	Users          []Option   `json:"Users"`
	Categories     []Category `json:"Categories"`
	PersonFields   []Field    `json:"PersonFields,omitempty"`
	BusinessFields []Field    `json:"BusinessFields,omitempty"`
	// PersonLabel and BusinessLabel are the contact types in the system's
	// language, as detail GETs return them (default "Személy" and "Cég").
	PersonLabel   string `json:"PersonLabel,omitempty"`
	BusinessLabel string `json:"BusinessLabel,omitempty"`
}

// Field types.
const (
	TypeInt      = "Int"
	TypeFloat    = "Float"
	TypeDateTime = "DateTime"
	TypeBoolean  = "Boolean"
	TypeDropdown = "Dropdown"
	TypeText512  = "Text(512)"
	TypeText1024 = "Text(1024)"
)

// Built-in fields of the contact and card schemas.
var (
	personBuiltins = []Field{
		{Name: "FirstName", Type: TypeText512}, {Name: "LastName", Type: TypeText512},
		{Name: "Email", Type: TypeText512}, {Name: "Phone", Type: TypeText512},
		{Name: "Position", Type: TypeText512}, {Name: "BusinessId", Type: TypeInt},
		{Name: "ReferenceId", Type: TypeText512},
	}
	businessBuiltins = []Field{
		{Name: "Name", Type: TypeText512}, {Name: "Email", Type: TypeText512},
		{Name: "Phone", Type: TypeText512}, {Name: "VatNumber", Type: TypeText512},
		{Name: "EUVatNumber", Type: TypeText512}, {Name: "RegistrationNumber", Type: TypeText512},
		{Name: "Url", Type: TypeText1024}, {Name: "ReferenceId", Type: TypeText512},
	}
	projectBuiltins = []Field{
		{Name: "Name", Type: TypeText512}, {Name: "ContactId", Type: TypeInt},
		{Name: "BusinessId", Type: TypeInt}, {Name: "ReferenceId", Type: TypeText512},
	}
)

// DefaultSystem is a Hungarian demo account: two users, a Webshop module,
// an Orders module and two generic modules (offers and invoices).
func DefaultSystem() *System {
	text := func(name string) Field { return Field{Name: name, Type: TypeText512} }
	float := func(name string) Field { return Field{Name: name, Type: TypeFloat} }
	date := func(name string) Field { return Field{Name: name, Type: TypeDateTime} }
	return &System{
		Users: []Option{{1, "Kovács Anna"}, {2, "Nagy Péter"}},
		Categories: []Category{
			{ID: 1, Name: "Webshop", Type: CategoryWebshop, OrderID: 1,
				Statuses: []Option{{1, "Registered"}, {2, "New"}, {3, "Promising"}, {4, "Loyal"}}},
			{ID: 2, Name: "Rendelések", Type: CategoryOrders, OrderID: 2,
				Statuses: []Option{{10, "Új"}, {11, "Feldolgozás"}, {12, "Kiszállítva"}, {13, "Sikeres"}, {14, "Sikertelen"}},
				Fields:   []Field{text("UnasStatus"), {Name: "InvoiceUrl", Type: TypeText1024}, float("OrderTotal"), text("Currency")}},
			{ID: 3, Name: "Ajánlatok", Type: CategoryGeneric, OrderID: 3,
				Statuses: []Option{{20, "Ajánlat kiküldve"}, {21, "Elfogadva"}, {22, "Elutasítva"}},
				Fields:   []Field{text("OfferNumber"), float("Amount"), text("Currency"), date("ValidUntil")}},
			{ID: 4, Name: "Számlák", Type: CategoryGeneric, OrderID: 4,
				Statuses: []Option{{30, "Kiállítva"}, {31, "Fizetve"}, {32, "Lejárt"}},
				Fields: []Field{text("InvoiceNumber"), float("Amount"), text("Currency"), date("DueDate"),
					{Name: "InvoiceUrl", Type: TypeText1024}}},
		},
		PersonLabel:   "Személy",
		BusinessLabel: "Cég",
	}
}

// LoadSystem reads a System from a JSON file; unknown keys are errors.
func LoadSystem(path string) (*System, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading system: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sys System
	if err := dec.Decode(&sys); err != nil {
		return nil, fmt.Errorf("loading system %s: %w", path, err)
	}
	if err := sys.Validate(); err != nil {
		return nil, fmt.Errorf("loading system %s: %w", path, err)
	}
	return &sys, nil
}

// Validate checks that ids are unique, every module has statuses and every
// field has a known type and a name that does not shadow a built-in field.
func (s *System) Validate() error {
	if len(s.Users) == 0 {
		return errors.New("Users: at least one user is needed")
	}
	if err := checkOptions("Users", s.Users); err != nil {
		return err
	}
	if len(s.Categories) == 0 {
		return errors.New("Categories: at least one category is needed")
	}
	seen := map[int]bool{}
	for i, c := range s.Categories {
		where := fmt.Sprintf("Categories[%d]", i)
		if c.ID <= 0 || seen[c.ID] {
			return fmt.Errorf("%s: Id %d is not positive or not unique", where, c.ID)
		}
		seen[c.ID] = true
		if c.Name == "" {
			return fmt.Errorf("%s: Name is empty", where)
		}
		switch c.Type {
		case CategoryGeneric, CategoryWebshop, CategoryOrders, "":
		default:
			return fmt.Errorf("%s: Type %q is not Generic, Webshop or Orders", where, c.Type)
		}
		if len(c.Statuses) == 0 {
			return fmt.Errorf("%s: at least one status is needed", where)
		}
		if err := checkOptions(where+".Statuses", c.Statuses); err != nil {
			return err
		}
		if err := checkFields(where+".Fields", c.Fields, append(projectBuiltins, Field{Name: "StatusId"}, Field{Name: "UserId"})); err != nil {
			return err
		}
	}
	if err := checkFields("PersonFields", s.PersonFields, personBuiltins); err != nil {
		return err
	}
	return checkFields("BusinessFields", s.BusinessFields, businessBuiltins)
}

func checkOptions(where string, opts []Option) error {
	ids := map[int]bool{}
	for _, o := range opts {
		if o.ID <= 0 || ids[o.ID] {
			return fmt.Errorf("%s: option id %d is not positive or not unique", where, o.ID)
		}
		if o.Label == "" {
			return fmt.Errorf("%s: option %d has an empty label", where, o.ID)
		}
		ids[o.ID] = true
	}
	return nil
}

func checkFields(where string, fields, builtins []Field) error {
	names := map[string]bool{"Id": true, "Type": true, "CategoryId": true, "Deleted": true}
	for _, b := range builtins {
		names[b.Name] = true
	}
	for _, f := range fields {
		if f.Name == "" || names[f.Name] {
			return fmt.Errorf("%s: field name %q is empty, built in or repeated", where, f.Name)
		}
		names[f.Name] = true
		if !validType(f.Type) {
			return fmt.Errorf("%s: field %s has unknown type %q", where, f.Name, f.Type)
		}
		if f.Type == TypeDropdown {
			if len(f.Options) == 0 {
				return fmt.Errorf("%s: dropdown %s has no options", where, f.Name)
			}
			if err := checkOptions(where+"."+f.Name, f.Options); err != nil {
				return err
			}
		}
	}
	return nil
}

func validType(t string) bool {
	switch t {
	case TypeInt, TypeFloat, TypeDateTime, TypeBoolean, TypeDropdown:
		return true
	}
	_, ok := textLimit(t)
	return ok
}

// textLimit returns N for a Text(N) type.
func textLimit(t string) (int, bool) {
	inner, ok := strings.CutPrefix(t, "Text(")
	if !ok {
		return 0, false
	}
	inner, ok = strings.CutSuffix(inner, ")")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(inner)
	return n, err == nil && n > 0
}

// category returns the category with the given id.
func (s *System) category(id int) (*Category, bool) {
	for i := range s.Categories {
		if s.Categories[i].ID == id {
			return &s.Categories[i], true
		}
	}
	return nil, false
}

// ordersCategory returns the first category of type Orders.
func (s *System) ordersCategory() (*Category, bool) {
	for i := range s.Categories {
		if s.Categories[i].Type == CategoryOrders {
			return &s.Categories[i], true
		}
	}
	return nil, false
}

// contactFields is the schema of a contact type, built-ins first.
func (s *System) contactFields(typ string) []Field {
	if typ == ContactBusiness {
		return append(append([]Field{}, businessBuiltins...), s.BusinessFields...)
	}
	return append(append([]Field{}, personBuiltins...), s.PersonFields...)
}

// projectFields is the schema of a module's cards, without StatusId and UserId.
func (s *System) projectFields(c *Category) []Field {
	return append(append([]Field{}, projectBuiltins...), c.Fields...)
}

func (s *System) statusField(c *Category) Field {
	return Field{Name: "StatusId", Type: TypeDropdown, Options: c.Statuses}
}

func (s *System) userField() Field {
	return Field{Name: "UserId", Type: TypeDropdown, Options: s.Users}
}

func (s *System) typeLabel(typ string) string {
	if typ == ContactBusiness {
		return s.BusinessLabel
	}
	return s.PersonLabel
}

func findField(fields []Field, name string) (Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}
