package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// okrDoc is the JSON of rumbo okr status --format json.
type okrDoc struct {
	Objectives []struct {
		ID         int64    `json:"id"`
		Title      string   `json:"title"`
		Period     string   `json:"period"`
		Progress   float64  `json:"progress"`
		Status     string   `json:"status"`
		Score      *float64 `json:"score"`
		KeyResults []krDoc  `json:"key_results"`
	} `json:"objectives"`
}

type krDoc struct {
	ID              int64    `json:"id"`
	Title           string   `json:"title"`
	Kind            string   `json:"kind"`
	Start           *float64 `json:"start"`
	Target          *float64 `json:"target"`
	Current         *float64 `json:"current"`
	Progress        float64  `json:"progress"`
	Expected        float64  `json:"expected"`
	Status          string   `json:"status"`
	Score           *float64 `json:"score"`
	Forecast        *float64 `json:"forecast"`
	ForecastReaches *bool    `json:"forecast_reaches"`
	Source          string   `json:"source"`
	Reason          string   `json:"reason"`
}

// status runs okr status --format json and decodes it.
func (c *cli) status(args ...string) okrDoc {
	c.t.Helper()
	out := c.must(append([]string{"okr", "status", "--format", "json"}, args...)...)
	var doc okrDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		c.t.Fatalf("okr status: %v\n%s", err, out)
	}
	return doc
}

// byTitle indexes the key results by the start of their title.
func (d okrDoc) kr(t testing.TB, prefix string) krDoc {
	t.Helper()
	for _, o := range d.Objectives {
		for _, k := range o.KeyResults {
			if strings.HasPrefix(k.Title, prefix) {
				return k
			}
		}
	}
	t.Fatalf("no key result %q", prefix)
	return krDoc{}
}

func near(got, want float64) bool { return math.Abs(got-want) < 1e-6 }

func ptr(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprint(*f)
}

// wantKR checks a key result's figures; a NaN want skips that figure.
func wantKR(t *testing.T, step string, k krDoc, start, target, current, progress float64, status string) {
	t.Helper()
	for _, c := range []struct {
		name string
		got  *float64
		want float64
	}{{"start", k.Start, start}, {"target", k.Target, target}, {"current", k.Current, current}, {"progress", &k.Progress, progress}} {
		if math.IsNaN(c.want) {
			continue
		}
		if c.got == nil || !near(*c.got, c.want) {
			t.Errorf("%s: %s %s = %s, want %v", step, k.Title, c.name, ptr(c.got), c.want)
		}
	}
	if status != "" && k.Status != status {
		t.Errorf("%s: %s status = %s (%s), want %s", step, k.Title, k.Status, k.Reason, status)
	}
}

var skip = math.NaN()

// activitiesMapping maps a CRM's Spanish activity types to the template's.
const activitiesMapping = `entity: activities
columns:
  external_id: id
  type: Tipo
  owner: Comercial
  at: Fecha
values:
  type: {"Llamada de seguimiento": follow_up_call, "Presentación": presentation, "Llamada": call}
`

// activities returns a CRM export with n activities of typ on the Tuesday
// of each ISO week of 2026 given (W27's Tuesday is 30 June).
func activities(prefix, typ string, perWeek map[int]int) string {
	var b strings.Builder
	b.WriteString("id,Tipo,Comercial,Fecha\n")
	w1 := time.Date(2025, 12, 29, 10, 0, 0, 0, time.UTC) // Monday of 2026-W01
	for week := 1; week <= 53; week++ {
		for i := range perWeek[week] {
			day := w1.AddDate(0, 0, 7*(week-1)+1)
			fmt.Fprintf(&b, "%s-%d-%d,%s,Ana López,%s %02d:00\n", prefix, week, i, typ, day.Format("2006-01-02"), 9+i)
		}
	}
	return b.String()
}

