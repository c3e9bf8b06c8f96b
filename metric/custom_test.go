package metric

import (
	"context"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
)

func TestCustomKPIs(t *testing.T) {
	loc := madrid(t)
	agg := func(e rumbo.Entity, fn, field, tf string, filters map[string]string) *rumbo.Aggregate {
		return &rumbo.Aggregate{Entity: e, Func: fn, Field: field, Time: tf, Filters: filters}
	}
	won := map[string]string{"status": "won"}
	custom := []rumbo.KPIDef{
		{Key: "won_count", Unit: UnitCount, Additive: true, Aggregate: agg(rumbo.EntityDeals, "count", "", "", won)},
		{Key: "won_sum", Unit: UnitMoney, Additive: true, Aggregate: agg(rumbo.EntityDeals, "sum", "amount", "closed_at", won)},
		{Key: "won_avg", Unit: UnitMoney, Aggregate: agg(rumbo.EntityDeals, "avg", "amount", "", won)},
		{Key: "won_median", Unit: UnitMoney, Aggregate: agg(rumbo.EntityDeals, "median", "amount", "", won)},
		{Key: "won_customers", Unit: UnitCount, Aggregate: agg(rumbo.EntityDeals, "count_distinct", "customer", "", won)},
		{Key: "deals_created", Unit: UnitCount, Additive: true, Aggregate: agg(rumbo.EntityDeals, "count", "", "created_at", nil)},
		{Key: "revenue_per_activity", Unit: UnitMoney, Ratio: &rumbo.Ratio{
			Numerator: rumbo.MetricRef{KPI: "revenue"}, Denominator: rumbo.MetricRef{Aggregate: agg(rumbo.EntityActivities, "count", "", "", nil)}}},
		{Key: "formula_ratio", Unit: UnitMoney, Formula: "revenue / activities"},
		{Key: "formula_max", Unit: UnitRatio, Formula: "max(win_rate, 0.8)"},
		{Key: "formula_nested", Unit: UnitNumber, Formula: "won_count * 2 + abs(-1)"},
		{Key: "formula_zero_div", Unit: UnitNumber, Formula: "revenue / (activities - activities)"},
	}
	q2 := period(t, "2017-Q2", loc)
	tests := []struct {
		key, by string
		want    map[string]string
	}{
		// Won in Q2: D1 1000, D2 500, D4 no amount.
		{"won_count", "", map[string]string{"": "3"}},
		{"won_sum", "", map[string]string{"": "1500"}},
		{"won_avg", "", map[string]string{"": "750"}},
		{"won_median", "", map[string]string{"": "750"}},
		// Alfa (D1, D4) and Beta (D2's customer through its lead).
		{"won_customers", "", map[string]string{"": "2"}},
		{"won_count", "owner", map[string]string{"Ana": "2", "Luis": "1"}},
		// Created in Q2: D1, D2, D3, D6, D8.
		{"deals_created", "", map[string]string{"": "5"}},
		{"revenue_per_activity", "", map[string]string{"": "375"}},
		{"formula_ratio", "", map[string]string{"": "375"}},
		{"formula_max", "", map[string]string{"": "4/5"}},
		{"formula_nested", "", map[string]string{"": "7"}},
		{"formula_zero_div", "", map[string]string{"": "null"}},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.by, func(t *testing.T) {
			src := acme(t)
			src.custom = custom
			res := compute(t, src, "", Query{Key: tt.key, Period: q2, By: tt.by})
			if len(res.Rows) != len(tt.want) {
				t.Fatalf("got %d rows, want %d", len(res.Rows), len(tt.want))
			}
			for _, r := range res.Rows {
				w := tt.want[r.Group[tt.by]]
				switch {
				case w == "null" && r.Value != nil:
					t.Errorf("%v: got %s, want null", r.Group, r.Value.Rat.RatString())
				case w != "null" && (r.Value == nil || r.Value.Rat.Cmp(rat(w)) != 0):
					t.Errorf("%v: got %v, want %s", r.Group, r.Value, w)
				}
			}
		})
	}
	t.Run("definitions list built-ins then custom", func(t *testing.T) {
		src := acme(t)
		src.custom = custom
		defs, err := New(src, nil).Definitions(context.Background(), &rumbo.Org{ID: 1, TimeZone: "Europe/Madrid"})
		if err != nil {
			t.Fatal(err)
		}
		if len(defs) != len(builtins)+len(custom) || defs[0].Key != "revenue" || defs[len(builtins)].Key != "won_count" {
			t.Errorf("got %d definitions starting %s", len(defs), defs[0].Key)
		}
	})
}

