package load_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"minisync/fixtures"
	"minisync/minicrm/sim"
	"minisync/runner/runnertest"
	"minisync/stages/load"
)

const fastRate = 6000 // requests per minute: the simulator's limit raised so tests take seconds

// twoNights delivers both fixture exports, running after each.
func twoNights(t *testing.T, e *runnertest.Env) {
	t.Helper()
	for _, day := range []string{"orders-2026-11-19.xml", "orders-2026-11-20.xml"} {
		e.Deliver(day, day)
		runUntilDone(t, e, 6)
	}
}

// runUntilDone runs until nothing is pending, at most n times (a run that
// stops on a fault leaves its changes pending for the next one).
func runUntilDone(t *testing.T, e *runnertest.Env, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		lr, err := e.Run()
		if err != nil && errors.Is(err, load.ErrSchema) {
			t.Fatal(err)
		}
		if err == nil && (lr == nil || lr.Pending == 0) {
			return
		}
		t.Logf("run %d left work pending: %v", i+1, err)
	}
	t.Fatalf("changes still pending after %d runs: %d", n, e.Count(`SELECT count(*) FROM changes WHERE status = 'pending'`))
}

// checkCRM compares the simulator's records with what the staging store
// says MiniCRM holds: every record exactly once, nothing more.
func checkCRM(t *testing.T, e *runnertest.Env) {
	t.Helper()
	emails := map[string]int{}
	vats := map[string]int{}
	for _, c := range e.Sim.Contacts() {
		if c.Type == "Business" {
			vats[c.Fields["VatNumber"]]++
		} else {
			emails[strings.ToLower(c.Fields["Email"])]++
		}
	}
	refs := map[string]int{}
	status := map[string]string{}
	for _, p := range e.Sim.Projects() {
		refs[p.ReferenceID]++
		status[p.ReferenceID] = fmt.Sprint(p.StatusID)
	}
	want := func(q string) []string {
		rows, err := e.R.Store.DB.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	check := func(what string, got map[string]int, keys []string) {
		if len(got) != len(keys) {
			t.Errorf("%s in MiniCRM: %d distinct, want %d: %v", what, len(got), len(keys), sortedKeys(got))
		}
		for _, k := range keys {
			if got[k] != 1 {
				t.Errorf("%s %q is in MiniCRM %d times, want once", what, k, got[k])
			}
		}
	}
	check("person", emails, want(`SELECT email FROM cur_person`))
	check("company", vats, want(`SELECT vat_number FROM cur_company`))
	check("card", refs, want(`SELECT natural_key FROM cur_order`))
	if n := e.Count(`SELECT count(*) FROM changes WHERE status IN ('pending', 'failed')`); n != 0 {
		t.Errorf("%d changes pending or failed", n)
	}
	if n := e.Count(`SELECT count(*) FROM cur_order`); n != 9 {
		t.Errorf("cur_order holds %d orders, want the 9 synced ones", n)
	}
	if n := len(e.Sim.Orders()); n != 9 {
		t.Errorf("MiniCRM holds %d order documents, want 9", n)
	}
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLoadTwoNights(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{SimRate: fastRate})
	twoNights(t, e)
	checkCRM(t, e)
	// Night 2's status change reached the card, mapped through the status map.
	for _, p := range e.Sim.Projects() {
		if p.ReferenceID == "unas:27839-100120" && (p.Fields["UnasStatus"] != "Teljesítve") {
			t.Errorf("card %s: UnasStatus %q, want Teljesítve", p.ReferenceID, p.Fields["UnasStatus"])
		}
	}
	// The changed e-mail made a new person; the old one is kept, never deleted.
	for _, email := range []string{"stefan.turcanu@yahoo.ro", "stefan.turcanu@gmail.com"} {
		if e.Count(`SELECT count(*) FROM id_map WHERE entity = 'person' AND natural_key = ?`, email) != 1 {
			t.Errorf("person %s has no MiniCRM id", email)
		}
	}
	// Every request was logged; night 2 used one call per changed contact
	// plus one lookup for each never-seen one, and a single feed push.
	if n := e.Count(`SELECT count(*) FROM api_calls WHERE method = 'POST' AND path LIKE '/Api/SyncFeed/%'`); n != 2 {
		t.Errorf("%d feed pushes, want one a night", n)
	}
	if n := e.Count(`SELECT count(*) FROM api_calls WHERE change_id IS NOT NULL`); n == 0 {
		t.Error("api_calls has no request tied to a change")
	}
	// A replay of night 2 sends nothing.
	before := e.Sim.Stats().Total().Requests
	if _, lr, err := e.R.ReplayAndSend(t.Context(), runnertest.Date("2026-11-20"), e.NewClient); err != nil || lr.Sent != 0 || lr.Calls != 0 {
		t.Errorf("replay: %v, load %+v; want nothing sent", err, lr)
	}
	if after := e.Sim.Stats().Total().Requests; after != before {
		t.Errorf("the replay made %d requests", after-before)
	}
}

func TestLostResponsesCreateNoDuplicates(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{SimRate: fastRate, Faults: sim.Faults{DropRate: 0.2, Seed: 7}})
	twoNights(t, e)
	if d := e.Sim.Stats().Total().Dropped; d == 0 {
		t.Fatal("the simulator dropped no answer; the test proves nothing")
	}
	checkCRM(t, e)
	if n := e.Count(`SELECT count(*) FROM id_map WHERE how = 'found'`); n == 0 {
		t.Error("no lost create was found again by lookup; the test proves nothing about creates")
	}
}

