package demo

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/rumbo-app/rumbo"
)

// company is a customer or prospect.
type company struct {
	name   string
	sector int
	market int
}

// lead is a first contact, kept compact: large demos hold 300,000.
type lead struct {
	at       time.Time
	owner    int32
	campaign int32 // -1: none
	company  int32
	deal     int32 // -1: none
	channel  string
	status   string
}

// deal is an opportunity. A renewal is an upsell to an earlier customer,
// without a lead; a prospect has no created_at.
type deal struct {
	lead       int32 // -1: none
	parent     int32 // the won deal a renewal follows; -1: none
	company    int32
	owner      int32
	market     int32
	product    int32
	created    time.Time // zero for prospects
	close      time.Time // planned close; ClosedAt when decided before now
	status     string
	stage      string
	lostReason string
	amount     rumbo.Money
	noAmount   bool
}

// wonRef is a won deal, for picking the customers of surveys and inquiries.
type wonRef struct {
	at      time.Time
	company int32
	deal    int32
}

func (g *gen) newCompany(r *rand.Rand, mk int) int32 {
	m := &g.markets[mk]
	kind := r.IntN(len(companyKinds))
	g.companies = append(g.companies, company{
		name:   companyName(r, kind, m.suffix, m.portuguese),
		sector: companyKinds[kind].sector,
		market: mk,
	})
	return int32(len(g.companies) - 1)
}

// marketsOn returns the markets the company sells in at t and a chooser by weight.
func (g *gen) marketsOn(t time.Time) ([]int, chooser) {
	var idx []int
	var w []float64
	for i := range g.markets {
		if g.markets[i].enteredBy(t) && g.markets[i].weight > 0 {
			idx = append(idx, i)
			w = append(w, g.markets[i].weight)
		}
	}
	return idx, newChooser(w)
}

func (g *gen) buildLeads() {
	r := g.rng(streamLeads)
	pace := pacer{gain: 0.5}
	g.repLeads = make([][]int32, len(g.people))
	for _, d := range g.days {
		reps, rc, vol := g.activeReps(d.date, -1)
		lambda := vol * leadsPerRepWeek * g.perRep * growth(d.q) / 5
		if !d.working {
			lambda *= 0.08 // web forms keep arriving at weekends
		}
		n := pace.count(r, lambda)
		if n == 0 || len(reps) == 0 {
			continue
		}
		camps := g.campaignsOn(d.date)
		cw := make([]float64, len(camps)+1)
		for i, c := range camps {
			cw[i] = g.campaigns[c].weight
		}
		cw[len(camps)] = 30 // no campaign: organic web or outbound prospecting
		cc := newChooser(cw)
		mks, mc := g.marketsOn(d.date)
		first := len(g.leads)
		for range n {
			t := workTime(r, d.date)
			if !d.working {
				t = anyTime(r, d.date)
			}
			if t.After(g.now) {
				continue
			}
			l := lead{at: t, owner: int32(reps[rc.pick(r)]), campaign: -1, deal: -1}
			if k := cc.pick(r); k < len(camps) {
				l.campaign = int32(camps[k])
				l.channel = g.campaigns[camps[k]].Channel
			} else if r.IntN(5) < 3 {
				l.channel = "web"
			} else {
				l.channel = "outbound"
			}
			l.company = g.newCompany(r, mks[mc.pick(r)])
			g.leads = append(g.leads, l)
		}
		day := g.leads[first:]
		slices.SortFunc(day, func(a, b lead) int { return a.at.Compare(b.at) })
	}
	for i, l := range g.leads {
		g.repLeads[l.owner] = append(g.repLeads[l.owner], int32(i))
	}
}

var productMix = func() chooser {
	w := make([]float64, len(products))
	for i, p := range products {
		w[i] = p.weight
	}
	return newChooser(w)
}()

