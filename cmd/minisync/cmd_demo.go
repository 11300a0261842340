package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"minisync/demo"
	"minisync/runner"
)

func init() {
	register(command{
		name: "demo", args: "[flags]",
		summary: "run two nights of a UNAS shop end to end on the embedded default",
		run:     runDemo,
	})
}

const demoHelp = `
Runs minisync's main job on the embedded default: an in-process SFTP server
(a real SSH server on 127.0.0.1, its host key verified through a
known_hosts file) serves the UNAS order exports of a demo shop. The demo
plans night 1 (everything is new), baselines it as if imported by hand,
plans night 2 (status changes, a new order, a changed e-mail, an order with
an unmapped status), replays night 2 (the same change set, nothing new
archived), and shows a query on the staging DuckDB file, which stays in
--dir for any DuckDB client.`

func runDemo(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(env, commands["demo"], demoHelp)
	dir := fs.String("dir", "demo-data", "folder for the demo's server files, archive and DuckDB file (emptied first)")
	verbose := fs.Bool("verbose", false, "log every step to stderr")
	if _, code := parse(env, fs, args, 0); code >= 0 {
		return code
	}
	log := newLogger(env, *verbose)
	d, err := demo.Start(*dir, log.WithGroup("sftpserver"))
	if err != nil {
		return fail(env, exitFailed, err)
	}
	defer d.Close()
	out := env.stdout
	fmt.Fprintf(out, "minisync demo · SFTP server on %s · integration %s\n", d.Addr(), d.Integration)

	step := func(title string) { fmt.Fprintf(out, "\n== %s\n", title) }
	var runs []*runner.Report
	withRunner := func(withSource bool, f func(r *runner.Runner) error) error {
		r, closeAll, err := openRunner(ctx, env, d.Integration, withSource, log)
		if err != nil {
			return err
		}
		defer closeAll()
		return f(r)
	}
	plan := func() error {
		return withRunner(true, func(r *runner.Runner) error {
			ex, reports, err := r.Nightly(ctx)
			printExtract(env, ex)
			for _, rep := range reports {
				printReport(env, rep, reportOptions{limit: 14})
				runs = append(runs, rep)
			}
			return err
		})
	}
	dated := func(baseline bool, day string) error {
		date, _ := time.Parse(time.DateOnly, day)
		return withRunner(baseline, func(r *runner.Runner) error {
			run := r.Replay
			if baseline {
				run = r.Baseline
			}
			rep, err := run(ctx, date)
			if rep != nil {
				printReport(env, rep, reportOptions{limit: 14})
				runs = append(runs, rep)
			}
			return err
		})
	}

	steps := []struct {
		title string
		do    func() error
	}{
		{"night 1: the shop exports orders-2026-11-19.xml; minisync plan", func() error {
			if err := d.Deliver(demo.Days[0]); err != nil {
				return err
			}
			return plan()
		}},
		{"go-live: night 1 was imported by hand; minisync baseline --date 2026-11-19", func() error { return dated(true, "2026-11-19") }},
		{"night 2: the shop exports orders-2026-11-20.xml; minisync plan", func() error {
			if err := d.Deliver(demo.Days[1]); err != nil {
				return err
			}
			return plan()
		}},
		{"support replays night 2: minisync replay --date 2026-11-20", func() error { return dated(false, "2026-11-20") }},
		{"a nightly with nothing new: minisync plan", plan},
	}
	for _, s := range steps {
		step(s.title)
		if err := s.do(); err != nil {
			return fail(env, exitFor(err), err)
		}
	}

	step("summary")
	for _, rep := range runs {
		r := rep.Run
		fmt.Fprintf(out, "  run %d %-8s %s  %-15s %2d records  %2d create  %2d update  %2d unchanged  %d rejected\n",
			r.ID, r.Mode, r.ExportDate.Format(time.DateOnly), r.Status, r.Records, r.Creates, r.Updates, r.Unchanged, r.Rejects)
	}
	staging := filepath.Join(*dir, "data", "unas-demo.duckdb")
	q := `SELECT entity, natural_key, field, old, new FROM last_night_changes WHERE op = 'update' ORDER BY entity, natural_key, field`
	fmt.Fprintf(out, "\n$ minisync query %s \"%s\"\n", d.Integration, q)
	if err := query(ctx, out, staging, q, "table"); err != nil {
		return fail(env, exitFailed, err)
	}
	fmt.Fprintf(out, "\nThe staging database is %s; open it with any DuckDB client, e.g.\n  duckdb -readonly %s \"SELECT * FROM run_summary\"\n", staging, staging)
	return exitOK
}
