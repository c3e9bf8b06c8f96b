package http

import (
	"math/big"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/okr"
)

// periodQuery returns the OKR period of a request's period or from/to
// parameters, the current quarter by default, refusing other parameters.
func (s *Server) periodQuery(r *nethttp.Request, c *caller) (rumbo.Period, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return rumbo.Period{}, rumbo.Errorf(rumbo.EINVALID, "query string: %v", err)
	}
	for k := range q {
		if k != "period" && k != "from" && k != "to" {
			return rumbo.Period{}, rumbo.Errorf(rumbo.EINVALID, "unknown parameter %q (valid: period, from, to)", k)
		}
	}
	return s.okrPeriod(c.org, q.Get("period"), q.Get("from"), q.Get("to"))
}

// okrStatus returns the status tree of the period's objectives: the same
// JSON as rumbo okr status --format json. Like the command, it records
// today's snapshot of each metric key result that has none yet. A member
// without the leaderboard does not see other reps' objectives and key
// results.
func (s *Server) okrStatus(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	p, err := s.periodQuery(r, c)
	if err != nil {
		return err
	}
	st, err := s.okrService().Status(r.Context(), c.org, p)
	if err != nil {
		return err
	}
	if !c.seesOthers() {
		objs, err := s.store.Objectives(r.Context(), c.org.ID, &p)
		if err != nil {
			return err
		}
		hidden, hiddenKR := map[int64]bool{}, map[int64]bool{}
		for i := range objs {
			hidden[objs[i].ID] = !c.seesObjective(&objs[i])
			for j := range objs[i].KeyResults {
				hiddenKR[objs[i].KeyResults[j].ID] = !c.seesKR(&objs[i].KeyResults[j])
			}
		}
		kept := []rumbo.ObjectiveStatus{}
		for _, o := range st.Objectives {
			if hidden[o.ID] {
				continue
			}
			krs := []rumbo.KRStatus{}
			for _, k := range o.KeyResults {
				if !hiddenKR[k.ID] {
					krs = append(krs, k)
				}
			}
			o.KeyResults = krs
			kept = append(kept, o)
		}
		st.Objectives = kept
	}
	writeJSON(w, nethttp.StatusOK, st)
	return nil
}

// checkInJSON is a check-in as the API shows it.
type checkInJSON struct {
	ID         int64     `json:"id"`
	KRID       int64     `json:"key_result_id"`
	Value      *string   `json:"value"`
	Confidence *int      `json:"confidence"`
	Comment    string    `json:"comment"`
	Author     string    `json:"author"`
	At         time.Time `json:"at"`
}

func newCheckInJSON(ci *rumbo.CheckIn) checkInJSON {
	return checkInJSON{ID: ci.ID, KRID: ci.KRID, Value: ratPtr(ci.Value), Confidence: ci.Confidence,
		Comment: ci.Comment, Author: ci.Author, At: ci.At.UTC()}
}

// listCheckIns lists a key result's check-ins by time.
func (s *Server) listCheckIns(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	kr, _, err := s.findKR(r, c)
	if err != nil {
		return err
	}
	cis, err := s.store.CheckIns(r.Context(), c.org.ID, kr.ID)
	if err != nil {
		return err
	}
	out := []checkInJSON{}
	for i := range cis {
		out = append(out, newCheckInJSON(&cis[i]))
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"check_ins": out})
	return nil
}

// checkInRequest is a check-in: a value (manual key results; yes/no takes
// "yes" or "no"), a confidence from 0 to 10, a comment, and the number
// (from 1) of a milestone item done.
type checkInRequest struct {
	Value      *string `json:"value"`
	Confidence *int    `json:"confidence"`
	Comment    string  `json:"comment"`
	Done       *int    `json:"done"`
}

