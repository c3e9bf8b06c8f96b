// Package demo generates a realistic, deterministic Spanish sales company:
// teams of reps, established and new markets, campaigns with spend, leads,
// deals, activities, satisfaction surveys and customer inquiries, with seven
// quarters of history before the current one. The current quarter tells the
// story of the article's OKRs: follow-up calls up about 40 % against a +50 %
// goal, product presentations near two a week against three, surveys sent up
// about 20 %, response time down about 30 %, revenue up about 15 %.
//
// The same Seed, Scale, Now and Location always give the same records.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Options choose the company to generate.
type Options struct {
	Seed     int64
	Scale    string         // small (default), medium or large
	Now      time.Time      // the end of the history; zero: time.Now()
	Location *time.Location // the organisation's zone; nil: Europe/Madrid
}

// Stats counts the records generated, by entity.
type Stats struct {
	Counts map[rumbo.Entity]int
}

// Scales lists the valid values of Options.Scale.
var Scales = []string{"small", "medium", "large"}

// warmUpDays is how long before the first quarter the first leads arrive,
// so that the first quarter already closes deals at the usual pace.
const warmUpDays = 75

// HistoryQuarters is the number of quarters generated: the current one and
// the seven before it.
const HistoryQuarters = 8

// scaleSpec sizes a company. volume multiplies every flow of records
// relative to small; teams and reps grow more slowly than volume, so each
// rep of a larger company handles more records.
type scaleSpec struct {
	teams, reps int
	volume      float64
}

var scales = map[string]scaleSpec{
	"small":  {teams: 3, reps: 12, volume: 1},
	"medium": {teams: 6, reps: 60, volume: 10},
	"large":  {teams: 12, reps: 200, volume: 100},
}

// Random streams: one per part of the company, so that a change to one part
// leaves the others as they were.
const (
	streamOrg uint64 = iota + 1
	streamCampaigns
	streamLeads
	streamDeals
	streamOutcomes
	streamActivities
	streamSurveys
	streamInquiries
)

// Rates of the small company, per week unless said otherwise.
const (
	leadsPerRepWeek      = 2.6
	callsPerRepDay       = 1.0
	emailsPerRepDay      = 1.4
	meetingsPerRepDay    = 0.25
	followUpsPerTeamWeek = 10.0 // the article's team of 10 calls a week
	presentationsPerTeam = 0.65 // three teams: about 2 a week, short of the OKR's 3
	surveysPerWeek       = 12.0
	inquiriesPerWeek     = 22.0
	dealShare            = 0.34 // leads that become an opportunity
	winRate              = 0.60 // opportunities won: 0.34 × 0.60 ≈ 20 % conversion
	quarterlyGrowth      = 1.03 // baseline growth of every flow, per quarter
)

// The current quarter's story, each figure relative to the previous quarter.
const (
	storyFollowUps = 1.40 // follow-up calls +40 % (the OKR asks +50 %)
	storySurveys   = 1.20 // surveys sent +20 % (the OKR asks +20 %)
	storyResponse  = 0.68 // response time −32 % (the OKR asks −30 %)
	storyWin       = 1.10 // conversion +10 % relative (the OKR asks +10 %)
	storyRevenue   = 1.15 // revenue +15 % (the OKR asks +20 %)
)

// gen holds one company while it is generated.
type gen struct {
	seed     uint64
	loc      *time.Location
	now      time.Time // UTC
	spec     scaleSpec
	perRep   float64 // volume per rep relative to small
	quarters []rumbo.Period
	days     []day

	teams     []rumbo.Team // the parent team first
	people    []person
	markets   []market
	campaigns []campaign
	companies []company
	leads     []lead
	deals     []deal
	won       []wonRef // won deals in closing order
	repLeads  [][]int32
	repDeals  [][]int32
}

