package http

import (
	"context"
	"math"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/okr"
)

// okrRow is one line of the OKR tree: an objective or one of its key results.
type okrRow struct {
	Objective  bool
	Depth      int
	ID         int64
	Title      string
	URL        string
	Kind       string
	Status     rumbo.TrackStatus
	Outdated   int // days; overrides the reported status when > 0
	Reason     string
	Confidence *int
	ConfBand   string // low, mid, high
	Progress   float64
	Expected   float64
	Raw        string // "10,4 M€ de 12,0 M€"
	Forecast   string
	Reaches    *bool
	Owner      string
	Score      string
}

// reasonText translates a key result's status reasons from their codes.
func reasonText(reasons []rumbo.StatusReason, lang string) string {
	out := make([]string, 0, len(reasons))
	for _, r := range reasons {
		switch r.Code {
		case rumbo.ReasonLowConfidence:
			c := 0
			if r.Confidence != nil {
				c = *r.Confidence
			}
			out = append(out, Tf(lang, "reason.low_confidence", c))
		case rumbo.ReasonNoCheckIn, rumbo.ReasonStaleData:
			out = append(out, Tf(lang, "reason."+string(r.Code), r.Days))
		default:
			out = append(out, T(lang, "reason."+string(r.Code)))
		}
	}
	return strings.Join(out, "; ")
}

// krUnit is the unit a key result's numbers are in: its KPI's, a weekly
// count, a count, or the manual unit.
func krUnit(kr *rumbo.KeyResult, defs map[string]rumbo.KPIDef) string {
	switch kr.Kind {
	case rumbo.KRMetric, rumbo.KRGuardrail:
		return defs[kr.KPI].Unit
	case rumbo.KRManual:
		switch kr.Unit {
		case rumbo.ManualCurrency:
			return metric.UnitMoney
		case rumbo.ManualPercent:
			return "percent"
		case rumbo.ManualYesNo:
			return "yesno"
		}
		return metric.UnitNumber
	case rumbo.KRRate:
		return "rate"
	}
	return metric.UnitCount
}

// fmtKR formats a key result's number in its unit, compactly.
func fmtKR(f *float64, unit, currency, lang string) string {
	if f == nil {
		return "—"
	}
	switch unit {
	case "percent":
		return fmtNum(*f, 1, lang) + "\u00a0%"
	case "yesno":
		if *f >= 1 {
			return T(lang, "common.yes")
		}
		return T(lang, "common.no")
	case "rate":
		return fmtNum(*f, 1, lang) + map[string]string{"es": "/sem.", "en": "/wk"}[lang]
	case metric.UnitNumber:
		if *f == math.Trunc(*f) {
			return fmtNum(*f, 0, lang)
		}
		return fmtNum(*f, 2, lang)
	}
	return fmtUnitShort(*f, unit, currency, lang)
}

// okrTree returns the objectives of period p the caller may see, with their
// status, parents before children.
func (s *Server) okrTree(ctx context.Context, c *caller, p rumbo.Period) ([]rumbo.Objective, *rumbo.OKRStatus, error) {
	st, err := s.okrService().Status(ctx, c.org, p)
	if err != nil {
		return nil, nil, err
	}
	objs, err := s.store.Objectives(ctx, c.org.ID, &p)
	if err != nil {
		return nil, nil, err
	}
	var kept []rumbo.Objective
	for _, o := range objs {
		if c.seesObjective(&o) {
			var krs []rumbo.KeyResult
			for _, kr := range o.KeyResults {
				if c.seesKR(&kr) {
					krs = append(krs, kr)
				}
			}
			o.KeyResults = krs
			kept = append(kept, o)
		}
	}
	return kept, st, nil
}

