// Package metric is Rumbo's KPI engine: it turns KPI definitions (built-in
// and custom) into exact numbers for a period, as a series over a grain,
// broken down by a dimension and filtered, with targets and health.
//
// Each KPI is computed by a small function over the records of one entity,
// filtered and placed into period pieces and groups, so that a later version
// can feed the same functions with maintained per-day aggregates instead of
// raw records.
package metric

import (
	"context"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Source is what the engine reads: the organisation's records, targets,
// custom KPI definitions and health bands. rumbo.Store satisfies it.
type Source interface {
	rumbo.RecordReader
	Targets(ctx context.Context, orgID int64, kpi string) ([]rumbo.Target, error)
	CustomKPIs(ctx context.Context, orgID int64) ([]rumbo.KPIDef, error)
	AllBands(ctx context.Context, orgID int64) (map[string]rumbo.Bands, error)
}

// Engine computes KPIs. It keeps no state between calls; a Session keeps
// what it read for one request.
type Engine struct {
	src     Source
	now     func() time.Time
	raw     bool     // never read aggregates
	session bool     // src memoises its reads (Session)
	agg     *memoAgg // a session's aggregate reads; nil: one per Compute
}

// New returns an engine reading from store, with now as its clock.
func New(store Source, now func() time.Time) *Engine {
	if now == nil {
		now = time.Now
	}
	return &Engine{src: store, now: now}
}

// Filter keeps the records whose field (resolved like a breakdown) equals
// Value, ignoring case.
type Filter struct {
	Field, Value string
}

// Query asks for one KPI.
type Query struct {
	Key string
	// Period is the period computed. Nil: the current quarter, to date;
	// point-in-time KPIs are then taken now.
	Period *rumbo.Period
	// Grain cuts Period into a series; "" gives one row per group for the
	// whole period.
	Grain rumbo.Grain
	// By is the breakdown: "", owner, team, market, channel, campaign,
	// type, customer, or a native or custom field name.
	By      string
	Filters []Filter
}

// Definitions returns the built-in KPI definitions, then the organisation's
// custom ones.
func (e *Engine) Definitions(ctx context.Context, org *rumbo.Org) ([]rumbo.KPIDef, error) {
	defs := Builtins()
	custom, err := e.src.CustomKPIs(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	return append(defs, custom...), nil
}

// cellKey places a value in a period piece and a group.
type cellKey struct {
	piece int
	group string
}

// cell accumulates the records of one piece and group.
type cell struct {
	num, den *big.Rat   // sums: a total, or a ratio's numerator and denominator
	n        int        // records counted
	xs       []*big.Rat // samples, for means and medians
	missing  int        // records lacking the measured field
	h        *meanCell  // aggregated samples (count, sum, histogram), for means and medians
}

func (c *cell) addNum(x *big.Rat) {
	if c.num == nil {
		c.num = new(big.Rat)
	}
	c.num.Add(c.num, x)
}

func (c *cell) addDen(x *big.Rat) {
	if c.den == nil {
		c.den = new(big.Rat)
	}
	c.den.Add(c.den, x)
}

// grid holds the cells of one computation.
type grid struct {
	pieces []rumbo.Period
	cells  map[cellKey]*cell
}

func (g *grid) at(piece int, group string) *cell {
	k := cellKey{piece, group}
	c := g.cells[k]
	if c == nil {
		c = &cell{}
		g.cells[k] = c
	}
	return c
}

// pieceOf returns the index of the piece holding t, or -1.
func (g *grid) pieceOf(t time.Time) int {
	if t.IsZero() || len(g.pieces) == 0 || t.Before(g.pieces[0].Start) || !t.Before(g.pieces[len(g.pieces)-1].End) {
		return -1
	}
	return sort.Search(len(g.pieces), func(i int) bool { return t.Before(g.pieces[i].End) })
}

// out is the finished value of one cell.
type out struct {
	value    *Value
	stats    *Stats
	immature bool
}

// calc is one Compute call's context.
type calc struct {
	ctx    context.Context
	e      *Engine
	org    *rumbo.Org
	loc    *time.Location
	now    time.Time
	d      *dataset
	r      *resolver
	pieces []rumbo.Period
	shown  []rumbo.Period // the rows' periods when not the pieces (to date: toDate)
	custom map[string]rumbo.KPIDef
	depth  int      // formula nesting
	agg    *memoAgg // nil: raw records only
	sorted []string // the groups finish sorted last
}

func (c *calc) newGrid() *grid {
	return &grid{pieces: c.pieces, cells: map[cellKey]*cell{}}
}

// toDate returns the pieces of the current quarter that have begun by now,
// and the same pieces ending at now: a query without a period counts the
// quarter to date (records dated later, such as scheduled activities, do
// not count), while its rows keep the whole pieces' labels, elapsed shares
// and targets, pro rata.
func toDate(pieces []rumbo.Period, now time.Time) (shown, windows []rumbo.Period) {
	for _, p := range pieces {
		if p.Start.After(now) {
			break
		}
		w := p
		if now.Before(p.End) {
			w = rumbo.Period{Start: p.Start, End: now, Label: p.Label} // a range: it ends inside a day
		}
		shown, windows = append(shown, p), append(windows, w)
	}
	return shown, windows
}

// at returns the instant a point-in-time KPI is taken for a piece: its end,
// or now if the piece is unfinished.
func (c *calc) at(p rumbo.Period) time.Time {
	if c.now.Before(p.End) {
		return c.now
	}
	return p.End
}

// openAtInstant returns the instant deals are found open for a piece:
// open at the end of a finished piece means open at its last instant
// inside it; an unfinished one, or one counted up to now, is taken at now.
func (c *calc) openAtInstant(p rumbo.Period) time.Time {
	t := c.at(p)
	if t.Equal(p.End) && !t.Equal(c.now) {
		t = t.Add(-time.Nanosecond)
	}
	return t
}

// finish turns a grid into values for every piece × group: fin for the
// cells with records, zero (nil: null) for the others.
func (c *calc) finish(g *grid, zero func(i int) *out, fin func(i int, cl *cell) out) map[cellKey]out {
	res := map[cellKey]out{}
	groups := c.groups(g)
	for i := range c.pieces {
		for _, grp := range groups {
			if cl := g.cells[cellKey{i, grp}]; cl != nil {
				res[cellKey{i, grp}] = fin(i, cl)
			} else if z := zeroOf(zero, i); z != nil {
				res[cellKey{i, grp}] = *z
			} else {
				res[cellKey{i, grp}] = out{}
			}
		}
	}
	return res
}

func zeroOf(zero func(i int) *out, i int) *out {
	if zero == nil {
		return nil
	}
	return zero(i)
}

// zeroIfCovered is the zero of an additive KPI counting entity ent: 0 when
// the piece intersects the entity's data span, null outside it.
func (c *calc) zeroIfCovered(ent rumbo.Entity, unit string) func(i int) *out {
	return func(i int) *out {
		if !c.d.covers(ent, c.pieces[i]) {
			return nil
		}
		return &out{value: newValue(new(big.Rat), unit, SumDecimals), stats: &Stats{}}
	}
}

// groups returns the groups seen in g, sorted, the empty group last; without
// a breakdown, the one empty group.
func (c *calc) groups(g *grid) []string {
	if c.r.by == "" {
		return []string{""}
	}
	seen := map[string]bool{}
	for k := range g.cells {
		seen[k.group] = true
	}
	c.sorted = sortGroups(seen)
	return c.sorted
}

// sameSet reports whether list holds exactly the names of set, once each.
func sameSet(list []string, set map[string]bool) bool {
	if len(list) != len(set) {
		return false
	}
	for _, g := range list {
		if !set[g] {
			return false
		}
	}
	return true
}

func sortGroups(seen map[string]bool) []string {
	// Each name lower-cased once, not at each comparison.
	type named struct{ g, lower string }
	ns := make([]named, 0, len(seen))
	for k := range seen {
		ns = append(ns, named{k, strings.ToLower(k)})
	}
	slices.SortFunc(ns, func(a, b named) int {
		if (a.g == "") != (b.g == "") {
			if b.g == "" {
				return -1
			}
			return 1
		}
		switch {
		case a.lower < b.lower || (a.g < b.g && strings.EqualFold(a.g, b.g)):
			return -1
		case b.lower < a.lower || (b.g < a.g && strings.EqualFold(a.g, b.g)):
			return 1
		}
		return 0
	})
	gs := make([]string, len(ns))
	for i := range ns {
		gs[i] = ns[i].g
	}
	return gs
}

// Compute computes one KPI for the query.
func (e *Engine) Compute(ctx context.Context, org *rumbo.Org, q Query) (*Result, error) {
	loc, err := e.location(org)
	if err != nil {
		return nil, err
	}
	now := e.now().In(loc)
	custom, err := e.customByKey(ctx, org)
	if err != nil {
		return nil, err
	}
	sp, err := specFor(q.Key, custom)
	if err != nil {
		return nil, err
	}
	var period rumbo.Period
	if q.Period != nil {
		period = *q.Period
		period.Start, period.End = period.Start.In(loc), period.End.In(loc)
	} else {
		period = rumbo.PeriodOf(now, rumbo.GrainQuarter, loc)
	}
	pieces := []rumbo.Period{period}
	if q.Grain != "" {
		if _, err := rumbo.ParseGrain(string(q.Grain)); err != nil {
			return nil, err
		}
		pieces = period.Split(q.Grain)
	}
	var shown []rumbo.Period
	if q.Period == nil {
		shown, pieces = toDate(pieces, now)
	}
	by := strings.TrimSpace(q.By)
	if by == "" {
		by = sp.defaultBy
	}
	names := []string{by}
	for _, f := range q.Filters {
		if strings.TrimSpace(f.Field) == "" {
			return nil, rumbo.Errorf(rumbo.EINVALID, "filter %q=%q has no field", f.Field, f.Value)
		}
		names = append(names, strings.TrimSpace(f.Field))
	}
	if err := checkDims(q.Key, sp.subjects, names...); err != nil {
		return nil, err
	}
	d := newDataset(ctx, e.src, org.ID)
	c := &calc{ctx: ctx, e: e, org: org, loc: loc, now: now, d: d,
		r: &resolver{d: d, by: by, filters: q.Filters}, pieces: pieces, shown: shown, custom: custom}
	if ma := e.aggReader(); ma != nil && !e.raw {
		spans, built, err := ma.spans(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		if built {
			d.spans, c.agg = spans, ma
		}
	}
	outs, err := sp.eval(c)
	if err != nil {
		return nil, err
	}
	res := &Result{KPI: sp.def.Key, Unit: sp.def.Unit, By: by}
	for _, ent := range sp.reads {
		if s := d.spans[ent]; s.ImportedAt.After(res.AsOf) {
			res.AsOf = s.ImportedAt
		}
	}
	if err := e.rows(c, sp, outs, res); err != nil {
		return nil, err
	}
	return res, nil
}

// location returns the organisation's time zone, loaded once per batch
// (time.LoadLocation reads the zone database at each call).
func (e *Engine) location(org *rumbo.Org) (*time.Location, error) {
	if e.agg == nil {
		return org.Location()
	}
	return once(e.agg.memo, "zone "+org.TimeZone, org.Location)
}

// aggReader returns the reader of the batch's aggregates, or a new one for
// one Compute call; nil when the source keeps no aggregates.
func (e *Engine) aggReader() *memoAgg {
	if e.agg != nil {
		return e.agg
	}
	if as, ok := e.src.(AggregateSource); ok {
		return newMemoAgg(e.src, as, false)
	}
	return nil
}

func (e *Engine) customByKey(ctx context.Context, org *rumbo.Org) (map[string]rumbo.KPIDef, error) {
	defs, err := e.src.CustomKPIs(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	m := make(map[string]rumbo.KPIDef, len(defs))
	for _, d := range defs {
		m[d.Key] = d
	}
	return m, nil
}

// rows builds the result rows with targets and health.
func (e *Engine) rows(c *calc, sp *spec, outs map[cellKey]out, res *Result) error {
	targets, err := e.src.Targets(c.ctx, c.org.ID, sp.def.Key)
	if err != nil {
		return err
	}
	bandsByKPI, err := e.src.AllBands(c.ctx, c.org.ID)
	if err != nil {
		return err
	}
	bands, ok := bandsByKPI[sp.def.Key]
	if !ok {
		bands = rumbo.DefaultBands
	}
	seen := map[string]bool{}
	for k := range outs {
		seen[k.group] = true
	}
	groups := c.sorted
	if !sameSet(groups, seen) {
		groups = sortGroups(seen)
	}
	res.Rows = make([]Row, 0, len(outs))
	for i, p := range c.pieces {
		if c.shown != nil {
			p = c.shown[i]
		}
		elapsed := p.Elapsed(c.now)
		for _, g := range groups {
			o, ok := outs[cellKey{i, g}]
			if !ok {
				continue
			}
			row := Row{Period: p.Label, Start: p.Start, End: p.End, Value: o.value, Stats: o.stats,
				Immature: o.immature, Elapsed: elapsed, Health: rumbo.HealthNone}
			if c.r.by != "" {
				row.Group = map[string]string{c.r.by: g}
			}
			scope, scopeValue, scoped := targetScope(c.r.by, g, c.r.filters)
			if scoped {
				if t := targetFor(targets, scope, scopeValue, p, sp.def.Additive, c.loc); t != nil {
					row.Target = newValue(t, sp.def.Unit, decimalsOf(t))
					pr := rumbo.ProRataTarget(t, sp.def.Additive, p, c.now)
					row.ProRataTarget = newValue(pr, sp.def.Unit, decimalsOf(pr))
				}
			}
			if row.Elapsed > 0 && row.Value != nil {
				var pr *big.Rat
				if row.ProRataTarget != nil {
					pr = row.ProRataTarget.Rat
				}
				row.Health, row.Achievement = rumbo.HealthOf(row.Value.Rat, pr, sp.def.LowerIsBetter, bands)
			}
			res.Rows = append(res.Rows, row)
		}
	}
	return nil
}

// decimalsOf returns SumDecimals when r is exact with two decimals, else
// AverageDecimals.
func decimalsOf(r *big.Rat) int {
	if r == nil {
		return SumDecimals
	}
	if new(big.Rat).Mul(r, big.NewRat(100, 1)).IsInt() {
		return SumDecimals
	}
	return AverageDecimals
}

// targetScope returns the target scope that applies to a row: the row's
// group when broken down by owner, team or market; without a breakdown, a
// single owner/team/market filter, else the organisation. Other breakdowns
// have no targets.
func targetScope(by, group string, filters []Filter) (string, string, bool) {
	scoped := func(s string) bool { return s == "owner" || s == "team" || s == "market" }
	if by != "" {
		return by, group, scoped(by)
	}
	var scope, value string
	n := 0
	for _, f := range filters {
		if scoped(f.Field) {
			scope, value = f.Field, f.Value
			n++
		}
	}
	if n == 1 {
		return scope, value, true
	}
	return "", "", n == 0
}

// targetFor returns the target of a row: a target set for exactly the
// row's period, else the shortest target period containing it — split by
// days for an additive KPI, as is for a non-additive one.
func targetFor(ts []rumbo.Target, scope, value string, p rumbo.Period, additive bool, loc *time.Location) *big.Rat {
	var best *rumbo.Target
	for i := range ts {
		t := &ts[i]
		if t.Value == nil || t.Scope != scope || (scope != "" && !strings.EqualFold(t.ScopeValue, value)) {
			continue
		}
		if t.Start.Equal(p.Start) && t.End.Equal(p.End) {
			return new(big.Rat).Set(t.Value)
		}
		if !t.Start.After(p.Start) && !t.End.Before(p.End) {
			if best == nil || t.End.Sub(t.Start) < best.End.Sub(best.Start) {
				best = t
			}
		}
	}
	if best == nil {
		return nil
	}
	if !additive {
		return new(big.Rat).Set(best.Value)
	}
	of := rumbo.Period{Start: best.Start.In(loc), End: best.End.In(loc)}
	return rumbo.SplitTarget(best.Value, of, p)
}
