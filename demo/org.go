package demo

import (
	"fmt"
	"time"

	"github.com/rumbo-app/rumbo"
)

// person is a member of the demo company.
type person struct {
	rumbo.Person
	team      int     // index in gen.teams
	rep       bool    // a sales rep (owns leads and deals)
	volume    float64 // share of the flow of leads and activities
	skill     float64 // multiplies the win rate
	successor int     // the rep who took over the accounts; -1 for none
}

// activeOn reports whether the person works on the local date d.
func (p *person) activeOn(d time.Time) bool {
	return !d.Before(p.ActiveFrom) && (p.ActiveTo.IsZero() || d.Before(p.ActiveTo))
}

// market is a market with what the generator needs to sell there.
type market struct {
	rumbo.Market
	weight     float64 // share of leads once entered
	price      float64 // multiplies prices
	suffix     string  // legal form of company names
	portuguese bool
}

// enteredBy reports whether the company sells in the market at t.
func (m *market) enteredBy(t time.Time) bool { return !m.EnteredAt.IsZero() && !m.EnteredAt.After(t) }

// campaign is a campaign with the window in which it brings leads.
type campaign struct {
	rumbo.Campaign
	from, to time.Time // leads arrive in [from, to)
	weight   float64
}

func (g *gen) buildOrg() {
	r := g.rng(streamOrg)
	start := g.quarters[0].Start
	used := map[string]bool{}
	add := func(team int, role string, rep bool, from time.Time) int {
		var first, s1, s2 string
		for {
			first, s1, s2 = firstNames[r.IntN(len(firstNames))], surnames[r.IntN(len(surnames))], surnames[r.IntN(len(surnames))]
			if !used[first+s1] && s1 != s2 {
				break
			}
		}
		used[first+s1] = true
		p := person{
			Person: rumbo.Person{
				ExternalID: fmt.Sprintf("rep-%03d", len(g.people)+1),
				Name:       first + " " + s1 + " " + s2,
				Email:      emailPart(first) + "." + emailPart(s1) + "@" + emailDomain,
				Team:       g.teams[team].Name,
				ActiveFrom: from.UTC(),
				Fields:     rumbo.Fields{"role": role},
			},
			team: team, rep: rep, successor: -1,
			volume: between(r, 0.75, 1.25), skill: between(r, 0.8, 1.2),
		}
		g.people = append(g.people, p)
		return len(g.people) - 1
	}
	hired := func() time.Time { return start.AddDate(0, 0, -warmUpDays-30-r.IntN(1500)) }

	g.teams = append(g.teams, rumbo.Team{ExternalID: "team-00", Name: parentTeam})
	for i := 0; i < g.spec.teams; i++ {
		g.teams = append(g.teams, rumbo.Team{ExternalID: fmt.Sprintf("team-%02d", i+1), Name: teamNames[i], Parent: parentTeam})
	}
	dir := add(0, "Director comercial", false, start.AddDate(-6, 0, 0))
	g.teams[0].Fields = rumbo.Fields{"manager": g.people[dir].Name}
	for i := 1; i <= g.spec.teams; i++ {
		m := add(i, "Jefe de equipo", false, hired())
		g.teams[i].Fields = rumbo.Fields{"manager": g.people[m].Name}
	}
	first := len(g.people)
	for i := 0; i < g.spec.reps; i++ {
		add(1+i%g.spec.teams, "Comercial", true, hired())
	}
	// A few reps leave during the history; a new hire takes their accounts.
	leavers := max(1, g.spec.reps/12)
	for _, k := range r.Perm(g.spec.reps)[:leavers] {
		i := first + k
		q := 2 + r.IntN(4)
		left := workingDayOnOrAfter(g.quarters[q].Start.AddDate(0, 0, r.IntN(80)))
		g.people[i].ActiveTo = left.UTC()
		s := add(g.people[i].team, "Comercial", true, workingDayOnOrAfter(left.AddDate(0, 0, 7+r.IntN(24))))
		g.people[i].successor = s
	}
	g.buildMarkets()
}

