package metric

import (
	"math"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

func target(t testing.TB, kpi, per, scope, value, v string) rumbo.Target {
	p := period(t, per, madrid(t))
	return rumbo.Target{KPI: kpi, Period: per, Start: p.Start.UTC(), End: p.End.UTC(), Scope: scope, ScopeValue: value, Value: rat(v)}
}

func TestTargetsAndHealth(t *testing.T) {
	loc := madrid(t)
	tests := []struct {
		name    string
		now     string
		q       Query
		targets []rumbo.Target
		bands   map[string]rumbo.Bands
		group   string
		// want
		target, proRata string // "" for none
		health          rumbo.Health
		achievement     float64 // -1 for none
	}{
		// Q2 has 91 days of 24 h; on 16 May 45 have elapsed: 9100 × 45/91 = 4500; 1500 ÷ 4500.
		{name: "pro-rata target in an unfinished quarter", now: "2017-05-16 00:00",
			q: Query{Key: "revenue", Period: period(t, "2017-Q2", loc)}, targets: []rumbo.Target{target(t, "revenue", "2017-Q2", "", "", "9100")},
			target: "9100", proRata: "4500", health: rumbo.HealthRed, achievement: 1.0 / 3},
		{name: "finished quarter compares the full target",
			q: Query{Key: "revenue", Period: period(t, "2017-Q2", loc)}, targets: []rumbo.Target{target(t, "revenue", "2017-Q2", "", "", "1600")},
			target: "1600", proRata: "1600", health: rumbo.HealthYellow, achievement: 1500.0 / 1600},
		{name: "no target is grey", q: Query{Key: "revenue", Period: period(t, "2017-Q2", loc)}, health: rumbo.HealthNone, achievement: -1},
		// 36500 a year is 100 a day: April has 30 days.
		{name: "yearly target split by days", q: Query{Key: "revenue", Period: period(t, "2017-04", loc)},
			targets: []rumbo.Target{target(t, "revenue", "2017", "", "", "36500")},
			target:  "3000", proRata: "3000", health: rumbo.HealthRed, achievement: 1000.0 / 3000},
		{name: "non-additive compares with the full target unsplit", now: "2017-05-16 00:00",
			q: Query{Key: "win_rate", Period: period(t, "2017-04", loc)}, targets: []rumbo.Target{target(t, "win_rate", "2017", "", "", "0.8")},
			target: "0.8", proRata: "0.8", health: rumbo.HealthGreen, achievement: 1 / 0.8},
		{name: "team target by team", q: Query{Key: "revenue", Period: period(t, "2017-Q2", loc), By: "team"}, group: "West",
			targets: []rumbo.Target{target(t, "revenue", "2017-Q2", "team", "West", "1000"), target(t, "revenue", "2017-Q2", "", "", "99999")},
			target:  "1000", proRata: "1000", health: rumbo.HealthGreen, achievement: 1},
		{name: "team without target", q: Query{Key: "revenue", Period: period(t, "2017-Q2", loc), By: "team"}, group: "East",
			targets: []rumbo.Target{target(t, "revenue", "2017-Q2", "team", "West", "1000")}, health: rumbo.HealthNone, achievement: -1},
		{name: "owner filter uses the owner's target", q: Query{Key: "revenue", Period: period(t, "2017-Q2", loc), Filters: []Filter{{"owner", "Luis"}}},
			targets: []rumbo.Target{target(t, "revenue", "2017-Q2", "owner", "Luis", "400")},
			target:  "400", proRata: "400", health: rumbo.HealthGreen, achievement: 1.25},
		// 13.25 h against 12 h: 12 ÷ 13.25 = 0.906 → yellow.
		{name: "lower is better yellow", q: Query{Key: "response_time", Period: period(t, "2017-05", loc)},
			targets: []rumbo.Target{target(t, "response_time", "2017-05", "", "", "12")},
			target:  "12", proRata: "12", health: rumbo.HealthYellow, achievement: 12 / 13.25},
		{name: "lower is better red", q: Query{Key: "response_time", Period: period(t, "2017-05", loc)},
			targets: []rumbo.Target{target(t, "response_time", "2017-Q2", "", "", "6")},
			target:  "6", proRata: "6", health: rumbo.HealthRed, achievement: 6 / 13.25},
		{name: "lower is better green", q: Query{Key: "sales_cycle_days", Period: period(t, "2017-Q2", loc)},
			targets: []rumbo.Target{target(t, "sales_cycle_days", "2017-Q2", "", "", "30")},
			target:  "30", proRata: "30", health: rumbo.HealthGreen, achievement: 30.0 / 26},
		{name: "absolute bands", q: Query{Key: "csat", Period: period(t, "2017-Q2", loc)},
			bands:  map[string]rumbo.Bands{"csat": {Green: 4.2, Yellow: 4, Absolute: true}},
			health: rumbo.HealthGreen, achievement: -1},
		{name: "null value has no health", q: Query{Key: "win_rate", Period: period(t, "2017-W19", loc)},
			targets: []rumbo.Target{target(t, "win_rate", "2017", "", "", "0.8")},
			target:  "0.8", proRata: "0.8", health: rumbo.HealthNone, achievement: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := acme(t)
			src.targets, src.bands = tt.targets, tt.bands
			res := compute(t, src, tt.now, tt.q)
			var row *Row
			for i := range res.Rows {
				if res.Rows[i].Group[res.By] == tt.group {
					row = &res.Rows[i]
				}
			}
			if row == nil {
				t.Fatalf("no row %q", tt.group)
			}
			check := func(what string, v *Value, want string) {
				switch {
				case want == "" && v != nil:
					t.Errorf("%s = %s, want none", what, v.Rat.RatString())
				case want != "" && v == nil:
					t.Errorf("%s = none, want %s", what, want)
				case want != "" && v.Rat.Cmp(rat(want)) != 0:
					t.Errorf("%s = %s, want %s", what, v.Rat.RatString(), want)
				}
			}
			check("target", row.Target, tt.target)
			check("pro-rata target", row.ProRataTarget, tt.proRata)
			if row.Health != tt.health {
				t.Errorf("health = %q, want %q", row.Health, tt.health)
			}
			switch {
			case tt.achievement < 0 && row.Achievement != nil:
				t.Errorf("achievement = %v, want none", *row.Achievement)
			case tt.achievement >= 0 && (row.Achievement == nil || math.Abs(*row.Achievement-tt.achievement) > 1e-9):
				t.Errorf("achievement = %v, want %v", row.Achievement, tt.achievement)
			}
		})
	}
}

