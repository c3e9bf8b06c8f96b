package rumbo

import (
	"math/big"
	"strings"
	"time"
)

// OwnerKind says who owns an objective: a person, a team or the whole
// organisation.
type OwnerKind string

// Owner kinds.
const (
	OwnerPerson OwnerKind = "person"
	OwnerTeam   OwnerKind = "team"
	OwnerOrg    OwnerKind = "org"
)

// ObjectiveType is committed (expected to reach 1.0) or aspirational (0.7 is
// a good score).
type ObjectiveType string

// Objective types.
const (
	Committed    ObjectiveType = "committed"
	Aspirational ObjectiveType = "aspirational"
)

// Objective is a qualitative goal for one period, measured by 1–5 key
// results. Numbers are plain fields so that a store can keep them as they
// are; every rule on them is a pure function of this package.
type Objective struct {
	ID          int64
	Title       string
	Description string
	OwnerKind   OwnerKind
	Owner       string // the person's or team's name; "" for the organisation
	Period      Period // a quarter by default, or a custom range of dates
	Type        ObjectiveType
	ParentID    int64 // the objective this one aligns with; 0 for none
	KeyResults  []KeyResult

	// Score is the computed end-of-period score (0.0–1.0, two decimals),
	// nil until the period is closed. ScoreOverride, when set, is the score
	// shown instead; Score keeps the computed one and ScoreNote says why.
	Score         *float64
	ScoreOverride *float64
	ScoreNote     string
}

// KRKind is the kind of a key result.
type KRKind string

// Key result kinds.
const (
	KRMetric    KRKind = "metric"    // bound to a KPI, updates itself from the data
	KRRate      KRKind = "rate"      // a weekly count: "3 presentations a week"
	KRSegment   KRKind = "segment"   // one target per segment: "2 sales in each new market"
	KRManual    KRKind = "manual"    // a number, percent, currency or yes/no from check-ins
	KRMilestone KRKind = "milestone" // items done or not
	KRGuardrail KRKind = "guardrail" // stay above, below or within a band every week
)

// KRKinds lists every key result kind.
var KRKinds = []KRKind{KRMetric, KRRate, KRSegment, KRManual, KRMilestone, KRGuardrail}

// BaselineSource says where a key result's baseline comes from.
type BaselineSource string

// Baseline sources. BaselineNone is an absolute target with no baseline.
const (
	BaselineNone                BaselineSource = "none"
	BaselinePreviousQuarter     BaselineSource = "previous_quarter"
	BaselineSameQuarterLastYear BaselineSource = "same_quarter_last_year"
)

// ChangeKind says how a key result's target follows from its baseline.
type ChangeKind string

// Change kinds.
const (
	ChangeRelative ChangeKind = "relative" // Change is a fraction: 0.20 is +20 %
	ChangePoints   ChangeKind = "points"   // Change is in the KPI's unit: 0.10 is +10 percentage points of a ratio
	ChangeAbsolute ChangeKind = "absolute" // Change is the target value itself
)

// Direction is the way a key result's value must move.
type Direction string

// Directions.
const (
	Increase Direction = "increase"
	Decrease Direction = "decrease"
)

// RateMode says how a rate key result's progress is measured.
type RateMode string

// Rate modes.
const (
	RateWeeksMet RateMode = "weeks_met" // weeks that met the rate ÷ weeks in the period (default)
	RateAverage  RateMode = "average"   // mean weekly rate ÷ the rate, clamped
)

// ManualUnit is the unit of a manual key result.
type ManualUnit string

// Manual units. A yes/no key result goes from 0 (no) to 1 (yes).
const (
	ManualNumber   ManualUnit = "number"
	ManualPercent  ManualUnit = "percent"
	ManualCurrency ManualUnit = "currency"
	ManualYesNo    ManualUnit = "yesno"
)

// GuardOp says which side of a band a guardrail key result must stay on.
type GuardOp string

// Guardrail operators; all bounds are inclusive.
const (
	GuardAbove  GuardOp = "above"  // value ≥ Min
	GuardBelow  GuardOp = "below"  // value ≤ Max
	GuardWithin GuardOp = "within" // Min ≤ value ≤ Max
)

// Data sources of key results measured from records rather than from one
// KPI value.
const (
	// SourceNewMarkets makes a segment key result's segments the markets
	// flagged new (see NewMarkets).
	SourceNewMarkets = "new_markets"
	// SourceNewMarketsAnalysed makes a milestone key result's done count the
	// markets flagged new that reached analysed or entered in the period
	// (see NewMarketsAnalysed).
	SourceNewMarketsAnalysed = "new_markets_analysed"
)

// MilestoneItem is one item of a milestone key result.
type MilestoneItem struct {
	Title string
	Done  bool
}

