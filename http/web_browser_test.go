package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// chromium is where Debian installs the browser.
const chromium = "/usr/bin/chromium"

// webEnv is the browser tests' one server and one browser.
type webEnv struct {
	db      *sqlstore.DB
	org     *rumbo.Org
	url     string
	ctx     context.Context // the browser tab
	mu      sync.Mutex
	errs    []string // console errors, exceptions and dialogs since the last check
	manual  int64    // a manual key result for check-ins
	rep     string   // the member's rep
	other   string   // another rep
	cleanup []func()
}

// Demo users of the browser tests.
const (
	webAdmin  = "jefa@demo.test"
	webMember = "rep@demo.test"
	webPass   = "contraseña-segura-1"
)

func newWebEnv(t *testing.T) *webEnv {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI=true: %v", err)
		}
		t.Skipf("no chromium at %s", chromium)
	}
	dir := t.TempDir()
	db, org, bin := demoDB(t, dir)
	t.Cleanup(func() { db.Close() })
	e := &webEnv{db: db, org: org}
	ctx := context.Background()
	people, err := db.People(ctx, org.ID)
	if err != nil || len(people) < 3 {
		t.Fatalf("demo people: %v (%d)", err, len(people))
	}
	deals, err := db.Deals(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := org.Location()
	cur := rumbo.PeriodOf(webNow.In(loc), rumbo.GrainQuarter, loc)
	owners := map[string]bool{}
	for _, d := range deals {
		if d.Status == "won" && cur.Contains(d.ClosedAt) {
			owners[d.Owner] = true
		}
	}
	for _, p := range people {
		if owners[p.Name] {
			if e.rep == "" {
				e.rep = p.Name
			} else if e.other == "" {
				e.other = p.Name
			}
		}
	}
	for _, u := range []struct {
		email  string
		role   rumbo.Role
		person string
	}{{webAdmin, rumbo.RoleAdmin, ""}, {webMember, rumbo.RoleMember, e.rep}} {
		user := &rumbo.User{Email: u.email, Name: u.email, PasswordHash: testHasher.Hash(webPass)}
		if err := db.CreateUser(ctx, user); err != nil {
			t.Fatal(err)
		}
		if err := db.SetMembership(ctx, &rumbo.Membership{UserID: user.ID, OrgID: org.ID, Role: u.role, Person: u.person}); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := db.Objectives(ctx, org.ID, &cur)
	if err != nil || len(objs) < 2 {
		t.Fatalf("demo objectives: %v (%d)", err, len(objs))
	}
	kr := &rumbo.KeyResult{ObjectiveID: objs[1].ID, Title: "Firmar 4 acuerdos con distribuidores", Kind: rumbo.KRManual,
		Unit: rumbo.ManualNumber, Start: ratOf("0"), Target: ratOf("4")}
	if err := db.CreateKeyResult(ctx, org.ID, kr); err != nil {
		t.Fatal(err)
	}
	e.manual = kr.ID

	if bin != "" {
		// Under -race the pages come from the same server built without the
		// race detector (TestWebPages covers the handlers under -race).
		e.url = serveExternal(t, bin, filepath.Join(dir, "demo.db"))
	} else {
		srv := NewServer(db, Config{Now: func() time.Time { return webNow }, Hasher: testHasher})
		hs := httptest.NewServer(srv)
		t.Cleanup(func() { hs.Close(); srv.Close() })
		e.url = hs.URL
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(filepath.Join(dir, "chrome")),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "es-ES"), chromedp.Flag("accept-lang", "es-ES,es"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				e.addErr(m.String() + " " + m.URL)
			}
		}
	}()
	e.ctx = bctx
	return e
}

func (e *webEnv) addErr(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, s)
}

// takeErrs returns and forgets the browser errors seen so far.
func (e *webEnv) takeErrs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.errs
	e.errs = nil
	return out
}

