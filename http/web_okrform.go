package http

import (
	"context"
	"math/big"
	nethttp "net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// The OKR forms: create, edit and delete objectives and key results from
// the web app. They need okrs.write, as the API routes do; every field
// that fails shows its message next to it, in the viewer's language.

// objectiveForm is an objective's fields as typed.
type objectiveForm struct {
	Title, Description, OwnerKind, Owner, Type, Period, ParentID string
}

// krForm is a key result's fields as typed, named kr_* in the form.
type krForm struct {
	Title, Kind, Weight, KPI, Scope, ScopeValue, Filter    string
	ChangeKind, Change, Baseline, Direction, Start, Target string
	Unit, Rate, Items, Op, Min, Max                        string
	SegmentBy, Segments, SegmentTarget                     string
	PerRep                                                 bool
}

// option is one choice of a select.
type option struct{ Value, Label string }

// okrFormView is what okrform.html shows: an objective form (with its
// first key result when new) or a key result form.
type okrFormView struct {
	Heading        string
	Action         string
	Back           string
	ShowObjective  bool
	WithKR         bool
	KREdit         bool // the key result exists: its kind is fixed
	Obj            objectiveForm
	KR             krForm
	Errors         map[string]string // by field name
	Error          string            // about the whole form
	Periods        []string
	Parents        []option
	KPIs           []option
	ObjectiveTitle string
	DeleteAction   string
	DeleteLabel    string
	DeleteNote     string
	Full           bool // the objective already has rumbo.MaxKeyResults
}

// Choices of the forms' selects.
var (
	ownerKinds  = []string{string(rumbo.OwnerOrg), string(rumbo.OwnerTeam), string(rumbo.OwnerPerson)}
	objTypes    = []string{string(rumbo.Committed), string(rumbo.Aspirational)}
	krKinds     = []string{"metric", "manual", "rate", "milestone", "guardrail", "segment"}
	changeKinds = []string{string(rumbo.ChangeAbsolute), string(rumbo.ChangeRelative), string(rumbo.ChangePoints)}
	baselines   = []string{string(rumbo.BaselinePreviousQuarter), string(rumbo.BaselineSameQuarterLastYear)}
	directions  = []string{string(rumbo.Increase), string(rumbo.Decrease)}
	manualUnits = []string{string(rumbo.ManualNumber), string(rumbo.ManualPercent), string(rumbo.ManualCurrency), string(rumbo.ManualYesNo)}
	guardOps    = []string{string(rumbo.GuardAbove), string(rumbo.GuardBelow), string(rumbo.GuardWithin)}
	krScopes    = []string{"owner", "team", "market"}
	segmentDims = []string{"market", "owner", "team", "channel"}
)

// Options lists a select's choices, labelled by the message prefix+value.
func (v *view) Options(prefix string, values []string) []option {
	out := make([]option, len(values))
	for i, x := range values {
		out[i] = option{Value: x, Label: v.T(prefix + x)}
	}
	return out
}

// Choices returns the choices of one of the OKR forms' selects by name.
func (v *view) Choices(name string) []option {
	switch name {
	case "owner_kind":
		return v.Options("okr.owner.", ownerKinds)
	case "type":
		return v.Options("okr.type.", objTypes)
	case "kr_kind":
		return v.Options("okr.kind.", krKinds)
	case "kr_change_kind":
		return v.Options("okr.change.", changeKinds)
	case "kr_baseline":
		return v.Options("okr.baseline.", baselines)
	case "kr_direction":
		return v.Options("okr.direction.", directions)
	case "kr_unit":
		return v.Options("okr.unit.", manualUnits)
	case "kr_op":
		return v.Options("okr.op.", guardOps)
	case "kr_scope":
		return append([]option{{"", v.T("set.scope.org")}}, v.Options("kpi.by.", krScopes)...)
	case "kr_segment_by":
		return v.Options("kpi.by.", segmentDims)
	}
	return nil
}

// parseFormNumber reads a number typed in a form: "1.250,50" or "0,25" in
// Spanish, "1,250.50" in English, "1250.5" in either; "25 %" is 0.25. A
// lone group of three digits after the thousands mark of the language
// ("1.250" in Spanish, "1,250" in English) is a thousands group.
func parseFormNumber(s, lang string) (*big.Rat, error) {
	s = strings.NewReplacer("\u00a0", "", " ", "", "€", "", "$", "", "£", "").Replace(strings.TrimSpace(s))
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	thousands, point := ",", "."
	if lang == "es" {
		thousands, point = ".", ","
	}
	dot, comma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case dot >= 0 && comma >= 0:
		if comma > dot {
			s = strings.ReplaceAll(s, ".", "")
			s = strings.Replace(s, ",", ".", 1)
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	case strings.Count(s, ".")+strings.Count(s, ",") > 1:
		// Only one kind of mark, several times: thousands groups.
		s = strings.NewReplacer(".", "", ",", "").Replace(s)
	default:
		if i := strings.LastIndex(s, thousands); i >= 0 && len(s)-i-1 == 3 && i > 0 {
			s = strings.Replace(s, thousands, "", 1)
		}
		s = strings.Replace(s, point, ".", 1)
		s = strings.Replace(s, ",", ".", 1)
	}
	r, err := rumbo.ParseDecimal(s)
	if err != nil {
		return nil, err
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r, nil
}

// numText writes an exact number for a form field in lang: "1250,5" (es).
func numText(r *big.Rat, lang string) string {
	if r == nil {
		return ""
	}
	s := ratString(r)
	if lang == "es" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// formErrors collects the problems of a form by field name.
type formErrors struct {
	m    map[string]string
	lang string
}

func (e *formErrors) add(field, key string, args ...any) {
	if _, ok := e.m[field]; ok {
		return
	}
	if len(args) == 0 {
		e.m[field] = T(e.lang, key)
		return
	}
	e.m[field] = Tf(e.lang, key, args...)
}

// number reads an optional number field: nil when empty.
func (e *formErrors) number(field, s string) *big.Rat {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	r, err := parseFormNumber(s, e.lang)
	if err != nil {
		e.add(field, "form.number")
		return nil
	}
	return r
}

// need reads a required number field.
func (e *formErrors) need(field, s string) *big.Rat {
	if strings.TrimSpace(s) == "" {
		e.add(field, "form.required")
		return nil
	}
	return e.number(field, s)
}

// oneOf checks that a select's value is one of its choices.
func (e *formErrors) oneOf(field, s string, values []string) {
	if !slices.Contains(values, s) {
		e.add(field, "form.choose")
	}
}

func readObjectiveForm(r *nethttp.Request) objectiveForm {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return objectiveForm{Title: g("title"), Description: g("description"), OwnerKind: g("owner_kind"), Owner: g("owner"),
		Type: g("type"), Period: g("period"), ParentID: g("parent_id")}
}

func readKRForm(r *nethttp.Request) krForm {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue("kr_" + k)) }
	dir := g("direction")
	if dir == "" {
		dir = string(rumbo.Increase)
	}
	return krForm{Title: g("title"), Kind: g("kind"), Weight: g("weight"), KPI: g("kpi"), Scope: g("scope"),
		ScopeValue: g("scope_value"), Filter: g("filter"), ChangeKind: g("change_kind"), Change: g("change"),
		Baseline: g("baseline"), Direction: dir, Start: g("start"), Target: g("target"), Unit: g("unit"),
		Rate: g("rate"), Items: g("items"), Op: g("op"), Min: g("min"), Max: g("max"), SegmentBy: g("segment_by"),
		Segments: g("segments"), SegmentTarget: g("segment_target"), PerRep: r.PostFormValue("kr_per_rep") != ""}
}

// applyObjective checks the typed fields and sets them on o.
func (s *Server) applyObjective(c *caller, f objectiveForm, o *rumbo.Objective, parents []option, e *formErrors) {
	if f.Title == "" {
		e.add("title", "form.required")
	}
	e.oneOf("owner_kind", f.OwnerKind, ownerKinds)
	if f.OwnerKind != string(rumbo.OwnerOrg) && f.Owner == "" {
		e.add("owner", "form.required")
	}
	e.oneOf("type", f.Type, objTypes)
	p, err := s.okrPeriod(c.org, f.Period, "", "")
	if err != nil || f.Period == "" {
		e.add("period", "form.period")
	}
	parent := int64(0)
	if f.ParentID != "" {
		ok := slices.ContainsFunc(parents, func(o option) bool { return o.Value == f.ParentID })
		parent, err = strconv.ParseInt(f.ParentID, 10, 64)
		if err != nil || !ok || parent == o.ID {
			e.add("parent_id", "form.choose")
		}
	}
	o.Title, o.Description, o.Type, o.Period, o.ParentID = f.Title, f.Description, rumbo.ObjectiveType(f.Type), p, parent
	o.OwnerKind, o.Owner = rumbo.OwnerKind(f.OwnerKind), f.Owner
	if o.OwnerKind == rumbo.OwnerOrg {
		o.Owner = ""
	}
}

// applyKR checks the typed fields of the key result's kind and sets them
// on kr. A change to what decides a metric's target unfreezes its
// baseline, start and target, so they are resolved again.
func applyKR(f krForm, kr *rumbo.KeyResult, kpis []option, e *formErrors) {
	if f.Title == "" {
		e.add("kr_title", "form.required")
	}
	if kr.ID == 0 {
		e.oneOf("kr_kind", f.Kind, krKinds)
		kr.Kind = rumbo.KRKind(f.Kind)
	}
	kr.Title = f.Title
	kr.Weight = 1
	if w := e.number("kr_weight", f.Weight); w != nil {
		if w.Sign() <= 0 {
			e.add("kr_weight", "form.positive")
		}
		kr.Weight, _ = w.Float64()
	}
	bound := kr.Kind == rumbo.KRMetric || kr.Kind == rumbo.KRRate || kr.Kind == rumbo.KRGuardrail || kr.Kind == rumbo.KRSegment
	if !bound {
		kr.KPI, kr.Scope, kr.ScopeValue, kr.Filters = "", "", "", nil
	} else {
		if !slices.ContainsFunc(kpis, func(o option) bool { return o.Value == f.KPI }) {
			e.add("kr_kpi", "form.choose")
		}
		kr.KPI = f.KPI
		if f.Scope != "" {
			e.oneOf("kr_scope", f.Scope, krScopes)
			if f.ScopeValue == "" {
				e.add("kr_scope_value", "form.required")
			}
		}
		kr.Scope, kr.ScopeValue = f.Scope, f.ScopeValue
		if f.Scope == "" {
			kr.ScopeValue = ""
		}
		kr.Filters = nil
		for _, part := range strings.FieldsFunc(f.Filter, func(r rune) bool { return r == '\n' || r == ',' }) {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(val) == "" {
				e.add("kr_filter", "form.filter")
				continue
			}
			if kr.Filters == nil {
				kr.Filters = map[string]string{}
			}
			kr.Filters[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
	}
	switch kr.Kind {
	case rumbo.KRMetric:
		e.oneOf("kr_change_kind", f.ChangeKind, changeKinds)
		e.oneOf("kr_direction", f.Direction, directions)
		change := e.need("kr_change", f.Change)
		baseline := rumbo.BaselineNone
		switch rumbo.ChangeKind(f.ChangeKind) {
		case rumbo.ChangeRelative:
			if change != nil && !strings.HasSuffix(f.Change, "%") {
				change.Quo(change, big.NewRat(100, 1)) // typed as a percentage
			}
			fallthrough
		case rumbo.ChangePoints:
			e.oneOf("kr_baseline", f.Baseline, baselines)
			baseline = rumbo.BaselineSource(f.Baseline)
			if change != nil && change.Sign() < 0 {
				e.add("kr_change", "form.notneg")
			}
		}
		same := kr.ID != 0 && kr.ChangeKind == rumbo.ChangeKind(f.ChangeKind) && kr.Baseline == baseline &&
			kr.Direction == rumbo.Direction(f.Direction) && kr.Change != nil && change != nil && kr.Change.Cmp(change) == 0 &&
			kr.KPI == f.KPI && kr.Scope == f.Scope && kr.ScopeValue == f.ScopeValue
		if !same {
			kr.BaselineValue, kr.BaselineResolvedAt, kr.Start, kr.Target = nil, time.Time{}, nil, nil
		}
		kr.ChangeKind, kr.Change, kr.Baseline, kr.Direction = rumbo.ChangeKind(f.ChangeKind), change, baseline, rumbo.Direction(f.Direction)
	case rumbo.KRManual:
		e.oneOf("kr_unit", f.Unit, manualUnits)
		e.oneOf("kr_direction", f.Direction, directions)
		kr.Unit, kr.Direction = rumbo.ManualUnit(f.Unit), rumbo.Direction(f.Direction)
		kr.Start, kr.Target = nil, nil
		if kr.Unit != rumbo.ManualYesNo {
			// A percent key result counts in percent: 40 is 40 %.
			kr.Start = e.need("kr_start", strings.TrimSuffix(f.Start, "%"))
			kr.Target = e.need("kr_target", strings.TrimSuffix(f.Target, "%"))
		}
	case rumbo.KRRate:
		kr.PerRep = f.PerRep
		if f.Rate == "" && kr.ID != 0 && kr.Baseline != "" && kr.Baseline != rumbo.BaselineNone && kr.Change != nil {
			break // the rate follows from its baseline, as the template sets it
		}
		kr.Rate = e.need("kr_rate", f.Rate)
		if kr.Rate != nil && kr.Rate.Sign() <= 0 {
			e.add("kr_rate", "form.positive")
		}
		kr.Baseline, kr.ChangeKind, kr.Change = "", "", nil
	case rumbo.KRMilestone:
		var items []rumbo.MilestoneItem
		for _, line := range strings.Split(f.Items, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				done := false
				for _, it := range kr.Items {
					if it.Title == line {
						done = it.Done
					}
				}
				items = append(items, rumbo.MilestoneItem{Title: line, Done: done})
			}
		}
		if len(items) == 0 && kr.MilestoneSource == "" {
			e.add("kr_items", "form.required")
		}
		if len(items) > 0 {
			kr.Items, kr.MilestoneSource, kr.MilestoneTarget = items, "", 0
		}
	case rumbo.KRGuardrail:
		e.oneOf("kr_op", f.Op, guardOps)
		kr.Op, kr.Min, kr.Max = rumbo.GuardOp(f.Op), nil, nil
		if kr.Op == rumbo.GuardAbove || kr.Op == rumbo.GuardWithin {
			kr.Min = e.need("kr_min", f.Min)
		}
		if kr.Op == rumbo.GuardBelow || kr.Op == rumbo.GuardWithin {
			kr.Max = e.need("kr_max", f.Max)
		}
		if kr.Min != nil && kr.Max != nil && kr.Min.Cmp(kr.Max) > 0 {
			e.add("kr_max", "form.minmax")
		}
	case rumbo.KRSegment:
		e.oneOf("kr_segment_by", f.SegmentBy, segmentDims)
		kr.SegmentBy, kr.Segments, kr.SegmentSource = f.SegmentBy, nil, ""
		for _, seg := range strings.FieldsFunc(f.Segments, func(r rune) bool { return r == '\n' || r == ',' }) {
			if seg = strings.TrimSpace(seg); seg != "" {
				kr.Segments = append(kr.Segments, seg)
			}
		}
		if len(kr.Segments) == 0 {
			if f.SegmentBy != "market" {
				e.add("kr_segments", "form.required")
			}
			kr.SegmentSource = rumbo.SourceNewMarkets
		}
		kr.SegmentTarget = e.need("kr_segment_target", f.SegmentTarget)
		if kr.SegmentTarget != nil && kr.SegmentTarget.Sign() <= 0 {
			e.add("kr_segment_target", "form.positive")
		}
	}
}

// objectiveFormOf fills an objective's form from the stored objective.
func objectiveFormOf(o *rumbo.Objective) objectiveForm {
	f := objectiveForm{Title: o.Title, Description: o.Description, OwnerKind: string(o.OwnerKind), Owner: o.Owner,
		Type: string(o.Type), Period: o.Period.Label}
	if o.ParentID != 0 {
		f.ParentID = strconv.FormatInt(o.ParentID, 10)
	}
	return f
}

// krFormOf fills a key result's form from the stored key result.
func krFormOf(kr *rumbo.KeyResult, lang string) krForm {
	f := krForm{Title: kr.Title, Kind: string(kr.Kind), KPI: kr.KPI, Scope: kr.Scope, ScopeValue: kr.ScopeValue,
		ChangeKind: string(kr.ChangeKind), Baseline: string(kr.Baseline), Direction: string(kr.Direction),
		Unit: string(kr.Unit), Op: string(kr.Op), SegmentBy: kr.SegmentBy, Segments: strings.Join(kr.Segments, ", "),
		PerRep: kr.PerRep, Start: numText(kr.Start, lang), Target: numText(kr.Target, lang), Rate: numText(kr.Rate, lang),
		Min: numText(kr.Min, lang), Max: numText(kr.Max, lang), SegmentTarget: numText(kr.SegmentTarget, lang)}
	if kr.Weight != 0 && kr.Weight != 1 {
		f.Weight = numText(new(big.Rat).SetFloat64(kr.Weight), lang)
	}
	if f.Direction == "" {
		f.Direction = string(rumbo.Increase)
	}
	if kr.Change != nil {
		ch := kr.Change
		if kr.ChangeKind == rumbo.ChangeRelative {
			ch = new(big.Rat).Mul(ch, big.NewRat(100, 1))
		}
		f.Change = numText(ch, lang)
	}
	var filters []string
	for k, v := range kr.Filters {
		filters = append(filters, k+"="+v)
	}
	slices.Sort(filters)
	f.Filter = strings.Join(filters, ", ")
	var items []string
	for _, it := range kr.Items {
		items = append(items, it.Title)
	}
	f.Items = strings.Join(items, "\n")
	return f
}

// newKRForm is the form of a new key result: bound to a KPI, with an
// absolute target, going up.
func newKRForm() krForm {
	return krForm{Kind: "metric", KPI: "revenue", ChangeKind: string(rumbo.ChangeAbsolute), Baseline: string(rumbo.BaselinePreviousQuarter),
		Direction: string(rumbo.Increase), Unit: string(rumbo.ManualNumber), Start: "0", Op: string(rumbo.GuardAbove), SegmentBy: "market"}
}

// formChoices fills the form's periods, possible parents (the objectives of
// the organisation but o) and KPIs.
func (s *Server) formChoices(ctx context.Context, c *caller, v *view, fv *okrFormView, selfID int64) error {
	cur := rumbo.PeriodOf(v.Now.In(v.Loc), rumbo.GrainQuarter, v.Loc)
	next := rumbo.PeriodOf(cur.End, rumbo.GrainQuarter, v.Loc)
	fv.Periods = []string{cur.Previous().Label, cur.Label, next.Label, rumbo.PeriodOf(next.End, rumbo.GrainQuarter, v.Loc).Label}
	if p := fv.Obj.Period; p != "" && !slices.Contains(fv.Periods, p) {
		fv.Periods = append([]string{p}, fv.Periods...)
	}
	objs, err := s.store.Objectives(ctx, c.org.ID, nil)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.ID != selfID {
			fv.Parents = append(fv.Parents, option{Value: strconv.FormatInt(o.ID, 10), Label: o.Period.Label + " · " + o.Title})
		}
	}
	defs, err := s.engine.Definitions(ctx, c.org)
	if err != nil {
		return err
	}
	for _, d := range defs {
		fv.KPIs = append(fv.KPIs, option{Value: d.Key, Label: kpiName(d, v.Lang)})
	}
	return nil
}

// renderOKRForm shows the form, with status 400 when it has errors.
func (s *Server) renderOKRForm(w nethttp.ResponseWriter, v *view, fv *okrFormView) error {
	v.Title, v.Nav, v.Data = fv.Heading, "okrs", fv
	status := nethttp.StatusOK
	if len(fv.Errors) > 0 || fv.Error != "" {
		status = nethttp.StatusBadRequest
		if fv.Error == "" {
			fv.Error = T(v.Lang, "form.fix")
		}
	}
	return s.render(w, status, "okrform", "", v)
}