func Test429StormEverythingLandsWithinTheLimit(t *testing.T) {
	const rate = 1200
	e := runnertest.New(t, runnertest.Options{SimRate: rate, Faults: sim.Faults{Burst429Every: 400 * time.Millisecond, Burst429For: 250 * time.Millisecond, Seed: 3}})
	twoNights(t, e)
	st := e.Sim.Stats()
	if st.Total().Burst429 == 0 {
		t.Fatal("no 429 burst hit the client; the test proves nothing")
	}
	if st.R3.OverLimit != 0 {
		t.Errorf("%d requests went over the rate limit", st.R3.OverLimit)
	}
	if st.R3.MaxInWindow > rate {
		t.Errorf("%d requests within one minute, limit %d", st.R3.MaxInWindow, rate)
	}
	checkCRM(t, e)
}

func TestBadCredentialsSendNothing(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{SimRate: fastRate, APIKey: "wrong-key-0123456789abcdef012345"})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	_, err := e.Run()
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("run with a wrong API key: %v, want an error about the credentials", err)
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Error("the error shows the API key")
	}
	if n := e.Count(`SELECT count(*) FROM changes WHERE status NOT IN ('pending')`); n != 0 {
		t.Errorf("%d changes left pending status", n)
	}
	if n := e.Count(`SELECT count(*) FROM changes WHERE status = 'pending'`); n != 34 {
		t.Errorf("%d changes pending, want all 34", n)
	}
	if len(e.Sim.Contacts())+len(e.Sim.Projects()) != 0 {
		t.Error("records reached MiniCRM with a wrong key")
	}
	if n := e.Count(`SELECT count(*) FROM api_calls WHERE status = 401`); n == 0 {
		t.Error("the refused request is not in api_calls")
	}
}

func TestFieldMissingFromSchemaStopsBeforeSending(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{SimRate: fastRate, Params: map[string]string{"link_field": "InvoiceLnk"}})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	_, err := e.Run()
	if !errors.Is(err, load.ErrSchema) || !strings.Contains(err.Error(), `"InvoiceLnk"`) || !strings.Contains(err.Error(), "Rendelések") {
		t.Fatalf("run: %v; want ErrSchema naming InvoiceLnk and the module", err)
	}
	if n := e.Count(`SELECT count(*) FROM api_calls WHERE method <> 'GET'`); n != 0 {
		t.Errorf("%d writes were sent", n)
	}
	if len(e.Sim.Contacts())+len(e.Sim.Projects()) != 0 {
		t.Error("records reached MiniCRM")
	}
}

