// Package unasapi is a pipeline.CursorSource reading the orders of a UNAS
// webshop through its API (sources.md §A): each run lists one time window
// of order modifications [cursor − Overlap, now − Lag] and fetches it with
// getOrder (TimeModStart/TimeModEnd, pages of up to 500) as one
// <Orders> document, the <Order> elements copied verbatim.
//
// The source only reads: it calls login and getOrder and never sends
// InvoiceAutoSet (which would mark the fetched orders invoiced) nor any
// set* function.
package unasapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"minisync/pipeline"
)

var _ pipeline.CursorSource = (*Source)(nil)

// Source lists and fetches getOrder windows.
type Source struct {
	cfg Config
	c   *client

	mu     sync.Mutex
	cursor string
}

// New validates cfg and returns a Source; it makes no call yet.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Source{cfg: cfg, c: &client{cfg: cfg, http: httpClient(cfg)}}, nil
}

// SetCursor sets where the next window continues: the unix time (decimal)
// of the TimeModEnd of the last staged window, or "" for none.
func (s *Source) SetCursor(cursor string) {
	s.mu.Lock()
	s.cursor = strings.TrimSpace(cursor)
	s.mu.Unlock()
}

// window is a getOrder time window, both ends in unix seconds.
type window struct{ start, end int64 }

// nextWindow computes the window to fetch now; ok is false when it would be
// empty.
func (s *Source) nextWindow() (w window, ok bool, err error) {
	s.mu.Lock()
	cursor := s.cursor
	s.mu.Unlock()
	start := s.cfg.FirstWindowStart
	if cursor != "" {
		unix, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			return window{}, false, fmt.Errorf("reading the UNAS cursor %q: it is not a unix time", cursor)
		}
		start = time.Unix(unix, 0).Add(-s.cfg.Overlap)
	}
	end := s.cfg.Now().Add(-s.cfg.Lag)
	w = window{start: start.Unix(), end: end.Unix()}
	return w, w.end > w.start, nil
}

// List returns the one window to fetch now, or nothing when the window is
// empty (end ≤ start). It makes no call. The file's Cursor is the window's
// end, ModTime too (the export date is the window's end date).
func (s *Source) List(ctx context.Context) ([]pipeline.RemoteFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, ok, err := s.nextWindow()
	if err != nil || !ok {
		return nil, err
	}
	end := time.Unix(w.end, 0).UTC()
	q := fmt.Sprintf("TimeModStart=%d&TimeModEnd=%d", w.start, w.end)
	return []pipeline.RemoteFile{{
		Name:    "unas-orders-" + basic(w.start) + "-" + basic(w.end) + ".xml",
		Path:    q,
		URI:     s.cfg.BaseURL + "/getOrder?" + q,
		Size:    -1,
		ModTime: end,
		Cursor:  strconv.FormatInt(w.end, 10),
	}}, nil
}

// basic formats a unix time as RFC 3339 basic UTC, 20261120T031500Z.
func basic(unix int64) string { return time.Unix(unix, 0).UTC().Format("20060102T150405Z") }

// parseWindow reads the window back from a listed file's Path.
func parseWindow(f pipeline.RemoteFile) (window, error) {
	q, err := url.ParseQuery(f.Path)
	if err == nil {
		var w window
		w.start, err = strconv.ParseInt(q.Get("TimeModStart"), 10, 64)
		if err == nil {
			w.end, err = strconv.ParseInt(q.Get("TimeModEnd"), 10, 64)
		}
		if err == nil && w.end > w.start {
			return w, nil
		}
	}
	return window{}, fmt.Errorf("UNAS file %q was not listed by this source (Path %q is no getOrder window)", f.Name, f.Path)
}

