// Package demo sets up minisync's embedded default: an in-process SFTP
// server serving dated UNAS exports from the fixtures, its host key in a
// known_hosts file, the MiniCRM simulator, and an integration file that
// points at both.
package demo

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"minisync/fixtures"
	"minisync/minicrm/sim"
	"minisync/sftpserver"
	"minisync/sources/unasapi/unassim"
)

// PasswordEnv is the environment variable the demo integration reads the
// SFTP password from.
const PasswordEnv = "MINISYNC_DEMO_SFTP_PASSWORD"

// APIKeyEnv is the environment variable the demo integration reads the
// MiniCRM simulator's API key from.
const APIKeyEnv = "MINISYNC_DEMO_MINICRM_KEY"

// SystemID is the demo MiniCRM account.
const SystemID = "54321"

// Days are the demo's export files, one per night.
var Days = []string{"orders-2026-11-19.xml", "orders-2026-11-20.xml"}

// StatusMap is the demo shop's UNAS → MiniCRM status map, in the format of
// the UNAS integration.
const StatusMap = `{"Feldolgozás alatt": "Feldolgozás", "Csomagolás": "Feldolgozás", "Kiszállítva": "Kiszállítva", "Teljesítve": "Sikeres"}`

// UNASKeyEnv is the environment variable the demo integration reads the
// UNAS simulator's API key from, in --source unas-api mode.
const UNASKeyEnv = "MINISYNC_DEMO_UNAS_KEY"

// Nights are the demo's night times: the UNAS API demo reads the orders
// modified up to each (the fixtures' DateMod are in November 2026).
var Nights = []time.Time{
	time.Date(2026, 11, 19, 5, 0, 0, 0, budapest),
	time.Date(2026, 11, 20, 8, 0, 0, 0, budapest),
}

var budapest, _ = time.LoadLocation("Europe/Budapest")

// Env is a running demo environment.
type Env struct {
	Dir         string // the demo folder
	Integration string // path of the integration file
	exports     string // the folder the SFTP server serves as /exports
	server      *sftpserver.Server
	// CRM is the MiniCRM simulator the demo sends to; its state is saved
	// in <dir>/minicrm-sim.json.
	CRM    *sim.Server
	CRMURL string
	rate   int
	// UNAS is the UNAS API simulator in --source unas-api mode, else nil.
	UNAS    *unassim.Server
	unasURL string
	night   int
}

// Start prepares dir (emptied first) and starts the SFTP server. The
// password is random, handed over through the environment as an operator
// would, and never written to a file.
//
// rate is the simulator's R3 limit per minute and the client's pacing:
// MiniCRM's own 60, or more for a quick run.
//
// source is "sftp" (the shop's exports on an SFTP server) or "unas-api"
// (the shop's orders read from the UNAS API simulator).
func Start(dir string, rate int, source string, logger *slog.Logger) (*Env, error) {
	if source != "sftp" && source != "unas-api" {
		return nil, fmt.Errorf("demo source %q: must be sftp or unas-api", source)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clearing demo folder: %w", err)
	}
	root := filepath.Join(dir, "sftp-server")
	exports := filepath.Join(root, "exports")
	if err := os.MkdirAll(exports, 0o750); err != nil {
		return nil, fmt.Errorf("creating demo folder: %w", err)
	}
	password, err := randomSecret()
	if err != nil {
		return nil, err
	}
	apiKey, err := randomSecret()
	if err != nil {
		return nil, err
	}
	crm, err := sim.New(sim.Config{SystemID: SystemID, APIKey: apiKey, R3PerMinute: rate, StateFile: filepath.Join(dir, "minicrm-sim.json"), Logger: logger})
	if err != nil {
		return nil, err
	}
	crmURL, err := crm.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv, err := sftpserver.Start(sftpserver.Options{Root: root, User: "shop-export", Password: password, Logger: logger})
	if err != nil {
		crm.Close()
		return nil, fmt.Errorf("starting the demo SFTP server: %w", err)
	}
	e := &Env{Dir: dir, exports: exports, server: srv, CRM: crm, CRMURL: crmURL, rate: rate, Integration: filepath.Join(dir, "unas-demo.yaml")}
	if source == "unas-api" {
		if err := e.startUNAS(logger); err != nil {
			e.Close()
			return nil, err
		}
	}
	if err := e.setup(password, apiKey); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Env) setup(password, apiKey string) error {
	if err := e.server.WriteKnownHosts(filepath.Join(e.Dir, "known_hosts")); err != nil {
		return err
	}
	if err := os.WriteFile(e.Integration, []byte(e.integrationFile()), 0o640); err != nil {
		return fmt.Errorf("writing demo integration file: %w", err)
	}
	if err := os.Setenv(PasswordEnv, password); err != nil {
		return err
	}
	return os.Setenv(APIKeyEnv, apiKey)
}