// run runs browser actions with a timeout and fails on any browser error.
func (e *webEnv) run(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v (errors: %v)", err, e.takeErrs())
	}
	if errs := e.takeErrs(); len(errs) > 0 {
		t.Fatalf("browser console errors: %s", strings.Join(errs, "\n"))
	}
}

// runStatus runs browser actions that end on a page answered with status:
// the browser's note about that status is the only error allowed.
func (e *webEnv) runStatus(t *testing.T, status int, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v (errors: %v)", err, e.takeErrs())
	}
	for _, err := range e.takeErrs() {
		if !strings.Contains(err, fmt.Sprintf("status of %d", status)) {
			t.Errorf("browser error %s", err)
		}
	}
}

// evalJS evaluates a JavaScript expression in the page.
func evalJS[T any](t *testing.T, e *webEnv, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text returns the text of the first node matching sel.
func (e *webEnv) text(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// login signs in through the login form.
func (e *webEnv) login(t *testing.T, email string) {
	t.Helper()
	e.run(t,
		chromedp.Navigate(e.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), webPass),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#h-headline")),
	)
}

// logout signs out with the header's button.
func (e *webEnv) logout(t *testing.T) {
	t.Helper()
	e.run(t, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#email")))
}

// TestBrowser drives the web app in headless Chromium on the demo company:
// the acceptance of the web app, one shared server and browser.
func TestBrowser(t *testing.T) {
	e := newWebEnv(t)
	e.login(t, webAdmin)

	t.Run("dashboard", func(t *testing.T) {
		cards := evalJS[[]string](t, e, `Array.from(document.querySelectorAll("#h-headline ~ .cards .kpi-card")).map(c => c.dataset.kpi + ":" + c.dataset.health)`)
		want := []string{"revenue", "conversion_rate", "sales_cycle_days", "avg_deal_value", "campaign_roi"}
		if len(cards) != len(want) {
			t.Fatalf("headline cards = %v, want %v", cards, want)
		}
		for i, k := range want {
			if !strings.HasPrefix(cards[i], k+":") || strings.HasSuffix(cards[i], ":none") {
				t.Errorf("card %d = %s, want %s with a health", i, cards[i], k)
			}
		}
		if v := e.text(t, "#kpi-revenue .big"); !strings.HasSuffix(v, "€") || !strings.Contains(v, ",") {
			t.Errorf("revenue shows %q, want Spanish money like 634.524,83 €", v)
		}
		gauges := evalJS[int](t, e, `document.querySelectorAll(".chart.gauge svg").length`)
		if gauges < 5 {
			t.Errorf("%d gauges drawn, want 5", gauges)
		}
		if s := e.text(t, "#h-obj"); s != "Objetivos del trimestre" {
			t.Errorf("objectives heading %q", s)
		}
		objectives := evalJS[int](t, e, `document.querySelectorAll(".okr-table tr.obj").length`)
		if objectives != 3 {
			t.Errorf("%d objectives on the dashboard, want the template's 3", objectives)
		}
	})

	if os.Getenv("RUMBO_SCREENSHOTS") != "" {
		t.Run("screenshots", func(t *testing.T) { e.screenshots(t) })
	}

	t.Run("language", func(t *testing.T) {
		e.run(t, chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #h-headline`)))
		if h := e.text(t, "main h1"); h != "Dashboard" {
			t.Errorf("English h1 = %q", h)
		}
		if v := e.text(t, "#kpi-revenue .big"); !strings.HasPrefix(v, "€") {
			t.Errorf("English revenue %q, want €1,234.56", v)
		}
		e.run(t, chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="es"] #h-headline`)))
		if h := e.text(t, "main h1"); h != "Panel" {
			t.Errorf("back in Spanish h1 = %q", h)
		}
		// The language was chosen: the switcher offers the browser's
		// language again, and then no longer does.
		if auto := e.text(t, "#lang-auto"); auto != "Automático" {
			t.Errorf("the automatic language button says %q", auto)
		}
		e.run(t, chromedp.EmulateViewport(phoneWidth, phoneHeight))
		if out := evalJS[[]string](t, e, overflowJS); len(out) > 0 {
			t.Errorf("with the automatic language button the dashboard scrolls sideways on a phone:\n%s", strings.Join(out, "\n"))
		}
		e.run(t, chromedp.EmulateViewport(1280, 900))
		e.run(t, chromedp.Click(chromedp.CSS("#lang-auto")), chromedp.WaitNotPresent(chromedp.CSS("#lang-auto")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="es"] #h-headline`)))
	})

	t.Run("kpi drill into a rep", func(t *testing.T) {
		e.run(t,
			chromedp.Click(chromedp.CSS("#kpi-revenue h3 a")),
			chromedp.WaitVisible(chromedp.CSS("#breakdown-table")),
		)
		if h := e.text(t, "#kpi-title"); h != "Ingresos Totales" {
			t.Errorf("KPI title %q", h)
		}
		// The value explains itself on hover (its title) and when focused by
		// a tap or the keyboard (a tooltip with the same text).
		explain := evalJS[string](t, e, `document.getElementById("kpi-value").title`)
		e.run(t, chromedp.Focus(chromedp.CSS("#kpi-value")), chromedp.WaitVisible(chromedp.CSS("#explain-tip")))
		if tip := e.text(t, "#explain-tip"); explain == "" || tip != explain {
			t.Errorf("the focused value explains %q, its title %q", tip, explain)
		}
		if by := evalJS[string](t, e, `document.getElementById("kpi-value").getAttribute("aria-describedby")`); by != "explain-tip" {
			t.Errorf("the focused value is described by %q", by)
		}
		e.run(t, chromedp.Blur(chromedp.CSS("#kpi-value")), chromedp.WaitNotPresent(chromedp.CSS("#explain-tip")))
		rows := evalJS[int](t, e, `document.querySelectorAll("#breakdown-table tbody tr").length`)
		if rows < 3 {
			t.Fatalf("breakdown by rep has %d rows", rows)
		}
		var rep string
		rep = e.text(t, "#breakdown-table a.drill")
		e.run(t, chromedp.Click(chromedp.CSS("#breakdown-table a.drill")),
			chromedp.WaitVisible(chromedp.CSS("#kpi-scope")))
		if s := e.text(t, "#kpi-scope"); !strings.Contains(s, rep) {
			t.Errorf("drilled page says %q, want rep %q", s, rep)
		}
	})

	t.Run("check in on a key result", func(t *testing.T) {
		url := fmt.Sprintf("%s/okrs/kr/%d", e.url, e.manual)
		e.run(t, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#checkin-form")))
		before := e.text(t, "#kr-progress")
		if !strings.HasPrefix(before, "0 %") {
			t.Errorf("progress before %q", before)
		}
		e.run(t,
			chromedp.SendKeys(chromedp.CSS("#ci-value"), "2"),
			chromedp.SendKeys(chromedp.CSS("#ci-conf"), "2"),
			chromedp.WaitVisible(chromedp.CSS("#ci-blocker")), // low confidence asks for the blocker
			chromedp.SendKeys(chromedp.CSS("#ci-blocker"), "Falta el contrato marco"),
			chromedp.SendKeys(chromedp.CSS("#ci-who"), "Dirección comercial"),
			chromedp.SendKeys("#ci-comment", `<script>alert("x")</script> "><img src=x onerror=alert(1)>`),
			chromedp.Click(chromedp.CSS("#ci-submit")),
			chromedp.WaitVisible(chromedp.CSS("#checkin-notice")),
		)
		if after := e.text(t, "#kr-progress"); !strings.HasPrefix(after, "50 %") || !strings.Contains(after, "2 de 4") {
			t.Errorf("progress after the check-in %q, want 50 %% · 2 de 4", after)
		}
		if c := e.text(t, "#checkins td.comment"); !strings.Contains(c, `<script>alert("x")</script>`) || !strings.Contains(c, "Falta el contrato marco") {
			t.Errorf("check-in comment shown as %q", c)
		}
		loc := evalJS[string](t, e, "location.href")
		if loc != url {
			t.Errorf("the check-in reloaded the page to %s", loc)
		}
	})

	t.Run("create, edit and delete an objective", func(t *testing.T) { e.okrForms(t) })

	t.Run("apply the article's template", func(t *testing.T) { e.applyTemplate(t) })

	t.Run("import with one bad row", func(t *testing.T) {
		csv := filepath.Join(t.TempDir(), "tratos.csv")
		body := "external_id;owner;customer;amount;created_at;closed_at;status\n" +
			"W-1;" + e.rep + ";Cliente Uno;1.250,00;13/10/2026;20/10/2026;won\n" +
			"W-2;" + e.rep + ";Cliente Dos;mil euros;14/10/2026;21/10/2026;won\n" +
			"W-3;" + e.rep + ";Cliente Tres;980,50;15/10/2026;;open\n"
		if err := os.WriteFile(csv, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		e.run(t,
			chromedp.Navigate(e.url+"/import"),
			chromedp.WaitVisible(chromedp.CSS("#imp-file")),
			chromedp.SetUploadFiles(chromedp.CSS("#imp-file"), []string{csv}),
			chromedp.SetValue(chromedp.CSS("#imp-entity"), "deals"),
			chromedp.Click(chromedp.CSS("#imp-preview")),
			chromedp.WaitVisible(chromedp.CSS("#preview-columns")),
		)
		kinds := evalJS[[]string](t, e, `Array.from(document.querySelectorAll("#preview-columns tbody tr")).map(r => r.cells[0].textContent + "=" + r.cells[2].textContent)`)
		if !strings.Contains(strings.Join(kinds, " "), "closed_at=fecha") {
			t.Errorf("preview kinds %v, want closed_at detected as a date", kinds)
		}
		e.run(t, chromedp.Click(chromedp.CSS("#imp-run")), chromedp.WaitVisible(chromedp.CSS("#import-errors")))
		line := e.text(t, `#import-errors tbody tr td:nth-child(1)`)
		reason := e.text(t, `#import-errors tbody tr td:nth-child(3)`)
		if want := "amount: «mil euros» no es un número"; line != "3" || reason != want {
			t.Errorf("row error: line %q reason %q, want line 3: %q", line, reason, want)
		}
		if msg, want := e.text(t, "#import-message"), "tratos.csv: 1 fila no válida; no se ha importado nada"; msg != want {
			t.Errorf("import message %q, want %q", msg, want)
		}
	})

	t.Run("change a target and see the gauge's health change", func(t *testing.T) {
		health := func() string {
			e.run(t, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.CSS("#kpi-avg_deal_value")))
			return evalJS[string](t, e, `document.getElementById("kpi-avg_deal_value").dataset.health`)
		}
		before := health()
		if before != "red" && before != "yellow" {
			t.Fatalf("avg deal value health %q before, want red or yellow in the demo", before)
		}
		// A period the API refuses: the form says so in the page's language,
		// from the error's text (X-Rumbo-Lang), not the API's English. The
		// browser notes the 400; it is the only error allowed.
		e.runStatus(t, 400,
			chromedp.Navigate(e.url+"/settings"),
			chromedp.WaitVisible(chromedp.CSS("#target-form")),
			chromedp.SetValue(chromedp.CSS("#target-kpi"), "avg_deal_value"),
			chromedp.SetValue(chromedp.CSS("#target-period"), "2026-Z"),
			chromedp.SendKeys(chromedp.CSS("#target-value"), "1000"),
			chromedp.Click(chromedp.CSS("#target-save")),
			chromedp.WaitVisible(chromedp.CSS("#target-form output.api-result.error")),
		)
		if msg, want := e.text(t, "#target-form output.api-result"), "El periodo «2026-Z» no es válido"; !strings.HasPrefix(msg, want) {
			t.Errorf("target form error %q, want %q…", msg, want)
		}
		e.run(t,
			chromedp.SetValue(chromedp.CSS("#target-period"), "2026-Q4"),
			chromedp.Click(chromedp.CSS("#target-save")),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.WaitVisible(chromedp.CSS("#targets-table")),
		)
		if after := health(); after != "green" {
			t.Errorf("health after lowering the target = %q, want green", after)
		}
	})

	t.Run("escaping", func(t *testing.T) { e.escaping(t) })

	t.Run("accessibility", func(t *testing.T) { e.accessibility(t, fmt.Sprintf("/okrs/kr/%d", e.manual)) })

	t.Run("member", func(t *testing.T) {
		e.logout(t)
		e.login(t, webMember)
		settingsLinks := evalJS[int](t, e, `document.querySelectorAll('a[href="/settings"]').length`)
		if settingsLinks != 0 {
			t.Errorf("a member sees %d links to settings", settingsLinks)
		}
		e.expectForbidden(t, "/settings")
		e.expectForbidden(t, "/okrs/objectives/new")
		e.run(t, chromedp.Navigate(e.url+"/okrs"), chromedp.WaitVisible(chromedp.CSS(".okr-table")))
		if n := evalJS[int](t, e, `document.querySelectorAll('#new-objective, .okr-table a.edit, .okr-table a.add-kr, a[href^="/okrs/objectives/"]').length`); n != 0 {
			t.Errorf("a member sees %d OKR write controls", n)
		}
		e.expectForbidden(t, "/kpis/revenue?owner="+urlEscape(e.other))
		e.run(t, chromedp.Navigate(e.url+"/kpis/revenue?by=owner"), chromedp.WaitVisible(chromedp.CSS("#breakdown-table")))
		groups := evalJS[[]string](t, e, `Array.from(document.querySelectorAll("#breakdown-table tbody th")).map(x => x.textContent.trim())`)
		if len(groups) != 1 || groups[0] != e.rep {
			t.Errorf("a member's breakdown by rep shows %v, want only %q", groups, e.rep)
		}
		e.run(t, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.CSS("#scope-filter")))
		reps := evalJS[[]string](t, e, `Array.from(document.querySelectorAll('#scope-filter option[value^="owner="]')).map(o => o.textContent)`)
		if len(reps) != 1 || reps[0] != e.rep {
			t.Errorf("a member's rep filter offers %v, want only %q", reps, e.rep)
		}
	})
}

// expectForbidden opens path and expects the 403 page; the browser's note
// about the 403 status is the only error allowed.
func (e *webEnv) expectForbidden(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url+path)); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#error-message")))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if msg != T("es", "error.forbidden") {
		t.Errorf("%s says %q, want the forbidden message", path, msg)
	}
	for _, err := range e.takeErrs() {
		if !strings.Contains(err, "403") {
			t.Errorf("%s: browser error %s", path, err)
		}
	}
}

func urlEscape(s string) string {
	r := strings.NewReplacer(" ", "%20", "ó", "%C3%B3", "á", "%C3%A1", "é", "%C3%A9", "í", "%C3%AD", "ú", "%C3%BA", "ñ", "%C3%B1")
	return r.Replace(s)
}

// screenshots saves the Spanish dashboard, a KPI page and the OKR page to
// docs/screenshots (RUMBO_SCREENSHOTS=1).
func (e *webEnv) screenshots(t *testing.T) {
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Each page is taken tall enough to show what the README says it shows:
	// the five gauges, the series and the breakdown by rep, the objectives.
	defer e.run(t, chromedp.EmulateViewport(1280, 900))
	for _, s := range []struct {
		name, path, wait string
		height           int64
	}{
		{"dashboard.png", "/", "#h-headline", 1000},
		{"kpi.png", "/kpis/revenue?grain=week&by=owner", "#breakdown-table", 1700},
		{"okrs.png", "/okrs", ".okr-table", 1000},
	} {
		e.run(t, chromedp.EmulateViewport(1280, s.height), chromedp.Navigate(e.url+s.path), chromedp.WaitVisible(chromedp.CSS(s.wait)),
			chromedp.Sleep(300*time.Millisecond))
		buf, err := chromedp.Run(e.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
