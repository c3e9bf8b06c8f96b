package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	nethttp "net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/importer"
	"github.com/rumbo-app/rumbo/okr"
)

// Imports: a CSV upload becomes a job that runs in the background, one at
// a time per server, and is kept in the database so that its status, counts
// and row errors can be polled, also after a restart.

// importRunner runs import jobs in the background.
type importRunner struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	slot   chan struct{} // one import at a time: they write in one transaction

	mu       sync.Mutex
	progress map[int64]float64 // running jobs: share of the file read, 0 to 1
}

func newImportRunner() *importRunner {
	ctx, cancel := context.WithCancel(context.Background())
	return &importRunner{ctx: ctx, cancel: cancel, slot: make(chan struct{}, 1), progress: map[int64]float64{}}
}

func (ir *importRunner) setProgress(id int64, p float64) {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	ir.progress[id] = p
}

func (ir *importRunner) clearProgress(id int64) {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	delete(ir.progress, id)
}

func (ir *importRunner) progressOf(id int64) (float64, bool) {
	ir.mu.Lock()
	defer ir.mu.Unlock()
	p, ok := ir.progress[id]
	return p, ok
}

// Close stops the import jobs in flight (their transactions roll back and
// they are marked failed) and waits for them and for the KPI answers being
// refreshed in the background.
func (s *Server) Close() {
	s.jobs.cancel()
	s.jobs.wg.Wait()
	s.results.wait()
}

// upload is a multipart request's file, spooled to a temporary directory,
// and its other fields.
type upload struct {
	dir    string // temporary directory to remove
	path   string // the spooled file
	name   string // the file's base name as uploaded
	size   int64
	fields map[string]string
}

func (u *upload) remove() {
	if u.dir != "" {
		os.RemoveAll(u.dir)
	}
}

// maxUploadField bounds each non-file field (a mapping, a flag).
const maxUploadField = 1 << 20

// readUpload spools the multipart body's "file" part and reads its other
// fields, as text fields or files. The body is bounded by the upload limit.
func readUpload(r *nethttp.Request) (*upload, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, &detailedError{code: EMEDIATYPE, message: "send multipart/form-data with a file part named \"file\" (curl -F file=@deals.csv)"}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, rumbo.Errorf(rumbo.EINVALID, "multipart body: %v", err)
	}
	u := &upload{fields: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			u.remove()
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, uploadError(err)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if u.path != "" {
				return nil, rumbo.Errorf(rumbo.EINVALID, "one file per upload")
			}
			if u.dir, err = os.MkdirTemp("", "rumbo-upload-"); err != nil {
				return nil, fmt.Errorf("spool upload: %w", err)
			}
			u.name = filepath.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
			if u.name == "" || u.name == "." || u.name == "/" {
				u.name = "upload.csv"
			}
			u.path = filepath.Join(u.dir, "upload.csv")
			f, err := os.Create(u.path)
			if err != nil {
				return nil, fmt.Errorf("spool upload: %w", err)
			}
			u.size, err = io.Copy(f, part)
			if cerr := f.Close(); err == nil && cerr != nil {
				return nil, fmt.Errorf("spool upload: %w", cerr)
			}
			if err != nil {
				return nil, uploadError(err)
			}
		case name != "":
			b, err := io.ReadAll(io.LimitReader(part, maxUploadField+1))
			if err != nil {
				return nil, uploadError(err)
			}
			if len(b) > maxUploadField {
				return nil, rumbo.Errorf(rumbo.EINVALID, "field %q over %d bytes", name, maxUploadField)
			}
			u.fields[name] = string(b)
		}
		part.Close()
	}
	if u.path == "" {
		return nil, rumbo.Errorf(rumbo.EINVALID, "no file: send the CSV as the multipart part \"file\"")
	}
	ok = true
	return u, nil
}

// uploadError keeps a body over the limit a 413 and makes other reading
// errors a 400.
func uploadError(err error) error {
	var mbe *nethttp.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	if strings.Contains(err.Error(), "request body too large") {
		return &nethttp.MaxBytesError{}
	}
	return rumbo.Errorf(rumbo.EINVALID, "multipart body: %v", err)
}

