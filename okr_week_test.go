package rumbo

import (
	"testing"
)

func TestPeriodWeeks(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	tests := []struct {
		name        string
		period      string
		n           int
		first, last string
		firstWeight float64
		lastWeight  float64
		total       float64
	}{
		// Thursday 1 January: Thu–Fri is 2/5; Mon 30–Tue 31 March is 2/5.
		{"2026-Q1, partial first and last weeks", "2026-Q1", 14, "2026-W01", "2026-W14", 0.4, 0.4, 12.8},
		// Thursday 1 October; 28–31 December (Mon–Thu) is 4/5; the DST week is whole.
		{"2026-Q4, across the DST change", "2026-Q4", 14, "2026-W40", "2026-W53", 0.4, 0.8, 13.2},
		// Sunday 1 February alone weighs 0 and is left out; 23–28 February holds 5 weekdays.
		{"2026-02, a Sunday piece left out", "2026-02", 4, "2026-W06", "2026-W09", 1, 1, 4},
		{"2025-Q4", "2025-Q4", 14, "2025-W40", "2026-W01", 0.6, 0.6, 13.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := PeriodWeeks(okrPeriod(t, tt.period, loc))
			if len(ws) != tt.n {
				t.Fatalf("got %d weeks, want %d", len(ws), tt.n)
			}
			total := 0.0
			for _, w := range ws {
				total += w.Weight
			}
			f, l := ws[0], ws[len(ws)-1]
			if f.Label != tt.first || l.Label != tt.last || f.Weight != tt.firstWeight || l.Weight != tt.lastWeight || !near(total, tt.total) {
				t.Errorf("got %s %v … %s %v total %v, want %s %v … %s %v total %v",
					f.Label, f.Weight, l.Label, l.Weight, total, tt.first, tt.firstWeight, tt.last, tt.lastWeight, tt.total)
			}
		})
	}
}

// A rate KR "3 a week" across 2026-Q1: a partial first week (Thu–Fri, 2/5:
// needs 1.2), week 2 excluded (holiday), weeks 3–5 with counts and week 6
// with no activity at all. Weeks in the period: 12.8 − 1 = 11.8.
func TestRateProgressQuarter(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q1 := okrPeriod(t, "2026-Q1", loc)
	data := func(w01 float64) WeeklyData {
		return WeeklyData{
			Values:   map[string]float64{"2026-W01": w01, "2026-W02": 0, "2026-W03": 3, "2026-W04": 2, "2026-W05": 3},
			Excluded: map[string]bool{"2026-W02": true},
		}
	}
	tests := []struct {
		name                 string
		now                  string
		w01                  float64
		mode                 RateMode
		progress, met, weeks float64
		completed, average   float64
	}{
		{"before the first week ends nothing is met", "2026-01-04 23:59", 2, RateWeeksMet, 0, 0, 11.8, 0, -1},
		{"partial first week met with 2 ≥ 1.2", "2026-01-05 00:00", 2, RateWeeksMet, 0.4 / 11.8, 0.4, 11.8, 0.4, 5},
		{"weeks met ÷ weeks: (0.4 + 1 + 1) ÷ 11.8", "2026-02-09 00:00", 2, RateWeeksMet, 2.4 / 11.8, 2.4, 11.8, 4.4, 10 / 4.4},
		{"partial first week missed with 1 < 1.2", "2026-02-09 00:00", 1, RateWeeksMet, 2.0 / 11.8, 2, 11.8, 4.4, 9 / 4.4},
		{"average mode: 10 ÷ 4.4 weeks ÷ 3", "2026-02-09 00:00", 2, RateAverage, 10 / 4.4 / 3, 2.4, 11.8, 4.4, 10 / 4.4},
		{"whole quarter over", "2026-04-01 00:00", 2, RateWeeksMet, 2.4 / 11.8, 2.4, 11.8, 11.8, 10 / 11.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RateProgress(q1, okrAt(t, loc, tt.now), 3, false, tt.mode, data(tt.w01))
			avg := -1.0
			if got.Average != nil {
				avg = *got.Average
			}
			if !near(got.Progress, tt.progress) || !near(got.Met, tt.met) || !near(got.Weeks, tt.weeks) ||
				!near(got.Completed, tt.completed) || !near(avg, tt.average) {
				t.Errorf("got progress %v met %v weeks %v completed %v average %v, want %v %v %v %v %v",
					got.Progress, got.Met, got.Weeks, got.Completed, avg, tt.progress, tt.met, tt.weeks, tt.completed, tt.average)
			}
		})
	}
}

