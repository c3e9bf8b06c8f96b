package http

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rumbo-app/rumbo"
)

// okrForms creates an objective with one key result from the form, sees it
// in the tree, edits its title and deletes it.
func (e *webEnv) okrForms(t *testing.T) {
	const title, renamed = "Cerrar acuerdos con 5 hospitales", "Cerrar acuerdos con 6 hospitales"
	e.run(t, chromedp.Navigate(e.url+"/okrs"), chromedp.WaitVisible(chromedp.CSS("#new-objective")),
		chromedp.Click(chromedp.CSS("#new-objective")), chromedp.WaitVisible(chromedp.CSS("#okr-form")))
	if shown := evalJS[bool](t, e, `!document.querySelector('fieldset[data-kinds="manual"]').hidden`); shown {
		t.Errorf("the manual fields show for a metric key result")
	}
	// The owner field shows only for a team or a rep, not for the whole
	// company (the form's default).
	owner := func(kind string) string {
		return evalJS[string](t, e, `(() => { const s = document.getElementById("f-owner_kind");
			if (`+jsString(kind)+`) { s.value = `+jsString(kind)+`; s.dispatchEvent(new Event("change", {bubbles: true})); }
			const b = document.getElementById("owner-field"), i = document.getElementById("f-owner");
			return s.value + ": " + (b.hidden || b.offsetParent === null ? "hidden" : "shown") + ", " + (i.disabled ? "disabled" : "enabled") })()`)
	}
	for _, step := range []struct{ kind, want string }{
		{"", "org: hidden, disabled"}, {"team", "team: shown, enabled"}, {"person", "person: shown, enabled"}, {"org", "org: hidden, disabled"},
	} {
		if got := owner(step.kind); got != step.want {
			t.Errorf("owner field after choosing %q: %s, want %s", step.kind, got, step.want)
		}
	}
	e.run(t,
		chromedp.SendKeys(chromedp.CSS("#f-title"), title),
		chromedp.SendKeys(chromedp.CSS("#f-kr_title"), "Hospitales firmados"),
	)
	evalJS[bool](t, e, `(() => { const s = document.getElementById("f-kr_kind"); s.value = "manual"; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
	// The form with an error answers 400: the browser's note about it is
	// the only error allowed.
	e.runStatus(t, 400,
		chromedp.WaitVisible(chromedp.CSS("#f-kr_target")),
		chromedp.SendKeys(chromedp.CSS("#f-kr_target"), "cinco"),
		chromedp.Click(chromedp.CSS("#okr-save")),
		chromedp.WaitVisible(chromedp.CSS("#err-kr_target")),
	)
	if msg := e.text(t, "#err-kr_target"); msg != T("es", "form.number") {
		t.Errorf("the target's error says %q", msg)
	}
	if inv := evalJS[string](t, e, `document.getElementById("f-kr_target").getAttribute("aria-invalid")`); inv != "true" {
		t.Errorf("the bad target is not marked invalid: %q", inv)
	}
	e.run(t,
		chromedp.Clear(chromedp.CSS("#f-kr_target")),
		chromedp.SendKeys(chromedp.CSS("#f-kr_target"), "5"),
		chromedp.Click(chromedp.CSS("#okr-save")),
		chromedp.WaitVisible(chromedp.CSS("#okr-done")),
	)
	row := func(text string) string {
		return evalJS[string](t, e, `(() => { const r = Array.from(document.querySelectorAll(".okr-table tr.obj")).find(r => r.querySelector("strong").textContent === `+jsString(text)+`); return r ? r.id : "" })()`)
	}
	id := row(title)
	if id == "" {
		t.Fatalf("the new objective is not in the tree")
	}
	kr := evalJS[string](t, e, `(() => { const r = document.getElementById(`+jsString(id)+`).nextElementSibling; return r.className + ": " + r.querySelector("th a").textContent + " · " + r.querySelector(".raw").textContent })()`)
	if !strings.HasPrefix(kr, "kr: Hospitales firmados · — de 5") {
		t.Errorf("the new key result's row reads %q", kr)
	}
	e.run(t,
		chromedp.Click(chromedp.CSS("#"+id+" a.edit")),
		chromedp.WaitVisible(chromedp.CSS("#f-title")),
		chromedp.Clear(chromedp.CSS("#f-title")),
		chromedp.SendKeys(chromedp.CSS("#f-title"), renamed),
		chromedp.Click(chromedp.CSS("#okr-save")),
		chromedp.WaitVisible(chromedp.CSS("#okr-done")),
	)
	if row(renamed) != id || row(title) != "" {
		t.Errorf("after editing, the tree shows %q as %q and %q as %q", renamed, row(renamed), title, row(title))
	}
	e.run(t,
		chromedp.Click(chromedp.CSS("#"+id+" a.edit")),
		chromedp.WaitVisible(chromedp.CSS("#delete-box summary")),
		chromedp.Click(chromedp.CSS("#delete-box summary")),
		chromedp.WaitVisible(chromedp.CSS("#delete-confirm")),
		chromedp.Click(chromedp.CSS("#delete-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#okr-done")),
	)
	if row(renamed) != "" || evalJS[int](t, e, `document.querySelectorAll("#`+id+`").length`) != 0 {
		t.Errorf("the deleted objective is still in the tree")
	}
	if n := evalJS[int](t, e, `document.querySelectorAll(".okr-table tr.obj").length`); n != 3 {
		t.Errorf("%d objectives after deleting, want the template's 3", n)
	}
}

// applyTemplate applies the article's template to the next quarter from the
// OKR page, which reloads with its three objectives.
func (e *webEnv) applyTemplate(t *testing.T) {
	loc, _ := e.org.Location()
	next := rumbo.PeriodOf(rumbo.PeriodOf(webNow.In(loc), rumbo.GrainQuarter, loc).End, rumbo.GrainQuarter, loc)
	e.run(t, chromedp.Navigate(e.url+"/okrs?period="+next.Label), chromedp.WaitVisible(chromedp.CSS("#apply-template")))
	if n := evalJS[int](t, e, `document.querySelectorAll(".okr-table tr.obj").length`); n != 0 {
		t.Fatalf("%s already has %d objectives", next.Label, n)
	}
	e.run(t, chromedp.Click(chromedp.CSS("#apply-template")), chromedp.WaitVisible(chromedp.CSS(".okr-table tr.obj")))
	rows := evalJS[[]string](t, e, `Array.from(document.querySelectorAll(".okr-table tr.obj strong")).map(s => s.textContent)`)
	if len(rows) != 3 || !strings.Contains(strings.Join(rows, " "), "Aumentar las ventas") {
		t.Errorf("after applying the template %s shows %q, want the article's three objectives in Spanish", next.Label, rows)
	}
}