// okrRows builds the table of the OKR tree for period p.
func (s *Server) okrRows(ctx context.Context, r *nethttp.Request, c *caller, v *view, p rumbo.Period) ([]okrRow, error) {
	objs, st, err := s.okrTree(ctx, c, p)
	if err != nil {
		return nil, err
	}
	defList, err := s.engine.Definitions(ctx, c.org)
	if err != nil {
		return nil, err
	}
	defs := map[string]rumbo.KPIDef{}
	for _, d := range defList {
		defs[d.Key] = d
	}
	objStatus := map[int64]rumbo.ObjectiveStatus{}
	krStatus := map[int64]rumbo.KRStatus{}
	for _, o := range st.Objectives {
		objStatus[o.ID] = o
		for _, k := range o.KeyResults {
			krStatus[k.ID] = k
		}
	}
	byID := map[int64]*rumbo.Objective{}
	children := map[int64][]*rumbo.Objective{}
	for i := range objs {
		byID[objs[i].ID] = &objs[i]
	}
	var roots []*rumbo.Objective
	for i := range objs {
		o := &objs[i]
		if _, ok := byID[o.ParentID]; ok && o.ParentID != 0 {
			children[o.ParentID] = append(children[o.ParentID], o)
		} else {
			roots = append(roots, o)
		}
	}
	var rows []okrRow
	var walk func(o *rumbo.Objective, depth int)
	walk = func(o *rumbo.Objective, depth int) {
		os := objStatus[o.ID]
		owner := o.Owner
		if o.OwnerKind == rumbo.OwnerOrg || owner == "" {
			owner = T(v.Lang, "okr.org")
		}
		or := okrRow{Objective: true, Depth: depth, ID: o.ID, Title: o.Title, Status: os.Status, Progress: os.Progress,
			Expected: p.Elapsed(v.Now), Owner: owner}
		if os.Score != nil {
			or.Score = fmtNum(*os.Score, 2, v.Lang)
		}
		rows = append(rows, or)
		for i := range o.KeyResults {
			kr := &o.KeyResults[i]
			ks, ok := krStatus[kr.ID]
			if !ok {
				continue
			}
			rows = append(rows, krRow(kr, ks, defs, owner, depth, c, v))
		}
		for _, ch := range children[o.ID] {
			walk(ch, depth+1)
		}
	}
	for _, o := range roots {
		walk(o, 0)
	}
	return rows, nil
}

// krRow formats one key result's line.
func krRow(kr *rumbo.KeyResult, ks rumbo.KRStatus, defs map[string]rumbo.KPIDef, owner string, depth int, c *caller, v *view) okrRow {
	unit := krUnit(kr, defs)
	row := okrRow{ID: kr.ID, Depth: depth, Title: kr.Title, URL: "/okrs/kr/" + strconv.FormatInt(kr.ID, 10),
		Kind: T(v.Lang, "okr.kind."+string(kr.Kind)), Status: ks.Status, Reason: reasonText(ks.Reasons, v.Lang),
		Confidence: ks.Confidence, Progress: ks.Progress, Expected: ks.Expected, Reaches: ks.ForecastReaches, Owner: owner}
	if kr.Scope != "" && kr.ScopeValue != "" {
		row.Owner = kr.ScopeValue
	}
	row.Outdated = ks.Outdated()
	if ks.Confidence != nil {
		switch n := *ks.Confidence; {
		case n <= 3:
			row.ConfBand = "low"
		case n <= 6:
			row.ConfBand = "mid"
		default:
			row.ConfBand = "high"
		}
	}
	row.Raw = fmtKR(ks.Current, unit, c.org.Currency, v.Lang) + " " + T(v.Lang, "common.of") + " " + fmtKR(ks.Target, unit, c.org.Currency, v.Lang)
	if ks.Forecast != nil {
		row.Forecast = fmtKR(ks.Forecast, unit, c.org.Currency, v.Lang)
	}
	if ks.Score != nil {
		row.Score = fmtNum(*ks.Score, 2, v.Lang)
	}
	return row
}

