// Package agg defines the aggregates Rumbo keeps next to the raw records so
// that a dashboard reads O(periods × groups) rows instead of every record:
// counts, sums and exact histograms per measure, local period (day, ISO
// week, month, quarter, year in the organisation's zone) and dimension
// (owner, market, channel × campaign). The store builds them with a Builder
// from its raw rows; the KPI engine reads them back.
//
// Every value is an int64: money in minor units, durations in whole days or
// seconds (times are stored in whole seconds, so nothing is rounded), survey
// scores as given. Means are exact sums ÷ counts and medians come from
// value → count histograms, so the aggregates give the same exact figures
// as the raw records.
package agg

import (
	"encoding/binary"
	"errors"
	"sort"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Dimension kinds of aggregate rows.
const (
	KindTotal  = ""       // the whole organisation; Dim is ""
	KindOwner  = "owner"  // Dim is the owner's name as the readers show it
	KindMarket = "market" // Dim is the market's name
	// KindCC holds the channel and the campaign: Dim is CC(channel,
	// campaign) of the lead, or NoLead for a deal without a lead record.
	// Breakdowns by channel (the lead's, else its campaign's) and by
	// campaign are both resolved from it at read time.
	KindCC = "cc"
	// KindType is an activity's type as stored (activities only): the
	// template's weekly rates of calls and presentations read it.
	KindType = "type"
)

// Kinds lists every dimension kind.
var Kinds = []string{KindTotal, KindOwner, KindMarket, KindCC, KindType}

// NoLead is the KindCC dimension of a deal whose lead is unknown.
const NoLead = "\x1e"

// CC returns the KindCC dimension of a channel and a campaign name.
func CC(channel, campaign string) string { return channel + "\x1f" + campaign }

// SplitCC returns the channel and campaign of a KindCC dimension; ok is
// false for NoLead.
func SplitCC(dim string) (channel, campaign string, ok bool) {
	if dim == NoLead {
		return "", "", false
	}
	for i := 0; i < len(dim); i++ {
		if dim[i] == 0x1f {
			return dim[:i], dim[i+1:], true
		}
	}
	return dim, "", true
}

// Families of measures: the records whose change rebuilds them.
const (
	FamilyDeals      = "deals"
	FamilyLeads      = "leads"
	FamilyActivities = "activities"
	FamilySurveys    = "surveys"
	FamilyInquiries  = "inquiries"
)

// Families lists every family.
var Families = []string{FamilyDeals, FamilyLeads, FamilyActivities, FamilySurveys, FamilyInquiries}

// Measures. Each is placed in time by one time field of its records.
const (
	Won     = "won"      // won deals by closed_at: N deals, S known amounts
	WonAmt  = "won_amt"  // won deals with an amount: N, S amounts, Hist amount → count
	Lost    = "lost"     // lost deals by closed_at: N
	Cycle   = "cycle"    // won deals with a first contact: N, S days, Hist days → count
	Recur   = "recur"    // won deals of returning customers: N, S amounts
	Attr    = "attr"     // won deals with an amount whose lead has a campaign: N, S amounts
	OpenIn  = "open_in"  // deals appearing (created_at, else first_seen_at): N, S amounts, M without amount
	OpenOut = "open_out" // won or lost deals leaving the open set: N, S, M
	Leads   = "leads"    // leads by created_at: N
	Cohort  = "cohort"   // leads by created_at with a won deal within CohortDays: N
	Conv    = "conv"     // leads by the closed_at of their first won deal: N
	Acts    = "acts"     // activities by at: N
	Sent    = "sent"     // surveys by sent_at: N
	CSAT    = "csat"     // CSAT surveys by answered_at: N, S scores, Hist score → count
	Resp    = "resp"     // answered inquiries by received_at: N, S seconds, Hist seconds → count
)

// CohortDays is N of lead_conversion_cohort (the same as metric.CohortDays).
const CohortDays = 90

// measure describes where a measure's rows exist.
type measure struct {
	family string
	kinds  []string
	events bool // open-deal events: month rows carry per-day deltas, no day or week rows
}

var (
	dealKinds = []string{KindTotal, KindOwner, KindMarket, KindCC}
	measures  = map[string]measure{
		Won: {FamilyDeals, dealKinds, false}, WonAmt: {FamilyDeals, dealKinds, false},
		Lost: {FamilyDeals, dealKinds, false}, Cycle: {FamilyDeals, dealKinds, false},
		Recur: {FamilyDeals, dealKinds, false}, Attr: {FamilyDeals, dealKinds, false},
		OpenIn: {FamilyDeals, dealKinds, true}, OpenOut: {FamilyDeals, dealKinds, true},
		Leads: {FamilyLeads, dealKinds, false}, Cohort: {FamilyLeads, dealKinds, false},
		Conv: {FamilyLeads, dealKinds, false},
		Acts: {FamilyActivities, []string{KindTotal, KindOwner, KindType}, false},
		Sent: {FamilySurveys, []string{KindTotal}, false}, CSAT: {FamilySurveys, []string{KindTotal}, false},
		Resp: {FamilyInquiries, []string{KindTotal}, false},
	}
)

// Siblings returns the measures kept like m (same family, same kinds and
// grains), m included, in a fixed order: reading them together lets one
// query serve several KPIs.
func Siblings(m string) []string {
	spec := measures[m]
	var out []string
	for _, k := range measureOrder {
		o := measures[k]
		if o.family == spec.family && o.events == spec.events && len(o.kinds) == len(spec.kinds) {
			out = append(out, k)
		}
	}
	return out
}

var measureOrder = []string{Won, WonAmt, Lost, Cycle, Recur, Attr, OpenIn, OpenOut, Leads, Cohort, Conv, Acts, Sent, CSAT, Resp}

// FamilyOf returns the family of a measure.
func FamilyOf(m string) string { return measures[m].family }

// HasKind reports whether the measure keeps rows of the kind.
func HasKind(m, kind string) bool {
	for _, k := range measures[m].kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// HasGrain reports whether the measure keeps rows of grain g for kind:
// days for the total and activity types, ISO weeks for the total, markets
// (sales per market is broken down by market by default) and activity
// types (a handful of values: weekly rates of calls), months, quarters and
// years for every kind. A breakdown by owner or channel per week or day
// reads raw records: weeks × reps would make the aggregates nearly as large
// as the records. Open-deal events keep months, quarters and years only.
func HasGrain(m string, g rumbo.Grain, kind string) bool {
	if !HasKind(m, kind) {
		return false
	}
	if measures[m].events {
		return g == rumbo.GrainMonth || g == rumbo.GrainQuarter || g == rumbo.GrainYear
	}
	switch g {
	case rumbo.GrainDay:
		return kind == KindTotal || kind == KindType
	case rumbo.GrainWeek:
		return kind == KindTotal || kind == KindMarket || kind == KindType
	case rumbo.GrainMonth, rumbo.GrainQuarter, rumbo.GrainYear:
		return true
	}
	return false
}

// Key identifies one aggregate row.
type Key struct {
	Measure string
	Grain   rumbo.Grain
	Start   int64 // Unix seconds of the period's start in the organisation's zone
	Kind    string
	Dim     string
}

// Cell is the content of one aggregate row. For open-deal events, the
// month rows' Hist holds per-day deltas: key 3·d+0 the count, 3·d+1 the
// amount, 3·d+2 the count without amount, d the day of the month from 0.
type Cell struct {
	N, S, M int64
	Hist    map[int64]int64
}

// Row is a key and its cell.
type Row struct {
	Key
	Cell
}

// Query selects aggregate rows: the measures at one grain and kind whose
// period starts are listed (or lie in [From, To)).
type Query struct {
	Measures []string
	Grain    rumbo.Grain
	Kind     string
	Starts   []int64 // nil: every start in [From, To)
	From, To int64
	NoHist   bool // leave the histograms out
}

// dims are the dimension values of one fact, by kind.
type dims struct {
	owner, market, cc, typ string
}

// grainsAll lists the grains in Builder order.
var grainsAll = [...]rumbo.Grain{rumbo.GrainDay, rumbo.GrainWeek, rumbo.GrainMonth, rumbo.GrainQuarter, rumbo.GrainYear}

// Builder accumulates the facts of records into cells.
type Builder struct {
	sign   int64 // 1 adds facts, -1 removes them (incremental updates)
	loc    *time.Location
	cells  map[cellKey]*Cell
	starts map[int64][6]int64 // local midnight (Unix) → start of each grain, then the day of the month from 0
	day    map[int64][2]int64 // cache: UTC hour → the local day [start, end) last seen in it
}

// NewBuilder returns an empty builder cutting periods in loc.
func NewBuilder(loc *time.Location) *Builder {
	return &Builder{sign: 1, loc: loc, cells: map[cellKey]*Cell{}, starts: map[int64][6]int64{}, day: map[int64][2]int64{}}
}

// Remove makes the fact functions called next subtract their facts (true)
// or add them (false, the default). A builder fed the facts of the records
// a write removes or replaces, negated, and those of the records it adds
// holds the change to apply to stored aggregates: see Rows.
func (b *Builder) Remove(remove bool) {
	b.sign = 1
	if remove {
		b.sign = -1
	}
}

// Rows returns the non-zero cells, sorted by key: every cell of a builder
// that only added facts; the change to apply of one that also removed some.
// Months, quarters and years are added up from the days or months kept.
// Open-deal events keep their per-day deltas in month rows only.
func (b *Builder) Rows() []Row {
	coarse := map[cellKey]*Cell{}
	for k, c := range b.cells {
		sl := &slots[k.slot]
		if len(sl.derive) == 0 {
			continue
		}
		starts := b.startsOf(time.Unix(k.start, 0))
		for _, di := range sl.derive {
			dk := cellKey{di, starts[slots[di].gi], k.dim}
			dc := coarse[dk]
			if dc == nil {
				dc = &Cell{}
				coarse[dk] = dc
			}
			dc.N += c.N
			dc.S += c.S
			dc.M += c.M
			if !sl.events {
				for v, n := range c.Hist {
					dc.hist(v, n)
				}
			}
		}
	}
	out := make([]Row, 0, len(b.cells)+len(coarse))
	for _, cells := range [2]map[cellKey]*Cell{b.cells, coarse} {
		for k, c := range cells {
			if !c.Zero() {
				sl := &slots[k.slot]
				out = append(out, Row{Key{Measure: sl.measure, Grain: sl.grain, Start: k.start, Kind: sl.kind, Dim: k.dim}, *c})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.less(out[j].Key) })
	return out
}

// Zero reports whether the cell holds nothing: an aggregate row that a
// delta brought to zero is deleted.
func (c *Cell) Zero() bool { return c.N == 0 && c.S == 0 && c.M == 0 && len(c.Hist) == 0 }

// Len returns the number of cells.
func (b *Builder) Len() int { return len(b.cells) }

func (k Key) less(o Key) bool {
	if k.Measure != o.Measure {
		return k.Measure < o.Measure
	}
	if k.Grain != o.Grain {
		return k.Grain < o.Grain
	}
	if k.Kind != o.Kind {
		return k.Kind < o.Kind
	}
	if k.Start != o.Start {
		return k.Start < o.Start
	}
	return k.Dim < o.Dim
}

// midnight returns the Unix time of the local midnight starting t's day.
func (b *Builder) midnight(t time.Time) int64 {
	u := t.Unix()
	slot := u - ((u%3600)+3600)%3600
	if d, ok := b.day[slot]; ok && u >= d[0] && u < d[1] {
		return d[0]
	}
	y, mo, dd := t.In(b.loc).Date()
	m := time.Date(y, mo, dd, 0, 0, 0, 0, b.loc).Unix()
	next := time.Date(y, mo, dd+1, 0, 0, 0, 0, b.loc).Unix()
	if len(b.day) > 1<<16 {
		clear(b.day)
	}
	b.day[slot] = [2]int64{m, next}
	return m
}

// startsOf returns the start of the day, week, month, quarter and year
// holding t, as Unix seconds, followed by the day of the month from 0.
func (b *Builder) startsOf(t time.Time) [6]int64 {
	mid := b.midnight(t)
	if s, ok := b.starts[mid]; ok {
		return s
	}
	lt := time.Unix(mid, 0).In(b.loc)
	var s [6]int64
	for i, g := range grainsAll {
		s[i] = rumbo.PeriodOf(lt, g, b.loc).Start.Unix()
	}
	s[5] = int64(lt.Day() - 1)
	b.starts[mid] = s
	return s
}

// slot is one measure at one grain and kind: where a fact lands, but for
// the period start and the dimension value. A builder keeps the finest
// grains only (days, weeks; months where there are no days): coarser
// periods are unions of finer ones, and Rows adds the cells of a slot into
// the slots in derive.
type slot struct {
	measure string
	grain   rumbo.Grain
	gi      int // index in grainsAll
	kind    string
	events  bool
	derive  []int32 // coarser slots made of this one's cells
}

// cellKey is a Builder's key: a slot (index in slots), a start, a value.
type cellKey struct {
	slot  int32
	start int64
	dim   string
}

// slots lists every slot; plans the kept slots of each measure, in add order.
var slots, plans = func() ([]slot, map[string][]int32) {
	var all []slot
	plans := map[string][]int32{}
	for _, m := range measureOrder {
		spec := measures[m]
		for _, kind := range spec.kinds {
			idx := map[rumbo.Grain]int32{}
			for gi, g := range grainsAll {
				if HasGrain(m, g, kind) {
					idx[g] = int32(len(all))
					all = append(all, slot{measure: m, grain: g, gi: gi, kind: kind, events: spec.events})
				}
			}
			// Years and quarters from months, months from days: all or none
			// of them exist for a measure and kind.
			coarse := func(from rumbo.Grain, to ...rumbo.Grain) {
				for _, g := range to {
					if i, ok := idx[g]; ok {
						all[idx[from]].derive = append(all[idx[from]].derive, i)
					}
				}
			}
			kept := []rumbo.Grain{rumbo.GrainMonth}
			if _, ok := idx[rumbo.GrainDay]; ok {
				kept = []rumbo.Grain{rumbo.GrainDay}
				coarse(rumbo.GrainDay, rumbo.GrainMonth, rumbo.GrainQuarter, rumbo.GrainYear)
			} else {
				coarse(rumbo.GrainMonth, rumbo.GrainQuarter, rumbo.GrainYear)
			}
			if _, ok := idx[rumbo.GrainWeek]; ok {
				kept = append(kept, rumbo.GrainWeek)
			}
			for _, g := range kept {
				if i, ok := idx[g]; ok {
					plans[m] = append(plans[m], i)
				}
			}
		}
	}
	return all, plans
}()

// add places one fact of measure m at instant t for the dims.
func (b *Builder) add(m string, t time.Time, d dims, n, s, miss int64, hist bool, v int64) {
	starts := b.startsOf(t)
	for _, si := range plans[m] {
		sl := &slots[si]
		dim := ""
		switch sl.kind {
		case KindOwner:
			dim = d.owner
		case KindMarket:
			dim = d.market
		case KindCC:
			dim = d.cc
		case KindType:
			dim = d.typ
		}
		k := cellKey{si, starts[sl.gi], dim}
		c := b.cells[k]
		if c == nil {
			c = &Cell{}
			b.cells[k] = c
		}
		c.N += n * b.sign
		c.S += s * b.sign
		c.M += miss * b.sign
		if sl.events && sl.grain == rumbo.GrainMonth {
			day := starts[5]
			c.hist(3*day, n*b.sign)
			c.hist(3*day+1, s*b.sign)
			c.hist(3*day+2, miss*b.sign)
		} else if hist {
			c.hist(v, b.sign)
		}
	}
}

func (c *Cell) hist(k, v int64) {
	if v == 0 {
		return
	}
	if c.Hist == nil {
		c.Hist = map[int64]int64{}
	}
	c.Hist[k] += v
	if c.Hist[k] == 0 {
		delete(c.Hist, k)
	}
}

// Merge adds o into c.
func (c *Cell) Merge(o *Cell) {
	c.N += o.N
	c.S += o.S
	c.M += o.M
	for k, v := range o.Hist {
		c.hist(k, v)
	}
}

// EncodeHist encodes a histogram as sorted varint pairs (keys as deltas);
// nil for an empty one.
func EncodeHist(h map[int64]int64) []byte {
	if len(h) == 0 {
		return nil
	}
	keys := make([]int64, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	buf := make([]byte, 0, 4*len(keys))
	prev := int64(0)
	for i, k := range keys {
		if i == 0 {
			buf = binary.AppendVarint(buf, k)
		} else {
			buf = binary.AppendUvarint(buf, uint64(k-prev))
		}
		buf = binary.AppendVarint(buf, h[k])
		prev = k
	}
	return buf
}

// DecodeHist adds the encoded histogram to h.
func DecodeHist(b []byte, h map[int64]int64) error {
	prev := int64(0)
	for i := 0; len(b) > 0; i++ {
		var k int64
		if i == 0 {
			v, n := binary.Varint(b)
			if n <= 0 {
				return errors.New("agg: bad histogram")
			}
			k, b = v, b[n:]
		} else {
			d, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("agg: bad histogram")
			}
			k, b = prev+int64(d), b[n:]
		}
		v, n := binary.Varint(b)
		if n <= 0 {
			return errors.New("agg: bad histogram")
		}
		b = b[n:]
		h[k] += v
		if h[k] == 0 {
			delete(h, k)
		}
		prev = k
	}
	return nil
}
