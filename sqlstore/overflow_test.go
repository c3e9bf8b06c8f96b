package sqlstore_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// TestAggregateMoneyOverflow: won deals whose amounts add up past an int64
// of cents in one month are refused whole — in one write (a delta), in a
// second write (the delta merged into the stored row) and in a write that
// rebuilds — instead of storing a sum that wrapped around; what was stored
// stays, and its aggregates equal a rebuild.
func TestAggregateMoneyOverflow(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "overflow")
		half := money(math.MaxInt64/2 + 1)
		won := func(id string, d int) *rumbo.Deal {
			return &rumbo.Deal{ExternalID: id, Owner: "Ana", Amount: half, CreatedAt: day(1), ClosedAt: day(d).Add(time.Hour), Status: rumbo.DealWon}
		}
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, &rumbo.Deal{ExternalID: "D0", Owner: "Ana", Amount: money(100), CreatedAt: day(1), Status: rumbo.DealOpen})
		refused := func(what string, opts rumbo.WriteOptions, recs ...rumbo.Record) {
			t.Helper()
			opts.Now = t0
			err := db.Write(ctx, org, opts, func(w rumbo.Writer) error {
				for _, r := range recs {
					if _, err := w.Put(ctx, r); err != nil {
						return err
					}
				}
				return nil
			})
			if !errors.Is(err, agg.ErrOverflow) || rumbo.ErrorCode(err) != rumbo.EINVALID {
				t.Errorf("%s: %v, want agg.ErrOverflow (EINVALID)", what, err)
			}
		}
		refused("two deals in one write", rumbo.WriteOptions{}, won("D1", 2), won("D2", 3))
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 1 {
			t.Fatalf("%d deals stored after a refused write, want 1", n)
		}
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, won("D1", 2))
		refused("a second deal merged into the stored month", rumbo.WriteOptions{}, won("D2", 3))
		defer sqlstore.SetRebuildMin(1)()
		refused("a write that rebuilds", rumbo.WriteOptions{Expect: 500}, won("D2", 3))
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 2 {
			t.Fatalf("%d deals stored after refused writes, want 2", n)
		}
		sqlstoretest.CheckAggregates(t, db, org, "after refused writes")
	})
}
