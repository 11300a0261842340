// Package xmltree streams the records of an XML document: the elements at a
// fixed path below the root (each <Order> under <Orders>), or the root
// itself, each returned as a compact, immutable Tree that stays valid after
// later calls and may be read from any goroutine.
//
// The Parser reads UTF-8 through a buffer that is refilled as parsing goes
// and grows only while a single token does not fit, so memory holds the
// record being read and the buffer. A leading byte order mark is skipped;
// the encoding named by the XML declaration is not looked at, transcoding
// is the caller's business.
//
// The whole document is checked for well-formedness, outside the records
// too: tags nest and match, there is exactly one root element, text and
// CDATA sections stay inside it, attribute values are quoted, hold no '<'
// and are unique per element, names are XML names, entities are the five
// predefined ones or character references to XML characters, every
// character is an XML character, an element's prefix is declared.
// Comments, processing instructions and a DOCTYPE before the root are
// checked and skipped; the entities a DTD declares are not known. Errors
// are *SyntaxError values with the line and column where the problem is.
//
// Text is decoded as encoding/xml decodes it: entities and character
// references are replaced, CR LF and lone CR become LF, attribute values
// keep their tabs and line feeds. A tree keeps, for each element, its local
// name, prefix as written and namespace URI (declarations made outside the
// record count), its attributes in document order, namespace declarations
// included, the 1-based line of its start tag and its children: elements,
// and runs of character data, one per stretch of text between markup or
// per CDATA section. A run of text that is white space only and not the
// first child of its element has no node, its text is in the element's
// inner text only: XPath navigation in the manner of antchfx/xmlquery
// skips such runs anyway (see Navigator).
//
// Where this parser and encoding/xml in Strict mode differ, the parser is
// the stricter one, after XML 1.0 and Namespaces in XML: it rejects a
// second root element, text or CDATA outside the root, duplicate
// attributes, an undeclared element prefix or the prefix xmlns on an
// element, character references to surrogates such as &#xD800; (which
// encoding/xml turns into U+FFFD), characters that are not XML characters
// in comments and processing instructions, an XML declaration anywhere but
// at the start, a DOCTYPE anywhere but before the root, and any other <!
// markup declaration. The one exception: names follow XML 1.0 fifth
// edition, whose name characters include the older tables encoding/xml
// uses and more. Like encoding/xml it accepts attributes without white
// space between them, a name such as ":a" or "a:" as a local name without
// prefix, and an undeclared attribute prefix, which then stands for its own
// namespace, as xmlns does for namespace declarations.
package xmltree
