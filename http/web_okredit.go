package http

import (
	nethttp "net/http"
	"net/url"
	"strconv"

	"github.com/rumbo-app/rumbo"
)

// The pages that create, edit and delete objectives and key results, on
// the forms of web_okrform.go. Each needs okrs.write (routes in web.go).

// okrDone goes back to the OKR tree of the period, at the row, saying what was done.
func okrDone(w nethttp.ResponseWriter, r *nethttp.Request, period, done, anchor string) {
	nethttp.Redirect(w, r, "/okrs?"+url.Values{"period": {period}, "done": {done}}.Encode()+anchor, nethttp.StatusSeeOther)
}

func objectiveURL(id int64) string { return "/okrs/objectives/" + strconv.FormatInt(id, 10) }

// objectiveNew shows the form of a new objective with its first key result.
func (s *Server) objectiveNew(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	p, err := s.okrPeriod(c.org, r.URL.Query().Get("period"), "", "")
	if err != nil {
		return err
	}
	fv := &okrFormView{Heading: T(v.Lang, "okr.new"), Action: "/okrs/objectives", Back: "/okrs?period=" + url.QueryEscape(p.Label),
		ShowObjective: true, WithKR: true, KR: newKRForm(),
		Obj: objectiveForm{OwnerKind: string(rumbo.OwnerOrg), Type: string(rumbo.Committed), Period: p.Label}}
	if err := s.formChoices(r.Context(), c, v, fv, 0); err != nil {
		return err
	}
	return s.renderOKRForm(w, v, fv)
}

// objectiveCreate creates an objective with its first key result.
func (s *Server) objectiveCreate(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	fv := &okrFormView{Heading: T(v.Lang, "okr.new"), Action: "/okrs/objectives", ShowObjective: true, WithKR: true,
		Obj: readObjectiveForm(r), KR: readKRForm(r), Errors: map[string]string{}}
	fv.Back = "/okrs?period=" + url.QueryEscape(fv.Obj.Period)
	if err := s.formChoices(r.Context(), c, v, fv, 0); err != nil {
		return err
	}
	e := &formErrors{m: fv.Errors, lang: v.Lang}
	var o rumbo.Objective
	var kr rumbo.KeyResult
	s.applyObjective(c, fv.Obj, &o, fv.Parents, e)
	applyKR(fv.KR, &kr, fv.KPIs, e)
	if len(fv.Errors) > 0 {
		return s.renderOKRForm(w, v, fv)
	}
	o.KeyResults = []rumbo.KeyResult{kr}
	if err := s.store.CreateObjective(r.Context(), c.org.ID, &o); err != nil {
		if rumbo.ErrorCode(err) != rumbo.EINVALID {
			return err
		}
		fv.Error = errorText(v.Lang, err)
		return s.renderOKRForm(w, v, fv)
	}
	okrDone(w, r, o.Period.Label, "created", "#obj-"+strconv.FormatInt(o.ID, 10))
	return nil
}

// editedObjective returns the objective of the path and its edit form's frame.
func (s *Server) editedObjective(r *nethttp.Request, c *caller, v *view) (*rumbo.Objective, *okrFormView, error) {
	o, err := s.findObjective(r, c)
	if err != nil {
		return nil, nil, err
	}
	fv := &okrFormView{Heading: T(v.Lang, "okr.edit.objective"), Action: objectiveURL(o.ID), ShowObjective: true,
		Back: "/okrs?period=" + url.QueryEscape(o.Period.Label) + "#obj-" + strconv.FormatInt(o.ID, 10),
		Obj:  objectiveFormOf(o), Errors: map[string]string{}, DeleteAction: objectiveURL(o.ID) + "/delete",
		DeleteLabel: T(v.Lang, "okr.delete.objective"), DeleteNote: Tf(v.Lang, "okr.delete.objective.note", len(o.KeyResults))}
	if err := s.formChoices(r.Context(), c, v, fv, o.ID); err != nil {
		return nil, nil, err
	}
	return o, fv, nil
}

// objectiveEdit shows the form of an objective.
func (s *Server) objectiveEdit(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	_, fv, err := s.editedObjective(r, c, v)
	if err != nil {
		return err
	}
	return s.renderOKRForm(w, v, fv)
}

// objectiveUpdate saves an objective's own fields.
func (s *Server) objectiveUpdate(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	o, fv, err := s.editedObjective(r, c, v)
	if err != nil {
		return err
	}
	fv.Obj = readObjectiveForm(r)
	s.applyObjective(c, fv.Obj, o, fv.Parents, &formErrors{m: fv.Errors, lang: v.Lang})
	if len(fv.Errors) > 0 {
		return s.renderOKRForm(w, v, fv)
	}
	if err := s.store.UpdateObjective(r.Context(), c.org.ID, o); err != nil {
		if rumbo.ErrorCode(err) != rumbo.EINVALID {
			return err
		}
		fv.Error = errorText(v.Lang, err)
		return s.renderOKRForm(w, v, fv)
	}
	okrDone(w, r, o.Period.Label, "saved", "#obj-"+strconv.FormatInt(o.ID, 10))
	return nil
}

