package demo

import (
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// company is the generated records, typed, with the periods around now.
type companyData struct {
	loc       *time.Location
	now       time.Time
	cur, prev rumbo.Period
	first     rumbo.Period // the quarter six before the current one
	teamOf    map[string]string
	people    []*rumbo.Person
	teams     []*rumbo.Team
	markets   []*rumbo.Market
	leads     []*rumbo.Lead
	deals     []*rumbo.Deal
	acts      []*rumbo.Activity
	surveys   []*rumbo.Survey
	inquiries []*rumbo.Inquiry
}

func load(t *testing.T, opts Options) *companyData {
	c, _ := generate(t, opts)
	d := &companyData{loc: opts.Location, now: opts.Now, teamOf: map[string]string{}}
	d.cur = rumbo.PeriodOf(opts.Now, rumbo.GrainQuarter, opts.Location)
	d.prev = d.cur.Previous()
	d.first = d.cur
	for range 6 {
		d.first = d.first.Previous()
	}
	for _, r := range c.recs {
		switch r := r.(type) {
		case *rumbo.Team:
			d.teams = append(d.teams, r)
		case *rumbo.Person:
			d.people = append(d.people, r)
			d.teamOf[r.Name] = r.Team
		case *rumbo.Market:
			d.markets = append(d.markets, r)
		case *rumbo.Lead:
			d.leads = append(d.leads, r)
		case *rumbo.Deal:
			d.deals = append(d.deals, r)
		case *rumbo.Activity:
			d.acts = append(d.acts, r)
		case *rumbo.Survey:
			d.surveys = append(d.surveys, r)
		case *rumbo.Inquiry:
			d.inquiries = append(d.inquiries, r)
		}
	}
	return d
}

// pace is the current quarter's count per unit of elapsed share ÷ the
// previous quarter's count.
func (d *companyData) pace(cur, prev float64) float64 {
	return cur / d.cur.Elapsed(d.now) / prev
}

func (d *companyData) activitiesIn(p rumbo.Period, typ string) (n int, perTeam map[string]int) {
	perTeam = map[string]int{}
	for _, a := range d.acts {
		if a.Type == typ && p.Contains(a.At) {
			n++
			perTeam[d.teamOf[a.Owner]]++
		}
	}
	return n, perTeam
}

func TestShapeSmall(t *testing.T) {
	loc := madrid(t)
	d := load(t, Options{Seed: 11, Now: nows[0].now, Location: loc})

	t.Run("a dozen reps in three teams", func(t *testing.T) {
		reps := map[string]int{}
		for _, p := range d.people {
			if p.Fields["role"] == "Comercial" && p.ActiveTo.IsZero() {
				reps[p.Team]++
			}
		}
		n := 0
		for _, k := range reps {
			n += k
		}
		if n != 12 || len(reps) != 3 {
			t.Errorf("active reps per team %v, want 12 in 3 teams", reps)
		}
		for _, tm := range d.teams {
			if tm.Fields["manager"] == "" {
				t.Errorf("team %s has no manager", tm.Name)
			}
		}
	})

	t.Run("history of at least six quarters", func(t *testing.T) {
		var firstLead, firstAct time.Time = d.now, d.now
		for _, l := range d.leads {
			if l.CreatedAt.Before(firstLead) {
				firstLead = l.CreatedAt
			}
		}
		for _, a := range d.acts {
			if a.At.Before(firstAct) {
				firstAct = a.At
			}
		}
		if !firstLead.Before(d.first.Start) || !firstAct.Before(d.first.Start) {
			t.Errorf("first lead %s, first activity %s: want both before %s", firstLead, firstAct, d.first.Start)
		}
	})

	t.Run("conversion near 20 %", func(t *testing.T) {
		won := map[string]bool{}
		for _, dl := range d.deals {
			if dl.Status == rumbo.DealWon && dl.Lead != "" {
				won[dl.Lead] = true
			}
		}
		mature, converted := 0, 0
		for _, l := range d.leads {
			if l.CreatedAt.Before(d.prev.Start) { // old enough to have closed
				mature++
				if won[l.ExternalID] {
					converted++
				}
			}
		}
		got := float64(converted) / float64(mature)
		if got < 0.15 || got > 0.25 {
			t.Errorf("conversion %d/%d = %.3f, want 0.15–0.25", converted, mature, got)
		}
	})

	t.Run("ten follow-up calls a week per team at the start", func(t *testing.T) {
		q0 := rumbo.PeriodOf(d.first.Start.Add(-time.Hour), rumbo.GrainQuarter, loc)
		weeks := float64(q0.Days()) / 7
		_, perTeam := d.activitiesIn(q0, typeFollowUp)
		if len(perTeam) != 3 {
			t.Fatalf("follow-up calls by team %v, want 3 teams", perTeam)
		}
		for team, n := range perTeam {
			if got := float64(n) / weeks; got < 8.5 || got > 11.5 {
				t.Errorf("team %s: %.1f follow-up calls a week in %s, want near 10", team, got, q0.Label)
			}
		}
	})

	t.Run("deals", func(t *testing.T) {
		var prospects, lostNoReason, cents, recurring int
		customers := map[string]time.Time{}
		for _, dl := range d.deals {
			if dl.Status == rumbo.DealOpen && dl.CreatedAt.IsZero() {
				prospects++
			}
			if dl.Status == rumbo.DealLost && dl.LostReason == "" {
				lostNoReason++
			}
			if dl.Amount != nil && *dl.Amount%100 != 0 {
				cents++
			}
			if dl.Fields["product"] == "" {
				t.Fatalf("deal %s has no product", dl.ExternalID)
			}
		}
		for _, dl := range d.deals {
			if dl.Status == rumbo.DealWon {
				if first, ok := customers[dl.Customer]; !ok || dl.ClosedAt.Before(first) {
					customers[dl.Customer] = dl.ClosedAt
				}
			}
		}
		for _, dl := range d.deals {
			if dl.Status == rumbo.DealWon && customers[dl.Customer].Before(dl.ClosedAt) {
				recurring++
			}
		}
		if prospects == 0 || lostNoReason > 0 || cents == 0 || recurring == 0 {
			t.Errorf("prospects without created_at %d (want > 0), lost without reason %d (want 0), amounts with cents %d (want > 0), repeat sales %d (want > 0)",
				prospects, lostNoReason, cents, recurring)
		}
		for _, l := range d.leads {
			if l.Fields["sector"] == "" || l.Company == "" || l.Channel == "" {
				t.Fatalf("lead %s lacks sector, company or channel: %+v", l.ExternalID, l)
			}
		}
	})

	t.Run("markets", func(t *testing.T) {
		var established, fresh, analysedNow int
		for _, m := range d.markets {
			if !m.New {
				if m.Status == rumbo.MarketEntered && !m.EnteredAt.IsZero() {
					established++
				}
				continue
			}
			fresh++
			want := ""
			for _, s := range []struct {
				status string
				at     time.Time
			}{{rumbo.MarketIdentified, m.IdentifiedAt}, {rumbo.MarketAnalysed, m.AnalysedAt}, {rumbo.MarketEntered, m.EnteredAt}} {
				if !s.at.IsZero() {
					want = s.status
				}
			}
			if m.IdentifiedAt.IsZero() || m.Status != want {
				t.Errorf("new market %s: status %q with dates %+v, want %q and an identified date", m.Name, m.Status, m, want)
			}
			if d.cur.Contains(m.AnalysedAt) || d.cur.Contains(m.EnteredAt) {
				analysedNow++
			}
		}
		if established < 3 || fresh < 3 || analysedNow == 0 {
			t.Errorf("%d established markets (want ≥ 3), %d new (want ≥ 3), %d analysed or entered this quarter (want > 0)", established, fresh, analysedNow)
		}
	})

	t.Run("working days and hours", func(t *testing.T) {
		off := 0
		for _, a := range d.acts {
			l := a.At.In(loc)
			if wd := l.Weekday(); wd == time.Saturday || wd == time.Sunday || l.Hour() < 8 || l.Hour() > 19 {
				off++
			}
		}
		if off*100 > len(d.acts) {
			t.Errorf("%d of %d activities outside working days and hours, want under 1 %%", off, len(d.acts))
		}
	})
}

// TestShapeStory checks the current quarter's story against the previous
// quarter, at several points of a quarter from its third week on.
func TestShapeStory(t *testing.T) {
	loc := madrid(t)
	for _, tc := range []struct {
		name  string
		now   time.Time
		slack float64 // a short span of the quarter is noisier
	}{
		{nows[0].name, nows[0].now, 0},
		{nows[1].name, nows[1].now, 0.15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, Options{Seed: 2, Now: tc.now, Location: loc})
			fuCur, _ := d.activitiesIn(d.cur, typeFollowUp)
			fuPrev, _ := d.activitiesIn(d.prev, typeFollowUp)
			presCur, _ := d.activitiesIn(d.cur, typePresentation)
			var srvCur, srvPrev float64
			for _, s := range d.surveys {
				if d.cur.Contains(s.SentAt) {
					srvCur++
				} else if d.prev.Contains(s.SentAt) {
					srvPrev++
				}
			}
			var revCur, revPrev float64
			for _, dl := range d.deals {
				if dl.Status == rumbo.DealWon && d.cur.Contains(dl.ClosedAt) {
					revCur += float64(*dl.Amount)
				} else if dl.Status == rumbo.DealWon && d.prev.Contains(dl.ClosedAt) {
					revPrev += float64(*dl.Amount)
				}
			}
			respCur, respPrev := meanResponse(d.inquiries, d.cur), meanResponse(d.inquiries, d.prev)
			weeks := d.now.Sub(d.cur.Start).Hours() / 24 / 7
			checks := []struct {
				name   string
				got    float64
				lo, hi float64
				short  bool // also checked three weeks into the quarter
			}{
				{"follow-up calls vs previous quarter", d.pace(float64(fuCur), float64(fuPrev)), 1.25, 1.55, true},
				{"presentations a week", float64(presCur) / weeks, 1, 2.8, false},
				{"surveys sent vs previous quarter", d.pace(srvCur, srvPrev), 1.05, 1.4, false},
				{"revenue vs previous quarter", d.pace(revCur, revPrev), 1.05, 1.25, true},
				{"response time vs previous quarter", respCur / respPrev, 0.55, 0.8, true},
			}
			for _, c := range checks {
				if weeks < 4 && !c.short {
					continue
				}
				lo, hi := c.lo*(1-tc.slack), c.hi*(1+tc.slack)
				if c.got < lo || c.got > hi {
					t.Errorf("%s: %.2f, want %.2f–%.2f", c.name, c.got, lo, hi)
				}
			}
		})
	}
}

func meanResponse(in []*rumbo.Inquiry, p rumbo.Period) float64 {
	var sum float64
	n := 0
	for _, q := range in {
		if p.Contains(q.ReceivedAt) && !q.FirstResponseAt.IsZero() {
			sum += q.FirstResponseAt.Sub(q.ReceivedAt).Hours()
			n++
		}
	}
	return sum / float64(n)
}
