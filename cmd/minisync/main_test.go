package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"minisync/demo"
)

// cli runs minisync in-process and returns its exit status and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &cliEnv{stdout: &out, stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestHelpOnEveryCommand(t *testing.T) {
	for name := range commands {
		code, out, _ := cli(t, name, "--help")
		if code != exitOK || !strings.Contains(out, "Usage: minisync "+name) {
			t.Errorf("%s --help: exit %d, output %q", name, code, out)
		}
	}
	if code, out, _ := cli(t, "--help"); code != exitOK || !strings.Contains(out, "plan") {
		t.Errorf("--help: exit %d, output %q", code, out)
	}
	if code, _, errOut := cli(t, "frobnicate"); code != exitUsage || !strings.Contains(errOut, "frobnicate") {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if code, _, _ := cli(t, "plan"); code != exitUsage {
		t.Errorf("plan without an integration: exit %d, want %d", code, exitUsage)
	}
	if code, _, errOut := cli(t, "replay", "x.yaml", "--date", "20.11.2026"); code != exitUsage || !strings.Contains(errOut, "YYYY-MM-DD") {
		t.Errorf("replay with a bad date: exit %d, %q", code, errOut)
	}
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errOut := cli(t, "demo", "--dir", dir, "--rate", "6000")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"night 1", "34 create", "send (run 1): 34 sent, 0 without a call, 0 failed, 0 still pending",
		`order.status: value "Visszaküldve"`, "send (run 2): 8 sent",
		"support replays night 2", "→  0 sent with  0 API calls",
		"0 new, 2 already archived", "send: nothing pending",
		"3 companies, 9 persons, 9 cards and 9 orders", "(10 rows)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	staging := filepath.Join(dir, "data", "unas-demo.duckdb")
	code, out, errOut = cli(t, "query", "--db", staging, "--format", "json",
		"SELECT mode, status FROM runs ORDER BY run_id")
	if code != exitOK {
		t.Fatalf("query: exit %d: %s", code, errOut)
	}
	var runs []map[string]string
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("query --format json: %v\n%s", err, out)
	}
	modes := []string{}
	for _, r := range runs {
		modes = append(modes, r["mode"]+"/"+r["status"])
	}
	if got := strings.Join(modes, " "); got != "nightly/ok nightly/ok_with_rejects replay/ok_with_rejects" {
		t.Errorf("runs = %s", got)
	}
	// The SFTP password and the API key are never written into the DuckDB
	// file, the archive, the integration file or the simulator's state.
	for _, env := range []string{demo.PasswordEnv, demo.APIKeyEnv} {
		secret := os.Getenv(env)
		if len(secret) < 16 {
			t.Fatalf("%s not in the environment", env)
		}
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains the secret of %s", p, env)
			}
			return nil
		})
	}
}

func TestQueryIsReadOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if code, out, errOut := cli(t, "demo", "--dir", dir, "--rate", "6000"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	}
	staging := filepath.Join(dir, "data", "unas-demo.duckdb")
	for _, q := range []string{
		"DELETE FROM changes",
		"CREATE TABLE x (a INT)",
		"COPY runs TO '" + filepath.Join(dir, "leak.csv") + "'",
		"SELECT * FROM read_csv('/etc/passwd')",
	} {
		if code, _, _ := cli(t, "query", "--db", staging, q); code == exitOK {
			t.Errorf("query %q succeeded on the read-only store", q)
		}
	}
	code, out, _ := cli(t, "query", "--db", staging, "--format", "csv", "SELECT name FROM cur_company ORDER BY name")
	if code != exitOK || !strings.Contains(out, "Árvíztűrő Tükörfúrógép Kft.") || !strings.Contains(out, "Brașov Mobilă SRL") {
		t.Errorf("query csv: exit %d\n%s", code, out)
	}
}

