package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Activity types.
const (
	typeCall         = "call"
	typeFollowUp     = "follow_up_call"
	typePresentation = "presentation"
	typeMeeting      = "meeting"
	typeEmail        = "email"
)

// activity is one activity before it gets its id.
type activity struct {
	typ   string
	owner int
	at    time.Time
	lead  int32 // -1: none
	deal  int32 // -1: none
}

// writeActivities streams the reps' activities day by day, in time order:
// calls, e-mails and meetings per rep; follow-up calls and product
// presentations per team, whose weekly rates carry the OKR story.
func (g *gen) writeActivities(s *sink) error {
	r := g.rng(streamActivities)
	perTeam := float64(g.spec.reps) / float64(g.spec.teams)
	seq := 0
	var buf []activity
	// Team rates keep their weekly noise but not a drift over a quarter.
	followUpPace, presentationPace := make([]pacer, len(g.teams)), make([]pacer, len(g.teams))
	for t := range g.teams {
		followUpPace[t].gain, presentationPace[t].gain = 0.1, 0.1
	}
	for _, d := range g.days {
		if !d.working || d.pre {
			continue
		}
		buf = buf[:0]
		add := func(typ string, rep int, pDeal, pLead float64) {
			a := activity{typ: typ, owner: rep, at: workTime(r, d.date), lead: -1, deal: -1}
			if a.at.After(g.now) {
				return
			}
			x := r.Float64()
			if x < pDeal {
				a.deal = g.openDeal(r, rep, a.at)
				if a.deal >= 0 {
					a.lead = g.deals[a.deal].lead
				}
			}
			if a.deal < 0 && x < pDeal+pLead {
				a.lead = g.recentLead(r, rep, a.at, 30*24*time.Hour)
			}
			buf = append(buf, a)
		}
		reps, rc, vol := g.activeReps(d.date, -1)
		if len(reps) == 0 {
			continue
		}
		level := growth(d.q) * g.perRep
		for range poisson(r, vol*callsPerRepDay*level) {
			add(typeCall, reps[rc.pick(r)], 0.2, 0.6)
		}
		for range poisson(r, vol*emailsPerRepDay*level) {
			add(typeEmail, reps[rc.pick(r)], 0.4, 0.4)
		}
		for range poisson(r, vol*meetingsPerRepDay*level) {
			add(typeMeeting, reps[rc.pick(r)], 0.8, 0.1)
		}
		followUps := followUpsPerTeamWeek * level
		if d.q == g.current() {
			followUps *= storyFollowUps / quarterlyGrowth
		}
		for t := 1; t < len(g.teams); t++ {
			treps, tc, _ := g.activeReps(d.date, t)
			if len(treps) == 0 {
				continue
			}
			staffed := float64(len(treps)) / perTeam
			for range followUpPace[t].count(r, followUps*staffed/5) {
				add(typeFollowUp, treps[tc.pick(r)], 0.6, 0.4)
			}
			// Presentations stay near two a week for the whole company.
			for range presentationPace[t].count(r, presentationsPerTeam*g.perRep*staffed/5) {
				add(typePresentation, treps[tc.pick(r)], 0.9, 0.1)
			}
		}
		// slices.SortFunc is deterministic: the same input, the same order.
		slices.SortFunc(buf, func(a, b activity) int { return a.at.Compare(b.at) })
		for _, a := range buf {
			seq++
			rec := &rumbo.Activity{
				ExternalID: fmt.Sprintf("act-%07d", seq), Type: a.typ, Owner: g.people[a.owner].Name, At: a.at,
			}
			if a.lead >= 0 {
				rec.Lead = leadID(a.lead)
			}
			if a.deal >= 0 {
				rec.Deal = dealID(a.deal)
			}
			if err := s.put(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// openDeal returns one of the rep's recent deals open at t, or -1.
func (g *gen) openDeal(r *rand.Rand, rep int, t time.Time) int32 {
	list := g.repDeals[rep]
	hi := sort.Search(len(list), func(i int) bool { return g.deals[list[i]].created.After(t) })
	if hi == 0 {
		return -1
	}
	for range 4 {
		k := list[hi-1-r.IntN(min(hi, 25))]
		d := &g.deals[k]
		if d.status == rumbo.DealOpen || d.close.After(t) {
			return k
		}
	}
	return -1
}

// recentLead returns one of the rep's leads created in the window before t, or -1.
func (g *gen) recentLead(r *rand.Rand, rep int, t time.Time, window time.Duration) int32 {
	list := g.repLeads[rep]
	hi := sort.Search(len(list), func(i int) bool { return g.leads[list[i]].at.After(t) })
	lo := sort.Search(len(list), func(i int) bool { return !g.leads[list[i]].at.Before(t.Add(-window)) })
	if lo >= hi {
		return -1
	}
	return list[lo+r.IntN(hi-lo)]
}