// KeyResult is a measurable result of an objective. Kind decides which of
// the kind-specific fields apply; the others stay zero. Numbers that may be
// money are exact (*big.Rat, as in Target); progress is computed in float64.
type KeyResult struct {
	ID          int64
	ObjectiveID int64
	Title       string
	Kind        KRKind
	Weight      float64 // relative weight in the objective; 0 means 1

	// Data binding (metric, rate, segment, guardrail): the KPI, an optional
	// scope (owner, team or market and its value) and filters such as
	// type=follow_up_call.
	KPI        string
	Scope      string
	ScopeValue string
	Filters    map[string]string

	// Metric (and a rate whose rate comes from a baseline): where the
	// baseline comes from, how the target follows from it, and the values
	// frozen when the period begins. Start and Target are also the manual
	// key result's range.
	Baseline           BaselineSource
	ChangeKind         ChangeKind
	Change             *big.Rat
	Direction          Direction
	BaselineValue      *big.Rat  // frozen baseline; nil while to be established
	BaselineResolvedAt time.Time // when it was frozen; zero while to be established
	Start              *big.Rat
	Target             *big.Rat

	// Rate: the weekly count to reach (nil while its baseline is to be
	// established), per rep or for the whole scope, and the mode.
	Rate     *big.Rat
	PerRep   bool
	RateMode RateMode

	// Segment: the dimension the KPI is broken down by (market, owner,
	// team, channel…), the segments, or a SegmentSource that names them
	// from the data (SourceNewMarkets), and the target for each segment.
	SegmentBy     string
	Segments      []string
	SegmentSource string
	SegmentTarget *big.Rat

	// Manual: the unit of Start, Target and the check-in values.
	Unit ManualUnit

	// Milestone: the items, or a MilestoneSource that counts done items
	// from the data (SourceNewMarketsAnalysed); MilestoneTarget is N in
	// min(done, N) ÷ N, 0 for the number of items.
	Items           []MilestoneItem
	MilestoneSource string
	MilestoneTarget int

	// Guardrail: the band each week's value must stay in.
	Op  GuardOp
	Min *big.Rat
	Max *big.Rat

	// Score at period end, as on Objective.
	Score         *float64
	ScoreOverride *float64
	ScoreNote     string
}

// CheckIn is a progress update on a key result: a value (for kinds that
// take values from check-ins), a confidence from 0 to 10, a comment, who
// made it and when. Check-ins are never rewritten.
type CheckIn struct {
	ID         int64
	KRID       int64
	Value      *big.Rat // nil: confidence or comment only
	Confidence *int     // 0–10; nil: not given
	Comment    string
	Author     string
	At         time.Time
}

// Snapshot is a key result's value at one instant, recorded after every
// import that touches its inputs and once a day, so progress can be drawn
// over time and forecast.
type Snapshot struct {
	KRID  int64
	At    time.Time
	Value *big.Rat
}

// MaxKeyResults is the most key results an objective may have.
const MaxKeyResults = 5

