package demo

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// collector is a rumbo.Writer that keeps every record put through it: the
// generator's output is what these tests examine.
type collector struct {
	recs []rumbo.Record
	byE  map[rumbo.Entity][]rumbo.Record
}

func (c *collector) Put(_ context.Context, r rumbo.Record) (rumbo.Outcome, error) {
	if c.byE == nil {
		c.byE = map[rumbo.Entity][]rumbo.Record{}
	}
	c.recs = append(c.recs, r)
	c.byE[r.Entity()] = append(c.byE[r.Entity()], r)
	return rumbo.Inserted, nil
}

func madrid(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// nows are the clocks the tests run the generator at: mid-quarter, the
// third week of a quarter, a quarter's first morning, after a DST change.
var nows = []struct {
	name string
	now  time.Time
}{
	{"mid quarter", time.Date(2026, 5, 13, 10, 30, 0, 0, time.UTC)},
	{"third week", time.Date(2025, 10, 17, 16, 0, 0, 0, time.UTC)},
	{"quarter start", time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)},
	{"after DST", time.Date(2026, 3, 30, 9, 15, 0, 0, time.UTC)},
}

func generate(t testing.TB, opts Options) (*collector, *Stats) {
	t.Helper()
	c := &collector{}
	st, err := Generate(context.Background(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, st
}

func TestGenerateDeterministic(t *testing.T) {
	loc := madrid(t)
	now := nows[0].now
	a, _ := generate(t, Options{Seed: 7, Now: now, Location: loc})
	b, _ := generate(t, Options{Seed: 7, Now: now, Location: loc})
	if len(a.recs) != len(b.recs) {
		t.Fatalf("same seed: %d records, then %d", len(a.recs), len(b.recs))
	}
	for i := range a.recs {
		if !reflect.DeepEqual(a.recs[i], b.recs[i]) {
			t.Fatalf("same seed: record %d differs:\n%+v\n%+v", i, a.recs[i], b.recs[i])
		}
	}
	c, _ := generate(t, Options{Seed: 8, Now: now, Location: loc})
	if reflect.DeepEqual(a.recs, c.recs) {
		t.Error("seeds 7 and 8 gave identical companies")
	}
}

func TestGenerateStatsCountPuts(t *testing.T) {
	c, st := generate(t, Options{Seed: 1, Now: nows[0].now})
	for _, e := range rumbo.Entities {
		if got, want := st.Counts[e], len(c.byE[e]); got != want || got == 0 {
			t.Errorf("%s: stats %d, records put %d (want equal and > 0)", e, got, want)
		}
	}
}

func TestGenerateBadScale(t *testing.T) {
	_, err := Generate(context.Background(), &collector{}, Options{Scale: "huge", Now: nows[0].now})
	if got, want := rumbo.ErrorCode(err), rumbo.EINVALID; got != want {
		t.Fatalf("scale huge: error code %q (%v), want %q", got, err, want)
	}
	if Targets(Options{Scale: "huge", Now: nows[0].now}) != nil {
		t.Error("Targets with scale huge: want nil")
	}
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, &collector{}, Options{Now: nows[0].now}); err == nil {
		t.Fatal("cancelled context: want an error")
	}
}

// times returns every time field of a record, with its name.
func times(r rumbo.Record) map[string]time.Time {
	switch r := r.(type) {
	case *rumbo.Person:
		return map[string]time.Time{"active_from": r.ActiveFrom, "active_to": r.ActiveTo}
	case *rumbo.Market:
		return map[string]time.Time{"identified_at": r.IdentifiedAt, "analysed_at": r.AnalysedAt, "entered_at": r.EnteredAt}
	case *rumbo.Campaign:
		return map[string]time.Time{"start": r.Start, "end": r.End}
	case *rumbo.Lead:
		return map[string]time.Time{"created_at": r.CreatedAt}
	case *rumbo.Deal:
		return map[string]time.Time{"created_at": r.CreatedAt, "closed_at": r.ClosedAt}
	case *rumbo.Activity:
		return map[string]time.Time{"at": r.At}
	case *rumbo.Survey:
		return map[string]time.Time{"sent_at": r.SentAt, "answered_at": r.AnsweredAt}
	case *rumbo.Inquiry:
		return map[string]time.Time{"received_at": r.ReceivedAt, "first_response_at": r.FirstResponseAt, "resolved_at": r.ResolvedAt}
	}
	return nil
}

func TestGenerateNothingAfterNow(t *testing.T) {
	loc := madrid(t)
	for _, tc := range nows {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := generate(t, Options{Seed: 3, Now: tc.now, Location: loc})
			for _, r := range c.recs {
				for name, v := range times(r) {
					if v.After(tc.now) {
						t.Fatalf("%s %s: %s %s is after now %s", r.Entity(), r.Key(), name, v, tc.now)
					}
					if !v.IsZero() && v.Location() != time.UTC {
						t.Fatalf("%s %s: %s %s is not in UTC", r.Entity(), r.Key(), name, v)
					}
				}
			}
		})
	}
}

