package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// scale is the size of a generated data set.
type scale struct {
	Name                            string
	Deals, Leads, Activities        int
	Surveys, Inquiries              int
	Reps, Markets, Campaigns, Years int
}

var scales = map[string]scale{
	"S": {Name: "S", Deals: 10_000, Leads: 10_000, Activities: 50_000, Surveys: 1_000, Inquiries: 1_000, Reps: 200, Markets: 10, Campaigns: 40, Years: 3},
	"M": {Name: "M", Deals: 100_000, Leads: 100_000, Activities: 500_000, Surveys: 10_000, Inquiries: 10_000, Reps: 200, Markets: 10, Campaigns: 40, Years: 3},
	"L": {Name: "L", Deals: 1_000_000, Leads: 1_000_000, Activities: 5_000_000, Surveys: 100_000, Inquiries: 100_000, Reps: 200, Markets: 10, Campaigns: 40, Years: 3},
}

// genVersion changes whenever the generator's output changes, so that
// cached data sets are regenerated.
const genVersion = "2"

const tsLayout = "2006-01-02 15:04:05"

// prices are the list prices of the catalogue (minor units): deal amounts
// are a price times a quantity, as in a real price list.
var prices = []int64{55000, 75000, 99000, 120000, 149000, 250000, 399000, 550000, 990000, 1450000, 2500000, 5400000}

var channels = []string{"búsqueda de pago", "redes sociales", "eventos", "email", "referido", "web", "telemarketing", "partners"}

