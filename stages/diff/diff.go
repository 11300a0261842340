// Package diff is the fourth stage: SQL in DuckDB compares a run's staged
// rows with cur_<entity>, what the CRM is known to hold, and writes the
// outcome to the changes table, the outbox: create, update (with every
// changed field old → new), and for full snapshots missing.
//
// The outbox never holds two pending changes for one record: a change the
// run computes again identically stays as it is (now also owned by this
// run), and a pending change the run contradicts is superseded.
package diff

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"minisync/pipeline"
	"minisync/store"
)

// Counts says how a run's rows compare with the CRM's known state.
type Counts struct {
	Creates, Updates, Unchanged, Missing int64
}

// Options configures a diff.
type Options struct {
	// FullSnapshot reports records absent from the run as missing.
	FullSnapshot bool
	// Logger receives a warning when a partition needs more memory than
	// DuckDB's limit; nil discards it.
	Logger *slog.Logger
}

// Run diffs every entity of run runID into the outbox.
func Run(ctx context.Context, st *store.Store, runID int64, entities []pipeline.Entity, o Options) (Counts, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	mem := &memory{st: st, log: o.Logger}
	defer mem.restore(ctx)
	var total Counts
	for _, e := range entities {
		c, err := entity(ctx, st, mem, runID, e, o)
		if err != nil {
			return total, fmt.Errorf("diffing %s: %w", e.Name, err)
		}
		total.Creates += c.Creates
		total.Updates += c.Updates
		total.Unchanged += c.Unchanged
		total.Missing += c.Missing
	}
	return total, nil
}

// PartitionRows is about how many staged rows one diff statement handles:
// an entity with more is diffed in partitions of its key space (by hash of
// the natural key), so memory stays within DuckDB's limit however large
// the export.
var PartitionRows int64 = 1_000_000

func entity(ctx context.Context, st *store.Store, mem *memory, runID int64, e pipeline.Entity, o Options) (Counts, error) {
	conn, err := st.DB.Conn(ctx) // temp tables live on one connection
	if err != nil {
		return Counts{}, err
	}
	defer conn.Close()
	var staged int64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s WHERE run_id = $1`, store.StgTable(e.Name)), runID).Scan(&staged); err != nil {
		return Counts{}, err
	}
	var known int64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s`, store.CurTable(e.Name))).Scan(&known); err != nil {
		return Counts{}, err
	}
	parts := max(1, (staged+PartitionRows-1)/PartitionRows)
	// A first night (the CRM knows few of the records) is mostly creates:
	// one join builds every payload. Later nights change few records: the
	// keys are compared first and only the changed rows are read whole.
	plan := plan{partitioned: parts > 1, keysFirst: keysFirst(known, staged)}
	var total Counts
	for p := range parts {
		c, err := partition(ctx, conn, runID, e, o, plan, parts, p)
		for err != nil && store.IsOutOfMemory(err) {
			if rerr := mem.raise(ctx, e.Name, p, err); rerr != nil {
				return total, rerr
			}
			c, err = partition(ctx, conn, runID, e, o, plan, parts, p)
		}
		if err != nil {
			return total, err
		}
		total.Creates += c.Creates
		total.Updates += c.Updates
		total.Unchanged += c.Unchanged
		total.Missing += c.Missing
	}
	return total, nil
}

