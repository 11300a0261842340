// Package runner wires minisync's stages for one integration: extract →
// normalize → stage → diff, in the modes of a nightly plan, a replay of an
// archived export date, and a baseline.
package runner

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"minisync/config"
	"minisync/mappings"
	"minisync/pipeline"
	"minisync/stages/diff"
	"minisync/stages/extract"
	"minisync/stages/normalize"
	"minisync/stages/stage"
	"minisync/store"
)

// Runner runs one integration.
type Runner struct {
	In     *config.Integration
	Store  *store.Store
	Format pipeline.Format
	Mapper *mappings.Mapper
	// Source is nil when only archived files are used.
	Source   pipeline.Source
	Logger   *slog.Logger
	Progress pipeline.Progress
}

// FileReport is the outcome of one file in a run.
type FileReport struct {
	store.RawFile
	normalize.Counts
	Err error
}

// MaxReportedChanges bounds the changes a Report carries; the complete
// change set is in the changes table.
const MaxReportedChanges = 1000

// Report is the outcome of one run.
type Report struct {
	Run   store.Run
	Files []FileReport
	// Changes are the run's first MaxReportedChanges changes.
	Changes []store.Change
	// Rejects are the run's first rejects (all of them are in the rejects table).
	Rejects []store.FileReject
	// RejectGroups sum the rejects up by entity, field and reason.
	RejectGroups []store.RejectGroup
	// StageTime is how long reading, mapping and staging the files took.
	StageTime time.Duration
	// DiffTime is how long comparing the staged rows with the current ones took.
	DiffTime time.Duration
	// CheckpointTime is how long writing the run into the database file
	// took, at its end.
	CheckpointTime time.Duration
}

// Failed reports whether a file of the run could not be processed.
func (r *Report) Failed() bool { return r.Run.Status == store.RunFailed }

// Nightly fetches new exports and plans each new export date in turn, oldest
// first, one run per date. With nothing new it returns no reports.
func (r *Runner) Nightly(ctx context.Context) (extract.Result, []*Report, error) {
	unlock, err := lock(r.In.Data, r.In.Name)
	if err != nil {
		return extract.Result{}, nil, err
	}
	defer unlock()
	return r.nightly(ctx)
}

func (r *Runner) nightly(ctx context.Context) (extract.Result, []*Report, error) {
	var err error
	var ex extract.Result
	if r.Source != nil {
		ex, err = extract.Run(ctx, r.Source, r.Store, extract.Options{
			Integration: r.In.Name, ArchiveRoot: r.In.Archive, ExportDate: r.In.Source.ExportDate,
			Logger: r.logger(), Progress: r.progress(),
		})
		if err != nil {
			return ex, nil, err
		}
	}
	pending, err := r.Store.PendingFiles(ctx, r.In.Name)
	if err != nil {
		return ex, nil, err
	}
	var reports []*Report
	for len(pending) > 0 {
		date := pending[0].ExportDate
		n := 0
		for n < len(pending) && pending[n].ExportDate.Equal(date) {
			n++
		}
		rep, err := r.process(ctx, store.ModeNightly, date, pending[:n])
		if rep != nil {
			reports = append(reports, rep)
		}
		if err != nil {
			return ex, reports, err
		}
		pending = pending[n:]
	}
	return ex, reports, r.finish(ctx, ex)
}

// finish lets a source tidy up its server (archive or delete, as
// configured) for the fetched files whose content is staged.
func (r *Runner) finish(ctx context.Context, ex extract.Result) error {
	f, ok := r.Source.(pipeline.Finisher)
	if !ok || len(ex.Fetched) == 0 {
		return nil
	}
	var done []pipeline.RemoteFile
	for _, x := range ex.Fetched {
		raw, err := r.Store.FileBySHA(ctx, r.In.Name, x.SHA256)
		if err != nil {
			return err
		}
		if raw != nil && raw.Status == store.FileProcessed {
			done = append(done, x.Remote)
		}
	}
	if len(done) == 0 {
		return nil
	}
	if err := f.Finish(ctx, done); err != nil {
		return fmt.Errorf("tidying up the source after staging: %w", err)
	}
	return nil
}

// Replay re-processes the archived export of one date. Nothing is fetched;
// changes already pending are found again, not duplicated.
func (r *Runner) Replay(ctx context.Context, date time.Time) (*Report, error) {
	return r.fromArchive(ctx, store.ModeReplay, date)
}

// Baseline records the archived export of one date as already present in
// the CRM: its changes advance cur_* and are marked baselined, nothing is
// sent. When the date is not archived yet, new exports are fetched first.
func (r *Runner) Baseline(ctx context.Context, date time.Time) (*Report, error) {
	files, err := r.Store.FilesOfDate(ctx, r.In.Name, date)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 && r.Source != nil {
		if _, err := extract.Run(ctx, r.Source, r.Store, extract.Options{
			Integration: r.In.Name, ArchiveRoot: r.In.Archive, ExportDate: r.In.Source.ExportDate,
			Logger: r.logger(), Progress: r.progress(),
		}); err != nil {
			return nil, err
		}
	}
	return r.fromArchive(ctx, store.ModeBaseline, date)
}

func (r *Runner) fromArchive(ctx context.Context, mode string, date time.Time) (*Report, error) {
	unlock, err := lock(r.In.Data, r.In.Name)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return r.fromArchiveLocked(ctx, mode, date)
}