// price draws a deal amount in euros with cents: list prices rounded to
// tens, a discount on some deals.
func (g *gen) price(r *rand.Rand, product, mk, q int) rumbo.Money {
	euros := lognormal(r, products[product].median, 0.35) * g.markets[mk].price * math.Pow(1.01, float64(q))
	euros = math.Max(300, math.Round(euros/10)*10)
	cents := euros * 100
	if r.IntN(10) < 4 {
		discounts := []float64{0.03, 0.05, 0.075, 0.10, 0.125, 0.15}
		cents *= 1 - discounts[r.IntN(len(discounts))]
	}
	return rumbo.Money(math.Round(cents))
}

// expectedPrice is the mean of price for the product, market and quarter.
func (g *gen) expectedPrice(product, mk, q int) float64 {
	const lognormalMean, meanDiscount = 1.063, 0.965
	return 100 * products[product].median * g.markets[mk].price * math.Pow(1.01, float64(q)) * lognormalMean * meanDiscount
}

// buildDeals turns about a third of the leads into opportunities with a
// planned close; decideDeals settles those that close before now.
func (g *gen) buildDeals() {
	r := g.rng(streamDeals)
	pace := pacer{gain: 0.3}
	for li := range g.leads {
		l := &g.leads[li]
		if !pace.chance(r, dealShare) {
			continue
		}
		q := g.quarterOf(l.at)
		from := dateOf(l.at, g.loc)
		created := workTime(r, workingDayOnOrAfter(from.AddDate(0, 0, 1+r.IntN(14))))
		if created.After(g.now) {
			continue
		}
		// The sales cycle shortens as the team gets better with its CRM.
		cycle := min(200, max(7, lognormal(r, 45*math.Pow(0.97, float64(q)), 0.45)))
		closeDay := workingDayOnOrAfter(from.AddDate(0, 0, int(math.Round(cycle))))
		if !closeDay.After(dateOf(created, g.loc)) {
			closeDay = workingDayOnOrAfter(dateOf(created, g.loc).AddDate(0, 0, 1))
		}
		c := g.companies[l.company]
		p := productMix.pick(r)
		l.deal = int32(len(g.deals))
		g.deals = append(g.deals, deal{
			lead: int32(li), parent: -1, company: l.company, owner: l.owner, market: int32(c.market),
			product: int32(p), created: created, close: workTime(r, closeDay),
			amount: g.price(r, p, c.market, q), status: rumbo.DealOpen,
		})
	}
}

// closing orders deals by planned close, for settling them in time order.
type closing struct {
	g   *gen
	idx []int32
}

func (h closing) Len() int { return len(h.idx) }
func (h closing) Less(i, j int) bool {
	a, b := &h.g.deals[h.idx[i]], &h.g.deals[h.idx[j]]
	if !a.close.Equal(b.close) {
		return a.close.Before(b.close)
	}
	return h.idx[i] < h.idx[j]
}
func (h closing) Swap(i, j int) { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *closing) Push(x any)   { h.idx = append(h.idx, x.(int32)) }
func (h *closing) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}

// decideDeals settles, in closing order, every deal planned to close before
// now: won or lost (a few forgotten and left open). A won customer may buy
// again months later (a renewal or an upsell), which is recurring revenue.
func (g *gen) decideDeals() {
	r := g.rng(streamOutcomes)
	wins, renewals, revenue := pacer{gain: 0.3}, pacer{gain: 0.3}, pacer{gain: 0.3}
	due := &closing{g: g}
	for i := range g.deals {
		if !g.deals[i].close.After(g.now) {
			due.idx = append(due.idx, int32(i))
		}
	}
	heap.Init(due)
	for due.Len() > 0 {
		k := heap.Pop(due).(int32)
		d := &g.deals[k]
		d.owner = int32(g.ownerAt(int(d.owner), d.close))
		var won bool
		var want float64 // expected amount
		if d.parent >= 0 {
			won = renewals.chance(r, 0.8)
			want = float64(g.deals[d.parent].amount) * 0.45
		} else {
			p := winRate * g.people[d.owner].skill
			if g.quarterOf(d.close) == g.current() {
				p *= storyWin
			}
			won = wins.chance(r, p)
			want = g.expectedPrice(int(d.product), int(d.market), g.quarterOf(d.created))
		}
		switch {
		case won:
			// Amounts are random but revenue follows its expected course.
			d.amount = rumbo.Money(math.Round(float64(d.amount) * revenue.scale(want)))
			revenue.got += float64(d.amount)
			d.status, d.stage = rumbo.DealWon, "Cerrado ganado"
			g.won = append(g.won, wonRef{at: d.close, deal: k})
			if r.IntN(10) < 3 {
				if n, ok := g.renewal(r, k); ok && !g.deals[n].close.After(g.now) {
					heap.Push(due, n)
				}
			}
		case r.IntN(25) == 0:
			d.stage = "Negociación" // never updated in the CRM: stays open
		default:
			d.status, d.stage = rumbo.DealLost, "Cerrado perdido"
			d.lostReason = lostReasons[r.IntN(len(lostReasons))]
		}
	}
}