// gen writes the data set's CSV files to dir (once: a stamp file marks a
// complete set) and returns dir. Every file is written as a stream.
func gen(dir string, sc scale, now time.Time, loc *time.Location) error {
	stamp := filepath.Join(dir, "complete-v"+genVersion)
	if _, err := os.Stat(stamp); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	start := now.AddDate(-sc.Years, 0, 0)
	span := now.Sub(start)
	g := &generator{r: rand.New(rand.NewPCG(42, uint64(len(sc.Name)))), loc: loc, start: start, span: span, now: now, sc: sc}
	steps := []struct {
		name string
		fn   func(w *bufio.Writer)
	}{
		{"people.csv", g.people}, {"markets.csv", g.markets}, {"campaigns.csv", g.campaigns},
		{"leads.csv", g.leads}, {"deals.csv", g.deals}, {"activities.csv", g.activities},
		{"surveys.csv", g.surveys}, {"inquiries.csv", g.inquiries},
	}
	for _, s := range steps {
		f, err := os.Create(filepath.Join(dir, s.name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		s.fn(w)
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return os.WriteFile(stamp, nil, 0o644)
}

type generator struct {
	r     *rand.Rand
	loc   *time.Location
	start time.Time
	span  time.Duration
	now   time.Time
	sc    scale
}

func (g *generator) rep(i int) string      { return fmt.Sprintf("Comercial %03d", i) }
func (g *generator) market(i int) string   { return fmt.Sprintf("Mercado %02d", i) }
func (g *generator) campaign(i int) string { return fmt.Sprintf("Campaña %02d", i) }
func (g *generator) ts(t time.Time) string { return t.In(g.loc).Format(tsLayout) }

// past keeps a generated time t (drawn after from) out of the future: the
// history ends at the clock, as a CRM's records do. A time x after the
// clock becomes the clock less x, but not before from. The random draws
// are the same, so the data set stays deterministic.
func (g *generator) past(from, t time.Time) time.Time {
	if !t.After(g.now) {
		return t
	}
	t = g.now.Add(-t.Sub(g.now))
	if t.Before(from) {
		t = from
	}
	return t
}

// leadTime is the creation time of lead i: leads arrive evenly over the
// history, with a random time of day.
func (g *generator) leadTime(i, n int) time.Time {
	base := g.start.Add(time.Duration(float64(g.span) * float64(i) / float64(n)))
	return g.past(base, base.Add(time.Duration(g.r.IntN(3600))*time.Second)).Truncate(time.Second)
}

func (g *generator) people(w *bufio.Writer) {
	w.WriteString("external_id,name,email,team,active_from,active_to\n")
	for i := 0; i < g.sc.Reps; i++ {
		fmt.Fprintf(w, "P-%03d,%s,comercial%03d@ejemplo.es,Equipo %d,,\n", i, g.rep(i), i, i%8)
	}
}

func (g *generator) markets(w *bufio.Writer) {
	w.WriteString("external_id,name,region,status,identified_at,analysed_at,entered_at,new\n")
	for i := 0; i < g.sc.Markets; i++ {
		fmt.Fprintf(w, "M-%02d,%s,Europa,entered,,,,no\n", i, g.market(i))
	}
}

func (g *generator) campaigns(w *bufio.Writer) {
	w.WriteString("external_id,name,channel,start,end,spend\n")
	for i := 0; i < g.sc.Campaigns; i++ {
		s := g.start.Add(time.Duration(float64(g.span) * float64(i) / float64(g.sc.Campaigns)))
		e := s.AddDate(0, 2, 0)
		fmt.Fprintf(w, "C-%02d,%s,%s,%s,%s,%d.00\n", i, g.campaign(i), channels[i%len(channels)],
			s.In(g.loc).Format("2006-01-02"), e.In(g.loc).Format("2006-01-02"), 5000+g.r.IntN(50000))
	}
}

func (g *generator) leads(w *bufio.Writer) {
	w.WriteString("external_id,created_at,owner,channel,campaign,market,company,status\n")
	n := g.sc.Leads
	for i := 0; i < n; i++ {
		t := g.leadTime(i, n)
		camp := ""
		if g.r.IntN(3) == 0 {
			// A campaign running around the lead's creation.
			c := int(float64(g.sc.Campaigns) * float64(t.Sub(g.start)) / float64(g.span))
			camp = g.campaign(min(c, g.sc.Campaigns-1))
		}
		ch := ""
		if camp == "" {
			ch = channels[g.r.IntN(len(channels))]
		}
		fmt.Fprintf(w, "L%07d,%s,%s,%s,%s,%s,Cliente %06d,nuevo\n", i, g.ts(t), g.rep(g.r.IntN(g.sc.Reps)), ch, camp,
			g.market(g.r.IntN(g.sc.Markets)), g.r.IntN(max(n/4, 1)))
	}
}

// deals writes one deal per lead (the first sc.Deals leads, spread over
// the history): created a few days after its lead, closed 5 to 120 days
// later (won 35 %, lost 45 %) or still open.
func (g *generator) deals(w *bufio.Writer) {
	w.WriteString("external_id,lead,customer,owner,market,amount,created_at,closed_at,stage,status,lost_reason\n")
	n, nl := g.sc.Deals, g.sc.Leads
	for i := 0; i < n; i++ {
		li := int(int64(i) * int64(nl) / int64(n))
		lt := g.leadTime(li, nl)
		created := g.past(lt, lt.Add(time.Duration(g.r.IntN(14*24*3600))*time.Second))
		closed := created.Add(time.Duration(5*24*3600+g.r.IntN(115*24*3600)) * time.Second)
		status, closedS, reason, stage := "open", "", "", "Negociación"
		if closed.Before(g.now) {
			switch x := g.r.IntN(100); {
			case x < 35:
				status, stage = "won", "Ganado"
			case x < 80:
				status, stage, reason = "lost", "Perdido", "precio"
			}
		}
		if status != "open" {
			closedS = g.ts(closed)
		}
		createdS := g.ts(created)
		if g.r.IntN(50) == 0 {
			createdS = "" // a prospect never engaged
		}
		amount := ""
		if g.r.IntN(10) != 0 {
			a := prices[g.r.IntN(len(prices))] * int64(1+g.r.IntN(5))
			amount = strconv.FormatInt(a/100, 10) + "." + fmt.Sprintf("%02d", a%100)
		}
		customer := ""
		if g.r.IntN(4) == 0 {
			customer = fmt.Sprintf("Cliente %06d", g.r.IntN(max(nl/4, 1)))
		}
		fmt.Fprintf(w, "D%07d,L%07d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", i, li, customer, g.rep(g.r.IntN(g.sc.Reps)),
			g.market(g.r.IntN(g.sc.Markets)), amount, createdS, closedS, stage, status, reason)
	}
}

func (g *generator) activities(w *bufio.Writer) {
	w.WriteString("external_id,type,owner,at,lead,deal\n")
	types := []string{"call", "follow_up_call", "presentation", "meeting", "email"}
	n := g.sc.Activities
	for i := 0; i < n; i++ {
		base := g.start.Add(time.Duration(float64(g.span) * float64(i) / float64(n)))
		t := g.past(base, base.Add(time.Duration(g.r.IntN(3600))*time.Second))
		fmt.Fprintf(w, "A%08d,%s,%s,%s,,\n", i, types[g.r.IntN(len(types))], g.rep(g.r.IntN(g.sc.Reps)), g.ts(t.Truncate(time.Second)))
	}
}

func (g *generator) surveys(w *bufio.Writer) {
	w.WriteString("external_id,customer,sent_at,answered_at,score,scale\n")
	n := g.sc.Surveys
	for i := 0; i < n; i++ {
		t := g.leadTime(i, n)
		ans, score := "", ""
		if g.r.IntN(3) != 0 {
			ans, score = g.ts(g.past(t, t.Add(time.Duration(g.r.IntN(5*24*3600))*time.Second))), strconv.Itoa(1+g.r.IntN(5))
		}
		fmt.Fprintf(w, "S%07d,Cliente %06d,%s,%s,%s,csat\n", i, g.r.IntN(max(g.sc.Leads/4, 1)), g.ts(t), ans, score)
	}
}

func (g *generator) inquiries(w *bufio.Writer) {
	w.WriteString("external_id,customer,channel,received_at,first_response_at,resolved_at\n")
	n := g.sc.Inquiries
	for i := 0; i < n; i++ {
		t := g.leadTime(i, n)
		resp := ""
		if g.r.IntN(10) != 0 {
			resp = g.ts(g.past(t, t.Add(time.Duration(60+g.r.IntN(48*3600))*time.Second)))
		}
		fmt.Fprintf(w, "Q%07d,Cliente %06d,%s,%s,%s,\n", i, g.r.IntN(max(g.sc.Leads/4, 1)), channels[g.r.IntN(3)], g.ts(t), resp)
	}
}
