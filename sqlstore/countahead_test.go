package sqlstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// TestCountAhead: the rows counted ahead come out all and in order, and a
// loop broken off early stops the goroutine counting them (a failed write
// of aggregates must not leave it blocked).
func TestCountAhead(t *testing.T) {
	const n = 5000
	source := func(done chan<- int) func(func(agg.EncodedRow) bool) {
		return func(yield func(agg.EncodedRow) bool) {
			i := 0
			defer func() { done <- i }()
			for ; i < n; i++ {
				if !yield(agg.EncodedRow{Key: agg.Key{Start: int64(i)}}) {
					return
				}
			}
		}
	}

	done := make(chan int, 1)
	i := 0
	for r := range sqlstore.CountAhead(source(done)) {
		if r.Start != int64(i) {
			t.Fatalf("row %d has start %d", i, r.Start)
		}
		i++
	}
	if i != n || <-done != n {
		t.Fatalf("%d rows of %d", i, n)
	}

	for _, stopAfter := range []int{0, 1, 700} {
		done := make(chan int, 1)
		seen := 0
		for range sqlstore.CountAhead(source(done)) {
			if seen == stopAfter {
				break
			}
			seen++
		}
		select {
		case produced := <-done:
			if produced == n {
				t.Errorf("broken off after %d rows, the source was read to its end", stopAfter)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("broken off after %d rows, the counting goroutine is still blocked", stopAfter)
		}
	}
}

// countAheadGoroutines returns how many goroutines run countAhead's
// counting function.
func countAheadGoroutines() int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "sqlstore.countAhead.func")
}

// TestRebuildFailureStopsCountAhead: a rebuild whose writing of a family
// fails before reading its rows (here its DELETE of the old rows) must not
// leave the goroutine counting that family's rows blocked, holding the
// family's builder.
func TestRebuildFailureStopsCountAhead(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "leak")
		var recs []rumbo.Record
		for i := range 3000 {
			// One lead a day: more stored rows than countAhead keeps ready.
			recs = append(recs, &rumbo.Lead{ExternalID: fmt.Sprint("L", i), CreatedAt: time.Date(2018, 1, 1+i, 9, 0, 0, 0, time.UTC), Owner: fmt.Sprint("O", i%50)})
		}
		putBatches(t, db, org, rumbo.WriteOptions{Now: day(28)}, recs)
		trigger := "CREATE TRIGGER agg_no_delete BEFORE DELETE ON agg BEGIN SELECT RAISE(ABORT, 'boom'); END"
		if db.Dialect() == sqlstore.DialectPostgres {
			if err := db.Exec(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`); err != nil {
				t.Fatal(err)
			}
			trigger = "CREATE TRIGGER agg_no_delete BEFORE DELETE ON agg FOR EACH ROW EXECUTE FUNCTION boom()"
		}
		if err := db.Exec(trigger); err != nil {
			t.Fatal(err)
		}
		before := countAheadGoroutines()
		if err := db.RebuildAggregates(ctx, org); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("RebuildAggregates: %v, want the trigger's error", err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for countAheadGoroutines() > before {
			if time.Now().After(deadline) {
				t.Fatalf("%d countAhead goroutines still running after the failed rebuild (%d before)", countAheadGoroutines(), before)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