// calibrateRevenue scales the amounts won so far this quarter so that
// revenue runs about 15 % above the previous quarter's pace: the story of
// the OKR "+20 % sales", close but short. The number of deals closing in a
// few weeks is too random at small scale to tell it reliably by itself.
func (g *gen) calibrateRevenue() {
	cur := g.current()
	var prev, now float64
	for i := range g.deals {
		switch d := &g.deals[i]; {
		case d.status != rumbo.DealWon:
		case g.quarters[cur-1].Contains(d.close):
			prev += float64(d.amount)
		case g.quarters[cur].Contains(d.close):
			now += float64(d.amount)
		}
	}
	el := g.quarters[cur].Elapsed(g.now)
	if now == 0 || prev == 0 || el == 0 {
		return
	}
	f := min(1.3, max(0.75, storyRevenue*prev*el/now))
	for i := range g.deals {
		if d := &g.deals[i]; d.status == rumbo.DealWon && g.quarters[cur].Contains(d.close) {
			d.amount = rumbo.Money(math.Round(float64(d.amount) * f))
		}
	}
}

// renewal adds the next sale to the customer of won deal k, if it starts before now.
func (g *gen) renewal(r *rand.Rand, k int32) (int32, bool) {
	src := g.deals[k]
	created := workTime(r, workingDayOnOrAfter(dateOf(src.close, g.loc).AddDate(0, 0, 150+r.IntN(180))))
	if created.After(g.now) {
		return 0, false
	}
	closeAt := workTime(r, workingDayOnOrAfter(dateOf(created, g.loc).AddDate(0, 0, 10+r.IntN(30))))
	p := productSupport
	if r.IntN(2) == 0 {
		p = productExpansion
	}
	g.deals = append(g.deals, deal{
		lead: -1, parent: k, company: src.company, owner: int32(g.ownerAt(int(src.owner), created)), market: src.market,
		product: int32(p), created: created, close: closeAt, status: rumbo.DealOpen,
		amount: rumbo.Money(math.Round(float64(src.amount) * between(r, 0.3, 0.6))),
	})
	return int32(len(g.deals) - 1), true
}

// returningCustomers makes some new leads come from earlier customers of
// the same market, so that their sales count as recurring revenue.
func (g *gen) returningCustomers() {
	r := g.rng(streamOutcomes + 100)
	pool := make([][]int32, len(g.markets))
	w := 0
	for li := range g.leads {
		l := &g.leads[li]
		for ; w < len(g.won) && g.won[w].at.Before(l.at); w++ {
			c := g.deals[g.won[w].deal].company
			if p := g.deals[g.won[w].deal].parent; p >= 0 {
				c = g.deals[p].company
			}
			pool[g.companies[c].market] = append(pool[g.companies[c].market], c)
		}
		mk := g.companies[l.company].market
		if p := pool[mk]; len(p) > 0 && r.IntN(10) == 0 {
			l.company = p[r.IntN(len(p))]
			if l.deal >= 0 {
				g.deals[l.deal].company = l.company
			}
		}
	}
	for i := range g.deals {
		if d := &g.deals[i]; d.parent >= 0 {
			d.company = g.deals[d.parent].company
		}
	}
	for i := range g.won {
		g.won[i].company = g.deals[g.won[i].deal].company
	}
}

