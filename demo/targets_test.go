package demo

import (
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

var kpiKeys = []string{
	"revenue", "conversion_rate", "win_rate", "sales_cycle_days", "avg_deal_value", "activities",
	"surveys_sent", "csat", "response_time", "recurring_revenue", "new_market_sales", "campaign_roi",
}

func TestTargetsCoverCurrentQuarter(t *testing.T) {
	loc := madrid(t)
	for _, tc := range nows[:2] {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Seed: 4, Now: tc.now, Location: loc}
			cur := rumbo.PeriodOf(tc.now, rumbo.GrainQuarter, loc)
			got := map[string]map[string]int{} // kpi → scope → targets in the current quarter
			periods := map[string]bool{}
			for _, tg := range Targets(opts) {
				periods[tg.Period] = true
				if tg.Value == nil || tg.Value.Sign() <= 0 && tg.KPI != "campaign_roi" {
					t.Errorf("target %s %s %s=%s: value %v, want > 0", tg.KPI, tg.Period, tg.Scope, tg.ScopeValue, tg.Value)
				}
				if tg.Period != cur.Label {
					continue
				}
				if !tg.Start.Equal(cur.Start) || !tg.End.Equal(cur.End) || tg.Start.Location() != time.UTC {
					t.Errorf("target %s %s: %s–%s, want the quarter %s–%s in UTC", tg.KPI, tg.Period, tg.Start, tg.End, cur.Start, cur.End)
				}
				if got[tg.KPI] == nil {
					got[tg.KPI] = map[string]int{}
				}
				got[tg.KPI][tg.Scope]++
			}
			for _, k := range kpiKeys {
				if len(got[k]) == 0 {
					t.Errorf("%s: no target for %s", k, cur.Label)
				}
			}
			if got["revenue"]["team"] != 3 || got["revenue"][""] != 1 {
				t.Errorf("revenue targets by scope %v, want 1 for the organisation and 3 per team", got["revenue"])
			}
			if len(periods) != HistoryQuarters {
				t.Errorf("targets for %d quarters, want %d", len(periods), HistoryQuarters)
			}
		})
	}
}

// TestTargetsFollowPlan checks the current quarter's targets against the
// previous quarter's figures computed here from the generated records.
func TestTargetsFollowPlan(t *testing.T) {
	loc := madrid(t)
	opts := Options{Seed: 4, Now: nows[0].now, Location: loc}
	d := load(t, opts)
	var revPrev float64
	surveysPrev := 0
	for _, dl := range d.deals {
		if dl.Status == rumbo.DealWon && d.prev.Contains(dl.ClosedAt) && dl.Amount != nil {
			revPrev += float64(*dl.Amount) / 100
		}
	}
	for _, s := range d.surveys {
		if d.prev.Contains(s.SentAt) {
			surveysPrev++
		}
	}
	want := map[string]float64{
		"revenue":       revPrev * 1.20,
		"surveys_sent":  float64(surveysPrev) * 1.20,
		"response_time": meanResponse(d.inquiries, d.prev) * 0.70,
	}
	for _, tg := range Targets(opts) {
		w, ok := want[tg.KPI]
		if !ok || tg.Period != d.cur.Label || tg.Scope != "" {
			continue
		}
		got, _ := tg.Value.Float64()
		if got < w*0.99-0.1 || got > w*1.01+0.1 {
			t.Errorf("%s target %s: %.2f, want %.2f (previous quarter × plan)", tg.KPI, tg.Period, got, w)
		}
		delete(want, tg.KPI)
	}
	if len(want) > 0 {
		t.Errorf("no organisation target for %v", want)
	}
}
