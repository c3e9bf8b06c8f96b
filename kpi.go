package rumbo

import (
	"math/big"
	"time"
)

// Target is a KPI target for one period and scope. A target for a longer
// period is split by days into shorter ones.
type Target struct {
	ID         int64
	KPI        string
	Period     string    // label as given: "2026-Q1", "2026-03", "2026-03-01..2026-03-31"
	Start      time.Time // inclusive, UTC instant of the period's start in the org's zone
	End        time.Time // exclusive
	Scope      string    // "" (organisation), "owner", "team" or "market"
	ScopeValue string    // the owner's, team's or market's name
	Value      *big.Rat  // exact; money in currency units, rates as fractions
}

// Bands decide a KPI's health from its achievement (value ÷ pro-rata target,
// inverted for lower-is-better KPIs): green at or above Green, yellow at or
// above Yellow, red below. With Absolute set, Green and Yellow are compared
// with the value itself instead of the achievement.
type Bands struct {
	Green    float64 `json:"green" yaml:"green"`
	Yellow   float64 `json:"yellow" yaml:"yellow"`
	Absolute bool    `json:"absolute,omitempty" yaml:"absolute,omitempty"`
}

// DefaultBands are green ≥ 100 %, yellow ≥ 90 % of the target.
var DefaultBands = Bands{Green: 1.0, Yellow: 0.9}

// Health of a KPI value against its target.
type Health string

// Healths. HealthNone (grey) means there is no target or no value.
const (
	HealthNone   Health = "none"
	HealthGreen  Health = "green"
	HealthYellow Health = "yellow"
	HealthRed    Health = "red"
)

// KPIDef is a KPI definition: a built-in one or a custom one a user wrote
// without code. Custom definitions are stored in the database and exported
// to and applied from YAML.
type KPIDef struct {
	Key           string            `json:"key" yaml:"key"`
	Name          map[string]string `json:"name" yaml:"name"` // by language: es, en
	Description   map[string]string `json:"description,omitempty" yaml:"description,omitempty"`
	Unit          string            `json:"unit" yaml:"unit"` // money, count, ratio, days, hours, score, number
	Additive      bool              `json:"additive" yaml:"additive"`
	LowerIsBetter bool              `json:"lower_is_better,omitempty" yaml:"lower_is_better,omitempty"`
	Playbook      map[string]string `json:"playbook,omitempty" yaml:"playbook,omitempty"`

	// Exactly one of Aggregate, Ratio and Formula is set on a custom KPI.
	Aggregate *Aggregate `json:"aggregate,omitempty" yaml:"aggregate,omitempty"`
	Ratio     *Ratio     `json:"ratio,omitempty" yaml:"ratio,omitempty"`
	Formula   string     `json:"formula,omitempty" yaml:"formula,omitempty"` // over other KPI keys, e.g. "revenue / activities"
}

// Aggregate is a custom metric: an aggregation over one entity's records
// whose time field falls in the period, after filters.
type Aggregate struct {
	Entity  Entity            `json:"entity" yaml:"entity"`
	Func    string            `json:"func" yaml:"func"`                       // count, sum, avg, median, count_distinct
	Field   string            `json:"field,omitempty" yaml:"field,omitempty"` // the field aggregated (not for count)
	Time    string            `json:"time,omitempty" yaml:"time,omitempty"`   // the time field that places a record in a period
	Filters map[string]string `json:"filters,omitempty" yaml:"filters,omitempty"`
}

// Ratio is a custom metric: one metric divided by another, each an
// Aggregate or the key of another KPI.
type Ratio struct {
	Numerator   MetricRef `json:"numerator" yaml:"numerator"`
	Denominator MetricRef `json:"denominator" yaml:"denominator"`
}

// MetricRef names a KPI by key or defines an aggregate inline.
type MetricRef struct {
	KPI       string     `json:"kpi,omitempty" yaml:"kpi,omitempty"`
	Aggregate *Aggregate `json:"aggregate,omitempty" yaml:"aggregate,omitempty"`
}
