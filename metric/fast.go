package metric

import (
	"context"
	"math"
	"math/big"
	"slices"
	"sort"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// AggregateSource is a Source that also keeps the aggregates of package agg
// (sqlstore.DB does). The engine then computes the built-in KPIs from them,
// reading O(periods × groups) rows instead of every record, whenever the
// query allows it: no breakdown or filter, or a breakdown and filters all
// on one of owner/team, market, or channel/campaign, over pieces made of
// whole days (total only), weeks, months, quarters and years. Any other
// query (customer or custom-field breakdowns, filters across dimensions,
// custom aggregate KPIs, activities by market…) reads the raw records.
type AggregateSource interface {
	// Aggregates returns the rows the query selects; ok is false when the
	// aggregates of a measure were never built.
	Aggregates(ctx context.Context, orgID int64, q agg.Query) (rows []agg.Row, ok bool, err error)
	// OpenEvents returns the agg.OpenIn and agg.OpenOut events of the kind
	// at instants in [from, to], one row per measure and dimension.
	OpenEvents(ctx context.Context, orgID int64, kind string, from, to time.Time) ([]agg.Row, error)
	// AggregateSpans returns what DataSpans returns, without scanning the
	// records; ok is false when the aggregates were never built.
	AggregateSpans(ctx context.Context, orgID int64) (spans map[rumbo.Entity]rumbo.DataSpan, ok bool, err error)
}

// Raw returns an engine on the same source and clock that never reads
// aggregates: the reference the aggregates are checked against.
func (e *Engine) Raw() *Engine {
	c := *e
	c.raw = true
	return &c
}

// fastEval computes a built-in KPI from aggregates; ok is false when the
// query needs raw records.
type fastEval func(c *calc) (res map[cellKey]out, ok bool, err error)

var fastEvals = map[string]fastEval{
	"revenue":                fastRevenue,
	"new_market_sales":       fastMarketSales,
	"win_rate":               fastWinRate,
	"sales_cycle_days":       fastCycle,
	"avg_deal_value":         fastAvgDeal,
	"recurring_revenue":      fastRecurring,
	"conversion_rate":        fastConversion,
	"lead_conversion_cohort": fastCohort,
	"campaign_roi":           func(c *calc) (map[cellKey]out, bool, error) { return fastSpendRatio(c, evalROIFinish) },
	"roas":                   func(c *calc) (map[cellKey]out, bool, error) { return fastSpendRatio(c, evalROASFinish) },
	"cpl":                    func(c *calc) (map[cellKey]out, bool, error) { return fastPerSpend(c, agg.Leads) },
	"cac":                    func(c *calc) (map[cellKey]out, bool, error) { return fastPerSpend(c, agg.Conv) },
	"activities":             fastActivities,
	"surveys_sent":           fastSurveysSent,
	"csat":                   fastCSAT,
	"response_time":          fastResponse,
	"open_deals":             func(c *calc) (map[cellKey]out, bool, error) { return fastOpen(c, false) },
	"pipeline_value":         func(c *calc) (map[cellKey]out, bool, error) { return fastOpen(c, true) },
}

func init() {
	for i := range builtins {
		b := &builtins[i]
		fe, raw := fastEvals[b.def.Key], b.eval
		if fe == nil {
			continue
		}
		b.eval = func(c *calc) (map[cellKey]out, error) {
			if c.agg != nil {
				if res, ok, err := fe(c); err != nil || ok {
					return res, err
				}
			}
			return raw(c)
		}
	}
}

// aggKind returns the dimension kind the query's breakdown and filters
// resolve through, and false when they need raw records.
func (c *calc) aggKind() (string, bool) {
	kind := agg.KindTotal
	names := make([]string, 0, 1+len(c.r.filters))
	if c.r.by != "" {
		names = append(names, c.r.by)
	}
	for _, f := range c.r.filters {
		names = append(names, f.Field)
	}
	for _, n := range names {
		var k string
		switch n {
		case "owner", "team":
			k = agg.KindOwner
		case "market":
			k = agg.KindMarket
		case "channel", "campaign":
			k = agg.KindCC
		default:
			return "", false
		}
		if kind != agg.KindTotal && kind != k {
			return "", false
		}
		kind = k
	}
	return kind, true
}

// prepare loads the small tables a kind resolves through: people for teams,
// campaigns for channels.
func (c *calc) prepare(kind string) error {
	switch kind {
	case agg.KindOwner:
		if !c.d.loaded[rumbo.EntityPeople] {
			if err := c.d.loadOne(rumbo.EntityPeople); err != nil {
				return err
			}
			c.d.loaded[rumbo.EntityPeople] = true
		}
	case agg.KindCC:
		return c.loadCampaigns()
	}
	return nil
}

func (c *calc) loadCampaigns() error {
	if c.d.loaded[rumbo.EntityCampaigns] {
		return nil
	}
	if err := c.d.loadOne(rumbo.EntityCampaigns); err != nil {
		return err
	}
	c.d.loaded[rumbo.EntityCampaigns] = true
	return nil
}

// dimField resolves a field of the kind from an aggregate row's dimension,
// as the raw records would resolve it.
func (c *calc) dimField(kind, dim, name string) string {
	switch kind {
	case agg.KindOwner:
		if name == "owner" {
			return dim
		}
		return c.d.team(dim)
	case agg.KindMarket:
		return dim
	case agg.KindCC:
		ch, camp, ok := agg.SplitCC(dim)
		if !ok {
			return ""
		}
		if name == "campaign" {
			return camp
		}
		if ch != "" {
			return ch
		}
		if cp := c.d.campByName[camp]; cp != nil {
			return cp.Channel
		}
	}
	return ""
}

// pickDim applies the query's filters to a row's dimension and returns its
// group.
func (c *calc) pickDim(kind, dim string) (string, bool) {
	if kind == agg.KindTotal {
		return "", true
	}
	return c.r.pick(func(n string) string { return c.dimField(kind, dim, n) })
}

type gkey struct {
	g     rumbo.Grain
	start int64
}

// keysOf cuts a piece into whole periods the measures keep for the kind.
func (c *calc) keysOf(p rumbo.Period, ms []string, kind string) ([]gkey, bool) {
	avail := func(g rumbo.Grain) bool {
		for _, m := range ms {
			if !agg.HasGrain(m, g, kind) {
				return false
			}
		}
		return true
	}
	if p.Grain != "" {
		q := rumbo.PeriodOf(p.Start, p.Grain, c.loc)
		if q.Start.Equal(p.Start) && q.End.Equal(p.End) && avail(p.Grain) {
			return []gkey{{p.Grain, p.Start.Unix()}}, true
		}
	}
	var keys []gkey
	for t := p.Start; t.Before(p.End); {
		found := false
		for _, g := range []rumbo.Grain{rumbo.GrainYear, rumbo.GrainQuarter, rumbo.GrainMonth, rumbo.GrainWeek, rumbo.GrainDay} {
			q := rumbo.PeriodOf(t, g, c.loc)
			if q.Start.Equal(t) && !q.End.After(p.End) && avail(g) {
				keys = append(keys, gkey{g, q.Start.Unix()})
				t, found = q.End, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return keys, true
}

// cells maps each measure to its aggregate per piece and group.
type cells map[string]map[cellKey]*agg.Cell

func (cs cells) get(m string, k cellKey) *agg.Cell { return cs[m][k] }

// fetch reads the measures for every piece, grouped by the query's
// breakdown after its filters. ok is false when the query needs raw
// records.
func (c *calc) fetch(ms ...string) (cells, bool, error) {
	kind, ok := c.aggKind()
	if !ok {
		return nil, false, nil
	}
	for _, m := range ms {
		if !agg.HasKind(m, kind) {
			return nil, false, nil
		}
	}
	if err := c.prepare(kind); err != nil {
		return nil, false, err
	}
	piece := map[gkey]int{}
	byGrain := map[rumbo.Grain][]int64{}
	for i, p := range c.pieces {
		keys, ok := c.keysOf(p, ms, kind)
		if !ok {
			return nil, false, nil
		}
		for _, k := range keys {
			piece[k] = i
			byGrain[k.g] = append(byGrain[k.g], k.start)
		}
	}
	res := cells{}
	want := map[string]bool{}
	var read []string // the measures and their siblings, read at once
	for _, m := range ms {
		res[m] = map[cellKey]*agg.Cell{}
		want[m] = true
		for _, sib := range agg.Siblings(m) {
			if !slices.Contains(read, sib) {
				read = append(read, sib)
			}
		}
	}
	grains := make([]rumbo.Grain, 0, len(byGrain))
	for g := range byGrain {
		grains = append(grains, g)
	}
	sort.Slice(grains, func(i, j int) bool { return grains[i] < grains[j] })
	for _, g := range grains {
		rows, ok, err := c.agg.Aggregates(c.ctx, c.org.ID, agg.Query{Measures: read, Grain: g, Kind: kind, Starts: byGrain[g]})
		if err != nil || !ok {
			return nil, false, err
		}
		for i := range rows {
			r := &rows[i]
			if !want[r.Measure] {
				continue
			}
			grp, ok := c.pickDim(kind, r.Dim)
			if !ok {
				continue
			}
			k := cellKey{piece[gkey{g, r.Start}], grp}
			cl := res[r.Measure][k]
			if cl == nil {
				cl = &agg.Cell{}
				res[r.Measure][k] = cl
			}
			cl.Merge(&r.Cell)
		}
	}
	return res, true, nil
}

// ratNew returns n ÷ d as a new rational.
func ratNew(n, d int64) *big.Rat { return big.NewRat(n, d) }

func fastRevenue(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Won)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Won] {
		cl := g.at(k.piece, k.group)
		cl.n, cl.num = int(a.N), ratNew(a.S, 100)
	}
	return c.finish(g, c.zeroIfCovered(rumbo.EntityDeals, UnitMoney), moneySum), true, nil
}

func fastMarketSales(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Won)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Won] {
		g.at(k.piece, k.group).n = int(a.N)
	}
	return c.finish(g, c.zeroIfCovered(rumbo.EntityDeals, UnitCount), countOf), true, nil
}

