package metric

import (
	"math/big"
	"time"

	"github.com/rumbo-app/rumbo"
)

// wonDeals places every won deal closed in a piece, after filters, into g
// through add.
func (c *calc) wonDeals(g *grid, add func(cl *cell, x *rumbo.Deal)) {
	for i := range c.d.deals {
		x := &c.d.deals[i]
		if x.Status != rumbo.DealWon {
			continue
		}
		p := g.pieceOf(x.ClosedAt)
		if p < 0 {
			continue
		}
		grp, ok := c.r.deal(x)
		if !ok {
			continue
		}
		add(g.at(p, grp), x)
	}
}

// moneySum finishes a cell whose num is a sum of money.
func moneySum(_ int, cl *cell) out {
	v := cl.num
	if v == nil {
		v = new(big.Rat)
	}
	return out{value: newValue(v, UnitMoney, SumDecimals), stats: &Stats{Count: cl.n}}
}

// countOf finishes a cell whose n is the value.
func countOf(_ int, cl *cell) out {
	return out{value: newValue(big.NewRat(int64(cl.n), 1), UnitCount, 0), stats: &Stats{Count: cl.n}}
}

// ratioOf finishes a cell whose value is num ÷ den, null for den 0; the
// stats count is den.
func ratioOf(_ int, cl *cell) out {
	o := out{value: newValue(ratio(orZero(cl.num), cl.den), UnitRatio, 0)}
	if cl.den != nil && cl.den.IsInt() {
		o.stats = &Stats{Count: int(cl.den.Num().Int64())}
	}
	return o
}

// meanOf finishes a cell of samples: the value is their mean, the stats
// their mean, median and count.
func meanOf(unit string) func(int, *cell) out {
	return func(_ int, cl *cell) out {
		m := mean(cl.xs)
		st := &Stats{Mean: newValue(m, unit, AverageDecimals), Median: newValue(median(cl.xs), unit, AverageDecimals), Count: len(cl.xs)}
		return out{value: newValue(m, unit, AverageDecimals), stats: st}
	}
}

