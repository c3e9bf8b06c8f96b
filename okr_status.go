package rumbo

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// OKRSettings are the organisation's OKR rules. DefaultOKRSettings gives
// the numbers of the specification.
type OKRSettings struct {
	// OnTrackGap and AtRiskGap split the gap between expected and actual
	// progress: gap < OnTrackGap is on track, gap ≤ AtRiskGap at risk,
	// above it off track.
	OnTrackGap float64
	AtRiskGap  float64
	// LowConfidence: a latest check-in confidence at or below it makes a
	// key result at least at risk.
	LowConfidence int
	// StaleDays: a key result whose check-ins (manual) or data (measured)
	// are more than this many calendar days old is at least at risk.
	StaleDays int
}

// DefaultOKRSettings returns on track under 10 points of gap, at risk up to
// 25, low confidence at 3 of 10 or less, stale after 14 days.
func DefaultOKRSettings() OKRSettings {
	return OKRSettings{OnTrackGap: 0.10, AtRiskGap: 0.25, LowConfidence: 3, StaleDays: 14}
}

// TrackStatus says whether a key result or objective is on track.
type TrackStatus string

// Track statuses, from the weakest.
const (
	OffTrack TrackStatus = "off_track"
	AtRisk   TrackStatus = "at_risk"
	OnTrack  TrackStatus = "on_track"
)

func (s TrackStatus) rank() int {
	switch s {
	case OffTrack:
		return 0
	case AtRisk:
		return 1
	}
	return 2
}

// Weakest returns the weakest status (off track < at risk < on track);
// OnTrack when there is none.
func Weakest(ss ...TrackStatus) TrackStatus {
	w := OnTrack
	for _, s := range ss {
		if s.rank() < w.rank() {
			w = s
		}
	}
	return w
}

// StatusOf returns the status for a progress against the expected progress
// (the elapsed share): gap = expected − progress, rounded to 9 decimals so
// that 0.5 − 0.4 is exactly 10 points; gap < OnTrackGap on track, gap ≤
// AtRiskGap at risk, otherwise off track. Progress at or above 1 (target
// reached) is always on track.
func StatusOf(progress, expected float64, s OKRSettings) TrackStatus {
	if progress >= 1 {
		return OnTrack
	}
	gap := math.Round((expected-progress)*1e9) / 1e9
	switch {
	case gap < s.OnTrackGap:
		return OnTrack
	case gap <= s.AtRiskGap:
		return AtRisk
	}
	return OffTrack
}

// Reaches reports whether value reaches target: ≤ target for a decrease;
// otherwise on the way from start, ≥ target when the target is above the
// start and ≤ when below (a manual key result from 100 down to 50 without
// a direction).
func Reaches(value, start, target float64, dir Direction) bool {
	switch {
	case dir == Decrease:
		return value <= target+tolerance
	case target > start:
		return value >= target-tolerance
	case target < start:
		return value <= target+tolerance
	}
	return value >= target-tolerance
}

// LeastSquaresForecast fits the least-squares line value = a + b·x through
// the snapshots taken in p up to now, where x is the elapsed share of p at
// the snapshot (0 at the start, 1 at the end), and returns a + b: the line
// at the period's end. It returns false with fewer than two snapshots at
// distinct instants.
func LeastSquaresForecast(p Period, now time.Time, snaps []Snapshot) (float64, bool) {
	var xs, ys []float64
	for _, sn := range snaps {
		y, ok := ratFloat(sn.Value)
		if !ok || !p.Contains(sn.At) || sn.At.After(now) {
			continue
		}
		xs = append(xs, p.Elapsed(sn.At))
		ys = append(ys, y)
	}
	n := float64(len(xs))
	if n < 2 {
		return 0, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, false
	}
	b := sxy / sxx
	return my + b*(1-mx), true
}

// PaceForecast projects a period-to-date total linearly from the start:
// current ÷ elapsed share. It returns false before the period has begun.
func PaceForecast(p Period, now time.Time, current float64) (float64, bool) {
	e := p.Elapsed(now)
	if e <= 0 {
		return 0, false
	}
	return current / e, true
}

