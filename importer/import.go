package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Options control the import of one file.
type Options struct {
	// Entity is the entity the file holds. It may be empty when Mapping
	// names it; when both are set they must agree.
	Entity rumbo.Entity
	// Mapping maps the file's columns; nil means canonical headers.
	Mapping *Mapping
	// Location is the organisation's time zone: dates and times without an
	// offset are read in it. nil means UTC.
	Location *time.Location
	// Currency is the organisation's currency (ISO 4217); "" means EUR.
	// An amount written in another currency rejects its row.
	Currency string
	// SkipInvalid commits the good rows of a file with bad ones.
	SkipInvalid bool
	// StrictRefs makes a reference to a missing person, team, market,
	// campaign or lead an error instead of creating it.
	StrictRefs bool
	// Now is the import time; zero means time.Now().
	Now time.Time
	// Progress, if not nil, is called as the file is read with the bytes
	// read so far and the total; the file is read twice, so the total is
	// twice its size. The second reading is done by a goroutine of its own
	// (the calls never overlap).
	Progress func(bytesRead, totalBytes int64)
	// Stdin is read when the path is "-"; nil means os.Stdin.
	Stdin io.Reader
}

// RowError is one problem with one row of a file.
type RowError struct {
	File   string
	Line   int    // as an editor shows it: the header is line 1
	Column string // the source column, "" when the problem is the whole row
	Field  string // the canonical field, "" when the problem is the whole row
	// Code says what is wrong and Args the values its message names, for a
	// user interface to say it in its own language.
	Code ErrorCode
	Args []string
	// Reason says it in English: "field: message", or the message alone
	// when the problem is the whole row.
	Reason string
}

// String formats the error as "file:line:column: reason", without
// ":column" when there is none.
func (e RowError) String() string {
	if e.Column == "" {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Reason
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + e.Column + ": " + e.Reason
}

// Report is the outcome of importing one file.
type Report struct {
	File      string
	Read      int // data rows read, good and bad
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int        // rows with at least one error
	Errors    []RowError // every error of every rejected row, in file order
	Committed bool       // the good rows were written
}

// Summary returns the one-line summary of the import.
func (r *Report) Summary() string {
	return fmt.Sprintf("%s: %d rows read, %d inserted, %d updated, %d unchanged, %d rejected",
		r.File, r.Read, r.Inserted, r.Updated, r.Unchanged, r.Rejected)
}

// batchSize is how many decoded rows the importer hands the store at once
// (sqlstore's batch).
const batchSize = 2000

// batch is the rows decoded and not yet stored, with their positions, and
// what the decoding of their part of the file counted: rows read, rows
// rejected and their errors.
type batch struct {
	recs     []rumbo.Record
	pos      []Pos
	outs     [batchSize]rumbo.Outcome
	errs     [batchSize]error
	read     int
	rejected int
	rowErrs  []RowError
}

// decoding decodes a file's rows on its own goroutine, into batches of up
// to batchSize good rows sent on batches; two batches circulate, each
// handed back with stored once written.
type decoding struct {
	batches chan *batch   // closed at the end of the file, on an error, or by close
	free    chan *batch   // batches to fill
	stop    chan struct{} // closed by close
	err     error         // why batches closed before the end (decoding, ctx); read after it closed
}

// decodeAhead starts decoding d's rows; the caller must call close.
func decodeAhead(ctx context.Context, d *Decoder) *decoding {
	dec := &decoding{batches: make(chan *batch), free: make(chan *batch, 2), stop: make(chan struct{})}
	for range 2 {
		dec.free <- &batch{recs: make([]rumbo.Record, 0, batchSize), pos: make([]Pos, 0, batchSize)}
	}
	go func() {
		defer close(dec.batches)
		var b *batch
		take := func() bool {
			select {
			case b = <-dec.free:
				return true
			case <-dec.stop:
				return false
			}
		}
		send := func() bool {
			select {
			case dec.batches <- b:
				return true
			case <-dec.stop:
				return false
			}
		}
		if !take() {
			return
		}
		for n := 0; ; n++ {
			if n&1023 == 0 {
				if dec.err = ctx.Err(); dec.err != nil {
					return
				}
			}
			rec, rowErrs, err := d.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				dec.err = err
				return
			}
			b.read++
			if rowErrs != nil {
				b.rejected++
				b.rowErrs = append(b.rowErrs, rowErrs...)
				continue
			}
			b.recs, b.pos = append(b.recs, rec), append(b.pos, d.Pos())
			if len(b.recs) == batchSize && (!send() || !take()) {
				return
			}
		}
		send()
	}()
	return dec
}

// stored hands back a batch the store has written.
func (dec *decoding) stored(b *batch) {
	b.recs, b.pos = b.recs[:0], b.pos[:0]
	b.read, b.rejected, b.rowErrs = 0, 0, b.rowErrs[:0]
	dec.free <- b
}