type okrView struct {
	Period   string
	Rows     []okrRow
	Periods  []string
	CanApply bool // and create, edit and delete objectives and key results
	Done     string
}

// okrPage is the OKR tree of a quarter as one table.
func (s *Server) okrPage(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	v.Title, v.Nav = T(v.Lang, "okr.title"), "okrs"
	p, err := s.okrPeriod(c.org, r.URL.Query().Get("period"), "", "")
	if err != nil {
		return err
	}
	rows, err := s.okrRows(r.Context(), r, c, v, p)
	if err != nil {
		return err
	}
	cur := rumbo.PeriodOf(v.Now.In(v.Loc), rumbo.GrainQuarter, v.Loc)
	ov := &okrView{Period: p.Label, Rows: rows, CanApply: v.Can(string(rumbo.PermOKRsWrite)),
		Periods: []string{cur.Previous().Label, cur.Label, rumbo.PeriodOf(cur.End, rumbo.GrainQuarter, v.Loc).Label}}
	if d := r.URL.Query().Get("done"); d == "created" || d == "saved" || d == "deleted" {
		ov.Done = T(v.Lang, "okr.done."+d)
	}
	v.Data = ov
	return s.render(w, nethttp.StatusOK, "okrs", "", v)
}

type checkInRow struct {
	When, Author, Value, Comment string
	Confidence                   *int
}

type krView struct {
	Row        okrRow
	Objective  string
	Period     string
	Chart      chartData
	History    []checkInRow
	CanCheckIn bool
	CanEdit    bool
	Manual     bool
	Milestone  bool
	Items      []rumbo.MilestoneItem
	Notice     string
	Error      string            // about the whole form
	Errors     map[string]string // by field: value, confidence, blocker, who
	Form       struct{ Value, Confidence, Comment, Blocker, Who string }
}

