package xmltree

import (
	"errors"
	"fmt"
)

// SyntaxError is a well-formedness error at a position of the document.
type SyntaxError struct {
	Line   int // 1-based line
	Column int // 1-based column in characters, 0 when unknown
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("XML syntax error on line %d: %s", e.Line, e.Msg)
}

// ErrRecordTooLarge means a record holds more than 2 GiB of text or names.
var ErrRecordTooLarge = errors.New("record larger than 2 GiB")

// errShort reports that a token continues past the buffered input; the
// parser refills the buffer and parses the token again.
var errShort = errors.New("xmltree: token continues past the buffer")
