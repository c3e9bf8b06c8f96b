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
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
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

// Packs: sibling measures stored together, in one row per period and
// dimension value whose Key.Measure is the pack and whose Hist holds the
// cell of each measure present (EncodePack). A deal family of a hundred
// thousand deals has five times fewer rows to write, and a dashboard as
// many fewer to read. The open-deal events stay one row per measure: their
// sums are taken in SQL (SumAggregatesBefore).
const (
	PackDeals = "deal_pack" // Won, WonAmt, Lost, Cycle, Recur, Attr
	PackLeads = "lead_pack" // Leads, Cohort, Conv
)

// measure describes where a measure's rows exist.
type measure struct {
	family string
	kinds  []string
	events bool   // open-deal events: month rows carry per-day deltas, no day or week rows
	pack   string // the pack it is stored in, "" for none
}

var (
	dealKinds = []string{KindTotal, KindOwner, KindMarket, KindCC}
	measures  = map[string]measure{
		Won: {FamilyDeals, dealKinds, false, PackDeals}, WonAmt: {FamilyDeals, dealKinds, false, PackDeals},
		Lost: {FamilyDeals, dealKinds, false, PackDeals}, Cycle: {FamilyDeals, dealKinds, false, PackDeals},
		Recur: {FamilyDeals, dealKinds, false, PackDeals}, Attr: {FamilyDeals, dealKinds, false, PackDeals},
		OpenIn: {FamilyDeals, dealKinds, true, ""}, OpenOut: {FamilyDeals, dealKinds, true, ""},
		Leads: {FamilyLeads, dealKinds, false, PackLeads}, Cohort: {FamilyLeads, dealKinds, false, PackLeads},
		Conv: {FamilyLeads, dealKinds, false, PackLeads},
		Acts: {FamilyActivities, []string{KindTotal, KindOwner, KindType}, false, ""},
		Sent: {FamilySurveys, []string{KindTotal}, false, ""}, CSAT: {FamilySurveys, []string{KindTotal}, false, ""},
		Resp: {FamilyInquiries, []string{KindTotal}, false, ""},
	}
)

// Stored returns the name m's rows are stored under: its pack, or m.
func Stored(m string) string {
	if p := measures[m].pack; p != "" {
		return p
	}
	return m
}

