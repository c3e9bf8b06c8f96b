package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// TestBulkWriteIndexes: a write that expects more records than the table
// holds, and rebuilds their aggregates, drops the table's secondary indexes
// on SQLite and creates them again before it commits (the same
// definitions, a sound database, the aggregates equal to a rebuild); one
// that fails leaves them as they were; one into a table holding more rows
// than it brings, or that keeps deltas (its families are large: deltas read
// related rows through the indexes), keeps them; PostgreSQL never drops
// them. Large writes run without SQLite's foreign-key checks, which every
// connection has back afterwards (after the failed write too).
func TestBulkWriteIndexes(t *testing.T) {
	defer sqlstore.SetBulkMin(100)()
	defer sqlstore.SetRebuildMin(100)()
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var dropped []string
		defer sqlstore.OnBulkIndexes(func(table string, names []string) {
			dropped = append(dropped, names...)
		})()
		indexes := func() []string {
			t.Helper()
			q := "SELECT COALESCE(sql, name) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'deals' ORDER BY name"
			if db.Dialect() == sqlstore.DialectPostgres {
				q = "SELECT indexdef FROM pg_indexes WHERE tablename = 'deals' ORDER BY indexname"
			}
			defs, err := db.Strings(q)
			if err != nil {
				t.Fatal(err)
			}
			return defs
		}
		before := indexes()
		deals := func(from, n int) []rumbo.Record {
			var recs []rumbo.Record
			for i := from; i < from+n; i++ {
				d := &rumbo.Deal{ExternalID: fmt.Sprint("D", i), Owner: []string{"Ana", "Luis"}[i%2], Customer: fmt.Sprint("C", i%40),
					Market: "España", Amount: money(int64(1000 * (i%7 + 1))), CreatedAt: day(1 + i%20), Status: rumbo.DealOpen}
				if i%3 == 0 {
					d.Status, d.ClosedAt = rumbo.DealWon, day(2+i%25)
				}
				if i%5 == 0 {
					d.Lead = fmt.Sprint("L", i)
				}
				recs = append(recs, d)
			}
			return recs
		}

		// 2,000 leads make the deal and lead families large: 300 deals then
		// keep deltas, and the indexes.
		big := mustOrg(t, db, "bulk-big")
		var leads []rumbo.Record
		for i := range 2000 {
			leads = append(leads, &rumbo.Lead{ExternalID: fmt.Sprint("L", i), CreatedAt: day(1 + i%20), Owner: "Ana"})
		}
		if db.Dialect() == sqlstore.DialectPostgres {
			if got := reltuples(t, db); got != "-1 -1" {
				t.Fatalf("agg and leads reltuples before any write: %s", got)
			}
		}
		putBatches(t, db, big, rumbo.WriteOptions{Now: day(28)}, leads)
		if db.Dialect() == sqlstore.DialectPostgres {
			// The write rebuilt the lead family: it analyzed what it wrote.
			if got := reltuples(t, db); got == "-1 -1" || strings.Contains(got, "-1") {
				t.Fatalf("agg and leads reltuples after a rebuilding write: %s (not analyzed)", got)
			}
		}
		dropped = nil
		putBatches(t, db, big, rumbo.WriteOptions{Now: day(28), Expect: 300}, deals(0, 300))
		if len(dropped) > 0 {
			t.Fatalf("a write keeping deltas dropped %v", dropped)
		}
		sqlstoretest.CheckAggregates(t, db, big, "after deltas")

		// A failing write: the indexes it dropped come back with the rollback.
		org := mustOrg(t, db, "bulk")
		dropped = nil
		boom := errors.New("boom")
		err := db.Write(ctx, org, rumbo.WriteOptions{Now: day(28), Expect: 400}, func(w rumbo.Writer) error {
			recs := deals(0, 400)
			if err := rumbo.PutAll(ctx, w, recs, make([]rumbo.Outcome, len(recs)), make([]error, len(recs))); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("failing write: %v", err)
		}
		if got := indexes(); !slices.Equal(got, before) {
			t.Fatalf("after a failed write the indexes are\n%q\nwant\n%q", got, before)
		}
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 0 {
			t.Fatalf("%d deals after a failed write", n)
		}

		dropped = nil
		putBatches(t, db, org, rumbo.WriteOptions{Now: day(28), Expect: 400}, deals(0, 200), deals(200, 200))
		if db.Dialect() == sqlstore.DialectPostgres {
			if len(dropped) > 0 {
				t.Fatalf("PostgreSQL dropped %v", dropped)
			}
		} else if want := []string{"deals_closed", "deals_created", "deals_customer", "deals_lead", "deals_market", "deals_owner", "deals_seen"}; !slices.Equal(dropped, want) {
			t.Fatalf("dropped %v, want %v", dropped, want)
		}
		if got := indexes(); !slices.Equal(got, before) {
			t.Fatalf("after a bulk write the indexes are\n%q\nwant\n%q", got, before)
		}
		if db.Dialect() == sqlstore.DialectSQLite {
			if ok, err := db.Strings("PRAGMA integrity_check"); err != nil || !slices.Equal(ok, []string{"ok"}) {
				t.Fatalf("integrity_check: %v %v", ok, err)
			}
			if ok, err := db.Strings("PRAGMA foreign_key_check"); err != nil || len(ok) > 0 {
				t.Fatalf("foreign_key_check: %v %v", ok, err)
			}
			// The bulk writes ran without foreign-key checks: every
			// connection has them back.
			if fks, err := db.ForeignKeys(8); err != nil || slices.Contains(fks, "0") {
				t.Fatalf("foreign_keys of the pool's connections: %v %v", fks, err)
			}
		}
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 400 {
			t.Fatalf("%d deals, want 400", n)
		}
		sqlstoretest.CheckAggregates(t, db, org, "after a bulk write")

		// 300 more expected, 700 stored in the table: the indexes stay.
		dropped = nil
		putBatches(t, db, org, rumbo.WriteOptions{Now: day(28).Add(time.Hour), Expect: 300}, deals(400, 300))
		if len(dropped) > 0 {
			t.Fatalf("a write into a larger table dropped %v", dropped)
		}
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 700 {
			t.Fatalf("%d deals, want 700", n)
		}
	})
}