// KRInputs is what BuildKRStatus needs besides the key result itself: the
// clock, the period and whatever the data says about the key result.
type KRInputs struct {
	Period    Period
	Now       time.Time
	Additive  bool      // a metric key result's KPI is additive
	Current   *float64  // metric: the KPI over the period so far; nil when unknown
	DataAsOf  time.Time // last import of the key result's inputs; zero: never
	Snapshots []Snapshot
	CheckIns  []CheckIn
	Weekly    WeeklyData         // rate and guardrail key results
	Segments  []string           // segments from the data (SegmentSource set)
	Counts    map[string]float64 // segment key results: the KPI per segment
	Done      *int               // milestone from the data (MilestoneSource set)
}

// OKRStatus is the output of `rumbo okr status --format json`.
type OKRStatus struct {
	Objectives []ObjectiveStatus `json:"objectives"`
}

// ObjectiveStatus is one objective in OKRStatus.
type ObjectiveStatus struct {
	ID         int64       `json:"id"`
	Title      string      `json:"title"`
	Period     string      `json:"period"`
	Progress   float64     `json:"progress"`
	Status     TrackStatus `json:"status"`
	Score      *float64    `json:"score"`
	KeyResults []KRStatus  `json:"key_results"`
}

// KRStatus is one key result in OKRStatus. Progress and Expected are from 0
// to 1 (0 when nothing is known); Score is null until the period is closed;
// Source is "data" or "checkin".
type KRStatus struct {
	ID       int64       `json:"id"`
	Title    string      `json:"title"`
	Kind     KRKind      `json:"kind"`
	Start    *float64    `json:"start"`
	Target   *float64    `json:"target"`
	Current  *float64    `json:"current"`
	Progress float64     `json:"progress"`
	Expected float64     `json:"expected"`
	Status   TrackStatus `json:"status"`
	Score    *float64    `json:"score"`
	Forecast *float64    `json:"forecast"`
	Source   string      `json:"source"`
	// Reason says in English why the status is worse than progress alone
	// says, several reasons joined with "; "; Reasons carries the same as
	// codes with their numbers, for programs and translations.
	Reason     string         `json:"reason,omitempty"`
	Reasons    []StatusReason `json:"reasons,omitempty"`
	Confidence *int           `json:"confidence,omitempty"`
	// ForecastReaches says whether the forecast reaches the target.
	ForecastReaches *bool `json:"forecast_reaches,omitempty"`
}

// ReasonCode names one reason why a key result is at risk whatever its
// progress.
type ReasonCode string

// Reason codes of KRStatus.Reasons.
const (
	// ReasonBaseline: the baseline is to be established (first full week of data).
	ReasonBaseline ReasonCode = "baseline_pending"
	// ReasonLowConfidence: the latest check-in's confidence is low; Confidence says it.
	ReasonLowConfidence ReasonCode = "low_confidence"
	// ReasonNoCheckIn: no check-in for more than the stale days; Days says how many.
	ReasonNoCheckIn ReasonCode = "no_checkin"
	// ReasonNoData: no data has been imported yet.
	ReasonNoData ReasonCode = "no_data"
	// ReasonStaleData: the data was last imported Days days ago.
	ReasonStaleData ReasonCode = "stale_data"
)

// StatusReason is one reason of a key result's status: a code and, for
// some codes, its number.
type StatusReason struct {
	Code       ReasonCode `json:"code"`
	Days       int        `json:"days,omitempty"`       // no_checkin, stale_data
	Confidence *int       `json:"confidence,omitempty"` // low_confidence
}

// String is the reason in English, as KRStatus.Reason shows it.
func (r StatusReason) String() string {
	switch r.Code {
	case ReasonBaseline:
		return "baseline to be established (first full week of data)"
	case ReasonLowConfidence:
		c := 0
		if r.Confidence != nil {
			c = *r.Confidence
		}
		return fmt.Sprintf("confidence %d/10", c)
	case ReasonNoCheckIn:
		return fmt.Sprintf("no check-in for %d days", r.Days)
	case ReasonNoData:
		return "no data imported yet"
	case ReasonStaleData:
		return fmt.Sprintf("data last imported %d days ago", r.Days)
	}
	return string(r.Code)
}

// Outdated returns how many days the key result's check-ins or data are
// out of date, 0 when they are not.
func (s *KRStatus) Outdated() int {
	for _, r := range s.Reasons {
		if r.Code == ReasonNoCheckIn || r.Code == ReasonStaleData {
			return r.Days
		}
	}
	return 0
}

// Sources of a key result's current value.
const (
	SourceData    = "data"
	SourceCheckIn = "checkin"
)