// StoredNames returns the names a family's rows are stored under.
func StoredNames(family string) []string {
	var out []string
	for _, m := range Measures(family) {
		if s := Stored(m); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// PackMeasures returns the measures of a pack in their stored order; nil
// when p is not a pack.
func PackMeasures(p string) []string {
	if p == "" {
		return nil
	}
	var out []string
	for _, m := range measureOrder {
		if measures[m].pack == p {
			out = append(out, m)
		}
	}
	return out
}

// IsPack reports whether name is a pack's.
func IsPack(name string) bool { return packs[name] != nil }

// packs holds PackMeasures of each pack, and packIndex the index of each
// packed measure there.
var packs, packIndex = func() (map[string][]string, map[string]int) {
	ps, idx := map[string][]string{}, map[string]int{}
	for _, p := range []string{PackDeals, PackLeads} {
		ps[p] = PackMeasures(p)
		for i, m := range ps[p] {
			idx[m] = i
		}
	}
	return ps, idx
}()

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

// Indexes of the measures in measureOrder: what the fact functions pass to
// add, so that placing a fact looks no string up.
const (
	mWon = iota
	mWonAmt
	mLost
	mCycle
	mRecur
	mAttr
	mOpenIn
	mOpenOut
	mLeads
	mCohort
	mConv
	mActs
	mSent
	mCSAT
	mResp
)

// Measures returns the measures of a family.
func Measures(family string) []string {
	var out []string
	for _, m := range measureOrder {
		if measures[m].family == family {
			out = append(out, m)
		}
	}
	return out
}

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

// dims are the dimension values of one fact, interned by the builder
// (Builder.intern), indexed like Kinds: the total's is always 0, "".
type dims [5]int32

// Indexes of the kinds in Kinds and dims.
const (
	kTotal = iota
	kOwner
	kMarket
	kCC
	kType
)

// grainsAll lists the grains in Builder order.
var grainsAll = [...]rumbo.Grain{rumbo.GrainDay, rumbo.GrainWeek, rumbo.GrainMonth, rumbo.GrainQuarter, rumbo.GrainYear}

// Builder accumulates the facts of records into cells. A cell is found by
// index, not hashed: the builder keeps, per slot and dimension value, the
// series of its cells by period number (see periods), and dimension values
// are interned. Placing the facts of a won deal touches about forty cells;
// with a map of cells keyed by strings that was most of an import's rebuild.
type Builder struct {
	sign   int64 // 1 adds facts, -1 removes them (incremental updates)
	loc    *time.Location
	series [][]series          // by slot, then interned dimension value
	starts map[int64]periods   // local midnight (Unix) → the periods holding that day
	day    map[int64][3]int64  // cache: UTC hour → the local day last seen in it: start, end, date (see localDay)
	ids    map[string]int32    // dimension value → its index in names
	names  []string            // interned dimension values; names[0] is ""
	ccs    map[[2]string]int32 // channel and campaign → the interned CC
	last   struct {            // cache: the instant last placed and its periods
		at int64
		p  periods
	}
	overflow bool // a sum of amounts went past an int64 (Err)
}

// ErrOverflow is the error of a sum of amounts that an int64 of minor units
// cannot hold: Rumbo adds money exactly or not at all.
var ErrOverflow = rumbo.Errorf(rumbo.EINVALID, "amounts add up to more than %s (or less than -%[1]s), the most Rumbo sums exactly", rumbo.Money(math.MaxInt64))

// Add returns a + b, and false when the sum does not fit in an int64.
func Add(a, b int64) (int64, bool) {
	s := a + b
	return s, (a^s)&(b^s) >= 0
}

// Err returns ErrOverflow when a sum of the builder's amounts (a cell's, or
// a month, quarter or year added up from them by Rows or StoredRows, once
// those have run) went past an int64: its rows are then wrong and must not
// be used.
func (b *Builder) Err() error {
	if b.overflow {
		return ErrOverflow
	}
	return nil
}

// sum adds x to *a, noting an overflow.
func (b *Builder) sum(a *int64, x int64) {
	var ok bool
	if *a, ok = Add(*a, x); !ok {
		b.overflow = true
	}
}

// periods are the periods of each grain (grainsAll order) holding one day:
// their starts (Unix seconds) and numbers (consecutive periods have
// consecutive numbers), and the day of the month from 0.
type periods struct {
	start [len(grainsAll)]int64
	num   [len(grainsAll)]int32
	mday  int64
}

// cell is a Builder's cell: N, S and M, while its histogram is kept as the
// facts came (vals), or for the open-deal events of a month as per-day
// deltas (days, 3 per day of the month; see Cell), until Rows or
// StoredRows counts it. Appending costs less than a map of values, in time
// and memory (a rebuild's histograms hold a value for every won deal in
// several cells).
type cell struct {
	n, s, m int64
	start   int64 // the period's start, set when a fact lands
	days    []int64
	vals    []histEntry
}

// histEntry is a histogram's count n of value v.
type histEntry struct{ v, n int64 }

// series holds the cells of one slot and dimension value: cells[i] is
// period number base+i.
type series struct {
	base  int32
	cells []cell
}

// at returns the cell of period number n, growing the series to hold it.
func (s *series) at(n int32) *cell {
	if s.cells == nil {
		s.base, s.cells = n, make([]cell, 1, 8)
	}
	if n < s.base || n >= s.base+int32(len(s.cells)) {
		lo, hi := min(s.base, n), max(s.base+int32(len(s.cells)), n+1)
		pad := (hi-lo)/2 + 4
		if n < s.base {
			lo -= pad
		} else {
			hi += pad
		}
		cells := make([]cell, hi-lo)
		copy(cells[s.base-lo:], s.cells)
		s.base, s.cells = lo, cells
	}
	return &s.cells[n-s.base]
}

// NewBuilder returns an empty builder cutting periods in loc.
func NewBuilder(loc *time.Location) *Builder {
	b := &Builder{sign: 1, loc: loc, series: make([][]series, len(slots)), starts: map[int64]periods{},
		day: map[int64][3]int64{}, ids: map[string]int32{"": 0}, names: []string{""}, ccs: map[[2]string]int32{}}
	b.last.at = math.MinInt64
	return b
}

// cellAt returns the cell of slot si, interned dimension dim and period
// number n.
func (b *Builder) cellAt(si, dim, n int32) *cell {
	ss := b.series[si]
	if int(dim) >= len(ss) {
		ss = append(ss, make([]series, int(dim)+1-len(ss))...)
		b.series[si] = ss
	}
	return ss[dim].at(n)
}

// intern returns the index of the dimension value s in b.names.
func (b *Builder) intern(s string) int32 {
	if id, ok := b.ids[s]; ok {
		return id
	}
	id := int32(len(b.names))
	b.names = append(b.names, s)
	b.ids[s] = id
	return id
}

// cc returns the interned CC(channel, campaign).
func (b *Builder) cc(channel, campaign string) int32 {
	k := [2]string{channel, campaign}
	if id, ok := b.ccs[k]; ok {
		return id
	}
	id := b.intern(CC(channel, campaign))
	b.ccs[k] = id
	return id
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
	var out []Row
	b.eachRow(false, func(n int) { out = make([]Row, 0, n) }, func(k Key, n, s, m int64, h []histEntry) bool {
		c := Cell{N: n, S: s, M: m}
		if len(h) > 0 {
			c.Hist = make(map[int64]int64, len(h))
			for _, e := range h {
				c.Hist[e.v] = e.n
			}
		}
		out = append(out, Row{k, c})
		return true
	})
	return out
}

// EncodedRow is a row as stored (StoredRows): a cell with its histogram
// encoded (EncodeHist; nil when empty), or a pack row (EncodePack in Hist).
type EncodedRow struct {
	Key
	N, S, M int64
	Hist    []byte
}

// StoredRows yields what Rows returns as it is stored: histograms encoded,
// and the measures of a pack in one row per period and dimension value
// (EncodePack), sorted by stored key. It counts them as they go: a
// rebuild's rows are written while the next ones are counted, without a
// map of values each. The builder must not change meanwhile.
func (b *Builder) StoredRows() iter.Seq[EncodedRow] {
	return func(yield func(EncodedRow) bool) {
		var pack EncodedRow // the pack row being filled, Measure "" for none
		flush := func() bool {
			if pack.Measure == "" {
				return true
			}
			r := pack
			pack = EncodedRow{}
			return yield(r)
		}
		b.eachRow(true, func(int) {}, func(k Key, n, s, m int64, h []histEntry) bool {
			p := measures[k.Measure].pack
			if p == "" {
				return flush() && yield(EncodedRow{k, n, s, m, encodeEntries(h)})
			}
			i := packIndex[k.Measure]
			k.Measure = p
			if pack.Key != k && !flush() {
				return false
			}
			pack.Key = k
			pack.Hist = appendPackCell(pack.Hist, i, n, s, m, encodeEntries(h))
			return true
		})
		flush()
	}
}

// A pack row's Hist holds, for each measure present in PackMeasures order:
// its index there, N, S and M (uvarint, then varints), then the length of
// its encoded histogram (uvarint) and the histogram (EncodeHist).
func appendPackCell(b []byte, i int, n, s, m int64, hist []byte) []byte {
	b = binary.AppendUvarint(b, uint64(i))
	b = binary.AppendVarint(b, n)
	b = binary.AppendVarint(b, s)
	b = binary.AppendVarint(b, m)
	b = binary.AppendUvarint(b, uint64(len(hist)))
	return append(b, hist...)
}

// EncodePack returns the Hist of a pack row holding cells, by measure;
// zero cells are left out (nil when all are).
func EncodePack(pack string, cells map[string]*Cell) []byte {
	var b []byte
	for i, m := range packs[pack] {
		if c := cells[m]; c != nil && !c.Zero() {
			b = appendPackCell(b, i, c.N, c.S, c.M, EncodeHist(c.Hist))
		}
	}
	return b
}

var badPack = errors.New("agg: bad pack row")

// DecodePack calls fn with each cell of a pack row's Hist: its measure,
// N, S, M and histogram as EncodeHist encodes it (nil when empty; valid
// during the call).
func DecodePack(pack string, b []byte, fn func(measure string, n, s, m int64, hist []byte) error) error {
	ms := packs[pack]
	if ms == nil {
		return fmt.Errorf("agg: %q is not a pack", pack)
	}
	for len(b) > 0 {
		i, k := binary.Uvarint(b)
		if k <= 0 || i >= uint64(len(ms)) {
			return badPack
		}
		b = b[k:]
		var v [3]int64
		for j := range v {
			if v[j], k = binary.Varint(b); k <= 0 {
				return badPack
			}
			b = b[k:]
		}
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return badPack
		}
		h := b[k : k+int(l)]
		b = b[k+int(l):]
		if len(h) == 0 {
			h = nil
		}
		if err := fn(ms[i], v[0], v[1], v[2], h); err != nil {
			return err
		}
	}
	return nil
}

// outRow is a row to return: a kept cell (own), or a coarser one added up
// from kept cells (parts), of slot slot, interned dimension dim.
type outRow struct {
	slot, dim int32
	start     int64
	n, s, m   int64
	own       *cell
	parts     []*cell
}

// slotRank orders the slots as their rows sort (Key.less: measure, grain,
// kind), so that sorting rows compares integers.
var slotRank = rankSlots(func(a, b *slot) bool {
	return Key{Measure: a.measure, Grain: a.grain, Kind: a.kind}.less(Key{Measure: b.measure, Grain: b.grain, Kind: b.kind})
})

// storedRank orders the slots as their stored rows sort: by the name they
// are stored under (Stored), grain and kind, the slots of one pack row in
// PackMeasures order.
var storedRank = rankSlots(func(a, b *slot) bool {
	ka, kb := Key{Measure: Stored(a.measure), Grain: a.grain, Kind: a.kind}, Key{Measure: Stored(b.measure), Grain: b.grain, Kind: b.kind}
	if ka != kb {
		return ka.less(kb)
	}
	return slices.Index(measureOrder, a.measure) < slices.Index(measureOrder, b.measure)
})

// rankSlots returns the rank of each slot in the order less sorts them.
func rankSlots(less func(a, b *slot) bool) []int32 {
	idx := make([]int, len(slots))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return less(&slots[idx[i]], &slots[idx[j]]) })
	rank := make([]int32, len(slots))
	for r, si := range idx {
		rank[si] = int32(r)
	}
	return rank
}