// partition diffs the keys k with hash(k) % parts = p and merges them into
// the outbox in one transaction.
func partition(ctx context.Context, conn *sql.Conn, runID int64, e pipeline.Entity, o Options, pl plan, parts, p int64) (Counts, error) {
	args := []any{runID}
	if pl.partitioned {
		args = append(args, parts, p)
	}
	type stmt struct {
		q    string
		args []any
	}
	stmts := []stmt{{diffTableSQL(e, pl.partitioned), args}}
	if pl.keysFirst {
		stmts = []stmt{{diffKeysSQL(e, pl.partitioned), args}, {changedRowsSQL(e), args[:1]}}
	}
	if o.FullSnapshot {
		stmts = append(stmts, stmt{missingSQL(e, pl.partitioned), args})
	}
	for _, st := range stmts {
		if _, err := conn.ExecContext(ctx, st.q, st.args...); err != nil {
			return Counts{}, err
		}
	}
	defer func() {
		for _, t := range []string{"diff_rows", "diff_keys"} {
			conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.`+t)
		}
	}()

	var c Counts
	err := conn.QueryRowContext(ctx, `SELECT count(*) FILTER (op = 'create'), count(*) FILTER (op = 'update'),
		count(*) FILTER (op = 'unchanged'), count(*) FILTER (op = 'missing') FROM temp.diff_rows`).
		Scan(&c.Creates, &c.Updates, &c.Unchanged, &c.Missing)
	if err != nil {
		return c, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return c, err
	}
	defer tx.Rollback()
	if err := outbox(ctx, tx, runID, e.Name); err != nil {
		return c, err
	}
	return c, tx.Commit()
}

// keysFirst says whether to compare keys first when the CRM is known to
// hold known records of the entity and the run staged rows of it.
var keysFirst = func(known, staged int64) bool { return known*2 >= staged }

// plan is how an entity's partitions are diffed.
type plan struct {
	partitioned bool // by hash of the natural key
	keysFirst   bool // diffKeysSQL and changedRowsSQL instead of diffTableSQL
}

// lastRowSQL selects the run's last row per natural key of partition $3 of
// $2 (cols of it).
func lastRowSQL(e pipeline.Entity, cols string, partitioned bool) string {
	return fmt.Sprintf(`SELECT %s FROM %s WHERE run_id = $1 AND %s
			QUALIFY row_number() OVER (PARTITION BY natural_key ORDER BY seq DESC) = 1`,
		cols, store.StgTable(e.Name), inPartition("natural_key", partitioned))
}

// opSQL classifies a staged row s against its cur_ row c.
const opSQL = `CASE WHEN c.natural_key IS NULL OR c.missing_since IS NOT NULL THEN 'create'
				WHEN c.row_hash <> s.row_hash THEN 'update'
				ELSE 'unchanged' END`

// payloadSQL is the JSON object of the mapped fields of the row alias is;
// fieldDiffsSQL the list of the fields that differ between c and s,
// old → new.
func payloadSQL(e pipeline.Entity, alias string) string {
	var payload []string
	for _, f := range e.Fields {
		payload = append(payload, fmt.Sprintf("%s, %s.%s", store.Lit(f), alias, store.Ident(f)))
	}
	return "json_object(" + strings.Join(payload, ", ") + ")"
}

func fieldDiffsSQL(e pipeline.Entity) string {
	var fieldDiffs []string
	for _, f := range e.Fields {
		fieldDiffs = append(fieldDiffs, fmt.Sprintf(
			"CASE WHEN s.%[1]s IS DISTINCT FROM c.%[1]s THEN {'field': %[2]s, 'old': c.%[1]s, 'new': s.%[1]s} END", store.Ident(f), store.Lit(f)))
	}
	return "to_json(list_filter([" + strings.Join(fieldDiffs, ", ") + "], lambda x: x IS NOT NULL))"
}

// diffTableSQL builds temp.diff_rows in one join: the run's last row per
// natural key of partition $3 of $2 against cur_<entity>, with the payload
// of the rows that changed (an unchanged row needs none: on a usual night
// that is nearly every row, and building JSON is most of a diff's time).
// Identifiers and JSON keys come from the mapping and are quoted.
func diffTableSQL(e pipeline.Entity, partitioned bool) string {
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE diff_rows AS
		WITH s AS (%[1]s)
		SELECT s.natural_key, %[3]s AS op, s.row_hash,
			CASE WHEN c.natural_key IS NULL OR c.missing_since IS NOT NULL OR c.row_hash <> s.row_hash THEN %[4]s END AS payload,
			CASE WHEN c.natural_key IS NOT NULL AND c.missing_since IS NULL AND c.row_hash <> s.row_hash THEN %[5]s END AS diff
		FROM s LEFT JOIN %[2]s c ON c.natural_key = s.natural_key`,
		lastRowSQL(e, "*", partitioned), store.CurTable(e.Name), opSQL, payloadSQL(e, "s"), fieldDiffsSQL(e))
}

// diffKeysSQL builds temp.diff_keys: the run's last row per natural key of
// partition $3 of $2 classified against cur_<entity> by hash alone, so
// that neither side of the join carries the mapped fields.
func diffKeysSQL(e pipeline.Entity, partitioned bool) string {
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE diff_keys AS
		SELECT s.natural_key, s.seq, s.row_hash, %[3]s AS op
		FROM (%[1]s) s
		LEFT JOIN (SELECT natural_key, row_hash, missing_since FROM %[2]s) c ON c.natural_key = s.natural_key`,
		lastRowSQL(e, "natural_key, seq, row_hash", partitioned), store.CurTable(e.Name), opSQL)
}

// changedRowsSQL builds temp.diff_rows from temp.diff_keys, reading whole
// staged rows (for the payload) only for creates and updates, and whole
// cur_ rows (for the field diffs) only for updates.
func changedRowsSQL(e pipeline.Entity) string {
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE diff_rows AS
		SELECT k.natural_key, k.op, k.row_hash,
			CASE WHEN k.op <> 'unchanged' THEN %[3]s END AS payload,
			CASE WHEN k.op = 'update' THEN %[4]s END AS diff
		FROM temp.diff_keys k
		LEFT JOIN (SELECT * FROM %[1]s WHERE run_id = $1
			AND seq IN (SELECT seq FROM temp.diff_keys WHERE op <> 'unchanged')) s ON s.seq = k.seq
		LEFT JOIN (SELECT * FROM %[2]s
			WHERE natural_key IN (SELECT natural_key FROM temp.diff_keys WHERE op = 'update')) c ON c.natural_key = k.natural_key`,
		store.StgTable(e.Name), store.CurTable(e.Name), payloadSQL(e, "s"), fieldDiffsSQL(e))
}

