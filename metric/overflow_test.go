package metric_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// TestSumOverflow: two won deals a year apart whose amounts each fit their
// year's aggregate but add up past an int64 of cents: revenue over both
// years is an error, not a wrapped-around number; over each year it is
// exact.
func TestSumOverflow(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		half := rumbo.Money(math.MaxInt64/2 + 1)
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var recs []rumbo.Record
		for i, y := range []int{2024, 2025} {
			at := time.Date(y, 6, 10, 12, 0, 0, 0, time.UTC)
			recs = append(recs, &rumbo.Deal{ExternalID: string(rune('A' + i)), Owner: "Ana", Amount: &half,
				CreatedAt: at.AddDate(0, 0, -3), ClosedAt: at, Status: rumbo.DealWon})
		}
		org := orgWith(t, db, "UTC", now, recs...)
		e := metric.New(db, func() time.Time { return now })
		period := func(s string) *rumbo.Period {
			p, err := rumbo.ParsePeriod(s, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			return &p
		}
		res, err := e.Compute(ctx, org, metric.Query{Key: "revenue", Period: period("2024")})
		if err != nil {
			t.Fatalf("revenue 2024: %v", err)
		}
		if got := res.Rows[0].Value.String(); got != half.String() {
			t.Errorf("revenue 2024 = %s, want %s", got, half)
		}
		_, err = e.Compute(ctx, org, metric.Query{Key: "revenue", Period: period("2024-01-01..2025-12-31")})
		if !errors.Is(err, agg.ErrOverflow) {
			t.Errorf("revenue over 2024 and 2025: %v, want agg.ErrOverflow", err)
		}
	})
}