// BuildKRStatus computes a key result's status line from its inputs: start,
// target and current (see docs/okrs.md for what each kind shows), progress,
// expected progress, status with its reason, forecast and score.
func BuildKRStatus(kr KeyResult, in KRInputs, s OKRSettings) KRStatus {
	out := KRStatus{ID: kr.ID, Title: kr.Title, Kind: kr.Kind, Source: SourceData,
		Expected: in.Period.Elapsed(in.Now), Score: effectiveScore(kr.Score, kr.ScoreOverride)}
	var reasons []StatusReason
	pending := false
	forecastable := false
	switch kr.Kind {
	case KRMetric:
		if kr.Start == nil || kr.Target == nil {
			pending = true
			out.Target = ratPtr(kr.Target)
			break
		}
		out.Start, out.Target, out.Current = ratPtr(kr.Start), ratPtr(kr.Target), in.Current
		if in.Current != nil {
			out.Progress = Progress(*out.Start, *out.Target, *in.Current, kr.direction())
		}
		forecastable = true
	case KRManual:
		out.Source = SourceCheckIn
		start, target := kr.Start, kr.Target
		zero, one := 0.0, 1.0
		out.Start, out.Target = ratPtr(start), ratPtr(target)
		if kr.Unit == ManualYesNo && (start == nil || target == nil) {
			out.Start, out.Target = &zero, &one
		}
		if v, ok := latestValue(in.CheckIns); ok {
			out.Current = &v
			if out.Start != nil && out.Target != nil {
				out.Progress = Progress(*out.Start, *out.Target, v, kr.direction())
			}
		}
		forecastable = out.Start != nil && out.Target != nil
	case KRRate:
		rate, ok := ratFloat(kr.Rate)
		if !ok {
			pending = true
			break
		}
		zero := 0.0
		out.Start, out.Target = &zero, &rate
		r := RateProgress(in.Period, in.Now, rate, kr.PerRep, kr.RateMode, in.Weekly)
		out.Current, out.Progress = r.Average, r.Progress
		if kr.RateMode == RateAverage && r.Completed > 0 {
			// The average rate must be held every week, not built up.
			out.Expected = 1
		}
	case KRGuardrail:
		lo, _ := ratFloat(kr.Min)
		hi, _ := ratFloat(kr.Max)
		switch kr.Op {
		case GuardAbove:
			out.Target = ratPtr(kr.Min)
		case GuardBelow:
			out.Target = ratPtr(kr.Max)
		}
		r := GuardrailProgress(in.Period, in.Now, kr.Op, lo, hi, in.Weekly)
		out.Current, out.Progress = r.Last, r.Progress
	case KRSegment:
		segs := kr.Segments
		if kr.SegmentSource != "" {
			segs = in.Segments
		}
		target, _ := ratFloat(kr.SegmentTarget)
		p, sum := SegmentProgress(segs, target, in.Counts)
		n, zero := float64(len(segs)), 0.0
		out.Start, out.Target, out.Current, out.Progress = &zero, &n, &sum, p
	case KRMilestone:
		n := kr.MilestoneTarget
		if n <= 0 {
			n = len(kr.Items)
		}
		zero, nf := 0.0, float64(n)
		out.Start, out.Target = &zero, &nf
		done, known := ItemsDone(kr.Items), true
		if kr.MilestoneSource != "" {
			done, known = 0, in.Done != nil
			if known {
				done = *in.Done
			}
		} else {
			out.Source = SourceCheckIn
		}
		if known {
			d := float64(done)
			out.Current = &d
		}
		out.Progress = MilestoneProgress(done, n)
	}
	if forecastable {
		out.Forecast, out.ForecastReaches = forecast(kr, in, out)
	}
	conf := latestConfidence(in.CheckIns)
	out.Confidence = conf
	started := in.Now.After(in.Period.Start)
	switch {
	case !started:
		out.Status = OnTrack
	case pending:
		out.Status = AtRisk
		reasons = append(reasons, StatusReason{Code: ReasonBaseline})
	default:
		out.Status = StatusOf(out.Progress, out.Expected, s)
	}
	if started && out.Progress < 1 {
		if conf != nil && *conf <= s.LowConfidence {
			out.Status = Weakest(out.Status, AtRisk)
			c := *conf
			reasons = append(reasons, StatusReason{Code: ReasonLowConfidence, Confidence: &c})
		}
		if r, ok := staleness(out.Source, in, s); ok {
			out.Status = Weakest(out.Status, AtRisk)
			reasons = append(reasons, r)
		}
	}
	texts := make([]string, len(reasons))
	for i, r := range reasons {
		texts[i] = r.String()
	}
	out.Reasons, out.Reason = reasons, strings.Join(texts, "; ")
	return out
}