// missingSQL adds the records of partition $3 of $2 the CRM holds that a
// full snapshot lacks.
func missingSQL(e pipeline.Entity, partitioned bool) string {
	return fmt.Sprintf(`INSERT INTO temp.diff_rows
		SELECT c.natural_key, 'missing', c.row_hash, %[3]s, NULL
		FROM %[2]s c
		WHERE c.missing_since IS NULL AND %[4]s
			AND NOT EXISTS (SELECT 1 FROM %[1]s s WHERE s.run_id = $1 AND s.natural_key = c.natural_key)`,
		store.StgTable(e.Name), store.CurTable(e.Name), payloadSQL(e, "c"), inPartition("c.natural_key", partitioned))
}

// inPartition is the predicate of partition $3 of $2 on a key column, or
// TRUE for an entity diffed whole (hashing every key costs a third of a
// diff).
func inPartition(col string, partitioned bool) string {
	if !partitioned {
		return "TRUE"
	}
	return "hash(" + col + ") % $2 = $3"
}

// outbox merges temp.diff_rows into changes.
func outbox(ctx context.Context, tx *sql.Tx, runID int64, entity string) error {
	for i, q := range outboxStatements {
		if _, err := tx.ExecContext(ctx, q, runID, entity); err != nil {
			return fmt.Errorf("updating the outbox (%s): %w", outboxSteps[i], err)
		}
	}
	return nil
}

// outboxSteps name the outboxStatements in errors.
var outboxSteps = []string{"keeping changes computed again", "superseding contradicted changes", "inserting new changes"}

// outboxStatements merge temp.diff_rows into changes ($1 run, $2 entity).
var outboxStatements = []string{
	// The same change computed again: keep it, owned by this run too.
	`UPDATE changes SET last_run_id = $1, updated_at = now()
			FROM temp.diff_rows d
			WHERE changes.status = 'pending' AND changes.entity = $2 AND changes.natural_key = d.natural_key
				AND changes.op = d.op AND changes.row_hash = d.row_hash`,
	// A pending change this run contradicts (a newer state, or no
	// longer needed) is superseded.
	`UPDATE changes SET status = 'superseded', updated_at = now()
			WHERE status = 'pending' AND entity = $2 AND last_run_id <> $1
				AND natural_key IN (SELECT natural_key FROM temp.diff_rows)`,
	`INSERT INTO changes (change_id, run_id, last_run_id, entity, natural_key, op, diff, payload, row_hash, status, attempts, created_at, updated_at)
			SELECT nextval('change_seq'), $1, $1, $2, d.natural_key, d.op, d.diff, d.payload, d.row_hash, 'pending', 0, now(), now()
			FROM temp.diff_rows d
			WHERE d.op <> 'unchanged'
				AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.status = 'pending' AND c.entity = $2
					AND c.natural_key = d.natural_key AND c.last_run_id = $1)`,
}