// importOptions reads the entity, mapping and flags of an upload.
func importOptions(u *upload) (rumbo.Entity, *importer.Mapping, string, bool, bool, error) {
	var m *importer.Mapping
	text := strings.TrimSpace(u.fields["mapping"])
	if text != "" {
		var err error
		if m, err = importer.ParseMapping("mapping", []byte(text)); err != nil {
			return "", nil, "", false, false, err
		}
	}
	var e rumbo.Entity
	if s := strings.TrimSpace(u.fields["entity"]); s != "" {
		var err error
		if e, err = rumbo.ParseEntity(s); err != nil {
			return "", nil, "", false, false, err
		}
	} else if m != nil {
		e = m.Entity
	}
	if e == "" {
		return "", nil, "", false, false, importer.NewFileError("", 0, importer.ErrEntityRequired)
	}
	if m != nil && m.Entity != e {
		return "", nil, "", false, false, importer.NewFileError("", 0, importer.ErrMappingEntity, string(m.Entity), string(e))
	}
	var flags [2]bool
	for i, k := range []string{"skip_invalid", "strict_refs"} {
		v := strings.ToLower(strings.TrimSpace(u.fields[k]))
		switch v {
		case "", "0", "false", "off", "no":
		case "1", "true", "on", "yes":
			flags[i] = true
		default:
			return "", nil, "", false, false, rumbo.Errorf(rumbo.EINVALID, "%s %q: use true or false", k, u.fields[k])
		}
	}
	return e, m, text, flags[0], flags[1], nil
}

// createImport accepts an upload and queues its import; it answers 202
// with the job, to be polled at its Location.
func (s *Server) createImport(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	u, err := readUpload(r)
	if err != nil {
		return err
	}
	e, m, mappingText, skip, strict, err := importOptions(u)
	if err != nil {
		u.remove()
		return err
	}
	j := &rumbo.ImportJob{OrgID: c.org.ID, UserID: c.user.ID, Entity: e, File: u.name, Size: u.size,
		Mapping: mappingText, SkipInvalid: skip, StrictRefs: strict, Status: rumbo.ImportQueued, CreatedAt: s.now()}
	if err := s.store.CreateImport(r.Context(), j); err != nil {
		u.remove()
		return err
	}
	out := s.newImportJSON(j, false)
	// The job runs on its own copies: the request is done with them.
	org, job := *c.org, *j
	s.jobs.wg.Add(1)
	go func() {
		defer s.jobs.wg.Done()
		defer u.remove()
		s.runImport(&org, &job, u, m)
	}()
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(j.ID, 10))
	writeJSON(w, nethttp.StatusAccepted, out)
	return nil
}