// plan refuses an SFTP server whose host key is not the known one.
func TestPlanRefusesWrongHostKey(t *testing.T) {
	d, err := demo.Start(filepath.Join(t.TempDir(), "demo"), 6000, "sftp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Deliver(0); err != nil {
		t.Fatal(err)
	}
	knownHosts := filepath.Join(d.Dir, "known_hosts")

	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewPublicKey(pub)
	line := knownhosts.Line([]string{knownhosts.Normalize(d.Addr())}, other)
	if err := os.WriteFile(knownHosts, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "plan", d.Integration)
	if code != exitFailed || !strings.Contains(errOut, "changed") {
		t.Errorf("changed host key: exit %d, stderr %q", code, errOut)
	}

	if err := os.WriteFile(knownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, "plan", d.Integration)
	if code != exitFailed || !strings.Contains(errOut, "not in") {
		t.Errorf("unknown host: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(d.Dir, "data", "raw")); !os.IsNotExist(err) {
		t.Errorf("something was archived from an unverified host: %v", err)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "shop.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := "source:\n  type: local\n  dir: .\nmapping: unas-orders\nparams:\n  owner: X\n  orders_module: O\n  status_map: '{\"a\": \"b\"}'\n"
	for _, tc := range []struct{ body, want string }{
		{base + "sync_strat: 2026-11-01\n", "sync_strat"},
		{base + "sync_start: 01.11.2026\n", "sync_start"},
		{strings.Replace(base, "type: local", "type: ftp", 1), "source.type"},
		{strings.Replace(base, "  owner: X\n", "", 1), "params.owner"},
		{strings.Replace(base, `'{"a": "b"}'`, `'{"a": "b", "a": "c"}'`, 1), "given twice"},
		{strings.Replace(base, "mapping: unas-orders", "mapping: unas-ordres", 1), "unas-ordres"},
		{base + "password: hunter2\n", "password"},
		{"source:\n  type: sftp\n  dir: /x\n  sftp:\n    host: h\n    user: u\n    password_env: X\nmapping: unas-orders\n", "known_hosts"},
		{base + "minicrm: {url: \"http://crm.example.com\", system_id: \"1\", api_key_env: K}\n", "minicrm.url"},
		{base + "minicrm: {url: \"https://r3.minicrm.hu\", system_id: \"12a\", api_key_env: K}\n", "minicrm.system_id"},
		{base + "source2: x\n", "source2"},
		{strings.Replace(base, "type: local", "type: http", 1), "source.http.urls"},
		{strings.Replace(base, "type: local", "type: unas-api", 1), "source.unas"},
	} {
		code, _, errOut := cli(t, "plan", write(tc.body))
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("config %q: exit %d, stderr %q; want exit %d naming %q", tc.body, code, errOut, exitUsage, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	integration := filepath.Join(dir, "shop.yaml")
	body := "source:\n  type: local\n  dir: .\nmapping: unas-orders\nsync_start: \"2026-11-01\"\nparams:\n  owner: Kovács Anna\n  orders_module: Rendelések\n" +
		"  status_map: '{\"Feldolgozás alatt\": \"Feldolgozás\", \"Csomagolás\": \"Feldolgozás\", \"Kiszállítva\": \"Kiszállítva\", \"Teljesítve\": \"Sikeres\"}'\n"
	if err := os.WriteFile(integration, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "validate", integration)
	if code != exitOK || !strings.Contains(out, "lookup status: 4 entries (params.status_map)") || !strings.Contains(out, "through the XML sync feed") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "validate", integration, "--sample", "../../fixtures/unas/orders-2026-11-20.xml")
	for _, want := range []string{
		"7 records → 25 rows, 1 would be rejected",
		`1 × order.status: no entry for this value in lookup status (params.status_map) — e.g. "Visszaküldve" at /Orders/Order[7]`,
		`(order.document_status, defaulted)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate --sample output lacks %q:\n%s", want, out)
		}
	}
	if code != exitRejects {
		t.Errorf("validate --sample with a reject: exit %d, want %d", code, exitRejects)
	}
	code, out, _ = cli(t, "validate", integration, "--sample", "../../fixtures/unas/orders-2026-11-19.xml")
	if code != exitOK || !strings.Contains(out, "1 × dated") {
		t.Errorf("validate --sample day 1: exit %d\n%s", code, out)
	}
}

// The demo's nightly job can read the shop's orders from the UNAS API.
func TestDemoFromUNASAPI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errOut := cli(t, "demo", "--dir", dir, "--rate", "6000", "--source", "unas-api")
	if code != exitOK {
		t.Fatalf("demo --source unas-api: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"UNAS API simulator",
		"8 records  34 create", // order 100118 was last modified before sync_start: not in any window
		`order.status: value "Visszaküldve"`,
		"3 companies, 9 persons, 9 cards and 9 orders",
		"(10 rows)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

// The example integration files validate as shipped.
func TestExampleIntegrationsValidate(t *testing.T) {
	files, err := filepath.Glob("../../integrations/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example integrations: %v", err)
	}
	for _, f := range files {
		if code, out, errOut := cli(t, "validate", f); code != exitOK {
			t.Errorf("validate %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
}