// Per rep: each week's count ÷ its active reps; a week without active reps
// is left out; the average is Σ counts ÷ Σ active rep-weeks.
func TestRateProgressPerRep(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	feb := okrPeriod(t, "2026-02", loc)
	d := WeeklyData{
		Values:     map[string]float64{"2026-W06": 9, "2026-W07": 8, "2026-W08": 5, "2026-W09": 10},
		ActiveReps: map[string]int{"2026-W06": 3, "2026-W07": 4, "2026-W09": 2},
	}
	now := okrAt(t, loc, "2026-03-01 00:00")
	tests := []struct {
		name     string
		mode     RateMode
		progress float64
		average  float64
	}{
		{"weeks met: 3/rep and 5/rep of 3 weeks", RateWeeksMet, 2.0 / 3, 27.0 / 9},
		{"average: 27 ÷ 9 rep-weeks = 3", RateAverage, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RateProgress(feb, now, 3, true, tt.mode, d)
			if !near(got.Progress, tt.progress) || got.Average == nil || !near(*got.Average, tt.average) || got.Weeks != 3 {
				t.Errorf("got %+v average %v, want progress %v average %v weeks 3", got, got.Average, tt.progress, tt.average)
			}
		})
	}
}

// The week of 19–25 October 2026 holds the DST change (169 hours): it is
// complete only at Monday 26 October 00:00 CET.
func TestRateProgressDST(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q4 := okrPeriod(t, "2026-Q4", loc)
	d := WeeklyData{Values: map[string]float64{"2026-W40": 2, "2026-W41": 3, "2026-W42": 3, "2026-W43": 3}}
	tests := []struct {
		name string
		now  string
		want float64
	}{
		{"DST week not over at Sunday 23:30", "2026-10-25 23:30", 2.4 / 13.2},
		{"DST week over at Monday 00:00", "2026-10-26 00:00", 3.4 / 13.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RateProgress(q4, okrAt(t, loc, tt.now), 3, false, RateWeeksMet, d); !near(got.Progress, tt.want) {
				t.Errorf("got %v, want %v", got.Progress, tt.want)
			}
		})
	}
}

func TestGuardrailProgress(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	feb := okrPeriod(t, "2026-02", loc)
	csat := map[string]float64{"2026-W06": 4.5, "2026-W07": 4.2, "2026-W09": 4.1}
	hours := map[string]float64{"2026-W06": 10, "2026-W07": 13, "2026-W09": 12}
	tests := []struct {
		name     string
		now      string
		op       GuardOp
		lo, hi   float64
		d        WeeklyData
		progress float64
		last     float64
	}{
		{"above, inclusive, half the quarter", "2026-02-16 00:00", GuardAbove, 4.2, 0, WeeklyData{Values: csat}, 0.5, 4.2},
		{"above, a week without data is not met", "2026-03-01 00:00", GuardAbove, 4.2, 0, WeeklyData{Values: csat}, 0.5, 4.1},
		{"below", "2026-03-01 00:00", GuardBelow, 0, 12, WeeklyData{Values: hours}, 0.5, 12},
		{"within", "2026-03-01 00:00", GuardWithin, 4, 4.4, WeeklyData{Values: csat}, 0.5, 4.1},
		{"excluded week left out", "2026-03-01 00:00", GuardAbove, 4.2, 0,
			WeeklyData{Values: csat, Excluded: map[string]bool{"2026-W07": true}}, 1.0 / 3, 4.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GuardrailProgress(feb, okrAt(t, loc, tt.now), tt.op, tt.lo, tt.hi, tt.d)
			if !near(got.Progress, tt.progress) || got.Last == nil || *got.Last != tt.last {
				t.Errorf("got %+v last %v, want %v last %v", got, got.Last, tt.progress, tt.last)
			}
		})
	}
}

// The template's follow-up calls: 10 a week in 2025-Q4 (6 in each partial
// week of 3 weekdays, Christmas week excluded) → 15 a week in 2026-Q1.
func TestBaselineRate(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q4 := okrPeriod(t, "2025-Q4", loc)
	values := map[string]float64{"2025-W40": 6, "2025-W52": 0, "2026-W01": 6}
	for w := 41; w <= 51; w++ {
		values[PeriodOf(q4.Start.AddDate(0, 0, 7*(w-40)), GrainWeek, loc).Label] = 10
	}
	base, ok := BaselineRate(q4, WeeklyData{Values: values, Excluded: map[string]bool{"2025-W52": true}})
	if !ok || base.Cmp(okrRat(t, "10")) != 0 {
		t.Fatalf("baseline = %v %v, want 10 (122 ÷ 12.2)", base, ok)
	}
	kr := SalesTemplate("es")[0].KeyResults[1]
	rate, ok := ResolveRate(kr, base)
	if !ok || rate.Cmp(okrRat(t, "15")) != 0 {
		t.Errorf("rate = %v %v, want 15", rate, ok)
	}
	if _, ok := BaselineRate(q4, WeeklyData{}); ok {
		t.Error("a baseline without data")
	}
	if _, ok := ResolveRate(kr, nil); ok {
		t.Error("a rate without a baseline")
	}
}