func TestGenerateReferences(t *testing.T) {
	c, _ := generate(t, Options{Seed: 5, Now: nows[1].now})
	seen := map[rumbo.Entity]map[string]bool{}
	names := map[rumbo.Entity]map[string]bool{}
	mark := func(e rumbo.Entity, m map[rumbo.Entity]map[string]bool, k string) {
		if m[e] == nil {
			m[e] = map[string]bool{}
		}
		m[e][k] = true
	}
	check := func(r rumbo.Record, field string, e rumbo.Entity, m map[rumbo.Entity]map[string]bool, v string, optional bool) {
		t.Helper()
		if v == "" && optional {
			return
		}
		if !m[e][v] {
			t.Fatalf("%s %s: %s %q is not among the %s put before it", r.Entity(), r.Key(), field, v, e)
		}
	}
	for _, r := range c.recs {
		if seen[r.Entity()][r.Key()] {
			t.Fatalf("%s %s put twice", r.Entity(), r.Key())
		}
		switch r := r.(type) {
		case *rumbo.Team:
			check(r, "parent", rumbo.EntityTeams, names, r.Parent, true)
			mark(rumbo.EntityTeams, names, r.Name)
		case *rumbo.Person:
			check(r, "team", rumbo.EntityTeams, names, r.Team, false)
			mark(rumbo.EntityPeople, names, r.Name)
		case *rumbo.Market:
			mark(rumbo.EntityMarkets, names, r.Name)
		case *rumbo.Campaign:
			mark(rumbo.EntityCampaigns, names, r.Name)
		case *rumbo.Lead:
			check(r, "owner", rumbo.EntityPeople, names, r.Owner, false)
			check(r, "market", rumbo.EntityMarkets, names, r.Market, false)
			check(r, "campaign", rumbo.EntityCampaigns, names, r.Campaign, true)
		case *rumbo.Deal:
			check(r, "owner", rumbo.EntityPeople, names, r.Owner, false)
			check(r, "market", rumbo.EntityMarkets, names, r.Market, false)
			check(r, "lead", rumbo.EntityLeads, seen, r.Lead, true)
		case *rumbo.Activity:
			check(r, "owner", rumbo.EntityPeople, names, r.Owner, false)
			check(r, "lead", rumbo.EntityLeads, seen, r.Lead, true)
			check(r, "deal", rumbo.EntityDeals, seen, r.Deal, true)
		}
		mark(r.Entity(), seen, r.Key())
	}
	for _, e := range []rumbo.Entity{rumbo.EntityPeople, rumbo.EntityMarkets, rumbo.EntityCampaigns} {
		if got, want := len(names[e]), len(seen[e]); got != want {
			t.Errorf("%s: %d distinct names for %d records", e, got, want)
		}
	}
}