// objectiveDelete deletes an objective with its key results; one that
// others align with stays, with a message.
func (s *Server) objectiveDelete(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	o, fv, err := s.editedObjective(r, c, v)
	if err != nil {
		return err
	}
	objs, err := s.store.Objectives(r.Context(), c.org.ID, nil)
	if err != nil {
		return err
	}
	children := 0
	for _, x := range objs {
		if x.ParentID == o.ID {
			children++
		}
	}
	if children > 0 {
		fv.Error = Tf(v.Lang, "okr.delete.children", children)
		return s.renderOKRForm(w, v, fv)
	}
	if err := s.store.DeleteObjective(r.Context(), c.org.ID, o.ID); err != nil {
		return err
	}
	okrDone(w, r, o.Period.Label, "deleted", "")
	return nil
}

// krNew shows the form of a new key result of the path's objective.
func (s *Server) krNew(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	o, err := s.findObjective(r, c)
	if err != nil {
		return err
	}
	fv := s.newKRView(o, v)
	fv.KR = newKRForm()
	if err := s.formChoices(r.Context(), c, v, fv, o.ID); err != nil {
		return err
	}
	return s.renderOKRForm(w, v, fv)
}

func (s *Server) newKRView(o *rumbo.Objective, v *view) *okrFormView {
	return &okrFormView{Heading: T(v.Lang, "okr.new.kr"), Action: objectiveURL(o.ID) + "/kr", WithKR: true,
		Back:           "/okrs?period=" + url.QueryEscape(o.Period.Label) + "#obj-" + strconv.FormatInt(o.ID, 10),
		ObjectiveTitle: o.Title, Errors: map[string]string{}, Full: len(o.KeyResults) >= rumbo.MaxKeyResults}
}

// krCreate adds a key result to the path's objective.
func (s *Server) krCreate(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	o, err := s.findObjective(r, c)
	if err != nil {
		return err
	}
	fv := s.newKRView(o, v)
	fv.KR = readKRForm(r)
	if err := s.formChoices(r.Context(), c, v, fv, o.ID); err != nil {
		return err
	}
	if fv.Full {
		fv.Error = T(v.Lang, "okr.full")
		return s.renderOKRForm(w, v, fv)
	}
	kr := rumbo.KeyResult{ObjectiveID: o.ID}
	applyKR(fv.KR, &kr, fv.KPIs, &formErrors{m: fv.Errors, lang: v.Lang})
	if len(fv.Errors) > 0 {
		return s.renderOKRForm(w, v, fv)
	}
	if err := s.store.CreateKeyResult(r.Context(), c.org.ID, &kr); err != nil {
		if rumbo.ErrorCode(err) != rumbo.EINVALID {
			return err
		}
		fv.Error = errorText(v.Lang, err)
		return s.renderOKRForm(w, v, fv)
	}
	okrDone(w, r, o.Period.Label, "created", "#kr-"+strconv.FormatInt(kr.ID, 10))
	return nil
}

// editedKR returns the key result of the path, its objective and its edit form's frame.
func (s *Server) editedKR(r *nethttp.Request, c *caller, v *view) (*rumbo.KeyResult, *rumbo.Objective, *okrFormView, error) {
	kr, o, err := s.findKR(r, c)
	if err != nil {
		return nil, nil, nil, err
	}
	base := "/okrs/kr/" + strconv.FormatInt(kr.ID, 10)
	fv := &okrFormView{Heading: T(v.Lang, "okr.edit.kr"), Action: base, WithKR: true, KREdit: true, Back: base,
		ObjectiveTitle: o.Title, KR: krFormOf(kr, v.Lang), Errors: map[string]string{}, DeleteAction: base + "/delete",
		DeleteLabel: T(v.Lang, "okr.delete.kr"), DeleteNote: T(v.Lang, "okr.delete.kr.note")}
	if err := s.formChoices(r.Context(), c, v, fv, o.ID); err != nil {
		return nil, nil, nil, err
	}
	return kr, o, fv, nil
}

// krEdit shows the form of a key result.
func (s *Server) krEdit(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	_, _, fv, err := s.editedKR(r, c, v)
	if err != nil {
		return err
	}
	return s.renderOKRForm(w, v, fv)
}

// krUpdate saves a key result; its kind stays.
func (s *Server) krUpdate(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	kr, o, fv, err := s.editedKR(r, c, v)
	if err != nil {
		return err
	}
	fv.KR = readKRForm(r)
	fv.KR.Kind = string(kr.Kind)
	applyKR(fv.KR, kr, fv.KPIs, &formErrors{m: fv.Errors, lang: v.Lang})
	if len(fv.Errors) > 0 {
		return s.renderOKRForm(w, v, fv)
	}
	if err := s.store.UpdateKeyResult(r.Context(), c.org.ID, kr); err != nil {
		if rumbo.ErrorCode(err) != rumbo.EINVALID {
			return err
		}
		fv.Error = errorText(v.Lang, err)
		return s.renderOKRForm(w, v, fv)
	}
	okrDone(w, r, o.Period.Label, "saved", "#kr-"+strconv.FormatInt(kr.ID, 10))
	return nil
}

// krDelete deletes a key result with its history.
func (s *Server) krDelete(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	kr, o, err := s.findKR(r, c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteKeyResult(r.Context(), c.org.ID, kr.ID); err != nil {
		return err
	}
	okrDone(w, r, o.Period.Label, "deleted", "#obj-"+strconv.FormatInt(o.ID, 10))
	return nil
}