// ownerAt follows successors: who holds rep p's accounts at t.
func (g *gen) ownerAt(p int, t time.Time) int {
	for g.people[p].successor >= 0 && !t.Before(g.people[p].ActiveTo) {
		p = g.people[p].successor
	}
	return p
}

func (g *gen) buildMarkets() {
	q := g.quarters
	start := q[0].Start
	at := func(qi, days int) time.Time {
		t := q[qi].Start.AddDate(0, 0, days).Add(10 * time.Hour)
		if t.After(g.now) {
			return time.Time{}
		}
		return t.UTC()
	}
	established := func(id, name, region string, years int, w, price float64, suffix string, pt bool) market {
		entered := start.AddDate(-years, 0, 0)
		return market{Market: rumbo.Market{
			ExternalID: id, Name: name, Region: region, Status: rumbo.MarketEntered,
			IdentifiedAt: entered.AddDate(0, -9, 0).UTC(), AnalysedAt: entered.AddDate(0, -4, 0).UTC(), EnteredAt: entered.UTC(),
		}, weight: w, price: price, suffix: suffix, portuguese: pt}
	}
	fresh := func(id, name string, identified, analysed, entered time.Time, w, price float64, suffix string) market {
		m := market{Market: rumbo.Market{ExternalID: id, Name: name, Region: "Latinoamérica", New: true,
			IdentifiedAt: identified, AnalysedAt: analysed, EnteredAt: entered,
		}, weight: w, price: price, suffix: suffix}
		switch {
		case !m.EnteredAt.IsZero():
			m.Status = rumbo.MarketEntered
		case !m.AnalysedAt.IsZero():
			m.Status = rumbo.MarketAnalysed
		case !m.IdentifiedAt.IsZero():
			m.Status = rumbo.MarketIdentified
		}
		return m
	}
	cur := g.current()
	g.markets = []market{
		established("mkt-es", "España", "Europa", 12, 55, 1.0, "S.L.", false),
		established("mkt-pt", "Portugal", "Europa", 4, 14, 0.9, "Lda.", true),
		established("mkt-mx", "México", "Latinoamérica", 2, 20, 0.85, "S.A. de C.V.", false),
		// The new markets of the OKR "expand to new markets": Colombia opened
		// during the history; this quarter Chile opens, Perú and Argentina
		// get analysed.
		fresh("mkt-co", "Colombia", at(1, 20), at(2, 15), at(3, 10), 7, 0.75, "S.A.S."),
		fresh("mkt-cl", "Chile", at(cur-2, 25), at(cur-1, 30), at(cur, 10), 4, 0.8, "SpA"),
		fresh("mkt-pe", "Perú", at(cur-1, 40), at(cur, 18), time.Time{}, 0, 0.7, "S.A.C."),
		fresh("mkt-ar", "Argentina", at(cur-1, 60), at(cur, 45), time.Time{}, 0, 0.7, "S.R.L."),
	}
}

var eventNames = []string{
	"Salón MiEmpresa", "Foro de Ventas y Marketing", "eShow", "Congreso Pymes Digitales",
	"Expo Retail", "Jornada de Transformación Digital", "Feria Tecnológica del Levante", "Digital Enterprise Show",
}

// Lead share of each campaign channel while a campaign of it runs.
var channelWeights = map[string]float64{
	"email": 20, "paid_search": 35, "social": 20, "events": 70, "referral": 10,
}

