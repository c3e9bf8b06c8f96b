package http

import (
	"context"
	"math/big"
	nethttp "net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
)

func TestParseFormNumber(t *testing.T) {
	tests := []struct {
		in, lang, want string // want "" for an error
	}{
		{"1.250,50", "es", "1250.5"},
		{"1,250.50", "en", "1250.5"},
		{"1.250", "es", "1250"},
		{"1,250", "en", "1250"},
		{"1.5", "es", "1.5"},
		{"0,25", "es", "0.25"},
		{"0,25", "en", "0.25"},
		{"1.000.000", "es", "1000000"},
		{"1 000 000 €", "es", "1000000"},
		{"25 %", "es", "0.25"},
		{"-3", "en", "-3"},
		{"mil", "es", ""},
		{"", "es", ""},
		{"1/3", "en", ""},
	}
	for _, tt := range tests {
		got, err := parseFormNumber(tt.in, tt.lang)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("parseFormNumber(%q, %s) = %s, want an error", tt.in, tt.lang, got.RatString())
		case tt.want != "" && err != nil:
			t.Errorf("parseFormNumber(%q, %s): %v", tt.in, tt.lang, err)
		case tt.want != "" && got.Cmp(ratOf(tt.want)) != 0:
			t.Errorf("parseFormNumber(%q, %s) = %s, want %s", tt.in, tt.lang, got.FloatString(4), tt.want)
		}
	}
}

// form encodes form fields with the session's CSRF token.
func form(c cred, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	if c.csrf != "" {
		v.Set("csrf_token", c.csrf)
	}
	return v.Encode()
}

const formType = "application/x-www-form-urlencoded"

