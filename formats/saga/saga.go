// Package saga reads Saga C invoice exports, F_<cif>_<nr>_<date>.xml files
// holding <Facturi><Factura>…</Factura></Facturi>, one pipeline record per
// <Factura>. Paths are XPath relative to the Factura element, e.g.
// "Antet/ClientCIF"; the lines are the children at LinesPath. Saga does not
// document its encoding: UTF-8 and declared single-byte charsets such as
// windows-1250 are read.
package saga

import (
	"minisync/formats/xmlstream"
)

// LinesPath selects the invoice lines, the children of a Factura record.
const LinesPath = "Detalii/Continut/Linie"

// New returns the Saga C invoice export format. A root other than
// <Facturi> fails with a *pipeline.PositionError wrapping
// xmlstream.ErrWrongRoot. Positions look like
// "/Facturi/Factura[2] (FacturaNumar 1002)".
func New() *xmlstream.Format {
	return xmlstream.New(xmlstream.Options{Root: "Facturi", Record: "Factura", KeyPath: "Antet/FacturaNumar"})
}
