// Package ubl reads Romanian e-Factura invoices (UBL 2.1, CIUS-RO): one
// <Invoice> per file, read as one pipeline record. Paths are XPath with the
// cbc:, cac: and ext: prefixes bound to the UBL namespaces whatever prefixes
// the file itself uses, e.g. "cbc:ID",
// "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
// "cac:LegalMonetaryTotal/cbc:PayableAmount/@currencyID"; the lines are the
// children at LinesPath.
package ubl

import (
	"maps"

	"minisync/formats/xmlstream"
)

// UBL 2.1 namespace URIs.
const (
	NamespaceInvoice = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	NamespaceCBC     = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
	NamespaceCAC     = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	NamespaceExt     = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
)

// LinesPath selects the invoice lines, the children of an invoice record.
const LinesPath = "cac:InvoiceLine"

// namespaces binds the prefixes record paths may use.
var namespaces = map[string]string{"cbc": NamespaceCBC, "cac": NamespaceCAC, "ext": NamespaceExt}

// Namespaces returns the prefix → URI bindings record paths are evaluated with.
func Namespaces() map[string]string { return maps.Clone(namespaces) }

// New returns the e-Factura invoice format. The root must be <Invoice> in
// the UBL Invoice-2 namespace; anything else, a <CreditNote> say, fails Open
// (or the first Next) with a *pipeline.PositionError wrapping
// xmlstream.ErrWrongRoot that names the element found. Positions look like
// "/Invoice (ID BM-2026-0117)" and "/Invoice/cac:InvoiceLine[2] (ID BM-2026-0117)".
func New() *xmlstream.Format {
	return xmlstream.New(xmlstream.Options{
		Root:          "Invoice",
		RootNamespace: NamespaceInvoice,
		Record:        ".",
		KeyPath:       "cbc:ID",
		Namespaces:    Namespaces(),
	})
}
