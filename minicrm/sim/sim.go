// Package sim is a MiniCRM simulator: a standalone HTTP server that speaks
// the API of minicrm/PROTOCOL.md (R3 REST, /Api/Order and the XML sync
// feed) with its limits, error texts and quirks, and can inject faults
// (latency, 500s, lost responses, 429 bursts) so clients are tested
// against the failures the real service has.
//
// Nothing is ever deleted. Tests inspect the result through Stats,
// Contacts, Projects and Orders.
package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Budapest, whatever the host has installed
)

// budapest is MiniCRM's time zone: dates are written in Hungarian local time.
var budapest = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Budapest")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// Config configures a Server.
type Config struct {
	// SystemID is the account's number: the Basic auth user name and the
	// {SystemId} of the feed URL. Required, digits only.
	SystemID string
	// APIKey is the Basic auth password. Required.
	APIKey string
	// R3PerMinute is the limit on /Api/R3/* per sliding 60 s (default 60).
	R3PerMinute int
	// FeedPerHour is the limit on /Api/SyncFeed per sliding hour (default 180).
	FeedPerHour int
	// StateFile, when set, is loaded at start if present and saved
	// atomically (JSON) on Close and at most once a second while dirty.
	StateFile string
	// System describes the account; nil means DefaultSystem().
	System *System
	// Faults are injected from the start; see SetFaults.
	Faults Faults
	// Logger receives one Debug line per request; nil discards logs.
	Logger *slog.Logger
	// Now is the clock of the rate limits, bursts and timestamps (for tests);
	// nil means time.Now.
	Now func() time.Time
}

// Server is a simulated MiniCRM account.
type Server struct {
	systemID string
	apiKey   string
	sys      *System
	log      *slog.Logger
	now      func() time.Time
	file     string

	mu         sync.Mutex // guards everything below
	data       state
	dirty      bool
	faults     Faults
	faultEpoch time.Time
	rng        *rand.Rand
	limits     map[Family]*window
	stats      Stats

	saveMu   sync.Mutex // serialises writes of the state file
	stop     chan struct{}
	saverWG  sync.WaitGroup
	httpSrv  *http.Server
	closeErr error
	once     sync.Once
}

// New validates cfg, loads the state file if there is one and returns a
// server ready to serve through Handler or Start.
func New(cfg Config) (*Server, error) {
	if cfg.SystemID == "" || digits(cfg.SystemID) != cfg.SystemID {
		return nil, fmt.Errorf("creating simulator: SystemID %q is not a number", cfg.SystemID)
	}
	if cfg.APIKey == "" {
		return nil, errors.New("creating simulator: APIKey is empty")
	}
	if cfg.R3PerMinute < 0 || cfg.FeedPerHour < 0 {
		return nil, errors.New("creating simulator: R3PerMinute and FeedPerHour must not be negative")
	}
	if err := cfg.Faults.validate(); err != nil {
		return nil, fmt.Errorf("creating simulator: %w", err)
	}
	sys := cfg.System
	if sys == nil {
		sys = DefaultSystem()
	}
	if err := sys.Validate(); err != nil {
		return nil, fmt.Errorf("creating simulator: system: %w", err)
	}
	sys = sys.withDefaults()
	s := &Server{
		systemID: cfg.SystemID,
		apiKey:   cfg.APIKey,
		sys:      sys,
		log:      cfg.Logger,
		now:      cfg.Now,
		file:     cfg.StateFile,
		data:     newState(),
		stop:     make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.WithGroup("minicrmsim")
	if s.now == nil {
		s.now = time.Now
	}
	s.limits = map[Family]*window{
		FamilyR3:    {size: time.Minute, limit: orDefault(cfg.R3PerMinute, 60)},
		FamilyFeed:  {size: time.Hour, limit: orDefault(cfg.FeedPerHour, 180)},
		FamilyOrder: {size: time.Minute},
		FamilyOther: {size: time.Minute},
	}
	s.setFaultsLocked(cfg.Faults)
	if s.file != "" {
		if err := s.load(); err != nil {
			return nil, fmt.Errorf("creating simulator: %w", err)
		}
		s.saverWG.Go(s.saveLoop)
	}
	return s, nil
}

func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// withDefaults returns a copy with the labels and category defaults filled in.
func (s *System) withDefaults() *System {
	c := *s
	c.Categories = append([]Category{}, s.Categories...)
	for i := range c.Categories {
		if c.Categories[i].Type == "" {
			c.Categories[i].Type = CategoryGeneric
		}
		if c.Categories[i].OrderID == 0 {
			c.Categories[i].OrderID = i + 1
		}
	}
	if c.PersonLabel == "" {
		c.PersonLabel = "Személy"
	}
	if c.BusinessLabel == "" {
		c.BusinessLabel = "Cég"
	}
	return &c
}

// SystemID is the account number the server answers for.
func (s *Server) SystemID() string { return s.systemID }

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background.
// It returns the base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("starting simulator: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	if s.httpSrv != nil {
		s.mu.Unlock()
		ln.Close()
		return "", errors.New("starting simulator: already started")
	}
	s.httpSrv = srv
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serving", "err", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	s.log.Debug("listening", "url", base, "system_id", s.systemID)
	return base, nil
}

// Close stops the HTTP server (if started), waiting briefly for requests in
// flight, and saves the state file. It is safe to call more than once.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		srv := s.httpSrv
		s.mu.Unlock()
		var errs []error
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
			}
			cancel()
		}
		close(s.stop)
		s.saverWG.Wait()
		if s.file != "" {
			if err := s.save(); err != nil {
				errs = append(errs, err)
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// SetFaults replaces the injected faults at runtime. The random source is
// reseeded with f.Seed and the burst schedule restarts from now.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
	return nil
}

func (s *Server) setFaultsLocked(f Faults) {
	s.faults = f
	s.faultEpoch = s.now()
	s.rng = rand.New(rand.NewSource(f.Seed))
}
