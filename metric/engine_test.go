package metric

import (
	"context"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// acme is a small hand-made company; every figure in the tests below is
// computed by hand from it (see the comments).
func acme(t testing.TB) *memSource {
	loc := madrid(t)
	d := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s+map[bool]string{true: "", false: " 12:00"}[len(s) > 10], loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	imported := d("2017-07-10")
	return &memSource{
		imported: imported,
		people: []rumbo.Person{
			{ExternalID: "p1", Name: "Ana", Email: "ana@acme.es", Team: "West"},
			{ExternalID: "p2", Name: "Luis", Email: "luis@acme.es", Team: "East"},
		},
		campaigns: []rumbo.Campaign{
			// 30 days in April: 10 a day.
			{ExternalID: "c1", Name: "Primavera", Channel: "email", Start: d("2017-04-01 00:00"), End: d("2017-04-30 23:59"), Spend: money("300")},
			// 10 days in June: 100 a day.
			{ExternalID: "c2", Name: "Feria", Channel: "events", Start: d("2017-06-01 00:00"), End: d("2017-06-10 23:59"), Spend: money("1000")},
		},
		leads: []rumbo.Lead{
			{ExternalID: "L1", CreatedAt: d("2017-04-03"), Owner: "Ana", Channel: "web", Campaign: "Primavera", Market: "España", Company: "Alfa"},
			{ExternalID: "L2", CreatedAt: d("2017-04-10"), Owner: "Ana", Campaign: "Primavera", Market: "Portugal", Company: "Beta"},
			{ExternalID: "L3", CreatedAt: d("2017-05-02"), Owner: "Luis", Channel: "referral", Company: "Gamma"},
			{ExternalID: "L4", CreatedAt: d("2017-06-15"), Owner: "Luis", Channel: "web", Company: "Delta"},
			{ExternalID: "L5", CreatedAt: d("2017-03-20"), Owner: "Ana", Channel: "web", Company: "Alfa"},
		},
		deals: []rumbo.Deal{
			{ExternalID: "D1", Lead: "L1", Owner: "Ana", Customer: "Alfa", Market: "España", Amount: money("1000"), CreatedAt: d("2017-04-05"), ClosedAt: d("2017-04-20"), Status: rumbo.DealWon, FirstSeenAt: imported},
			// Owned by Luis, but its lead is Ana's; customer and market come from the lead.
			{ExternalID: "D2", Lead: "L2", Owner: "Luis", Amount: money("500"), CreatedAt: d("2017-04-12"), ClosedAt: d("2017-05-15"), Status: rumbo.DealWon, FirstSeenAt: imported},
			// Lost with amount 0.
			{ExternalID: "D3", Lead: "L3", Owner: "Luis", Customer: "Gamma", Amount: money("0"), CreatedAt: d("2017-05-03"), ClosedAt: d("2017-05-20"), Status: rumbo.DealLost, FirstSeenAt: imported},
			// Won without amount, without created_at and without lead.
			{ExternalID: "D4", Owner: "Ana", Customer: "Alfa", ClosedAt: d("2017-06-01"), Status: rumbo.DealWon, FirstSeenAt: imported},
			{ExternalID: "D5", Lead: "L5", Owner: "Ana", Customer: "Alfa", Amount: money("2000"), CreatedAt: d("2017-03-25"), ClosedAt: d("2017-03-30"), Status: rumbo.DealWon, FirstSeenAt: imported},
			{ExternalID: "D6", Owner: "Luis", Market: "Francia", Amount: money("700"), CreatedAt: d("2017-05-10"), Status: rumbo.DealOpen, FirstSeenAt: imported},
			// Open, no created_at: it appears at its first_seen_at.
			{ExternalID: "D7", Owner: "Ana", Status: rumbo.DealOpen, FirstSeenAt: d("2017-07-01")},
			{ExternalID: "D8", Lead: "L4", Owner: "Luis", Customer: "Delta", Amount: money("300"), CreatedAt: d("2017-06-20"), ClosedAt: d("2017-07-05"), Status: rumbo.DealWon, FirstSeenAt: imported},
		},
		activities: []rumbo.Activity{
			{ExternalID: "A1", Type: "call", Owner: "Ana", At: d("2017-05-02 10:00"), Lead: "L1"},
			{ExternalID: "A2", Type: "follow_up_call", Owner: "ana@acme.es", At: d("2017-05-03 10:00")},
			{ExternalID: "A3", Type: "follow_up_call", Owner: "Luis", At: d("2017-05-04 10:00"), Deal: "D3"},
			{ExternalID: "A4", Type: "presentation", Owner: "Luis", At: d("2017-06-01 10:00")},
		},
		surveys: []rumbo.Survey{
			{ExternalID: "S1", Customer: "Alfa", SentAt: d("2017-05-01"), AnsweredAt: d("2017-05-03"), Score: intp(4)},
			{ExternalID: "S2", Customer: "Beta", SentAt: d("2017-05-10"), AnsweredAt: d("2017-07-02"), Score: intp(2)},
			{ExternalID: "S3", Customer: "Gamma", SentAt: d("2017-06-01"), AnsweredAt: d("2017-06-02"), Score: intp(5), Scale: rumbo.ScaleCSAT},
			{ExternalID: "S4", Customer: "Delta", SentAt: d("2017-06-05"), AnsweredAt: d("2017-06-06"), Score: intp(9), Scale: rumbo.ScaleNPS},
		},
		inquiries: []rumbo.Inquiry{
			{ExternalID: "Q1", Customer: "Alfa", Channel: "email", ReceivedAt: d("2017-05-02 09:00"), FirstResponseAt: d("2017-05-02 11:30")},
			{ExternalID: "Q2", Customer: "Beta", Channel: "phone", ReceivedAt: d("2017-05-03 10:00"), FirstResponseAt: d("2017-05-04 10:00")},
			{ExternalID: "Q3", Customer: "Gamma", Channel: "email", ReceivedAt: d("2017-05-05 10:00")},
		},
	}
}

type kpiCase struct {
	name   string
	now    string // Madrid wall time; default 2017-08-15 12:00
	key    string
	period string // "" for none
	grain  rumbo.Grain
	by     string
	filter []Filter
	src    func(*memSource)
	// want maps "period|group" to the value as an exact rational, or
	// "null". Rows not listed must not exist.
	want map[string]string
}

func runCases(t *testing.T, cases []kpiCase) {
	loc := madrid(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := acme(t)
			if c.src != nil {
				c.src(src)
			}
			res := compute(t, src, c.now, Query{Key: c.key, Period: period(t, c.period, loc), Grain: c.grain, By: c.by, Filters: c.filter})
			got := map[string]string{}
			for _, r := range res.Rows {
				k := r.Period + "|" + r.Group[res.By]
				if r.Value == nil {
					got[k] = "null"
				} else {
					got[k] = r.Value.Rat.RatString()
				}
			}
			for k, w := range c.want {
				g, ok := got[k]
				switch {
				case !ok:
					t.Errorf("%s: no row (rows: %v)", k, got)
				case w == "null" || g == "null":
					if g != w {
						t.Errorf("%s: got %s, want %s", k, g, w)
					}
				case rat(g).Cmp(rat(w)) != 0:
					t.Errorf("%s: got %s, want %s", k, g, w)
				}
			}
			for k := range got {
				if _, ok := c.want[k]; !ok {
					t.Errorf("unexpected row %s = %s", k, got[k])
				}
			}
		})
	}
}

