package load_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"minisync/minicrm/sim"
	"minisync/runner/runnertest"
)

// buildMinisync compiles the minisync command for tests that run it as a
// process of its own.
func buildMinisync(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "minisync")
	out, err := exec.Command("go", "build", "-o", bin, "minisync/cmd/minisync").CombinedOutput()
	if err != nil {
		t.Fatalf("building minisync: %v\n%s", err, out)
	}
	return bin
}

// A run killed mid-load (SIGKILL: no deferred cleanup, no flush) is
// continued by the next run without duplicates and without losing changes.
func TestKillMidLoadThenRerun(t *testing.T) {
	bin := buildMinisync(t)
	e := runnertest.New(t, runnertest.Options{SimRate: fastRate, External: true, Faults: sim.Faults{Latency: 60 * time.Millisecond}})
	e.Deliver("orders-2026-11-19.xml", "orders-2026-11-19.xml")

	cmd := exec.Command(bin, "run", e.Path)
	cmd.Env = os.Environ()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(e.Sim.Contacts()) < 4 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the run made no contact in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if n := len(e.Sim.Projects()); n != 0 {
		t.Fatalf("the killed run got as far as the cards (%d); kill earlier to test a mid-load crash", n)
	}
	killedAt := len(e.Sim.Contacts())

	out, err := exec.Command(bin, "run", e.Path).CombinedOutput()
	if err != nil {
		t.Fatalf("rerun: %v\n%s", err, out)
	}
	e.R = runnertest.Open(t, e.Path)
	checkCRM1(t, e)
	if n := e.Count(`SELECT count(*) FROM runs WHERE status = 'crashed'`); n != 1 {
		t.Errorf("%d runs marked crashed, want the killed one", n)
	}
	t.Logf("killed after %d contacts; rerun completed", killedAt)
}

// checkCRM1 checks night 1 alone landed exactly once.
func checkCRM1(t *testing.T, e *runnertest.Env) {
	t.Helper()
	seen := map[string]int{}
	for _, c := range e.Sim.Contacts() {
		seen[c.Type+" "+c.Fields["Email"]+c.Fields["VatNumber"]]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s is in MiniCRM %d times", k, n)
		}
	}
	if len(seen) != 10 {
		t.Errorf("MiniCRM holds %d contacts, want 3 companies and 7 persons", len(seen))
	}
	refs := map[string]int{}
	for _, p := range e.Sim.Projects() {
		refs[p.ReferenceID]++
	}
	if len(refs) != 8 || len(e.Sim.Projects()) != 8 {
		t.Errorf("MiniCRM holds %d cards (%d distinct), want 8", len(e.Sim.Projects()), len(refs))
	}
	if n := e.Count(`SELECT count(*) FROM changes WHERE status <> 'sent'`); n != 0 {
		t.Errorf("%d changes not sent", n)
	}
}
