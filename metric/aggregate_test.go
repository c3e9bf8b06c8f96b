package metric_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// The store keeps the aggregates the engine reads: without this, a change
// of the interface would silently send every KPI to the raw records.
var _ metric.AggregateSource = (*sqlstore.DB)(nil)

// world generates random records over a small universe of names and ids,
// so that updates, references and deletions collide often.
type world struct {
	r    *rand.Rand
	loc  *time.Location
	base time.Time // start of the history
	dst  time.Time // noon before a daylight-saving change
	now  time.Time
	live map[rumbo.Entity]map[string]bool // external ids stored
}

var (
	propPeople    = []string{"Ana", "Luis", "Marta", "pablo@example.com", "Sara"}
	propTeams     = []string{"Norte", "Sur"}
	propMarkets   = []string{"España", "Portugal", "Francia"}
	propCampaigns = []string{"Primavera", "Feria", "Newsletter"}
	propChannels  = []string{"", "web", "Referido", "evento"}
	propCustomers = []string{"", "Acme", "Beta SL", "Gamma", "Delta", "Épsilon"}
	propTypes     = []string{"call", "Call", "follow_up_call", "presentation", " Presentation"}
)

func (w *world) pick(list []string) string { return list[w.r.IntN(len(list))] }

// at returns a random instant of the history, often near a local midnight,
// a daylight-saving change or now.
func (w *world) at() time.Time {
	switch w.r.IntN(6) {
	case 0: // a minute around a local midnight
		d := w.base.AddDate(0, 0, w.r.IntN(200))
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, w.loc).Add(time.Duration(w.r.IntN(121)-60) * time.Second)
	case 1: // today, before or after now
		return w.now.Add(time.Duration(w.r.IntN(20*3600)-10*3600) * time.Second).Truncate(time.Second)
	case 2: // around the DST change
		return w.dst.Add(time.Duration(w.r.IntN(48*3600)) * time.Second)
	}
	return w.base.Add(time.Duration(w.r.Int64N(int64(200 * 24 * time.Hour)))).Truncate(time.Second)
}

func (w *world) maybe(t time.Time) time.Time {
	if w.r.IntN(5) == 0 {
		return time.Time{}
	}
	return t
}

func (w *world) money() *rumbo.Money {
	if w.r.IntN(6) == 0 {
		return nil
	}
	m := rumbo.Money(w.r.IntN(5) * 25000)
	if w.r.IntN(3) == 0 {
		m = rumbo.Money(w.r.IntN(900000))
	}
	return &m
}

func (w *world) id(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, w.r.IntN(n)) }

