package unasxml

import "strings"

// pseudoItems are the Items/Item Id and Sku values UNAS uses for shipping,
// handling, discounts and gifts rather than products.
var pseudoItems = map[string]bool{
	"shipping-cost":    true,
	"handel-cost":      true,
	"discount-amount":  true,
	"discount-percent": true,
	"gift":             true,
}

// IsPseudoItem reports whether an item Id or Sku marks a non-product line.
func IsPseudoItem(idOrSku string) bool {
	return pseudoItems[strings.ToLower(strings.TrimSpace(idOrSku))]
}