func newGen(opts Options) (*gen, error) {
	name := opts.Scale
	if name == "" {
		name = "small"
	}
	spec, ok := scales[name]
	if !ok {
		return nil, rumbo.Errorf(rumbo.EINVALID, "unknown demo scale %q (valid: small, medium, large)", opts.Scale)
	}
	loc := opts.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(rumbo.DefaultTimeZone); err != nil {
			return nil, fmt.Errorf("demo: load %s: %w", rumbo.DefaultTimeZone, err)
		}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	g := &gen{
		seed:   uint64(opts.Seed),
		loc:    loc,
		now:    now.UTC().Truncate(time.Second),
		spec:   spec,
		perRep: spec.volume * 12 / float64(spec.reps),
	}
	g.quarters = make([]rumbo.Period, HistoryQuarters)
	g.quarters[HistoryQuarters-1] = rumbo.PeriodOf(g.now, rumbo.GrainQuarter, loc)
	for i := HistoryQuarters - 2; i >= 0; i-- {
		g.quarters[i] = g.quarters[i+1].Previous()
	}
	last := dateOf(g.now, loc)
	for d, q := g.quarters[0].Start.AddDate(0, 0, -warmUpDays), 0; !d.After(last); d = d.AddDate(0, 0, 1) {
		for q < HistoryQuarters-1 && !d.Before(g.quarters[q+1].Start) {
			q++
		}
		wd := d.Weekday()
		g.days = append(g.days, day{date: d, q: q, pre: d.Before(g.quarters[0].Start),
			working: wd != time.Saturday && wd != time.Sunday && !holiday(d)})
	}
	return g, nil
}

func (g *gen) rng(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(g.seed, stream)) }

// current is the index of the current quarter.
func (g *gen) current() int { return HistoryQuarters - 1 }

// quarterOf returns the index of the quarter holding t (0 before the history).
func (g *gen) quarterOf(t time.Time) int {
	for i := HistoryQuarters - 1; i > 0; i-- {
		if !t.Before(g.quarters[i].Start) {
			return i
		}
	}
	return 0
}

// growth is the baseline level of every flow in quarter q.
func growth(q int) float64 { return math.Pow(quarterlyGrowth, float64(q)) }

// Generate builds the demo company and puts every record through w,
// referenced records first: teams, people, markets, campaigns, leads, deals,
// then activities, surveys and inquiries. Nothing is dated after opts.Now.
func Generate(ctx context.Context, w rumbo.Writer, opts Options) (*Stats, error) {
	g, err := newGen(opts)
	if err != nil {
		return nil, err
	}
	if err := g.build(ctx); err != nil {
		return nil, err
	}
	s := &sink{ctx: ctx, w: w, stats: &Stats{Counts: map[rumbo.Entity]int{}}}
	for _, step := range []func(*sink) error{
		g.writeOrg, g.writeLeads, g.writeDeals, g.writeActivities, g.writeSurveys, g.writeInquiries,
	} {
		if err := step(s); err != nil {
			return nil, err
		}
	}
	if err := s.flush(); err != nil {
		return nil, err
	}
	return s.stats, nil
}

// build generates the records kept in memory: the organisation and its sales.
func (g *gen) build(ctx context.Context) error {
	g.buildOrg()
	g.buildCampaigns()
	if err := ctx.Err(); err != nil {
		return err
	}
	g.buildLeads()
	g.buildDeals()
	g.decideDeals()
	g.calibrateRevenue()
	g.returningCustomers()
	g.finishSales()
	return ctx.Err()
}

// sink puts records through the writer, in batches of one entity, and
// counts them.
type sink struct {
	ctx   context.Context
	w     rumbo.Writer
	stats *Stats
	buf   []rumbo.Record
}

func (s *sink) put(r rumbo.Record) error {
	if len(s.buf) > 0 && (len(s.buf) == 500 || s.buf[0].Entity() != r.Entity()) {
		if err := s.flush(); err != nil {
			return err
		}
	}
	s.buf = append(s.buf, r)
	return nil
}

// flush writes the buffered records.
func (s *sink) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	if err := s.ctx.Err(); err != nil {
		return err
	}
	outs, errs := make([]rumbo.Outcome, len(s.buf)), make([]error, len(s.buf))
	if err := rumbo.PutAll(s.ctx, s.w, s.buf, outs, errs); err != nil {
		return fmt.Errorf("demo: write %s: %w", s.buf[0].Entity(), err)
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("demo: write %s %s: %w", s.buf[i].Entity(), s.buf[i].Key(), err)
		}
		s.stats.Counts[s.buf[i].Entity()]++
	}
	s.buf = s.buf[:0]
	return nil
}