func (r *Runner) fromArchiveLocked(ctx context.Context, mode string, date time.Time) (*Report, error) {
	files, err := r.Store.FilesOfDate(ctx, r.In.Name, date)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no archived export of %s for integration %s (see raw_files, or run a nightly plan first)", date.Format(time.DateOnly), r.In.Name)
	}
	return r.process(ctx, mode, date, files)
}

// process stages the files of one export date in one run and diffs them.
func (r *Runner) process(ctx context.Context, mode string, date time.Time, files []store.RawFile) (*Report, error) {
	entities := r.Mapper.Entities()
	if err := r.Store.CheckSyncStart(ctx, r.In.SyncStart); err != nil {
		return nil, err
	}
	if err := r.Store.EnsureEntityTables(ctx, entities); err != nil {
		return nil, err
	}
	runID, err := r.Store.BeginRun(ctx, r.In.Name, mode, date)
	if err != nil {
		return nil, err
	}
	rep := &Report{Run: store.Run{ID: runID, Integration: r.In.Name, Mode: mode, ExportDate: date, Status: store.RunRunning}}
	fail := func(err error) (*Report, error) {
		rep.Run.Status = store.RunFailed
		rep.Run.Error = sql.NullString{String: err.Error(), Valid: true}
		if ferr := r.Store.FinishRun(context.WithoutCancel(ctx), &rep.Run); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return rep, err
	}
	staging := time.Now()
	w, err := stage.NewWriter(ctx, r.Store, runID, entities)
	if err != nil {
		return fail(err)
	}
	var fileErrs []error
	for _, f := range files {
		fr, err := r.stageFile(ctx, w, runID, f)
		rep.Files = append(rep.Files, fr)
		if err != nil {
			w.Close()
			return fail(err)
		}
		rep.Run.Files++
		rep.Run.Records += fr.Records
		rep.Run.Rows += fr.Rows
		rep.Run.Rejects += fr.Rejects
		rep.Run.Skipped += fr.Skipped
		if fr.Err != nil {
			fileErrs = append(fileErrs, fr.Err)
		}
	}
	if err := w.Close(); err != nil {
		return fail(err)
	}
	// Staging's garbage goes back to the system before the diff, DuckDB's
	// turn to use memory.
	debug.FreeOSMemory()
	diffing := time.Now()
	rep.StageTime = diffing.Sub(staging)
	counts, err := diff.Run(ctx, r.Store, runID, entities, diff.Options{FullSnapshot: r.In.Source.Snapshot == "full" && len(fileErrs) == 0, Logger: r.logger()})
	if err != nil {
		return fail(err)
	}
	rep.DiffTime = time.Since(diffing)
	rep.Run.Creates, rep.Run.Updates, rep.Run.Unchanged, rep.Run.Missing = counts.Creates, counts.Updates, counts.Unchanged, counts.Missing
	if mode == store.ModeBaseline {
		if _, err := r.Store.Confirm(ctx, runID, entities, store.ChangeBaselined); err != nil {
			return fail(err)
		}
	}
	if rep.Changes, err = r.Store.ChangesOfRun(ctx, runID, entities, MaxReportedChanges); err != nil {
		return fail(err)
	}
	if rep.Rejects, err = r.Store.RejectsOfRun(ctx, runID, 20); err != nil {
		return fail(err)
	}
	if rep.RejectGroups, err = r.Store.RejectGroups(ctx, runID, 10); err != nil {
		return fail(err)
	}
	if len(fileErrs) > 0 {
		return fail(errors.Join(fileErrs...))
	}
	rep.Run.Status = store.RunOK
	if rep.Run.Rejects > 0 {
		rep.Run.Status = store.RunRejects
	}
	checkpointing := time.Now()
	if err := r.Store.Checkpoint(ctx); err != nil {
		return fail(err)
	}
	rep.CheckpointTime = time.Since(checkpointing)
	return rep, r.Store.FinishRun(ctx, &rep.Run)
}

// stageFile normalizes and stages one file whole; a fatal error in the
// file discards what was staged from it and is reported in the FileReport.
// The returned error is reserved for faults of the store.
func (r *Runner) stageFile(ctx context.Context, w *stage.Writer, runID int64, f store.RawFile) (FileReport, error) {
	fr := FileReport{RawFile: f}
	w.BeginFile(f.ID, f.Name)
	counts, err := normalize.File(ctx, r.Format, r.Mapper, f.ArchivePath, f.Name, stageSink{w}, r.progress())
	fr.Counts = counts
	if err == nil {
		err = w.CommitFile(ctx)
		if err != nil {
			return fr, err
		}
		return fr, r.Store.MarkFile(ctx, f.ID, runID, store.FileProcessed, counts.Records, nil)
	}
	if ctx.Err() != nil {
		return fr, ctx.Err()
	}
	fr.Err = err
	fr.Counts = normalize.Counts{}
	r.logger().Error("export file not processed", "file", f.Name, "err", err)
	if aerr := w.AbortFile(ctx); aerr != nil {
		return fr, aerr
	}
	return fr, r.Store.MarkFile(ctx, f.ID, runID, store.FileFailed, 0, err)
}

// stageSink lets the stage writer serve as the normalize sink.
type stageSink struct{ *stage.Writer }

func (s stageSink) Lane() (normalize.Lane, error) { return s.Writer.Lane() }

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func (r *Runner) progress() pipeline.Progress {
	if r.Progress == nil {
		return pipeline.NoProgress{}
	}
	return r.Progress
}
