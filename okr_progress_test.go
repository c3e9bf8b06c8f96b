package rumbo

import (
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"
)

// okrRat parses a decimal for a test.
func okrRat(t testing.TB, s string) *big.Rat {
	t.Helper()
	r, err := ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func okrF(x float64) *float64 { return &x }
func okrI(x int) *int         { return &x }

// okrAt parses "2006-01-02 15:04" in loc.
func okrAt(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func okrPeriod(t testing.TB, label string, loc *time.Location) Period {
	t.Helper()
	p, err := ParsePeriod(label, loc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestProgress(t *testing.T) {
	tests := []struct {
		name                   string
		start, target, current float64
		dir                    Direction
		want                   float64
	}{
		{"increase, part of the way", 0, 100, 40, Increase, 0.4},
		{"increase from a baseline", 10, 20, 12.5, Increase, 0.25},
		{"decrease, half of the way", 20, 14, 17, Decrease, 0.5},
		{"decrease, current above the start is 0, never negative", 20, 14, 23, Decrease, 0},
		{"decrease, beyond the target is 1", 20, 14, 12, Decrease, 1},
		{"target reached early is 1", 0, 1000, 1200, Increase, 1},
		{"target passed further stays 1", 0, 1000, 1500, Increase, 1},
		{"below the start is 0", 10, 20, 5, Increase, 0},
		{"start == target, met", 5, 5, 5, Increase, 1},
		{"start == target, passed", 5, 5, 7, Increase, 1},
		{"start == target, not met", 5, 5, 4, Increase, 0},
		{"start == target, no direction is increase", 5, 5, 4, "", 0},
		{"start == target, decrease met", 5, 5, 4, Decrease, 1},
		{"start == target, decrease not met", 5, 5, 6, Decrease, 0},
		{"NaN current", 0, 10, math.NaN(), Increase, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Progress(tt.start, tt.target, tt.current, tt.dir); !near(got, tt.want) {
				t.Errorf("Progress(%v, %v, %v) = %v, want %v", tt.start, tt.target, tt.current, got, tt.want)
			}
		})
	}
}

func TestResolveMetric(t *testing.T) {
	r := func(s string) *big.Rat { return okrRat(t, s) }
	kr := func(kind ChangeKind, change string, dir Direction) KeyResult {
		k := KeyResult{Title: "kr", Kind: KRMetric, KPI: "x", Baseline: BaselinePreviousQuarter, ChangeKind: kind, Direction: dir}
		if change != "" {
			k.Change = r(change)
		}
		return k
	}
	tests := []struct {
		name          string
		kr            KeyResult
		additive      bool
		baseline      *big.Rat
		start, target string // "" for nil
		pending       bool
		errCode       string
	}{
		{"additive +20 % of the previous quarter's total", kr(ChangeRelative, "0.20", Increase), true, r("3086111"), "0", "3703333.2", false, ""},
		{"additive absolute needs no baseline", kr(ChangeAbsolute, "5000", Increase), true, nil, "0", "5000", false, ""},
		{"additive decrease −10 %", kr(ChangeRelative, "0.10", Decrease), true, r("200"), "0", "180", false, ""},
		{"non-additive +10 % relative", kr(ChangeRelative, "0.10", Increase), false, r("0.25"), "0.25", "0.275", false, ""},
		{"non-additive +10 percentage points", kr(ChangePoints, "0.10", Increase), false, r("0.25"), "0.25", "0.35", false, ""},
		{"non-additive −5 points", kr(ChangePoints, "0.05", Decrease), false, r("0.25"), "0.25", "0.2", false, ""},
		{"response time −30 %", kr(ChangeRelative, "0.30", Decrease), false, r("20"), "20", "14", false, ""},
		{"non-additive absolute", kr(ChangeAbsolute, "0.30", Increase), false, r("0.25"), "0.25", "0.3", false, ""},
		{"missing baseline is to be established", kr(ChangeRelative, "0.10", Increase), false, nil, "", "", true, ""},
		{"missing baseline, additive", kr(ChangeRelative, "0.20", Increase), true, nil, "", "", true, ""},
		{"missing baseline keeps an absolute target", kr(ChangeAbsolute, "0.30", Increase), false, nil, "", "0.3", true, ""},
		{"zero baseline gives no relative target", kr(ChangeRelative, "0.20", Increase), true, r("0"), "", "", true, ""},
		{"points on an additive KPI", kr(ChangePoints, "0.10", Increase), true, r("100"), "", "", false, EINVALID},
		{"no change", kr(ChangeRelative, "", Increase), true, r("100"), "", "", false, EINVALID},
	}
	str := func(x *big.Rat) string {
		if x == nil {
			return ""
		}
		return x.RatString()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveMetric(tt.kr, tt.additive, tt.baseline)
			if ErrorCode(err) != tt.errCode {
				t.Fatalf("error %v, want code %q", err, tt.errCode)
			}
			if err != nil {
				return
			}
			wantStart, wantTarget := "", ""
			if tt.start != "" {
				wantStart = r(tt.start).RatString()
			}
			if tt.target != "" {
				wantTarget = r(tt.target).RatString()
			}
			if str(got.Start) != wantStart || str(got.Target) != wantTarget || got.Pending != tt.pending {
				t.Errorf("got start %s target %s pending %v, want %s %s %v",
					str(got.Start), str(got.Target), got.Pending, wantStart, wantTarget, tt.pending)
			}
		})
	}
}

func TestBaselinePeriod(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	tests := []struct {
		name   string
		src    BaselineSource
		period string
		want   string
		ok     bool
	}{
		{"previous quarter", BaselinePreviousQuarter, "2026-Q1", "2025-Q4", true},
		{"same quarter last year", BaselineSameQuarterLastYear, "2026-Q1", "2025-Q1", true},
		{"custom range, previous", BaselinePreviousQuarter, "2026-03-02..2026-03-11", "2026-02-20..2026-03-01", true},
		{"custom range, last year", BaselineSameQuarterLastYear, "2026-03-02..2026-03-11", "2025-03-02..2025-03-11", true},
		{"none", BaselineNone, "2026-Q1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BaselinePeriod(tt.src, okrPeriod(t, tt.period, loc))
			if ok != tt.ok || got.Label != tt.want {
				t.Errorf("got %q %v, want %q %v", got.Label, ok, tt.want, tt.ok)
			}
		})
	}
}

