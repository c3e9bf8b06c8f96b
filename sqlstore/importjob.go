package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rumbo-app/rumbo"
)

var _ rumbo.ImportService = (*DB)(nil)

// nullUnix stores a time as Unix seconds, NULL when zero.
func nullUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// CreateImport stores a new import job and sets j.ID and j.CreatedAt.
func (db *DB) CreateImport(ctx context.Context, j *rumbo.ImportJob) error {
	if j.CreatedAt.IsZero() {
		j.CreatedAt = db.now()
	}
	j.CreatedAt = j.CreatedAt.UTC().Truncate(time.Second)
	if j.Status == "" {
		j.Status = rumbo.ImportQueued
	}
	q := db.d.insertReturningID("import_jobs", []string{"org_id", "user_id", "entity", "file", "size", "mapping",
		"skip_invalid", "strict_refs", "status", "created_at"})
	err := db.queryRow(ctx, db.db, q, j.OrgID, j.UserID, string(j.Entity), j.File, j.Size, j.Mapping,
		sqlBool(j.SkipInvalid), sqlBool(j.StrictRefs), j.Status, j.CreatedAt.Unix()).Scan(&j.ID)
	if isForeignKeyViolation(err) {
		return rumbo.Errorf(rumbo.ENOTFOUND, "user %d or organisation %d not found", j.UserID, j.OrgID)
	} else if err != nil {
		return fmt.Errorf("create import job: %w", err)
	}
	return nil
}

// UpdateImport saves a job's status, counts, messages, errors and times.
// Errors beyond rumbo.MaxImportErrors are dropped and counted.
func (db *DB) UpdateImport(ctx context.Context, j *rumbo.ImportJob) error {
	if n := len(j.Errors); n > rumbo.MaxImportErrors {
		j.ErrorsOmitted += n - rumbo.MaxImportErrors
		j.Errors = j.Errors[:rumbo.MaxImportErrors]
	}
	errs := j.Errors
	if errs == nil {
		errs = []rumbo.ImportRowError{}
	}
	b, err := json.Marshal(errs)
	if err != nil {
		return fmt.Errorf("update import job %d: %w", j.ID, err)
	}
	res, err := db.exec(ctx, db.db, `UPDATE import_jobs SET status = ?, rows_read = ?, inserted = ?, updated = ?,
		unchanged = ?, rejected = ?, committed = ?, summary = ?, message = ?, errors = ?, errors_omitted = ?,
		started_at = ?, finished_at = ? WHERE id = ? AND org_id = ?`,
		j.Status, j.Read, j.Inserted, j.Updated, j.Unchanged, j.Rejected, sqlBool(j.Committed), j.Summary, j.Message,
		string(b), j.ErrorsOmitted, nullUnix(j.StartedAt), nullUnix(j.FinishedAt), j.ID, j.OrgID)
	if err != nil {
		return fmt.Errorf("update import job %d: %w", j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update import job %d: %w", j.ID, err)
	} else if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "import %d not found", j.ID)
	}
	return nil
}

const importColumns = `id, org_id, user_id, entity, file, size, mapping, skip_invalid, strict_refs, status,
	rows_read, inserted, updated, unchanged, rejected, committed, summary, message, errors_omitted,
	created_at, started_at, finished_at`

func scanImport(s scanner, extra ...any) (*rumbo.ImportJob, error) {
	var j rumbo.ImportJob
	var entity string
	var skip, strict, committed, created int64
	var started, finished sql.NullInt64
	dest := append([]any{&j.ID, &j.OrgID, &j.UserID, &entity, &j.File, &j.Size, &j.Mapping, &skip, &strict, &j.Status,
		&j.Read, &j.Inserted, &j.Updated, &j.Unchanged, &j.Rejected, &committed, &j.Summary, &j.Message, &j.ErrorsOmitted,
		&created, &started, &finished}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	j.Entity = rumbo.Entity(entity)
	j.SkipInvalid, j.StrictRefs, j.Committed = skip != 0, strict != 0, committed != 0
	j.CreatedAt, j.StartedAt, j.FinishedAt = time.Unix(created, 0).UTC(), unixTime(started), unixTime(finished)
	return &j, nil
}

// FindImport returns an organisation's import job with its row errors, or
// ENOTFOUND.
func (db *DB) FindImport(ctx context.Context, orgID, id int64) (*rumbo.ImportJob, error) {
	var errs string
	row := db.queryRow(ctx, db.db, "SELECT "+importColumns+", errors FROM import_jobs WHERE id = ? AND org_id = ?", id, orgID)
	j, err := scanImport(row, &errs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "import %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find import job %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(errs), &j.Errors); err != nil {
		return nil, fmt.Errorf("import job %d errors: %w", id, err)
	}
	return j, nil
}

// Imports lists an organisation's most recent import jobs, newest first,
// without their row errors.
func (db *DB) Imports(ctx context.Context, orgID int64, limit int) ([]rumbo.ImportJob, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.query(ctx, db.db, "SELECT "+importColumns+" FROM import_jobs WHERE org_id = ? ORDER BY id DESC LIMIT ?", orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("list import jobs: %w", err)
	}
	defer rows.Close()
	var out []rumbo.ImportJob
	for rows.Next() {
		j, err := scanImport(rows)
		if err != nil {
			return nil, fmt.Errorf("list import jobs: %w", err)
		}
		out = append(out, *j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list import jobs: %w", err)
	}
	return out, nil
}

// FailUnfinishedImports marks every queued or running job failed with the
// message at t, and returns how many it marked.
func (db *DB) FailUnfinishedImports(ctx context.Context, message string, t time.Time) (int, error) {
	res, err := db.exec(ctx, db.db, "UPDATE import_jobs SET status = ?, message = ?, finished_at = ? WHERE status IN (?, ?)",
		rumbo.ImportFailed, message, t.Unix(), rumbo.ImportQueued, rumbo.ImportRunning)
	if err != nil {
		return 0, fmt.Errorf("fail unfinished imports: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