func randomSecret() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Deliver puts night n's export (0-based) where the integration finds it:
// on the SFTP server, as the shop's nightly export job would, or into the
// UNAS API simulator, whose clock moves to that night.
func (e *Env) Deliver(n int) error {
	name := Days[n]
	b, err := fixtures.UNAS.ReadFile("unas/" + name)
	if err != nil {
		return fmt.Errorf("reading fixture %s: %w", name, err)
	}
	if e.UNAS != nil {
		e.night = n
		return e.UNAS.AddOrdersXML(b)
	}
	return os.WriteFile(filepath.Join(e.exports, name), b, 0o640)
}

// Now is the demo's clock in --source unas-api mode: the time of the night
// last delivered.
func (e *Env) Now() time.Time { return Nights[e.night] }

func (e *Env) startUNAS(logger *slog.Logger) error {
	key, err := randomSecret()
	if err != nil {
		return err
	}
	u, err := unassim.New(unassim.Config{APIKey: key, Now: e.Now, Logger: logger})
	if err != nil {
		return err
	}
	if e.unasURL, err = u.Start("127.0.0.1:0"); err != nil {
		return err
	}
	e.UNAS = u
	return os.Setenv(UNASKeyEnv, key)
}

// Addr is the SFTP server's address.
func (e *Env) Addr() string { return e.server.Addr() }

// Close stops the servers; the MiniCRM simulator saves its state.
func (e *Env) Close() error {
	var unasErr error
	if e.UNAS != nil {
		unasErr = e.UNAS.Close()
	}
	return errors.Join(e.server.Close(), e.CRM.Close(), unasErr)
}

func (e *Env) integrationFile() string {
	source := fmt.Sprintf(`# minisync demo integration: the UNAS order export of a demo shop, fetched
# nightly over SFTP and sent to MiniCRM (here its simulator).
name: unas-demo
description: Demo shop's UNAS order export over SFTP
source:
  type: sftp
  dir: /exports
  glob: "orders-*.xml"
  date_pattern: 'orders-(\d{4}-\d{2}-\d{2})\.xml'
  sftp:
    host: 127.0.0.1
    port: %d
    user: shop-export
    password_env: %s
    known_hosts: known_hosts
`, e.server.Port(), PasswordEnv)
	if e.UNAS != nil {
		source = fmt.Sprintf(`# minisync demo integration: the orders of a demo shop, read nightly from
# the UNAS API (here its simulator) and sent to MiniCRM (its simulator).
name: unas-demo
description: Demo shop's orders from the UNAS API
source:
  type: unas-api
  unas:
    url: %s          # https://api.unas.eu/shop in production
    api_key_env: %s
`, e.unasURL, UNASKeyEnv)
	}
	return source + fmt.Sprintf(`mapping: unas-orders
params:
  owner: Kovács Anna
  status_map: '%s'
  link_field: InvoiceUrl
  unas_status_field: UnasStatus
  orders_module: Rendelések
sync_start: "2026-11-01"
data: data
minicrm:
  url: %s          # the MiniCRM simulator; https://r3.minicrm.hu in production
  system_id: "%s"
  api_key_env: %s
  r3_per_minute: %d
`, StatusMap, e.CRMURL, SystemID, APIKeyEnv, e.rate)
}
