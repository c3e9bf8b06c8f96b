package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// TestUpgradeRebuildsDroppedAggregates puts a database back where it was
// before migration 00007 (activity aggregates without types) and checks
// that opening it migrates and rebuilds the dropped family at once: the
// aggregates are built (the engine reads them, not raw records) and equal
// a rebuild, activity types included.
func TestUpgradeRebuildsDroppedAggregates(t *testing.T) {
	for _, engine := range []string{sqlstore.DialectSQLite, sqlstore.DialectPostgres} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := filepath.Join(t.TempDir(), "rumbo.db")
			if engine == sqlstore.DialectPostgres {
				dsn = sqlstoretest.PostgresDSN(t)
			}
			db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			org := &rumbo.Org{Slug: "upgrade"}
			if err := db.CreateOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			err = db.Write(ctx, org.ID, rumbo.WriteOptions{Now: at}, func(w rumbo.Writer) error {
				for i := range 12 {
					a := &rumbo.Activity{ExternalID: fmt.Sprint("A", i), Type: []string{"call", "presentation", "email"}[i%3],
						Owner: "Ana", At: at.AddDate(0, 0, i)}
					if _, err := w.Put(ctx, a); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// Back to version 6: the rows of the old format are gone with
			// the family's span, as migration 00007 leaves them.
			db = backTo(t, db, dsn, 7, "activities", func(db *sqlstore.DB) {
				if _, built, err := db.AggregateSpans(ctx, org.ID); err != nil || built {
					t.Fatalf("before reopening: built = %v, %v; want false", built, err)
				}
			})
			spans, built, err := db.AggregateSpans(ctx, org.ID)
			if err != nil || !built {
				t.Fatalf("after reopening: built = %v, %v; want true", built, err)
			}
			if n := spans[rumbo.EntityActivities].Count; n != 12 {
				t.Errorf("activities span count = %d, want 12", n)
			}
			rows, _, err := db.Aggregates(ctx, org.ID, agg.Query{Measures: []string{agg.Acts}, Grain: rumbo.GrainMonth,
				Kind: agg.KindType, From: -1 << 40, To: 1 << 40})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, r := range rows {
				got[r.Dim] += r.N
			}
			if want := map[string]int64{"call": 4, "presentation": 4, "email": 4}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("activities by type = %v, want %v", got, want)
			}
			sqlstoretest.CheckAggregates(t, db, org.ID, "after the upgrade")
		})
	}
}

// TestUpgradeRebuildsDealsAlone: migration 00010 drops the deal aggregates
// alone; opening the database rebuilds them while the lead aggregates stay
// (the rebuild reads both tables), and they equal a full rebuild.
func TestUpgradeRebuildsDealsAlone(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "rumbo.db")
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	org := &rumbo.Org{Slug: "upgrade", TimeZone: "America/Santiago"}
	if err := db.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	loc, _ := org.Location()
	at := time.Date(2024, 9, 7, 23, 30, 0, 0, loc) // the first hour of 8 September
	err = db.Write(ctx, org.ID, rumbo.WriteOptions{Now: at.AddDate(0, 1, 0)}, func(w rumbo.Writer) error {
		for i := range 6 {
			recs := []rumbo.Record{
				&rumbo.Lead{ExternalID: fmt.Sprint("L", i), CreatedAt: at.AddDate(0, 0, -i), Owner: "Ana", Channel: "web"},
				&rumbo.Deal{ExternalID: fmt.Sprint("D", i), Lead: fmt.Sprint("L", i), Owner: "Ana", CreatedAt: at.AddDate(0, 0, -i),
					ClosedAt: at.AddDate(0, 0, 3), Status: rumbo.DealWon, Amount: money(100)},
			}
			for _, r := range recs {
				if _, err := w.Put(ctx, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db = backTo(t, db, dsn, 10, "deals", nil)
	spans, built, err := db.AggregateSpans(ctx, org.ID)
	if err != nil || !built || spans[rumbo.EntityDeals].Count != 6 || spans[rumbo.EntityLeads].Count != 6 {
		t.Fatalf("after reopening: built %v, spans %+v, %v", built, spans, err)
	}
	sqlstoretest.CheckAggregates(t, db, org.ID, "after the deals' rebuild")
}

// backTo puts the database at dsn back before migration version, dropping
// the family's aggregates and span as that migration leaves them, and
// returns it opened again: migrated and rebuilt.
func backTo(t *testing.T, db *sqlstore.DB, dsn string, version int, family string, check func(db *sqlstore.DB)) *sqlstore.DB {
	t.Helper()
	for _, q := range []string{
		"DELETE FROM agg WHERE family = '" + family + "'",
		"DELETE FROM agg_spans WHERE family = '" + family + "'",
		fmt.Sprintf("DELETE FROM goose_db_version WHERE version_id >= %d", version),
	} {
		if err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if check != nil {
		check(db)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
