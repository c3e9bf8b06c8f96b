package rumbo

import (
	"math"
	"math/big"
	"sort"
	"strings"
	"time"
)

// Progress returns clamp((current − start) ÷ (target − start), 0, 1): the
// share of the way from start to target that current has covered. It
// serves decrease key results too (target below start). When start equals
// target the result is 1 if current is at or past the target in direction
// dir (≥ for Increase or "", ≤ for Decrease), else 0. It is never NaN.
func Progress(start, target, current float64, dir Direction) float64 {
	if math.IsNaN(start) || math.IsNaN(target) || math.IsNaN(current) {
		return 0
	}
	if start == target {
		if (dir == Decrease && current <= target) || (dir != Decrease && current >= target) {
			return 1
		}
		return 0
	}
	return clamp01((current - start) / (target - start))
}

// clamp01 clamps x to [0, 1], mapping NaN to 0.
func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

// BaselinePeriod returns the period a key result in period p takes its
// baseline from, and false for BaselineNone. For a quarter the previous
// quarter is the quarter before it; for any other period it is the period
// of the same length that ends where p starts (Period.Previous). The same
// quarter last year is p moved back one calendar year.
func BaselinePeriod(src BaselineSource, p Period) (Period, bool) {
	loc := p.Location()
	switch src {
	case BaselinePreviousQuarter:
		return p.Previous(), true
	case BaselineSameQuarterLastYear:
		if p.Grain != "" {
			return PeriodOf(p.Start.AddDate(-1, 0, 0), p.Grain, loc), true
		}
		return rangeOf(p.Start.AddDate(-1, 0, 0), p.End.AddDate(-1, 0, 0)), true
	}
	return Period{}, false
}

// MetricResolution is what resolving a metric key result freezes on it:
// the baseline, the start and the target. While Pending (baseline to be
// established) Start is nil, and so is Target unless it is absolute.
type MetricResolution struct {
	Baseline *big.Rat
	Start    *big.Rat
	Target   *big.Rat
	Pending  bool
}

// ResolveMetric resolves a metric key result's start and target from its
// baseline value (nil when the baseline period has no data).
//
// On an additive KPI the start is 0 and the target is for the whole
// period: the absolute value, or baseline × (1 + p) (× (1 − p) for a
// decrease). On a non-additive KPI the start is the baseline and the target
// is absolute, start × (1 ± p) for a relative change, or start ± p for
// percentage points. Without a baseline, or with a baseline of 0 for a
// relative change (no target follows from it), the key result is Pending:
// baseline to be established. Percentage points on an additive KPI are an
// EINVALID error.
// CheckMetricKR refuses a metric key result that cannot mean anything on
// its KPI (additive: a sum or count totalled over the period): percentage
// points on a total, and a decrease of a total, which only grows as the
// period goes (its progress toward a lower total would rise as it grows
// past it). A ceiling on a total is a guardrail key result.
func CheckMetricKR(kr KeyResult, additive bool) error {
	if kr.Kind != KRMetric || !additive {
		return nil
	}
	if kr.ChangeKind == ChangePoints {
		return Errorf(EINVALID, "key result %q: percentage points need a non-additive KPI (a rate or an average)", kr.Title)
	}
	if kr.direction() == Decrease {
		return Errorf(EINVALID, "key result %q: %s is a total that only grows through the period: a decrease of it has no progress; "+
			"cap it with a guardrail key result (below a weekly maximum), or use a rate or an average", kr.Title, kr.KPI)
	}
	return nil
}

func ResolveMetric(kr KeyResult, additive bool, baseline *big.Rat) (MetricResolution, error) {
	var res MetricResolution
	if kr.ChangeKind != ChangeAbsolute && kr.Change == nil {
		return res, Errorf(EINVALID, "key result %q: no change given", kr.Title)
	}
	if additive && kr.ChangeKind == ChangePoints {
		return res, Errorf(EINVALID, "key result %q: percentage points need a non-additive KPI (a rate or an average)", kr.Title)
	}
	if kr.ChangeKind == ChangeAbsolute {
		if kr.Change == nil {
			return res, Errorf(EINVALID, "key result %q: an absolute target needs its value", kr.Title)
		}
		res.Target = new(big.Rat).Set(kr.Change)
		if additive {
			res.Start = new(big.Rat)
			res.Baseline = copyRat(baseline)
			return res, nil
		}
	}
	if baseline == nil || (kr.ChangeKind == ChangeRelative && baseline.Sign() == 0) {
		res.Pending = true
		return res, nil
	}
	res.Baseline = new(big.Rat).Set(baseline)
	if additive {
		res.Start = new(big.Rat)
	} else {
		res.Start = new(big.Rat).Set(baseline)
	}
	change := new(big.Rat)
	if kr.Change != nil {
		change.Set(kr.Change)
	}
	if kr.direction() == Decrease {
		change.Neg(change)
	}
	switch kr.ChangeKind {
	case ChangeRelative:
		res.Target = change.Add(change, big.NewRat(1, 1)).Mul(change, baseline)
	case ChangePoints:
		res.Target = change.Add(change, baseline)
	}
	return res, nil
}