func fastWinRate(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Won, agg.Lost)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Won] {
		cl := g.at(k.piece, k.group)
		cl.addNum(ratNew(a.N, 1))
		cl.addDen(ratNew(a.N, 1))
	}
	for k, a := range cs[agg.Lost] {
		g.at(k.piece, k.group).addDen(ratNew(a.N, 1))
	}
	return c.finish(g, nil, ratioOf), true, nil
}

// meanHist finishes a cell whose h holds a count, a sum and a histogram of
// values in 1/scale units: the mean as value, mean, median and count in
// the stats, as meanOf does with samples.
func meanHist(unit string, scale int64) func(int, *cell) out {
	return func(_ int, cl *cell) out {
		h := cl.h
		if h == nil || h.N == 0 {
			return out{stats: &Stats{}}
		}
		m := ratNew(h.S, h.N*scale)
		med := histMedian(h.Hist, h.N)
		med.Quo(med, ratNew(scale, 1))
		st := &Stats{Mean: newValue(m, unit, AverageDecimals), Median: newValue(med, unit, AverageDecimals), Count: int(h.N)}
		return out{value: newValue(new(big.Rat).Set(m), unit, AverageDecimals), stats: st}
	}
}

// histMedian returns the exact median of n values given as value → count.
func histMedian(h map[int64]int64, n int64) *big.Rat {
	keys := make([]int64, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	at := func(i int64) int64 { // the i-th smallest value, from 0
		seen := int64(0)
		for _, k := range keys {
			seen += h[k]
			if i < seen {
				return k
			}
		}
		return keys[len(keys)-1]
	}
	if n%2 == 1 {
		return ratNew(at(n/2), 1)
	}
	return ratNew(at(n/2-1)+at(n/2), 2)
}

// fastMean computes a mean/median KPI: cells exist where exist has rows
// (nil: where the measure has), values from the measure's histograms.
func fastMean(c *calc, exist, m, unit string, scale int64) (map[cellKey]out, bool, error) {
	ms := []string{m}
	if exist != "" {
		ms = append(ms, exist)
	}
	cs, ok, err := c.fetch(ms...)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	if exist != "" {
		for k := range cs[exist] {
			g.at(k.piece, k.group)
		}
	}
	for k, a := range cs[m] {
		g.at(k.piece, k.group).h = a
	}
	return c.finish(g, nil, meanHist(unit, scale)), true, nil
}

func fastCycle(c *calc) (map[cellKey]out, bool, error) {
	return fastMean(c, agg.Won, agg.Cycle, UnitDays, 1)
}

func fastAvgDeal(c *calc) (map[cellKey]out, bool, error) {
	return fastMean(c, agg.Won, agg.WonAmt, UnitMoney, 100)
}

func fastCSAT(c *calc) (map[cellKey]out, bool, error) {
	return fastMean(c, "", agg.CSAT, UnitScore, 1)
}

func fastResponse(c *calc) (map[cellKey]out, bool, error) {
	res, ok, err := fastMean(c, "", agg.Resp, UnitHours, 3600)
	if !ok || err != nil {
		return nil, ok, err
	}
	for k, o := range res {
		if o.value == nil {
			res[k] = out{}
		}
	}
	return res, true, nil
}

func fastRecurring(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Won, agg.Recur)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k := range cs[agg.Won] {
		g.at(k.piece, k.group).num = new(big.Rat)
	}
	for k, a := range cs[agg.Recur] {
		cl := g.at(k.piece, k.group)
		cl.n, cl.num = int(a.N), ratNew(a.S, 100)
	}
	return c.finish(g, c.zeroIfCovered(rumbo.EntityDeals, UnitMoney), moneySum), true, nil
}