func orZero(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

var one = big.NewRat(1, 1)

// evalRevenue: sum of the amounts of deals won with closed_at in P; a won
// deal without an amount adds nothing.
func evalRevenue(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.wonDeals(g, func(cl *cell, x *rumbo.Deal) {
		cl.n++
		if x.Amount != nil {
			cl.addNum(x.Amount.Rat())
		} else {
			cl.missing++
		}
	})
	return c.finish(g, c.zeroIfCovered(rumbo.EntityDeals, UnitMoney), moneySum), nil
}

// evalMarketSales: number of deals won in P (by market unless another
// breakdown is asked).
func evalMarketSales(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.wonDeals(g, func(cl *cell, _ *rumbo.Deal) { cl.n++ })
	return c.finish(g, c.zeroIfCovered(rumbo.EntityDeals, UnitCount), countOf), nil
}

// evalRecurring: revenue of deals won in P from customers with a won deal
// closed strictly earlier.
func evalRecurring(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	first := map[string]time.Time{}
	for i := range c.d.deals {
		x := &c.d.deals[i]
		cust := c.d.dealField(x, "customer")
		if x.Status != rumbo.DealWon || x.ClosedAt.IsZero() || cust == "" {
			continue
		}
		if f, ok := first[cust]; !ok || x.ClosedAt.Before(f) {
			first[cust] = x.ClosedAt
		}
	}
	g := c.newGrid()
	c.wonDeals(g, func(cl *cell, x *rumbo.Deal) {
		f, ok := first[c.d.dealField(x, "customer")]
		if !ok || !f.Before(x.ClosedAt) {
			// Touch the cell so its group is listed with 0.
			if cl.num == nil {
				cl.num = new(big.Rat)
			}
			return
		}
		cl.n++
		if x.Amount != nil {
			cl.addNum(x.Amount.Rat())
		}
	})
	return c.finish(g, c.zeroIfCovered(rumbo.EntityDeals, UnitMoney), moneySum), nil
}

// evalWinRate: won ÷ (won + lost) of the deals closed in P.
func evalWinRate(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	for i := range c.d.deals {
		x := &c.d.deals[i]
		if x.Status != rumbo.DealWon && x.Status != rumbo.DealLost {
			continue
		}
		p := g.pieceOf(x.ClosedAt)
		if p < 0 {
			continue
		}
		grp, ok := c.r.deal(x)
		if !ok {
			continue
		}
		cl := g.at(p, grp)
		cl.addDen(one)
		if x.Status == rumbo.DealWon {
			cl.addNum(one)
		}
	}
	return c.finish(g, nil, ratioOf), nil
}

// evalCycle: calendar days, in the organisation's zone, from first contact
// (the lead's created_at, else the deal's) to closed_at of deals won in P;
// mean as value, median in stats. Deals with no first contact are left out.
func evalCycle(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.wonDeals(g, func(cl *cell, x *rumbo.Deal) {
		start := x.CreatedAt
		if l := c.d.leadByID[x.Lead]; x.Lead != "" && l != nil && !l.CreatedAt.IsZero() {
			start = l.CreatedAt
		}
		if start.IsZero() {
			cl.missing++
			return
		}
		days := rumbo.CalendarDays(start, x.ClosedAt, c.loc)
		cl.xs = append(cl.xs, big.NewRat(int64(days), 1))
	})
	return c.finish(g, nil, meanOf(UnitDays)), nil
}

// evalAvgDeal: revenue ÷ number of deals won in P with an amount.
func evalAvgDeal(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.wonDeals(g, func(cl *cell, x *rumbo.Deal) {
		if x.Amount == nil {
			cl.missing++
			return
		}
		cl.xs = append(cl.xs, x.Amount.Rat())
	})
	return c.finish(g, nil, meanOf(UnitMoney)), nil
}

// openAt reports whether the deal is open at the instant t: it appeared
// (created_at, else first_seen_at) at or before t and was not closed by t.
func openAt(x *rumbo.Deal, t time.Time) bool {
	opened := x.CreatedAt
	if opened.IsZero() {
		opened = x.FirstSeenAt
	}
	if opened.After(t) {
		return false
	}
	switch x.Status {
	case rumbo.DealWon, rumbo.DealLost:
		return !x.ClosedAt.IsZero() && x.ClosedAt.After(t)
	}
	return true
}

// openDeals places the deals open at the end of each piece (now for an
// unfinished piece) into g through add.
func (c *calc) openDeals(g *grid, add func(cl *cell, x *rumbo.Deal)) {
	for i, p := range c.pieces {
		t := c.openAtInstant(p)
		for j := range c.d.deals {
			x := &c.d.deals[j]
			if !openAt(x, t) {
				continue
			}
			if grp, ok := c.r.deal(x); ok {
				add(g.at(i, grp), x)
			}
		}
	}
}

// pointZero is the zero of a point-in-time KPI: 0 when deals were known by
// the piece's instant, null before the first deal.
func (c *calc) pointZero(unit string) func(i int) *out {
	return func(i int) *out {
		first, _, ok := c.d.span(rumbo.EntityDeals)
		if !ok || first.After(c.at(c.pieces[i])) {
			return nil
		}
		z := 0
		return &out{value: newValue(new(big.Rat), unit, SumDecimals), stats: &Stats{WithoutAmount: zeroIfMoney(unit, &z)}}
	}
}

func zeroIfMoney(unit string, z *int) *int {
	if unit == UnitMoney {
		return z
	}
	return nil
}

// evalOpenDeals: number of deals open at the end of P (now when P is
// unfinished).
func evalOpenDeals(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.openDeals(g, func(cl *cell, _ *rumbo.Deal) { cl.n++ })
	return c.finish(g, c.pointZero(UnitCount), countOf), nil
}

// evalPipeline: sum of the known amounts of the deals open at the end of P;
// the stats count the open deals and those without an amount.
func evalPipeline(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.openDeals(g, func(cl *cell, x *rumbo.Deal) {
		cl.n++
		if x.Amount != nil {
			cl.addNum(x.Amount.Rat())
		} else {
			cl.missing++
		}
	})
	return c.finish(g, c.pointZero(UnitMoney), func(i int, cl *cell) out {
		o := moneySum(i, cl)
		m := cl.missing
		o.stats.WithoutAmount = &m
		return o
	}), nil
}

// firstWon returns, per lead external id, the closed_at of its first won
// deal.
func (c *calc) firstWon() map[string]time.Time {
	first := map[string]time.Time{}
	for i := range c.d.deals {
		x := &c.d.deals[i]
		if x.Status != rumbo.DealWon || x.Lead == "" || x.ClosedAt.IsZero() {
			continue
		}
		if f, ok := first[x.Lead]; !ok || x.ClosedAt.Before(f) {
			first[x.Lead] = x.ClosedAt
		}
	}
	return first
}

// newCustomers adds, per piece and lead group, the leads whose first won
// deal closed in the piece, through add.
func (c *calc) newCustomers(g *grid, add func(cl *cell)) {
	for id, t := range c.firstWon() {
		l := c.d.leadByID[id]
		if l == nil {
			continue
		}
		p := g.pieceOf(t)
		if p < 0 {
			continue
		}
		if grp, ok := c.r.lead(l); ok {
			add(g.at(p, grp))
		}
	}
}

// leadsCreated adds, per piece and lead group, the leads created in the
// piece, through add.
func (c *calc) leadsCreated(g *grid, add func(cl *cell, l *rumbo.Lead)) {
	for i := range c.d.leads {
		l := &c.d.leads[i]
		p := g.pieceOf(l.CreatedAt)
		if p < 0 {
			continue
		}
		if grp, ok := c.r.lead(l); ok {
			add(g.at(p, grp), l)
		}
	}
}

// evalConversion: new customers in P (leads whose first won deal closed in
// P) ÷ leads created in P; a flow ratio that can exceed 1.
func evalConversion(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.newCustomers(g, func(cl *cell) { cl.addNum(one) })
	c.leadsCreated(g, func(cl *cell, _ *rumbo.Lead) { cl.addDen(one) })
	return c.finish(g, nil, ratioOf), nil
}

// evalCohort: of the leads created in P, the share with a won deal closed
// within CohortDays days of creation; immature until CohortDays days after
// P ends.
func evalCohort(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	first := c.firstWon()
	g := c.newGrid()
	c.leadsCreated(g, func(cl *cell, l *rumbo.Lead) {
		cl.addDen(one)
		if f, ok := first[l.ExternalID]; ok && !f.After(l.CreatedAt.In(c.loc).AddDate(0, 0, CohortDays)) {
			cl.addNum(one)
		}
	})
	res := c.finish(g, nil, ratioOf)
	for k, o := range res {
		o.immature = c.now.Before(c.pieces[k.piece].End.AddDate(0, 0, CohortDays))
		res[k] = o
	}
	return res, nil
}
