package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// Changing the organisation's time zone rebuilds the per-day aggregates:
// a deal won at 23:30 UTC on 31 March is Q2 in Madrid and Q1 in UTC.
func TestUpdateOrgTimeZoneRebuildsAggregates(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		orgID := mustOrg(t, db, "acme")
		mustPut(t, db, orgID, rumbo.WriteOptions{Now: t0},
			&rumbo.Deal{ExternalID: "D1", Owner: "Ana", Amount: money(10000), CreatedAt: day(2),
				ClosedAt: time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC), Status: rumbo.DealWon})
		now := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
		eng := metric.New(db, now)
		revenue := func(org *rumbo.Org, period string) string {
			t.Helper()
			loc, err := org.Location()
			if err != nil {
				t.Fatal(err)
			}
			p, err := rumbo.ParsePeriod(period, loc)
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Compute(ctx, org, metric.Query{Key: "revenue", Period: &p})
			if err != nil {
				t.Fatal(err)
			}
			return res.Rows[0].Value.String()
		}
		org, err := db.FindOrg(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if q1, q2 := revenue(org, "2026-Q1"), revenue(org, "2026-Q2"); q1 != "0.00" || q2 != "100.00" {
			t.Errorf("Europe/Madrid: Q1 %s, Q2 %s; want 0.00 and 100.00", q1, q2)
		}
		org.TimeZone = "UTC"
		if err := db.UpdateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		if q1, q2 := revenue(org, "2026-Q1"), revenue(org, "2026-Q2"); q1 != "100.00" || q2 != "" {
			t.Errorf("UTC: Q1 %s, Q2 %s; want 100.00 and none (Q2 lies outside the data in UTC)", q1, q2)
		}
	})
}
