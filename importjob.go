package rumbo

import (
	"context"
	"time"
)

// Import job statuses, in the order a job goes through them.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// MaxImportErrors is how many row errors an import job keeps; the rest are
// only counted in ImportJob.ErrorsOmitted.
const MaxImportErrors = 1000

// ImportRowError is one problem with one row of an imported file, as the
// importer reports it: "file:line:column: reason". Code and Args say the
// same for a user interface to translate (importer.ErrorCode); jobs stored
// before codes existed have none.
type ImportRowError struct {
	File   string   `json:"file"`
	Line   int      `json:"line"`
	Column string   `json:"column,omitempty"`
	Field  string   `json:"field,omitempty"`
	Code   string   `json:"code,omitempty"`
	Args   []string `json:"args,omitempty"`
	Reason string   `json:"reason"`
}

// ImportJob is a CSV import run in the background: who asked for it, with
// which options, where it stands, and its outcome.
type ImportJob struct {
	ID          int64
	OrgID       int64
	UserID      int64
	Entity      Entity
	File        string // the uploaded file's name
	Size        int64  // bytes
	Mapping     string // the mapping as uploaded (YAML or JSON); "" for canonical headers
	SkipInvalid bool
	StrictRefs  bool

	Status    string // ImportQueued, ImportRunning, ImportDone or ImportFailed
	Read      int
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int
	Committed bool
	Summary   string           // the importer's one-line summary
	Message   string           // why the job failed; "" otherwise
	Errors    []ImportRowError // at most MaxImportErrors, in file order
	// ErrorsOmitted counts the row errors beyond MaxImportErrors.
	ErrorsOmitted int

	CreatedAt  time.Time
	StartedAt  time.Time // zero until it runs
	FinishedAt time.Time // zero until it ends
}

// ImportService keeps import jobs.
type ImportService interface {
	// CreateImport stores a new job and sets j.ID.
	CreateImport(ctx context.Context, j *ImportJob) error
	// UpdateImport saves a job's status, counts, messages, errors and times.
	UpdateImport(ctx context.Context, j *ImportJob) error
	// FindImport returns an organisation's job by id, or ENOTFOUND.
	FindImport(ctx context.Context, orgID, id int64) (*ImportJob, error)
	// Imports lists an organisation's most recent jobs, newest first,
	// without their row errors.
	Imports(ctx context.Context, orgID int64, limit int) ([]ImportJob, error)
	// FailUnfinishedImports marks every queued or running job failed with
	// the message, at t (a restarted server cannot finish them), and
	// returns how many it marked.
	FailUnfinishedImports(ctx context.Context, message string, t time.Time) (int, error)
}