func TestOKRThroughAQuarter(t *testing.T) {
	c := sqliteCLI(t)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFileAt(t, p, content)
		return p
	}
	mapping := file("activities.yaml", activitiesMapping)
	at := func(now string) { c.env["RUMBO_NOW"] = now }

	// Step 0, 2 April 2026 09:00: the baseline quarter 2026-Q1 is in.
	at("2026-04-02T09:00:00+02:00")
	c.must("import", "--entity", "people", file("people.csv", "external_id,name,email,team\nP1,Ana López,ana@example.com,Norte\nP2,Luis Pérez,luis@example.com,Norte\n"))
	c.must("import", "--entity", "markets", file("markets0.csv", `external_id,name,region,status,identified_at,analysed_at,entered_at,new
M1,España,Europa,entered,2019-01-01,2019-06-01,2020-01-01,no
M2,Chile,Latinoamérica,identified,2026-02-10,,,yes
M3,Perú,Latinoamérica,identified,2026-03-01,,,yes
`))
	c.must("import", "--entity", "leads", file("leads0.csv", `external_id,created_at,owner,company,market
L1,2026-01-10,Ana López,Acme,España
L2,2026-01-20,Ana López,Beta,España
L3,2026-02-01,Ana López,Foo,España
L4,2026-02-15,Ana López,Bar,España
`))
	// Q1: revenue 1000 + 1000 = 2000; conversion: L1 and L2 won of 4 leads
	// = 0.5; recurring: D1 (Acme won D0 before) = 1000.
	c.must("import", "--entity", "deals", file("deals0.csv", `external_id,lead,customer,owner,market,amount,created_at,closed_at,status
D0,,Acme,Ana López,España,500,2025-11-01,2025-12-15,won
D1,L1,Acme,Ana López,España,1000,2026-01-12,2026-02-10,won
D2,L2,Beta,Ana López,España,1000,2026-01-22,2026-03-05,won
`))
	// Q1 follow-up calls: 2 a week in W02–W13 and none in W01 (1–4
	// January, weight 0.4), which a presentation on Friday 2 January puts
	// inside the data (a week outside the data's span is no data, not 0).
	// W14 is excluded below (Easter), and its piece of Q1 (30–31 March,
	// 0.4) with it: 24 ÷ (0.4 + 12) = 1.93548 a week; +50 % → 36 ÷ 12.4 =
	// 2.90323 a week (a full week needs 3 calls).
	q1 := map[int]int{}
	for w := 2; w <= 13; w++ {
		q1[w] = 2
	}
	c.must("import", "--mapping", mapping, file("act0.csv", activities("A0", "Llamada de seguimiento", q1)+
		"P0,Presentación,Ana López,2026-01-02 10:00\n"))
	var surveys strings.Builder
	surveys.WriteString("external_id,sent_at\n")
	for i := range 10 { // Q1: 10 surveys → target 12
		fmt.Fprintf(&surveys, "S%d,2026-02-%02d\n", i+1, i+3)
	}
	c.must("import", "--entity", "surveys", file("surveys0.csv", surveys.String()))
	// Q1 response time: 10 h and 10 h → 10 h; −30 % → 7 h.
	c.must("import", "--entity", "inquiries", file("inq0.csv", `external_id,received_at,first_response_at
I1,2026-02-02 09:00,2026-02-02 19:00
I2,2026-03-02 09:00,2026-03-02 19:00
`))
	// Easter week (W14: 1–5 April in Q2, weight 0.6) is a holiday: Q2 has
	// 0.6 + 12 + 0.4 = 13 weeks, 12.4 once it is left out.
	c.must("okr", "exclude-week", "2026-W14")
	c.must("okr", "template", "apply", "ventas", "--period", "2026-Q2", "--lang", "en")
	out := c.must("okr", "objective", "add", "--title", "Delight customers", "--period", "2026-Q2", "--type", "aspirational")
	if !strings.Contains(out, "Objective 4") {
		t.Fatalf("objective add: %s", out)
	}
	c.must("okr", "kr", "add", "4", "--kind", "manual", "--title", "NPS", "--unit", "number", "--start", "30", "--target", "45")

	doc := c.status("--period", "2026-Q2")
	if n := len(doc.Objectives); n != 4 {
		t.Fatalf("%d objectives, want 4 (the template's 3 and one by hand)", n)
	}
	// Frozen starts and targets from Q1.
	s0 := "step 0"
	wantKR(t, s0, doc.kr(t, "Increase total revenue"), 0, 2400, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Increase follow-up calls"), 0, 36/12.4, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Improve the customer conversion"), 0.5, 0.55, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Give 3 product"), 0, 3, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Increase satisfaction surveys"), 0, 12, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Reduce response time"), 10, 7, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Increase recurring sales"), 0, 1150, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Make at least 2 sales"), 0, 2, skip, 0, "")
	wantKR(t, s0, doc.kr(t, "Identify and analyse"), 0, 3, 0, 0, "")

	// Step 1, Monday 20 April 10:00: 466 h of Q2's 2184 h → expected 0.21337.
	at("2026-04-20T10:00:00+02:00")
	c.must("import", "--entity", "markets", file("markets1.csv", "external_id,name,status,analysed_at,new\nM2,Chile,analysed,2026-04-15,yes\n"))
	c.must("import", "--entity", "leads", file("leads1.csv", `external_id,created_at,owner,company,market
L5,2026-04-02,Ana López,Gamma,España
L6,2026-04-03,Ana López,Delta,Chile
L7,2026-04-06,Ana López,Foo2,España
L8,2026-04-08,Ana López,Bar2,España
`))
	c.must("import", "--entity", "deals", file("deals1.csv", `external_id,lead,customer,owner,market,amount,created_at,closed_at,status
D3,L5,Gamma,Ana López,España,600,2026-04-03,2026-04-10,won
D4,,Acme,Ana López,España,400,2026-04-10,2026-04-14,won
D5,L6,Delta,Ana López,Chile,500,2026-04-06,2026-04-16,won
`))
	c.must("import", "--mapping", mapping, file("act1.csv",
		activities("A1", "Llamada de seguimiento", map[int]int{15: 3, 16: 2})+
			strings.TrimPrefix(activities("B1", "Presentación", map[int]int{15: 3, 16: 1}), "id,Tipo,Comercial,Fecha\n")))
	c.must("import", "--entity", "surveys", file("surveys1.csv", "external_id,sent_at\nS11,2026-04-07\nS12,2026-04-08\nS13,2026-04-09\nS14,2026-04-10\n"))
	c.must("import", "--entity", "inquiries", file("inq1.csv", `external_id,received_at,first_response_at
I3,2026-04-07 09:00,2026-04-07 17:00
I4,2026-04-14 09:00,2026-04-14 17:00
`))
	c.must("okr", "checkin", fmt.Sprint(doc.kr(t, "NPS").ID), "--value", "36", "--confidence", "7", "--as", "ana@example.com")
	doc = c.status()
	s1 := "step 1"
	x1 := 466.0 / 2184
	if k := doc.kr(t, "Increase total revenue"); !near(k.Expected, x1) {
		t.Errorf("%s: expected = %v, want %v", s1, k.Expected, x1)
	}
	// Revenue 600 + 400 + 500 = 1500 of 2400 = 0.625: on track.
	// Snapshots: the status at step 0 (33 h into Q2) recorded the day's
	// revenue so far, 0; the deals import now recorded 1500 at 466 h. The
	// line through them ends at 1500 × (2184 − 33) ÷ (466 − 33) = 7451.50.
	rev := doc.kr(t, "Increase total revenue")
	wantKR(t, s1, rev, 0, 2400, 1500, 0.625, "on_track")
	wantForecast(t, s1, rev, 1500*2151.0/433, true)
	// Calls: W15 3 (met: ≥ 2.903), W16 2 → 1 ÷ 12.4 = 0.0806; gap 0.13 →
	// at risk; mean rate (3 + 2) ÷ 2 = 2.5.
	wantKR(t, s1, doc.kr(t, "Increase follow-up calls"), 0, 36/12.4, 2.5, 1/12.4, "at_risk")
	// Conversion: L5 and L6 won of 4 leads = 0.5, the start: 0 → at risk.
	wantKR(t, s1, doc.kr(t, "Improve the customer conversion"), 0.5, 0.55, 0.5, 0, "at_risk")
	// Presentations: W15 3 met, W16 1 → 1 ÷ 12.4; mean 2.
	wantKR(t, s1, doc.kr(t, "Give 3 product"), 0, 3, 2, 1/12.4, "at_risk")
	// Chile analysed on 15 April: 1 of 3.
	wantKR(t, s1, doc.kr(t, "Identify and analyse"), 0, 3, 1, 1.0/3, "on_track")
	// New markets Chile (1 sale: 0.5) and Perú (none: 0) → 0.25.
	wantKR(t, s1, doc.kr(t, "Make at least 2 sales"), 0, 2, 0.5, 0.25, "on_track")
	wantKR(t, s1, doc.kr(t, "Increase satisfaction surveys"), 0, 12, 4, 4.0/12, "on_track")
	// Response time 8 h: (8 − 10) ÷ (7 − 10) = 2/3.
	resp := doc.kr(t, "Reduce response time")
	wantKR(t, s1, resp, 10, 7, 8, 2.0/3, "on_track")
	if resp.Forecast != nil {
		t.Errorf("%s: response time forecast from one snapshot = %v, want null", s1, *resp.Forecast)
	}
	wantKR(t, s1, doc.kr(t, "Increase recurring sales"), 0, 1150, 400, 400.0/1150, "on_track")
	// NPS 36 of 30 → 45 = 0.4.
	wantKR(t, s1, doc.kr(t, "NPS"), 30, 45, 36, 0.4, "on_track")
	if got := []string{doc.Objectives[0].Status, doc.Objectives[1].Status, doc.Objectives[2].Status}; strings.Join(got, " ") != "at_risk on_track on_track" {
		t.Errorf("%s: objective statuses %v, want at_risk on_track on_track", s1, got)
	}

	// Step 2, Monday 18 May 10:00: 1138 h → expected 0.52106.
	at("2026-05-18T10:00:00+02:00")
	c.must("import", "--entity", "markets", file("markets2.csv", "external_id,name,status,analysed_at,new\nM3,Perú,analysed,2026-05-12,yes\n"))
	c.must("import", "--entity", "leads", file("leads2.csv", "external_id,created_at,owner,company\nL9,2026-05-04,Ana López,Qux\nL10,2026-05-06,Ana López,Quux\n"))
	c.must("import", "--entity", "deals", file("deals2.csv", "external_id,customer,owner,market,amount,closed_at,status\nD6,Beta,Ana López,España,500,2026-05-05,won\n"))
	c.must("import", "--mapping", mapping, file("act2.csv", activities("A2", "Llamada de seguimiento", map[int]int{17: 3, 18: 3, 19: 1, 20: 3})))
	c.must("import", "--entity", "surveys", file("surveys2.csv", "external_id,sent_at\nS15,2026-05-05\nS16,2026-05-06\n"))
	c.must("import", "--entity", "inquiries", file("inq2.csv", `external_id,received_at,first_response_at
I5,2026-05-05 09:00,2026-05-05 16:00
I6,2026-05-12 09:00,2026-05-12 16:00
`))
	s2 := "step 2"
	nps := fmt.Sprint(doc.kr(t, "NPS").ID)
	// Silence is never green: no NPS check-in for 28 days.
	doc = c.status()
	if k := doc.kr(t, "NPS"); k.Status != "off_track" && k.Status != "at_risk" || !strings.Contains(k.Reason, "no check-in for 28 days") {
		t.Errorf("%s: silent NPS status %s reason %q, want at least at risk, no check-in for 28 days", s2, k.Status, k.Reason)
	}
	c.must("okr", "checkin", nps, "--value", "33", "--confidence", "6", "--comment", "cae", "--as", "ana@example.com")
	c.must("okr", "checkin", fmt.Sprint(rev.ID), "--confidence", "2", "--comment", "two customers delay", "--as", "luis@example.com")
	doc = c.status()
	// Revenue 2000 ÷ 2400 = 0.833 is on pace, but confidence 2 → at risk.
	// Snapshots (hours into Q2, revenue): (33, 0), (466, 1500), (1138,
	// 2000): x̄ = 545.667, ȳ = 1166.667, Sxy = 1,065,166.67, Sxx =
	// 620,032.67, slope 1.717920 an hour → 1166.667 + 1.717920 × (2184 −
	// 545.667) = 3981.19 (exactly 3702704250/930049): reaches 2400.
	rev = doc.kr(t, "Increase total revenue")
	wantKR(t, s2, rev, 0, 2400, 2000, 2000.0/2400, "at_risk")
	if rev.Reason != "confidence 2/10" {
		t.Errorf("%s: revenue reason %q, want confidence 2/10", s2, rev.Reason)
	}
	wantForecast(t, s2, rev, 3702704250.0/930049, true)
	// Calls met W15, W17, W18, W20 (W16 2, W19 1): 4 ÷ 12.4 = 0.3226; gap
	// 0.52106 − 0.3226 = 0.198 → at risk. Mean (3+2+3+3+1+3) ÷ 6 = 2.5.
	wantKR(t, s2, doc.kr(t, "Increase follow-up calls"), 0, 36/12.4, 2.5, 4/12.4, "at_risk")
	// Conversion 2 ÷ 6 leads = 0.333, below the start → 0: off track.
	wantKR(t, s2, doc.kr(t, "Improve the customer conversion"), 0.5, 0.55, 2.0/6, 0, "off_track")
	// No presentations since W15: 1 ÷ 12.4 → off track.
	wantKR(t, s2, doc.kr(t, "Give 3 product"), 0, 3, skip, 1/12.4, "off_track")
	wantKR(t, s2, doc.kr(t, "Identify and analyse"), 0, 3, 2, 2.0/3, "on_track")
	// Still Chile 1, Perú 0: 0.25, gap 0.271 → off track.
	wantKR(t, s2, doc.kr(t, "Make at least 2 sales"), 0, 2, 0.5, 0.25, "off_track")
	// Surveys 6 of 12; snapshots (33, 0), (466, 4), (1138, 6): ȳ = 3.333,
	// Sxy = 3235.33, slope 0.0052180 an hour → 3.333 + 0.0052180 × 1638.33
	// = 11.88 (11050995/930049) < 12: does not reach.
	surv := doc.kr(t, "Increase satisfaction surveys")
	wantKR(t, s2, surv, 0, 12, 6, 0.5, "on_track")
	wantForecast(t, s2, surv, 11050995.0/930049, false)
	// Response (8+8+7+7) ÷ 4 = 7.5 h → 2.5 ÷ 3 = 0.833. No value at step 0
	// (no inquiry in Q2 yet), so the line goes through (466, 8) and (1138,
	// 7.5): slope −0.5 ÷ 672 an hour → 7.5 − 0.5 × 1046 ÷ 672 = 6.72 ≤ 7.
	resp = doc.kr(t, "Reduce response time")
	wantKR(t, s2, resp, 10, 7, 7.5, 2.5/3, "on_track")
	wantForecast(t, s2, resp, 7.5-1.625*1046.0/2184, true)
	rec := doc.kr(t, "Increase recurring sales")
	wantKR(t, s2, rec, 0, 1150, 900, 900.0/1150, "on_track")
	// Recurring snapshots (33, 0), (466, 400), (1138, 900): ȳ = 433.33,
	// Sxy = 501,233.33, slope 0.808398 → 1757.76 (1634802150/930049).
	wantForecast(t, s2, rec, 1634802150.0/930049, true)
	// NPS went down to 33: 0.2; check-ins (x1, 36), (x2, 33): slope
	// −3 × 3.25 → 33 − 9.75 × 1046/2184 = 28.33: does not reach.
	npsKR := doc.kr(t, "NPS")
	wantKR(t, s2, npsKR, 30, 45, 33, 0.2, "off_track")
	wantForecast(t, s2, npsKR, 33-9.75*1046.0/2184, false)
	if got := []string{doc.Objectives[0].Status, doc.Objectives[1].Status, doc.Objectives[2].Status}; strings.Join(got, " ") != "off_track off_track on_track" {
		t.Errorf("%s: objective statuses %v, want off_track off_track on_track", s2, got)
	}

	// Step 3, 1 July 10:00: Q2 is over; the rest of the quarter is imported.
	at("2026-07-01T10:00:00+02:00")
	c.must("import", "--entity", "leads", file("leads3.csv", "external_id,created_at,owner,company,market\nL11,2026-06-01,Ana López,Epsilon,Perú\nL12,2026-06-02,Ana López,Zeta,Chile\n"))
	c.must("import", "--entity", "deals", file("deals3.csv", `external_id,lead,customer,owner,market,amount,closed_at,status
D7,L11,Epsilon,Ana López,Perú,700,2026-06-10,won
D8,L12,Zeta,Ana López,Chile,300,2026-06-15,won
`))
	q3 := map[int]int{27: 2} // W27 = 29–30 June, weight 0.4: needs 0.4 × 2.903 = 1.16, 2 meet it
	for w := 21; w <= 26; w++ {
		q3[w] = 3
	}
	c.must("import", "--mapping", mapping, file("act3.csv", activities("A3", "Llamada de seguimiento", q3)))
	c.must("import", "--entity", "surveys", file("surveys3.csv", "external_id,sent_at\nS17,2026-06-02\nS18,2026-06-03\nS19,2026-06-04\nS20,2026-06-05\nS21,2026-06-08\n"))
	c.env["RUMBO_NOW"] = "2026-06-29T18:00:00+02:00"
	c.must("okr", "checkin", nps, "--value", "45", "--confidence", "9", "--as", "ana@example.com")
	at("2026-07-01T10:00:00+02:00")
	if _, _, err := c.run("okr", "close", "--period", "2026-Q3"); err == nil {
		t.Errorf("closing 2026-Q3, which has no objectives, succeeded")
	}
	out = c.must("okr", "close", "--period", "2026-Q2")
	doc = c.status("--period", "2026-Q2")
	// Final scores: revenue 3000 ≥ 2400 → 1.00; calls met 4 + 6 + 0.4 =
	// 10.4 of 12.4 → 0.84; conversion 4 ÷ 8 = 0.5 → 0.00; presentations
	// 1 ÷ 12.4 → 0.08. Objective (1 + 0.84 + 0 + 0.08) ÷ 4 = 0.48.
	// Markets 2 of 3 → 0.67; Chile 2 (1.0), Perú 1 (0.5) → 0.75; objective
	// 0.71. Surveys 11 ÷ 12 → 0.92; response 0.83; recurring 900 ÷ 1150 →
	// 0.78; objective 2.53 ÷ 3 → 0.84. NPS 45 → 1.00.
	wantScores := map[string]float64{
		"Increase total revenue": 1, "Increase follow-up calls": 0.84, "Improve the customer conversion": 0,
		"Give 3 product": 0.08, "Identify and analyse": 0.67, "Make at least 2 sales": 0.75,
		"Increase satisfaction surveys": 0.92, "Reduce response time": 0.83, "Increase recurring sales": 0.78, "NPS": 1,
	}
	for prefix, want := range wantScores {
		if k := doc.kr(t, prefix); k.Score == nil || *k.Score != want {
			t.Errorf("score of %s = %s, want %v", prefix, ptr(k.Score), want)
		}
	}
	for i, want := range []float64{0.48, 0.71, 0.84, 1} {
		if o := doc.Objectives[i]; o.Score == nil || *o.Score != want {
			t.Errorf("score of objective %q = %s, want %v", o.Title, ptr(o.Score), want)
		}
	}
	if rev := doc.kr(t, "Increase total revenue"); rev.Forecast == nil || *rev.Forecast != 3000 || rev.Status != "on_track" {
		t.Errorf("final revenue forecast %s status %s, want 3000 (the final value), on track", ptr(rev.Forecast), rev.Status)
	}
	// Markets were last imported on 18 May: stale at the period's end.
	if k := doc.kr(t, "Identify and analyse"); !strings.Contains(k.Reason, "data last imported 44 days ago") {
		t.Errorf("markets reason %q, want data last imported 44 days ago", k.Reason)
	}
	if !strings.Contains(out, "0.48") || !strings.Contains(out, "missed: a committed OKR") {
		t.Errorf("okr close output:\n%s", out)
	}
	// Override the calls KR to 0.6 (holidays): the objective's computed
	// score becomes (1 + 0.6 + 0 + 0.08) ÷ 4 = 0.42; override it to 0.5.
	calls := doc.kr(t, "Increase follow-up calls")
	c.must("okr", "score", fmt.Sprint(calls.ID), "--override", "0.6", "--note", "festivos")
	c.must("okr", "score", fmt.Sprintf("O%d", doc.Objectives[0].ID), "--override", "0.5", "--note", "good effort")
	doc = c.status("--period", "2026-Q2")
	if k := doc.kr(t, "Increase follow-up calls"); k.Score == nil || *k.Score != 0.6 {
		t.Errorf("overridden calls score = %s, want 0.6", ptr(k.Score))
	}
	if o := doc.Objectives[0]; o.Score == nil || *o.Score != 0.5 {
		t.Errorf("overridden objective score = %s, want 0.5", ptr(o.Score))
	}
	show := c.must("okr", "objective", "show", fmt.Sprint(doc.Objectives[0].ID))
	for _, want := range []string{"score 0.50 (computed 0.42; good effort)", "score 0.60 (computed 0.84; festivos)"} {
		if !strings.Contains(show, want) {
			t.Errorf("objective show lacks %q:\n%s", want, show)
		}
	}
}

