// Package delimited reads CSV and other delimited-text exports of ERPs and
// invoicing programs as a stream of pipeline records: one record per row, or
// one per run of consecutive rows sharing a key (the lines of an invoice).
//
// Rows are parsed with encoding/csv, not gocsv: records are addressed by
// header name at run time (the mappings name the columns), so there is no
// struct to unmarshal into, and encoding/csv reports line and column for
// malformed quoting.
package delimited

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"minisync/formats/textenc"
	"minisync/pipeline"
)

// Sentinel errors wrapped by the *pipeline.PositionError values of this package.
var (
	// ErrInvalidUTF8 means a file read as UTF-8 holds a byte sequence that
	// is not UTF-8. It is textenc.ErrInvalidUTF8.
	ErrInvalidUTF8 = textenc.ErrInvalidUTF8
	// ErrUndefinedByte means a byte has no character in the file's
	// single-byte encoding. It is textenc.ErrUndefinedByte.
	ErrUndefinedByte = textenc.ErrUndefinedByte
	// ErrEncoding means the bytes contradict the declared encoding, e.g. a
	// UTF-8 byte order mark in a file declared windows-1250.
	ErrEncoding = errors.New("wrong encoding")
	// ErrNoHeader means the file has no header line: it is empty or blank.
	ErrNoHeader = errors.New("no header line")
	// ErrHeader means the header has an empty or duplicate column name, or
	// lacks the GroupBy column.
	ErrHeader = errors.New("invalid header")
)

// Options describe the dialect of an export. The zero value, apart from
// Header, suits most exports: sniffed delimiter, `"` quotes, strict UTF-8.
type Options struct {
	// Delimiter is ";", ",", "\t" (or "tab"), "|", or "" / "auto" to sniff it
	// from the header line.
	Delimiter string
	// Quote is `"` (the default when empty) or "'".
	Quote string
	// Header means the first row names the columns, which records are
	// addressed by. Without it the first row is data and the columns are
	// named "1", "2", … after the field count of that row.
	Header bool
	// Encoding is "utf-8" (the default, strict), "windows-1250",
	// "iso-8859-2", or "auto": UTF-8 if the whole file is valid UTF-8, else
	// FallbackEncoding.
	Encoding string
	// FallbackEncoding, "windows-1250" or "iso-8859-2", decodes a file that
	// is not valid UTF-8 when Encoding is "utf-8" or "auto"; "auto" needs it.
	FallbackEncoding string
	// GroupBy names a column: consecutive rows with the same value in it
	// form one record whose Children("lines") are the rows.
	GroupBy string
	// Ragged is "reject" (the default: a row whose field count differs from
	// the header's is a *pipeline.RecordError) or "pad" (missing trailing
	// fields read as empty; extra fields are still a RecordError).
	Ragged string
	// TrimSpace trims white space around every field, and allows it before
	// an opening quote.
	TrimSpace bool
}

// Format reads delimited exports of one dialect. It is immutable after New
// and safe for concurrent use.
type Format struct {
	opts     Options
	delim    rune // 0: sniff from the header line
	quote    byte
	enc      *charmap.Charmap // nil: UTF-8
	encName  string
	fallback *charmap.Charmap // with UTF-8 only; nil: strict UTF-8
	fbName   string
	pad      bool
}

var _ pipeline.Format = (*Format)(nil)

// New checks o and returns a Format for it; errors name the option and value.
func New(o Options) (*Format, error) {
	f := &Format{opts: o, quote: '"'}
	switch o.Delimiter {
	case "", "auto":
	case ",", ";", "\t", "|":
		f.delim = rune(o.Delimiter[0])
	case "tab", `\t`:
		f.delim = '\t'
	default:
		return nil, fmt.Errorf(`invalid Delimiter %q: want ",", ";", "\t", "|" or "auto"`, o.Delimiter)
	}
	switch o.Quote {
	case "", `"`:
	case "'":
		f.quote = '\''
	default:
		return nil, fmt.Errorf(`invalid Quote %q: want "\"" or "'"`, o.Quote)
	}

	auto := strings.EqualFold(strings.TrimSpace(o.Encoding), "auto")
	if !auto {
		name, cm, ok := lookupCharset(o.Encoding)
		if !ok {
			return nil, fmt.Errorf(`invalid Encoding %q: want "utf-8", "windows-1250", "iso-8859-2" or "auto"`, o.Encoding)
		}
		f.enc, f.encName = cm, name
	} else {
		f.encName = "utf-8"
	}
	if o.FallbackEncoding != "" {
		name, cm, ok := lookupCharset(o.FallbackEncoding)
		if !ok || cm == nil {
			return nil, fmt.Errorf(`invalid FallbackEncoding %q: want "windows-1250" or "iso-8859-2"`, o.FallbackEncoding)
		}
		if f.enc != nil {
			return nil, fmt.Errorf("invalid FallbackEncoding %q: only used with Encoding utf-8 or auto, not %q", o.FallbackEncoding, o.Encoding)
		}
		f.fallback, f.fbName = cm, name
	} else if auto {
		return nil, errors.New(`invalid Encoding "auto": needs a FallbackEncoding ("windows-1250" or "iso-8859-2")`)
	}

	switch strings.ToLower(o.Ragged) {
	case "", "reject":
	case "pad":
		f.pad = true
	default:
		return nil, fmt.Errorf(`invalid Ragged %q: want "reject" or "pad"`, o.Ragged)
	}
	return f, nil
}

// Open decides the file's encoding, sniffs the delimiter if needed and reads
// the header, then returns a *Reader streaming the rows (or row groups).
// Errors, from Open and from Next alike, are *pipeline.PositionError values
// naming name, except the *pipeline.RecordError values of Next for a single
// bad row or group. With a FallbackEncoding and a seekable r (an *os.File),
// Open reads the whole file once to validate it as UTF-8, then seeks back.
func (f *Format) Open(ctx context.Context, r io.Reader, name string) (pipeline.RecordReader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening delimited export %q: %w", name, err)
	}
	src, enc, err := f.decoder(ctx, r, name)
	if err != nil {
		return nil, err
	}
	rd := &Reader{f: f, name: name, enc: enc, groupCol: -1}
	if err := rd.start(src); err != nil {
		return nil, err
	}
	return rd, nil
}
