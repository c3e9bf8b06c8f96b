package http

import (
	nethttp "net/http"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/importer"
)

type importView struct {
	Entities []rumbo.Entity
	Entity   rumbo.Entity
	Recent   []importJSON
	Preview  *importer.Preview
	Fields   []fieldPick
	Job      *importJSON
	Error    string
	Running  bool
}

// fieldPick is one canonical field and the source column that feeds it.
type fieldPick struct {
	Field, Column string
}

// importPage shows the upload form and the recent imports.
func (s *Server) importPage(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	v.Title, v.Nav = T(v.Lang, "imp.title"), "import"
	jobs, err := s.store.Imports(r.Context(), c.org.ID, 10)
	if err != nil {
		return err
	}
	iv := &importView{Entities: rumbo.Entities, Entity: rumbo.EntityDeals}
	for i := range jobs {
		iv.Recent = append(iv.Recent, s.newImportJSON(&jobs[i], false))
	}
	v.Data = iv
	return s.render(w, nethttp.StatusOK, "import", "", v)
}

// webMapping builds the mapping of an import form: the YAML typed in, or
// one made from the columns picked for each field and the value map.
func webMapping(u *upload) (string, error) {
	if text := strings.TrimSpace(u.fields["mapping"]); text != "" {
		return text, nil
	}
	e, err := rumbo.ParseEntity(strings.TrimSpace(u.fields["entity"]))
	if err != nil {
		return "", err
	}
	m := importer.Mapping{Entity: e, Columns: map[string]string{}, Values: map[string]map[string]string{}}
	for k, col := range u.fields {
		if f, ok := strings.CutPrefix(k, "col."); ok && strings.TrimSpace(col) != "" {
			m.Columns[f] = col
		}
	}
	for _, line := range strings.Split(u.fields["values"], "\n") {
		line = strings.TrimSpace(line)
		// field: raw=canonical
		field, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		raw, canon, ok := strings.Cut(rest, "=")
		if !ok {
			continue
		}
		field = strings.TrimSpace(field)
		if m.Values[field] == nil {
			m.Values[field] = map[string]string{}
		}
		m.Values[field][strings.TrimSpace(raw)] = strings.TrimSpace(canon)
	}
	if len(m.Columns) == 0 && len(m.Values) == 0 {
		return "", nil
	}
	b, err := yaml.Marshal(m)
	return string(b), err
}

// readWebUpload reads an import form and checks its CSRF token when the
// request carried none in the header.
func readWebUpload(r *nethttp.Request, c *caller) (*upload, error) {
	u, err := readUpload(r)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// importPreview shows the first rows with the detected formats, and lets
// the user pick the column of each field.
func (s *Server) importPreview(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	u, err := readWebUpload(r, c)
	if err != nil {
		return s.importFail(w, r, v, err)
	}
	defer u.remove()
	text, err := webMapping(u)
	if err != nil {
		return s.importFail(w, r, v, err)
	}
	u.fields["mapping"] = text
	opts := importer.PreviewOptions{Name: u.name, Rows: 10}
	if opts.Entity, opts.Mapping, _, _, _, err = importOptions(u); err != nil {
		return s.importFail(w, r, v, err)
	}
	p, err := importer.PreviewFile(u.path, opts)
	if err != nil {
		return s.importFail(w, r, v, placeFileError(err, u.path, u.name))
	}
	iv := &importView{Preview: p, Entity: opts.Entity}
	used := map[string]string{}
	for _, col := range p.Columns {
		if col.Field != "" {
			used[col.Field] = col.Name
		}
	}
	for _, f := range fieldsFor(opts.Entity) {
		if readOnlyFields[f.name] {
			continue
		}
		iv.Fields = append(iv.Fields, fieldPick{Field: f.name, Column: used[f.name]})
	}
	v.Data = iv
	return s.render(w, nethttp.StatusOK, "import", "import-preview", v)
}

// importFail shows an import error in place.
func (s *Server) importFail(w nethttp.ResponseWriter, r *nethttp.Request, v *view, err error) error {
	if rumbo.ErrorCode(err) == rumbo.EINTERNAL {
		return err
	}
	v.Data = &importView{Error: errorText(v.Lang, err)}
	return s.render(w, nethttp.StatusOK, "import", "import-error", v)
}

// importRun queues the import, as the API does, and answers its progress.
func (s *Server) importRun(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	u, err := readWebUpload(r, c)
	if err != nil {
		return s.importFail(w, r, v, err)
	}
	text, err := webMapping(u)
	if err != nil {
		u.remove()
		return s.importFail(w, r, v, err)
	}
	u.fields["mapping"] = text
	e, m, mappingText, skip, strict, err := importOptions(u)
	if err != nil {
		u.remove()
		return s.importFail(w, r, v, err)
	}
	j := &rumbo.ImportJob{OrgID: c.org.ID, UserID: c.user.ID, Entity: e, File: u.name, Size: u.size,
		Mapping: mappingText, SkipInvalid: skip, StrictRefs: strict, Status: rumbo.ImportQueued, CreatedAt: s.now()}
	if err := s.store.CreateImport(r.Context(), j); err != nil {
		u.remove()
		return err
	}
	// The job's view is taken before the import goroutine starts writing to j.
	ij := s.newImportJSON(j, false)
	org := *c.org
	s.jobs.wg.Add(1)
	go func() {
		defer s.jobs.wg.Done()
		defer u.remove()
		s.runImport(&org, j, u, m)
	}()
	v.Data = &importView{Job: &ij, Running: true}
	return s.render(w, nethttp.StatusOK, "import", "import-job", v)
}

// importJob shows an import's progress, then its outcome and row errors.
func (s *Server) importJob(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return rumbo.Errorf(rumbo.ENOTFOUND, "import %q not found", r.PathValue("id"))
	}
	j, err := s.store.FindImport(r.Context(), c.org.ID, id)
	if err != nil {
		return err
	}
	ij := s.newImportJSON(j, true)
	sort.SliceStable(ij.Errors, func(a, b int) bool { return ij.Errors[a].Line < ij.Errors[b].Line })
	iv := &importView{Job: &ij, Running: j.Status == rumbo.ImportQueued || j.Status == rumbo.ImportRunning}
	v.Data = iv
	if r.Header.Get("HX-Request") != "" {
		return s.render(w, nethttp.StatusOK, "import", "import-job", v)
	}
	v.Title, v.Nav = T(v.Lang, "imp.title"), "import"
	iv.Entities, iv.Entity = rumbo.Entities, rumbo.EntityDeals
	return s.render(w, nethttp.StatusOK, "import", "", v)
}