// A missing baseline: the KR waits for the first full ISO week of data in
// its period, then that week's value becomes the baseline.
func TestMissingBaseline(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q1 := okrPeriod(t, "2026-Q1", loc)
	kr := KeyResult{Title: "conversion +10 %", Kind: KRMetric, KPI: "conversion_rate",
		Baseline: BaselinePreviousQuarter, ChangeKind: ChangeRelative, Change: okrRat(t, "0.10"), Direction: Increase}
	res, err := ResolveMetric(kr, false, nil)
	if err != nil || !res.Pending {
		t.Fatalf("got %+v %v, want pending", res, err)
	}
	// Week 2026-W02 (5–11 January) has no data; W03 (12–18 January) has 0.3.
	values := map[string]*big.Rat{"2026-W03": okrRat(t, "0.3")}
	value := func(w Period) *big.Rat { return values[w.Label] }
	tests := []struct {
		name   string
		now    string
		ok     bool
		week   string
		target string
	}{
		{"partial first week does not count", "2026-01-05 00:00", false, "", ""},
		{"first full week has no data", "2026-01-12 00:00", false, "", ""},
		{"second full week not over", "2026-01-18 23:59", false, "", ""},
		{"second full week established", "2026-01-19 00:00", true, "2026-W03", "0.33"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, v, ok := EstablishingWeek(q1, okrAt(t, loc, tt.now), value)
			if ok != tt.ok || w.Label != tt.week {
				t.Fatalf("got week %q %v, want %q %v", w.Label, ok, tt.week, tt.ok)
			}
			if !ok {
				return
			}
			res, err := ResolveMetric(kr, false, WeekBaseline(false, q1, v))
			if err != nil || res.Pending || res.Start.Cmp(okrRat(t, "0.3")) != 0 || res.Target.Cmp(okrRat(t, tt.target)) != 0 {
				t.Errorf("got %+v %v, want start 0.3 target %s", res, err, tt.target)
			}
		})
	}
	// The pending KR shows no start, progress 0 and is at risk with the reason.
	st := BuildKRStatus(kr, KRInputs{Period: q1, Now: okrAt(t, loc, "2026-01-14 12:00"), DataAsOf: okrAt(t, loc, "2026-01-14 08:00"),
		Current: okrF(0.28)}, DefaultOKRSettings())
	if st.Start != nil || st.Progress != 0 || st.Status != AtRisk || st.Reason != "baseline to be established (first full week of data)" {
		t.Errorf("pending status = %+v", st)
	}
}

