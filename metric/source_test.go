package metric

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// memSource is an in-memory Source over plain slices: test data for a pure
// computation.
type memSource struct {
	people     []rumbo.Person
	leads      []rumbo.Lead
	deals      []rumbo.Deal
	campaigns  []rumbo.Campaign
	activities []rumbo.Activity
	surveys    []rumbo.Survey
	inquiries  []rumbo.Inquiry
	targets    []rumbo.Target
	custom     []rumbo.KPIDef
	bands      map[string]rumbo.Bands
	imported   time.Time
}

var _ Source = (*memSource)(nil)

func (m *memSource) Teams(context.Context, int64) ([]rumbo.Team, error) { return nil, nil }
func (m *memSource) People(context.Context, int64) ([]rumbo.Person, error) {
	return m.people, nil
}
func (m *memSource) Markets(context.Context, int64) ([]rumbo.Market, error) { return nil, nil }
func (m *memSource) Campaigns(context.Context, int64) ([]rumbo.Campaign, error) {
	return m.campaigns, nil
}
func (m *memSource) Leads(context.Context, int64) ([]rumbo.Lead, error) { return m.leads, nil }
func (m *memSource) Deals(context.Context, int64) ([]rumbo.Deal, error) { return m.deals, nil }
func (m *memSource) Activities(context.Context, int64) ([]rumbo.Activity, error) {
	return m.activities, nil
}
func (m *memSource) Surveys(context.Context, int64) ([]rumbo.Survey, error) { return m.surveys, nil }
func (m *memSource) Inquiries(context.Context, int64) ([]rumbo.Inquiry, error) {
	return m.inquiries, nil
}
func (m *memSource) Targets(_ context.Context, _ int64, kpi string) ([]rumbo.Target, error) {
	var out []rumbo.Target
	for _, t := range m.targets {
		if kpi == "" || t.KPI == kpi {
			out = append(out, t)
		}
	}
	return out, nil
}
func (m *memSource) CustomKPIs(context.Context, int64) ([]rumbo.KPIDef, error) { return m.custom, nil }
func (m *memSource) AllBands(context.Context, int64) (map[string]rumbo.Bands, error) {
	return m.bands, nil
}

// DataSpans computes each entity's span from its records' time fields, as
// the store does.
func (m *memSource) DataSpans(context.Context, int64) (map[rumbo.Entity]rumbo.DataSpan, error) {
	spans := map[rumbo.Entity]rumbo.DataSpan{}
	add := func(e rumbo.Entity, ts ...time.Time) {
		s := spans[e]
		s.Count++
		for _, t := range ts {
			if t.IsZero() {
				continue
			}
			if s.First.IsZero() || t.Before(s.First) {
				s.First = t
			}
			if t.After(s.Last) {
				s.Last = t
			}
		}
		s.ImportedAt = m.imported
		spans[e] = s
	}
	for _, x := range m.deals {
		add(rumbo.EntityDeals, x.CreatedAt, x.ClosedAt)
	}
	for _, x := range m.leads {
		add(rumbo.EntityLeads, x.CreatedAt)
	}
	for _, x := range m.campaigns {
		add(rumbo.EntityCampaigns, x.Start, x.End)
	}
	for _, x := range m.activities {
		add(rumbo.EntityActivities, x.At)
	}
	for _, x := range m.surveys {
		add(rumbo.EntitySurveys, x.SentAt, x.AnsweredAt)
	}
	for _, x := range m.inquiries {
		add(rumbo.EntityInquiries, x.ReceivedAt, x.FirstResponseAt, x.ResolvedAt)
	}
	for _, x := range m.people {
		add(rumbo.EntityPeople, x.ActiveFrom)
	}
	return spans, nil
}

func madrid(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func money(s string) *rumbo.Money {
	m, err := rumbo.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return &m
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func intp(i int) *int { return &i }