func (g *gen) buildCampaigns() {
	r := g.rng(streamCampaigns)
	v := g.spec.volume
	cur := g.current()
	spend := func(lo, hi, share float64) *rumbo.Money {
		// Spend scaled so campaign ROI lands near 2–3×, as for a real SME.
		m := rumbo.Money(between(r, lo, hi) * spendScale * v * share * 100)
		return &m
	}
	add := func(name, channel string, start, end time.Time, lo, hi float64, leadsUntil time.Time) {
		c := campaign{Campaign: rumbo.Campaign{
			ExternalID: fmt.Sprintf("cmp-%04d", len(g.campaigns)+1), Name: name, Channel: channel, Start: start.UTC(),
		}, from: start, to: leadsUntil, weight: channelWeights[channel]}
		share := 1.0
		if end.After(g.now) {
			// Still running: spend so far, no end yet.
			share = float64(g.now.Sub(start)) / float64(end.Sub(start))
		} else {
			c.End = end.UTC()
		}
		c.Spend = spend(lo, hi, share)
		if c.to.After(g.now) {
			c.to = g.now
		}
		g.campaigns = append(g.campaigns, c)
	}
	// The referral programme runs by calendar year.
	first := g.quarters[0].Previous()
	for y := first.Start.Year(); y <= g.quarters[cur].Start.Year(); y++ {
		ys := time.Date(y, 1, 1, 0, 0, 0, 0, g.loc)
		if ys.Before(first.Start) {
			ys = first.Start
		}
		ye := time.Date(y+1, 1, 1, 0, 0, 0, 0, g.loc)
		add("Programa de referidos "+fmt.Sprint(y), "referral", ys, ye.Add(-time.Second), 5000, 7000, ye)
	}
	// Campaigns start a quarter before the history, with the first leads.
	for _, p := range append([]rumbo.Period{first}, g.quarters...) {
		label := fmt.Sprintf("T%d %d", (int(p.Start.Month())+2)/3, p.Start.Year())
		last := p.End.Add(-time.Second)
		add("Newsletter "+label, "email", p.Start, last, 1500, 3000, p.End)
		add("Google Ads · Rumbo CRM · "+label, "paid_search", p.Start, last, 10000, 16000, p.End)
		add("LinkedIn Ads · Pymes · "+label, "social", p.Start, last, 5000, 9000, p.End)
		ev := workingDayOnOrAfter(p.Start.AddDate(0, 0, 20+r.IntN(45)))
		evStart := ev.Add(9 * time.Hour)
		if evStart.After(g.now) {
			continue
		}
		evEnd := ev.AddDate(0, 0, 2).Add(19 * time.Hour)
		add(eventNames[(p.Start.Year()*4+int(p.Start.Month())/3)%len(eventNames)]+" "+fmt.Sprint(p.Start.Year()),
			"events", evStart, evEnd, 15000, 30000, ev.AddDate(0, 0, 12))
	}
}

// campaignsOn returns the campaigns bringing leads on the local date d.
func (g *gen) campaignsOn(d time.Time) []int {
	var out []int
	end := d.AddDate(0, 0, 1)
	for i := range g.campaigns {
		c := &g.campaigns[i]
		if c.from.Before(end) && c.to.After(d) {
			out = append(out, i)
		}
	}
	return out
}

func (g *gen) writeOrg(s *sink) error {
	for i := range g.teams {
		if err := s.put(&g.teams[i]); err != nil {
			return err
		}
	}
	for i := range g.people {
		if err := s.put(&g.people[i].Person); err != nil {
			return err
		}
	}
	for i := range g.markets {
		if err := s.put(&g.markets[i].Market); err != nil {
			return err
		}
	}
	for i := range g.campaigns {
		if err := s.put(&g.campaigns[i].Campaign); err != nil {
			return err
		}
	}
	return nil
}

// activeReps returns the reps of the team (every team when team < 0)
// active on the local date d, a chooser weighted by volume, and the total volume.
func (g *gen) activeReps(d time.Time, team int) (reps []int, c chooser, total float64) {
	var w []float64
	for i := range g.people {
		p := &g.people[i]
		if p.rep && p.activeOn(d) && (team < 0 || p.team == team) {
			reps = append(reps, i)
			w = append(w, p.volume)
			total += p.volume
		}
	}
	return reps, newChooser(w), total
}

// spendScale multiplies every campaign's base spend.
const spendScale = 8
