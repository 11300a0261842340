package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestDropFault(t *testing.T) {
	f := start(t, Config{Faults: Faults{DropRate: 1}})
	_, _, err := f.send("PUT", "/Api/R3/Contact", `{"Type":"Person","FirstName":"Anna","Email":"anna@example.hu"}`)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("dropped write: err %v, want EOF", err)
	}
	// The write was committed: a client that searches before retrying finds it.
	if cs := f.s.Contacts(); len(cs) != 1 || cs[0].Fields["Email"] != "anna@example.hu" {
		t.Fatalf("contacts after a dropped write: %+v", cs)
	}
	if m := f.ok("GET", "/Api/R3/Contact?Email=anna@example.hu", ""); num(t, m["Count"]) != 1 {
		t.Errorf("search after a dropped write: %v", m)
	}
	_, _, err = f.send("POST", "/Api/Order", fmt.Sprintf(`{"CustomerId":%d,"ReferenceId":"r"}`, f.s.Contacts()[0].ID))
	if err == nil || len(f.s.Orders()) != 1 {
		t.Errorf("dropped order: err %v, %d orders", err, len(f.s.Orders()))
	}
	if st := f.s.Stats().Total(); st.Dropped != 2 {
		t.Errorf("Dropped %d, want 2", st.Dropped)
	}
}

func TestErrorRateFault(t *testing.T) {
	f := start(t, Config{Faults: Faults{ErrorRate: 1}})
	f.fail("PUT", "/Api/R3/Contact", `{"Type":"Person","FirstName":"Anna"}`, 500, "Internal Server Error")
	if n := len(f.s.Contacts()); n != 0 {
		t.Errorf("an injected 500 applied the write: %d contacts", n)
	}
	if err := f.s.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"Anna"}`)
	if st := f.s.Stats(); st.R3.Errors != 1 || st.R3.OverLimit != 0 {
		t.Errorf("stats %+v", st.R3)
	}

	// The same seed gives the same sequence of failures.
	sequence := func() string {
		g := start(t, Config{Faults: Faults{ErrorRate: 0.5, Seed: 7}})
		var seq []byte
		for range 20 {
			code, _ := g.do("GET", "/Api/R3/Category", "")
			seq = append(seq, map[int]byte{200: '.', 500: 'E'}[code])
		}
		return string(seq)
	}
	a, b := sequence(), sequence()
	if a != b || a == "...................." || a == "EEEEEEEEEEEEEEEEEEEE" {
		t.Errorf("sequences %s and %s", a, b)
	}
}

func TestBurst429(t *testing.T) {
	clk := newClock()
	f := start(t, Config{Now: clk.Now, Faults: Faults{Burst429Every: 10 * time.Minute, Burst429For: time.Minute}})
	f.ok("GET", "/Api/R3/Category", "")
	clk.Add(10 * time.Minute)
	f.fail("GET", "/Api/R3/Category", "", 429, "Too Many Requests")
	f.fail("POST", "/Api/Order", `{}`, 429, "Too Many Requests") // every family
	clk.Add(time.Minute)
	f.ok("GET", "/Api/R3/Category", "")
	clk.Add(9*time.Minute + 30*time.Second)
	f.fail("GET", "/Api/R3/Category", "", 429, "Too Many Requests")
	st := f.s.Stats()
	if st.R3.Burst429 != 2 || st.Order.Burst429 != 1 || st.Total().OverLimit != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestLatencyEndsWithTheClient(t *testing.T) {
	f := start(t, Config{Faults: Faults{Latency: time.Hour}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "PUT", f.base+"/Api/R3/Contact", nil)
	req.SetBasicAuth(testSystem, testKey)
	if _, err := f.client.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the deadline", err)
	}
	// Close (in Cleanup) must not wait the hour: the handler saw the cancel.
}

func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := New(Config{SystemID: testSystem, APIKey: testKey, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, s: s, base: base, client: http.DefaultClient}
	c := f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"Anna","Email":"anna@example.hu"}`)
	f.create("/Api/R3/Project", fmt.Sprintf(`{"CategoryId":3,"ContactId":%d,"StatusId":"Elfogadva","ValidUntil":"2026-12-31"}`, c))
	f.ok("POST", "/Api/Order", fmt.Sprintf(`{"CustomerId":%d,"Items":[{"Name":"X","PriceNet":1}]}`, c))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}

	g := start(t, Config{StateFile: path})
	if cs, ps, ords := g.s.Contacts(), g.s.Projects(), g.s.Orders(); len(cs) != 1 || len(ps) != 1 || len(ords) != 1 ||
		cs[0].Fields["Email"] != "anna@example.hu" || ps[0].StatusID != 21 || ps[0].Fields["ValidUntil"] != "2026-12-31" ||
		len(ords[0].Items) != 1 {
		t.Fatalf("reloaded %+v %+v %+v", cs, ps, ords)
	}
	if d := g.ok("GET", "/Api/R3/Contact/"+itoa(c), ""); d["FirstName"] != "Anna" {
		t.Errorf("reloaded contact over HTTP: %v", d)
	}
	if id := g.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"Béla"}`); id != c+1 {
		t.Errorf("new id after reload %d, want %d", id, c+1)
	}
}

func TestStateSavedWhileRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	f := start(t, Config{StateFile: path})
	f.create("/Api/R3/Contact", `{"Type":"Person","FirstName":"Anna"}`)
	for range 100 { // the saver runs once a second; give it up to 10 s
		if data, err := os.ReadFile(path); err == nil {
			var st state
			if err := json.Unmarshal(data, &st); err != nil || len(st.Contacts) != 1 {
				t.Fatalf("state file: %v, %d contacts", err, len(st.Contacts))
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the state file was not written while running")
}

func TestConcurrentCreates(t *testing.T) {
	f := start(t, Config{})
	const workers, each = 20, 10
	ids := make(chan int, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf(`{"Type":"Person","FirstName":"W%d-%d"}`, w, i)
				resp, b, err := f.send("PUT", "/Api/R3/Contact", body)
				if err != nil || resp.StatusCode != 200 {
					t.Errorf("create: %v %s", err, b)
					return
				}
				var id int
				fmt.Sscanf(b, `{"Id":%d}`, &id)
				ids <- id
			}
			f.send("GET", "/Api/R3/Contact?Page=0", "")
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %d given twice", id)
		}
		seen[id] = true
	}
	if len(seen) != workers*each || len(f.s.Contacts()) != workers*each {
		t.Errorf("%d ids, %d contacts; want %d", len(seen), len(f.s.Contacts()), workers*each)
	}
}
