package mappings

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CRM target kinds.
const (
	APIContact    = "contact"     // R3 Contact (Person or Business), looked up before the first create
	APIProject    = "project"     // R3 Project (a card), found by ReferenceId
	APIFeed       = "feed"        // XML sync feed push: card + order document, upsert by external Id
	APIWithParent = "with_parent" // sent inside the parent's feed push (order lines)
)

// CRMSpec says how an entity's rows reach MiniCRM.
type CRMSpec struct {
	API string `yaml:"api"`
	// Type is "Person" or "Business" for contacts.
	Type string `yaml:"type"`
	// Match is the contact field searched before the first create (Email,
	// VatNumber); it must be one of Fields' MiniCRM names.
	Match string `yaml:"match"`
	// Category is the module (name or id) of a project or feed card;
	// "${param}" is replaced by the parameter's value.
	Category string `yaml:"category"`
	// Fields maps MiniCRM field names (keys, "${param}" allowed) to the
	// entity's canonical fields (values).
	Fields map[string]string `yaml:"fields"`
	// Refs fill id fields from records of other entities via id_map.
	Refs []CRMRef `yaml:"refs"`
	// Contact and Business embed a person and a company in a feed card.
	Contact  *CRMEmbed `yaml:"contact"`
	Business *CRMEmbed `yaml:"business"`
	// Document is the order document of a feed card: its fields
	// (Number, CurrencyCode, Performance, Status, PaymentMethod) from
	// canonical fields.
	Document map[string]string `yaml:"document"`
	// Lines are the document's products, rows of a with_parent entity.
	Lines *CRMLines `yaml:"lines"`
}

// CRMRef fills an id field (BusinessId, ContactId) with the MiniCRM id of
// the record of Entity whose natural key is in the canonical field Key.
type CRMRef struct {
	Field  string `yaml:"field"`
	Entity string `yaml:"entity"`
	Key    string `yaml:"key"`
	// Required holds the change back until the referenced record exists.
	Required bool `yaml:"required"`
}

// CRMEmbed names the entity and the canonical field holding its key.
type CRMEmbed struct {
	Entity string `yaml:"entity"`
	Key    string `yaml:"key"`
}

// CRMLines are the product lines of a feed document.
type CRMLines struct {
	Entity string `yaml:"entity"`
	// Key is the line entity's canonical field holding the parent's key
	// value (without the parent's key prefix).
	Key    string            `yaml:"key"`
	Fields map[string]string `yaml:"fields"`
}

// feedDocumentFields are the order document fields a feed card may set.
var feedDocumentFields = map[string]bool{"Number": true, "CurrencyCode": true, "Performance": true, "Status": true, "PaymentMethod": true}

// feedLineFields are the product fields of a feed document.
var feedLineFields = map[string]bool{"Id": true, "Name": true, "SKU": true, "PriceNet": true, "Quantity": true, "Unit": true, "VAT": true, "Description": true, "FolderName": true}