// Open fetches the window of f as one document:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<!-- UNAS getOrder TimeModStart=… TimeModEnd=… -->
//	<Orders>
//	…every <Order> of every page, verbatim…
//	</Orders>
//
// The comment makes every window's bytes distinct, so the archive never
// skips a window as already known (which would keep the cursor back).
//
// The first page is fetched before Open returns, so login, ban and plan
// errors come from Open; later pages are fetched while the stream is read,
// the next only when a page came back full (exactly PageSize orders; a
// following page may be empty), and a read fails with the error that
// stopped the paging. Orders are deduplicated by Key within the window,
// keeping the first occurrence: an order modified while the window is paged
// can move to a later page, and the stream cannot take back what it has
// written; the newer version has a DateMod after this window's end or near
// it, so the next window (which starts Overlap before this one's end)
// fetches it again and the diff sees the change.
//
// Errors: *BanError (errors.Is ErrBanned) when UNAS bans the IP,
// ErrPackageNeeded when the plan has no API, ErrCallBudget past
// MaxCallsPerHour, ErrTooManyPages past MaxPages, *APIError for other
// <Error> answers; an incomplete answer is always an error.
func (s *Source) Open(ctx context.Context, f pipeline.RemoteFile) (io.ReadCloser, error) {
	w, err := parseWindow(f)
	if err != nil {
		return nil, err
	}
	p := &pager{s: s, w: w, seen: map[string]bool{}}
	first, err := p.page(ctx, 0)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(p.stream(ctx, pw, first))
	}()
	return &stream{ctxErr: ctx.Err, pr: pr, cancel: cancel, done: done}, nil
}

// Close releases nothing: the calls hold no connection between runs.
func (s *Source) Close() error {
	s.c.http.CloseIdleConnections()
	return nil
}

// pager fetches the pages of one window.
type pager struct {
	s     *Source
	w     window
	seen  map[string]bool
	pages int
	total int // orders written
	dups  int // repeats skipped
}

// page fetches the page at offset.
func (p *pager) page(ctx context.Context, offset int) ([]rawOrder, error) {
	cfg := p.s.cfg
	if p.pages == cfg.MaxPages {
		return nil, fmt.Errorf("%w: the window %s–%s needs more than %d pages of %d orders (MaxPages); raise MaxPages or fetch from a later FirstWindowStart",
			ErrTooManyPages, basic(p.w.start), basic(p.w.end), cfg.MaxPages, cfg.PageSize)
	}
	p.pages++
	// Never InvoiceAutoSet: it would mark the orders invoiced (sources.md A2).
	params := fmt.Sprintf("<TimeModStart>%d</TimeModStart><TimeModEnd>%d</TimeModEnd><LimitStart>%d</LimitStart><LimitNum>%d</LimitNum>",
		p.w.start, p.w.end, offset, cfg.PageSize)
	body, err := p.s.c.getOrder(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("fetching UNAS orders %s–%s, page %d: %w", basic(p.w.start), basic(p.w.end), p.pages, err)
	}
	orders, err := parseOrders(body)
	if err != nil {
		return nil, fmt.Errorf("fetching UNAS orders %s–%s, page %d: %w", basic(p.w.start), basic(p.w.end), p.pages, err)
	}
	cfg.Logger.Debug("UNAS page fetched", "page", p.pages, "limit_start", offset, "orders", len(orders))
	return orders, nil
}

// stream writes the document: the first page, then the next pages while
// the last one was full.
func (p *pager) stream(ctx context.Context, w io.Writer, orders []rawOrder) error {
	cfg := p.s.cfg
	head := fmt.Sprintf("%s<!-- UNAS getOrder TimeModStart=%d (%s) TimeModEnd=%d (%s) -->\n<Orders>\n",
		xmlHeader, p.w.start, basic(p.w.start), p.w.end, basic(p.w.end))
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	offset := 0
	for {
		for _, o := range orders {
			if p.seen[o.key] {
				p.dups++
				continue
			}
			p.seen[o.key] = true
			p.total++
			if _, err := w.Write(o.raw); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if len(orders) < cfg.PageSize {
			break
		}
		offset += cfg.PageSize - cfg.PageOverlap
		var err error
		if orders, err = p.page(ctx, offset); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, "</Orders>\n"); err != nil {
		return err
	}
	cfg.Logger.Info("UNAS orders fetched", "window_start", basic(p.w.start), "window_end", basic(p.w.end),
		"orders", p.total, "pages", p.pages, "repeats_skipped", p.dups)
	return nil
}

// stream is the reader Open returns.
type stream struct {
	ctxErr func() error
	pr     *io.PipeReader
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

func (r *stream) Read(b []byte) (int, error) {
	if err := r.ctxErr(); err != nil {
		return 0, err
	}
	return r.pr.Read(b)
}

// Close stops the paging and waits for it.
func (r *stream) Close() error {
	r.once.Do(func() {
		r.cancel()
		r.pr.CloseWithError(errors.New("UNAS order stream closed"))
		<-r.done
	})
	return nil
}