// ownsKR reports whether a member owns the key result: it, or its
// objective, belongs to the member's linked person or to that person's team.
func (s *Server) ownsKR(r *nethttp.Request, c *caller, o *rumbo.Objective, kr *rumbo.KeyResult) (bool, error) {
	person := c.member.Person
	if person == "" {
		return false, nil
	}
	if (o.OwnerKind == rumbo.OwnerPerson && strings.EqualFold(o.Owner, person)) ||
		(kr.Scope == "owner" && strings.EqualFold(kr.ScopeValue, person)) {
		return true, nil
	}
	page, err := s.store.ListRecords(r.Context(), c.org.ID, rumbo.EntityPeople,
		rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "name", Value: person}}, Limit: 1})
	if err != nil {
		return false, err
	}
	team := ""
	if len(page.Records) > 0 {
		if p, ok := page.Records[0].(*rumbo.Person); ok {
			team = p.Team
		}
	}
	return team != "" && ((o.OwnerKind == rumbo.OwnerTeam && strings.EqualFold(o.Owner, team)) ||
		(kr.Scope == "team" && strings.EqualFold(kr.ScopeValue, team))), nil
}

// checkIn records a check-in authored by the caller. Members check in only
// on the key results they own.
func (s *Server) checkIn(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req checkInRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
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
			return rumbo.Errorf(rumbo.EFORBIDDEN, "members check in only on key results they or their team own")
		}
	}
	ci := rumbo.CheckIn{KRID: kr.ID, Confidence: req.Confidence, Comment: strings.TrimSpace(req.Comment),
		Author: c.user.Email, At: s.now()}
	if ci.Confidence != nil && (*ci.Confidence < 0 || *ci.Confidence > 10) {
		return rumbo.Errorf(rumbo.EINVALID, "confidence %d: use 0 to 10", *ci.Confidence)
	}
	if req.Value != nil {
		if kr.Kind != rumbo.KRManual {
			return rumbo.Errorf(rumbo.EINVALID, "key result %d is a %s key result measured from data; a check-in gives it a confidence and a comment, not a value", kr.ID, kr.Kind)
		}
		if ci.Value, err = checkInValue(*req.Value, kr.Unit); err != nil {
			return err
		}
	}
	if req.Done != nil {
		n := *req.Done
		if kr.Kind != rumbo.KRMilestone || n < 1 || n > len(kr.Items) {
			return rumbo.Errorf(rumbo.EINVALID, "done %d: key result %d has %d milestone items", n, kr.ID, len(kr.Items))
		}
		kr.Items[n-1].Done = true
		if err := s.store.UpdateKeyResult(r.Context(), c.org.ID, kr); err != nil {
			return err
		}
		if ci.Comment == "" {
			ci.Comment = "done: " + kr.Items[n-1].Title
		}
	}
	if err := s.store.AddCheckIn(r.Context(), c.org.ID, &ci); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusCreated, newCheckInJSON(&ci))
	return nil
}

// checkInValue reads yes/no for a yes/no key result, else an exact number.
func checkInValue(s string, unit rumbo.ManualUnit) (*big.Rat, error) {
	if unit == rumbo.ManualYesNo {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes", "y", "sí", "si", "true", "1":
			return big.NewRat(1, 1), nil
		case "no", "n", "false", "0":
			return new(big.Rat), nil
		}
		return nil, rumbo.Errorf(rumbo.EINVALID, "value %q: a yes/no key result takes yes or no", s)
	}
	v, err := parseTargetValue([]byte(strconv.Quote(s)))
	if err != nil {
		return nil, rumbo.Errorf(rumbo.EINVALID, "value %q is not a number", s)
	}
	return v, nil
}

type closeRequest struct {
	Period string `json:"period"`
	From   string `json:"from"`
	To     string `json:"to"`
	Force  bool   `json:"force"`
}

// closeOKRs scores the objectives of an ended period (or any period with
// force), as rumbo okr close does, and returns them with a grade.
func (s *Server) closeOKRs(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req closeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Period == "" && req.From == "" {
		return rumbo.Errorf(rumbo.EINVALID, "period required, e.g. {\"period\":\"2026-Q1\"}")
	}
	p, err := s.okrPeriod(c.org, req.Period, req.From, req.To)
	if err != nil {
		return err
	}
	objs, err := s.okrService().Close(r.Context(), c.org, p, req.Force)
	if err != nil {
		return err
	}
	type scored struct {
		objectiveJSON
		Grade string `json:"grade"`
	}
	out := []scored{}
	for i := range objs {
		grade := ""
		if objs[i].Score != nil {
			grade = rumbo.GradeText(*objs[i].Score, objs[i].Type, c.org.Lang)
		}
		out = append(out, scored{newObjectiveJSON(&objs[i], c), grade})
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"period": p.Label, "objectives": out})
	return nil
}

