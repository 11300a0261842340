package runner

import (
	"context"
	"errors"
	"time"

	"minisync/minicrm"
	"minisync/stages/extract"
	"minisync/stages/load"
	"minisync/store"
)

// NewClient builds the MiniCRM client of a run; its requests go to calls,
// which the load stage writes to api_calls.
type NewClient func(calls *load.CallLog) (*minicrm.Client, error)

// LoadReport is the outcome of sending the outbox.
type LoadReport struct {
	RunID int64
	load.Result
	Err error
}

// Complete reports whether every change landed.
func (l *LoadReport) Complete() bool { return l.Err == nil && l.Failed == 0 && l.Pending == 0 }

// Run is the nightly job: plan every new export, then send the whole
// outbox, including what earlier runs left pending. Exit status 0 only
// when every change landed.
func (r *Runner) Run(ctx context.Context, newClient NewClient) (extract.Result, []*Report, *LoadReport, error) {
	unlock, err := lock(r.In.Data, r.In.Name)
	if err != nil {
		return extract.Result{}, nil, nil, err
	}
	defer unlock()
	ex, reports, err := r.nightly(ctx)
	if err != nil {
		return ex, reports, nil, err
	}
	var last *Report
	if len(reports) > 0 {
		last = reports[len(reports)-1]
	}
	lr, err := r.send(ctx, last, newClient)
	return ex, reports, lr, err
}

// ReplayAndSend replays an archived export date and sends the outbox.
func (r *Runner) ReplayAndSend(ctx context.Context, date time.Time, newClient NewClient) (*Report, *LoadReport, error) {
	unlock, err := lock(r.In.Data, r.In.Name)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	rep, err := r.fromArchiveLocked(ctx, store.ModeReplay, date)
	if err != nil {
		return rep, nil, err
	}
	lr, err := r.send(ctx, rep, newClient)
	return rep, lr, err
}

// send loads the outbox under the run that planned it, or under a run of
// its own when no export was planned.
func (r *Runner) send(ctx context.Context, planned *Report, newClient NewClient) (*LoadReport, error) {
	var runID int64
	status := store.RunOK
	if planned != nil {
		runID, status = planned.Run.ID, planned.Run.Status
		if err := r.Store.StartLoad(ctx, runID); err != nil {
			return nil, err
		}
	} else {
		pending, err := r.Store.CountPending(ctx)
		if err != nil || pending == 0 {
			return nil, err
		}
		if runID, err = r.Store.BeginRun(ctx, r.In.Name, store.ModeLoad, time.Time{}); err != nil {
			return nil, err
		}
	}
	var res load.Result
	calls := load.NewCallLog(r.Store, runID, r.logger())
	c, err := newClient(calls)
	if err == nil {
		res, err = load.Run(ctx, r.Store, c, load.Options{
			RunID: runID, Mapper: r.Mapper, FeedBatch: r.In.MiniCRM.FeedBatch, Calls: calls, Logger: r.logger(), Progress: r.progress(),
		})
	}
	lr := &LoadReport{RunID: runID, Result: res, Err: err}
	if calls, cerr := r.Store.RecordLoad(context.WithoutCancel(ctx), runID, status, res.Sent, res.Failed, res.Pending, err); cerr != nil {
		err = errors.Join(err, cerr)
	} else {
		lr.Calls = calls
	}
	return lr, err
}