// record returns a random record of a random entity.
func (w *world) record() rumbo.Record {
	switch w.r.IntN(12) {
	case 0:
		name := w.pick(propPeople)
		p := &rumbo.Person{ExternalID: "P-" + name, Team: w.pick(propTeams)}
		if name[len(name)-1] == 'm' { // known by e-mail only
			p.Email = name
		} else {
			p.Name = name
		}
		if w.r.IntN(8) == 0 { // renamed: the aggregates keep names
			p.Name += " Renamed"
		}
		return p
	case 1:
		c := &rumbo.Campaign{ExternalID: "C-" + w.pick(propCampaigns), Channel: w.pick(propChannels[1:]),
			Start: w.at(), Spend: w.money()}
		c.Name = c.ExternalID[2:]
		if w.r.IntN(2) == 0 {
			c.End = c.Start.Add(time.Duration(w.r.IntN(60*24)) * time.Hour)
		}
		return c
	case 2, 3:
		return &rumbo.Lead{ExternalID: w.id("L", 25), CreatedAt: w.at(), Owner: w.pick(propPeople),
			Channel: w.pick(propChannels), Campaign: w.pick(append([]string{""}, propCampaigns...)),
			Market: w.pick(append([]string{""}, propMarkets...)), Company: w.pick(propCustomers)}
	case 4, 5, 6:
		d := &rumbo.Deal{ExternalID: w.id("D", 35), Owner: w.pick(propPeople), Customer: w.pick(propCustomers),
			Market: w.pick(append([]string{"", ""}, propMarkets...)), Amount: w.money(), CreatedAt: w.maybe(w.at()),
			Status: []string{rumbo.DealOpen, rumbo.DealWon, rumbo.DealWon, rumbo.DealLost}[w.r.IntN(4)]}
		if w.r.IntN(4) != 0 {
			d.Lead = w.id("L", 30)
		}
		if d.Status != rumbo.DealOpen || w.r.IntN(4) == 0 {
			d.ClosedAt = w.maybe(w.at())
		}
		return d
	case 7, 8:
		return &rumbo.Activity{ExternalID: w.id("A", 40), Type: w.pick(propTypes), Owner: w.pick(propPeople), At: w.at(),
			Deal: w.id("D", 40)}
	case 9, 10:
		s := &rumbo.Survey{ExternalID: w.id("S", 15), Customer: w.pick(propCustomers[1:]), SentAt: w.at(),
			AnsweredAt: w.maybe(w.at())}
		if w.r.IntN(4) == 0 {
			s.Scale = rumbo.ScaleNPS
			s.Score = ptr(w.r.IntN(11))
		} else if w.r.IntN(5) != 0 {
			s.Score = ptr(1 + w.r.IntN(5))
		}
		return s
	}
	q := &rumbo.Inquiry{ExternalID: w.id("Q", 15), Customer: w.pick(propCustomers[1:]), Channel: w.pick(propChannels[1:]),
		ReceivedAt: w.at()}
	if w.r.IntN(4) != 0 {
		q.FirstResponseAt = q.ReceivedAt.Add(time.Duration(w.r.IntN(200000)) * time.Second)
	}
	return q
}

func ptr[T any](v T) *T { return &v }

// queries are the cuts compared after every step.
func propQueries(t *testing.T, loc *time.Location, now time.Time) []metric.Query {
	per := func(s string) *rumbo.Period {
		p, err := rumbo.ParsePeriod(s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return &p
	}
	// Periods that end inside a day: the quarter to date (as OKRs measure
	// it), and one ending in the afternoon of a past day.
	toNow := &rumbo.Period{Start: per("2026-Q1").Start, End: now, Label: "2026-Q1 to date"}
	toAfternoon := &rumbo.Period{Start: per("2026-02-01").Start, End: time.Date(2026, 2, 10, 15, 30, 0, 0, loc), Label: "afternoon"}
	typ := []metric.Filter{{Field: "type", Value: "CALL"}}
	var qs []metric.Query
	for _, by := range []string{"", "owner", "team", "market", "channel", "campaign", "customer"} {
		qs = append(qs, metric.Query{Period: per("2026-Q1"), By: by})
	}
	return append(qs,
		metric.Query{},
		metric.Query{By: "owner"},
		metric.Query{Grain: rumbo.GrainWeek}, // the quarter to date by week: the last week ends now
		metric.Query{Grain: rumbo.GrainMonth, By: "market"},
		metric.Query{Period: per("2026-Q1"), Grain: rumbo.GrainWeek},
		metric.Query{Period: per("2026-Q1"), Grain: rumbo.GrainMonth, By: "owner"},
		metric.Query{Period: per("2026-03"), Grain: rumbo.GrainDay},
		metric.Query{Period: per("2025-09"), Grain: rumbo.GrainDay},
		metric.Query{Period: per("2025-Q3"), By: "owner"},
		metric.Query{Period: per("2025"), Grain: rumbo.GrainQuarter, By: "campaign"},
		metric.Query{Period: per("2026-02-10..2026-03-31"), Grain: rumbo.GrainWeek},
		metric.Query{Period: per("2025-10-06..2026-03-29")},
		metric.Query{Period: per("2026-Q1"), By: "owner", Filters: []metric.Filter{{Field: "team", Value: "norte"}}},
		metric.Query{Period: per("2026-Q1"), Filters: []metric.Filter{{Field: "channel", Value: "WEB"}}},
		metric.Query{Period: per("2026-Q1"), By: "market", Filters: []metric.Filter{{Field: "owner", Value: "Ana"}}},
		metric.Query{Period: toNow},
		metric.Query{Period: toNow, By: "owner"},
		metric.Query{Period: toNow, By: "market"},
		metric.Query{Period: toNow, By: "channel"},
		metric.Query{Period: toNow, Grain: rumbo.GrainWeek},
		metric.Query{Period: toAfternoon},
		metric.Query{Period: toAfternoon, By: "team"},
		metric.Query{Period: toNow, Filters: typ},
		metric.Query{Period: per("2026-Q1"), Grain: rumbo.GrainWeek, Filters: typ},
		metric.Query{Period: per("2026-Q1"), By: "type"},
		metric.Query{Period: toNow, By: "owner", Filters: []metric.Filter{{Field: "type", Value: "presentation"}}},
		metric.Query{Period: per("2026-Q1"), By: "type", Filters: []metric.Filter{{Field: "team", Value: "Sur"}}},
	)
}

// TestAggregatesEqualRawRecords applies random imports, updates and
// deletions and checks after each step that every built-in KPI computed
// from the aggregates equals the same KPI computed from the raw records.
func TestAggregatesEqualRawRecords(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { checkAggregates(t, db, seed, "Europe/Madrid") })
		}
		// Chile starts daylight saving time at midnight: on 7 September
		// 2025 the day starts at 23:00 on the 6th (time.Date's choice).
		t.Run("Santiago", func(t *testing.T) { checkAggregates(t, db, 4, "America/Santiago") })
	})
}

