package metric

import (
	"context"
	"math/big"
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
	// ReadAggregates calls fn with each row the query selects: its key,
	// count, sum and count without value, and its histogram encoded as by
	// agg.EncodeHist (nil when empty or left out); k and hist are valid
	// during the call only.
	ReadAggregates(ctx context.Context, orgID int64, q agg.Query, fn func(k *agg.Key, n, s, m int64, hist []byte) error) error
	// SumAggregatesBefore calls fn with, for each of the measures and each
	// dimension value of the kind, the sums of the year rows starting
	// before year, the quarter rows starting in [year, quarter) and the
	// month rows starting in [quarter, month).
	SumAggregatesBefore(ctx context.Context, orgID int64, kind string, measures []string, year, quarter, month int64,
		fn func(measure, dim string, n, s, m int64) error) error
	// OpenEvents returns the agg.OpenIn and agg.OpenOut events at instants
	// in [from, to], one row of grain year per measure, kind and dimension.
	OpenEvents(ctx context.Context, orgID int64, from, to time.Time) ([]agg.Row, error)
	// FactsBetween returns the facts of the measures at instants in
	// [from, to], computed from the raw records as the aggregates are: one
	// row of grain year per measure, kind and dimension (rows of other
	// measures may come too).
	FactsBetween(ctx context.Context, orgID int64, measures []string, from, to time.Time) ([]agg.Row, error)
	// ActivitiesBetween calls fn with the type and time in Unix seconds
	// (with owners, the owner) of each activity at an instant in
	// [from, to), for the breakdowns and filters by type the aggregates do
	// not keep.
	ActivitiesBetween(ctx context.Context, orgID int64, from, to time.Time, owners bool, fn func(typ, owner string, at int64)) error
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
		case "type":
			k = agg.KindType
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
	case agg.KindMarket, agg.KindType:
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

// groupOf returns the group of a dimension value of the kind, resolved
// once per value and kept in groups; ok is false when the query's filters
// leave the value out.
func (c *calc) groupOf(kind, dim string, groups map[string]string) (string, bool) {
	grp, ok := groups[dim]
	if !ok {
		if grp, ok = c.pickDim(kind, dim); !ok {
			grp = noGroup
		}
		groups[dim] = grp
	}
	return grp, grp != noGroup
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

// tail is the end of a piece that is no whole period: the aggregate of the
// period that holds it, less the facts in [from, to] (after the piece's
// end, to the end of that period).
type tail struct {
	piece    int
	from, to time.Time
}

// keysOf cuts a piece into whole periods the measures keep for the kind.
// A piece that ends inside a period (a quarter to date) ends with the
// smallest period kept that holds its end, and its tail says which facts
// to take away; tail is nil otherwise.
func (c *calc) keysOf(p rumbo.Period, ms []string, kind string) ([]gkey, *tail, bool) {
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
			return []gkey{{p.Grain, p.Start.Unix()}}, nil, true
		}
	}
	var keys []gkey
	var tl *tail
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
		if found {
			continue
		}
		for _, g := range []rumbo.Grain{rumbo.GrainDay, rumbo.GrainWeek, rumbo.GrainMonth, rumbo.GrainQuarter, rumbo.GrainYear} {
			q := rumbo.PeriodOf(t, g, c.loc)
			if q.Start.Equal(t) && q.End.After(p.End) && avail(g) {
				keys = append(keys, gkey{g, q.Start.Unix()})
				tl = &tail{from: p.End, to: q.End.Add(-time.Second)}
				t, found = p.End, true
				break
			}
		}
		if !found {
			return nil, nil, false
		}
	}
	return keys, tl, true
}