// finishSales adds prospects without created_at, sets stages and lead
// statuses, and puts the deals in creation order (prospects last).
func (g *gen) finishSales() {
	r := g.rng(streamDeals + 100)
	now := dateOf(g.now, g.loc)
	reps, rc, _ := g.activeReps(now, -1)
	mks, mc := g.marketsOn(g.now)
	for range max(3, len(g.deals)/50) {
		mk := mks[mc.pick(r)]
		p := productMix.pick(r)
		g.deals = append(g.deals, deal{
			lead: -1, parent: -1, company: g.newCompany(r, mk), owner: int32(reps[rc.pick(r)]), market: int32(mk),
			product: int32(p), status: rumbo.DealOpen, stage: "Prospección",
			amount: g.price(r, p, mk, g.current()), noAmount: r.IntN(2) == 0,
		})
	}
	for i := range g.deals {
		d := &g.deals[i]
		if d.status != rumbo.DealOpen || d.stage != "" {
			continue
		}
		d.owner = int32(g.ownerAt(int(d.owner), g.now))
		switch f := float64(g.now.Sub(d.created)) / float64(d.close.Sub(d.created)); {
		case f < 0.35:
			d.stage = "Cualificación"
		case f < 0.7:
			d.stage = "Propuesta"
		default:
			d.stage = "Negociación"
		}
	}
	order := make([]int, len(g.deals))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := g.deals[order[i]].created, g.deals[order[j]].created
		return !a.IsZero() && (b.IsZero() || a.Before(b))
	})
	sorted := make([]deal, len(g.deals))
	g.repDeals = make([][]int32, len(g.people))
	for n, o := range order {
		sorted[n] = g.deals[o]
		if l := sorted[n].lead; l >= 0 {
			g.leads[l].deal = int32(n)
		}
		if !sorted[n].created.IsZero() {
			g.repDeals[sorted[n].owner] = append(g.repDeals[sorted[n].owner], int32(n))
		}
	}
	g.deals = sorted
	for i := range g.leads {
		l := &g.leads[i]
		age := g.now.Sub(l.at)
		switch {
		case l.deal >= 0 && g.deals[l.deal].status == rumbo.DealWon:
			l.status = "convertido"
		case l.deal >= 0 && g.deals[l.deal].status == rumbo.DealLost:
			l.status = "perdido"
		case l.deal >= 0:
			l.status = "cualificado"
		case age < 14*24*time.Hour:
			l.status = "nuevo"
		case age < 45*24*time.Hour:
			l.status = "contactado"
		case r.IntN(10) < 3:
			l.status = "nutrición"
		default:
			l.status = "descartado"
		}
	}
}

func leadID(i int32) string { return fmt.Sprintf("lead-%06d", i+1) }
func dealID(i int32) string { return fmt.Sprintf("deal-%06d", i+1) }

func (g *gen) writeLeads(s *sink) error {
	for i := range g.leads {
		l := &g.leads[i]
		c := &g.companies[l.company]
		rec := &rumbo.Lead{
			ExternalID: leadID(int32(i)), CreatedAt: l.at, Owner: g.people[l.owner].Name, Channel: l.channel,
			Market: g.markets[c.market].Name, Company: c.name, Status: l.status,
			Fields: rumbo.Fields{"sector": sectors[c.sector]},
		}
		if l.campaign >= 0 {
			rec.Campaign = g.campaigns[l.campaign].Name
		}
		if err := s.put(rec); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) writeDeals(s *sink) error {
	for i := range g.deals {
		d := &g.deals[i]
		rec := &rumbo.Deal{
			ExternalID: dealID(int32(i)), Customer: g.companies[d.company].name, Owner: g.people[d.owner].Name,
			Market: g.markets[d.market].Name, CreatedAt: d.created, Stage: d.stage, Status: d.status,
			LostReason: d.lostReason, Fields: rumbo.Fields{"product": products[d.product].name},
		}
		if d.lead >= 0 {
			rec.Lead = leadID(d.lead)
		}
		if d.status != rumbo.DealOpen {
			rec.ClosedAt = d.close
		}
		if !d.noAmount {
			m := d.amount
			rec.Amount = &m
		}
		if err := s.put(rec); err != nil {
			return err
		}
	}
	return nil
}