func TestElapsedAndDefaultPeriod(t *testing.T) {
	src := acme(t)
	res := compute(t, src, "2017-05-16 00:00", Query{Key: "revenue"})
	if len(res.Rows) != 1 || res.Rows[0].Period != "2017-Q2" {
		t.Fatalf("default period: got %+v, want one 2017-Q2 row", res.Rows)
	}
	if got, want := res.Rows[0].Elapsed, 45.0/91; math.Abs(got-want) > 1e-12 {
		t.Errorf("elapsed = %v, want %v", got, want)
	}
}

// TestDST checks periods and durations across the 2026 DST changes in
// Europe/Madrid (29 March: 23 hours; 25 October: 25 hours).
func TestDST(t *testing.T) {
	loc := madrid(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	src := &memSource{
		imported: at(2026, 11, 1, 0, 0),
		activities: []rumbo.Activity{
			{ExternalID: "a1", Type: "call", At: at(2026, 3, 29, 1, 30)},                          // 00:30 UTC
			{ExternalID: "a2", Type: "call", At: at(2026, 3, 29, 23, 30)},                         // 21:30 UTC
			{ExternalID: "a3", Type: "call", At: time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC)},  // 00:30 on the 30th
			{ExternalID: "a4", Type: "call", At: time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC)}, // 00:30 on the 26th
			{ExternalID: "a5", Type: "call", At: time.Date(2026, 10, 25, 22, 30, 0, 0, time.UTC)}, // 23:30 on the 25th
		},
		inquiries: []rumbo.Inquiry{
			// 01:00 CET to 04:00 CEST is 2 real hours.
			{ExternalID: "q1", ReceivedAt: at(2026, 3, 29, 1, 0), FirstResponseAt: at(2026, 3, 29, 4, 0)},
			// 01:00 CEST to 04:00 CET is 4 real hours.
			{ExternalID: "q2", ReceivedAt: at(2026, 10, 25, 1, 0), FirstResponseAt: at(2026, 10, 25, 4, 0)},
		},
		leads: []rumbo.Lead{{ExternalID: "l1", CreatedAt: at(2026, 3, 28, 23, 30)}},
		deals: []rumbo.Deal{
			// 23:30 on the 28th to 00:30 on the 30th: 2 calendar days, 24 real hours.
			{ExternalID: "d1", Lead: "l1", Status: rumbo.DealWon, Amount: money("10"), ClosedAt: at(2026, 3, 30, 0, 30)},
		},
	}
	cases := []struct {
		name string
		q    Query
		now  string
		want map[string]string
	}{
		{"activities by day over spring change", Query{Key: "activities", Period: period(t, "2026-03-29..2026-03-31", loc), Grain: rumbo.GrainDay}, "",
			map[string]string{"2026-03-29": "2", "2026-03-30": "1", "2026-03-31": "0"}},
		{"activities by day over autumn change", Query{Key: "activities", Period: period(t, "2026-10-25..2026-10-26", loc), Grain: rumbo.GrainDay}, "",
			map[string]string{"2026-10-25": "1", "2026-10-26": "1"}},
		{"response time over spring change", Query{Key: "response_time", Period: period(t, "2026-03-29", loc)}, "", map[string]string{"2026-03-29": "2"}},
		{"response time over autumn change", Query{Key: "response_time", Period: period(t, "2026-10-25", loc)}, "", map[string]string{"2026-10-25": "4"}},
		{"cycle in calendar days", Query{Key: "sales_cycle_days", Period: period(t, "2026-03", loc)}, "", map[string]string{"2026-03": "2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := compute(t, src, "2026-12-01 00:00", c.q)
			if len(res.Rows) != len(c.want) {
				t.Fatalf("got %d rows, want %d", len(res.Rows), len(c.want))
			}
			for _, r := range res.Rows {
				if r.Value == nil || r.Value.Rat.Cmp(rat(c.want[r.Period])) != 0 {
					t.Errorf("%s: got %v, want %s", r.Period, r.Value, c.want[r.Period])
				}
			}
		})
	}
	t.Run("elapsed share of the short day", func(t *testing.T) {
		// At 12:00 on 29 March, 11 of the day's 23 hours have passed.
		res := compute(t, src, "2026-03-29 12:00", Query{Key: "activities", Period: period(t, "2026-03-29", loc)})
		if got := res.Rows[0].Elapsed; math.Abs(got-11.0/23) > 1e-12 {
			t.Errorf("elapsed = %v, want 11/23", got)
		}
	})
}

