package http

import (
	"context"
	"encoding/csv"
	"io/fs"
	nethttp "net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

func TestWebFormat(t *testing.T) {
	madrid, _ := time.LoadLocation("Europe/Madrid")
	day := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name, got, want string
	}{
		{"money es", fmtMoney(1234.56, "EUR", "es", 2), "1.234,56\u00a0€"},
		{"money en", fmtMoney(1234.56, "EUR", "en", 2), "€1,234.56"},
		{"negative money en", fmtMoney(-1234.5, "USD", "en", 2), "-$1,234.50"},
		{"short millions es", fmtMoneyShort(10_400_000, "EUR", "es"), "10,4\u00a0M€"},
		{"short thousands en", fmtMoneyShort(634_524.83, "EUR", "en"), "€634.5k"},
		{"short small es", fmtMoneyShort(980, "EUR", "es"), "980\u00a0€"},
		{"number es", fmtNum(1234567.891, 2, "es"), "1.234.567,89"},
		{"number en", fmtNum(1234567.891, 2, "en"), "1,234,567.89"},
		{"negative zero", fmtNum(-0.001, 2, "es"), "0,00"},
		{"percent es", fmtPct(0.2336, 1, "es"), "23,4\u00a0%"},
		{"date es", fmtDate(day, madrid, "es"), "27/11/2026"},
		{"date en", fmtDate(day, madrid, "en"), "27 Nov 2026"},
		{"date time es", fmtDateTime(day, madrid, "es"), "27/11/2026 10:30"},
		{"zero date", fmtDate(time.Time{}, madrid, "es"), "—"},
		{"days", fmtUnit(39.34, "days", "EUR", "es"), "39,3\u00a0días"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestPickLang(t *testing.T) {
	tests := []struct {
		name, cookie, accept, org, want string
	}{
		{"user's choice wins", "en", "es-ES,es;q=0.9", "es", "en"},
		{"then the browser", "", "en-GB,en;q=0.9,es;q=0.5", "es", "en"},
		{"browser by quality", "", "fr-FR,es;q=0.8,en;q=0.3", "en", "es"},
		{"then the organisation", "", "fr-FR,de", "en", "en"},
		{"Spanish by default", "", "", "", "es"},
		{"a bad cookie is ignored", "xx", "", "en", "en"},
	}
	for _, tt := range tests {
		if got := pickLang(tt.cookie, tt.accept, tt.org); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestWebCatalogue checks that every message has both languages and that
// every key the templates and handlers use exists.
func TestWebCatalogue(t *testing.T) {
	for k, m := range messages {
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("message %q lacks a language: %q", k, m)
		}
	}
	keyRE := regexp.MustCompile(`\.T "([a-z0-9_.]+)"|\.Tf "([a-z0-9_.]+)"|\bTf?\((?:v\.Lang|lang|"es"), "([a-z0-9_.]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	var sources []string
	for _, f := range files {
		b, _ := templateFS.ReadFile(f)
		sources = append(sources, string(b))
	}
	used := 0
	for _, src := range sources {
		for _, m := range keyRE.FindAllStringSubmatch(src, -1) {
			key := m[1] + m[2] + m[3]
			used++
			if _, ok := messages[key]; !ok {
				t.Errorf("template uses unknown message %q", key)
			}
		}
	}
	if used < 100 {
		t.Errorf("found only %d message uses in the templates", used)
	}
}

// TestWebPages checks, without a browser, who reaches which page, the
// static files' cache headers and the escaping of stored text.
func TestWebPages(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin, member := f.session(f.users["admin"], false), f.session(f.users["member"], false)
	viewer := f.session(f.users["viewer"], false)
	tests := []struct {
		name   string
		c      cred
		path   string
		status int
		has    string
	}{
		{"anonymous goes to the login page", cred{}, "/", nethttp.StatusSeeOther, ""},
		{"login page", cred{}, "/login", nethttp.StatusOK, `name="password"`},
		{"invite page", cred{}, "/invite?token=abc", nethttp.StatusOK, `name="token" value="abc"`},
		{"admin dashboard names the five KPIs", admin, "/", nethttp.StatusOK, "Valor Medio de los Tratos"},
		{"admin settings", admin, "/settings", nethttp.StatusOK, `id="target-form"`},
		{"member settings", member, "/settings", nethttp.StatusForbidden, ""},
		{"viewer settings", viewer, "/settings", nethttp.StatusForbidden, ""},
		{"member import", member, "/import", nethttp.StatusForbidden, ""},
		{"member sees own figures", member, "/kpis/revenue?owner=Ana%20L%C3%B3pez", nethttp.StatusOK, "Ana López"},
		{"member cannot see another rep", member, "/kpis/revenue?owner=Luis", nethttp.StatusForbidden, ""},
		{"member dashboard filter on another rep", member, "/?f=owner%3DLuis", nethttp.StatusForbidden, ""},
		{"viewer OKRs", viewer, "/okrs", nethttp.StatusOK, "OKR"},
		{"unknown KPI", admin, "/kpis/nope", nethttp.StatusNotFound, ""},
		{"guide", member, "/guide", nethttp.StatusOK, "velocímetro"},
	}
	for _, tt := range tests {
		res := f.do(tt.c, "GET", tt.path, "", "")
		if res.code != tt.status {
			t.Errorf("%s: GET %s = %d, want %d", tt.name, tt.path, res.code, tt.status)
			continue
		}
		if tt.has != "" && !strings.Contains(res.body, tt.has) {
			t.Errorf("%s: GET %s lacks %q", tt.name, tt.path, tt.has)
		}
	}
	if res := f.do(member, "GET", "/kpis/revenue?by=owner", "", ""); strings.Contains(res.body, ">Luis<") {
		t.Errorf("a member's breakdown by rep shows Luis")
	}
	// Static files live at content-hashed paths, cached for a year.
	res := f.do(cred{}, "GET", "/login", "", "")
	js := regexp.MustCompile(`/static/app\.[0-9a-f]{10}\.js`).FindString(res.body)
	if js == "" {
		t.Fatalf("login page links no hashed app.js")
	}
	if st := f.do(cred{}, "GET", js, "", ""); st.code != 200 || !strings.Contains(st.hdr.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s = %d, Cache-Control %q", js, st.code, st.hdr.Get("Cache-Control"))
	}
	// A write without the CSRF token is refused.
	if r := f.do(cred{cookie: admin.cookie}, "POST", "/dashboard/kpis", "application/x-www-form-urlencoded", "add=activities"); r.code != nethttp.StatusForbidden {
		t.Errorf("POST without CSRF = %d, want 403", r.code)
	}
	if r := f.do(admin, "POST", "/dashboard/kpis", "application/x-www-form-urlencoded", "add=activities&csrf_token="+admin.csrf); r.code != nethttp.StatusSeeOther {
		t.Errorf("POST with CSRF = %d, want 303", r.code)
	}
}

// TestWebEscaping stores markup as a KPI name, an objective and a check-in
// comment and checks the raw HTML shows it escaped.
func TestWebEscaping(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	const bad = `"><img src=x onerror=alert(1)><script>alert(2)</script>`
	f.put(f.acme, "deals", `{"external_id":"x1","owner":"`+strings.ReplaceAll(bad, `"`, `\"`)+`","customer":"C","status":"won","amount":"5","created_at":"2026-01-02","closed_at":"2026-03-12"}`)
	for _, path := range []string{"/kpis/revenue?by=owner", "/", "/kpis/revenue?owner=" + strings.ReplaceAll(strings.ReplaceAll(bad, "<", "%3C"), " ", "%20")} {
		res := f.do(admin, "GET", path, "", "")
		if strings.Contains(res.body, "<img src=x") || strings.Contains(res.body, "<script>alert") {
			t.Errorf("GET %s renders markup unescaped", path)
		}
		if path == "/kpis/revenue?by=owner" && !strings.Contains(res.body, "&lt;script&gt;alert(2)&lt;/script&gt;") {
			t.Errorf("GET %s does not show the owner's name as text", path)
		}
	}
}

// TestWebReasons checks that a key result's status reasons show in the
// viewer's language from their codes: outdated, low confidence.
func TestWebReasons(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	ctx := context.Background()
	admin := f.session(f.users["admin"], false)
	loc, _ := f.acme.Location()
	q := rumbo.PeriodOf(t0.In(loc), rumbo.GrainQuarter, loc)
	o := &rumbo.Objective{Title: "Clientes", OwnerKind: rumbo.OwnerOrg, Type: rumbo.Committed, Period: q,
		KeyResults: []rumbo.KeyResult{
			{Title: "Silencioso", Kind: rumbo.KRManual, Unit: rumbo.ManualNumber, Start: ratOf("0"), Target: ratOf("10")},
			{Title: "Dudoso", Kind: rumbo.KRManual, Unit: rumbo.ManualNumber, Start: ratOf("0"), Target: ratOf("10")}}}
	if err := f.db.CreateObjective(ctx, f.acme.ID, o); err != nil {
		t.Fatal(err)
	}
	two := 2
	if err := f.db.AddCheckIn(ctx, f.acme.ID, &rumbo.CheckIn{KRID: o.KeyResults[1].ID, Value: ratOf("9"), Confidence: &two, Author: "x", At: t0}); err != nil {
		t.Fatal(err)
	}
	st, err := f.srv.okrService().Status(ctx, f.acme, q)
	if err != nil {
		t.Fatal(err)
	}
	days := st.Objectives[0].KeyResults[0].Outdated()
	if days < 60 {
		t.Fatalf("the silent key result is outdated %d days", days)
	}
	for _, lang := range []string{"es", "en"} {
		res := f.do(admin, "GET", "/okrs?period="+q.Label, "", "", "Accept-Language", lang)
		for _, want := range []string{Tf(lang, "okr.outdated", days), Tf(lang, "reason.no_checkin", days), Tf(lang, "reason.low_confidence", 2)} {
			if !strings.Contains(res.body, want) {
				t.Errorf("%s: the OKR page lacks %q", lang, want)
			}
		}
	}
	if res := f.do(admin, "GET", "/okrs?period="+q.Label, "", "", "Accept-Language", "es"); strings.Contains(res.body, "no check-in for") {
		t.Errorf("the Spanish page shows the English reason")
	}
}

// TestWebKPICSV exports what the KPI page shows as CSV, with a cell that a
// spreadsheet would take for a formula neutralised.
func TestWebKPICSV(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	const evil = `=HYPERLINK("http://evil.test","x")`
	f.put(f.acme, rumbo.EntityDeals, `{"external_id":"evil","owner":"=HYPERLINK(\"http://evil.test\",\"x\")","customer":"C","status":"won","amount":"70","created_at":"2026-02-02","closed_at":"2026-02-12"}`)
	r := f.do(admin, "GET", "/kpis/revenue/csv?part=breakdown&by=owner&grain=quarter", "", "")
	if r.code != 200 || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/csv") ||
		r.hdr.Get("Content-Disposition") != `attachment; filename="revenue-by-owner.csv"` {
		t.Fatalf("CSV = %d %q %q", r.code, r.hdr.Get("Content-Type"), r.hdr.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, row := range rows {
		cells = append(cells, row...)
	}
	if !slices.Contains(cells, "'"+evil) || slices.Contains(cells, evil) || !slices.Contains(cells, "Ana López") {
		t.Errorf("the breakdown's cells %q lack the neutralised %q or Ana López", cells, evil)
	}
	// A member exports only what a member sees.
	member := f.session(f.users["member"], false)
	mr := f.do(member, "GET", "/kpis/revenue/csv?part=breakdown&by=owner&grain=quarter", "", "")
	if mr.code != 200 || strings.Contains(mr.body, "HYPERLINK") || !strings.Contains(mr.body, "Ana López") {
		t.Errorf("a member's CSV = %d\n%s", mr.code, mr.body)
	}
	if r := f.do(member, "GET", "/kpis/revenue/csv?owner=Luis", "", ""); r.code != nethttp.StatusForbidden {
		t.Errorf("a member's CSV of another rep = %d, want 403", r.code)
	}
}

// TestWebStaleData flags figures whose data was last imported more than two
// weeks ago, on the dashboard and on the KPI page.
func TestWebStaleData(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	stale := `<span class="badge h-red">` + T("es", "dash.stale") + `</span>`
	for _, p := range []string{"/", "/kpis/revenue"} {
		if r := f.do(admin, "GET", p, "", ""); r.code != 200 || strings.Contains(r.body, stale) {
			t.Errorf("GET %s just after the import = %d, flagged stale: %v", p, r.code, strings.Contains(r.body, stale))
		}
	}
	f.clock.add(15 * 24 * time.Hour)
	admin = f.session(f.users["admin"], false) // the first session has expired
	for _, p := range []string{"/", "/kpis/revenue"} {
		if r := f.do(admin, "GET", p, "", ""); r.code != 200 || !strings.Contains(r.body, stale) {
			t.Errorf("GET %s fifteen days after the import = %d, not flagged stale", p, r.code)
		}
	}
}
