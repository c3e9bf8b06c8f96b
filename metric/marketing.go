package metric

import (
	"math/big"
	"time"

	"github.com/rumbo-app/rumbo"
)

// campaignDays returns the days a campaign runs, in the organisation's
// zone: from the date of Start to the date of End, inclusive. A campaign
// without an end runs to today; one without a start lasts its end's day.
// ok is false for a campaign with neither.
func (c *calc) campaignDays(cp *rumbo.Campaign) (rumbo.Period, bool) {
	start, end := cp.Start, cp.End
	switch {
	case start.IsZero() && end.IsZero():
		return rumbo.Period{}, false
	case start.IsZero():
		start = end
	case end.IsZero():
		end = c.now
		if end.Before(start) {
			end = start
		}
	}
	s := rumbo.PeriodOf(start, rumbo.GrainDay, c.loc).Start
	e := rumbo.PeriodOf(end, rumbo.GrainDay, c.loc).End
	if !e.After(s) {
		e = rumbo.PeriodOf(start, rumbo.GrainDay, c.loc).End
	}
	return rumbo.Period{Start: s, End: e}, true
}

// spend adds to each piece and campaign group the campaigns' spend
// prorated by days: spend × days(campaign ∩ piece) ÷ days(campaign).
func (c *calc) spend(g *grid, add func(cl *cell, r *big.Rat)) {
	for i := range c.d.campaigns {
		cp := &c.d.campaigns[i]
		if cp.Spend == nil {
			continue
		}
		run, ok := c.campaignDays(cp)
		if !ok {
			continue
		}
		grp, ok := c.r.campaign(cp)
		if !ok {
			continue
		}
		for j, p := range c.pieces {
			if !p.End.After(run.Start) || !run.End.After(p.Start) {
				continue
			}
			add(g.at(j, grp), rumbo.SplitTarget(cp.Spend.Rat(), run, p))
		}
	}
}

// attributed adds to each piece and deal group the amounts of deals won in
// the piece whose lead came from a campaign (first touch).
func (c *calc) attributed(g *grid, add func(cl *cell, r *big.Rat)) {
	c.wonDeals(g, func(cl *cell, x *rumbo.Deal) {
		l := c.d.leadByID[x.Lead]
		if l == nil || l.Campaign == "" || x.Amount == nil {
			return
		}
		add(cl, x.Amount.Rat())
	})
}

func addNum(cl *cell, r *big.Rat) { cl.addNum(r) }
func addDen(cl *cell, r *big.Rat) { cl.addDen(r) }

// evalROI: (attributed revenue − spend) ÷ spend, null without spend.
func evalROI(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.attributed(g, addNum)
	c.spend(g, addDen)
	return c.finish(g, nil, evalROIFinish), nil
}

// evalROIFinish finishes a cell of attributed revenue (num) and spend (den).
func evalROIFinish(_ int, cl *cell) out {
	if cl.den == nil || cl.den.Sign() == 0 {
		return out{}
	}
	r := new(big.Rat).Sub(orZero(cl.num), cl.den)
	return out{value: newValue(r.Quo(r, cl.den), UnitRatio, 0)}
}

// evalROAS: attributed revenue ÷ spend, null without spend.
func evalROAS(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.attributed(g, addNum)
	c.spend(g, addDen)
	return c.finish(g, nil, evalROASFinish), nil
}

// evalROASFinish finishes a cell of attributed revenue (num) and spend (den).
func evalROASFinish(_ int, cl *cell) out {
	return out{value: newValue(ratio(orZero(cl.num), cl.den), UnitRatio, 0)}
}

// moneyRatio finishes a cell whose value is money num ÷ a count den.
func moneyRatio(_ int, cl *cell) out {
	return out{value: newValue(ratio(orZero(cl.num), cl.den), UnitMoney, AverageDecimals)}
}

// evalCPL: spend ÷ leads created in P.
func evalCPL(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.spend(g, addNum)
	c.leadsCreated(g, func(cl *cell, _ *rumbo.Lead) { cl.addDen(one) })
	return c.finish(g, nil, moneyRatio), nil
}

