package demo

import (
	"context"
	"math"
	"math/big"
	"sort"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Targets returns KPI targets for every quarter of the demo history, set as
// a sales manager would: the previous quarter's actual figure times a
// planned change (the first quarter's plan is its own run rate). The
// current quarter asks for the article's OKR figures (revenue +20 %,
// conversion +10 %, surveys +20 %, response time −30 %, recurring sales
// +15 %), so the dashboard shows a mix of healths. Targets are set for the
// organisation, per team (revenue and activities) and per market (sales per
// market, two a quarter in each new market). It generates the company to
// measure it, so it costs about as much as Generate; it returns nil for
// options Generate would reject.
func Targets(opts Options) []rumbo.Target {
	g, err := newGen(opts)
	if err != nil {
		return nil
	}
	a := newActuals(g)
	if _, err := Generate(context.Background(), a, opts); err != nil {
		return nil
	}
	a.finish()
	return a.targets()
}

// A plan is how a KPI's target follows from the previous quarter's value.
type plan struct {
	kpi       string
	past, cur float64 // factor on the previous quarter: in the history, in the current quarter
	unit      string  // money, count, ratio, tenths
	value     func(*quarterActuals) (float64, bool)
}

var plans = []plan{
	{"revenue", 1.05, 1.20, "money", func(q *quarterActuals) (float64, bool) { return q.revenue.euros(), true }},
	{"conversion_rate", 1.02, 1.10, "ratio", func(q *quarterActuals) (float64, bool) { return ratio(float64(q.newCustomers), float64(q.leads)) }},
	{"win_rate", 1.00, 1.05, "ratio", func(q *quarterActuals) (float64, bool) { return ratio(float64(q.won), float64(q.won+q.lost)) }},
	{"sales_cycle_days", 0.97, 0.95, "tenths", func(q *quarterActuals) (float64, bool) { return ratio(q.cycleDays, float64(q.cycleN)) }},
	{"avg_deal_value", 1.02, 1.03, "money", func(q *quarterActuals) (float64, bool) {
		return ratio(q.revenue.euros(), float64(q.wonWithAmount))
	}},
	{"activities", 1.04, 1.10, "count", func(q *quarterActuals) (float64, bool) { return float64(q.activities), true }},
	{"surveys_sent", 1.05, 1.20, "count", func(q *quarterActuals) (float64, bool) { return float64(q.surveys), true }},
	{"csat", 1.01, 1.02, "tenths", func(q *quarterActuals) (float64, bool) { return ratio(float64(q.csatSum), float64(q.csatN)) }},
	{"response_time", 0.95, 0.70, "tenths", func(q *quarterActuals) (float64, bool) { return ratio(q.responseHours, float64(q.responses)) }},
	{"recurring_revenue", 1.08, 1.15, "money", func(q *quarterActuals) (float64, bool) { return q.recurring.euros(), true }},
	{"campaign_roi", 1.05, 1.10, "ratio", func(q *quarterActuals) (float64, bool) {
		return ratio(q.attributed.euros()-q.spend, q.spend)
	}},
}

// teamPlans are the KPIs also targeted per team.
var teamPlans = []string{"revenue", "activities"}

func ratio(n, d float64) (float64, bool) {
	if d == 0 {
		return 0, false
	}
	return n / d, true
}

// cents is an exact sum of money.
type cents int64

func (c cents) euros() float64 { return float64(c) / 100 }

// quarterActuals are the figures of one quarter, for one scope.
type quarterActuals struct {
	leads, newCustomers, won, lost, wonWithAmount int
	revenue, recurring, attributed                cents
	cycleDays, responseHours, spend               float64
	cycleN, activities, surveys, csatSum, csatN   int
	responses                                     int
}

// actuals is a rumbo.Writer that measures the generated company per quarter,
// for the organisation, per team and per market.
type actuals struct {
	g         *gen
	team      map[string]string // person name → team
	leads     map[string]*rumbo.Lead
	deals     []*rumbo.Deal
	campaigns []*rumbo.Campaign
	markets   []*rumbo.Market
	org       []quarterActuals
	teams     map[string][]quarterActuals
	sales     map[string][]int // won deals per market and quarter
}

func newActuals(g *gen) *actuals {
	return &actuals{
		g: g, team: map[string]string{}, leads: map[string]*rumbo.Lead{},
		org: make([]quarterActuals, HistoryQuarters), teams: map[string][]quarterActuals{}, sales: map[string][]int{},
	}
}

// at returns the quarter index of t, or -1 outside the history.
func (a *actuals) at(t time.Time) int {
	if t.IsZero() || t.Before(a.g.quarters[0].Start) || !t.Before(a.g.quarters[HistoryQuarters-1].End) {
		return -1
	}
	return a.g.quarterOf(t)
}

func (a *actuals) forTeam(owner string) []quarterActuals {
	t := a.team[owner]
	if a.teams[t] == nil {
		a.teams[t] = make([]quarterActuals, HistoryQuarters)
	}
	return a.teams[t]
}

// Put implements rumbo.Writer.
func (a *actuals) Put(_ context.Context, r rumbo.Record) (rumbo.Outcome, error) {
	switch r := r.(type) {
	case *rumbo.Person:
		a.team[r.Name] = r.Team
	case *rumbo.Market:
		a.markets = append(a.markets, r)
	case *rumbo.Campaign:
		a.campaigns = append(a.campaigns, r)
	case *rumbo.Lead:
		a.leads[r.ExternalID] = r
		if q := a.at(r.CreatedAt); q >= 0 {
			a.org[q].leads++
		}
	case *rumbo.Deal:
		a.deals = append(a.deals, r)
	case *rumbo.Activity:
		if q := a.at(r.At); q >= 0 {
			a.org[q].activities++
			a.forTeam(r.Owner)[q].activities++
		}
	case *rumbo.Survey:
		if q := a.at(r.SentAt); q >= 0 {
			a.org[q].surveys++
		}
		if q := a.at(r.AnsweredAt); q >= 0 && r.Score != nil {
			a.org[q].csatSum += *r.Score
			a.org[q].csatN++
		}
	case *rumbo.Inquiry:
		if q := a.at(r.ReceivedAt); q >= 0 && !r.FirstResponseAt.IsZero() {
			a.org[q].responseHours += r.FirstResponseAt.Sub(r.ReceivedAt).Hours()
			a.org[q].responses++
		}
	}
	return rumbo.Inserted, nil
}

// finish measures the deals in closing order (recurring revenue needs to
// know each customer's earlier sales) and the campaign spend per quarter.
func (a *actuals) finish() {
	won := make([]*rumbo.Deal, 0, len(a.deals))
	for _, d := range a.deals {
		q := a.at(d.ClosedAt)
		switch {
		case d.Status == rumbo.DealWon:
			won = append(won, d)
		case d.Status == rumbo.DealLost && q >= 0:
			a.org[q].lost++
		}
	}
	sort.SliceStable(won, func(i, j int) bool { return won[i].ClosedAt.Before(won[j].ClosedAt) })
	customers := map[string]bool{}
	converted := map[string]bool{}
	for _, d := range won {
		q := a.at(d.ClosedAt)
		returning := customers[d.Customer]
		customers[d.Customer] = true
		if q < 0 {
			continue
		}
		o := &a.org[q]
		o.won++
		if a.sales[d.Market] == nil {
			a.sales[d.Market] = make([]int, HistoryQuarters)
		}
		a.sales[d.Market][q]++
		first := d.CreatedAt
		if l := a.leads[d.Lead]; l != nil {
			first = l.CreatedAt
			if !converted[l.ExternalID] {
				converted[l.ExternalID] = true
				o.newCustomers++
			}
		}
		o.cycleDays += float64(rumbo.CalendarDays(first, d.ClosedAt, a.g.loc))
		o.cycleN++
		if d.Amount == nil {
			continue
		}
		amount := cents(*d.Amount)
		o.wonWithAmount++
		o.revenue += amount
		a.forTeam(d.Owner)[q].revenue += amount
		if returning {
			o.recurring += amount
		}
		if l := a.leads[d.Lead]; l != nil && l.Campaign != "" {
			o.attributed += amount
		}
	}
	for _, c := range a.campaigns {
		if c.Spend == nil {
			continue
		}
		end := c.End
		if end.IsZero() {
			end = a.g.now
		}
		total := end.Sub(c.Start)
		for q, p := range a.g.quarters {
			s, e := maxT(c.Start, p.Start), minT(end, p.End)
			if total > 0 && e.After(s) {
				a.org[q].spend += cents(*c.Spend).euros() * float64(e.Sub(s)) / float64(total)
			}
		}
	}
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// targets turns the actuals into targets.
func (a *actuals) targets() []rumbo.Target {
	var out []rumbo.Target
	cur := HistoryQuarters - 1
	add := func(kpi string, q int, scope, value string, v *big.Rat) {
		p := a.g.quarters[q]
		out = append(out, rumbo.Target{
			KPI: kpi, Period: p.Label, Start: p.Start.UTC(), End: p.End.UTC(), Scope: scope, ScopeValue: value, Value: v,
		})
	}
	planned := func(pl plan, series []quarterActuals, q int) (*big.Rat, bool) {
		base := max(q-1, 0)
		v, ok := pl.value(&series[base])
		if !ok {
			return nil, false
		}
		if q == cur {
			v *= pl.cur
		} else if q > 0 {
			v *= pl.past
		}
		return round(v, pl.unit), true
	}
	teams := make([]string, 0, len(a.teams))
	for t := range a.teams {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	for q := range HistoryQuarters {
		for _, pl := range plans {
			if v, ok := planned(pl, a.org, q); ok {
				add(pl.kpi, q, "", "", v)
			}
		}
		for _, t := range teams {
			for _, pl := range plans {
				for _, k := range teamPlans {
					if pl.kpi != k {
						continue
					}
					if v, ok := planned(pl, a.teams[t], q); ok && v.Sign() > 0 {
						add(pl.kpi, q, "team", t, v)
					}
				}
			}
		}
		for _, m := range a.markets {
			start := a.g.quarters[q].Start
			if m.EnteredAt.IsZero() || m.EnteredAt.After(start) {
				continue
			}
			want := 2.0 // the OKR: at least two sales a quarter in each new market
			if !m.New {
				want = float64(a.sales[m.Name][max(q-1, 0)]) * 1.05
			}
			add("new_market_sales", q, "market", m.Name, round(want, "count"))
		}
	}
	return out
}

// round makes a target look like one a person would set.
func round(v float64, unit string) *big.Rat {
	switch unit {
	case "money":
		return big.NewRat(int64(math.Round(v/100))*100, 1)
	case "count":
		return big.NewRat(int64(math.Round(v)), 1)
	case "ratio":
		return big.NewRat(int64(math.Round(v*1000)), 1000)
	}
	return big.NewRat(int64(math.Round(v*10)), 10)
}
