package rumbo

import (
	"math/big"
	"time"
)

// OKRWeek is one ISO week (Monday to Sunday) of a key result's period,
// clipped to the period. A week the period cuts (the first and last weeks
// of most quarters) counts for the share of its weekdays, Monday to Friday,
// that fall in the period: Thursday 1 January to Sunday 4 January 2026 holds
// 2 weekdays, so it weighs 2/5 of a week and needs 2/5 of the weekly rate.
type OKRWeek struct {
	Label  string  // the ISO week's label, "2026-W01"
	Period Period  // the part of the week inside the key result's period
	Weight float64 // weekdays inside ÷ 5: 1 for a full week
}

// PeriodWeeks returns the weeks of p that hold at least one weekday, in
// order. A piece of a week with only a Saturday or Sunday in p weighs 0 and
// is left out.
func PeriodWeeks(p Period) []OKRWeek {
	var out []OKRWeek
	for _, w := range p.Split(GrainWeek) {
		n := weekdays(w)
		if n == 0 {
			continue
		}
		out = append(out, OKRWeek{
			Label:  PeriodOf(w.Start, GrainWeek, p.Location()).Label,
			Period: w,
			Weight: float64(n) / 5,
		})
	}
	return out
}

// weekdays counts the Mondays to Fridays in p, by calendar day.
func weekdays(p Period) int {
	n := 0
	loc := p.Location()
	for d := p.Start; d.Before(p.End); d = addDays(d, 1) {
		y, m, day := localDate(d, loc)
		if wd := time.Date(y, m, day, 12, 0, 0, 0, loc).Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// WeeklyData is what the rate and guardrail rules read, keyed by ISO week
// label ("2026-W14"): each week's value inside the key result's period (a
// count for a rate, the KPI's value for a guardrail), the active reps of
// each week (per-rep rates), and the weeks the organisation excludes
// (holidays).
type WeeklyData struct {
	Values     map[string]float64
	ActiveReps map[string]int
	Excluded   map[string]bool
}

// WeeklyResult is the outcome of a rate or guardrail key result. Weeks are
// counted by their weight (a partial week counts its share).
type WeeklyResult struct {
	Progress  float64
	Met       float64  // weeks met
	Weeks     float64  // weeks in the period, excluded weeks left out
	Completed float64  // completed weeks counted
	Average   *float64 // mean weekly rate over completed weeks (rate); nil before the first
	Last      *float64 // latest completed week's value (guardrail); nil when none
}

// tolerance absorbs float noise in comparisons such as 1.2 ≥ 3 × 0.4.
const tolerance = 1e-9

// RateProgress measures a rate key result ("3 presentations a week") in
// period p at now.
//
// Every week of PeriodWeeks(p) not excluded is a week of the period; a week
// of a per-rep rate with no active rep is left out too. Only a completed
// week (now at or after its end) can be met; a week with no value counts 0.
// A week is met when its count (÷ the week's active reps for a per-rep rate)
// is at least rate × its weight.
//
// RateWeeksMet: progress = weeks met ÷ weeks in the period (both weighted),
// comparable with the elapsed share. RateAverage: progress = clamp(mean
// weekly rate over completed weeks ÷ rate, 0, 1), where the mean is
// Σ counts ÷ Σ weights (÷ Σ active reps × weights per rep): a ratio of sums.
func RateProgress(p Period, now time.Time, rate float64, perRep bool, mode RateMode, d WeeklyData) WeeklyResult {
	var res WeeklyResult
	var sum, den float64
	for _, w := range PeriodWeeks(p) {
		if d.Excluded[w.Label] {
			continue
		}
		reps := 1.0
		if perRep {
			n := d.ActiveReps[w.Label]
			if n <= 0 {
				continue
			}
			reps = float64(n)
		}
		res.Weeks += w.Weight
		if now.Before(w.Period.End) {
			continue
		}
		count := d.Values[w.Label]
		res.Completed += w.Weight
		sum += count
		den += reps * w.Weight
		if count/reps >= rate*w.Weight-tolerance {
			res.Met += w.Weight
		}
	}
	if den > 0 {
		avg := sum / den
		res.Average = &avg
	}
	switch {
	case mode == RateAverage:
		if res.Average != nil && rate > 0 {
			res.Progress = clamp01(*res.Average / rate)
		}
	case res.Weeks > 0:
		res.Progress = clamp01(res.Met / res.Weeks)
	}
	return res
}

// GuardrailProgress measures a guardrail key result ("CSAT stays ≥ 4.2") in
// period p at now: progress = weeks met ÷ weeks in the period, both
// weighted, excluded weeks left out. A completed week is met when its value
// is ≥ lo (GuardAbove), ≤ hi (GuardBelow) or within [lo, hi] (GuardWithin);
// a week with no value is not met (silence is never green).
func GuardrailProgress(p Period, now time.Time, op GuardOp, lo, hi float64, d WeeklyData) WeeklyResult {
	var res WeeklyResult
	for _, w := range PeriodWeeks(p) {
		if d.Excluded[w.Label] {
			continue
		}
		res.Weeks += w.Weight
		if now.Before(w.Period.End) {
			continue
		}
		res.Completed += w.Weight
		v, ok := d.Values[w.Label]
		if !ok {
			continue
		}
		res.Last = &v
		if guardMet(op, lo, hi, v) {
			res.Met += w.Weight
		}
	}
	if res.Weeks > 0 {
		res.Progress = clamp01(res.Met / res.Weeks)
	}
	return res
}

func guardMet(op GuardOp, lo, hi, v float64) bool {
	switch op {
	case GuardAbove:
		return v >= lo-tolerance
	case GuardBelow:
		return v <= hi+tolerance
	case GuardWithin:
		return v >= lo-tolerance && v <= hi+tolerance
	}
	return false
}

// BaselineRate returns the average weekly count of the baseline period bp,
// exactly: Σ counts ÷ Σ weights over its weeks not excluded (partial weeks
// weighted as in PeriodWeeks). It returns false when no week of bp has a
// value (no data: the rate is to be established).
func BaselineRate(bp Period, d WeeklyData) (*big.Rat, bool) {
	sum, den := new(big.Rat), new(big.Rat)
	seen := false
	for _, w := range PeriodWeeks(bp) {
		if d.Excluded[w.Label] {
			continue
		}
		v, ok := d.Values[w.Label]
		if !ok {
			continue
		}
		seen = true
		c := new(big.Rat)
		c.SetFloat64(v)
		sum.Add(sum, c)
		den.Add(den, big.NewRat(int64(weekdays(w.Period)), 5))
	}
	if !seen || den.Sign() == 0 {
		return nil, false
	}
	return sum.Quo(sum, den), true
}

// ResolveRate returns a rate key result's weekly rate from the baseline
// period's average weekly rate (see BaselineRate): × (1 + p) for a relative
// change (the template's follow-up calls: +50 % turns 10 a week into 15),
// + p for points, or the absolute value. It returns false while there is no
// baseline (to be established from the first full week, see
// EstablishingWeek) or the baseline is 0 for a relative change.
func ResolveRate(kr KeyResult, baseline *big.Rat) (*big.Rat, bool) {
	res, err := ResolveMetric(kr, false, baseline)
	if err != nil || res.Target == nil || (kr.ChangeKind != ChangeAbsolute && res.Pending) {
		return nil, false
	}
	return res.Target, true
}