func checkAggregates(t *testing.T, db *sqlstore.DB, seed uint64, zone string) {
	ctx := context.Background()
	org := &rumbo.Org{Slug: fmt.Sprint("prop", seed), TimeZone: zone}
	if err := db.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	loc, _ := org.Location()
	now := time.Date(2026, 3, 15, 12, 30, 0, 0, time.UTC)
	w := &world{r: rand.New(rand.NewPCG(seed, 7)), loc: loc, base: time.Date(2025, 9, 20, 0, 0, 0, 0, loc), now: now,
		dst: time.Date(2026, 3, 28, 12, 0, 0, 0, loc), live: map[rumbo.Entity]map[string]bool{}}
	if zone == "America/Santiago" {
		w.base, w.dst = time.Date(2025, 8, 20, 0, 0, 0, 0, loc), time.Date(2025, 9, 6, 12, 0, 0, 0, loc)
	}
	clock := func() time.Time { return now }
	fast := metric.New(db, clock)
	raw := fast.Raw()
	queries := propQueries(t, loc, now)
	usedAggregates := false
	var cases []metric.Query
	for step := 0; step < 8; step++ {
		if step > 1 && w.r.IntN(3) == 0 {
			deleteSome(t, db, org.ID, w)
		} else {
			n := 15 + w.r.IntN(40)
			batch := w.r.IntN(2) == 0 // PutBatch with records of mixed entities and repeated ids
			err := db.Write(ctx, org.ID, rumbo.WriteOptions{Now: now.Add(-time.Duration(w.r.IntN(3600)) * time.Second)}, func(wr rumbo.Writer) error {
				var recs []rumbo.Record
				for i := 0; i < n; i++ {
					rec := w.record()
					recs = append(recs, rec)
					if w.live[rec.Entity()] == nil {
						w.live[rec.Entity()] = map[string]bool{}
					}
					w.live[rec.Entity()][rec.Key()] = true
				}
				if batch {
					outs, errs := make([]rumbo.Outcome, len(recs)), make([]error, len(recs))
					if err := rumbo.PutAll(ctx, wr, recs, outs, errs); err != nil {
						return err
					}
					return errors.Join(errs...)
				}
				for _, rec := range recs {
					if _, err := wr.Put(ctx, rec); err != nil {
						return fmt.Errorf("put %s %s: %w", rec.Entity(), rec.Key(), err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		spans, ok, err := db.AggregateSpans(ctx, org.ID)
		if err != nil || !ok {
			t.Fatalf("step %d: AggregateSpans = %v, %v", step, ok, err)
		}
		want, err := db.DataSpans(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rumbo.Entities {
			if !spans[e].First.Equal(want[e].First) || !spans[e].Last.Equal(want[e].Last) || spans[e].Count != want[e].Count ||
				!spans[e].ImportedAt.Equal(want[e].ImportedAt) {
				t.Errorf("step %d: span of %s = %+v, want %+v", step, e, spans[e], want[e])
			}
		}
		rows, ok, err := db.Aggregates(ctx, org.ID, agg.Query{Measures: []string{agg.Won, agg.Leads, agg.Acts}, Grain: rumbo.GrainYear,
			Kind: agg.KindTotal, From: 0, To: 1 << 40})
		if err != nil || !ok {
			t.Fatalf("step %d: Aggregates = %v, %v", step, ok, err)
		}
		usedAggregates = usedAggregates || len(rows) > 0
		sqlstoretest.CheckAggregates(t, db, org.ID, fmt.Sprint("step ", step))
		if step == 0 {
			cases = validCases(t, fast, raw, org, queries)
		}
		got, err := fast.ComputeAll(ctx, org, cases)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		exp, err := raw.ComputeAll(ctx, org, cases)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		for i, q := range cases {
			gj, _ := json.Marshal(got[i])
			wj, _ := json.Marshal(exp[i])
			if !bytes.Equal(gj, wj) {
				t.Fatalf("step %d %s %+v:\n got %s\nwant %s", step, q.Key, q, gj, wj)
			}
			if step%4 != 3 {
				continue
			}
			// Alone, a query reads only its measures (a batch reads every
			// measure of a grain and kind at once): the same figures.
			one, err := fast.Compute(ctx, org, q)
			if err != nil {
				t.Fatalf("step %d %s %+v: %v", step, q.Key, q, err)
			}
			if oj, _ := json.Marshal(one); !bytes.Equal(oj, wj) {
				t.Fatalf("step %d %s %+v alone:\n got %s\nwant %s", step, q.Key, q, oj, wj)
			}
		}
	}
	if !usedAggregates {
		t.Fatal("the aggregates were never filled")
	}
}

// validCases returns every built-in KPI × query that both engines accept,
// after checking that both refuse the others with the same error.
func validCases(t *testing.T, fast, raw *metric.Engine, org *rumbo.Org, queries []metric.Query) []metric.Query {
	t.Helper()
	var out []metric.Query
	for _, d := range metric.Builtins() {
		for _, q := range queries {
			q.Key = d.Key
			_, gerr := fast.Compute(context.Background(), org, q)
			_, werr := raw.Compute(context.Background(), org, q)
			if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
				t.Fatalf("%s %+v: error %v, want %v", d.Key, q, gerr, werr)
			}
			if gerr == nil {
				out = append(out, q)
			}
		}
	}
	return out
}

// deleteSome deletes a few stored deals, leads, activities, surveys or
// inquiries.
func deleteSome(t *testing.T, db *sqlstore.DB, orgID int64, w *world) {
	t.Helper()
	for _, e := range []rumbo.Entity{rumbo.EntityDeals, rumbo.EntityLeads, rumbo.EntityActivities, rumbo.EntitySurveys, rumbo.EntityInquiries} {
		var ids []string
		for _, id := range slices.Sorted(maps.Keys(w.live[e])) {
			if w.r.IntN(4) == 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		if err := db.Delete(context.Background(), orgID, e, ids); err != nil {
			t.Fatalf("delete %s %v: %v", e, ids, err)
		}
		for _, id := range ids {
			delete(w.live[e], id)
		}
	}
}
