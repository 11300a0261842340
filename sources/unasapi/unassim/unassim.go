// Package unassim is an in-process simulator of the UNAS webshop API's
// login and getOrder functions over real HTTP, for tests and demos of
// sources/unasapi. It answers as sources.md §A describes: POST
// {base}/login with <Params><ApiKey>, Bearer tokens with a lifetime,
// POST {base}/getOrder filtering on DateMod by TimeModStart/TimeModEnd
// (unix, both inclusive), sorted by DateMod then Key, paged by
// LimitStart/LimitNum (≤ 500), HTTP 400 with an <Error> body for errors,
// and the one-hour IP ban past the hourly getOrder limit.
//
// Choices of the simulator where the real API is not verified: an expired
// or unknown token is answered HTTP 401 <Error>Token expired</Error>; a
// getOrder without LimitNum returns every matching order; an unknown
// function is answered 404 <Error>; the ban blocks every function; only
// list calls (those without Key) count against HourlyLimit.
package unassim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Budapest on hosts without zoneinfo
)

// DateLayout is UNAS's time format, shop-local (Europe/Budapest).
const DateLayout = "2006.01.02 15:04:05"

// Budapest is the shop's time zone.
var Budapest = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Budapest")
	if err != nil {
		panic("loading Europe/Budapest: " + err.Error())
	}
	return loc
}()

// Config configures a simulator.
type Config struct {
	// APIKey is the key login accepts. Required.
	APIKey string
	// TokenTTL is a token's lifetime; default 2h.
	TokenTTL time.Duration
	// HourlyLimit is the number of getOrder list calls allowed in a sliding
	// hour; the next one bans the IP for an hour. 0 means no limit.
	HourlyLimit int
	// NoPremium makes login answer "Login Error: PREMIUM package needed".
	NoPremium bool
	// Now is the clock (tokens, DateMod filters do not use it, the hourly
	// limit and the ban do); default time.Now.
	Now func() time.Time
	// Logger receives a line per request at Debug.
	Logger *slog.Logger
}

// Stats says what the simulator was asked.
type Stats struct {
	Logins        int // successful
	FailedLogins  int
	GetOrderCalls int // every getOrder request, answered or not
	// GetOrderParams holds the <Params> children of every getOrder call, in order.
	GetOrderParams []map[string]string
	// InvoiceAutoSetSent is true once any getOrder carried InvoiceAutoSet.
	InvoiceAutoSetSent bool
	Banned             int // calls answered with the ban
}

// LastParams returns the parameters of the last getOrder call, or nil.
func (s Stats) LastParams() map[string]string {
	if len(s.GetOrderParams) == 0 {
		return nil
	}
	return s.GetOrderParams[len(s.GetOrderParams)-1]
}

type order struct {
	key     string
	dateMod time.Time
	raw     []byte
}

// Server is a running (or startable) simulator; safe for concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger

	mu          sync.Mutex
	orders      map[string]order
	tokens      map[string]time.Time // token → expiry
	listCalls   []time.Time
	bannedUntil time.Time
	truncate    int // next getOrder answers to cut off
	inject      []int
	onGetOrder  func(call int, params map[string]string)
	stats       Stats
	httpSrv     *http.Server
	once        sync.Once
}

// New returns a simulator with no orders.
func New(cfg Config) (*Server, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("configuring the UNAS simulator: APIKey is empty")
	}
	if cfg.TokenTTL < 0 || cfg.HourlyLimit < 0 {
		return nil, errors.New("configuring the UNAS simulator: TokenTTL and HourlyLimit must not be negative")
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 2 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: log, orders: map[string]order{}, tokens: map[string]time.Time{}}, nil
}

