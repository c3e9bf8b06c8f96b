package http

import (
	"context"
	"fmt"
	"math/big"
	nethttp "net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// headlineKPIs are the article's five KPIs, shown first (no analysis paralysis).
var headlineKPIs = []string{"revenue", "conversion_rate", "sales_cycle_days", "avg_deal_value", "campaign_roi"}

// KPIsCookie remembers the KPIs a user added to the dashboard in this browser.
const KPIsCookie = "rumbo_kpis"

// staleAfter is how old data may be before the dashboard flags it.
const staleAfter = 14 * 24 * time.Hour

// scopeFilter is the dashboard's team / rep / market filter.
type scopeFilter struct {
	Field, Value string
}

// Query returns the filter as query parameters.
func (f scopeFilter) Query() string {
	if f.Field == "" {
		return ""
	}
	return url.Values{f.Field: {f.Value}}.Encode()
}

func (f scopeFilter) filters() []metric.Filter {
	if f.Field == "" {
		return nil
	}
	return []metric.Filter{{Field: f.Field, Value: f.Value}}
}

// readScope reads the team, owner or market filter of a request; a member
// without the leaderboard may filter only on themselves.
func readScope(r *nethttp.Request, c *caller) (scopeFilter, error) {
	q := r.URL.Query()
	if f, v, ok := strings.Cut(q.Get("f"), "="); ok {
		q.Set(f, v)
	}
	for _, k := range []string{"owner", "team", "market"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			if k == "owner" && !c.seesOthers() && !strings.EqualFold(v, c.member.Person) {
				return scopeFilter{}, rumbo.Errorf(rumbo.EFORBIDDEN, "members see only their own per-rep figures")
			}
			return scopeFilter{Field: k, Value: v}, nil
		}
	}
	return scopeFilter{}, nil
}

// gauge is one KPI card of the dashboard.
type gauge struct {
	Key, Name, Unit string
	Value, Target   string // formatted
	ValueTitle      string // the explanation of the value
	Health          rumbo.Health
	Achievement     string
	Change          string // against the same span of the previous period
	ChangeUp        bool
	ChangeGood      bool
	Week            string // the last complete week's value
	WeekLabel       string
	AsOf            time.Time
	Stale           bool
	Playbook        string
	Removable       bool
	Chart           chartData
}

// chartData is what app.js draws; it goes to the page as JSON.
type chartData struct {
	Kind   string     `json:"kind"`
	Labels []string   `json:"labels,omitempty"`
	Values []*float64 `json:"values,omitempty"`
	Target []*float64 `json:"target,omitempty"`
	Texts  []string   `json:"texts,omitempty"`
	Colors []string   `json:"colors,omitempty"`
	// Full names each label's period in full for the tooltip, when the
	// label is shortened (a week clipped by the series' start or end).
	Full []string `json:"full,omitempty"`
	// Gauge: the achievement in percent, its bands and the health colour.
	Gauge  *float64  `json:"gauge,omitempty"`
	Max    float64   `json:"max,omitempty"`
	Yellow float64   `json:"yellow,omitempty"`
	Green  float64   `json:"green,omitempty"`
	Color  string    `json:"color,omitempty"`
	Label  string    `json:"label,omitempty"`
	Names  [2]string `json:"names,omitempty"`
}

// healthColors are the colours of health on charts (text uses badges).
var healthColors = map[rumbo.Health]string{rumbo.HealthGreen: "#1a7f37", rumbo.HealthYellow: "#b58100", rumbo.HealthRed: "#c4320a", rumbo.HealthNone: "#8c959f"}

type dashboardView struct {
	Period      string // quarter, month or week
	PeriodLabel string
	Scope       scopeFilter
	Headline    []gauge
	More        []gauge
	Addable     []rumbo.KPIDef
	Teams       []string
	Reps        []string
	Markets     []string
	Objectives  []okrRow
	Empty       bool
	Custom      bool
}

// dashPeriods returns the dashboard's period and the previous period's
// span of the same length: the quarter or month to date, or the last
// complete week.
func dashPeriods(kind string, now time.Time, loc *time.Location) (cur, prev rumbo.Period) {
	now = now.In(loc)
	switch kind {
	case "week":
		cur = rumbo.PeriodOf(now.AddDate(0, 0, -7), rumbo.GrainWeek, loc)
		return cur, cur.Previous()
	case "month":
		cur = rumbo.PeriodOf(now, rumbo.GrainMonth, loc)
	default:
		cur = rumbo.PeriodOf(now, rumbo.GrainQuarter, loc)
	}
	p := cur.Previous()
	elapsed := now.Sub(cur.Start)
	prev = rumbo.Period{Start: p.Start, End: p.Start.Add(elapsed), Label: p.Label}
	if prev.End.After(p.End) {
		prev.End = p.End
	}
	return cur, prev
}