func TestUnknownStatusLabelFailsThatCardOnly(t *testing.T) {
	// The status map sends "Csomagolás" to a status the module lacks.
	bad := strings.Replace(runnertest.StatusMap, `"Csomagolás": "Feldolgozás"`, `"Csomagolás": "Becsomagolva"`, 1)
	e := runnertest.New(t, runnertest.Options{SimRate: fastRate, Params: map[string]string{"status_map": bad}})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	lr, err := e.Run()
	if err != nil {
		t.Fatal(err)
	}
	if lr.Failed == 0 || lr.Sent == 0 {
		t.Fatalf("load = %+v; want some failed and the rest sent", lr)
	}
	var msg string
	if err := e.R.Store.DB.QueryRow(`SELECT last_error FROM changes WHERE status = 'failed' AND entity = 'order' LIMIT 1`).Scan(&msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "Becsomagolva") || !strings.Contains(msg, "StatusId") {
		t.Errorf("failed change says %q; want the value and the field", msg)
	}
}

// A night where only a line of an order changed pushes the order's card
// with all of its lines, as that night's export has them.
func TestOnlyALineChangedPushesTheWholeDocument(t *testing.T) {
	e := runnertest.New(t, runnertest.Options{SimRate: fastRate})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")
	runUntilDone(t, e, 6)

	b, err := fixtures.UNAS.ReadFile("unas/orders-2026-11-19.xml")
	if err != nil {
		t.Fatal(err)
	}
	order := bytes.Index(b, []byte("<Key>27839-100121</Key>"))
	qty := bytes.Index(b[order:], []byte("<Quantity>3</Quantity>")) // product 1001
	if order < 0 || qty < 0 {
		t.Fatal("fixture changed: order 27839-100121 with a quantity of 3 not found")
	}
	day2 := slices.Concat(b[:order+qty], []byte("<Quantity>5</Quantity>"), b[order+qty+len("<Quantity>3</Quantity>"):])
	if err := os.WriteFile(filepath.Join(e.Exports, "orders-2026-11-20.xml"), day2, 0o644); err != nil {
		t.Fatal(err)
	}
	pushes := e.Count(`SELECT count(*) FROM api_calls WHERE path LIKE '/Api/SyncFeed/%'`)
	runUntilDone(t, e, 6)

	if n := e.Count(`SELECT count(*) FROM changes WHERE run_id = (SELECT max(run_id) FROM runs)`); n != 1 {
		t.Errorf("night 2 made %d changes, want the one line", n)
	}
	if n := e.Count(`SELECT count(*) FROM api_calls WHERE path LIKE '/Api/SyncFeed/%'`) - pushes; n != 1 {
		t.Errorf("night 2 made %d feed pushes, want 1", n)
	}
	var doc *sim.Order
	for _, o := range e.Sim.Orders() {
		if o.Number == "27839-100121" {
			doc = &o
		}
	}
	if doc == nil {
		t.Fatal("order 27839-100121 is not in MiniCRM")
	}
	got := map[string]string{}
	for _, it := range doc.Items {
		got[it.ProductID] = it.Quantity
	}
	if len(got) != 3 || got["1001"] != "5.0000" || got["1002"] != "2.0000" || got["1005"] != "1.0000" {
		t.Errorf("order 27839-100121 holds products %v, want 1001×5, 1002×2, 1005×1", got)
	}
	if n := e.Count(`SELECT count(*) FROM changes WHERE status <> 'sent'`); n != 0 {
		t.Errorf("%d changes not sent", n)
	}
}
