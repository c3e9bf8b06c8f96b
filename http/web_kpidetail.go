package http

import (
	"context"
	nethttp "net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// kpiDims are the breakdowns the KPI page offers.
var kpiDims = []string{"owner", "team", "market", "channel"}

type breakdownRow struct {
	Group, Value, Target, Achievement, Title, DrillURL string
	Sort                                               float64
	N                                                  int
	Health                                             rumbo.Health
}

type kpiView struct {
	Def         rumbo.KPIDef
	Name        string
	Formula     string
	Playbook    string
	Grain, By   string
	Scope       scopeFilter
	ScopeLabel  string
	Headline    gauge
	Series      chartData
	SeriesRows  []breakdownRow
	Breakdown   chartData
	Rows        []breakdownRow
	Dims        []string
	Grains      []string
	CSVSeries   string
	CSVBreak    string
	PeriodLabel string
	Canonical   string // the page's query without grain/by
}

// kpiQuery is what the KPI page shows: the grain of the series and the
// breakdown dimension.
func kpiQuery(r *nethttp.Request) (grain rumbo.Grain, by string) {
	grain = rumbo.Grain(r.URL.Query().Get("grain"))
	if grain != rumbo.GrainMonth && grain != rumbo.GrainQuarter {
		grain = rumbo.GrainWeek
	}
	by = r.URL.Query().Get("by")
	if !strings.Contains(strings.Join(kpiDims, ","), by) || by == "" {
		by = "owner"
	}
	return grain, by
}

// seriesPeriod is the span the series covers: the last two quarters by
// week, the last twelve months by month, the last eight quarters by quarter.
func seriesPeriod(g rumbo.Grain, now time.Time, loc *time.Location) rumbo.Period {
	now = now.In(loc)
	q := rumbo.PeriodOf(now, rumbo.GrainQuarter, loc)
	var start time.Time
	end := q.End
	switch g {
	case rumbo.GrainMonth:
		start = rumbo.PeriodOf(now.AddDate(0, -11, 0), rumbo.GrainMonth, loc).Start
		end = rumbo.PeriodOf(now, rumbo.GrainMonth, loc).End
	case rumbo.GrainQuarter:
		start = rumbo.PeriodOf(now.AddDate(0, -21, 0), rumbo.GrainQuarter, loc).Start
	default:
		start = q.Previous().Start
		end = rumbo.PeriodOf(now, rumbo.GrainWeek, loc).End
	}
	return rumbo.Period{Start: start, End: end, Label: start.Format("2006-01-02") + ".." + end.AddDate(0, 0, -1).Format("2006-01-02")}
}

// axisLabel is a series row's label on the chart's axis and its full text
// for the tooltip. A week clipped by the series' span is labelled by a date
// range ("2026-07-01..2026-07-05"), too wide for the axis: it gets its first
// day in the locale's short form (01/07, 1 Jul) and keeps the range, in the
// locale's dates, for the tooltip.
func axisLabel(row *metric.Row, v *view) (string, string) {
	if !strings.Contains(row.Period, "..") || row.Start.IsZero() {
		return row.Period, row.Period
	}
	start := row.Start.In(v.Loc)
	last := row.End.In(v.Loc).AddDate(0, 0, -1)
	short := start.Format("02/01")
	if v.Lang == "en" {
		short = start.Format("2 Jan")
	}
	return short, fmtDate(start, nil, v.Lang) + " – " + fmtDate(last, nil, v.Lang)
}

// findDef returns the KPI definition by key, or ENOTFOUND.
func (s *Server) findDef(ctx context.Context, c *caller, key string) (rumbo.KPIDef, error) {
	defs, err := s.engine.Definitions(ctx, c.org)
	if err != nil {
		return rumbo.KPIDef{}, err
	}
	for _, d := range defs {
		if d.Key == key {
			return d, nil
		}
	}
	return rumbo.KPIDef{}, rumbo.Errorf(rumbo.ENOTFOUND, "unknown KPI %q", key)
}

// kpiResults computes the KPI page's series and breakdown, with a member's
// view of other reps removed.
func (s *Server) kpiResults(ctx context.Context, c *caller, v *view, key string, grain rumbo.Grain, by string, scope scopeFilter) (series, breakdown *metric.Result, err error) {
	sp := seriesPeriod(grain, v.Now, v.Loc)
	series, err = s.engine.Compute(ctx, c.org, metric.Query{Key: key, Period: &sp, Grain: grain, Filters: scope.filters()})
	if err != nil {
		return nil, nil, err
	}
	cur := rumbo.PeriodOf(v.Now.In(v.Loc), rumbo.GrainQuarter, v.Loc)
	breakdown, err = s.engine.Compute(ctx, c.org, metric.Query{Key: key, Period: &cur, By: by, Filters: scope.filters()})
	if err != nil {
		return nil, nil, err
	}
	if breakdown.By == "owner" && !c.seesOthers() {
		var mine []metric.Row
		for _, row := range breakdown.Rows {
			if c.member.Person != "" && strings.EqualFold(row.Group["owner"], c.member.Person) {
				mine = append(mine, row)
			}
		}
		breakdown.Rows = mine
	}
	return series, breakdown, nil
}

// kpiPage is one KPI: its series with the target line, its breakdown as a
// chart and a sortable table, its playbook and how it is computed.
func (s *Server) kpiPage(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	ctx := r.Context()
	d, err := s.findDef(ctx, c, r.PathValue("key"))
	if err != nil {
		return err
	}
	scope, err := readScope(r, c)
	if err != nil {
		return err
	}
	grain, by := kpiQuery(r)
	series, bd, err := s.kpiResults(ctx, c, v, d.Key, grain, by, scope)
	if err != nil {
		return err
	}
	v.Title, v.Nav = kpiName(d, v.Lang), "dashboard"
	kv := &kpiView{Def: d, Name: kpiName(d, v.Lang), Formula: formulaOf(v.Lang, d.Key, d.Description),
		Grain: string(grain), By: by, Scope: scope, Dims: kpiDims, Grains: []string{"week", "month", "quarter"}}
	if scope.Field != "" {
		kv.ScopeLabel = T(v.Lang, "kpi.by."+scope.Field) + ": " + scope.Value
	}
	if kv.Headline, err = s.gauge(ctx, c, v, d, "quarter", scope); err != nil {
		return err
	}
	cur, _ := dashPeriods("quarter", v.Now, v.Loc)
	kv.PeriodLabel = periodText(cur, v)
	if kv.Headline.Health == rumbo.HealthYellow || kv.Headline.Health == rumbo.HealthRed {
		kv.Playbook = localText(d.Playbook, v.Lang)
	}
	kv.Series = chartData{Kind: "series", Names: [2]string{kv.Name, T(v.Lang, "kpi.targetline")}}
	for i := range series.Rows {
		row := &series.Rows[i]
		label, full := axisLabel(row, v)
		kv.Series.Labels = append(kv.Series.Labels, label)
		kv.Series.Full = append(kv.Series.Full, full)
		var val, tgt *float64
		if row.Value != nil {
			f := row.Value.Float64()
			val = &f
		}
		if row.Target != nil {
			f := row.Target.Float64()
			tgt = &f
		}
		kv.Series.Values = append(kv.Series.Values, val)
		kv.Series.Target = append(kv.Series.Target, tgt)
		kv.Series.Colors = append(kv.Series.Colors, healthColors[row.Health])
		kv.Series.Texts = append(kv.Series.Texts, fmtValue(row.Value, c.org.Currency, v.Lang))
		kv.SeriesRows = append(kv.SeriesRows, s.breakRow(d, row, row.Period, "", c, v))
	}
	base := url.Values{}
	if scope.Field != "" {
		base.Set(scope.Field, scope.Value)
	}
	kv.Breakdown = chartData{Kind: "bars"}
	for i := range bd.Rows {
		row := &bd.Rows[i]
		g := row.Group[bd.By]
		drill := ""
		if g != "" && (bd.By == "owner" || bd.By == "team" || bd.By == "market") {
			q := url.Values{bd.By: {g}, "grain": {string(grain)}}
			if bd.By != "owner" {
				q.Set("by", "owner")
			} else {
				q.Set("by", "channel")
			}
			drill = "/kpis/" + url.PathEscape(d.Key) + "?" + q.Encode()
		}
		br := s.breakRow(d, row, g, drill, c, v)
		kv.Rows = append(kv.Rows, br)
		if row.Value != nil {
			kv.Breakdown.Labels = append(kv.Breakdown.Labels, br.Group)
			f := row.Value.Float64()
			kv.Breakdown.Values = append(kv.Breakdown.Values, &f)
			kv.Breakdown.Colors = append(kv.Breakdown.Colors, healthColors[row.Health])
			kv.Breakdown.Texts = append(kv.Breakdown.Texts, br.Value)
		}
	}
	q := base
	q.Set("grain", string(grain))
	q.Set("by", by)
	kv.CSVSeries = "/kpis/" + url.PathEscape(d.Key) + "/csv?part=series&" + q.Encode()
	kv.CSVBreak = "/kpis/" + url.PathEscape(d.Key) + "/csv?part=breakdown&" + q.Encode()
	kv.Canonical = base.Encode()
	v.Data = kv
	return s.render(w, nethttp.StatusOK, "kpi", "", v)
}

// breakRow formats one result row for a table, with its explanation.
func (s *Server) breakRow(d rumbo.KPIDef, row *metric.Row, group, drill string, c *caller, v *view) breakdownRow {
	br := breakdownRow{Group: group, DrillURL: drill, Health: row.Health,
		Value: fmtValue(row.Value, c.org.Currency, v.Lang), Target: fmtValue(row.ProRataTarget, c.org.Currency, v.Lang),
		Title: explain(d, row, c.org.Currency, v.Lang), Achievement: "—"}
	if br.Group == "" {
		br.Group = "—"
	}
	if row.Stats != nil {
		br.N = row.Stats.Count
	}
	if row.Value != nil {
		br.Sort = row.Value.Float64()
	}
	if row.Achievement != nil {
		br.Achievement = fmtPct(*row.Achievement, 0, v.Lang)
	}
	return br
}

// kpiCSV exports the series or the breakdown shown on the KPI page as CSV,
// safe against spreadsheet formula injection.
func (s *Server) kpiCSV(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	d, err := s.findDef(r.Context(), c, r.PathValue("key"))
	if err != nil {
		return err
	}
	scope, err := readScope(r, c)
	if err != nil {
		return err
	}
	grain, by := kpiQuery(r)
	series, bd, err := s.kpiResults(r.Context(), c, v, d.Key, grain, by, scope)
	if err != nil {
		return err
	}
	res, part := series, "series"
	if r.URL.Query().Get("part") == "breakdown" {
		res, part = bd, "by-"+by
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.Key+"-"+part+`.csv"`)
	return res.WriteCSV(w)
}