func TestWeekBaseline(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q1 := okrPeriod(t, "2026-Q1", loc) // 90 days
	tests := []struct {
		name     string
		additive bool
		week     string
		want     string
	}{
		{"additive: week's total over the period, 70 × 90/7", true, "70", "900"},
		{"non-additive: the week's value", false, "0.3", "0.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WeekBaseline(tt.additive, q1, okrRat(t, tt.week)); got.Cmp(okrRat(t, tt.want)) != 0 {
				t.Errorf("got %s, want %s", got.RatString(), tt.want)
			}
		})
	}
	if WeekBaseline(true, q1, nil) != nil {
		t.Error("nil week value gives a baseline")
	}
}

func TestSegmentProgress(t *testing.T) {
	tests := []struct {
		name          string
		segments      []string
		target        float64
		counts        map[string]float64
		progress, sum float64
	}{
		{"one segment without data counts 0", []string{"Portugal", "México", "Chile"}, 2,
			map[string]float64{"Portugal": 1, "México": 3}, 0.5, 1.5},
		{"names compare without case", []string{"Portugal"}, 2, map[string]float64{"portugal": 2}, 1, 1},
		{"every segment met", []string{"A", "B"}, 2, map[string]float64{"A": 2, "B": 5}, 1, 2},
		{"no segments", nil, 2, map[string]float64{"A": 2}, 0, 0},
		{"no target", []string{"A"}, 0, map[string]float64{"A": 2}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, s := SegmentProgress(tt.segments, tt.target, tt.counts)
			if !near(p, tt.progress) || !near(s, tt.sum) {
				t.Errorf("got %v, %v, want %v, %v", p, s, tt.progress, tt.sum)
			}
		})
	}
}

func TestMilestoneProgress(t *testing.T) {
	tests := []struct {
		name    string
		done, n int
		want    float64
	}{
		{"two of three", 2, 3, 2.0 / 3},
		{"more than needed is min(done, N) ÷ N", 4, 3, 1},
		{"none", 0, 3, 0},
		{"no items", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MilestoneProgress(tt.done, tt.n); !near(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	items := []MilestoneItem{{"a", true}, {"b", false}, {"c", true}, {"d", false}}
	if got := MilestoneProgress(ItemsDone(items), len(items)); got != 0.5 {
		t.Errorf("items: got %v, want 0.5", got)
	}
}

func TestNewMarkets(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q1 := okrPeriod(t, "2026-Q1", loc)
	at := func(s string) time.Time { return okrAt(t, loc, s) }
	markets := []Market{
		{Name: "Portugal", New: true, Status: MarketAnalysed, AnalysedAt: at("2026-02-10 10:00")},
		{Name: "México", New: true, Status: MarketEntered, AnalysedAt: at("2025-11-10 10:00"), EnteredAt: at("2026-03-31 23:59")},
		{Name: "Chile", New: true, Status: MarketAnalysed, AnalysedAt: at("2025-12-31 23:59")},
		{Name: "Francia", New: false, Status: MarketAnalysed, AnalysedAt: at("2026-02-10 10:00")},
		{Name: "Perú", New: true, Status: MarketAnalysed},
		{Name: "Italia", New: true, Status: MarketIdentified, IdentifiedAt: at("2026-01-10 10:00")},
		{Name: "Brasil", New: true, Status: MarketAnalysed, AnalysedAt: at("2026-04-01 00:00")},
	}
	if got, want := NewMarketsAnalysed(markets, q1), []string{"México", "Portugal"}; !reflect.DeepEqual(got, want) {
		t.Errorf("analysed: got %v, want %v", got, want)
	}
	if got, want := NewMarkets(markets), []string{"Brasil", "Chile", "Italia", "México", "Perú", "Portugal"}; !reflect.DeepEqual(got, want) {
		t.Errorf("new: got %v, want %v", got, want)
	}
}

func TestWeightedMean(t *testing.T) {
	tests := []struct {
		name   string
		xs, ws []float64
		want   float64
	}{
		{"weights default to 1", []float64{0.5, 0.2, 1}, []float64{2, 1, 0}, 0.55},
		{"no weights", []float64{0.5, 0.25}, nil, 0.375},
		{"empty", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WeightedMean(tt.xs, tt.ws); !near(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
