package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

var forEachDB = sqlstoretest.ForEachDB

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func day(n int) time.Time { return time.Date(2026, 1, n, 9, 30, 0, 0, time.UTC) }

func money(v int64) *rumbo.Money { m := rumbo.Money(v); return &m }

func intp(v int) *int { return &v }

// mustOrg creates an organisation and returns its id.
func mustOrg(t *testing.T, db *sqlstore.DB, slug string) int64 {
	t.Helper()
	o := rumbo.Org{Slug: slug}
	if err := db.CreateOrg(context.Background(), &o); err != nil {
		t.Fatalf("CreateOrg(%s): %v", slug, err)
	}
	return o.ID
}

// mustPut writes the records in one transaction and returns the outcomes.
func mustPut(t *testing.T, db *sqlstore.DB, org int64, opts rumbo.WriteOptions, recs ...rumbo.Record) []rumbo.Outcome {
	t.Helper()
	var outs []rumbo.Outcome
	err := db.Write(context.Background(), org, opts, func(w rumbo.Writer) error {
		for _, r := range recs {
			out, err := w.Put(context.Background(), r)
			if err != nil {
				return err
			}
			outs = append(outs, out)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return outs
}

// mustCount returns the number of records of the entity.
func mustCount(t *testing.T, db *sqlstore.DB, org int64, e rumbo.Entity) int {
	t.Helper()
	n, err := db.Count(context.Background(), org, e)
	if err != nil {
		t.Fatalf("Count(%s): %v", e, err)
	}
	return n
}

// counts returns the record count of every entity.
func counts(t *testing.T, db *sqlstore.DB, org int64) map[rumbo.Entity]int {
	t.Helper()
	m := make(map[rumbo.Entity]int)
	for _, e := range rumbo.Entities {
		m[e] = mustCount(t, db, org, e)
	}
	return m
}

// wantCode fails unless err is a rumbo.Error with the code and message.
func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	if got := rumbo.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if msg != "" {
		if got := rumbo.ErrorMessage(err); got != msg {
			t.Fatalf("error message = %q, want %q", got, msg)
		}
	}
}

// wantFieldError fails unless err is a *rumbo.FieldError with field and message.
func wantFieldError(t *testing.T, err error, field, msg string) {
	t.Helper()
	var fe *rumbo.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *rumbo.FieldError", err, err)
	}
	if fe.Field != field || fe.Message != msg {
		t.Fatalf("FieldError = {%q, %q}, want {%q, %q}", fe.Field, fe.Message, field, msg)
	}
}

// putBatches writes each batch of records with rumbo.PutAll in one write
// transaction, failing the test on any error, of the write or of a record.
func putBatches(t *testing.T, db *sqlstore.DB, orgID int64, opts rumbo.WriteOptions, batches ...[]rumbo.Record) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, orgID, opts, func(w rumbo.Writer) error {
		for _, recs := range batches {
			outs, errs := make([]rumbo.Outcome, len(recs)), make([]error, len(recs))
			if err := rumbo.PutAll(ctx, w, recs, outs, errs); err != nil {
				return err
			}
			for i, err := range errs {
				if err != nil {
					return fmt.Errorf("record %d: %w", i, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