// storedGroup numbers the slots' stored names, grains and kinds in
// storedRank order: the slots of one pack share it.
var storedGroup = func() []int32 {
	byRank := make([]int, len(slots))
	for si, r := range storedRank {
		byRank[r] = si
	}
	group := make([]int32, len(slots))
	g := int32(-1)
	var last Key
	for _, si := range byRank {
		k := Key{Measure: Stored(slots[si].measure), Grain: slots[si].grain, Kind: slots[si].kind}
		if g < 0 || k != last {
			g++
			last = k
		}
		group[si] = g
	}
	return group
}()

// eachRow calls grow with the number of rows at most, then fn with every
// non-zero row and its histogram (counts by increasing value, none zero),
// until fn returns false: in key order, or with stored in stored order (by
// stored name, grain, kind, start and dimension value, then the measures of
// a pack in their order).
func (b *Builder) eachRow(stored bool, grow func(int), fn func(k Key, n, s, m int64, h []histEntry) bool) {
	var rows []outRow
	coarse := make([][]map[int32]int, len(slots)) // slot → dim → period number → index in rows
	for si, ss := range b.series {
		sl := &slots[si]
		for dim := range ss {
			for i := range ss[dim].cells {
				c := &ss[dim].cells[i]
				if c.n == 0 && c.s == 0 && c.m == 0 && len(c.vals) == 0 && c.days == nil {
					continue // never touched (or emptied by facts removed)
				}
				rows = append(rows, outRow{slot: int32(si), dim: int32(dim), start: c.start, n: c.n, s: c.s, m: c.m, own: c})
				if len(sl.derive) == 0 {
					continue
				}
				ps := b.periodsOf(time.Unix(c.start, 0))
				for _, di := range sl.derive {
					cs := coarse[di]
					if dim >= len(cs) {
						cs = append(cs, make([]map[int32]int, dim+1-len(cs))...)
						coarse[di] = cs
					}
					if cs[dim] == nil {
						cs[dim] = map[int32]int{}
					}
					gi := slots[di].gi
					ri, ok := cs[dim][ps.num[gi]]
					if !ok {
						ri = len(rows)
						cs[dim][ps.num[gi]] = ri
						rows = append(rows, outRow{slot: di, dim: int32(dim), start: ps.start[gi]})
					}
					r := &rows[ri]
					r.n += c.n
					b.sum(&r.s, c.s)
					r.m += c.m
					if !sl.events {
						r.parts = append(r.parts, c)
					}
				}
			}
		}
	}
	// Dimension values ranked as strings compare.
	byName := make([]int32, len(b.names))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(x, y int32) int { return strings.Compare(b.names[x], b.names[y]) })
	dimRank := make([]int32, len(b.names))
	for r, d := range byName {
		dimRank[d] = int32(r)
	}
	order := make([]int32, len(rows))
	for i := range order {
		order[i] = int32(i)
	}
	if stored {
		slices.SortFunc(order, func(x, y int32) int {
			a, b := &rows[x], &rows[y]
			return cmp.Or(cmp.Compare(storedGroup[a.slot], storedGroup[b.slot]), cmp.Compare(a.start, b.start),
				cmp.Compare(dimRank[a.dim], dimRank[b.dim]), cmp.Compare(storedRank[a.slot], storedRank[b.slot]))
		})
	} else {
		slices.SortFunc(order, func(x, y int32) int {
			a, b := &rows[x], &rows[y]
			return cmp.Or(cmp.Compare(slotRank[a.slot], slotRank[b.slot]), cmp.Compare(a.start, b.start),
				cmp.Compare(dimRank[a.dim], dimRank[b.dim]))
		})
	}
	grow(len(rows))
	var scratch []histEntry
	for _, ri := range order {
		r := &rows[ri]
		var h []histEntry
		switch {
		case r.own != nil && r.own.days != nil:
			scratch = scratch[:0]
			for k, v := range r.own.days {
				if v != 0 {
					scratch = append(scratch, histEntry{int64(k), v})
				}
			}
			h = scratch
		case r.own != nil:
			r.own.vals = combine(r.own.vals)
			h = r.own.vals
		case len(r.parts) > 0:
			scratch = scratch[:0]
			for _, p := range r.parts {
				scratch = append(scratch, p.vals...)
			}
			scratch = combine(scratch)
			h = scratch
		}
		if r.n != 0 || r.s != 0 || r.m != 0 || len(h) > 0 {
			sl := &slots[r.slot]
			if !fn(Key{Measure: sl.measure, Grain: sl.grain, Start: r.start, Kind: sl.kind, Dim: b.names[r.dim]}, r.n, r.s, r.m, h) {
				return
			}
		}
	}
}