func wantForecast(t *testing.T, step string, k krDoc, want float64, reaches bool) {
	t.Helper()
	if k.Forecast == nil || math.Abs(*k.Forecast-want) > 1e-6 {
		t.Errorf("%s: %s forecast = %s, want %v", step, k.Title, ptr(k.Forecast), want)
	}
	if k.ForecastReaches == nil || *k.ForecastReaches != reaches {
		t.Errorf("%s: %s forecast reaches = %v, want %v", step, k.Title, k.ForecastReaches, reaches)
	}
}

func writeFileAt(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDemoOKRs(t *testing.T) {
	c, _ := demoCopy(t) // loaded at demoNow, mid 2026-Q4
	doc := c.status()
	krs, data := 0, 0
	statuses := map[string]bool{}
	for _, o := range doc.Objectives {
		if o.Period != "2026-Q4" || o.Score != nil {
			t.Errorf("objective %q: period %s score %s, want 2026-Q4 and no score yet", o.Title, o.Period, ptr(o.Score))
		}
		for _, k := range o.KeyResults {
			krs++
			if k.Source == "data" {
				data++
			}
			statuses[k.Status] = true
			if k.Progress < 0 || k.Progress > 1 || !near(k.Expected, doc.Objectives[0].KeyResults[0].Expected) {
				t.Errorf("%s: progress %v expected %v", k.Title, k.Progress, k.Expected)
			}
		}
	}
	if len(doc.Objectives) != 3 || krs != 9 || data < 8 || len(statuses) < 2 {
		t.Errorf("demo status: %d objectives, %d key results, %d from data, statuses %v; want 3, 9, ≥ 8, ≥ 2",
			len(doc.Objectives), krs, data, statuses)
	}
	// The previous quarter is closed with scores.
	prev := c.status("--period", "2026-Q3")
	if len(prev.Objectives) != 3 {
		t.Fatalf("2026-Q3 has %d objectives, want 3", len(prev.Objectives))
	}
	for _, o := range prev.Objectives {
		if o.Score == nil {
			t.Errorf("2026-Q3 objective %q has no score", o.Title)
		}
		for _, k := range o.KeyResults {
			if k.Score == nil || *k.Score != math.Round(k.Progress*100)/100 {
				t.Errorf("2026-Q3 %s: score %s, want its final progress %v rounded", k.Title, ptr(k.Score), k.Progress)
			}
		}
	}
	// The status recorded today's snapshots: a second run the same day
	// records none.
	if out := c.must("okr", "snapshot"); out != "Recorded 0 snapshots.\n" {
		t.Errorf("okr snapshot after status: %q, want none recorded", out)
	}
	c.env["RUMBO_NOW"] = "2026-11-13T10:00:00+01:00"
	if out := c.must("okr", "snapshot"); out != "Recorded 5 snapshots.\n" {
		t.Errorf("okr snapshot the next day: %q, want the 5 metric key results", out)
	}
	out := c.must("okr", "status")
	for _, want := range []string{"Aumentar las ventas un 20%", "KR", "on track"} {
		if !strings.Contains(out, want) {
			t.Errorf("okr status table lacks %q:\n%s", want, out)
		}
	}
}
