package http

import (
	"encoding/json"
	"math/big"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/okr"
)

// Objectives and key results travel as snake_case JSON; exact numbers
// (baselines, targets, rates, bounds) are decimal strings.

// periodJSON is a period with its label.
type periodJSON struct {
	Label string    `json:"label"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type objectiveJSON struct {
	ID            int64           `json:"id"`
	Title         string          `json:"title"`
	Description   string          `json:"description"`
	OwnerKind     rumbo.OwnerKind `json:"owner_kind"`
	Owner         string          `json:"owner"`
	Period        periodJSON      `json:"period"`
	Type          string          `json:"type"`
	ParentID      *int64          `json:"parent_id"`
	KeyResults    []krJSON        `json:"key_results"`
	Score         *float64        `json:"score"`
	ScoreOverride *float64        `json:"score_override"`
	ScoreNote     string          `json:"score_note,omitempty"`
}

type itemJSON struct {
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

type krJSON struct {
	ID                 int64             `json:"id"`
	ObjectiveID        int64             `json:"objective_id"`
	Title              string            `json:"title"`
	Kind               rumbo.KRKind      `json:"kind"`
	Weight             float64           `json:"weight"`
	KPI                string            `json:"kpi,omitempty"`
	Scope              string            `json:"scope,omitempty"`
	ScopeValue         string            `json:"scope_value,omitempty"`
	Filters            map[string]string `json:"filters,omitempty"`
	Baseline           string            `json:"baseline,omitempty"`
	ChangeKind         string            `json:"change_kind,omitempty"`
	Change             *string           `json:"change,omitempty"`
	Direction          string            `json:"direction,omitempty"`
	BaselineValue      *string           `json:"baseline_value,omitempty"`
	BaselineResolvedAt *time.Time        `json:"baseline_resolved_at,omitempty"`
	Start              *string           `json:"start,omitempty"`
	Target             *string           `json:"target,omitempty"`
	Rate               *string           `json:"rate,omitempty"`
	PerRep             bool              `json:"per_rep,omitempty"`
	RateMode           string            `json:"rate_mode,omitempty"`
	SegmentBy          string            `json:"segment_by,omitempty"`
	Segments           []string          `json:"segments,omitempty"`
	SegmentSource      string            `json:"segment_source,omitempty"`
	SegmentTarget      *string           `json:"segment_target,omitempty"`
	Unit               string            `json:"unit,omitempty"`
	Items              []itemJSON        `json:"items,omitempty"`
	MilestoneSource    string            `json:"milestone_source,omitempty"`
	MilestoneTarget    int               `json:"milestone_target,omitempty"`
	Op                 string            `json:"op,omitempty"`
	Min                *string           `json:"min,omitempty"`
	Max                *string           `json:"max,omitempty"`
	Score              *float64          `json:"score"`
	ScoreOverride      *float64          `json:"score_override"`
	ScoreNote          string            `json:"score_note,omitempty"`
}

func ratPtr(r *big.Rat) *string {
	if r == nil {
		return nil
	}
	s := ratString(r)
	return &s
}

func newKRJSON(kr *rumbo.KeyResult) krJSON {
	out := krJSON{ID: kr.ID, ObjectiveID: kr.ObjectiveID, Title: kr.Title, Kind: kr.Kind, Weight: kr.Weight, KPI: kr.KPI,
		Scope: kr.Scope, ScopeValue: kr.ScopeValue, Filters: kr.Filters, Baseline: string(kr.Baseline),
		ChangeKind: string(kr.ChangeKind), Change: ratPtr(kr.Change), Direction: string(kr.Direction),
		BaselineValue: ratPtr(kr.BaselineValue), BaselineResolvedAt: timePtr(kr.BaselineResolvedAt),
		Start: ratPtr(kr.Start), Target: ratPtr(kr.Target), Rate: ratPtr(kr.Rate), PerRep: kr.PerRep,
		RateMode: string(kr.RateMode), SegmentBy: kr.SegmentBy, Segments: kr.Segments, SegmentSource: kr.SegmentSource,
		SegmentTarget: ratPtr(kr.SegmentTarget), Unit: string(kr.Unit), MilestoneSource: kr.MilestoneSource,
		MilestoneTarget: kr.MilestoneTarget, Op: string(kr.Op), Min: ratPtr(kr.Min), Max: ratPtr(kr.Max),
		Score: kr.Score, ScoreOverride: kr.ScoreOverride, ScoreNote: kr.ScoreNote}
	if out.Weight == 0 {
		out.Weight = 1
	}
	for _, it := range kr.Items {
		out.Items = append(out.Items, itemJSON{Title: it.Title, Done: it.Done})
	}
	return out
}

func newObjectiveJSON(o *rumbo.Objective, c *caller) objectiveJSON {
	out := objectiveJSON{ID: o.ID, Title: o.Title, Description: o.Description, OwnerKind: o.OwnerKind, Owner: o.Owner,
		Period: periodJSON{Label: o.Period.Label, Start: o.Period.Start.UTC(), End: o.Period.End.UTC()},
		Type:   string(o.Type), KeyResults: []krJSON{}, Score: o.Score, ScoreOverride: o.ScoreOverride, ScoreNote: o.ScoreNote}
	if o.ParentID != 0 {
		out.ParentID = &o.ParentID
	}
	for i := range o.KeyResults {
		if c.seesKR(&o.KeyResults[i]) {
			out.KeyResults = append(out.KeyResults, newKRJSON(&o.KeyResults[i]))
		}
	}
	return out
}

// seesObjective reports whether the caller may see the objective: members
// without the leaderboard do not see another rep's objectives.
func (c *caller) seesObjective(o *rumbo.Objective) bool {
	return c.seesOthers() || o.OwnerKind != rumbo.OwnerPerson || (c.member.Person != "" && strings.EqualFold(o.Owner, c.member.Person))
}

// seesKR reports whether the caller may see the key result: members
// without the leaderboard do not see one scoped to another rep.
func (c *caller) seesKR(kr *rumbo.KeyResult) bool {
	return c.seesOthers() || kr.Scope != "owner" || (c.member.Person != "" && strings.EqualFold(kr.ScopeValue, c.member.Person))
}

// okrService is the OKR service the CLI uses, on the server's store and clock.
func (s *Server) okrService() *okr.Service { return okr.New(s.store, s.now) }

// okrPeriod returns the period of period or from/to, or the current quarter.
func (s *Server) okrPeriod(org *rumbo.Org, p, from, to string) (rumbo.Period, error) {
	pp, err := period(org, p, from, to)
	if err != nil {
		return rumbo.Period{}, err
	}
	if pp != nil {
		return *pp, nil
	}
	loc, err := org.Location()
	if err != nil {
		return rumbo.Period{}, err
	}
	return rumbo.PeriodOf(s.now().In(loc), rumbo.GrainQuarter, loc), nil
}

func pathID(r *nethttp.Request, noun string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, rumbo.Errorf(rumbo.EINVALID, "%s id %q is not a number", noun, r.PathValue("id"))
	}
	return id, nil
}

// listObjectives lists the objectives whose period starts in ?period= (or
// from/to; the current quarter by default), or every one with ?all=true.
func (s *Server) listObjectives(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	q := r.URL.Query()
	var pp *rumbo.Period
	if q.Get("all") != "true" {
		p, err := s.okrPeriod(c.org, q.Get("period"), q.Get("from"), q.Get("to"))
		if err != nil {
			return err
		}
		pp = &p
	}
	objs, err := s.store.Objectives(r.Context(), c.org.ID, pp)
	if err != nil {
		return err
	}
	out := []objectiveJSON{}
	for i := range objs {
		if c.seesObjective(&objs[i]) {
			out = append(out, newObjectiveJSON(&objs[i], c))
		}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"objectives": out})
	return nil
}

// findObjective returns the objective of the path's {id}; another rep's,
// hidden from a member, is not found.
func (s *Server) findObjective(r *nethttp.Request, c *caller) (*rumbo.Objective, error) {
	id, err := pathID(r, "objective")
	if err != nil {
		return nil, err
	}
	o, err := s.store.Objective(r.Context(), c.org.ID, id)
	if err != nil {
		return nil, err
	}
	if !c.seesObjective(o) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "objective %d not found", id)
	}
	return o, nil
}

func (s *Server) getObjective(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	o, err := s.findObjective(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, newObjectiveJSON(o, c))
	return nil
}

// objectiveRequest creates or changes an objective; absent fields stay.
type objectiveRequest struct {
	Title       *string     `json:"title"`
	Description *string     `json:"description"`
	OwnerKind   *string     `json:"owner_kind"`
	Owner       *string     `json:"owner"`
	Period      *string     `json:"period"`
	From        string      `json:"from"`
	To          string      `json:"to"`
	Type        *string     `json:"type"`
	ParentID    *int64      `json:"parent_id"`
	KeyResults  []krRequest `json:"key_results"`
}

// apply sets the request's fields on o.
func (req *objectiveRequest) apply(s *Server, c *caller, o *rumbo.Objective) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&o.Title, req.Title)
	set(&o.Description, req.Description)
	if req.OwnerKind != nil {
		o.OwnerKind = rumbo.OwnerKind(strings.TrimSpace(*req.OwnerKind))
	}
	set(&o.Owner, req.Owner)
	if o.OwnerKind == "" {
		o.OwnerKind = rumbo.OwnerOrg
	}
	if o.OwnerKind == rumbo.OwnerOrg {
		o.Owner = ""
	}
	if req.Type != nil {
		o.Type = rumbo.ObjectiveType(strings.TrimSpace(*req.Type))
	}
	if o.Type == "" {
		o.Type = rumbo.Committed
	}
	if req.ParentID != nil {
		o.ParentID = *req.ParentID
	}
	if req.Period != nil || req.From != "" || req.To != "" || o.Period.Start.IsZero() {
		ps := ""
		if req.Period != nil {
			ps = *req.Period
		}
		p, err := s.okrPeriod(c.org, ps, req.From, req.To)
		if err != nil {
			return err
		}
		o.Period = p
	}
	return nil
}

// createObjective creates an objective, with its key results if given.
func (s *Server) createObjective(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req objectiveRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var o rumbo.Objective
	if err := req.apply(s, c, &o); err != nil {
		return err
	}
	for i := range req.KeyResults {
		var kr rumbo.KeyResult
		if err := req.KeyResults[i].apply(&kr); err != nil {
			return err
		}
		if err := s.checkKRKPI(r, c, &kr); err != nil {
			return err
		}
		o.KeyResults = append(o.KeyResults, kr)
	}
	if err := s.store.CreateObjective(r.Context(), c.org.ID, &o); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/objectives/"+strconv.FormatInt(o.ID, 10))
	writeJSON(w, nethttp.StatusCreated, newObjectiveJSON(&o, c))
	return nil
}

// patchObjective changes an objective's own fields (not its key results).
func (s *Server) patchObjective(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req objectiveRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.KeyResults != nil {
		return rumbo.Errorf(rumbo.EINVALID, "change key results at /api/v1/key-results/{id}")
	}
	o, err := s.findObjective(r, c)
	if err != nil {
		return err
	}
	if err := req.apply(s, c, o); err != nil {
		return err
	}
	if err := s.store.UpdateObjective(r.Context(), c.org.ID, o); err != nil {
		return err
	}
	if o, err = s.store.Objective(r.Context(), c.org.ID, o.ID); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, newObjectiveJSON(o, c))
	return nil
}

func (s *Server) deleteObjective(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	id, err := pathID(r, "objective")
	if err != nil {
		return err
	}
	if err := s.store.DeleteObjective(r.Context(), c.org.ID, id); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

// krRequest creates or changes a key result; absent fields stay. Numbers
// are exact: 120000, "1250.50", 0.25 or "25%".
type krRequest struct {
	Title           *string            `json:"title"`
	Kind            *string            `json:"kind"`
	Weight          *float64           `json:"weight"`
	KPI             *string            `json:"kpi"`
	Scope           *string            `json:"scope"`
	ScopeValue      *string            `json:"scope_value"`
	Filters         *map[string]string `json:"filters"`
	Baseline        *string            `json:"baseline"`
	ChangeKind      *string            `json:"change_kind"`
	Change          json.RawMessage    `json:"change"`
	Direction       *string            `json:"direction"`
	Start           json.RawMessage    `json:"start"`
	Target          json.RawMessage    `json:"target"`
	Rate            json.RawMessage    `json:"rate"`
	PerRep          *bool              `json:"per_rep"`
	RateMode        *string            `json:"rate_mode"`
	SegmentBy       *string            `json:"segment_by"`
	Segments        *[]string          `json:"segments"`
	SegmentSource   *string            `json:"segment_source"`
	SegmentTarget   json.RawMessage    `json:"segment_target"`
	Unit            *string            `json:"unit"`
	Items           *[]itemJSON        `json:"items"`
	MilestoneSource *string            `json:"milestone_source"`
	MilestoneTarget *int               `json:"milestone_target"`
	Op              *string            `json:"op"`
	Min             json.RawMessage    `json:"min"`
	Max             json.RawMessage    `json:"max"`
}

// ratField reads an exact number; JSON null or absent clears it only when given.
func ratField(name string, raw json.RawMessage, dst **big.Rat) error {
	if raw == nil {
		return nil
	}
	if string(raw) == "null" {
		*dst = nil
		return nil
	}
	v, err := parseTargetValue(raw)
	if err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "%s: %s", name, rumbo.ErrorMessage(err))
	}
	*dst = v
	return nil
}

// apply sets the request's fields on kr. A change to what decides a
// metric's or rate's target unfreezes it, so that it is resolved again, as
// rumbo okr kr edit does.
func (req *krRequest) apply(kr *rumbo.KeyResult) error {
	str := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	str(&kr.Title, req.Title)
	if req.Kind != nil {
		kr.Kind = rumbo.KRKind(strings.TrimSpace(*req.Kind))
	}
	if req.Weight != nil {
		kr.Weight = *req.Weight
	}
	str(&kr.KPI, req.KPI)
	str(&kr.Scope, req.Scope)
	str(&kr.ScopeValue, req.ScopeValue)
	if kr.ScopeValue == "" {
		kr.Scope = ""
	}
	if req.Filters != nil {
		kr.Filters = *req.Filters
	}
	unfreeze := req.Baseline != nil || req.ChangeKind != nil || req.Change != nil || req.Direction != nil
	if req.Baseline != nil {
		kr.Baseline = rumbo.BaselineSource(strings.TrimSpace(*req.Baseline))
	}
	if req.ChangeKind != nil {
		kr.ChangeKind = rumbo.ChangeKind(strings.TrimSpace(*req.ChangeKind))
	}
	if req.Direction != nil {
		kr.Direction = rumbo.Direction(strings.TrimSpace(*req.Direction))
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  **big.Rat
	}{{"change", req.Change, &kr.Change}, {"start", req.Start, &kr.Start}, {"target", req.Target, &kr.Target},
		{"rate", req.Rate, &kr.Rate}, {"segment_target", req.SegmentTarget, &kr.SegmentTarget},
		{"min", req.Min, &kr.Min}, {"max", req.Max, &kr.Max}} {
		if err := ratField(f.name, f.raw, f.dst); err != nil {
			return err
		}
	}
	if kr.Kind == rumbo.KRMetric && kr.ChangeKind == rumbo.ChangeAbsolute && kr.Baseline == "" {
		kr.Baseline = rumbo.BaselineNone
	}
	if (kr.ChangeKind == rumbo.ChangeRelative || kr.ChangeKind == rumbo.ChangePoints) && kr.Baseline == "" {
		kr.Baseline = rumbo.BaselinePreviousQuarter
	}
	if unfreeze && kr.Kind == rumbo.KRMetric {
		kr.BaselineValue, kr.BaselineResolvedAt = nil, time.Time{}
		if req.Start == nil {
			kr.Start = nil
		}
		if req.Target == nil {
			kr.Target = nil
		}
	}
	if unfreeze && kr.Kind == rumbo.KRRate && req.Rate == nil {
		kr.Rate = nil
	}
	if req.PerRep != nil {
		kr.PerRep = *req.PerRep
	}
	if req.RateMode != nil {
		kr.RateMode = rumbo.RateMode(strings.TrimSpace(*req.RateMode))
	}
	str(&kr.SegmentBy, req.SegmentBy)
	if kr.Kind == rumbo.KRSegment && kr.SegmentBy == "" {
		kr.SegmentBy = "market"
	}
	if req.Segments != nil {
		kr.Segments = *req.Segments
	}
	str(&kr.SegmentSource, req.SegmentSource)
	if req.Unit != nil {
		kr.Unit = rumbo.ManualUnit(strings.TrimSpace(*req.Unit))
	}
	if req.Items != nil {
		kr.Items = nil
		for _, it := range *req.Items {
			kr.Items = append(kr.Items, rumbo.MilestoneItem{Title: strings.TrimSpace(it.Title), Done: it.Done})
		}
	}
	str(&kr.MilestoneSource, req.MilestoneSource)
	if req.MilestoneTarget != nil {
		kr.MilestoneTarget = *req.MilestoneTarget
	}
	if req.Op != nil {
		kr.Op = rumbo.GuardOp(strings.TrimSpace(*req.Op))
	}
	if kr.Kind == rumbo.KRGuardrail && kr.Op == "" {
		switch {
		case kr.Min != nil && kr.Max != nil:
			kr.Op = rumbo.GuardWithin
		case kr.Min != nil:
			kr.Op = rumbo.GuardAbove
		case kr.Max != nil:
			kr.Op = rumbo.GuardBelow
		}
	}
	if kr.Weight == 0 {
		kr.Weight = 1
	}
	return nil
}

// checkKRKPI refuses a key result bound to a KPI the organisation lacks,
// or that cannot mean anything on its KPI (rumbo.CheckMetricKR).
func (s *Server) checkKRKPI(r *nethttp.Request, c *caller, kr *rumbo.KeyResult) error {
	if kr.KPI == "" {
		return nil
	}
	defs, err := s.engine.Definitions(r.Context(), c.org)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if d.Key == kr.KPI {
			return rumbo.CheckMetricKR(*kr, d.Additive)
		}
	}
	return rumbo.Errorf(rumbo.EINVALID, "key result %q: unknown KPI %q (GET /api/v1/kpis lists them)", kr.Title, kr.KPI)
}

// createKR adds a key result to the objective of the path's {id}.
func (s *Server) createKR(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req krRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	o, err := s.findObjective(r, c)
	if err != nil {
		return err
	}
	kr := rumbo.KeyResult{ObjectiveID: o.ID}
	if err := req.apply(&kr); err != nil {
		return err
	}
	if err := s.checkKRKPI(r, c, &kr); err != nil {
		return err
	}
	if err := s.store.CreateKeyResult(r.Context(), c.org.ID, &kr); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/key-results/"+strconv.FormatInt(kr.ID, 10))
	writeJSON(w, nethttp.StatusCreated, newKRJSON(&kr))
	return nil
}

// findKR returns the key result of the path's {id} with its objective; one
// hidden from a member is not found.
func (s *Server) findKR(r *nethttp.Request, c *caller) (*rumbo.KeyResult, *rumbo.Objective, error) {
	id, err := pathID(r, "key result")
	if err != nil {
		return nil, nil, err
	}
	kr, err := s.store.KeyResult(r.Context(), c.org.ID, id)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.store.Objective(r.Context(), c.org.ID, kr.ObjectiveID)
	if err != nil {
		return nil, nil, err
	}
	if !c.seesObjective(o) || !c.seesKR(kr) {
		return nil, nil, rumbo.Errorf(rumbo.ENOTFOUND, "key result %d not found", id)
	}
	return kr, o, nil
}

func (s *Server) getKR(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	kr, _, err := s.findKR(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, newKRJSON(kr))
	return nil
}

func (s *Server) patchKR(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req krRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	kr, _, err := s.findKR(r, c)
	if err != nil {
		return err
	}
	if err := req.apply(kr); err != nil {
		return err
	}
	if req.KPI != nil {
		if err := s.checkKRKPI(r, c, kr); err != nil {
			return err
		}
	}
	if err := s.store.UpdateKeyResult(r.Context(), c.org.ID, kr); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, newKRJSON(kr))
	return nil
}

func (s *Server) deleteKR(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	id, err := pathID(r, "key result")
	if err != nil {
		return err
	}
	if err := s.store.DeleteKeyResult(r.Context(), c.org.ID, id); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}
