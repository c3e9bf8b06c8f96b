package metric_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// TestOpenDealsOnAGapDay: on a day that begins at 23:00 the evening before
// (Santiago, 7 September 2025: clocks forward at midnight), the open deals
// from the aggregates count the day's own events, as the raw records do.
func TestOpenDealsOnAGapDay(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		loc, _ := time.LoadLocation("America/Santiago")
		now := time.Date(2025, 10, 15, 12, 0, 0, 0, loc)
		org := orgWith(t, db, "America/Santiago", now,
			&rumbo.Deal{ExternalID: "D1", Owner: "Ana", Status: rumbo.DealOpen, CreatedAt: time.Date(2025, 9, 2, 10, 0, 0, 0, loc)},
			&rumbo.Deal{ExternalID: "D2", Owner: "Ana", Status: rumbo.DealOpen, CreatedAt: time.Date(2025, 9, 7, 10, 0, 0, 0, loc)})
		fast := metric.New(db, func() time.Time { return now })
		raw := fast.Raw()
		day, _ := rumbo.ParsePeriod("2025-09-07", loc)
		res, err := raw.Compute(ctx, org, metric.Query{Key: "open_deals", Period: &day})
		if err != nil {
			t.Fatal(err)
		}
		if v := res.Rows[0].Value; v == nil || v.Rat.Cmp(big.NewRat(2, 1)) != 0 {
			t.Errorf("raw open_deals 2025-09-07 = %v, want 2", v)
		}
		for _, q := range []metric.Query{{Key: "open_deals", Period: &day}, {Key: "pipeline_value", Period: &day, By: "owner"}} {
			got, err := fast.Compute(ctx, org, q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := raw.Compute(ctx, org, q)
			if err != nil {
				t.Fatal(err)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if !bytes.Equal(gj, wj) {
				t.Errorf("%s:\n aggregates %s\n raw        %s", q.Key, gj, wj)
			}
		}
	})
}

// orgWith creates an organisation in the zone and writes the records into
// it, as of now.
func orgWith(t *testing.T, db *sqlstore.DB, zone string, now time.Time, recs ...rumbo.Record) *rumbo.Org {
	t.Helper()
	ctx := context.Background()
	org := &rumbo.Org{Slug: "org", TimeZone: zone}
	if err := db.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, org.ID, rumbo.WriteOptions{Now: now}, func(w rumbo.Writer) error {
		for _, r := range recs {
			if _, err := w.Put(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return org
}
