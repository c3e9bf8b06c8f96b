package rumbo

import (
	"encoding/json"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestStatusOf(t *testing.T) {
	def := DefaultOKRSettings()
	strict := OKRSettings{OnTrackGap: 0.05, AtRiskGap: 0.15, LowConfidence: 3, StaleDays: 14}
	tests := []struct {
		name               string
		progress, expected float64
		s                  OKRSettings
		want               TrackStatus
	}{
		{"ahead", 0.6, 0.5, def, OnTrack},
		{"exactly on pace", 0.5, 0.5, def, OnTrack},
		{"gap 9 points", 0.41, 0.5, def, OnTrack},
		{"gap exactly 10 points is at risk (0.5 − 0.4 in floats)", 0.4, 0.5, def, AtRisk},
		{"gap exactly 25 points is at risk", 0.25, 0.5, def, AtRisk},
		{"gap 26 points is off track", 0.24, 0.5, def, OffTrack},
		{"target reached", 1, 1, def, OnTrack},
		{"configured: gap 6 points at risk", 0.44, 0.5, strict, AtRisk},
		{"configured: gap 16 points off track", 0.34, 0.5, strict, OffTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StatusOf(tt.progress, tt.expected, tt.s); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if got := Weakest(OnTrack, OffTrack, AtRisk); got != OffTrack {
		t.Errorf("Weakest = %s", got)
	}
	if got := Weakest(); got != OnTrack {
		t.Errorf("Weakest() = %s", got)
	}
}

func TestReaches(t *testing.T) {
	tests := []struct {
		name                 string
		value, start, target float64
		dir                  Direction
		want                 bool
	}{
		{"increase reached", 120, 0, 100, Increase, true},
		{"increase short", 99, 0, 100, Increase, false},
		{"decrease reached", 13.8, 20, 14, Decrease, true},
		{"decrease short", 14.5, 20, 14, Decrease, false},
		{"flat decrease", 4, 5, 5, Decrease, true},
		{"flat increase", 4, 5, 5, Increase, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reaches(tt.value, tt.start, tt.target, tt.dir); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// Least squares by hand, period 2–11 March 2026 (10 days, UTC): snapshots
// at x = 0.2, 0.4, 0.6 with y = 10, 22, 30: x̄ = 0.4, ȳ = 62/3,
// Sxy = (−0.2)(−32/3) + 0 + (0.2)(28/3) = 4, Sxx = 0.08, slope 50,
// end value ȳ + 50 × 0.6 = 152/3. Decreasing 20, 18, 17: ȳ = 55/3,
// Sxy = −0.6, slope −7.5, end 55/3 − 4.5 = 83/6.
func TestForecast(t *testing.T) {
	p := okrPeriod(t, "2026-03-02..2026-03-11", time.UTC)
	at := func(s string) time.Time { return okrAt(t, time.UTC, s) }
	snaps := func(vals ...string) []Snapshot {
		days := []string{"2026-03-04 00:00", "2026-03-06 00:00", "2026-03-08 00:00"}
		var out []Snapshot
		for i, v := range vals {
			out = append(out, Snapshot{At: at(days[i]), Value: okrRat(t, v)})
		}
		return out
	}
	outside := Snapshot{At: at("2026-02-27 00:00"), Value: okrRat(t, "1000")}
	now := at("2026-03-08 12:00") // 6.5 of 10 days
	additive := KeyResult{Title: "surveys", Kind: KRMetric, Start: okrRat(t, "0"), Target: okrRat(t, "50"), Direction: Increase}
	faster := additive
	faster.Target = okrRat(t, "60")
	decrease := KeyResult{Title: "response time", Kind: KRMetric, Start: okrRat(t, "20"), Target: okrRat(t, "14"), Direction: Decrease}
	tests := []struct {
		name     string
		kr       KeyResult
		additive bool
		snaps    []Snapshot
		current  float64
		forecast float64 // -1: none
		reaches  bool
	}{
		{"least squares on 3 snapshots", additive, true, append(snaps("10", "22", "30"), outside), 30, 152.0 / 3, true},
		{"least squares short of the target", faster, true, snaps("10", "22", "30"), 30, 152.0 / 3, false},
		{"least squares, decrease", decrease, false, snaps("20", "18", "17"), 17, 83.0 / 6, true},
		{"one snapshot, additive: pace 20 ÷ 0.65", additive, true, snaps("20"), 20, 20 / 0.65, false},
		{"one snapshot, non-additive: none", decrease, false, snaps("18"), 18, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := BuildKRStatus(tt.kr, KRInputs{Period: p, Now: now, Additive: tt.additive, Current: okrF(tt.current),
				Snapshots: tt.snaps, DataAsOf: now}, DefaultOKRSettings())
			if tt.forecast < 0 {
				if st.Forecast != nil {
					t.Errorf("got forecast %v, want none", *st.Forecast)
				}
				return
			}
			if st.Forecast == nil || !near(*st.Forecast, tt.forecast) || st.ForecastReaches == nil || *st.ForecastReaches != tt.reaches {
				t.Errorf("got forecast %v reaches %v, want %v %v", st.Forecast, st.ForecastReaches, tt.forecast, tt.reaches)
			}
		})
	}
	if _, ok := LeastSquaresForecast(p, now, []Snapshot{{At: at("2026-03-04 00:00"), Value: big.NewRat(1, 1)},
		{At: at("2026-03-04 00:00"), Value: big.NewRat(2, 1)}}); ok {
		t.Error("forecast from two snapshots at the same instant")
	}
}

// BuildKRStatus on 2026-Q2 in Madrid (91 days, no DST change): at 16 May
// 12:00, 45.5 days have elapsed, exactly half.
func TestBuildKRStatus(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q2 := okrPeriod(t, "2026-Q2", loc)
	at := func(s string) time.Time { return okrAt(t, loc, s) }
	r := func(s string) *big.Rat { return okrRat(t, s) }
	mid := at("2026-05-16 12:00")
	fresh := at("2026-05-16 06:00")
	revenue := KeyResult{ID: 1, Title: "revenue +20 %", Kind: KRMetric, KPI: "revenue", Start: r("0"), Target: r("120000"), Direction: Increase}
	response := KeyResult{ID: 2, Title: "response time −30 %", Kind: KRMetric, KPI: "response_time", Start: r("20"), Target: r("14"), Direction: Decrease}
	manual := KeyResult{ID: 3, Title: "NPS", Kind: KRManual, Unit: ManualNumber, Start: r("0"), Target: r("100")}
	ci := func(day string, value string, conf int) CheckIn {
		c := CheckIn{KRID: 3, At: at(day), Confidence: okrI(conf)}
		if value != "" {
			c.Value = r(value)
		}
		return c
	}
	tests := []struct {
		name     string
		kr       KeyResult
		in       KRInputs
		progress float64
		current  float64 // -1: nil
		status   TrackStatus
		reason   string
	}{
		{"additive KR at mid-quarter exactly on pace is on track", revenue,
			KRInputs{Current: okrF(60000), Additive: true, DataAsOf: fresh}, 0.5, 60000, OnTrack, ""},
		{"additive KR behind pace", revenue,
			KRInputs{Current: okrF(30000), Additive: true, DataAsOf: fresh}, 0.25, 30000, AtRisk, ""},
		{"target reached early is 1.0 and on track", revenue,
			KRInputs{Now: at("2026-04-20 00:00"), Current: okrF(150000), Additive: true, DataAsOf: at("2026-04-19 00:00")}, 1, 150000, OnTrack, ""},
		{"target reached stays 1.0 even with stale data", revenue,
			KRInputs{Current: okrF(150000), Additive: true, DataAsOf: at("2026-04-20 00:00")}, 1, 150000, OnTrack, ""},
		{"decrease KR with current above the start: progress 0", response,
			KRInputs{Current: okrF(23), DataAsOf: fresh}, 0, 23, OffTrack, ""},
		{"decrease KR half way", response,
			KRInputs{Current: okrF(17), DataAsOf: fresh}, 0.5, 17, OnTrack, ""},
		{"no current value yet: progress 0", revenue,
			KRInputs{DataAsOf: fresh}, 0, -1, OffTrack, ""},
		{"metric data last imported 20 days ago is at risk", revenue,
			KRInputs{Current: okrF(60000), Additive: true, DataAsOf: at("2026-04-26 10:00")}, 0.5, 60000, AtRisk, "data last imported 20 days ago"},
		{"metric data never imported is at risk", revenue,
			KRInputs{Current: okrF(60000), Additive: true}, 0.5, 60000, AtRisk, "no data imported yet"},
		{"manual: value going down after a check-in", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-05-10 09:00", "40", 7), ci("2026-04-20 09:00", "60", 7)}}, 0.4, 40, AtRisk, ""},
		{"manual on pace", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-05-10 09:00", "50", 7)}}, 0.5, 50, OnTrack, ""},
		{"confidence ≤ 3 makes an on-track KR at risk", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-05-10 09:00", "50", 3)}}, 0.5, 50, AtRisk, "confidence 3/10"},
		{"confidence 4 is fine", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-05-10 09:00", "50", 4)}}, 0.5, 50, OnTrack, ""},
		{"the latest confidence counts", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-05-12 09:00", "", 8), ci("2026-05-10 09:00", "50", 2)}}, 0.5, 50, OnTrack, ""},
		{"off track stays off track with low confidence", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-05-10 09:00", "10", 1)}}, 0.1, 10, OffTrack, "confidence 1/10"},
		{"stale manual KR is at risk with the reason", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-04-30 10:00", "50", 7)}}, 0.5, 50, AtRisk, "no check-in for 16 days"},
		{"check-in exactly 14 days ago is not stale", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-05-02 12:00", "50", 7)}}, 0.5, 50, OnTrack, ""},
		{"no check-in since the period started 15 days ago", KeyResult{Title: "launch", Kind: KRManual, Unit: ManualYesNo},
			KRInputs{Now: at("2026-04-16 00:00")}, 0, -1, AtRisk, "no check-in for 15 days"},
		{"yes/no done", KeyResult{Title: "launch", Kind: KRManual, Unit: ManualYesNo},
			KRInputs{CheckIns: []CheckIn{ci("2026-05-10 09:00", "1", 9)}}, 1, 1, OnTrack, ""},
		{"low confidence and stale: both reasons", manual,
			KRInputs{CheckIns: []CheckIn{ci("2026-04-30 10:00", "50", 2)}}, 0.5, 50, AtRisk, "confidence 2/10; no check-in for 16 days"},
		{"before the period starts", revenue,
			KRInputs{Now: at("2026-03-20 00:00")}, 0, -1, OnTrack, ""},
		{"per-segment KR with one segment without data",
			KeyResult{Title: "2 sales per new market", Kind: KRSegment, KPI: "new_market_sales", SegmentBy: "market", SegmentSource: SourceNewMarkets, SegmentTarget: r("2")},
			KRInputs{Segments: []string{"Chile", "México", "Portugal"}, Counts: map[string]float64{"México": 2, "Portugal": 1}, DataAsOf: fresh},
			0.5, 1.5, OnTrack, ""},
		{"milestone from data", KeyResult{Title: "3 markets", Kind: KRMilestone, MilestoneSource: SourceNewMarketsAnalysed, MilestoneTarget: 3},
			KRInputs{Done: okrI(1), DataAsOf: fresh}, 1.0 / 3, 1, AtRisk, ""},
		{"milestone from items", KeyResult{Title: "launch", Kind: KRMilestone, Items: []MilestoneItem{{"a", true}, {"b", true}, {"c", false}, {"d", false}}},
			KRInputs{CheckIns: []CheckIn{ci("2026-05-10 09:00", "", 6)}}, 0.5, 2, OnTrack, ""},
		{"rate to be established", KeyResult{Title: "calls +50 %", Kind: KRRate, KPI: "activities"},
			KRInputs{DataAsOf: fresh}, 0, -1, AtRisk, "baseline to be established (first full week of data)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Period = q2
			if in.Now.IsZero() {
				in.Now = mid
			}
			got := BuildKRStatus(tt.kr, in, DefaultOKRSettings())
			cur := -1.0
			if got.Current != nil {
				cur = *got.Current
			}
			if !near(got.Progress, tt.progress) || cur != tt.current || got.Status != tt.status || got.Reason != tt.reason {
				t.Errorf("got progress %v current %v status %s reason %q, want %v %v %s %q",
					got.Progress, cur, got.Status, got.Reason, tt.progress, tt.current, tt.status, tt.reason)
			}
			if got.Progress < 0 || got.Progress > 1 || got.Expected < 0 || got.Expected > 1 {
				t.Errorf("progress %v or expected %v out of 0..1", got.Progress, got.Expected)
			}
		})
	}
}

// The reasons of a status travel as codes with their numbers, the same as
// the English text, so that a UI translates them without reading the text.
func TestStatusReasons(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q2 := okrPeriod(t, "2026-Q2", loc)
	at := func(s string) time.Time { return okrAt(t, loc, s) }
	r := func(s string) *big.Rat { return okrRat(t, s) }
	mid := at("2026-05-16 12:00")
	manual := KeyResult{ID: 3, Title: "NPS", Kind: KRManual, Unit: ManualNumber, Start: r("0"), Target: r("100")}
	revenue := KeyResult{ID: 1, Title: "revenue", Kind: KRMetric, KPI: "revenue", Start: r("0"), Target: r("100")}
	tests := []struct {
		name     string
		kr       KeyResult
		in       KRInputs
		want     []StatusReason
		outdated int
	}{
		{"low confidence and no check-in", manual,
			KRInputs{CheckIns: []CheckIn{{KRID: 3, At: at("2026-04-30 10:00"), Value: r("50"), Confidence: okrI(2)}}},
			[]StatusReason{{Code: ReasonLowConfidence, Confidence: okrI(2)}, {Code: ReasonNoCheckIn, Days: 16}}, 16},
		{"stale data", revenue, KRInputs{Current: okrF(50), DataAsOf: at("2026-04-26 10:00")},
			[]StatusReason{{Code: ReasonStaleData, Days: 20}}, 20},
		{"no data", revenue, KRInputs{Current: okrF(50)}, []StatusReason{{Code: ReasonNoData}}, 0},
		{"baseline pending", KeyResult{Title: "calls", Kind: KRRate, KPI: "activities"}, KRInputs{DataAsOf: mid},
			[]StatusReason{{Code: ReasonBaseline}}, 0},
		{"none", revenue, KRInputs{Current: okrF(50), DataAsOf: mid}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Period, in.Now = q2, mid
			got := BuildKRStatus(tt.kr, in, DefaultOKRSettings())
			if !reflect.DeepEqual(got.Reasons, tt.want) {
				t.Errorf("reasons = %+v, want %+v", got.Reasons, tt.want)
			}
			var texts []string
			for _, x := range got.Reasons {
				texts = append(texts, x.String())
			}
			if strings.Join(texts, "; ") != got.Reason {
				t.Errorf("reason %q is not the reasons' text %q", got.Reason, texts)
			}
			if n := got.Outdated(); n != tt.outdated {
				t.Errorf("outdated %d days, want %d", n, tt.outdated)
			}
		})
	}
}

// 2026-Q4 in Madrid holds the autumn DST change (25 October), so it lasts
// 92 days and one hour: 2209 hours. Half of it, 1104.5 hours, falls on
// 15 November at 23:30, not at 00:00 as calendar days would say.
func TestKRStatusAcrossDST(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q4 := okrPeriod(t, "2026-Q4", loc)
	kr := KeyResult{Title: "demos", Kind: KRManual, Unit: ManualNumber, Start: okrRat(t, "0"), Target: okrRat(t, "10")}
	checkIns := []CheckIn{{At: okrAt(t, loc, "2026-11-10 10:00"), Value: okrRat(t, "4"), Confidence: okrI(7)}}
	tests := []struct {
		name     string
		now      string
		expected float64
		status   TrackStatus
	}{
		// Calendar days would say 45.98/92 = 0.4998: a gap under 10 points.
		{"half of the period: gap of exactly 10 points", "2026-11-15 23:30", 0.5, AtRisk},
		{"before the change", "2026-10-25 00:00", 576.0 / 2209, OnTrack},
		{"period over", "2027-01-01 00:00", 1, OffTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BuildKRStatus(kr, KRInputs{Period: q4, Now: okrAt(t, loc, tt.now), CheckIns: checkIns}, DefaultOKRSettings())
			if !near(got.Expected, tt.expected) || got.Progress != 0.4 || got.Status != tt.status {
				t.Errorf("got expected %v progress %v status %s, want %v 0.4 %s", got.Expected, got.Progress, got.Status, tt.expected, tt.status)
			}
		})
	}
}

func TestBuildObjectiveStatus(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	o := Objective{ID: 7, Title: "Ventas", Period: okrPeriod(t, "2026-Q2", loc),
		KeyResults: []KeyResult{{Weight: 2}, {Weight: 1}, {}}}
	krs := []KRStatus{{Progress: 0.5, Status: OnTrack}, {Progress: 0.2, Status: OffTrack}, {Progress: 1, Status: AtRisk}}
	got := BuildObjectiveStatus(o, krs)
	// (2 × 0.5 + 0.2 + 1) ÷ 4 = 0.55; the weakest is off track.
	if !near(got.Progress, 0.55) || got.Status != OffTrack || got.Period != "2026-Q2" || got.Score != nil {
		t.Errorf("got %+v, want progress 0.55 off_track", got)
	}
	krs[1].Status = AtRisk
	if got := BuildObjectiveStatus(o, krs); got.Status != AtRisk {
		t.Errorf("got %s, want at_risk", got.Status)
	}
}

func TestOKRStatusJSON(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q2 := okrPeriod(t, "2026-Q2", loc)
	kr := KeyResult{ID: 11, Title: "revenue", Kind: KRMetric, KPI: "revenue", Start: big.NewRat(0, 1), Target: big.NewRat(100, 1)}
	o := Objective{ID: 1, Title: "Ventas", Period: q2, KeyResults: []KeyResult{kr}}
	now := okrAt(t, loc, "2026-05-16 12:00")
	st := BuildKRStatus(kr, KRInputs{Period: q2, Now: now, Additive: true, Current: okrF(50), DataAsOf: now}, DefaultOKRSettings())
	out := OKRStatus{Objectives: []ObjectiveStatus{BuildObjectiveStatus(o, []KRStatus{st})}}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"objectives":[{"id":1,"title":"Ventas","period":"2026-Q2","progress":0.5,"status":"on_track","score":null,` +
		`"key_results":[{"id":11,"title":"revenue","kind":"metric","start":0,"target":100,"current":50,"progress":0.5,` +
		`"expected":0.5,"status":"on_track","score":null,"forecast":100,"source":"data","forecast_reaches":true}]}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

// TestFourteenCalendarDaysIsNotStale: staleness counts calendar days, and
// exactly StaleDays (14) is not stale yet, for check-ins and for data.
func TestFourteenCalendarDaysIsNotStale(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q2 := okrPeriod(t, "2026-Q2", loc)
	manual := KeyResult{ID: 3, Title: "NPS", Kind: KRManual, Unit: ManualNumber, Start: okrRat(t, "0"), Target: okrRat(t, "100")}
	for _, c := range []struct {
		now   string
		stale bool
	}{{"2026-05-14 12:00", false}, {"2026-05-15 08:00", true}} {
		in := KRInputs{Period: q2, Now: okrAt(t, loc, c.now),
			CheckIns: []CheckIn{{KRID: 3, At: okrAt(t, loc, "2026-04-30 10:00"), Value: okrRat(t, "50")}}}
		got := BuildKRStatus(manual, in, DefaultOKRSettings())
		if stale := got.Reason != ""; stale != c.stale {
			t.Errorf("check-in on 30 April 10:00, seen %s: %s %q, want stale %v", c.now, got.Status, got.Reason, c.stale)
		}
		revenue := KeyResult{ID: 1, Title: "revenue", Kind: KRMetric, KPI: "revenue", Start: okrRat(t, "0"), Target: okrRat(t, "100")}
		in = KRInputs{Period: q2, Now: okrAt(t, loc, c.now), Current: okrF(50), DataAsOf: okrAt(t, loc, "2026-04-30 10:00")}
		got = BuildKRStatus(revenue, in, DefaultOKRSettings())
		if stale := strings.Contains(got.Reason, "14") || strings.Contains(got.Reason, "15"); stale != c.stale {
			t.Errorf("data imported on 30 April 10:00, seen %s: %s %q, want stale %v", c.now, got.Status, got.Reason, c.stale)
		}
	}
}

// TestDecreaseReaches: a forecast reaches a decrease's target when it is at
// or below it, whatever side of the start the target is on (a key result
// on a total, as stored before CheckMetricKR refused them: start 0, target
// 80); without a direction, the side of the start decides.
func TestDecreaseReaches(t *testing.T) {
	for _, c := range []struct {
		value, start, target float64
		dir                  Direction
		want                 bool
	}{
		{100, 0, 80, Decrease, false},
		{70, 0, 80, Decrease, true},
		{13.8, 20, 14, Decrease, true},
		{15, 20, 14, Decrease, false},
		{40, 100, 50, "", true}, // a manual key result from 100 down to 50
		{60, 100, 50, "", false},
		{50, 0, 50, Increase, true},
	} {
		if got := Reaches(c.value, c.start, c.target, c.dir); got != c.want {
			t.Errorf("Reaches(%v, start %v, target %v, %q) = %v, want %v", c.value, c.start, c.target, c.dir, got, c.want)
		}
	}
}

func TestCheckMetricKR(t *testing.T) {
	for _, c := range []struct {
		kr       KeyResult
		additive bool
		want     string
	}{
		{KeyResult{Title: "a", Kind: KRMetric, KPI: "revenue", ChangeKind: ChangeRelative, Direction: Decrease}, true, "only grows"},
		{KeyResult{Title: "a", Kind: KRMetric, KPI: "revenue", ChangeKind: ChangeAbsolute, Direction: Decrease}, true, "only grows"},
		{KeyResult{Title: "a", Kind: KRMetric, KPI: "revenue", ChangeKind: ChangePoints}, true, "percentage points"},
		{KeyResult{Title: "a", Kind: KRMetric, KPI: "revenue", ChangeKind: ChangeRelative}, true, ""},
		{KeyResult{Title: "a", Kind: KRMetric, KPI: "response_time", ChangeKind: ChangeRelative, Direction: Decrease}, false, ""},
		{KeyResult{Title: "a", Kind: KRGuardrail, KPI: "revenue", Direction: Decrease}, true, ""},
	} {
		err := CheckMetricKR(c.kr, c.additive)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || ErrorCode(err) != EINVALID) {
			t.Errorf("%+v additive %v: %v, want %q", c.kr, c.additive, err, c.want)
		}
	}
}