// cells maps each measure to its aggregate per piece and group.
type cells map[string]map[cellKey]*acell

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
	var tails []tail
	for i, p := range c.pieces {
		keys, tl, ok := c.keysOf(p, ms, kind)
		if !ok {
			return nil, false, nil
		}
		for _, k := range keys {
			piece[k] = i
			byGrain[k.g] = append(byGrain[k.g], k.start)
		}
		if tl != nil {
			tl.piece = i
			tails = append(tails, *tl)
		}
	}
	res := cells{}
	for _, m := range ms {
		res[m] = map[cellKey]*acell{}
	}
	grains := make([]rumbo.Grain, 0, len(byGrain))
	for g := range byGrain {
		grains = append(grains, g)
	}
	sort.Slice(grains, func(i, j int) bool { return grains[i] < grains[j] })
	// The group of each dimension value, resolved once.
	groups := map[string]string{}
	for _, g := range grains {
		byMeasure, err := c.agg.rows(c.ctx, c.org.ID, agg.Query{Measures: ms, Grain: g, Kind: kind, Starts: byGrain[g]})
		if err != nil {
			return nil, false, err
		}
		for j, rows := range byMeasure {
			c.addRows(res[ms[j]], rows, kind, g, piece, groups)
		}
	}
	for _, tl := range tails {
		if err := c.takeAway(res, tl, kind, groups); err != nil {
			return nil, false, err
		}
	}
	for _, byCell := range res {
		for _, cl := range byCell {
			if cl.over {
				return nil, false, agg.ErrOverflow
			}
		}
	}
	return res, true, nil
}

// takeAway removes from the cells of a tail's piece the facts in its
// window, read from the raw records; a cell left with no fact goes, as if
// it had never been read.
func (c *calc) takeAway(res cells, tl tail, kind string, groups map[string]string) error {
	var ms []string
	for m := range res {
		ms = append(ms, m)
	}
	rows, err := c.agg.facts(c.ctx, c.org.ID, ms, tl.from, tl.to)
	if err != nil {
		return err
	}
	type at struct {
		byCell map[cellKey]*acell
		k      cellKey
	}
	var touched []at
	for i := range rows {
		r := &rows[i]
		byCell := res[r.Measure]
		if byCell == nil || r.Kind != kind {
			continue
		}
		grp, ok := c.groupOf(kind, r.Dim, groups)
		if !ok {
			continue
		}
		k := cellKey{tl.piece, grp}
		cl := byCell[k]
		if cl == nil {
			// The aggregate of the period holds the facts after the
			// piece's end, unless a write came between the two reads:
			// the figures are then those of the aggregates read.
			continue
		}
		cl.sub(r.N, r.S, r.M, r.Hist)
		touched = append(touched, at{byCell, k})
	}
	for _, t := range touched {
		if cl := t.byCell[t.k]; cl != nil && cl.n == 0 {
			delete(t.byCell, t.k)
		}
	}
	return nil
}

// addRows adds aggregate rows of grain g to the cells of their piece and
// group; groups keeps the group of each dimension value.
func (c *calc) addRows(byCell map[cellKey]*acell, rows []arow, kind string, g rumbo.Grain, piece map[gkey]int, groups map[string]string) {
	block := make([]acell, 0, len(rows)) // the new cells, at most one per row
	for i := range rows {
		r := &rows[i]
		grp, ok := c.groupOf(kind, r.dim, groups)
		if !ok {
			continue
		}
		k := cellKey{piece[gkey{g, r.start}], grp}
		cl := byCell[k]
		if cl == nil {
			block = append(block, acell{})
			cl = &block[len(block)-1]
			byCell[k] = cl
		}
		cl.add(r.n, r.s, r.m, r.hist)
	}
}

// noGroup marks a dimension value the query's filters leave out (group
// names are text: it is none of them).
const noGroup = "\x00"

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
		cl.n, cl.num = int(a.n), ratNew(a.s, 100)
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
		g.at(k.piece, k.group).n = int(a.n)
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
		cl.addNum(ratNew(a.n, 1))
		cl.addDen(ratNew(a.n, 1))
	}
	for k, a := range cs[agg.Lost] {
		g.at(k.piece, k.group).addDen(ratNew(a.n, 1))
	}
	return c.finish(g, nil, ratioOf), true, nil
}

