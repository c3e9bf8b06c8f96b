package demo

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// TestGenerateIntoSQLite loads the small demo into a real SQLite store, as
// `rumbo demo` does, and checks that every record arrived.
func TestGenerateIntoSQLite(t *testing.T) {
	t.Parallel() // the slowest test of the package, mostly store writes
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), sqlstore.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	org := &rumbo.Org{Slug: "demo", Name: "Ibérica de Software S.L."}
	if err := db.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	opts := Options{Seed: 1, Now: nows[0].now, Location: madrid(t)}
	var st *Stats
	err = db.Write(ctx, org.ID, rumbo.WriteOptions{StrictRefs: true, Now: opts.Now}, func(w rumbo.Writer) error {
		st, err = Generate(ctx, w, opts)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rumbo.Entities {
		got, err := db.Count(ctx, org.ID, e)
		if err != nil {
			t.Fatal(err)
		}
		if want := st.Counts[e]; got != want || got == 0 {
			t.Errorf("%s: %d stored, %d generated (want equal and > 0)", e, got, want)
		}
	}
	for _, tg := range Targets(opts) {
		if err := db.SetTarget(ctx, org.ID, &tg); err != nil {
			t.Fatalf("set target %s %s: %v", tg.KPI, tg.Period, err)
		}
	}
}
