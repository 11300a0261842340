package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"minisync/demo"
	"minisync/runner"
	"minisync/sources/unasapi"
)

func init() {
	register(command{
		name: "demo", args: "[flags]",
		summary: "run two nights of a UNAS shop end to end on the embedded default",
		run:     runDemo,
	})
}

const demoHelp = `
Runs minisync's main job on the embedded default. An in-process SFTP server
(a real SSH server on 127.0.0.1, its host key verified through a
known_hosts file) serves the UNAS order exports of a demo shop, and the
MiniCRM simulator (real HTTP on 127.0.0.1, MiniCRM's paths, auth and rate
limits) stands in for the MiniCRM account, as a test system would.

Night 1 creates companies, persons and order cards; night 2 updates them
(status changes, an invoice link, a new order, a changed e-mail) and
rejects an order whose status the status map lacks; support replays
night 2, which sends nothing; a night with nothing new sends nothing.
Everything stays in --dir: the staging DuckDB file (open it with any DuckDB
client), the raw archive, and the simulator's state (minicrm-sim.json).`

func runDemo(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(env, commands["demo"], demoHelp)
	dir := fs.String("dir", "demo-data", "folder for the demo's server files, archive, DuckDB file and simulator state (emptied first)")
	verbose := fs.Bool("verbose", false, "log every step to stderr")
	rate := fs.Int("rate", 60, "requests per minute the simulator allows and minisync paces to (MiniCRM's limit is 60)")
	source := fs.String("source", "sftp", "where the shop's orders come from: sftp (export files) or unas-api (the UNAS API simulator)")
	if _, code := parse(env, fs, args, 0); code >= 0 {
		return code
	}
	log := newLogger(env, *verbose)
	d, err := demo.Start(*dir, *rate, *source, log.WithGroup("demo"))
	if err != nil {
		return fail(env, exitFailed, err)
	}
	defer d.Close()
	out := env.stdout
	if d.UNAS != nil {
		fmt.Fprintf(out, "minisync demo · UNAS API simulator · MiniCRM simulator at %s · integration %s\n", d.CRMURL, d.Integration)
	} else {
		fmt.Fprintf(out, "minisync demo · SFTP server on %s · MiniCRM simulator at %s · integration %s\n", d.Addr(), d.CRMURL, d.Integration)
	}

	type row struct {
		rep *runner.Report
		lr  *runner.LoadReport
	}
	var rows []row
	withRunner := func(f func(r *runner.Runner, newClient runner.NewClient) error) error {
		r, closeAll, err := openRunner(ctx, env, d.Integration, d.UNAS == nil, log)
		if err != nil {
			return err
		}
		defer closeAll()
		if d.UNAS != nil { // the UNAS API source on the demo's clock
			if err := r.In.ResolveSourceSecrets(); err != nil {
				return err
			}
			cfg := unasConfig(r.In, log)
			cfg.Now = d.Now
			if r.Source, err = unasapi.New(cfg); err != nil {
				return err
			}
		}
		if err := r.In.ResolveMiniCRMKey(); err != nil {
			return err
		}
		return f(r, clientFactory(r.In, log))
	}
	nightly := func() error {
		return withRunner(func(r *runner.Runner, newClient runner.NewClient) error {
			ex, reports, lr, err := r.Run(ctx, newClient)
			printExtract(env, ex)
			for _, rep := range reports {
				printReport(env, rep, reportOptions{limit: 12})
				rows = append(rows, row{rep: rep})
			}
			printLoad(env, lr)
			if lr != nil && len(rows) > 0 && rows[len(rows)-1].rep.Run.ID == lr.RunID {
				rows[len(rows)-1].lr = lr
			}
			return err
		})
	}
	steps := []struct {
		title string
		do    func() error
	}{
		{nightTitle(d, 0), func() error {
			if err := d.Deliver(0); err != nil {
				return err
			}
			return nightly()
		}},
		{nightTitle(d, 1), func() error {
			if err := d.Deliver(1); err != nil {
				return err
			}
			return nightly()
		}},
		{"support replays night 2: minisync replay --date 2026-11-20 --send", func() error {
			date, _ := time.Parse(time.DateOnly, "2026-11-20")
			return withRunner(func(r *runner.Runner, newClient runner.NewClient) error {
				rep, lr, err := r.ReplayAndSend(ctx, date, newClient)
				if rep != nil {
					printReport(env, rep, reportOptions{limit: 12})
					rows = append(rows, row{rep: rep, lr: lr})
				}
				printLoad(env, lr)
				return err
			})
		}},
		{"a night with nothing new: minisync run", nightly},
	}
	for _, s := range steps {
		fmt.Fprintf(out, "\n== %s\n", s.title)
		if err := s.do(); err != nil {
			return fail(env, exitFor(err), err)
		}
	}

	fmt.Fprintf(out, "\n== summary\n")
	for _, x := range rows {
		r := x.rep.Run
		var sent, calls int64
		if x.lr != nil {
			sent, calls = x.lr.Sent, x.lr.Calls
		}
		fmt.Fprintf(out, "  run %d %-8s %s  %-15s %2d records  %2d create  %2d update  %2d rejected  → %2d sent with %2d API calls\n",
			r.ID, r.Mode, r.ExportDate.Format(time.DateOnly), r.Status, r.Records, r.Creates, r.Updates, r.Rejects, sent, calls)
	}
	var persons, companies int
	for _, c := range d.CRM.Contacts() {
		if c.Type == "Business" {
			companies++
		} else {
			persons++
		}
	}
	fmt.Fprintf(out, "  MiniCRM simulator now holds %d companies, %d persons, %d cards and %d orders\n",
		companies, persons, len(d.CRM.Projects()), len(d.CRM.Orders()))

	staging := filepath.Join(*dir, "data", "unas-demo.duckdb")
	q := `SELECT entity, natural_key, field, old, new, status FROM last_night_changes WHERE op = 'update' ORDER BY entity, natural_key, field`
	fmt.Fprintf(out, "\n$ minisync query %s \"%s\"\n", d.Integration, q)
	if err := d.Close(); err != nil { // let the simulator save its state
		return fail(env, exitFailed, err)
	}
	if err := query(ctx, out, staging, q, "table"); err != nil {
		return fail(env, exitFailed, err)
	}
	fmt.Fprintf(out, "\nThe staging database is %s; open it with any DuckDB client, e.g.\n  duckdb -readonly %s \"SELECT * FROM run_summary\"\n", staging, staging)
	fmt.Fprintf(out, "The simulator's records are in %s.\n", filepath.Join(*dir, "minicrm-sim.json"))
	return exitOK
}

func nightTitle(d *demo.Env, n int) string {
	if d.UNAS != nil {
		return fmt.Sprintf("night %d: the orders modified until %s, read from the UNAS API; minisync run", n+1, demo.Nights[n].Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("night %d: the shop exports %s; minisync run", n+1, demo.Days[n])
}
