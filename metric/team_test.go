package metric

import (
	"testing"

	"github.com/rumbo-app/rumbo"
)

// TestOwnerlessDealHasNoTeam: a deal without an owner is in no team, even
// when a person known by e-mail alone (no name) has one.
func TestOwnerlessDealHasNoTeam(t *testing.T) {
	add := func(s *memSource) {
		s.people = append(s.people, rumbo.Person{ExternalID: "p3", Email: "marta@acme.es", Team: "North"})
		s.deals = append(s.deals, rumbo.Deal{ExternalID: "D9", Status: rumbo.DealWon, Amount: money("200"),
			CreatedAt: s.deals[0].CreatedAt, ClosedAt: s.deals[0].ClosedAt, FirstSeenAt: s.imported})
	}
	runCases(t, []kpiCase{
		{name: "revenue by team, deal without owner", key: "revenue", period: "2017-Q2", by: "team", src: add,
			want: map[string]string{"2017-Q2|West": "1000", "2017-Q2|East": "500", "2017-Q2|": "200"}},
		{name: "revenue filtered by team, deal without owner", key: "revenue", period: "2017-Q2",
			filter: []Filter{{"team", "North"}}, src: add,
			want: map[string]string{"2017-Q2|": "0"}},
	})
}

// TestDefaultPeriodIsToDate: without a period, a KPI counts the current
// quarter to date: an activity scheduled after now, or a deal closed after
// it, does not count yet; the row is still the quarter's.
func TestDefaultPeriodIsToDate(t *testing.T) {
	runCases(t, []kpiCase{
		{name: "activities, quarter to date", key: "activities", now: "2017-05-16 00:00",
			want: map[string]string{"2017-Q2|": "3"}},
		{name: "revenue, quarter to date", key: "revenue", now: "2017-05-01 00:00",
			want: map[string]string{"2017-Q2|": "1000"}},
	})
}