// chosenKPIs returns the KPIs the user added to the dashboard.
func chosenKPIs(r *nethttp.Request) []string {
	ck, err := r.Cookie(KPIsCookie)
	if err != nil {
		return nil
	}
	var out []string
	for _, k := range strings.Split(ck.Value, ".") {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(out, k) && !slices.Contains(headlineKPIs, k) {
			out = append(out, k)
		}
	}
	return out
}

// dashboardPage is the panel: a speedometer per KPI and the quarter's objectives.
func (s *Server) dashboardPage(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	ctx := r.Context()
	v.Title, v.Nav = T(v.Lang, "dash.title"), "dashboard"
	scope, err := readScope(r, c)
	if err != nil {
		return err
	}
	dv := &dashboardView{Period: r.URL.Query().Get("period"), Scope: scope}
	if dv.Period != "week" && dv.Period != "month" {
		dv.Period = "quarter"
	}
	defs, err := s.engine.Definitions(ctx, c.org)
	if err != nil {
		return err
	}
	byKey := map[string]rumbo.KPIDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	chosen := chosenKPIs(r)
	var keys []string
	for _, k := range append(append([]string{}, headlineKPIs...), chosen...) {
		if _, ok := byKey[k]; ok {
			keys = append(keys, k)
		}
	}
	for _, d := range defs {
		if !slices.Contains(keys, d.Key) {
			dv.Addable = append(dv.Addable, d)
		}
	}
	// The quarter's objectives are computed while the gauges are.
	q := rumbo.PeriodOf(v.Now.In(v.Loc), rumbo.GrainQuarter, v.Loc)
	var okrErr error
	okrDone := make(chan struct{})
	go func() {
		defer close(okrDone)
		dv.Objectives, okrErr = s.okrRows(ctx, r, c, v, q)
	}()
	gauges := make([]gauge, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gauges[i], errs[i] = s.gauge(ctx, c, v, byKey[k], dv.Period, scope)
		}()
	}
	wg.Wait()
	<-okrDone
	if okrErr != nil {
		return okrErr
	}
	for i, g := range gauges {
		if errs[i] != nil {
			return errs[i]
		}
		if i < len(headlineKPIs) && slices.Contains(headlineKPIs, g.Key) {
			dv.Headline = append(dv.Headline, g)
		} else {
			g.Removable = true
			dv.More = append(dv.More, g)
		}
	}
	dv.Empty = true
	for _, g := range gauges {
		if !g.AsOf.IsZero() {
			dv.Empty = false
		}
	}
	cur, _ := dashPeriods(dv.Period, v.Now, v.Loc)
	dv.PeriodLabel = periodText(cur, v)
	if dv.Teams, dv.Reps, dv.Markets, err = s.dimensions(ctx, c); err != nil {
		return err
	}
	v.Data = dv
	return s.render(w, nethttp.StatusOK, "dashboard", "", v)
}

// periodText describes a period: "2026-Q4 · 01/10/2026 – 27/11/2026".
func periodText(p rumbo.Period, v *view) string {
	end := p.End.Add(-time.Second)
	if v.Now.Before(end) {
		end = v.Now
	}
	return p.Label + " · " + fmtDate(p.Start, v.Loc, v.Lang) + " – " + fmtDate(end, v.Loc, v.Lang)
}

