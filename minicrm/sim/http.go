package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

const maxBody = 32 << 20

// reply is a response built by a handler before it is written, so a
// dropped write can be committed and then not answered.
type reply struct {
	status int
	ctype  string
	body   []byte
	allow  string // the Allow header of a 405
}

// request is what handlers see of an HTTP request.
type request struct {
	method string
	parts  []string // path segments after /Api, e.g. ["R3", "Contact", "5"]
	query  url.Values
	body   []byte
	base   string // scheme and host, for Url fields
}

// entity names the resource in error texts: "Contact", "Order", "SyncFeed".
func (r *request) entity() string {
	p := r.parts
	switch {
	case len(p) >= 2 && p[0] == "R3":
		return p[1]
	case len(p) >= 1:
		return p[0]
	}
	return "Api"
}

// fail turns an error into the plain-text reply "<Entity> (<METHOD>): msg".
func (r *request) fail(err error) reply {
	var br badRequest
	if errors.As(err, &br) {
		return r.text(http.StatusBadRequest, string(br))
	}
	return r.text(http.StatusInternalServerError, err.Error())
}

func (r *request) text(status int, msg string) reply {
	return plain(status, fmt.Sprintf("%s (%s): %s", r.entity(), r.method, msg))
}

func (r *request) notFound(what string) reply { return r.text(http.StatusNotFound, what) }

func (r *request) unknownURL() reply { return r.notFound("Unknown URL.") }

func (r *request) methodNotAllowed(allow ...string) reply {
	rp := r.text(http.StatusMethodNotAllowed, "Method not allowed.")
	rp.allow = strings.Join(allow, ", ")
	return rp
}

func plain(status int, body string) reply {
	return reply{status: status, ctype: "text/plain; charset=utf-8", body: []byte(body)}
}

func jsonReply(v any) reply {
	return reply{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: phpJSON(v)}
}

// phpJSON encodes like PHP's json_encode: non-ASCII as \uXXXX and "/" as "\/".
func phpJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("minicrm sim: encoding a response: %v", err)) // our own types only
	}
	src := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(src)+len(src)/8)
	for _, r := range string(src) {
		switch {
		case r == '/':
			out = append(out, '\\', '/')
		case r < 0x80:
			out = append(out, byte(r))
		default:
			for _, u := range utf16.Encode([]rune{r}) {
				out = fmt.Appendf(out, `\u%04x`, u)
			}
		}
	}
	return out
}

// object is a JSON object that keeps its keys in insertion order. An empty
// one encodes as [] when emptyArray is set, as PHP does.
type object struct {
	keys       []string
	vals       []any
	emptyArray bool
}

func (o *object) set(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *object) MarshalJSON() ([]byte, error) {
	if len(o.keys) == 0 {
		if o.emptyArray {
			return []byte("[]"), nil
		}
		return []byte("{}"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Handler returns the simulator's HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

func (s *Server) serve(w http.ResponseWriter, hr *http.Request) {
	start := time.Now()
	fam := familyOf(hr.URL.Path)
	s.mu.Lock()
	now := s.now()
	st := s.stats.family(fam)
	st.Requests++
	s.limits[fam].arrive(now)
	wait := s.delay()
	s.mu.Unlock()

	if !sleep(hr.Context(), wait) {
		return
	}
	r := &request{method: hr.Method, query: hr.URL.Query(), base: "http://" + hr.Host}
	r.parts = strings.Split(strings.Trim(strings.TrimPrefix(hr.URL.Path, "/Api"), "/"), "/")
	if !strings.HasPrefix(hr.URL.Path, "/Api/") {
		r.parts = []string{"Api"}
	}

	rp, drop := s.gate(hr, fam, r)
	if rp.status == 0 {
		rp = s.route(r)
	}
	s.log.Debug("request", "method", hr.Method, "path", hr.URL.Path, "status", rp.status,
		"dropped", drop, "took", time.Since(start).Round(time.Microsecond))
	if drop {
		s.mu.Lock()
		st.Dropped++
		s.mu.Unlock()
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without a response
	}
	h := w.Header()
	h.Set("Content-Type", rp.ctype)
	h.Set("Content-Length", strconv.Itoa(len(rp.body)))
	if rp.allow != "" {
		h.Set("Allow", rp.allow)
	}
	w.WriteHeader(rp.status)
	w.Write(rp.body)
}

// gate applies, in order, the injected 429 burst, the injected 500, Basic
// auth and the rate limit, and reads the body. A reply with status 0 means
// go on; drop tells whether the write's response is to be lost.
func (s *Server) gate(hr *http.Request, fam Family, r *request) (reply, bool) {
	s.mu.Lock()
	now := s.now()
	st := s.stats.family(fam)
	if s.faults.inBurst(s.faultEpoch, now) {
		st.Burst429++
		s.mu.Unlock()
		return plain(http.StatusTooManyRequests, "Too Many Requests"), false
	}
	if s.chance(s.faults.ErrorRate) {
		st.Errors++
		s.mu.Unlock()
		return plain(http.StatusInternalServerError, "Internal Server Error"), false
	}
	if !s.authorized(hr) {
		st.Unauthorized++
		s.mu.Unlock()
		return plain(http.StatusUnauthorized, "Unauthorized"), false
	}
	if !s.limits[fam].admit(now) {
		st.OverLimit++
		s.mu.Unlock()
		return plain(http.StatusTooManyRequests, "Too Many Requests"), false
	}
	write := hr.Method == http.MethodPut || hr.Method == http.MethodPost
	drop := write && s.chance(s.faults.DropRate)
	s.mu.Unlock()

	body, err := io.ReadAll(http.MaxBytesReader(nil, hr.Body, maxBody))
	if err != nil {
		return r.text(http.StatusBadRequest, "Cannot read the request body: "+err.Error()), false
	}
	r.body = body
	return reply{}, drop
}

func (s *Server) authorized(hr *http.Request) bool {
	user, pass, ok := hr.BasicAuth()
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(s.systemID)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(s.apiKey)) == 1
	return ok && userOK && passOK
}

// route dispatches an authorised, admitted request.
func (s *Server) route(r *request) reply {
	p := r.parts
	switch {
	case len(p) >= 2 && p[0] == "R3":
		switch p[1] {
		case "Category":
			return s.category(r)
		case "Schema":
			return s.schema(r)
		case "Contact":
			return s.contact(r)
		case "Project":
			return s.project(r)
		}
	case len(p) >= 1 && p[0] == "Order":
		return s.order(r)
	case len(p) == 3 && p[0] == "SyncFeed" && p[2] == "Upload":
		return s.feed(r)
	}
	return r.unknownURL()
}

// id parses the path segment after the resource, e.g. 5 of Contact/5.
func (r *request) id(i int) (int, bool) {
	if len(r.parts) <= i {
		return 0, false
	}
	n, err := strconv.Atoi(r.parts[i])
	return n, err == nil && n > 0
}

// page reads the Page parameter (from 0).
func (r *request) page() (int, error) {
	v := r.query.Get("Page")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, invalidValue("Page", v)
	}
	return n, nil
}

const pageSize = 100

// pageBounds returns the slice bounds of page p over n results.
func pageBounds(p, n int) (int, int) {
	lo := n
	if p <= n/pageSize {
		lo = p * pageSize
	}
	return lo, min(lo+pageSize, n)
}

// readOnly answers GET requests with f; other methods get 405.
func (r *request) readOnly(f func() reply) reply {
	if r.method != http.MethodGet {
		return r.methodNotAllowed(http.MethodGet)
	}
	return f()
}
