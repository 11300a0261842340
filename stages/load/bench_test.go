package load_test

import (
	"testing"
	"time"

	"minisync/fixtures/gen"
	"minisync/runner/runnertest"
)

// BenchmarkLoad measures the load stage against the simulator with its
// limit raised to 6 000 requests a minute (the client paced to the same):
// night 1 creates every record of a generated shop, night 2 sends a
// status change on 10 % of the orders. Reported per run:
//   - r3-share: R3 requests per minute during night 1 / the limit (target ≥ 0.95)
//   - calls/change: API calls of night 2 / its changes (target ≤ 1.1)
//   - cards/push: cards per feed push (target ≥ 200 with enough changes)
//   - 429-after-first: 429 answers beyond the first (target 0)
func BenchmarkLoad(b *testing.B) {
	const orders, rate = 2000, 6000
	for b.Loop() {
		e := runnertest.New(b, runnertest.Options{SimRate: rate})
		opts := gen.UNASOptions{Orders: orders, Seed: 1, Day: 1}
		e.DeliverGenerated("orders-2026-11-19.xml", opts)
		lr1, err := e.Run()
		if err != nil || lr1.Pending != 0 || lr1.Failed != 0 {
			b.Fatalf("night 1: %+v, %v", lr1, err)
		}
		var first, last time.Time
		var r3 int64
		row := e.R.Store.DB.QueryRow(`SELECT min(called_at), max(called_at), count(*) FROM api_calls WHERE run_id = ? AND path LIKE '/Api/R3/%'`, lr1.RunID)
		if err := row.Scan(&first, &last, &r3); err != nil {
			b.Fatal(err)
		}
		share := float64(r3-1) / last.Sub(first).Minutes() / rate

		opts.Day, opts.ChangedFraction = 2, 0.10
		e.DeliverGenerated("orders-2026-11-20.xml", opts)
		lr2, err := e.Run()
		if err != nil || lr2.Pending != 0 || lr2.Failed != 0 {
			b.Fatalf("night 2: %+v, %v", lr2, err)
		}
		changes := lr2.Sent + lr2.Noop
		pushes := e.Count(`SELECT count(*) FROM api_calls WHERE run_id = ? AND path LIKE '/Api/SyncFeed/%' AND status = 200`, lr2.RunID)
		cards := e.Count(`SELECT count(*) FROM changes WHERE last_run_id = ? AND entity = 'order' AND status = 'sent'`, lr2.RunID)
		tooMany := e.Count(`SELECT count(*) FROM api_calls WHERE status = 429`)

		b.ReportMetric(share, "r3-share")
		b.ReportMetric(float64(lr2.Calls)/float64(changes), "calls/change")
		b.ReportMetric(float64(cards)/float64(max(pushes, 1)), "cards/push")
		b.ReportMetric(float64(max(tooMany-1, 0)), "429-after-first")
		b.ReportMetric(float64(changes), "night2-changes")
	}
}