// runImport runs one job when the import slot is free and records its
// outcome. The temporary file's path never reaches the job: messages name
// the file as uploaded.
func (s *Server) runImport(org *rumbo.Org, j *rumbo.ImportJob, u *upload, m *importer.Mapping) {
	ctx := s.jobs.ctx
	log := s.log.With("import", j.ID, "org", org.Slug)
	finish := func(status, message string) {
		j.Status, j.Message, j.FinishedAt = status, message, s.now()
		// Record the end even when the server is stopping.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.store.UpdateImport(sctx, j); err != nil {
			log.Error("save import job", "error", err)
		}
		log.Info("import finished", "status", j.Status, "summary", j.Summary)
	}
	select {
	case s.jobs.slot <- struct{}{}:
		defer func() { <-s.jobs.slot }()
	case <-ctx.Done():
		finish(rumbo.ImportFailed, msgStoppedBefore)
		return
	}
	loc, err := org.Location()
	if err != nil {
		finish(rumbo.ImportFailed, rumbo.ErrorMessage(err))
		return
	}
	j.Status, j.StartedAt = rumbo.ImportRunning, s.now()
	if err := s.store.UpdateImport(ctx, j); err != nil {
		log.Error("save import job", "error", err)
	}
	s.jobs.setProgress(j.ID, 0)
	defer s.jobs.clearProgress(j.ID)
	since := s.now()
	opts := importer.Options{Entity: j.Entity, Mapping: m, Location: loc, Currency: org.Currency,
		SkipInvalid: j.SkipInvalid, StrictRefs: j.StrictRefs, Now: since,
		Progress: func(read, total int64) {
			if total > 0 {
				s.jobs.setProgress(j.ID, float64(read)/float64(total))
			}
		}}
	rep, err := importer.ImportFile(ctx, s.store, org.ID, u.path, opts)
	if rep != nil {
		rep.File = u.name
		j.Read, j.Inserted, j.Updated, j.Unchanged, j.Rejected = rep.Read, rep.Inserted, rep.Updated, rep.Unchanged, rep.Rejected
		j.Committed, j.Summary = rep.Committed, rep.Summary()
		j.Errors = j.Errors[:0]
		for i, re := range rep.Errors {
			if i >= rumbo.MaxImportErrors {
				j.ErrorsOmitted = len(rep.Errors) - rumbo.MaxImportErrors
				break
			}
			j.Errors = append(j.Errors, rumbo.ImportRowError{File: u.name, Line: re.Line, Column: re.Column,
				Field: re.Field, Code: string(re.Code), Args: re.Args, Reason: re.Reason})
		}
	}
	s.results.clear()
	switch {
	case err == nil:
		if _, err := okr.New(s.store, s.now).SnapshotTouched(ctx, org, since); err != nil {
			log.Warn("OKR snapshots after the import failed", "error", err)
		}
		finish(rumbo.ImportDone, "")
	case ctx.Err() != nil:
		finish(rumbo.ImportFailed, msgStoppedDuring)
	case rumbo.ErrorCode(err) == rumbo.EINTERNAL:
		log.Error("import failed", "error", err)
		finish(rumbo.ImportFailed, msgInternal)
	default:
		err = placeFileError(err, u.path, u.name)
		// A problem with the whole file keeps its code, as the job's only
		// error entry, for newImportJSON to give as the message's code: the
		// job's stored message is English text only.
		var fe *importer.FileError
		if errors.As(err, &fe) {
			j.Errors = append(j.Errors[:0], rumbo.ImportRowError{File: u.name, Line: fe.Line, Column: fe.Column,
				Code: string(fe.Code), Args: fe.Args, Reason: fe.Reason()})
		}
		finish(rumbo.ImportFailed, rumbo.ErrorMessage(err))
	}
}