// dimensions lists the teams, reps and markets for the filter; members
// without the leaderboard see only themselves among the reps.
func (s *Server) dimensions(ctx context.Context, c *caller) (teams, reps, markets []string, err error) {
	ts, err := s.store.Teams(ctx, c.org.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, t := range ts {
		teams = append(teams, t.Name)
	}
	ps, err := s.store.People(ctx, c.org.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, p := range ps {
		if c.seesOthers() || strings.EqualFold(p.Name, c.member.Person) {
			reps = append(reps, p.Name)
		}
	}
	ms, err := s.store.Markets(ctx, c.org.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, m := range ms {
		markets = append(markets, m.Name)
	}
	return teams, reps, markets, nil
}

// total folds a result's rows into one row: the only row, or for a KPI
// broken down by default, the sum (additive) with the weakest health.
func total(res *metric.Result, additive bool) *metric.Row {
	switch len(res.Rows) {
	case 0:
		return nil
	case 1:
		return &res.Rows[0]
	}
	row := res.Rows[0]
	row.Value, row.Target, row.ProRataTarget, row.Achievement = nil, nil, nil, nil
	if !additive {
		return &row
	}
	sum := new(big.Rat)
	rank := map[rumbo.Health]int{rumbo.HealthRed: 0, rumbo.HealthYellow: 1, rumbo.HealthGreen: 2, rumbo.HealthNone: 3}
	for _, x := range res.Rows {
		if x.Value != nil {
			sum.Add(sum, x.Value.Rat)
			row.Value = &metric.Value{Rat: sum, Unit: x.Value.Unit, Decimals: x.Value.Decimals}
		}
		if rank[x.Health] < rank[row.Health] {
			row.Health = x.Health
		}
	}
	return &row
}

// gauge computes one KPI card: the value for the period against its
// pro-rata target, the change against the previous period's same span, the
// last complete week, and a weekly sparkline.
func (s *Server) gauge(ctx context.Context, c *caller, v *view, d rumbo.KPIDef, kind string, scope scopeFilter) (gauge, error) {
	g := gauge{Key: d.Key, Name: kpiName(d, v.Lang), Unit: d.Unit, Health: rumbo.HealthNone}
	cur, prev := dashPeriods(kind, v.Now, v.Loc)
	week := rumbo.PeriodOf(v.Now.In(v.Loc).AddDate(0, 0, -7), rumbo.GrainWeek, v.Loc)
	sparkStart := rumbo.PeriodOf(v.Now.In(v.Loc).AddDate(0, 0, -7*12), rumbo.GrainWeek, v.Loc)
	spark := rumbo.Period{Start: sparkStart.Start, End: rumbo.PeriodOf(v.Now.In(v.Loc), rumbo.GrainWeek, v.Loc).End}
	spark.Label = spark.Start.Format("2006-01-02") + ".." + spark.End.Format("2006-01-02")
	f := scope.filters()
	res, err := s.engine.Compute(ctx, c.org, metric.Query{Key: d.Key, Period: &cur, Filters: f})
	if err != nil {
		return g, err
	}
	g.AsOf = res.AsOf
	g.Stale = !res.AsOf.IsZero() && v.Now.Sub(res.AsOf) > staleAfter
	row := total(res, d.Additive)
	if row == nil {
		return g, nil
	}
	g.Value = fmtValue(row.Value, c.org.Currency, v.Lang)
	g.Target = fmtValue(row.ProRataTarget, c.org.Currency, v.Lang)
	g.Health = row.Health
	g.ValueTitle = explain(d, row, c.org.Currency, v.Lang)
	if row.Achievement != nil {
		g.Achievement = fmtPct(*row.Achievement, 0, v.Lang)
	}
	if (g.Health == rumbo.HealthYellow || g.Health == rumbo.HealthRed) && d.Playbook != nil {
		g.Playbook = localText(d.Playbook, v.Lang)
	}
	bands, err := s.bandsOf(ctx, c, d.Key)
	if err != nil {
		return g, err
	}
	g.Chart = gaugeChart(row, bands)
	if pr, err := s.engine.Compute(ctx, c.org, metric.Query{Key: d.Key, Period: &prev, Filters: f}); err == nil {
		if p := total(pr, d.Additive); p != nil && p.Value != nil && row.Value != nil && p.Value.Float64() != 0 {
			ch := (row.Value.Float64() - p.Value.Float64()) / absf(p.Value.Float64())
			g.ChangeUp = ch >= 0
			g.ChangeGood = g.ChangeUp != d.LowerIsBetter
			sign := "+"
			if ch < 0 {
				sign = "−"
			}
			g.Change = sign + fmtPct(absf(ch), 1, v.Lang)
		}
	}
	if wr, err := s.engine.Compute(ctx, c.org, metric.Query{Key: d.Key, Period: &week, Filters: f}); err == nil {
		if wrow := total(wr, d.Additive); wrow != nil {
			g.Week, g.WeekLabel = fmtValue(wrow.Value, c.org.Currency, v.Lang), week.Label
		}
	}
	if sr, err := s.engine.Compute(ctx, c.org, metric.Query{Key: d.Key, Period: &spark, Grain: rumbo.GrainWeek, Filters: f}); err == nil {
		sp := chartData{Kind: "spark", Color: healthColors[g.Health]}
		seen := map[string]int{}
		for _, x := range sr.Rows {
			i, ok := seen[x.Period]
			if !ok {
				i = len(sp.Labels)
				seen[x.Period] = i
				sp.Labels = append(sp.Labels, x.Period)
				sp.Values = append(sp.Values, nil)
				sp.Texts = append(sp.Texts, "")
			}
			if x.Value != nil {
				f := x.Value.Float64()
				if sp.Values[i] != nil {
					f += *sp.Values[i]
				}
				sp.Values[i] = &f
				sp.Texts[i] = x.Period + ": " + fmtUnit(f, d.Unit, c.org.Currency, v.Lang)
			}
		}
		g.Chart.Names = [2]string{"", ""}
		g.Chart.Labels, g.Chart.Values, g.Chart.Texts = sp.Labels, sp.Values, sp.Texts
	}
	return g, nil
}

func absf(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// bandsOf returns a KPI's health bands.
func (s *Server) bandsOf(ctx context.Context, c *caller, key string) (rumbo.Bands, error) {
	all, err := s.store.AllBands(ctx, c.org.ID)
	if err != nil {
		return rumbo.Bands{}, err
	}
	if b, ok := all[key]; ok {
		return b, nil
	}
	return rumbo.DefaultBands, nil
}

// gaugeChart is the speedometer: achievement against the pro-rata target,
// 0–150 %, with the health bands on the dial.
func gaugeChart(row *metric.Row, b rumbo.Bands) chartData {
	cd := chartData{Kind: "gauge", Max: 150, Yellow: 90, Green: 100, Color: healthColors[row.Health]}
	if !b.Absolute {
		cd.Yellow, cd.Green = b.Yellow*100, b.Green*100
	}
	if row.Achievement != nil {
		a := *row.Achievement * 100
		cd.Gauge = &a
		if a > cd.Max {
			cd.Max = a
		}
	}
	return cd
}

// explain says in one sentence how a row's value and target came about.
func explain(d rumbo.KPIDef, row *metric.Row, currency, lang string) string {
	n := 0
	if row.Stats != nil {
		n = row.Stats.Count
	}
	val := fmtValue(row.Value, currency, lang)
	f := formulaOf(lang, d.Key, d.Description)
	switch {
	case row.ProRataTarget == nil:
		return f + " " + Tf(lang, "kpi.explain.none", kpiName(d, lang), val, n)
	case d.Additive:
		return f + " " + Tf(lang, "kpi.explain", kpiName(d, lang), val, n, fmtValue(row.ProRataTarget, currency, lang),
			fmtValue(row.Target, currency, lang), fmtPct(row.Elapsed, 1, lang))
	}
	return f + " " + Tf(lang, "kpi.explain.flat", kpiName(d, lang), val, n, fmtValue(row.ProRataTarget, currency, lang))
}

// kpiName is a KPI's name in lang.
func kpiName(d rumbo.KPIDef, lang string) string {
	if n := localText(d.Name, lang); n != "" {
		return n
	}
	return d.Key
}

// localText picks lang from a translated text, else Spanish, else any.
func localText(m map[string]string, lang string) string {
	if s := m[lang]; s != "" {
		return s
	}
	if s := m["es"]; s != "" {
		return s
	}
	for _, s := range m {
		return s
	}
	return ""
}

// dashboardKPIs adds a KPI to, or removes one from, the dashboard.
func (s *Server) dashboardKPIs(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	keys := chosenKPIs(r)
	if add := strings.TrimSpace(r.PostFormValue("add")); add != "" && !slices.Contains(keys, add) && validKey(add) {
		keys = append(keys, add)
	}
	if rm := r.PostFormValue("remove"); rm != "" {
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == rm })
	}
	if r.PostFormValue("reset") != "" {
		keys = nil
	}
	nethttp.SetCookie(w, &nethttp.Cookie{Name: KPIsCookie, Value: strings.Join(keys, "."), Path: "/",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: nethttp.SameSiteLaxMode, Secure: s.viaTLS(r)})
	nethttp.Redirect(w, r, "/", nethttp.StatusSeeOther)
	return nil
}

// validKey reports whether k looks like a KPI key (letters, digits, _ and -).
func validKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, ch := range k {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

var _ = fmt.Sprint