// TestWebOKRForms creates, edits and deletes objectives and key results
// through the web forms with the API's permissions: managers and admins
// write; members and viewers see no controls and get 403.
func TestWebOKRForms(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	ctx := context.Background()
	admin, manager := f.session(f.users["admin"], false), f.session(f.users["manager"], false)
	member, viewer := f.session(f.users["member"], false), f.session(f.users["viewer"], false)
	objectives := func() []rumbo.Objective {
		t.Helper()
		objs, err := f.db.Objectives(ctx, f.acme.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}

	newObjective := []string{"title", "Abrir el mercado portugués", "owner_kind", "team", "owner", "Norte", "type", "committed",
		"period", "2026-Q1", "kr_title", "Acuerdos firmados", "kr_kind", "manual", "kr_unit", "number",
		"kr_start", "0", "kr_target", "5", "kr_direction", "increase"}

	// Members and viewers: no controls, and 403 for the forms and their posts.
	for _, c := range []cred{member, viewer} {
		for _, p := range []string{"/okrs/objectives/new", "/okrs/objectives/1/edit", "/okrs/kr/1/edit", "/okrs/objectives/1/kr/new"} {
			if r := f.do(c, "GET", p, "", ""); r.code != nethttp.StatusForbidden {
				t.Errorf("GET %s as member or viewer = %d, want 403", p, r.code)
			}
		}
		if r := f.do(c, "POST", "/okrs/objectives", formType, form(c, newObjective...)); r.code != nethttp.StatusForbidden {
			t.Errorf("POST /okrs/objectives as member or viewer = %d, want 403", r.code)
		}
	}
	if n := len(objectives()); n != 0 {
		t.Fatalf("%d objectives after forbidden posts", n)
	}
	// A post without the CSRF token is refused.
	if r := f.do(cred{cookie: manager.cookie}, "POST", "/okrs/objectives", formType, form(cred{}, newObjective...)); r.code != nethttp.StatusForbidden ||
		!strings.Contains(r.body, T("es", "error.csrf")) {
		t.Errorf("POST without CSRF = %d, want 403 saying %q", r.code, T("es", "error.csrf"))
	}

	// Errors show next to their fields, in Spanish, and keep what was typed.
	bad := append([]string{}, newObjective...)
	bad[1], bad[len(bad)-3] = "", "cinco"
	r := f.do(manager, "POST", "/okrs/objectives", formType, form(manager, bad...))
	if r.code != nethttp.StatusBadRequest {
		t.Fatalf("POST with errors = %d, want 400\n%s", r.code, r.body)
	}
	for _, want := range []string{
		`<input id="f-title" name="title" value="" required aria-invalid="true" aria-describedby="err-title">`,
		`<small class="field-error" id="err-title">` + T("es", "form.required") + `</small>`,
		`id="f-kr_target" name="kr_target" value="cinco" inputmode="decimal" aria-invalid="true" aria-describedby="err-kr_target">`,
		`<small class="field-error" id="err-kr_target">` + T("es", "form.number") + `</small>`,
		`id="form-error">` + T("es", "form.fix"),
		`value="Norte"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the form with errors lacks %s", want)
		}
	}
	if strings.Contains(r.body, `id="err-owner"`) {
		t.Errorf("a field without error shows one")
	}

	// A manager creates an objective with its first key result.
	r = f.do(manager, "POST", "/okrs/objectives", formType, form(manager, newObjective...))
	if r.code != nethttp.StatusSeeOther {
		t.Fatalf("create = %d, want 303\n%s", r.code, r.body)
	}
	objs := objectives()
	if len(objs) != 1 || objs[0].Title != "Abrir el mercado portugués" || objs[0].Owner != "Norte" || len(objs[0].KeyResults) != 1 {
		t.Fatalf("created %+v", objs)
	}
	o := objs[0]
	if loc := r.hdr.Get("Location"); loc != "/okrs?done=created&period=2026-Q1#obj-"+strconv.FormatInt(o.ID, 10) {
		t.Errorf("create goes to %s", loc)
	}
	kr := o.KeyResults[0]
	if kr.Kind != rumbo.KRManual || kr.Target.Cmp(big.NewRat(5, 1)) != 0 || kr.Start.Sign() != 0 {
		t.Errorf("created key result %+v", kr)
	}
	page := f.do(manager, "GET", "/okrs?period=2026-Q1&done=created", "", "")
	for _, want := range []string{`id="new-objective"`, `id="obj-` + strconv.FormatInt(o.ID, 10) + `"`,
		`href="/okrs/objectives/` + strconv.FormatInt(o.ID, 10) + `/edit"`, `href="/okrs/kr/` + strconv.FormatInt(kr.ID, 10) + `/edit"`,
		T("es", "okr.done.created")} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the OKR page of a manager lacks %s", want)
		}
	}
	for _, c := range []cred{member, viewer} {
		page := f.do(c, "GET", "/okrs?period=2026-Q1", "", "")
		if page.code != 200 || !strings.Contains(page.body, "Abrir el mercado portugués") {
			t.Fatalf("a member or viewer does not see the objective: %d", page.code)
		}
		if regexp.MustCompile(`new-objective|/okrs/objectives/|/edit"|class="edit"`).MatchString(page.body) {
			t.Errorf("a member or viewer sees OKR write controls")
		}
		if kp := f.do(c, "GET", "/okrs/kr/"+strconv.FormatInt(kr.ID, 10), "", ""); strings.Contains(kp.body, `id="kr-edit"`) {
			t.Errorf("a member or viewer sees the key result's edit link")
		}
	}
	oid, kid := strconv.FormatInt(o.ID, 10), strconv.FormatInt(kr.ID, 10)

	// The edit form shows the stored values; saving changes the title.
	edit := f.do(admin, "GET", "/okrs/objectives/"+oid+"/edit", "", "")
	if edit.code != 200 || !strings.Contains(edit.body, `value="Abrir el mercado portugués"`) || !strings.Contains(edit.body, `id="delete-box"`) {
		t.Fatalf("edit form = %d", edit.code)
	}
	changed := append([]string{}, newObjective[:10]...)
	changed[1] = "Abrir Portugal y Galicia"
	if r := f.do(admin, "POST", "/okrs/objectives/"+oid, formType, form(admin, changed...)); r.code != nethttp.StatusSeeOther {
		t.Fatalf("edit = %d\n%s", r.code, r.body)
	}
	if got, _ := f.db.Objective(ctx, f.acme.ID, o.ID); got.Title != "Abrir Portugal y Galicia" || len(got.KeyResults) != 1 {
		t.Errorf("edited objective %+v", got)
	}
	for _, c := range []cred{member, viewer} {
		if r := f.do(c, "POST", "/okrs/objectives/"+oid, formType, form(c, newObjective[:10]...)); r.code != nethttp.StatusForbidden {
			t.Errorf("member or viewer edit = %d, want 403", r.code)
		}
	}

	// A second key result bound to a KPI, with an exact Spanish number.
	r = f.do(manager, "POST", "/okrs/objectives/"+oid+"/kr", formType, form(manager, "kr_title", "Ingresos del trimestre",
		"kr_kind", "metric", "kr_kpi", "revenue", "kr_change_kind", "absolute", "kr_change", "1.250.000,50", "kr_direction", "increase",
		"kr_baseline", "previous_quarter"))
	if r.code != nethttp.StatusSeeOther {
		t.Fatalf("add key result = %d\n%s", r.code, r.body)
	}
	got, _ := f.db.Objective(ctx, f.acme.ID, o.ID)
	if len(got.KeyResults) != 2 || got.KeyResults[1].KPI != "revenue" || got.KeyResults[1].Change.Cmp(ratOf("1250000.5")) != 0 ||
		got.KeyResults[1].Baseline != rumbo.BaselineNone {
		t.Fatalf("added key result %+v", got.KeyResults)
	}
	// Editing a key result keeps its kind and saves its fields.
	r = f.do(manager, "POST", "/okrs/kr/"+kid, formType, form(manager, "kr_title", "Acuerdos con distribuidores", "kr_kind", "metric",
		"kr_unit", "number", "kr_start", "1", "kr_target", "7", "kr_direction", "increase"))
	if r.code != nethttp.StatusSeeOther {
		t.Fatalf("edit key result = %d\n%s", r.code, r.body)
	}
	k, _ := f.db.KeyResult(ctx, f.acme.ID, kr.ID)
	if k.Title != "Acuerdos con distribuidores" || k.Kind != rumbo.KRManual || k.Target.Cmp(big.NewRat(7, 1)) != 0 {
		t.Errorf("edited key result %+v", k)
	}
	if ef := f.do(manager, "GET", "/okrs/kr/"+kid+"/edit", "", ""); !strings.Contains(ef.body, `value="Acuerdos con distribuidores"`) ||
		!strings.Contains(ef.body, `name="kr_kind" value="manual"`) {
		t.Errorf("key result edit form lacks its values")
	}

	// An objective others align with is not deleted; the message says why.
	child := &rumbo.Objective{Title: "Hijo", OwnerKind: rumbo.OwnerOrg, Type: rumbo.Committed, Period: o.Period, ParentID: o.ID}
	if err := f.db.CreateObjective(ctx, f.acme.ID, child); err != nil {
		t.Fatal(err)
	}
	r = f.do(admin, "POST", "/okrs/objectives/"+oid+"/delete", formType, form(admin))
	if r.code != nethttp.StatusBadRequest || !strings.Contains(r.body, Tf("es", "okr.delete.children", 1)) {
		t.Errorf("delete with an aligned objective = %d", r.code)
	}
	for _, c := range []cred{member, viewer} {
		if r := f.do(c, "POST", "/okrs/kr/"+kid+"/delete", formType, form(c)); r.code != nethttp.StatusForbidden {
			t.Errorf("member or viewer delete = %d, want 403", r.code)
		}
	}
	if r := f.do(manager, "POST", "/okrs/kr/"+kid+"/delete", formType, form(manager)); r.code != nethttp.StatusSeeOther {
		t.Errorf("delete key result = %d", r.code)
	}
	if _, err := f.db.KeyResult(ctx, f.acme.ID, kr.ID); rumbo.ErrorCode(err) != rumbo.ENOTFOUND {
		t.Errorf("deleted key result: %v", err)
	}
	if err := f.db.DeleteObjective(ctx, f.acme.ID, child.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.do(manager, "POST", "/okrs/objectives/"+oid+"/delete", formType, form(manager)); r.code != nethttp.StatusSeeOther {
		t.Errorf("delete objective = %d", r.code)
	}
	if n := len(objectives()); n != 0 {
		t.Errorf("%d objectives after deleting", n)
	}
	// Another organisation's objective is not found.
	oc := &rumbo.Objective{Title: "OtherCorp", OwnerKind: rumbo.OwnerOrg, Type: rumbo.Committed, Period: o.Period,
		KeyResults: []rumbo.KeyResult{{Title: "x", Kind: rumbo.KRManual, Unit: rumbo.ManualYesNo}}}
	if err := f.db.CreateObjective(ctx, f.other.ID, oc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/okrs/objectives/" + strconv.FormatInt(oc.ID, 10), "/okrs/objectives/" + strconv.FormatInt(oc.ID, 10) + "/delete"} {
		if r := f.do(admin, "POST", p, formType, form(admin, changed...)); r.code != nethttp.StatusNotFound {
			t.Errorf("POST %s of another organisation = %d, want 404", p, r.code)
		}
	}
}

// TestWebOKRChoices checks that every choice of the OKR forms has its
// label in both languages.
func TestWebOKRChoices(t *testing.T) {
	for _, lang := range webLangs {
		v := &view{Lang: lang}
		for _, name := range []string{"owner_kind", "type", "kr_kind", "kr_change_kind", "kr_baseline", "kr_direction", "kr_unit", "kr_op", "kr_scope", "kr_segment_by"} {
			opts := v.Choices(name)
			if len(opts) < 2 {
				t.Errorf("%s: %d choices", name, len(opts))
			}
			for _, o := range opts {
				if strings.HasPrefix(o.Label, "[") {
					t.Errorf("%s %s: no label in %s (%s)", name, o.Value, lang, o.Label)
				}
			}
		}
	}
}

// TestWebCheckInErrors checks that a check-in's problems show next to their
// fields, translated, and that nothing is saved.
func TestWebCheckInErrors(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	ctx := context.Background()
	admin := f.session(f.users["admin"], false)
	loc, _ := f.acme.Location()
	o := &rumbo.Objective{Title: "Clientes", OwnerKind: rumbo.OwnerOrg, Type: rumbo.Committed, Period: rumbo.PeriodOf(t0.In(loc), rumbo.GrainQuarter, loc),
		KeyResults: []rumbo.KeyResult{{Title: "Acuerdos", Kind: rumbo.KRManual, Unit: rumbo.ManualNumber, Start: ratOf("0"), Target: ratOf("4")}}}
	if err := f.db.CreateObjective(ctx, f.acme.ID, o); err != nil {
		t.Fatal(err)
	}
	path := "/okrs/kr/" + strconv.FormatInt(o.KeyResults[0].ID, 10) + "/checkin"
	tests := []struct {
		name   string
		fields []string
		want   map[string]string // error id → message key
	}{
		{"not a number, confidence out of range", []string{"value", "mil", "confidence", "11"},
			map[string]string{"err-ci-value": "okr.checkin.badvalue", "err-ci-conf": "okr.checkin.badconf"}},
		{"low confidence without blocker nor who", []string{"value", "2", "confidence", "2"},
			map[string]string{"err-ci-blocker": "okr.checkin.need", "err-ci-who": "okr.checkin.need"}},
		{"nothing given", []string{"comment", " "}, map[string]string{"checkin-error": "okr.checkin.empty"}},
	}
	for _, tt := range tests {
		for _, lang := range []string{"es", "en"} {
			r := f.do(admin, "POST", path, formType, form(admin, tt.fields...), "Accept-Language", lang)
			if r.code != nethttp.StatusBadRequest {
				t.Errorf("%s (%s) = %d, want 400", tt.name, lang, r.code)
			}
			for id, key := range tt.want {
				if !strings.Contains(r.body, `id="`+id+`">`+T(lang, key)+`<`) {
					t.Errorf("%s (%s): no %s saying %q", tt.name, lang, id, T(lang, key))
				}
			}
		}
	}
	if cis, _ := f.db.CheckIns(ctx, f.acme.ID, o.KeyResults[0].ID); len(cis) != 0 {
		t.Errorf("%d check-ins saved from bad forms", len(cis))
	}
	if r := f.do(admin, "POST", path, formType, form(admin, "value", "2,5", "confidence", "7")); r.code != nethttp.StatusSeeOther {
		t.Errorf("a good check-in = %d", r.code)
	}
	if cis, _ := f.db.CheckIns(ctx, f.acme.ID, o.KeyResults[0].ID); len(cis) != 1 || cis[0].Value.Cmp(ratOf("2.5")) != 0 {
		t.Errorf("check-ins %+v, want one of 2.5", cis)
	}
}

// TestWebObjectiveOwner checks the owner of an objective from the form: the
// field is marked for the script that hides it for the whole company; the
// server ignores an owner sent for the whole company (a browser without the
// script sends it), requires one for a team or a rep, and refuses an
// unknown kind.
func TestWebObjectiveOwner(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	ctx := context.Background()
	manager := f.session(f.users["manager"], false)
	page := f.do(manager, "GET", "/okrs/objectives/new", "", "")
	if !regexp.MustCompile(`<div data-owner-kinds="team person" id="owner-field"><label for="f-owner">`).MatchString(page.body) {
		t.Errorf("the new objective form does not mark its owner field")
	}
	post := func(path, kind, owner string) response {
		t.Helper()
		return f.do(manager, "POST", path, formType, form(manager, "title", "Objetivo "+kind+" "+owner, "owner_kind", kind, "owner", owner,
			"type", "committed", "period", "2026-Q1", "kr_title", "Hecho", "kr_kind", "manual", "kr_unit", "yesno"))
	}
	stored := func(title string) *rumbo.Objective {
		t.Helper()
		objs, err := f.db.Objectives(ctx, f.acme.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range objs {
			if objs[i].Title == title {
				return &objs[i]
			}
		}
		t.Fatalf("no objective %q", title)
		return nil
	}
	if r := post("/okrs/objectives", "org", "Norte"); r.code != nethttp.StatusSeeOther {
		t.Fatalf("whole company with an owner = %d\n%s", r.code, r.body)
	}
	if o := stored("Objetivo org Norte"); o.OwnerKind != rumbo.OwnerOrg || o.Owner != "" {
		t.Errorf("whole company objective stored with owner %s %q", o.OwnerKind, o.Owner)
	}
	for _, kind := range []string{"team", "person"} {
		r := post("/okrs/objectives", kind, "  ")
		if r.code != nethttp.StatusBadRequest || !strings.Contains(r.body, `<small class="field-error" id="err-owner">`+T("es", "form.required")+`</small>`) {
			t.Errorf("%s without owner = %d, want 400 with the owner required", kind, r.code)
		}
	}
	if r := post("/okrs/objectives", "planet", "Marte"); r.code != nethttp.StatusBadRequest || !strings.Contains(r.body, `id="err-owner_kind"`) {
		t.Errorf("unknown owner kind = %d, want 400 on the owner kind", r.code)
	}
	if r := post("/okrs/objectives", "person", "Luis"); r.code != nethttp.StatusSeeOther {
		t.Fatalf("rep's objective = %d\n%s", r.code, r.body)
	}
	o := stored("Objetivo person Luis")
	if o.OwnerKind != rumbo.OwnerPerson || o.Owner != "Luis" {
		t.Errorf("rep's objective stored with owner %s %q", o.OwnerKind, o.Owner)
	}
	// Made the whole company's, the objective loses its owner even though
	// the form still sends it.
	if r := post("/okrs/objectives/"+strconv.FormatInt(o.ID, 10), "org", "Luis"); r.code != nethttp.StatusSeeOther {
		t.Fatalf("edit to the whole company = %d\n%s", r.code, r.body)
	}
	got, err := f.db.Objective(ctx, f.acme.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OwnerKind != rumbo.OwnerOrg || got.Owner != "" {
		t.Errorf("edited objective owner %s %q", got.OwnerKind, got.Owner)
	}
}