func (s *Spec) validateCRM(at string, e EntitySpec, fields map[string]bool) []error {
	c := e.CRM
	if c == nil {
		return nil
	}
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(at+".crm."+format, a...)) }
	checkField := func(where, f string) {
		if !fields[f] {
			bad("%s: %q is not one of the entity's fields", where, f)
		}
	}
	entity := func(name string) *EntitySpec {
		for i := range s.Entities {
			if s.Entities[i].Name == name {
				return &s.Entities[i]
			}
		}
		return nil
	}
	switch c.API {
	case APIContact:
		if c.Type != "Person" && c.Type != "Business" {
			bad("type: %q must be Person or Business", c.Type)
		}
		if c.Match == "" {
			bad("match: a contact needs the field it is found by (Email, VatNumber)")
		} else if _, ok := c.Fields[c.Match]; !ok {
			bad("match: %q is not one of crm.fields", c.Match)
		}
	case APIProject, APIFeed:
		if c.Category == "" {
			bad("category: the module of the card is required")
		}
	case APIWithParent:
		return errs
	default:
		bad("api: %q must be contact, project, feed or with_parent", c.API)
	}
	for _, crmName := range slices.Sorted(maps.Keys(c.Fields)) {
		checkField("fields."+crmName, c.Fields[crmName])
		for _, p := range paramRefs(crmName) {
			if _, ok := s.Params[p]; !ok {
				bad("fields: ${%s} is not a declared parameter", p)
			}
		}
	}
	for _, p := range paramRefs(c.Category) {
		if _, ok := s.Params[p]; !ok {
			bad("category: ${%s} is not a declared parameter", p)
		}
	}
	for i, r := range c.Refs {
		if entity(r.Entity) == nil {
			bad("refs[%d].entity: %q is not an entity of the mapping", i, r.Entity)
		}
		checkField(fmt.Sprintf("refs[%d].key", i), r.Key)
		if r.Field == "" {
			bad("refs[%d].field: the MiniCRM id field to fill is required", i)
		}
	}
	if c.API != APIFeed {
		if c.Contact != nil || c.Business != nil || c.Document != nil || c.Lines != nil {
			bad("contact, business, document and lines are for api feed only")
		}
		return errs
	}
	for name, embed := range map[string]*CRMEmbed{"contact": c.Contact, "business": c.Business} {
		if embed == nil {
			continue
		}
		if entity(embed.Entity) == nil {
			bad("%s.entity: %q is not an entity of the mapping", name, embed.Entity)
		}
		checkField(name+".key", embed.Key)
	}
	for _, f := range slices.Sorted(maps.Keys(c.Document)) {
		if !feedDocumentFields[f] {
			bad("document.%s: not an order document field (%s)", f, strings.Join(slices.Sorted(maps.Keys(feedDocumentFields)), ", "))
		}
		checkField("document."+f, c.Document[f])
	}
	if l := c.Lines; l != nil {
		le := entity(l.Entity)
		if le == nil {
			bad("lines.entity: %q is not an entity of the mapping", l.Entity)
			return errs
		}
		if le.CRM == nil || le.CRM.API != APIWithParent {
			bad("lines.entity: %q must have crm.api with_parent", l.Entity)
		}
		lineFields := map[string]bool{}
		for _, f := range le.Fields {
			lineFields[f.Name] = true
		}
		if !lineFields[l.Key] {
			bad("lines.key: %q is not a field of %s", l.Key, l.Entity)
		}
		for _, f := range slices.Sorted(maps.Keys(l.Fields)) {
			if !feedLineFields[f] {
				bad("lines.fields.%s: not a product field (%s)", f, strings.Join(slices.Sorted(maps.Keys(feedLineFields)), ", "))
			}
			if !lineFields[l.Fields[f]] {
				bad("lines.fields.%s: %q is not a field of %s", f, l.Fields[f], l.Entity)
			}
		}
	}
	return errs
}

// CRM returns the entity's CRM target with parameters substituted, or nil
// when the entity is staged only.
func (m *Mapper) CRM(entity string) *CRMSpec {
	for _, e := range m.spec.Entities {
		if e.Name != entity || e.CRM == nil {
			continue
		}
		c := *e.CRM
		c.Category = m.expand(c.Category)
		c.Fields = map[string]string{}
		for k, v := range e.CRM.Fields {
			c.Fields[m.expand(k)] = v
		}
		return &c
	}
	return nil
}

// expand replaces ${param} references with the parameters' values. The
// strings expanded are the mapping's own, so each is expanded once.
func (m *Mapper) expand(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	if v, ok := m.expanded.Load(s); ok {
		return v.(string)
	}
	v := paramRefRe.ReplaceAllStringFunc(s, func(ref string) string { return m.params[ref[2:len(ref)-1]] })
	m.expanded.Store(s, v)
	return v
}

// KeyPrefix returns the prefix of an entity's natural keys.
func (m *Mapper) KeyPrefix(entity string) string {
	for _, e := range m.spec.Entities {
		if e.Name == entity {
			return e.KeyPrefix
		}
	}
	return ""
}