// combine sorts a histogram's entries by value and adds up the counts of
// each value, dropping those that come to zero; in place.
func combine(es []histEntry) []histEntry {
	slices.SortFunc(es, func(a, b histEntry) int { return cmp.Compare(a.v, b.v) })
	out := es[:0]
	for _, e := range es {
		if k := len(out) - 1; k >= 0 && out[k].v == e.v {
			out[k].n += e.n
			if out[k].n == 0 {
				out = out[:k]
			}
			continue
		}
		if e.n != 0 {
			out = append(out, e)
		}
	}
	return out
}

// Zero reports whether the cell holds nothing: an aggregate row that a
// delta brought to zero is deleted.
func (c *Cell) Zero() bool { return c.N == 0 && c.S == 0 && c.M == 0 && len(c.Hist) == 0 }

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

// localDay returns the day period holding t as rumbo.PeriodOf cuts days,
// [time.Date(y, m, d), time.Date(y, m, d+1)): its start and its date,
// packed as y·10⁴ + m·10² + d. Where a midnight falls in a daylight-saving
// gap (Chile, Cuba, Paraguay), time.Date puts it an hour early, on the day
// before: that hour then belongs to the next day, as in reads of raw
// records by period.
func (b *Builder) localDay(t time.Time) (start, date int64) {
	u := t.Unix()
	slot := u - ((u%3600)+3600)%3600
	if d, ok := b.day[slot]; ok && u >= d[0] && u < d[1] {
		return d[0], d[2]
	}
	y, mo, dd := t.In(b.loc).Date()
	m := time.Date(y, mo, dd, 0, 0, 0, 0, b.loc).Unix()
	next := time.Date(y, mo, dd+1, 0, 0, 0, 0, b.loc)
	if u >= next.Unix() { // the hour before a midnight in a gap
		y, mo, dd = time.Date(y, mo, dd+1, 12, 0, 0, 0, b.loc).Date()
		m, next = next.Unix(), time.Date(y, mo, dd+1, 0, 0, 0, 0, b.loc)
	}
	date = int64(y)*10000 + int64(mo)*100 + int64(dd)
	if len(b.day) > 1<<16 {
		clear(b.day)
	}
	b.day[slot] = [3]int64{m, next.Unix(), date}
	return m, date
}