// close stops the decoding and waits until its goroutine is done with the
// decoder.
func (dec *decoding) close() {
	close(dec.stop)
	for range dec.batches {
	}
}

// flush stores the batch's rows and counts their outcomes in rep.
func (b *batch) flush(ctx context.Context, w rumbo.Writer, d *Decoder, rep *Report) error {
	if len(b.recs) == 0 {
		return nil
	}
	outs, errs := b.outs[:len(b.recs)], b.errs[:len(b.recs)]
	clear(outs)
	clear(errs)
	if err := rumbo.PutAll(ctx, w, b.recs, outs, errs); err != nil {
		return fmt.Errorf("import %s lines %d–%d: %w", d.File(), b.pos[0].Line, b.pos[len(b.pos)-1].Line, err)
	}
	for i, err := range errs {
		var fe *rumbo.FieldError
		switch {
		case errors.As(err, &fe):
			rep.Rejected++
			rep.Errors = append(rep.Errors, d.FieldError(b.pos[i], fe))
		case err != nil:
			return fmt.Errorf("import %s line %d: %w", d.File(), b.pos[i].Line, err)
		case outs[i] == rumbo.Inserted:
			rep.Inserted++
		case outs[i] == rumbo.Updated:
			rep.Updated++
		default:
			rep.Unchanged++
		}
	}
	return nil
}

// errRejected makes Write roll back a file with invalid rows.
var errRejected = errors.New("file has invalid rows")

// RejectedMessage is the message of the error of a file that n invalid rows
// rolled back: "deals.csv: 2 invalid rows; nothing imported".
func RejectedMessage(file string, n int) string {
	if n == 1 {
		return file + ": 1 invalid row; nothing imported"
	}
	return fmt.Sprintf("%s: %d invalid rows; nothing imported", file, n)
}

// ImportFile imports one CSV file ("-" for standard input) into the
// organisation's records in one transaction. Problems with the file itself
// (empty, binary, missing columns, an ambiguous column…) are EINVALID errors
// before anything is written. Bad rows are listed in the report; unless
// opts.SkipInvalid is set, one bad row rolls the whole file back and the
// error is EINVALID "<file>: N invalid rows; nothing imported". The report
// is never nil.
func ImportFile(ctx context.Context, rs rumbo.RecordService, orgID int64, path string, opts Options) (*Report, error) {
	rep := &Report{File: path}
	if path == "-" {
		rep.File = "stdin"
	}
	d, err := NewDecoder(path, opts)
	if err != nil {
		return rep, err
	}
	defer d.Close()
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	wopts := rumbo.WriteOptions{StrictRefs: opts.StrictRefs, Now: now, Expect: d.Rows()}
	err = rs.Write(ctx, orgID, wopts, func(w rumbo.Writer) error {
		// The rows are decoded on another goroutine, a batch ahead of
		// the store's writing.
		dec := decodeAhead(ctx, d)
		defer dec.close()
		for b := range dec.batches {
			rep.Read += b.read
			rep.Rejected += b.rejected
			rep.Errors = append(rep.Errors, b.rowErrs...)
			if err := b.flush(ctx, w, d, rep); err != nil {
				return err
			}
			dec.stored(b)
		}
		if dec.err != nil {
			return dec.err
		}
		// Rows the store refused were reported at the end of their batch.
		sort.SliceStable(rep.Errors, func(i, j int) bool { return rep.Errors[i].Line < rep.Errors[j].Line })
		if rep.Rejected > 0 && !opts.SkipInvalid {
			return errRejected
		}
		return nil
	})
	if errors.Is(err, errRejected) {
		rep.Inserted, rep.Updated, rep.Unchanged = 0, 0, 0
		return rep, rumbo.Errorf(rumbo.EINVALID, "%s", RejectedMessage(rep.File, rep.Rejected))
	} else if err != nil {
		rep.Inserted, rep.Updated, rep.Unchanged = 0, 0, 0
		return rep, inFile(rep.File, err)
	}
	rep.Committed = true
	return rep, nil
}

// inFile names the file in a domain error of its import that does not name
// it yet (one the store raised at commit, such as amounts that add up past
// what it sums), keeping the error it wraps for errors.Is.
func inFile(file string, err error) error {
	var fe *FileError
	code := rumbo.ErrorCode(err)
	if errors.As(err, &fe) || code == rumbo.EINTERNAL || strings.HasPrefix(rumbo.ErrorMessage(err), file+":") {
		return err
	}
	return &namedError{named: rumbo.Errorf(code, "%s: %s", file, rumbo.ErrorMessage(err)), cause: err}
}

// namedError is a domain error with its file named, wrapping the original.
type namedError struct {
	named *rumbo.Error
	cause error
}

func (e *namedError) Error() string   { return e.named.Message }
func (e *namedError) Unwrap() []error { return []error{e.named, e.cause} }