// AddOrdersXML adds (or replaces, by Key) the <Order> elements of an
// <Orders> document. Each needs a Key and a DateMod in UNAS's format
// ("2026.11.18 14:22:05", Europe/Budapest); their bytes are served verbatim.
func (s *Server) AddOrdersXML(doc []byte) error {
	orders, err := splitOrders(doc, "Orders")
	if err != nil {
		return fmt.Errorf("adding UNAS orders: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range orders {
		s.orders[o.key] = o
	}
	return nil
}

// SetOrderXML replaces the order key with one <Order> element (whose Key
// must be key), e.g. with a newer DateMod to simulate a modification.
func (s *Server) SetOrderXML(key string, elem []byte) error {
	orders, err := splitOrders(elem, "")
	if err != nil {
		return fmt.Errorf("setting UNAS order %s: %w", key, err)
	}
	if len(orders) != 1 || orders[0].key != key {
		return fmt.Errorf("setting UNAS order %s: want one <Order> with that Key", key)
	}
	s.mu.Lock()
	s.orders[key] = orders[0]
	s.mu.Unlock()
	return nil
}

// Len returns the number of orders.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Ban makes every call answer the ban error until until.
func (s *Server) Ban(until time.Time) {
	s.mu.Lock()
	s.bannedUntil = until
	s.mu.Unlock()
}

// TruncateNext cuts off the next n getOrder answers halfway: the headers
// announce the whole length, then the connection is closed.
func (s *Server) TruncateNext(n int) {
	s.mu.Lock()
	s.truncate = n
	s.mu.Unlock()
}

// FailNext answers the next getOrder calls with these HTTP statuses (e.g.
// 503, 429), one each, before anything else is checked.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	s.inject = append(s.inject, statuses...)
	s.mu.Unlock()
}

// ExpireTokens invalidates every token issued so far, as if they had
// expired early; the next call with one is answered 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// OnGetOrder sets a hook called at the start of every getOrder request
// (call counts from 1), before it is answered: tests use it to change the
// orders or the clock between pages.
func (s *Server) OnGetOrder(f func(call int, params map[string]string)) {
	s.mu.Lock()
	s.onGetOrder = f
	s.mu.Unlock()
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.GetOrderParams = make([]map[string]string, len(s.stats.GetOrderParams))
	for i, p := range s.stats.GetOrderParams {
		st.GetOrderParams[i] = maps.Clone(p)
	}
	return st
}

// Handler returns the API's HTTP handler, rooted at /shop/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/shop/{function}", s.serve)
	return mux
}

// Start listens on addr (port 0 picks a free one) and returns the base URL
// to configure, e.g. http://127.0.0.1:41234/shop.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("starting the UNAS simulator: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	if s.httpSrv != nil {
		s.mu.Unlock()
		ln.Close()
		return "", errors.New("starting the UNAS simulator: already started")
	}
	s.httpSrv = srv
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serving", "err", err)
		}
	}()
	return "http://" + ln.Addr().String() + "/shop", nil
}

// Close stops the server, waiting briefly for requests in flight; it is
// safe to call more than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		srv := s.httpSrv
		s.mu.Unlock()
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
			cancel()
		}
	})
	return nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	fn := r.PathValue("function")
	s.log.Debug("request", "function", fn, "method", r.Method)
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "Only POST requests are accepted")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Request read error")
		return
	}
	params, err := readParams(body)
	if fn == "getOrder" {
		s.mu.Lock()
		s.stats.GetOrderCalls++
		s.stats.GetOrderParams = append(s.stats.GetOrderParams, params)
		if _, ok := params["InvoiceAutoSet"]; ok {
			s.stats.InvoiceAutoSetSent = true
		}
		hook, call := s.onGetOrder, s.stats.GetOrderCalls
		s.mu.Unlock()
		if hook != nil {
			hook(call, maps.Clone(params))
		}
	}
	if msg, banned := s.checkBan(fn, params); banned {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "XML parse error: "+err.Error())
		return
	}
	switch fn {
	case "login":
		s.login(w, params)
	case "getOrder":
		s.getOrder(w, r, params)
	default:
		writeError(w, http.StatusNotFound, "Unknown function: "+fn)
	}
}

// checkBan answers the ban while it lasts, and starts one when a getOrder
// list call passes HourlyLimit.
func (s *Server) checkBan(fn string, params map[string]string) (string, bool) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == "getOrder" && params["Key"] == "" && s.cfg.HourlyLimit > 0 && !now.Before(s.bannedUntil) {
		keep := s.listCalls[:0]
		for _, t := range s.listCalls {
			if now.Sub(t) < time.Hour {
				keep = append(keep, t)
			}
		}
		s.listCalls = append(keep, now)
		if len(s.listCalls) > s.cfg.HourlyLimit {
			s.bannedUntil = now.Add(time.Hour)
			s.listCalls = nil
		}
	}
	if now.Before(s.bannedUntil) {
		s.stats.Banned++
		return fmt.Sprintf("Too much %s query, IP is banned till %s!", fn, s.bannedUntil.In(Budapest).Format("01.02.2006 15:04:05")), true
	}
	return "", false
}