func TestValidate(t *testing.T) {
	others := []rumbo.KPIDef{
		{Key: "a", Unit: UnitNumber, Formula: "b + 1"},
		{Key: "b", Unit: UnitNumber, Formula: "a + 1"},
	}
	tests := []struct {
		name string
		def  rumbo.KPIDef
		want string // substring of the error; "" for valid
	}{
		{"valid formula", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Formula: "revenue / max(activities, 1)"}, ""},
		{"function not allowed", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Formula: "len(\"abc\")"}, "formula"},
		{"unknown variable", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Formula: "foo * 2"}, "unknown name foo"},
		{"too long", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Formula: strings.Repeat("1+", 300) + "1"}, "longer than 500"},
		{"cycle", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Formula: "a"}, "refers to itself"},
		{"built-in key", rumbo.KPIDef{Key: "revenue", Unit: UnitMoney, Formula: "1"}, "built-in"},
		{"bad key", rumbo.KPIDef{Key: "Bad Key", Unit: UnitNumber, Formula: "1"}, "lower-case"},
		{"none set", rumbo.KPIDef{Key: "x", Unit: UnitNumber}, "exactly one"},
		{"bad unit", rumbo.KPIDef{Key: "x", Unit: "parsecs", Formula: "1"}, "unknown unit"},
		{"bad func", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Aggregate: &rumbo.Aggregate{Entity: rumbo.EntityDeals, Func: "mode"}}, "unknown aggregation"},
		{"sum without field", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Aggregate: &rumbo.Aggregate{Entity: rumbo.EntityDeals, Func: "sum"}}, "needs a field"},
		{"bad time field", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Aggregate: &rumbo.Aggregate{Entity: rumbo.EntityLeads, Func: "count", Time: "closed_at"}}, "no time field"},
		{"bad entity", rumbo.KPIDef{Key: "x", Unit: UnitNumber, Aggregate: &rumbo.Aggregate{Entity: rumbo.EntityTeams, Func: "count"}}, "cannot aggregate"},
		{"ratio of unknown KPI", rumbo.KPIDef{Key: "x", Unit: UnitRatio, Ratio: &rumbo.Ratio{Numerator: rumbo.MetricRef{KPI: "zzz"}, Denominator: rumbo.MetricRef{KPI: "revenue"}}}, "unknown KPI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.def, others)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || rumbo.ErrorCode(err) != rumbo.EINVALID):
				t.Errorf("error = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
}

func TestStats(t *testing.T) {
	loc := madrid(t)
	src := acme(t)
	res := compute(t, src, "", Query{Key: "sales_cycle_days", Period: period(t, "2017", loc)})
	// Won in 2017 with a first contact: D5 10 days (L5 03-20 → 03-30), D1 17, D2 35, D8 20 (L4 06-15 → 07-05).
	st := res.Rows[0].Stats
	if st.Count != 4 || st.Median.Rat.Cmp(rat("37/2")) != 0 || st.Mean.Rat.Cmp(rat("41/2")) != 0 {
		t.Errorf("cycle stats: count %d, median %s, mean %s; want 4, 37/2, 41/2", st.Count, st.Median.Rat.RatString(), st.Mean.Rat.RatString())
	}
	// 4 activities in the 91 days of Q2: 4 × 7 ÷ 91 a week.
	res = compute(t, src, "", Query{Key: "activities", Period: period(t, "2017-Q2", loc)})
	if got := res.Rows[0].Stats.PerWeek.Rat; got.Cmp(rat("4/13")) != 0 {
		t.Errorf("per week = %s, want 4/13", got.RatString())
	}
	// The cohort of Q2 matures 90 days after 1 July.
	for _, c := range []struct {
		now  string
		want bool
	}{{"2017-09-28 23:00", true}, {"2017-09-29 00:00", false}} {
		res = compute(t, src, c.now, Query{Key: "lead_conversion_cohort", Period: period(t, "2017-Q2", loc)})
		if res.Rows[0].Immature != c.want {
			t.Errorf("at %s immature = %v, want %v", c.now, res.Rows[0].Immature, c.want)
		}
	}
}