// evalCAC: spend ÷ new customers in P.
func evalCAC(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityDeals); err != nil {
		return nil, err
	}
	g := c.newGrid()
	c.spend(g, addNum)
	c.newCustomers(g, func(cl *cell) { cl.addDen(one) })
	return c.finish(g, nil, moneyRatio), nil
}

// evalActivities: number of activities in P; the stats add the rate per
// week elapsed in P.
func evalActivities(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityActivities); err != nil {
		return nil, err
	}
	g := c.newGrid()
	for i := range c.d.activities {
		a := &c.d.activities[i]
		p := g.pieceOf(a.At)
		if p < 0 {
			continue
		}
		if grp, ok := c.r.activity(a); ok {
			g.at(p, grp).n++
		}
	}
	return c.finishActivities(g), nil
}

// finishActivities finishes a grid of activity counts with the rate per
// week elapsed.
func (c *calc) finishActivities(g *grid) map[cellKey]out {
	withRate := func(i int, o out) out {
		days := c.daysElapsed(c.pieces[i])
		if days > 0 && o.value != nil {
			o.stats.PerWeek = newValue(new(big.Rat).Mul(o.value.Rat, big.NewRat(7, int64(days))), UnitCount, 0)
		}
		return o
	}
	zero := c.zeroIfCovered(rumbo.EntityActivities, UnitCount)
	return c.finish(g, func(i int) *out {
		z := zero(i)
		if z != nil {
			*z = withRate(i, *z)
		}
		return z
	}, func(i int, cl *cell) out { return withRate(i, countOf(i, cl)) })
}

// daysElapsed returns the calendar days of p begun by now (today counts),
// or all of its days once it is over.
func (c *calc) daysElapsed(p rumbo.Period) int {
	switch {
	case !c.now.After(p.Start):
		return 0
	case !c.now.Before(p.End):
		return p.Days()
	}
	return rumbo.CalendarDays(p.Start, c.now, c.loc) + 1
}

// evalSurveysSent: number of surveys with sent_at in P.
func evalSurveysSent(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntitySurveys); err != nil {
		return nil, err
	}
	g := c.newGrid()
	for i := range c.d.surveys {
		s := &c.d.surveys[i]
		p := g.pieceOf(s.SentAt)
		if p < 0 {
			continue
		}
		if grp, ok := c.r.survey(s); ok {
			g.at(p, grp).n++
		}
	}
	return c.finish(g, c.zeroIfCovered(rumbo.EntitySurveys, UnitCount), countOf), nil
}

// evalCSAT: mean score of the CSAT surveys (scale csat or unset) answered
// in P.
func evalCSAT(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntitySurveys); err != nil {
		return nil, err
	}
	g := c.newGrid()
	for i := range c.d.surveys {
		s := &c.d.surveys[i]
		if s.Score == nil || (s.Scale != "" && s.Scale != rumbo.ScaleCSAT) {
			continue
		}
		p := g.pieceOf(s.AnsweredAt)
		if p < 0 {
			continue
		}
		if grp, ok := c.r.survey(s); ok {
			cl := g.at(p, grp)
			cl.xs = append(cl.xs, big.NewRat(int64(*s.Score), 1))
		}
	}
	return c.finish(g, nil, meanOf(UnitScore)), nil
}

// evalResponseTime: elapsed hours from received_at to first_response_at of
// the inquiries received in P that were answered; mean as value, median in
// stats.
func evalResponseTime(c *calc) (map[cellKey]out, error) {
	if err := c.d.load(rumbo.EntityInquiries); err != nil {
		return nil, err
	}
	g := c.newGrid()
	for i := range c.d.inquiries {
		q := &c.d.inquiries[i]
		p := g.pieceOf(q.ReceivedAt)
		if p < 0 {
			continue
		}
		grp, ok := c.r.inquiry(q)
		if !ok {
			continue
		}
		cl := g.at(p, grp)
		if q.FirstResponseAt.IsZero() {
			cl.missing++
			continue
		}
		cl.xs = append(cl.xs, big.NewRat(int64(q.FirstResponseAt.Sub(q.ReceivedAt)), int64(time.Hour)))
	}
	return c.finish(g, nil, func(i int, cl *cell) out {
		if len(cl.xs) == 0 {
			return out{}
		}
		return meanOf(UnitHours)(i, cl)
	}), nil
}