func fastConversion(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Conv, agg.Leads)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Conv] {
		g.at(k.piece, k.group).addNum(ratNew(a.N, 1))
	}
	for k, a := range cs[agg.Leads] {
		g.at(k.piece, k.group).addDen(ratNew(a.N, 1))
	}
	return c.finish(g, nil, ratioOf), true, nil
}

func fastCohort(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Leads, agg.Cohort)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Leads] {
		g.at(k.piece, k.group).addDen(ratNew(a.N, 1))
	}
	for k, a := range cs[agg.Cohort] {
		g.at(k.piece, k.group).addNum(ratNew(a.N, 1))
	}
	res := c.finish(g, nil, ratioOf)
	for k, o := range res {
		o.immature = c.now.Before(c.pieces[k.piece].End.AddDate(0, 0, CohortDays))
		res[k] = o
	}
	return res, true, nil
}

// fastSpendRatio computes ROI or ROAS: attributed revenue of won deals
// from aggregates, spend from the campaigns.
func fastSpendRatio(c *calc, fin func(int, *cell) out) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Won, agg.Attr)
	if !ok || err != nil {
		return nil, ok, err
	}
	if err := c.loadCampaigns(); err != nil {
		return nil, false, err
	}
	g := c.newGrid()
	for k := range cs[agg.Won] {
		g.at(k.piece, k.group)
	}
	for k, a := range cs[agg.Attr] {
		g.at(k.piece, k.group).addNum(ratNew(a.S, 100))
	}
	c.spend(g, addDen)
	return c.finish(g, nil, fin), true, nil
}