type overrideRequest struct {
	ObjectiveID int64    `json:"objective_id"`
	KeyResultID int64    `json:"key_result_id"`
	Score       *float64 `json:"score"`
	Note        string   `json:"note"`
}

// overrideScore records a manual score with its note on an objective or a
// key result, as rumbo okr score does.
func (s *Server) overrideScore(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req overrideRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if (req.ObjectiveID == 0) == (req.KeyResultID == 0) {
		return rumbo.Errorf(rumbo.EINVALID, "give objective_id or key_result_id")
	}
	if req.Score == nil || *req.Score < 0 || *req.Score > 1 {
		return rumbo.Errorf(rumbo.EINVALID, "score from 0.0 to 1.0 required")
	}
	if strings.TrimSpace(req.Note) == "" {
		return rumbo.Errorf(rumbo.EINVALID, "note required: say why the score is overridden")
	}
	id := req.KeyResultID
	if req.ObjectiveID != 0 {
		id = req.ObjectiveID
	}
	if err := s.okrService().Override(r.Context(), c.org, req.ObjectiveID != 0, id, *req.Score, strings.TrimSpace(req.Note)); err != nil {
		return err
	}
	oid := req.ObjectiveID
	if oid == 0 {
		kr, err := s.store.KeyResult(r.Context(), c.org.ID, id)
		if err != nil {
			return err
		}
		oid = kr.ObjectiveID
	}
	o, err := s.store.Objective(r.Context(), c.org.ID, oid)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, newObjectiveJSON(o, c))
	return nil
}

// listTemplates lists the OKR templates.
func (s *Server) listTemplates(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	type templateJSON struct {
		Key        string `json:"key"`
		Title      string `json:"title"`
		Objectives int    `json:"objectives"`
		KeyResults int    `json:"key_results"`
	}
	out := []templateJSON{}
	for _, t := range okr.Templates() {
		title := t.Title[c.org.Lang]
		if title == "" {
			title = t.Title["es"]
		}
		out = append(out, templateJSON{Key: t.Key, Title: title, Objectives: t.Objectives, KeyResults: t.KeyResults})
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"templates": out})
	return nil
}

type applyRequest struct {
	Period string `json:"period"`
	From   string `json:"from"`
	To     string `json:"to"`
	Team   string `json:"team"`
	Lang   string `json:"lang"`
}

// applyTemplate creates a template's objectives for a period, as rumbo okr
// template apply does; the language defaults to the organisation's.
func (s *Server) applyTemplate(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req applyRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	lang := req.Lang
	if lang == "" {
		lang = c.org.Lang
	}
	if lang != "es" && lang != "en" {
		return rumbo.Errorf(rumbo.EINVALID, "lang %q: use es or en", req.Lang)
	}
	p, err := s.okrPeriod(c.org, req.Period, req.From, req.To)
	if err != nil {
		return err
	}
	objs, err := s.okrService().ApplyTemplate(r.Context(), c.org, r.PathValue("key"), lang, p, strings.TrimSpace(req.Team))
	if err != nil {
		return err
	}
	out := []objectiveJSON{}
	for i := range objs {
		out = append(out, newObjectiveJSON(&objs[i], c))
	}
	writeJSON(w, nethttp.StatusCreated, map[string]any{"objectives": out})
	return nil
}

// listExcludedWeeks lists the ISO weeks left out of rate and guardrail key results.
func (s *Server) listExcludedWeeks(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	weeks, err := s.store.ExcludedWeeks(r.Context(), c.org.ID)
	if err != nil {
		return err
	}
	if weeks == nil {
		weeks = []string{}
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"weeks": weeks})
	return nil
}

// excludeWeek leaves the path's ISO week out; excluding it twice changes nothing.
func (s *Server) excludeWeek(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	if err := s.store.ExcludeWeek(r.Context(), c.org.ID, r.PathValue("week")); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

// includeWeek counts an excluded week again.
func (s *Server) includeWeek(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	if err := s.store.IncludeWeek(r.Context(), c.org.ID, r.PathValue("week")); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}