// Validate checks an objective and its key results, returning an EINVALID
// error that names the first problem.
func (o *Objective) Validate() error {
	if err := o.ValidateFields(); err != nil {
		return err
	}
	if n := len(o.KeyResults); n < 1 || n > MaxKeyResults {
		return Errorf(EINVALID, "objective %q: has %d key results (1 to %d)", o.Title, n, MaxKeyResults)
	}
	for i := range o.KeyResults {
		if err := o.KeyResults[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}

// ValidateFields checks an objective's own fields (title, owner, type,
// period), not its key results, so that an objective can be stored before
// its first key result is added.
func (o *Objective) ValidateFields() error {
	if strings.TrimSpace(o.Title) == "" {
		return Errorf(EINVALID, "objective: title is required")
	}
	switch o.OwnerKind {
	case OwnerPerson, OwnerTeam:
		if strings.TrimSpace(o.Owner) == "" {
			return Errorf(EINVALID, "objective %q: owner %s needs a name", o.Title, o.OwnerKind)
		}
	case OwnerOrg:
	default:
		return Errorf(EINVALID, "objective %q: owner kind %q (valid: person, team, org)", o.Title, o.OwnerKind)
	}
	if o.Type != Committed && o.Type != Aspirational {
		return Errorf(EINVALID, "objective %q: type %q (valid: committed, aspirational)", o.Title, o.Type)
	}
	if !o.Period.Start.Before(o.Period.End) {
		return Errorf(EINVALID, "objective %q: period is empty", o.Title)
	}
	return nil
}

// Validate checks a key result's kind-specific fields, returning an
// EINVALID error that names the first problem.
func (kr *KeyResult) Validate() error {
	bad := func(format string, args ...any) error {
		return Errorf(EINVALID, "key result %q: "+format, append([]any{kr.Title}, args...)...)
	}
	if strings.TrimSpace(kr.Title) == "" {
		return Errorf(EINVALID, "key result: title is required")
	}
	if kr.Weight < 0 {
		return bad("weight %v is negative", kr.Weight)
	}
	switch kr.Direction {
	case "", Increase, Decrease:
	default:
		return bad("direction %q (valid: increase, decrease)", kr.Direction)
	}
	switch kr.Kind {
	case KRMetric:
		if kr.KPI == "" {
			return bad("a metric key result needs a KPI")
		}
		return kr.validateChange(bad)
	case KRRate:
		if kr.KPI == "" {
			return bad("a rate key result needs a KPI")
		}
		if kr.RateMode != "" && kr.RateMode != RateWeeksMet && kr.RateMode != RateAverage {
			return bad("rate mode %q (valid: weeks_met, average)", kr.RateMode)
		}
		if kr.Rate == nil {
			if kr.Baseline == "" || kr.Baseline == BaselineNone {
				return bad("a rate key result needs a rate or a baseline")
			}
			return kr.validateChange(bad)
		}
		if kr.Rate.Sign() <= 0 {
			return bad("rate must be positive")
		}
	case KRSegment:
		if kr.KPI == "" {
			return bad("a segment key result needs a KPI")
		}
		if kr.SegmentBy == "" {
			return bad("a segment key result needs a dimension to break the KPI down by")
		}
		if len(kr.Segments) == 0 && kr.SegmentSource == "" {
			return bad("a segment key result needs segments")
		}
		if kr.SegmentTarget == nil || kr.SegmentTarget.Sign() <= 0 {
			return bad("a segment key result needs a positive target per segment")
		}
	case KRManual:
		switch kr.Unit {
		case ManualYesNo:
		case ManualNumber, ManualPercent, ManualCurrency:
			if kr.Start == nil || kr.Target == nil {
				return bad("a manual key result needs a start and a target")
			}
		default:
			return bad("unit %q (valid: number, percent, currency, yesno)", kr.Unit)
		}
	case KRMilestone:
		if len(kr.Items) == 0 && kr.MilestoneSource == "" && kr.MilestoneTarget <= 0 {
			return bad("a milestone key result needs items")
		}
		if kr.MilestoneTarget < 0 {
			return bad("milestone target is negative")
		}
	case KRGuardrail:
		if kr.KPI == "" {
			return bad("a guardrail key result needs a KPI")
		}
		switch {
		case kr.Op == GuardAbove && kr.Min == nil, kr.Op == GuardBelow && kr.Max == nil:
			return bad("guardrail %s needs its bound", kr.Op)
		case kr.Op == GuardWithin && (kr.Min == nil || kr.Max == nil || kr.Min.Cmp(kr.Max) > 0):
			return bad("guardrail within needs min ≤ max")
		case kr.Op != GuardAbove && kr.Op != GuardBelow && kr.Op != GuardWithin:
			return bad("guardrail op %q (valid: above, below, within)", kr.Op)
		}
	default:
		return bad("kind %q (valid: metric, rate, segment, manual, milestone, guardrail)", kr.Kind)
	}
	return nil
}

func (kr *KeyResult) validateChange(bad func(string, ...any) error) error {
	switch kr.Baseline {
	case "", BaselineNone, BaselinePreviousQuarter, BaselineSameQuarterLastYear:
	default:
		return bad("baseline %q (valid: previous_quarter, same_quarter_last_year, none)", kr.Baseline)
	}
	switch kr.ChangeKind {
	case ChangeAbsolute:
		if kr.Change == nil {
			return bad("an absolute target needs its value")
		}
	case ChangeRelative, ChangePoints:
		if kr.Change == nil || kr.Change.Sign() < 0 {
			return bad("change must be given and not negative (the direction says which way)")
		}
		if kr.Baseline == "" || kr.Baseline == BaselineNone {
			// A relative target with no baseline source is measured from the
			// first full week of data.
			return nil
		}
	default:
		return bad("change kind %q (valid: relative, points, absolute)", kr.ChangeKind)
	}
	return nil
}

// ParseDecimal parses a plain decimal number ("1234.5", "-3", "0.10") into
// an exact rational, or returns an EINVALID error.
func ParseDecimal(s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "/eE") {
		return nil, Errorf(EINVALID, "%q is not a decimal number", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, Errorf(EINVALID, "%q is not a decimal number", s)
	}
	return r, nil
}

// weight returns the key result's weight, 1 when unset.
func (kr *KeyResult) weight() float64 {
	if kr.Weight <= 0 {
		return 1
	}
	return kr.Weight
}

// direction returns the key result's direction, Increase when unset.
func (kr *KeyResult) direction() Direction {
	if kr.Direction == Decrease {
		return Decrease
	}
	return Increase
}

// ratFloat returns r as the nearest float64, and false for nil.
func ratFloat(r *big.Rat) (float64, bool) {
	if r == nil {
		return 0, false
	}
	f, _ := r.Float64()
	return f, true
}

// ratPtr returns r as a *float64, nil for nil.
func ratPtr(r *big.Rat) *float64 {
	f, ok := ratFloat(r)
	if !ok {
		return nil
	}
	return &f
}

// Validate checks a check-in: a time, and a confidence from 0 to 10 when
// given.
func (c *CheckIn) Validate() error {
	if c.At.IsZero() {
		return Errorf(EINVALID, "check-in: time is required")
	}
	if c.Confidence != nil && (*c.Confidence < 0 || *c.Confidence > 10) {
		return Errorf(EINVALID, "check-in: confidence %d (0 to 10)", *c.Confidence)
	}
	if c.Value == nil && c.Confidence == nil && strings.TrimSpace(c.Comment) == "" {
		return Errorf(EINVALID, "check-in: give a value, a confidence or a comment")
	}
	return nil
}