// periodsOf returns the periods holding t's local day.
func (b *Builder) periodsOf(t time.Time) periods {
	if u := t.Unix(); u == b.last.at {
		return b.last.p
	}
	mid, date := b.localDay(t)
	p, ok := b.starts[mid]
	if !ok {
		// Noon of the day: its date is the day's, whatever the gaps.
		noon := time.Date(int(date/10000), time.Month(date/100%100), int(date%100), 12, 0, 0, 0, b.loc)
		for i, g := range grainsAll {
			p.start[i] = rumbo.PeriodOf(noon, g, b.loc).Start.Unix()
		}
		p.num = periodNumbers(noon)
		p.mday = int64(noon.Day() - 1)
		b.starts[mid] = p
	}
	b.last.at, b.last.p = t.Unix(), p
	return p
}

// periodNumbers numbers the periods of each grain holding lt, from lt's
// local date as rumbo.PeriodOf cuts them (not from their starts: where a
// midnight falls in a daylight-saving gap, a start lies on the day
// before): consecutive periods get consecutive numbers.
func periodNumbers(lt time.Time) (n [len(grainsAll)]int32) {
	y, m, d := lt.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400 // since 1970-01-01
	// ISO weeks run from Monday, and Mondays are 7k+4 (1970-01-05 was
	// one): days 7k+4 … 7k+10 make week k, floored before 1970.
	w := days - 4
	if w < 0 {
		w -= 6
	}
	n[0], n[1] = int32(days), int32(w/7)
	n[2], n[3], n[4] = int32(y*12+int(m)-1), int32(y*4+(int(m)-1)/3), int32(y)
	return n
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
	ki      int // index of kind in Kinds and dims
	events  bool
	derive  []int32 // coarser slots made of this one's cells
}