// forecast returns the key result's forecast end value and whether it
// reaches the target: the current value once the period is over, else the
// least-squares line through the snapshots (check-in values for manual key
// results), else for an additive metric the pace projection.
func forecast(kr KeyResult, in KRInputs, out KRStatus) (*float64, *bool) {
	var v float64
	ok := false
	snaps := in.Snapshots
	if kr.Kind == KRManual {
		snaps = checkInSnapshots(in.CheckIns)
	}
	switch {
	case !in.Now.Before(in.Period.End):
		if out.Current != nil {
			v, ok = *out.Current, true
		}
	default:
		v, ok = LeastSquaresForecast(in.Period, in.Now, snaps)
		if !ok && kr.Kind == KRMetric && in.Additive && out.Current != nil {
			v, ok = PaceForecast(in.Period, in.Now, *out.Current)
		}
	}
	if !ok || out.Start == nil || out.Target == nil {
		return nil, nil
	}
	reach := Reaches(v, *out.Start, *out.Target, kr.direction())
	return &v, &reach
}

// staleness returns why a key result's inputs are stale at now (or at the
// period's end once it is over), and false when they are not.
func staleness(source string, in KRInputs, s OKRSettings) (StatusReason, bool) {
	loc := in.Period.Location()
	ref := minTime(in.Now, in.Period.End)
	stale := func(last time.Time) (int, bool) {
		d := CalendarDays(last, ref, loc)
		return d, d > s.StaleDays // in calendar days: exactly StaleDays is not stale yet
	}
	if source == SourceCheckIn {
		last := in.Period.Start
		for _, c := range in.CheckIns {
			if c.At.After(last) {
				last = c.At
			}
		}
		if days, ok := stale(last); ok {
			return StatusReason{Code: ReasonNoCheckIn, Days: days}, true
		}
		return StatusReason{}, false
	}
	if in.DataAsOf.IsZero() {
		return StatusReason{Code: ReasonNoData}, true
	}
	if days, ok := stale(in.DataAsOf); ok {
		return StatusReason{Code: ReasonStaleData, Days: days}, true
	}
	return StatusReason{}, false
}

// latestValue returns the value of the latest check-in that has one.
func latestValue(cs []CheckIn) (float64, bool) {
	var best *CheckIn
	for i := range cs {
		if cs[i].Value != nil && (best == nil || !cs[i].At.Before(best.At)) {
			best = &cs[i]
		}
	}
	if best == nil {
		return 0, false
	}
	return ratFloat(best.Value)
}

// latestConfidence returns the confidence of the latest check-in that has
// one, or nil.
func latestConfidence(cs []CheckIn) *int {
	var best *CheckIn
	for i := range cs {
		if cs[i].Confidence != nil && (best == nil || !cs[i].At.Before(best.At)) {
			best = &cs[i]
		}
	}
	if best == nil {
		return nil
	}
	c := *best.Confidence
	return &c
}

func checkInSnapshots(cs []CheckIn) []Snapshot {
	var out []Snapshot
	for _, c := range cs {
		if c.Value != nil {
			out = append(out, Snapshot{KRID: c.KRID, At: c.At, Value: c.Value})
		}
	}
	return out
}

// BuildObjectiveStatus computes an objective's status line from its key
// results' lines, given in the order of o.KeyResults: progress = the
// weighted mean of their progress, status = the weakest of theirs.
func BuildObjectiveStatus(o Objective, krs []KRStatus) ObjectiveStatus {
	out := ObjectiveStatus{ID: o.ID, Title: o.Title, Period: o.Period.Label, Status: OnTrack,
		Score: effectiveScore(o.Score, o.ScoreOverride), KeyResults: krs}
	if out.KeyResults == nil {
		out.KeyResults = []KRStatus{}
	}
	ps := make([]float64, len(krs))
	ws := make([]float64, len(krs))
	for i, k := range krs {
		ps[i] = k.Progress
		if i < len(o.KeyResults) {
			ws[i] = o.KeyResults[i].weight()
		}
		out.Status = Weakest(out.Status, k.Status)
	}
	out.Progress = WeightedMean(ps, ws)
	return out
}

func effectiveScore(score, override *float64) *float64 {
	if override != nil {
		v := *override
		return &v
	}
	if score != nil {
		v := *score
		return &v
	}
	return nil
}