// krDetail builds a key result's detail: its line in the tree, its progress
// over time against the expected line, its check-ins.
func (s *Server) krDetail(ctx context.Context, r *nethttp.Request, c *caller, v *view) (*krView, *rumbo.KeyResult, *rumbo.Objective, error) {
	kr, o, err := s.findKR(r, c)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := s.okrService().Status(ctx, c.org, o.Period)
	if err != nil {
		return nil, nil, nil, err
	}
	var ks *rumbo.KRStatus
	for _, os := range st.Objectives {
		for i := range os.KeyResults {
			if os.KeyResults[i].ID == kr.ID {
				ks = &os.KeyResults[i]
			}
		}
	}
	if ks == nil {
		return nil, nil, nil, rumbo.Errorf(rumbo.ENOTFOUND, "key result %d not found", kr.ID)
	}
	defList, err := s.engine.Definitions(ctx, c.org)
	if err != nil {
		return nil, nil, nil, err
	}
	defs := map[string]rumbo.KPIDef{}
	for _, d := range defList {
		defs[d.Key] = d
	}
	owner := o.Owner
	if o.OwnerKind == rumbo.OwnerOrg || owner == "" {
		owner = T(v.Lang, "okr.org")
	}
	kv := &krView{Row: krRow(kr, *ks, defs, owner, 0, c, v), Objective: o.Title, Period: periodText(o.Period, v),
		Manual: kr.Kind == rumbo.KRManual, Milestone: kr.Kind == rumbo.KRMilestone && kr.MilestoneSource == "", Items: kr.Items}
	kv.CanCheckIn, kv.CanEdit = v.Can(string(rumbo.PermCheckIn)), v.Can(string(rumbo.PermOKRsWrite))
	if kv.CanCheckIn && c.role() == rumbo.RoleMember {
		if kv.CanCheckIn, err = s.ownsKR(r, c, o, kr); err != nil {
			return nil, nil, nil, err
		}
	}
	cis, err := s.store.CheckIns(ctx, c.org.ID, kr.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	unit := krUnit(kr, defs)
	for i := len(cis) - 1; i >= 0; i-- {
		ci := cis[i]
		row := checkInRow{When: fmtDateTime(ci.At, v.Loc, v.Lang), Author: ci.Author, Comment: ci.Comment, Confidence: ci.Confidence}
		if ci.Value != nil {
			f, _ := ci.Value.Float64()
			row.Value = fmtKR(&f, unit, c.org.Currency, v.Lang)
		}
		kv.History = append(kv.History, row)
	}
	// The progress line: snapshots (measured) or check-in values (manual).
	type point struct {
		at time.Time
		v  float64
	}
	var pts []point
	if kr.Kind == rumbo.KRManual {
		for _, ci := range cis {
			if ci.Value != nil {
				f, _ := ci.Value.Float64()
				pts = append(pts, point{ci.At, f})
			}
		}
	} else {
		snaps, err := s.store.Snapshots(ctx, c.org.ID, kr.ID)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, sn := range snaps {
			if sn.Value != nil {
				f, _ := sn.Value.Float64()
				pts = append(pts, point{sn.At, f})
			}
		}
	}
	ch := chartData{Kind: "progress", Names: [2]string{T(v.Lang, "okr.line.actual"), T(v.Lang, "okr.line.expected")}}
	ch.Labels = append(ch.Labels, fmtDate(o.Period.Start, v.Loc, v.Lang))
	zero := 0.0
	ch.Values = append(ch.Values, &zero)
	ch.Target = append(ch.Target, &zero)
	for _, pt := range pts {
		if !o.Period.Contains(pt.at) || ks.Start == nil || ks.Target == nil {
			continue
		}
		pr := rumbo.Progress(*ks.Start, *ks.Target, pt.v, kr.Direction) * 100
		ex := o.Period.Elapsed(pt.at) * 100
		ch.Labels = append(ch.Labels, fmtDate(pt.at, v.Loc, v.Lang))
		ch.Values = append(ch.Values, &pr)
		ch.Target = append(ch.Target, &ex)
	}
	now := ks.Progress * 100
	ex := ks.Expected * 100
	ch.Labels = append(ch.Labels, fmtDate(v.Now, v.Loc, v.Lang))
	ch.Values = append(ch.Values, &now)
	ch.Target = append(ch.Target, &ex)
	end := 100.0
	ch.Labels = append(ch.Labels, fmtDate(o.Period.End.Add(-time.Second), v.Loc, v.Lang))
	ch.Values = append(ch.Values, nil)
	ch.Target = append(ch.Target, &end)
	kv.Chart = ch
	return kv, kr, o, nil
}

// krPage is a key result's detail with its check-in form.
func (s *Server) krPage(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	kv, _, _, err := s.krDetail(r.Context(), r, c, v)
	if err != nil {
		return err
	}
	v.Title, v.Nav, v.Data = kv.Row.Title, "okrs", kv
	return s.render(w, nethttp.StatusOK, "kr", "", v)
}

// krCheckIn records a check-in from the form and answers the updated detail
// (htmx swaps it in place). With confidence 3 or less it asks what blocks
// the key result and who acts on it.
func (s *Server) krCheckIn(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	ctx := r.Context()
	kr, o, err := s.findKR(r, c)
	if err != nil {
		return err
	}
	if c.role() == rumbo.RoleMember {
		owns, err := s.ownsKR(r, c, o, kr)
		if err != nil {
			return err
		}
		if !owns {
			return rumbo.Errorf(rumbo.EFORBIDDEN, "%s", T(v.Lang, "okr.checkin.cannot"))
		}
	}
	value := strings.TrimSpace(r.PostFormValue("value"))
	confS := strings.TrimSpace(r.PostFormValue("confidence"))
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	blocker := strings.TrimSpace(r.PostFormValue("blocker"))
	who := strings.TrimSpace(r.PostFormValue("who"))
	errs := map[string]string{}
	ci := rumbo.CheckIn{KRID: kr.ID, Author: c.user.Email, At: s.now()}
	if confS != "" {
		n, err := strconv.Atoi(confS)
		if err != nil || n < 0 || n > 10 {
			errs["confidence"] = T(v.Lang, "okr.checkin.badconf")
		} else {
			ci.Confidence = &n
			if n <= rumbo.DefaultOKRSettings().LowConfidence {
				if blocker == "" {
					errs["blocker"] = T(v.Lang, "okr.checkin.need")
				}
				if who == "" {
					errs["who"] = T(v.Lang, "okr.checkin.need")
				}
			}
		}
	}
	if value != "" {
		var err error
		switch {
		case kr.Kind != rumbo.KRManual:
			errs["value"] = T(v.Lang, "okr.checkin.novalue")
		case kr.Unit == rumbo.ManualYesNo:
			if ci.Value, err = checkInValue(value, kr.Unit); err != nil {
				errs["value"] = T(v.Lang, "okr.checkin.yesno")
			}
		default:
			// A percent key result counts in percent: 40 is 40 %.
			if ci.Value, err = parseFormNumber(strings.TrimSuffix(value, "%"), v.Lang); err != nil {
				errs["value"] = T(v.Lang, "okr.checkin.badvalue")
			}
		}
	}
	if blocker != "" || who != "" {
		comment = strings.TrimSpace(comment + "\n" + Tf(v.Lang, "okr.checkin.blocked", blocker, who))
	}
	ci.Comment = comment
	done := 0
	if n, err := strconv.Atoi(r.PostFormValue("done")); err == nil && kr.Kind == rumbo.KRMilestone && n >= 1 && n <= len(kr.Items) {
		done = n
		if ci.Comment == "" {
			ci.Comment = "✓ " + kr.Items[n-1].Title
		}
	}
	if len(errs) == 0 && ci.Value == nil && ci.Confidence == nil && ci.Comment == "" {
		errs[""] = T(v.Lang, "okr.checkin.empty")
	}
	if len(errs) > 0 {
		kv, _, _, err := s.krDetail(ctx, r, c, v)
		if err != nil {
			return err
		}
		kv.Errors, kv.Error = errs, errs[""]
		if kv.Error == "" {
			kv.Error = T(v.Lang, "form.fix")
		}
		kv.Form.Value, kv.Form.Confidence, kv.Form.Comment, kv.Form.Blocker, kv.Form.Who = value, confS, strings.TrimSpace(r.PostFormValue("comment")), blocker, who
		v.Title, v.Nav, v.Data = kv.Row.Title, "okrs", kv
		status := nethttp.StatusOK
		if r.Header.Get("HX-Request") == "" {
			status = nethttp.StatusBadRequest
		}
		return s.render(w, status, "kr", blockFor(r, "kr-detail"), v)
	}
	if err := ci.Validate(); err != nil {
		return err
	}
	if done > 0 {
		kr.Items[done-1].Done = true
		if err := s.store.UpdateKeyResult(ctx, c.org.ID, kr); err != nil {
			return err
		}
	}
	if err := s.store.AddCheckIn(ctx, c.org.ID, &ci); err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "" {
		nethttp.Redirect(w, r, "/okrs/kr/"+strconv.FormatInt(kr.ID, 10), nethttp.StatusSeeOther)
		return nil
	}
	kv, _, _, err := s.krDetail(ctx, r, c, v)
	if err != nil {
		return err
	}
	kv.Notice = T(v.Lang, "okr.checkin.saved")
	v.Title, v.Nav, v.Data = kv.Row.Title, "okrs", kv
	return s.render(w, nethttp.StatusOK, "kr", "kr-detail", v)
}

// blockFor renders only block for an htmx request, the whole page otherwise.
func blockFor(r *nethttp.Request, block string) string {
	if r.Header.Get("HX-Request") != "" {
		return block
	}
	return ""
}

var _ = okr.Templates