// meanHist finishes a cell whose h holds a count, a sum and a histogram of
// values in 1/scale units: the mean as value, mean, median and count in
// the stats, as meanOf does with samples.
func meanHist(unit string, scale int64) func(int, *cell) out {
	return func(_ int, cl *cell) out {
		h := cl.h
		if h == nil || h.n == 0 {
			return out{stats: &Stats{}}
		}
		m := ratNew(h.s, h.n*scale)
		med := new(big.Rat).Quo(h.med, ratNew(scale, 1))
		st := &Stats{Mean: newValue(m, unit, AverageDecimals), Median: newValue(med, unit, AverageDecimals), Count: int(h.n)}
		return out{value: newValue(new(big.Rat).Set(m), unit, AverageDecimals), stats: st}
	}
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
		med, err := a.median()
		if err != nil {
			return nil, false, err
		}
		g.at(k.piece, k.group).h = &meanCell{n: a.n, s: a.s, med: med}
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
		cl.n, cl.num = int(a.n), ratNew(a.s, 100)
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
		g.at(k.piece, k.group).addNum(ratNew(a.n, 1))
	}
	for k, a := range cs[agg.Leads] {
		g.at(k.piece, k.group).addDen(ratNew(a.n, 1))
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
		g.at(k.piece, k.group).addDen(ratNew(a.n, 1))
	}
	for k, a := range cs[agg.Cohort] {
		g.at(k.piece, k.group).addNum(ratNew(a.n, 1))
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
		g.at(k.piece, k.group).addNum(ratNew(a.s, 100))
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
		g.at(k.piece, k.group).addDen(ratNew(a.n, 1))
	}
	return c.finish(g, nil, moneyRatio), true, nil
}

func fastActivities(c *calc) (map[cellKey]out, bool, error) {
	if _, ok := c.aggKind(); !ok {
		return typedActivities(c)
	}
	cs, ok, err := c.fetch(agg.Acts)
	if !ok || err != nil {
		return nil, ok, err
	}
	g := c.newGrid()
	for k, a := range cs[agg.Acts] {
		g.at(k.piece, k.group).n = int(a.n)
	}
	return c.finishActivities(g), true, nil
}

// typedActivities counts activities broken down or filtered by type and
// by owner or team, which the aggregates do not keep together (they keep
// types and owners apart): from the activities of
// the pieces' time range alone, without the deals and leads the other
// fields of an activity resolve through.
func typedActivities(c *calc) (map[cellKey]out, bool, error) {
	names := make([]string, 0, 1+len(c.r.filters))
	if c.r.by != "" {
		names = append(names, c.r.by)
	}
	for _, f := range c.r.filters {
		names = append(names, f.Field)
	}
	owners := false
	for _, n := range names {
		switch n {
		case "type":
		case "owner", "team":
			owners = true
		default:
			return nil, false, nil
		}
	}
	if len(c.pieces) == 0 {
		return nil, false, nil
	}
	if owners {
		if err := c.prepare(agg.KindOwner); err != nil {
			return nil, false, err
		}
	}
	acts, err := c.agg.activities(c.ctx, c.org.ID, c.pieces[0].Start, c.pieces[len(c.pieces)-1].End, owners)
	if err != nil {
		return nil, false, err
	}
	g := c.newGrid()
	// The activities of one type and owner resolve alike: count them by
	// piece first.
	type key struct {
		typ, owner string
		piece      int
	}
	counts := map[key]int{}
	for _, a := range acts {
		if p := g.pieceOf(time.Unix(a.at, 0)); p >= 0 {
			counts[key{a.typ, a.owner, p}]++
		}
	}
	for k, n := range counts {
		if grp, ok := c.r.activity(&rumbo.Activity{Type: k.typ, Owner: k.owner}); ok {
			g.at(k.piece, grp).n += n
		}
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
		g.at(k.piece, k.group).n = int(a.n)
	}
	return c.finish(g, c.zeroIfCovered(rumbo.EntitySurveys, UnitCount), countOf), true, nil
}