func TestISOWeek53(t *testing.T) {
	loc := madrid(t)
	day := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04", s, loc); return v }
	src := &memSource{imported: day("2021-02-01 00:00"), activities: []rumbo.Activity{
		{ExternalID: "a1", Type: "call", At: day("2020-12-27 23:59")}, // W52
		{ExternalID: "a2", Type: "call", At: day("2020-12-28 00:00")}, // W53
		{ExternalID: "a3", Type: "call", At: day("2021-01-03 23:59")}, // W53
		{ExternalID: "a4", Type: "call", At: day("2021-01-04 00:00")}, // 2021-W01
	}}
	res := compute(t, src, "2021-03-01 00:00", Query{Key: "activities", Period: period(t, "2020-12-21..2021-01-10", loc), Grain: rumbo.GrainWeek})
	want := []struct{ period, value string }{{"2020-W52", "1"}, {"2020-W53", "2"}, {"2021-W01", "1"}}
	if len(res.Rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(res.Rows), len(want))
	}
	for i, w := range want {
		if r := res.Rows[i]; r.Period != w.period || r.Value.Rat.Cmp(rat(w.value)) != 0 {
			t.Errorf("row %d: got %s %v, want %s %s", i, r.Period, r.Value, w.period, w.value)
		}
	}
	res = compute(t, src, "2021-03-01 00:00", Query{Key: "activities", Period: period(t, "2020-W53", loc)})
	if got := res.Rows[0].Value.Rat; got.Cmp(rat("2")) != 0 {
		t.Errorf("2020-W53 = %s, want 2", got.RatString())
	}
	// 2 activities in a 7-day week: 2 a week.
	if got := res.Rows[0].Stats.PerWeek.Rat; got.Cmp(rat("2")) != 0 {
		t.Errorf("per week = %s, want 2", got.RatString())
	}
}