// slots lists every slot; plans the kept slots of each measure (by index in
// measureOrder), in add order.
var slots, plans = func() ([]slot, [][]int32) {
	var all []slot
	plans := make([][]int32, len(measureOrder))
	for mi, m := range measureOrder {
		spec := measures[m]
		for _, kind := range spec.kinds {
			idx := map[rumbo.Grain]int32{}
			for gi, g := range grainsAll {
				if HasGrain(m, g, kind) {
					idx[g] = int32(len(all))
					all = append(all, slot{measure: m, grain: g, gi: gi, kind: kind, ki: kindIndex(kind), events: spec.events})
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
					plans[mi] = append(plans[mi], i)
				}
			}
		}
	}
	return all, plans
}()

// kindIndex returns the index of kind in Kinds.
func kindIndex(kind string) int {
	for i, k := range Kinds {
		if k == kind {
			return i
		}
	}
	panic("agg: unknown kind " + kind)
}

// add places one fact of measure m (an index in measureOrder) at instant t
// for the dims.
func (b *Builder) add(m int, t time.Time, d *dims, n, s, miss int64, hist bool, v int64) {
	ps := b.periodsOf(t)
	for _, si := range plans[m] {
		sl := &slots[si]
		c := b.cellAt(si, d[sl.ki], ps.num[sl.gi])
		c.start = ps.start[sl.gi]
		c.n += n * b.sign
		b.sum(&c.s, s*b.sign)
		c.m += miss * b.sign
		if sl.events && sl.grain == rumbo.GrainMonth {
			if c.days == nil {
				c.days = make([]int64, 3*31)
			}
			day := ps.mday
			c.days[3*day] += n * b.sign
			b.sum(&c.days[3*day+1], s*b.sign)
			c.days[3*day+2] += miss * b.sign
		} else if hist {
			if n := len(c.vals); n >= 32 && n == cap(c.vals) {
				// Full: count what is there before growing. Few distinct
				// values (cycle days) then stay in a small slice; many
				// (amounts) make it grow as it would have.
				c.vals = combine(c.vals)
			}
			c.vals = append(c.vals, histEntry{v, b.sign})
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

// Merge adds o into c; ErrOverflow (c unchanged) when their sums of
// amounts add up past an int64.
func (c *Cell) Merge(o *Cell) error {
	s, ok := Add(c.S, o.S)
	if !ok {
		return ErrOverflow
	}
	c.N += o.N
	c.S = s
	c.M += o.M
	for k, v := range o.Hist {
		c.hist(k, v)
	}
	return nil
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

// encodeEntries encodes a histogram's entries, sorted by value and none
// zero, as EncodeHist does; nil for none.
func encodeEntries(es []histEntry) []byte {
	if len(es) == 0 {
		return nil
	}
	buf := make([]byte, 0, 4*len(es))
	for i, e := range es {
		if i == 0 {
			buf = binary.AppendVarint(buf, e.v)
		} else {
			buf = binary.AppendUvarint(buf, uint64(e.v-es[i-1].v))
		}
		buf = binary.AppendVarint(buf, e.n)
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