// fastOpen computes open_deals or pipeline_value at each piece's instant:
// the open-deal events of every month before the instant's (summed from
// year, quarter and month aggregates by the store), those of the instant's
// month up to the end of its day (month rows keep per-day deltas), less the
// events later that day than the instant, read from the raw deals (records
// dated later today than the clock; usually none).
func fastOpen(c *calc, pipeline bool) (map[cellKey]out, bool, error) {
	kind, ok := c.aggKind()
	if !ok {
		return nil, false, nil
	}
	if err := c.prepare(kind); err != nil {
		return nil, false, err
	}
	events := []string{agg.OpenIn, agg.OpenOut}
	// The group of each dimension value, resolved once.
	groups := map[string]string{}
	group := func(dim string) (string, bool) { return c.groupOf(kind, dim, groups) }
	g := c.newGrid()
	for i, p := range c.pieces {
		t := c.openAtInstant(p)
		day, month := rumbo.PeriodOf(t, rumbo.GrainDay, c.loc), rumbo.PeriodOf(t, rumbo.GrainMonth, c.loc)
		qtr, yr := rumbo.PeriodOf(t, rumbo.GrainQuarter, c.loc), rumbo.PeriodOf(t, rumbo.GrainYear, c.loc)
		// The day's own date: a day that begins at 23:00 the evening
		// before (clocks forward at midnight) starts on the previous date.
		dayIdx := int64(day.Start.Add(12*time.Hour).In(c.loc).Day() - 1)
		sums := map[string]*openTot{}
		over := false // a sum of amounts went past an int64
		add := func(dim string, n, s, m int64) {
			grp, ok := group(dim)
			if !ok {
				return
			}
			t := sums[grp]
			if t == nil {
				t = &openTot{}
				sums[grp] = t
			}
			t.n, t.m = t.n+n, t.m+m
			if t.s, ok = agg.Add(t.s, s); !ok {
				over = true
			}
		}
		base, err := c.agg.openBefore(c.ctx, c.org.ID, kind, yr.Start.Unix(), qtr.Start.Unix(), month.Start.Unix())
		if err != nil {
			return nil, false, err
		}
		for dim, t := range base {
			add(dim, t.n, t.s, t.m)
		}
		byMeasure, err := c.agg.rows(c.ctx, c.org.ID, agg.Query{Measures: events, Grain: rumbo.GrainMonth, Kind: kind, Starts: []int64{month.Start.Unix()}})
		if err != nil {
			return nil, false, err
		}
		for j, rows := range byMeasure {
			sign := int64(1)
			if events[j] == agg.OpenOut {
				sign = -1
			}
			for k := range rows {
				r := &rows[k]
				// The month's per-day deltas, up to the instant's day.
				var n, s, m int64
				err := walkHist(r.hist, func(v, c int64) bool {
					if v/3 > dayIdx {
						return false // sorted by day
					}
					switch v % 3 {
					case 0:
						n += c
					case 1:
						var ok bool
						if s, ok = agg.Add(s, c); !ok {
							over = true
						}
					default:
						m += c
					}
					return true
				})
				if err != nil {
					return nil, false, err
				}
				add(r.dim, sign*n, sign*s, sign*m)
			}
		}
		if !day.End.Equal(t.Add(time.Nanosecond)) {
			// The months hold the whole of t's day: take away the events
			// after t.
			later, err := c.agg.openEvents(c.ctx, c.org.ID, time.Unix(t.Unix()+1, 0), day.End.Add(-time.Second))
			if err != nil {
				return nil, false, err
			}
			for j := range later {
				r := &later[j]
				if r.Kind != kind {
					continue
				}
				if r.Measure == agg.OpenOut {
					add(r.Dim, r.N, r.S, r.M)
				} else {
					add(r.Dim, -r.N, -r.S, -r.M)
				}
			}
		}
		if over {
			return nil, false, agg.ErrOverflow
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

// openTot is the number, amount and number without amount of open deals
// (events in less events out).
type openTot struct{ n, s, m int64 }