// WeekBaseline turns the value of the first full week of data into a
// baseline for a key result in period p whose baseline period had no data:
// for a non-additive KPI the week's value itself; for an additive one the
// week's total extended to the whole period (total × days(p) ÷ 7), so that
// the target is a whole-period total as usual.
func WeekBaseline(additive bool, p Period, weekValue *big.Rat) *big.Rat {
	if weekValue == nil {
		return nil
	}
	if !additive {
		return new(big.Rat).Set(weekValue)
	}
	return new(big.Rat).Mul(weekValue, big.NewRat(int64(p.Days()), 7))
}

// FullWeeks returns the ISO weeks (Monday to Sunday) that lie entirely in p,
// in order.
func FullWeeks(p Period) []Period {
	var out []Period
	for _, w := range p.Split(GrainWeek) {
		if w.Grain == GrainWeek {
			out = append(out, w)
		}
	}
	return out
}

// EstablishingWeek returns the first full ISO week of p that is over at now
// and has data (value returns non-nil), with its value: the week that
// establishes a missing baseline. It returns false while there is none.
func EstablishingWeek(p Period, now time.Time, value func(week Period) *big.Rat) (Period, *big.Rat, bool) {
	for _, w := range FullWeeks(p) {
		if now.Before(w.End) {
			break
		}
		if v := value(w); v != nil {
			return w, v, true
		}
	}
	return Period{}, nil, false
}

// SegmentProgress returns the mean of the segments' clamped progress,
// count ÷ target for each segment (a segment missing from counts is 0),
// and the sum of those progresses ("1.5 of 3 segments"). With no segments
// or a target that is not positive, both are 0.
func SegmentProgress(segments []string, target float64, counts map[string]float64) (progress, sum float64) {
	if len(segments) == 0 || !(target > 0) {
		return 0, 0
	}
	for _, s := range segments {
		sum += Progress(0, target, segmentCount(counts, s), Increase)
	}
	return sum / float64(len(segments)), sum
}

// segmentCount looks a segment up by name, ignoring case as KPI filters do.
func segmentCount(counts map[string]float64, s string) float64 {
	if v, ok := counts[s]; ok {
		return v
	}
	for k, v := range counts {
		if strings.EqualFold(k, s) {
			return v
		}
	}
	return 0
}

// MilestoneProgress returns min(done, n) ÷ n; with n ≤ 0 it is 0.
func MilestoneProgress(done, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(min(max(done, 0), n)) / float64(n)
}

// ItemsDone counts the done items.
func ItemsDone(items []MilestoneItem) int {
	n := 0
	for _, it := range items {
		if it.Done {
			n++
		}
	}
	return n
}

// NewMarkets returns the names of the markets flagged new, sorted: the
// segments of a SourceNewMarkets key result.
func NewMarkets(markets []Market) []string {
	var out []string
	for _, m := range markets {
		if m.New {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}

// NewMarketsAnalysed returns the names of the markets flagged new whose
// status reached analysed or entered in p (AnalysedAt or EnteredAt in p),
// sorted: the done items of a SourceNewMarketsAnalysed milestone. A market
// without those dates cannot be placed in a period and does not count.
func NewMarketsAnalysed(markets []Market, p Period) []string {
	var out []string
	for _, m := range markets {
		if m.New && (p.Contains(m.AnalysedAt) || p.Contains(m.EnteredAt)) {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}

// WeightedMean returns Σ wᵢ·xᵢ ÷ Σ wᵢ, with a weight ≤ 0 counting as 1;
// 0 for no values.
func WeightedMean(xs, weights []float64) float64 {
	var num, den float64
	for i, x := range xs {
		w := 1.0
		if i < len(weights) && weights[i] > 0 {
			w = weights[i]
		}
		num += w * x
		den += w
	}
	if den == 0 {
		return 0
	}
	return num / den
}

func copyRat(r *big.Rat) *big.Rat {
	if r == nil {
		return nil
	}
	return new(big.Rat).Set(r)
}

// FreezeMetric returns kr with a resolution frozen on it at the instant at:
// baseline, start and target, and BaselineResolvedAt. A pending resolution
// freezes nothing but an absolute target, and leaves BaselineResolvedAt
// zero, so the key result stays to be established.
func FreezeMetric(kr KeyResult, res MetricResolution, at time.Time) KeyResult {
	kr.Target = copyRat(res.Target)
	if res.Pending {
		kr.BaselineValue, kr.Start, kr.BaselineResolvedAt = nil, nil, time.Time{}
		return kr
	}
	kr.BaselineValue, kr.Start, kr.BaselineResolvedAt = copyRat(res.Baseline), copyRat(res.Start), at
	return kr
}
