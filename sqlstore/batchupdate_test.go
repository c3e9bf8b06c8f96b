package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// TestBatchUpdates writes a batch that changes many stored deals at once
// (on PostgreSQL, enough to go through COPY and one UPDATE) and a second
// such batch in the same transaction, and checks every value and the
// aggregates.
func TestBatchUpdates(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := &rumbo.Org{Slug: "upd"}
		if err := db.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)
		deals := func(n, first int, amount func(i int) rumbo.Money) []rumbo.Record {
			var out []rumbo.Record
			for i := first; i < first+n; i++ {
				a := amount(i)
				out = append(out, &rumbo.Deal{ExternalID: fmt.Sprint("D", i), Owner: fmt.Sprint("Rep ", i%4), Amount: &a,
					CreatedAt: base.AddDate(0, 0, i%30), ClosedAt: base.AddDate(0, 1, i%20), Status: rumbo.DealWon})
			}
			return out
		}
		write := func(batches ...[]rumbo.Record) {
			t.Helper()
			putBatches(t, db, org.ID, rumbo.WriteOptions{Now: base.AddDate(0, 3, 0)}, batches...)
		}
		write(deals(300, 0, func(i int) rumbo.Money { return rumbo.Money(100 * (i + 1)) }))
		// Two batches of 150 changed deals each, in one transaction.
		write(deals(150, 0, func(i int) rumbo.Money { return rumbo.Money(7 * (i + 1)) }),
			deals(150, 150, func(i int) rumbo.Money { return rumbo.Money(9 * (i + 1)) }))
		got, err := db.Deals(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 300 {
			t.Fatalf("%d deals stored, want 300", len(got))
		}
		for _, d := range got {
			var i int
			fmt.Sscanf(d.ExternalID, "D%d", &i)
			want := rumbo.Money(7 * (i + 1))
			if i >= 150 {
				want = rumbo.Money(9 * (i + 1))
			}
			if d.Amount == nil || *d.Amount != want {
				t.Fatalf("deal %s: amount %v, want %d", d.ExternalID, d.Amount, want)
			}
		}
		sqlstoretest.CheckAggregates(t, db, org.ID, "after the updates")
	})
}