func period(t testing.TB, s string, loc *time.Location) *rumbo.Period {
	if s == "" {
		return nil
	}
	p, err := rumbo.ParsePeriod(s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return &p
}

func compute(t testing.TB, src *memSource, now string, q Query) *Result {
	t.Helper()
	loc := madrid(t)
	if now == "" {
		now = "2017-08-15 12:00"
	}
	n, err := time.ParseInLocation("2006-01-02 15:04", now, loc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := New(src, func() time.Time { return n }).Compute(context.Background(), &rumbo.Org{ID: 1, TimeZone: "Europe/Madrid"}, q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSales(t *testing.T) {
	runCases(t, []kpiCase{
		// D1 1000 + D2 500 + D4 (no amount) = 1500.
		{name: "revenue Q2", key: "revenue", period: "2017-Q2", want: map[string]string{"2017-Q2|": "1500"}},
		{name: "revenue by owner: the deal's", key: "revenue", period: "2017-Q2", by: "owner",
			want: map[string]string{"2017-Q2|Ana": "1000", "2017-Q2|Luis": "500"}},
		{name: "revenue by team: the owner's current team", key: "revenue", period: "2017-Q2", by: "team",
			want: map[string]string{"2017-Q2|West": "1000", "2017-Q2|East": "500"}},
		// D1's lead L1 is web; D2's lead L2 has no channel, its campaign is email; D4 has no lead.
		{name: "revenue by channel resolves through the lead", key: "revenue", period: "2017-Q2", by: "channel",
			want: map[string]string{"2017-Q2|web": "1000", "2017-Q2|email": "500", "2017-Q2|": "0"}},
		{name: "revenue filtered by team", key: "revenue", period: "2017-Q2", filter: []Filter{{"team", "east"}},
			want: map[string]string{"2017-Q2|": "500"}},
		{name: "revenue by month, zero inside the data span", key: "revenue", period: "2017-Q2", grain: rumbo.GrainMonth,
			want: map[string]string{"2017-04|": "1000", "2017-05|": "500", "2017-06|": "0"}},
		{name: "revenue empty week inside span is 0", key: "revenue", period: "2017-W19", want: map[string]string{"2017-W19|": "0"}},
		{name: "revenue before any data is null", key: "revenue", period: "2017-02", want: map[string]string{"2017-02|": "null"}},
		{name: "revenue after the last import is null", key: "revenue", period: "2017-09", want: map[string]string{"2017-09|": "null"}},
		{name: "revenue after a deletion", key: "revenue", period: "2017-Q2",
			src:  func(s *memSource) { s.deals = s.deals[1:] },
			want: map[string]string{"2017-Q2|": "500"}},
		// Closed in Q2: D1, D2, D4 won, D3 lost.
		{name: "win rate Q2 counts a won deal without amount", key: "win_rate", period: "2017-Q2", want: map[string]string{"2017-Q2|": "3/4"}},
		{name: "win rate zero denominator is null", key: "win_rate", period: "2017-W19", want: map[string]string{"2017-W19|": "null"}},
		// 2017: D5, D1, D2, D4, D8 won, D3 lost = 5/6; the mean of the monthly rates would be 0.9.
		{name: "win rate is a ratio of sums", key: "win_rate", period: "2017", want: map[string]string{"2017|": "5/6"}},
		{name: "win rate by month", key: "win_rate", period: "2017-Q2", grain: rumbo.GrainMonth,
			want: map[string]string{"2017-04|": "1", "2017-05|": "1/2", "2017-06|": "1"}},
		// D1: lead created 04-03 → 04-20 = 17 days (not from the deal's 04-05); D2: 04-10 → 05-15 = 35; D4 has no first contact.
		{name: "sales cycle from the lead's first contact", key: "sales_cycle_days", period: "2017-Q2", want: map[string]string{"2017-Q2|": "26"}},
		{name: "sales cycle null without won deals", key: "sales_cycle_days", period: "2017-W19", want: map[string]string{"2017-W19|": "null"}},
		// 1500 ÷ 2 deals with an amount.
		{name: "average deal value ignores deals without amount", key: "avg_deal_value", period: "2017-Q2", want: map[string]string{"2017-Q2|": "750"}},
		// Leads created in Q2: L1..L4. First won deals in Q2: L1 (D1), L2 (D2); L5's was in Q1, L4's in Q3.
		{name: "conversion Q2", key: "conversion_rate", period: "2017-Q2", want: map[string]string{"2017-Q2|": "1/2"}},
		{name: "conversion by owner resolves through the lead", key: "conversion_rate", period: "2017-Q2", by: "owner",
			want: map[string]string{"2017-Q2|Ana": "1", "2017-Q2|Luis": "0"}},
		{name: "conversion is a flow ratio", key: "conversion_rate", period: "2017-Q2", grain: rumbo.GrainMonth,
			want: map[string]string{"2017-04|": "1/2", "2017-05|": "1", "2017-06|": "0"}},
		// L1, L2, L4 converted within 90 days; L3 never.
		{name: "cohort conversion", key: "lead_conversion_cohort", period: "2017-Q2", want: map[string]string{"2017-Q2|": "3/4"}},
		// Open at the end of Q2: D6 and D8 (closed 07-05); D7 first seen 07-01.
		{name: "open deals at end of Q2", key: "open_deals", period: "2017-Q2", want: map[string]string{"2017-Q2|": "2"}},
		{name: "open deals now", key: "open_deals", want: map[string]string{"2017-Q3|": "2"}},
		{name: "open deals at end of 2017-05", key: "open_deals", period: "2017-05", by: "owner",
			want: map[string]string{"2017-05|Luis": "1"}},
		{name: "open deals before any data is null", key: "open_deals", period: "2016", want: map[string]string{"2016|": "null"}},
		{name: "pipeline at end of Q2", key: "pipeline_value", period: "2017-Q2", want: map[string]string{"2017-Q2|": "1000"}},
		{name: "pipeline now", key: "pipeline_value", want: map[string]string{"2017-Q3|": "700"}},
		{name: "sales per market by default", key: "new_market_sales", period: "2017-Q2",
			want: map[string]string{"2017-Q2|España": "1", "2017-Q2|Portugal": "1", "2017-Q2|": "1"}},
		// Alfa won D5 in March: D1 recurs (1000), D4 recurs without amount; D2 (Beta) is a first sale.
		{name: "recurring revenue", key: "recurring_revenue", period: "2017-Q2", want: map[string]string{"2017-Q2|": "1000"}},
		{name: "recurring revenue in Q1 is 0", key: "recurring_revenue", period: "2017-Q1", want: map[string]string{"2017-Q1|": "0"}},
	})
}

func TestMarketing(t *testing.T) {
	runCases(t, []kpiCase{
		// Spend in Q2: 300 + 1000; attributed: D1 1000 + D2 500 (leads from Primavera).
		{name: "campaign ROI Q2", key: "campaign_roi", period: "2017-Q2", want: map[string]string{"2017-Q2|": "2/13"}},
		{name: "campaign ROI by month; no spend is null", key: "campaign_roi", period: "2017-Q2", grain: rumbo.GrainMonth,
			want: map[string]string{"2017-04|": "7/3", "2017-05|": "null", "2017-06|": "-1"}},
		{name: "campaign ROI by campaign", key: "campaign_roi", period: "2017-Q2", by: "campaign",
			want: map[string]string{"2017-Q2|Primavera": "4", "2017-Q2|Feria": "-1", "2017-Q2|": "null"}},
		// Spend prorated: 15/30 × 300 + 5/10 × 1000 = 650; attributed 1000 + 500.
		{name: "ROAS with spend prorated by days", key: "roas", period: "2017-04-16..2017-06-05", want: map[string]string{"2017-04-16..2017-06-05|": "30/13"}},
		{name: "cost per lead", key: "cpl", period: "2017-Q2", want: map[string]string{"2017-Q2|": "325"}},
		{name: "cost per lead by channel", key: "cpl", period: "2017-Q2", by: "channel",
			want: map[string]string{"2017-Q2|email": "300", "2017-Q2|events": "null", "2017-Q2|referral": "0", "2017-Q2|web": "0"}},
		{name: "CAC", key: "cac", period: "2017-Q2", want: map[string]string{"2017-Q2|": "650"}},
		{name: "CAC without new customers is null", key: "cac", period: "2017-06", want: map[string]string{"2017-06|": "null"}},
		{name: "activities", key: "activities", period: "2017-Q2", want: map[string]string{"2017-Q2|": "4"}},
		{name: "activities by type filter", key: "activities", period: "2017-Q2", filter: []Filter{{"type", "follow_up_call"}}, want: map[string]string{"2017-Q2|": "2"}},
		{name: "activities by owner, name or e-mail", key: "activities", period: "2017-Q2", by: "team",
			want: map[string]string{"2017-Q2|West": "2", "2017-Q2|East": "2"}},
		{name: "activities by channel through lead and deal", key: "activities", period: "2017-Q2", by: "channel",
			want: map[string]string{"2017-Q2|web": "1", "2017-Q2|referral": "1", "2017-Q2|": "2"}},
		// The span of activities is 2017-05-02 to the import on 2017-07-10.
		{name: "activities empty month in span", key: "activities", period: "2017-07", want: map[string]string{"2017-07|": "0"}},
		{name: "activities before span", key: "activities", period: "2017-04", want: map[string]string{"2017-04|": "null"}},
		{name: "activities outside span", key: "activities", period: "2016", want: map[string]string{"2016|": "null"}},
		{name: "surveys sent", key: "surveys_sent", period: "2017-Q2", want: map[string]string{"2017-Q2|": "4"}},
		// Answered in Q2 on the CSAT scale: S1 4, S3 5 (S2 answered in July, S4 is NPS).
		{name: "CSAT", key: "csat", period: "2017-Q2", want: map[string]string{"2017-Q2|": "9/2"}},
		{name: "CSAT by customer", key: "csat", period: "2017-Q2", by: "customer",
			want: map[string]string{"2017-Q2|Alfa": "4", "2017-Q2|Gamma": "5"}},
		// Q1 2.5 h, Q2 24 h, Q3 unanswered.
		{name: "response time", key: "response_time", period: "2017-05", want: map[string]string{"2017-05|": "53/4"}},
		{name: "response time by channel", key: "response_time", period: "2017-05", by: "channel",
			want: map[string]string{"2017-05|email": "5/2", "2017-05|phone": "24"}},
	})
}
