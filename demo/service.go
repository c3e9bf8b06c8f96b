package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/rumbo-app/rumbo"
)

// csatWeights are the odds of scores 1 to 5 at the start of the history
// (mean 4.0); satisfaction improves a little every quarter.
var csatWeights = []float64{4, 6, 14, 38, 38}

func csatScore(r *rand.Rand, q int) int {
	w := append([]float64(nil), csatWeights...)
	shift := 0.8 * float64(q)
	w[2] -= shift / 2
	w[1] -= shift / 4
	w[0] -= shift / 4
	w[4] += shift
	c := newChooser(w)
	return c.pick(r) + 1
}

// customers picks customers won before a day: recent ones for post-sale
// surveys, any for the rest.
type customers struct {
	g *gen
	n int // customers won before the current day
}

func (c *customers) upTo(d time.Time) {
	for c.n < len(c.g.won) && c.g.won[c.n].at.Before(d) {
		c.n++
	}
}

// pick returns a customer and whether it was won in the window before d.
func (c *customers) pick(r *rand.Rand, d time.Time, recentShare float64, window time.Duration) (int32, bool) {
	won := c.g.won[:c.n]
	if r.Float64() < recentShare {
		lo := sort.Search(len(won), func(i int) bool { return !won[i].at.Before(d.Add(-window)) })
		if lo < len(won) {
			return won[lo+r.IntN(len(won)-lo)].company, true
		}
	}
	return won[r.IntN(len(won))].company, false
}

// writeSurveys streams CSAT surveys, post-sale and periodic, day by day.
func (g *gen) writeSurveys(s *sink) error {
	r := g.rng(streamSurveys)
	pace := pacer{gain: 0.3}
	cs := &customers{g: g}
	seq := 0
	var buf []rumbo.Survey
	for _, d := range g.days {
		cs.upTo(d.date)
		if !d.working || d.pre || cs.n == 0 {
			continue
		}
		lambda := surveysPerWeek * g.spec.volume * growth(d.q) / 5
		if d.q == g.current() {
			lambda *= storySurveys / quarterlyGrowth
		}
		buf = buf[:0]
		for range pace.count(r, lambda) {
			sent := workTime(r, d.date)
			if sent.After(g.now) {
				continue
			}
			c, recent := cs.pick(r, d.date, 0.6, 60*24*time.Hour)
			kind := "relacional"
			if recent {
				kind = "postventa"
			}
			sv := rumbo.Survey{Customer: g.companies[c].name, SentAt: sent, Scale: rumbo.ScaleCSAT, Fields: rumbo.Fields{"type": kind}}
			if r.IntN(100) < 42 {
				at := sent.Add(hours(min(480, max(0.2, lognormal(r, 30, 0.9)))))
				if !at.After(g.now) {
					score := csatScore(r, d.q)
					sv.AnsweredAt, sv.Score = at, &score
				}
			}
			buf = append(buf, sv)
		}
		slices.SortFunc(buf, func(a, b rumbo.Survey) int { return a.SentAt.Compare(b.SentAt) })
		for i := range buf {
			seq++
			sv := buf[i]
			sv.ExternalID = fmt.Sprintf("srv-%06d", seq)
			if err := s.put(&sv); err != nil {
				return err
			}
		}
	}
	return nil
}

// responseMedian is the median hours to a first response in quarter q: the
// team answers a little faster every quarter, and much faster in the
// current one.
func (g *gen) responseMedian(q int) float64 {
	if q == g.current() {
		return 7 * math.Pow(0.96, float64(q-1)) * storyResponse
	}
	return 7 * math.Pow(0.96, float64(q))
}

// writeInquiries streams customer inquiries day by day, with their first
// response and resolution when they happened before now.
func (g *gen) writeInquiries(s *sink) error {
	r := g.rng(streamInquiries)
	cs := &customers{g: g}
	nLeads, seq := 0, 0
	var buf []rumbo.Inquiry
	for _, d := range g.days {
		cs.upTo(d.date)
		for nLeads < len(g.leads) && g.leads[nLeads].at.Before(d.date) {
			nLeads++
		}
		if d.pre || cs.n == 0 && nLeads == 0 {
			continue
		}
		lambda := inquiriesPerWeek * g.spec.volume * growth(d.q) / 5
		if !d.working {
			lambda *= 0.1
		}
		buf = buf[:0]
		for range poisson(r, lambda) {
			at := workTime(r, d.date)
			if !d.working {
				at = anyTime(r, d.date)
			}
			if at.After(g.now) {
				continue
			}
			var c int32
			if cs.n > 0 && (nLeads == 0 || r.IntN(4) > 0) {
				c, _ = cs.pick(r, d.date, 0, 0)
			} else {
				c = g.leads[r.IntN(nLeads)].company
			}
			in := rumbo.Inquiry{
				Customer: g.companies[c].name, Channel: inquiryChannels.pick(r), ReceivedAt: at,
				Fields: rumbo.Fields{"topic": inquiryTopics.pick(r)},
			}
			first := at.Add(hours(min(96, max(0.05, lognormal(r, g.responseMedian(d.q), 0.5)))))
			if !first.After(g.now) {
				in.FirstResponseAt = first
				if done := first.Add(hours(min(400, max(0.1, lognormal(r, 18, 0.9))))); !done.After(g.now) {
					in.ResolvedAt = done
				}
			}
			buf = append(buf, in)
		}
		slices.SortFunc(buf, func(a, b rumbo.Inquiry) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
		for i := range buf {
			seq++
			in := buf[i]
			in.ExternalID = fmt.Sprintf("inq-%06d", seq)
			if err := s.put(&in); err != nil {
				return err
			}
		}
	}
	return nil
}
