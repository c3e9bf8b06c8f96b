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

// TestWritesKeepAggregates checks that batched writes keep the aggregates
// equal to a rebuild, also when a transaction changes enough records to
// switch from keeping a delta to rebuilding at commit halfway through.
func TestWritesKeepAggregates(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := &rumbo.Org{Slug: "agg"}
		if err := db.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
		deal := func(i int, status string) rumbo.Record {
			amt := rumbo.Money(1000 * (i%7 + 1))
			d := &rumbo.Deal{ExternalID: fmt.Sprint("D", i), Lead: fmt.Sprint("L", i%40), Owner: fmt.Sprint("Rep ", i%3),
				Amount: &amt, CreatedAt: base.AddDate(0, 0, i%50), Status: status}
			if i%4 == 0 {
				d.Customer = fmt.Sprint("Cliente ", i%9)
			}
			if status != rumbo.DealOpen {
				d.ClosedAt = base.AddDate(0, 0, 60-i%45)
			}
			return d
		}
		expect := 0
		write := func(batches ...[]rumbo.Record) {
			t.Helper()
			putBatches(t, db, org.ID, rumbo.WriteOptions{Now: base.AddDate(0, 3, 0), Expect: expect}, batches...)
		}
		var leads, first []rumbo.Record
		for i := range 40 {
			leads = append(leads, &rumbo.Lead{ExternalID: fmt.Sprint("L", i), CreatedAt: base.AddDate(0, 0, -i),
				Company: fmt.Sprint("Empresa ", i%6), Channel: "web"})
		}
		for i := range 100 {
			first = append(first, deal(i, []string{rumbo.DealOpen, rumbo.DealWon, rumbo.DealLost}[i%3]))
		}
		write(leads, first)
		sqlstoretest.CheckAggregates(t, db, org.ID, "after 40 leads and 100 deals")

		defer sqlstore.SetRebuildMin(10)()
		var small, large []rumbo.Record
		for i := range 10 {
			small = append(small, deal(i, rumbo.DealWon)) // updates: a delta
		}
		for i := 100; i < 130; i++ {
			large = append(large, deal(i, rumbo.DealWon)) // 40 changes > 100/4: a rebuild at commit
		}
		write(small, large)
		sqlstoretest.CheckAggregates(t, db, org.ID, "after a write that switched to a rebuild")

		expect = 500 // an import of 500 rows: a rebuild from its first batch
		write([]rumbo.Record{deal(3, rumbo.DealLost), deal(140, rumbo.DealWon)})
		sqlstoretest.CheckAggregates(t, db, org.ID, "after a write expecting many records")

		if err := db.Delete(ctx, org.ID, rumbo.EntityDeals, []string{"D1", "D2", "D120"}); err != nil {
			t.Fatal(err)
		}
		sqlstoretest.CheckAggregates(t, db, org.ID, "after deleting deals")
	})
}
