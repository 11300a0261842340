package sim

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// First ids of each record kind. The ranges are apart so a client that
// mixes up a contact id and a card id hits a 404 instead of a wrong record.
const (
	firstContactID = 1001
	firstProjectID = 20001
	firstOrderID   = 40001
	firstItemID    = 60001
)

// state is everything the simulator stores; it is also the state file.
type state struct {
	SystemID      string
	SavedAt       time.Time
	NextContactID int
	NextProjectID int
	NextOrderID   int
	NextItemID    int
	Contacts      []*Contact
	Projects      []*Project
	Orders        []*Order
}

func newState() state {
	return state{NextContactID: firstContactID, NextProjectID: firstProjectID,
		NextOrderID: firstOrderID, NextItemID: firstItemID}
}

func (s *Server) load() error {
	data, err := os.ReadFile(s.file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("loading state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("loading state %s: %w", s.file, err)
	}
	for _, c := range st.Contacts {
		if c.Fields == nil {
			c.Fields = map[string]string{}
		}
		st.NextContactID = max(st.NextContactID, c.ID+1)
	}
	for _, p := range st.Projects {
		if p.Fields == nil {
			p.Fields = map[string]string{}
		}
		st.NextProjectID = max(st.NextProjectID, p.ID+1)
	}
	for _, o := range st.Orders {
		st.NextOrderID = max(st.NextOrderID, o.ID+1)
		for _, it := range o.Items {
			st.NextItemID = max(st.NextItemID, it.ID+1)
		}
	}
	slices.SortFunc(st.Contacts, func(a, b *Contact) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(st.Projects, func(a, b *Project) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(st.Orders, func(a, b *Order) int { return cmp.Compare(a.ID, b.ID) })
	s.data = st
	return nil
}

// save writes the state file atomically: a temporary file in the same
// folder, synced, then renamed over the old one.
func (s *Server) save() error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	s.data.SystemID = s.systemID
	s.data.SavedAt = s.now().UTC()
	data, err := json.MarshalIndent(s.data, "", "  ")
	s.dirty = false
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	dir, base := filepath.Split(s.file)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp*")
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		return fmt.Errorf("saving state %s: %w", s.file, err)
	}
	return nil
}

// saveLoop saves the state at most once a second while it is dirty.
func (s *Server) saveLoop() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			dirty := s.dirty
			s.mu.Unlock()
			if dirty {
				if err := s.save(); err != nil {
					s.log.Warn("saving state", "err", err)
				}
			}
		}
	}
}

// changed marks the state dirty. Call with mu held.
func (s *Server) changed() { s.dirty = true }

// Contacts returns copies of all contacts, by id.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, len(s.data.Contacts))
	for i, c := range s.data.Contacts {
		out[i] = *c
		out[i].Fields = cloneMap(c.Fields)
	}
	return out
}

// Projects returns copies of all cards, by id.
func (s *Server) Projects() []Project {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Project, len(s.data.Projects))
	for i, p := range s.data.Projects {
		out[i] = *p
		out[i].Fields = cloneMap(p.Fields)
	}
	return out
}

// Orders returns copies of all orders, by id.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, len(s.data.Orders))
	for i, o := range s.data.Orders {
		out[i] = o.clone()
	}
	return out
}
