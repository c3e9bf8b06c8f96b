package metric

import (
	"context"
	"encoding/csv"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// mavenDir is the shared Maven CRM data set, read at test time.
var mavenDir = filepath.Join("..", "..", "shared", "data", "maven-crm")

func readCSV(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(mavenDir, name))
	if err != nil {
		t.Fatalf("Maven data missing: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// loadMaven reads the Maven deals (engage_date as created_at, close_date as
// closed_at, sales_agent as owner) and agents (regional_office as team).
func loadMaven(t *testing.T, loc *time.Location, imported time.Time) *memSource {
	src := &memSource{imported: imported}
	for _, r := range readCSV(t, "sales_teams.csv") {
		src.people = append(src.people, rumbo.Person{ExternalID: r["sales_agent"], Name: r["sales_agent"], Team: r["regional_office"]})
	}
	status := map[string]string{"Won": rumbo.DealWon, "Lost": rumbo.DealLost, "Engaging": rumbo.DealOpen, "Prospecting": rumbo.DealOpen}
	date := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, r := range readCSV(t, "sales_pipeline.csv") {
		d := rumbo.Deal{ExternalID: r["opportunity_id"], Owner: r["sales_agent"], Customer: r["account"],
			Stage: r["deal_stage"], Status: status[r["deal_stage"]], CreatedAt: date(r["engage_date"]),
			ClosedAt: date(r["close_date"]), FirstSeenAt: imported, Fields: rumbo.Fields{"product": r["product"]}}
		if r["close_value"] != "" {
			d.Amount = money(r["close_value"])
		}
		src.deals = append(src.deals, d)
	}
	return src
}

// TestMaven reproduces every figure published for the Maven CRM data set
// (../shared/data/README.md).
func TestMaven(t *testing.T) {
	loc := madrid(t)
	imported := time.Date(2026, 5, 1, 9, 0, 0, 0, loc)
	now := imported.Add(time.Hour)
	src := loadMaven(t, loc, imported)
	e := New(src, func() time.Time { return now })
	org := &rumbo.Org{ID: 1, Slug: "maven", TimeZone: "Europe/Madrid"}
	y2017, err := rumbo.ParsePeriod("2017", loc)
	if err != nil {
		t.Fatal(err)
	}
	compute := func(t *testing.T, q Query) *Result {
		t.Helper()
		res, err := e.Compute(context.Background(), org, q)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// value formats a row's value (or stat) to the published precision.
	type check struct {
		name  string
		q     Query
		group string // the row's group value; "" without breakdown
		get   func(r Row) *Value
		scale int // decimals published: ratios as percentages
		pct   bool
		want  string
	}
	value := func(r Row) *Value { return r.Value }
	med := func(r Row) *Value { return r.Stats.Median }
	count := func(r Row) *Value { return &Value{Rat: ratInt(r.Stats.Count), Unit: UnitCount} }
	year := func(key string) Query { return Query{Key: key, Period: &y2017} }
	by := func(key, dim string) Query { return Query{Key: key, Period: &y2017, By: dim} }
	darcel := func(key string) Query {
		return Query{Key: key, Period: &y2017, Filters: []Filter{{Field: "owner", Value: "Darcel Schlecht"}}}
	}
	checks := []check{
		{"won revenue", year("revenue"), "", value, 2, false, "10005534.00"},
		{"won deals", year("revenue"), "", count, 0, false, "4238"},
		{"win rate", year("win_rate"), "", value, 2, true, "63.15"},
		{"win rate closed deals", year("win_rate"), "", count, 0, false, "6711"},
		{"average won deal", year("avg_deal_value"), "", value, 2, false, "2360.91"},
		{"average won deal count", year("avg_deal_value"), "", count, 0, false, "4238"},
		{"average cycle", year("sales_cycle_days"), "", value, 2, false, "51.78"},
		{"median cycle", year("sales_cycle_days"), "", med, 0, false, "57"},
		{"revenue West", by("revenue", "team"), "West", value, 0, false, "3568647"},
		{"revenue Central", by("revenue", "team"), "Central", value, 0, false, "3346293"},
		{"revenue East", by("revenue", "team"), "East", value, 0, false, "3090594"},
		{"win rate West", by("win_rate", "team"), "West", value, 1, true, "63.9"},
		{"win rate Central", by("win_rate", "team"), "Central", value, 1, true, "62.6"},
		{"win rate East", by("win_rate", "team"), "East", value, 1, true, "63.0"},
		{"Darcel revenue", darcel("revenue"), "", value, 0, false, "1153214"},
		{"Darcel won", darcel("new_market_sales"), "", value, 0, false, "349"},
		{"Darcel win rate", darcel("win_rate"), "", value, 1, true, "63.1"},
		{"Darcel cycle", darcel("sales_cycle_days"), "", value, 1, false, "49.4"},
		{"Darcel by owner", by("revenue", "owner"), "Darcel Schlecht", value, 0, false, "1153214"},
		{"open deals now", Query{Key: "open_deals"}, "", value, 0, false, "2089"},
		{"open pipeline value", Query{Key: "pipeline_value"}, "", value, 2, false, "0.00"},
		{"open deals without amount", Query{Key: "pipeline_value"}, "", func(r Row) *Value {
			return &Value{Rat: ratInt(*r.Stats.WithoutAmount), Unit: UnitCount}
		}, 0, false, "2089"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			res := compute(t, c.q)
			var row *Row
			for i := range res.Rows {
				if c.group == "" || res.Rows[i].Group[c.q.By] == c.group {
					row = &res.Rows[i]
					break
				}
			}
			if row == nil {
				t.Fatalf("no row for %q in %+v", c.group, res.Rows)
			}
			v := c.get(*row)
			if v == nil {
				t.Fatal("null value")
			}
			r := v.Rat
			if c.pct {
				r = new(big.Rat).Mul(r, ratInt(100))
			}
			if got := r.FloatString(c.scale); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}

	t.Run("by quarter of close", func(t *testing.T) {
		res := compute(t, Query{Key: "revenue", Period: &y2017, Grain: rumbo.GrainQuarter})
		want := map[string]string{"2017-Q1": "1134672.00", "2017-Q2": "3086111.00", "2017-Q3": "2982255.00", "2017-Q4": "2802496.00"}
		if len(res.Rows) != 4 {
			t.Fatalf("got %d rows, want 4", len(res.Rows))
		}
		for _, r := range res.Rows {
			if got := r.Value.String(); got != want[r.Period] {
				t.Errorf("%s: got %s, want %s", r.Period, got, want[r.Period])
			}
		}
	})
	t.Run("exact values", func(t *testing.T) {
		res := compute(t, year("win_rate"))
		if got := res.Rows[0].Value.Rat; got.Cmp(big.NewRat(4238, 6711)) != 0 {
			t.Errorf("win rate = %s, want 4238/6711", got.RatString())
		}
		res = compute(t, year("avg_deal_value"))
		if got := res.Rows[0].Value.String(); got != "2360.909391" {
			t.Errorf("avg deal value = %s, want 2360.909391", got)
		}
	})
	t.Run("as of", func(t *testing.T) {
		if res := compute(t, year("revenue")); !res.AsOf.Equal(imported) {
			t.Errorf("as of %v, want %v", res.AsOf, imported)
		}
	})
}

func ratInt(i int) *big.Rat { return big.NewRat(int64(i), 1) }