// fastPerSpend computes CPL (per lead) or CAC (per new customer).
func fastPerSpend(c *calc, m string) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(m)
	if !ok || err != nil {
		return nil, ok, err
	}
	if err := c.loadCampaigns(); err != nil {
		return nil, false, err
	}
	g := c.newGrid()
	c.spend(g, addNum)
	for k, a := range cs[m] {
		g.at(k.piece, k.group).addDen(ratNew(a.N, 1))
	}
	return c.finish(g, nil, moneyRatio), true, nil
}

func fastActivities(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Acts)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Acts] {
		g.at(k.piece, k.group).n = int(a.N)
	}
	return c.finishActivities(g), true, nil
}

func fastSurveysSent(c *calc) (map[cellKey]out, bool, error) {
	cs, ok, err := c.fetch(agg.Sent)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Sent] {
		g.at(k.piece, k.group).n = int(a.N)
	}
	return c.finish(g, c.zeroIfCovered(rumbo.EntitySurveys, UnitCount), countOf), true, nil
}

// fastOpen computes open_deals or pipeline_value at each piece's instant:
// the open-deal events of every earlier day from year, quarter and month
// aggregates (months keep per-day deltas) up to the end of the instant's
// day, less the events later that day than the instant, read from the raw
// deals (usually none: records dated later today than the clock).
func fastOpen(c *calc, pipeline bool) (map[cellKey]out, bool, error) {
	kind, ok := c.aggKind()
	if !ok {
		return nil, false, nil
	}
	if err := c.prepare(kind); err != nil {
		return nil, false, err
	}
	type point struct {
		t                   time.Time
		day, month, qtr, yr rumbo.Period
		dayIdx              int64
		wholeDay            bool
	}
	pts := make([]point, len(c.pieces))
	var maxYear, minYear, maxQtr, minQtr, maxMonth int64 = math.MinInt64, math.MaxInt64, math.MinInt64, math.MaxInt64, math.MinInt64
	for i, p := range c.pieces {
		t := c.at(p)
		if t.Equal(p.End) {
			t = t.Add(-time.Nanosecond)
		}
		pt := point{t: t, day: rumbo.PeriodOf(t, rumbo.GrainDay, c.loc), month: rumbo.PeriodOf(t, rumbo.GrainMonth, c.loc),
			qtr: rumbo.PeriodOf(t, rumbo.GrainQuarter, c.loc), yr: rumbo.PeriodOf(t, rumbo.GrainYear, c.loc)}
		pt.dayIdx = int64(pt.day.Start.Day() - 1)
		pt.wholeDay = pt.day.End.Equal(t.Add(time.Nanosecond))
		pts[i] = pt
		maxYear, minYear = max(maxYear, pt.yr.Start.Unix()), min(minYear, pt.yr.Start.Unix())
		maxQtr, minQtr = max(maxQtr, pt.qtr.Start.Unix()), min(minQtr, pt.qtr.Start.Unix())
		maxMonth = max(maxMonth, pt.month.Start.Unix())
	}
	ms := []string{agg.OpenIn, agg.OpenOut}
	read := func(g rumbo.Grain, from, to int64, hist bool) ([]agg.Row, bool, error) {
		return c.agg.Aggregates(c.ctx, c.org.ID, agg.Query{Measures: ms, Grain: g, Kind: kind, From: from, To: to, NoHist: !hist})
	}
	years, ok, err := read(rumbo.GrainYear, math.MinInt64, maxYear, false)
	if !ok || err != nil {
		return nil, ok, err
	}
	qtrs, ok, err := read(rumbo.GrainQuarter, minYear, maxQtr, false)
	if !ok || err != nil {
		return nil, ok, err
	}
	// Whole months before each instant's month need no per-day deltas.
	months, ok, err := read(rumbo.GrainMonth, minQtr, maxMonth, false)
	if !ok || err != nil {
		return nil, ok, err
	}
	starts := map[int64]bool{}
	for _, pt := range pts {
		starts[pt.month.Start.Unix()] = true
	}
	var ms0 []int64
	for st := range starts {
		ms0 = append(ms0, st)
	}
	cur, ok, err := c.agg.Aggregates(c.ctx, c.org.ID, agg.Query{Measures: ms, Grain: rumbo.GrainMonth, Kind: kind, Starts: ms0})
	if !ok || err != nil {
		return nil, ok, err
	}
	// Rows read above without deltas are replaced by the same rows with
	// them (the rows may be shared by a batch: build a new slice).
	all := make([]agg.Row, 0, len(months)+len(cur))
	for _, r := range months {
		if !starts[r.Start] {
			all = append(all, r)
		}
	}
	months = append(all, cur...)
	type tot struct{ n, s, m int64 }
	g := c.newGrid()
	for i, pt := range pts {
		sums := map[string]*tot{}
		add := func(r *agg.Row, n, s, m int64) {
			grp, ok := c.pickDim(kind, r.Dim)
			if !ok {
				return
			}
			t := sums[grp]
			if t == nil {
				t = &tot{}
				sums[grp] = t
			}
			if r.Measure == agg.OpenOut {
				n, s, m = -n, -s, -m
			}
			t.n, t.s, t.m = t.n+n, t.s+s, t.m+m
		}
		for j := range years {
			if r := &years[j]; r.Start < pt.yr.Start.Unix() {
				add(r, r.N, r.S, r.M)
			}
		}
		for j := range qtrs {
			if r := &qtrs[j]; r.Start >= pt.yr.Start.Unix() && r.Start < pt.qtr.Start.Unix() {
				add(r, r.N, r.S, r.M)
			}
		}
		for j := range months {
			r := &months[j]
			switch {
			case r.Start >= pt.qtr.Start.Unix() && r.Start < pt.month.Start.Unix():
				add(r, r.N, r.S, r.M)
			case r.Start == pt.month.Start.Unix():
				var n, s, m int64
				for k, v := range r.Hist {
					d := k / 3
					if d <= pt.dayIdx {
						switch k % 3 {
						case 0:
							n += v
						case 1:
							s += v
						default:
							m += v
						}
					}
				}
				add(r, n, s, m)
			}
		}
		if !pt.wholeDay {
			// The months hold the whole of t's day: take away the events
			// after t (rare: records dated later today than the clock).
			from := time.Unix(pt.t.Unix()+1, 0)
			later, err := c.agg.OpenEvents(c.ctx, c.org.ID, kind, from, pt.day.End.Add(-time.Second))
			if err != nil {
				return nil, false, err
			}
			for j := range later {
				r := &later[j]
				add(r, -r.N, -r.S, -r.M)
			}
		}
		for grp, t := range sums {
			if t.n <= 0 {
				continue
			}
			cl := g.at(i, grp)
			cl.n, cl.num, cl.missing = int(t.n), ratNew(t.s, 100), int(t.m)
		}
	}
	if !pipeline {
		return c.finish(g, c.pointZero(UnitCount), countOf), true, nil
	}
	return c.finish(g, c.pointZero(UnitMoney), func(i int, cl *cell) out {
		o := moneySum(i, cl)
		m := cl.missing
		o.stats.WithoutAmount = &m
		return o
	}), true, nil
}
