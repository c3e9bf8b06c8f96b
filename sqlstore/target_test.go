package sqlstore_test

import (
	"context"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func TestTargets(t *testing.T) {
	q1s, q1e := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org, other := mustOrg(t, db, "acme"), mustOrg(t, db, "other")
		rev := &rumbo.Target{KPI: "revenue", Period: "2026-Q1", Start: q1s, End: q1e, Value: rat("123456789012345678901234.56")}
		ana := &rumbo.Target{KPI: "revenue", Period: "2026-Q1", Start: q1s, End: q1e, Scope: "owner", ScopeValue: "Ana", Value: rat("1/3")}
		win := &rumbo.Target{KPI: "win_rate", Period: "2026-Q1", Start: q1s, End: q1e, Value: rat("0.6315")}
		for _, tg := range []*rumbo.Target{win, rev, ana} {
			if err := db.SetTarget(ctx, org, tg); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetTarget(ctx, other, &rumbo.Target{KPI: "revenue", Period: "2026-Q1", Start: q1s, End: q1e, Value: rat("1")}); err != nil {
			t.Fatal(err)
		}
		// Same KPI, period and scope: replaced, same id.
		repl := &rumbo.Target{KPI: "revenue", Period: "Q1", Start: q1s, End: q1e, Scope: "owner", ScopeValue: "Ana", Value: rat("2/7")}
		if err := db.SetTarget(ctx, org, repl); err != nil {
			t.Fatal(err)
		}
		if repl.ID != ana.ID {
			t.Errorf("replacing target got id %d, want %d", repl.ID, ana.ID)
		}
		got, err := db.Targets(ctx, org, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []rumbo.Target{*rev, *repl, *win}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Targets = %+v\nwant %+v", got, want)
		}
		if got[0].Value.Cmp(rat("12345678901234567890123456/100")) != 0 {
			t.Errorf("revenue target = %s, not exact", got[0].Value.RatString())
		}
		got, _ = db.Targets(ctx, org, "win_rate")
		if len(got) != 1 || got[0].ID != win.ID {
			t.Errorf("Targets(win_rate) = %+v, want only the win rate target", got)
		}

		if err := db.DeleteTarget(ctx, org, win.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteTarget(ctx, org, win.ID), rumbo.ENOTFOUND, "")
		wantCode(t, db.DeleteTarget(ctx, other, rev.ID), rumbo.ENOTFOUND, "")
		err = db.SetTarget(ctx, org, &rumbo.Target{KPI: "revenue", Start: q1s, End: q1e, Scope: "region", ScopeValue: "x", Value: rat("1")})
		wantCode(t, err, rumbo.EINVALID, `target for revenue: invalid scope "region" (valid: owner, team, market)`)
	})
}

func TestKPIDefsAndBands(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org, other := mustOrg(t, db, "acme"), mustOrg(t, db, "other")
		calls := rumbo.KPIDef{Key: "follow_up_calls", Name: map[string]string{"es": "Llamadas de seguimiento", "en": "Follow-up calls"},
			Unit: "count", Additive: true,
			Aggregate: &rumbo.Aggregate{Entity: rumbo.EntityActivities, Func: "count", Time: "at", Filters: map[string]string{"type": "follow_up_call"}}}
		ratio := rumbo.KPIDef{Key: "calls_per_deal", Name: map[string]string{"es": "Llamadas por trato"}, Unit: "ratio",
			Ratio: &rumbo.Ratio{Numerator: rumbo.MetricRef{KPI: "follow_up_calls"},
				Denominator: rumbo.MetricRef{Aggregate: &rumbo.Aggregate{Entity: rumbo.EntityDeals, Func: "count"}}}}
		for _, d := range []*rumbo.KPIDef{&ratio, &calls} {
			if err := db.SaveKPI(ctx, org, d); err != nil {
				t.Fatal(err)
			}
		}
		calls.LowerIsBetter = true
		if err := db.SaveKPI(ctx, org, &calls); err != nil {
			t.Fatal(err)
		}
		got, err := db.CustomKPIs(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if want := []rumbo.KPIDef{ratio, calls}; !reflect.DeepEqual(got, want) {
			t.Errorf("CustomKPIs = %+v\nwant %+v", got, want)
		}
		if got, _ := db.CustomKPIs(ctx, other); len(got) != 0 {
			t.Errorf("other org KPIs = %+v, want none", got)
		}
		if err := db.DeleteKPI(ctx, org, "calls_per_deal"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteKPI(ctx, org, "calls_per_deal"), rumbo.ENOTFOUND, `KPI "calls_per_deal" not found`)

		bands := map[string]rumbo.Bands{
			"revenue":       {Green: 1, Yellow: 0.85},
			"response_time": {Green: 2.5, Yellow: 4.1, Absolute: true},
		}
		for k, b := range bands {
			if err := db.SetBands(ctx, org, k, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetBands(ctx, org, "revenue", rumbo.Bands{Green: 1.1, Yellow: 0.95}); err != nil {
			t.Fatal(err)
		}
		bands["revenue"] = rumbo.Bands{Green: 1.1, Yellow: 0.95}
		gotBands, err := db.AllBands(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotBands, bands) {
			t.Errorf("AllBands = %v, want %v", gotBands, bands)
		}
		if b, _ := db.AllBands(ctx, other); len(b) != 0 {
			t.Errorf("other org bands = %v, want none", b)
		}
	})
}