// importJSON is an import job as the API shows it.
type importJSON struct {
	ID          int64        `json:"id"`
	Status      string       `json:"status"`
	Entity      rumbo.Entity `json:"entity"`
	File        string       `json:"file"`
	Size        int64        `json:"size"`
	SkipInvalid bool         `json:"skip_invalid"`
	StrictRefs  bool         `json:"strict_refs"`
	UserID      int64        `json:"user_id"`
	Progress    *float64     `json:"progress,omitempty"`
	Summary     string       `json:"summary"`
	Counts      importCounts `json:"counts"`
	Committed   bool         `json:"committed"`
	Message     string       `json:"message,omitempty"`
	// MessageCode and MessageArgs say the message for programs and
	// translations: an importer file code (importer.FileErrorCodes), a
	// code of messageCodes, or "rejected" with the file and the rejected
	// rows. Listed jobs have no file code: it is kept with the errors.
	MessageCode string   `json:"message_code,omitempty"`
	MessageArgs []string `json:"message_args,omitempty"`
	// fileErr is the problem with the whole file, for the web app.
	fileErr       *importer.FileError
	Errors        []rowErrorJSON `json:"errors,omitempty"`
	ErrorsOmitted int            `json:"errors_omitted,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	StartedAt     *time.Time     `json:"started_at"`
	FinishedAt    *time.Time     `json:"finished_at"`
}

type importCounts struct {
	Read      int `json:"read"`
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Rejected  int `json:"rejected"`
}

// rowErrorJSON is one row error, also as the line "file:line:column: reason".
// Reason and Text are English; Code (with Field and Args) is stable, for
// programs and translations (docs/import.md lists the codes).
type rowErrorJSON struct {
	Line   int      `json:"line"`
	Column string   `json:"column,omitempty"`
	Field  string   `json:"field,omitempty"`
	Code   string   `json:"code,omitempty"`
	Args   []string `json:"args,omitempty"`
	Reason string   `json:"reason"`
	Text   string   `json:"text"`
}

func (s *Server) newImportJSON(j *rumbo.ImportJob, withErrors bool) importJSON {
	out := importJSON{ID: j.ID, Status: j.Status, Entity: j.Entity, File: j.File, Size: j.Size, SkipInvalid: j.SkipInvalid,
		StrictRefs: j.StrictRefs, UserID: j.UserID, Summary: j.Summary, Committed: j.Committed, Message: j.Message,
		Counts:        importCounts{Read: j.Read, Inserted: j.Inserted, Updated: j.Updated, Unchanged: j.Unchanged, Rejected: j.Rejected},
		ErrorsOmitted: j.ErrorsOmitted, CreatedAt: j.CreatedAt.UTC(), StartedAt: timePtr(j.StartedAt), FinishedAt: timePtr(j.FinishedAt)}
	if p, ok := s.jobs.progressOf(j.ID); ok && j.Status == rumbo.ImportRunning {
		out.Progress = &p
	}
	out.MessageCode, out.MessageArgs = messageCode(j)
	if withErrors {
		out.Errors = []rowErrorJSON{}
		for _, e := range j.Errors {
			if importer.IsFileCode(importer.ErrorCode(e.Code)) {
				out.MessageCode, out.MessageArgs = e.Code, e.Args
				out.fileErr = &importer.FileError{File: e.File, Line: e.Line, Column: e.Column, Code: importer.ErrorCode(e.Code), Args: e.Args}
				continue
			}
			text := importer.RowError{File: e.File, Line: e.Line, Column: e.Column, Reason: e.Reason}.String()
			out.Errors = append(out.Errors, rowErrorJSON{Line: e.Line, Column: e.Column, Field: e.Field, Code: e.Code, Args: e.Args,
				Reason: e.Reason, Text: text})
		}
	}
	return out
}

// listImports lists the organisation's recent import jobs, newest first.
func (s *Server) listImports(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return rumbo.Errorf(rumbo.EINVALID, "limit %q: use 1 to 500", v)
		}
		limit = n
	}
	jobs, err := s.store.Imports(r.Context(), c.org.ID, limit)
	if err != nil {
		return err
	}
	out := []importJSON{}
	for i := range jobs {
		out = append(out, s.newImportJSON(&jobs[i], false))
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"imports": out})
	return nil
}

// getImport returns one import job with its row errors.
func (s *Server) getImport(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "import id %q is not a number", r.PathValue("id"))
	}
	j, err := s.store.FindImport(r.Context(), c.org.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, s.newImportJSON(j, true))
	return nil
}

// previewImport decodes the first rows of an uploaded file and says what
// the importer detects: delimiter, encoding and each column's format.
func (s *Server) previewImport(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	u, err := readUpload(r)
	if err != nil {
		return err
	}
	defer u.remove()
	opts := importer.PreviewOptions{Name: u.name}
	if v := strings.TrimSpace(u.fields["rows"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return rumbo.Errorf(rumbo.EINVALID, "rows %q: use 1 to 1000", v)
		}
		opts.Rows = n
	}
	if strings.TrimSpace(u.fields["entity"]) != "" || strings.TrimSpace(u.fields["mapping"]) != "" {
		if opts.Entity, opts.Mapping, _, _, _, err = importOptions(u); err != nil {
			return err
		}
	}
	p, err := importer.PreviewFile(u.path, opts)
	if err != nil {
		return placeFileError(err, u.path, u.name)
	}
	writeJSON(w, nethttp.StatusOK, p)
	return nil
}
