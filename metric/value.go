package metric

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"sort"
	"strconv"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Units of KPI values.
const (
	UnitMoney  = "money"  // currency units of the organisation, exact
	UnitCount  = "count"  // a whole number of records
	UnitRatio  = "ratio"  // a fraction: 0.6315 means 63.15 %
	UnitDays   = "days"   // calendar days in the organisation's zone
	UnitHours  = "hours"  // elapsed hours
	UnitScore  = "score"  // a survey score
	UnitNumber = "number" // any other number
)

// Decimals of money values in JSON, CSV and tables.
const (
	SumDecimals     = 2 // sums of money are exact with two decimals
	AverageDecimals = 6 // averages of money keep six
)

// Value is an exact KPI value: a rational number and its unit.
type Value struct {
	Rat      *big.Rat
	Unit     string
	Decimals int // decimals shown for money: SumDecimals or AverageDecimals
}

func newValue(r *big.Rat, unit string, decimals int) *Value {
	if r == nil {
		return nil
	}
	return &Value{Rat: r, Unit: unit, Decimals: decimals}
}

// Float64 returns the value as the nearest float64 (0 for a nil value).
func (v *Value) Float64() float64 {
	if v == nil || v.Rat == nil {
		return 0
	}
	f, _ := v.Rat.Float64()
	return f
}

// String formats the value for machines: money as a decimal string with
// its decimals, anything else as the shortest float that round-trips.
func (v *Value) String() string {
	if v == nil || v.Rat == nil {
		return ""
	}
	if v.Unit == UnitMoney {
		d := v.Decimals
		if d == 0 {
			d = SumDecimals
		}
		return rumbo.FormatRat(v.Rat, d)
	}
	if v.Rat.IsInt() {
		return v.Rat.Num().String()
	}
	f := v.Float64()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// MarshalJSON writes money as a decimal string and other units as a JSON
// number; a nil value is null.
func (v *Value) MarshalJSON() ([]byte, error) {
	s := v.String()
	if s == "" {
		return []byte("null"), nil
	}
	if v.Unit == UnitMoney {
		return json.Marshal(s)
	}
	return []byte(s), nil
}

// Stats are the statistics behind a row's value: the mean, the median and
// the number of records they summarise, and, for some KPIs, more.
type Stats struct {
	Mean          *Value
	Median        *Value
	Count         int
	WithoutAmount *int   // pipeline_value: open deals without an amount
	PerWeek       *Value // activities: count per week elapsed in the period
}

// MarshalJSON writes {"mean", "median", "count"} and the optional fields
// that are set.
func (s *Stats) MarshalJSON() ([]byte, error) {
	m := struct {
		Mean          *Value `json:"mean"`
		Median        *Value `json:"median"`
		Count         int    `json:"count"`
		WithoutAmount *int   `json:"without_amount,omitempty"`
		PerWeek       *Value `json:"per_week,omitempty"`
	}{s.Mean, s.Median, s.Count, s.WithoutAmount, s.PerWeek}
	return json.Marshal(m)
}

// Result is a KPI computed for a period: one row per period piece and group.
type Result struct {
	KPI  string
	Unit string
	AsOf time.Time // latest import time of the entities the KPI reads; zero if never
	By   string    // the breakdown dimension, "" for none
	Rows []Row
}

// Row is one KPI value: a period (or a piece of it) and a group.
type Row struct {
	Period        string
	Start, End    time.Time
	Group         map[string]string // {dimension: value}; nil without breakdown
	Value         *Value            // nil: no data (null)
	Stats         *Stats
	Target        *Value   // the target for this row's period and scope
	ProRataTarget *Value   // the target the value is compared with
	Achievement   *float64 // value ÷ pro-rata target (inverted for lower-is-better)
	Health        rumbo.Health
	Elapsed       float64 // elapsed share of the row's period, 0..1
	Immature      bool    // the value can still change (cohort KPIs)
}

// MarshalJSON writes the row in the API's shape.
func (r Row) MarshalJSON() ([]byte, error) {
	group := r.Group
	if group == nil {
		group = map[string]string{}
	}
	var ach *float64
	if r.Achievement != nil && !math.IsNaN(*r.Achievement) && !math.IsInf(*r.Achievement, 0) {
		ach = r.Achievement
	}
	m := struct {
		Period        string            `json:"period"`
		Start         time.Time         `json:"start"`
		End           time.Time         `json:"end"`
		Group         map[string]string `json:"group"`
		Value         *Value            `json:"value"`
		Stats         *Stats            `json:"stats"`
		Target        *Value            `json:"target"`
		ProRataTarget *Value            `json:"pro_rata_target"`
		Achievement   *float64          `json:"achievement"`
		Health        rumbo.Health      `json:"health"`
		Elapsed       float64           `json:"elapsed"`
		Immature      bool              `json:"immature,omitempty"`
	}{r.Period, r.Start, r.End, group, r.Value, r.Stats, r.Target, r.ProRataTarget, ach, r.Health, r.Elapsed, r.Immature}
	return json.Marshal(m)
}

// MarshalJSON writes {"kpi", "unit", "as_of", "rows"}; as_of is null when
// the data was never imported.
func (r *Result) MarshalJSON() ([]byte, error) {
	var asOf *time.Time
	if !r.AsOf.IsZero() {
		t := r.AsOf.UTC()
		asOf = &t
	}
	rows := r.Rows
	if rows == nil {
		rows = []Row{}
	}
	m := struct {
		KPI  string     `json:"kpi"`
		Unit string     `json:"unit"`
		AsOf *time.Time `json:"as_of"`
		Rows []Row      `json:"rows"`
	}{r.KPI, r.Unit, asOf, rows}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// mean returns the exact mean of xs, nil when empty.
func mean(xs []*big.Rat) *big.Rat {
	if len(xs) == 0 {
		return nil
	}
	s := new(big.Rat)
	for _, x := range xs {
		s.Add(s, x)
	}
	return s.Quo(s, big.NewRat(int64(len(xs)), 1))
}

// median returns the exact median of xs (the mean of the two middle values
// for an even count), nil when empty. It sorts xs.
func median(xs []*big.Rat) *big.Rat {
	if len(xs) == 0 {
		return nil
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].Cmp(xs[j]) < 0 })
	n := len(xs)
	if n%2 == 1 {
		return new(big.Rat).Set(xs[n/2])
	}
	s := new(big.Rat).Add(xs[n/2-1], xs[n/2])
	return s.Quo(s, big.NewRat(2, 1))
}

// ratio returns num ÷ den, nil when den is zero or either is nil.
func ratio(num, den *big.Rat) *big.Rat {
	if num == nil || den == nil || den.Sign() == 0 {
		return nil
	}
	return new(big.Rat).Quo(num, den)
}