// reltuples returns PostgreSQL's row estimates of agg and leads, -1 until
// the table is analyzed.
func reltuples(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	got, err := db.Strings("SELECT reltuples::bigint::text FROM pg_class WHERE relname IN ('agg', 'leads') ORDER BY relname")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(got, " ")
}

// TestCanceledBulkWriteForeignKeys: a large SQLite write (foreign-key
// checks off) whose context is canceled must not return its connection to
// the pool with the checks still off. database/sql rolls a canceled
// transaction back on a goroutine of its own: when that rollback comes
// after Write turns the checks back on, the pragma runs inside the still
// open transaction, where SQLite ignores it without an error, and a later
// Delete on that connection would remove a team people still refer to.
func TestCanceledBulkWriteForeignKeys(t *testing.T) {
	defer sqlstore.SetBulkMin(1)()
	db := sqlstoretest.MustOpenDB(t)
	org := mustOrg(t, db, "fk")
	mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, sampleRecords()...)
	for i := range 2000 {
		ctx, cancel := context.WithCancel(context.Background())
		err := db.Write(ctx, org, rumbo.WriteOptions{Now: t0, Expect: 10}, func(w rumbo.Writer) error {
			cancel()
			return ctx.Err()
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("write %d: %v", i, err)
		}
		if err := db.Delete(context.Background(), org, rumbo.EntityTeams, []string{"T1"}); rumbo.ErrorCode(err) != rumbo.ECONFLICT {
			t.Fatalf("after %d canceled bulk writes, deleting team T1, which people refer to: %v, want ECONFLICT", i+1, err)
		}
	}
	fks, err := db.ForeignKeys(16)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(fks, "0") {
		t.Fatalf("after canceled bulk writes, a pooled connection has foreign_keys = 0: %v", fks)
	}
}