func (s *Server) login(w http.ResponseWriter, params map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case params["ApiKey"] != s.cfg.APIKey:
		s.stats.FailedLogins++
		writeError(w, http.StatusBadRequest, "Login Error: invalid API key")
		return
	case s.cfg.NoPremium:
		s.stats.FailedLogins++
		writeError(w, http.StatusBadRequest, "Login Error: PREMIUM package needed")
		return
	}
	s.stats.Logins++
	b := make([]byte, 20)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	exp := s.cfg.Now().Add(s.cfg.TokenTTL).Truncate(time.Second)
	s.tokens[tok] = exp
	writeXML(w, http.StatusOK, fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Login><Token>%s</Token><Expire>%s</Expire><ExpireTime>%d</ExpireTime><Status>ok</Status><Permissions><Permission>getOrder</Permission></Permissions></Login>
`, tok, exp.In(Budapest).Format(DateLayout), exp.Unix()))
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, params map[string]string) {
	s.mu.Lock()
	if len(s.inject) > 0 {
		status := s.inject[0]
		s.inject = s.inject[1:]
		s.mu.Unlock()
		writeError(w, status, http.StatusText(status))
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	exp, ok := s.tokens[tok]
	if !ok || !s.cfg.Now().Before(exp) {
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "Token expired")
		return
	}
	page, status, msg := s.selectOrders(params)
	truncate := s.truncate > 0
	if truncate {
		s.truncate--
	}
	s.mu.Unlock()
	if status != http.StatusOK {
		writeError(w, status, msg)
		return
	}
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Orders>\n")
	for _, o := range page {
		b.WriteString("  ")
		b.Write(o.raw)
		b.WriteString("\n")
	}
	b.WriteString("</Orders>\n")
	if truncate {
		cutOff(w, b.Bytes())
		return
	}
	writeXML(w, http.StatusOK, b.String())
}

// selectOrders filters, sorts and pages; s.mu is held.
func (s *Server) selectOrders(p map[string]string) ([]order, int, string) {
	num := func(name string) (int64, bool, error) {
		v, ok := p[name]
		if !ok || strings.TrimSpace(v) == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return 0, true, fmt.Errorf("invalid %s: %s", name, v)
		}
		return n, true, nil
	}
	modStart, hasStart, err1 := num("TimeModStart")
	modEnd, hasEnd, err2 := num("TimeModEnd")
	limStart, _, err3 := num("LimitStart")
	limNum, hasNum, err4 := num("LimitNum")
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, http.StatusBadRequest, strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	if hasNum && (limNum < 1 || limNum > 500) {
		return nil, http.StatusBadRequest, "LimitNum must be between 1 and 500"
	}
	var sel []order
	for _, o := range s.orders {
		if key := p["Key"]; key != "" && o.key != key {
			continue
		}
		m := o.dateMod.Unix()
		if hasStart && m < modStart || hasEnd && m > modEnd {
			continue
		}
		sel = append(sel, o)
	}
	slices.SortFunc(sel, func(a, b order) int {
		if c := a.dateMod.Compare(b.dateMod); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	if limStart >= int64(len(sel)) {
		return nil, http.StatusOK, ""
	}
	sel = sel[limStart:]
	if hasNum && limNum < int64(len(sel)) {
		sel = sel[:limNum]
	}
	return sel, http.StatusOK, ""
}

// cutOff announces body's length and sends half of it, then closes the
// connection.
func cutOff(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body[:len(body)/2])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
		}
	}
}

func writeXML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error>")
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Error>\n")
	writeXML(w, status, b.String())
}

// readParams returns the text of the children of <Params>.
func readParams(body []byte) (map[string]string, error) {
	params := map[string]string{}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil
	}
	var doc struct {
		XMLName xml.Name `xml:"Params"`
		Fields  []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return params, err
	}
	for _, f := range doc.Fields {
		params[f.XMLName.Local] = strings.TrimSpace(f.Value)
	}
	return params, nil
}
