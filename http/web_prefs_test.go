package http

import (
	"context"
	nethttp "net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
)

// cookieOf returns the value the response sets for the cookie, and whether it sets it.
func cookieOf(r response, name string) (string, bool) {
	for _, ck := range (&nethttp.Response{Header: r.hdr}).Cookies() {
		if ck.Name == name {
			return ck.Value, true
		}
	}
	return "", false
}

// withCookies sends the session cookie and extra cookies ("name=value").
func withCookies(c cred, extra ...string) []string {
	return []string{"Cookie", strings.Join(append([]string{SessionCookie + "=" + c.cookie}, extra...), "; ")}
}

// TestWebUserLang checks the language order: the user's stored setting,
// then this browser's choice, then Accept-Language, then the
// organisation's; and that the setting follows the user to another browser.
func TestWebUserLang(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	ctx := context.Background()
	admin, member := f.session(f.users["admin"], false), f.session(f.users["member"], false)
	// h1 returns the language the page is in.
	h1 := func(r response) string {
		t.Helper()
		m := regexp.MustCompile(`<html lang="([a-z]+)"`).FindStringSubmatch(r.body)
		if r.code != 200 || m == nil {
			t.Fatalf("page %d without a language", r.code)
		}
		return m[1]
	}
	guide := func(c cred, hdr ...string) string {
		t.Helper()
		return h1(f.do(c, "GET", "/guide", "", "", hdr...))
	}
	es, en := "es", "en"

	// autoButton reports whether a page offers to go back to the automatic
	// language, and checks the button's words in the page's language.
	autoButton := func(r response) bool {
		t.Helper()
		m := regexp.MustCompile(`<button type="submit" name="set" value="auto" id="lang-auto"[^>]*>([^<]*)</button>`).FindStringSubmatch(r.body)
		if m != nil && m[1] != T(h1(r), "lang.auto") {
			t.Errorf("the automatic language button says %q on a page in %s", m[1], h1(r))
		}
		return m != nil
	}
	// Nothing chosen: the browser's language, then the organisation's.
	if got := guide(admin, "Accept-Language", "en-GB,en;q=0.9"); got != en {
		t.Errorf("English browser: %q", got)
	}
	if autoButton(f.do(admin, "GET", "/guide", "", "", "Accept-Language", "es")) {
		t.Errorf("the language is automatic, yet the page offers to make it automatic")
	}
	if got := guide(admin, "Accept-Language", "fr"); got != es {
		t.Errorf("French browser, Spanish organisation: %q", got)
	}
	// The user chooses English: stored with the user, and in this browser.
	r := f.do(admin, "POST", "/lang", formType, form(admin, "set", "en", "back", "/guide"))
	if r.code != nethttp.StatusSeeOther || r.hdr.Get("Location") != "/guide" {
		t.Fatalf("POST /lang = %d to %s", r.code, r.hdr.Get("Location"))
	}
	if v, ok := cookieOf(r, LangCookie); !ok || v != "en" {
		t.Errorf("POST /lang sets cookie %q %v", v, ok)
	}
	if l, err := f.db.UserLang(ctx, f.users["admin"].ID); err != nil || l != "en" {
		t.Fatalf("stored language %q, %v", l, err)
	}
	// Another browser of the same user (a new session, a Spanish browser,
	// no cookie) speaks English; another user is not affected.
	other := f.session(f.users["admin"], false)
	if got := guide(other, "Accept-Language", "es-ES,es"); got != en {
		t.Errorf("the user's setting in another browser: %q, want English", got)
	}
	if got := guide(member, "Accept-Language", "es-ES,es"); got != es {
		t.Errorf("another user: %q, want Spanish", got)
	}
	// The user's setting wins over this browser's cookie.
	if got := guide(other, append(withCookies(other, LangCookie+"=es"), "Accept-Language", "es")...); got != en {
		t.Errorf("the setting against a Spanish cookie: %q, want English", got)
	}
	// A chosen language offers the way back to automatic, in either language.
	if !autoButton(f.do(other, "GET", "/guide", "", "", "Accept-Language", "es")) {
		t.Errorf("an English page with the language chosen lacks the automatic button")
	}
	if !autoButton(f.do(member, "GET", "/guide", "", "", withCookies(member, LangCookie+"=es")...)) {
		t.Errorf("a Spanish page with the language chosen in the browser lacks the automatic button")
	}
	// Back to automatic: the browser's language again, and this browser's
	// cookie is forgotten.
	r = f.do(admin, "POST", "/lang", formType, form(admin, "set", "auto", "back", "/guide"))
	if r.code != nethttp.StatusSeeOther || r.hdr.Get("Location") != "/guide" {
		t.Fatalf("POST /lang auto = %d to %s", r.code, r.hdr.Get("Location"))
	}
	if v, ok := cookieOf(r, LangCookie); !ok || v != "" || !strings.Contains(strings.Join(r.hdr.Values("Set-Cookie"), " "), "Max-Age=0") {
		t.Errorf("POST /lang auto sets the cookie %q %v: %v", v, ok, r.hdr.Values("Set-Cookie"))
	}
	if l, err := f.db.UserLang(ctx, f.users["admin"].ID); err != nil || l != "" {
		t.Errorf("stored language after auto %q, %v", l, err)
	}
	if got := guide(other, "Accept-Language", "es"); got != es {
		t.Errorf("after auto, a Spanish browser: %q", got)
	}
	if got := guide(other, "Accept-Language", "en"); got != en {
		t.Errorf("after auto, an English browser: %q", got)
	}
	if autoButton(f.do(other, "GET", "/guide", "", "", "Accept-Language", "en")) {
		t.Errorf("back to automatic, the page still offers the automatic button")
	}
	// Writes need the CSRF token; a bad language is refused.
	if r := f.do(cred{cookie: admin.cookie}, "POST", "/lang", formType, "set=en"); r.code != nethttp.StatusForbidden {
		t.Errorf("POST /lang without CSRF = %d", r.code)
	}
	if r := f.do(admin, "POST", "/lang", formType, form(admin, "set", "fr")); r.code != nethttp.StatusBadRequest {
		t.Errorf("POST /lang fr = %d", r.code)
	}
	// Before sign-in the choice lives in a cookie only.
	r = f.do(cred{}, "GET", "/lang?set=en&back=/login", "", "")
	if v, _ := cookieOf(r, LangCookie); r.code != nethttp.StatusSeeOther || v != "en" {
		t.Errorf("GET /lang = %d, cookie %q", r.code, v)
	}
	login := f.do(cred{}, "GET", "/login", "", "", "Cookie", LangCookie+"=en", "Accept-Language", "es")
	if got := h1(login); got != en {
		t.Errorf("login page with an English cookie: %q", got)
	}
	if !strings.Contains(login.body, `<a href="/lang?set=auto&amp;back=%2Flogin" id="lang-auto"`) {
		t.Errorf("the login page with a chosen language lacks the automatic link")
	}
	if strings.Contains(f.do(cred{}, "GET", "/login", "", "", "Accept-Language", "es").body, `id="lang-auto"`) {
		t.Errorf("the login page without a chosen language offers the automatic link")
	}
	r = f.do(cred{}, "GET", "/lang?set=auto&back=/login", "", "")
	if v, ok := cookieOf(r, LangCookie); r.code != nethttp.StatusSeeOther || !ok || v != "" {
		t.Errorf("GET /lang auto = %d, cookie %q %v", r.code, v, ok)
	}
	// The organisation's language comes last.
	en2 := *f.acme
	en2.Lang = "en"
	if err := f.db.UpdateOrg(ctx, &en2); err != nil {
		t.Fatal(err)
	}
	if got := guide(member, "Accept-Language", "de"); got != en {
		t.Errorf("English organisation, German browser: %q", got)
	}
}

// TestWebOrgSwitch checks the organisation switcher: a user of several
// organisations switches between them and sees each one's data only; a
// user of one never reaches another's data, whatever the cookie, header
// or form field says.
func TestWebOrgSwitch(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	ctx := context.Background()
	consultant := &rumbo.User{Email: "consultora@example.com", Name: "Consultora", PasswordHash: testHasher.Hash(loginPassword)}
	if err := f.db.CreateUser(ctx, consultant); err != nil {
		t.Fatal(err)
	}
	for _, m := range []rumbo.Membership{{UserID: consultant.ID, OrgID: f.acme.ID, Role: rumbo.RoleManager},
		{UserID: consultant.ID, OrgID: f.other.ID, Role: rumbo.RoleManager}} {
		if err := f.db.SetMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	const acmeRep, otherRep = "Luis", "Olga"
	// sees reports which organisation's reps a page shows.
	sees := func(t *testing.T, r response) (acme, other bool) {
		t.Helper()
		if r.code != 200 {
			t.Fatalf("GET = %d", r.code)
		}
		return strings.Contains(r.body, ">"+acmeRep+"<"), strings.Contains(r.body, ">"+otherRep+"<")
	}
	breakdown := "/kpis/revenue?by=owner"

	t.Run("a user of one organisation", func(t *testing.T) {
		admin := f.session(f.users["admin"], false)
		home := f.do(admin, "GET", "/", "", "")
		if strings.Contains(home.body, `id="org-switch"`) {
			t.Errorf("a user of one organisation sees the switcher")
		}
		r := f.do(admin, "POST", "/org", formType, form(admin, "switch_to", "othercorp"))
		if _, set := cookieOf(r, OrgCookie); r.code != nethttp.StatusForbidden || set {
			t.Errorf("switching to another's organisation = %d (cookie set: %v), want 403", r.code, set)
		}
		// A forged cookie falls back to the user's own organisation.
		a, o := sees(t, f.do(admin, "GET", breakdown, "", "", withCookies(admin, OrgCookie+"=othercorp")...))
		if !a || o {
			t.Errorf("with a forged organisation cookie: acme %v, othercorp %v", a, o)
		}
		me := f.do(admin, "GET", "/api/v1/me", "", "", withCookies(admin, OrgCookie+"=othercorp")...).json(t)
		if me["org"].(map[string]any)["slug"] != "acme" {
			t.Errorf("/api/v1/me with a forged cookie: %v", me["org"])
		}
		// A forged header or form field is refused.
		if r := f.do(admin, "GET", breakdown, "", "", HeaderOrg, "othercorp"); r.code != nethttp.StatusForbidden {
			t.Errorf("with X-Rumbo-Org othercorp = %d, want 403", r.code)
		}
		r = f.do(admin, "POST", "/okrs/objectives", formType, form(admin, "org", "othercorp", "title", "Robar", "owner_kind", "org",
			"type", "committed", "period", "2026-Q1", "kr_title", "x", "kr_kind", "manual", "kr_unit", "yesno"))
		if r.code != nethttp.StatusForbidden {
			t.Errorf("a form posted to othercorp = %d, want 403", r.code)
		}
		if objs, _ := f.db.Objectives(ctx, f.other.ID, nil); len(objs) != 0 {
			t.Errorf("othercorp has %d objectives", len(objs))
		}
	})

	t.Run("a user of two organisations", func(t *testing.T) {
		s := f.session(consultant, false)
		home := f.do(s, "GET", "/", "", "")
		for _, want := range []string{`id="org-switch"`, `<option value="acme" selected>Acme Ventas</option>`, `<option value="othercorp" >OtherCorp</option>`} {
			if !strings.Contains(home.body, want) {
				t.Errorf("the switcher lacks %s", want)
			}
		}
		if a, o := sees(t, f.do(s, "GET", breakdown, "", "")); !a || o {
			t.Errorf("before switching: acme %v, othercorp %v", a, o)
		}
		r := f.do(s, "POST", "/org", formType, form(s, "switch_to", "othercorp"))
		slug, set := cookieOf(r, OrgCookie)
		if r.code != nethttp.StatusSeeOther || !set || slug != "othercorp" || r.hdr.Get("Location") != "/" {
			t.Fatalf("switch = %d, cookie %q", r.code, slug)
		}
		in := withCookies(s, OrgCookie+"="+slug)
		if a, o := sees(t, f.do(s, "GET", breakdown, "", "", in...)); a || !o {
			t.Errorf("after switching: acme %v, othercorp %v", a, o)
		}
		page := f.do(s, "GET", "/", "", "", in...)
		if !strings.Contains(page.body, `<option value="othercorp" selected>OtherCorp</option>`) || !strings.Contains(page.body, `&#34;X-Rumbo-Org&#34;:&#34;othercorp&#34;`) {
			t.Errorf("the switched page does not name othercorp for its requests")
		}
		// A form from a page of acme, posted after switching in another
		// tab, still goes to acme.
		r = f.doForm(s, in, "/okrs/objectives", "org", "acme", "title", "De acme", "owner_kind", "org", "type", "committed",
			"period", "2026-Q1", "kr_title", "x", "kr_kind", "manual", "kr_unit", "yesno")
		if r.code != nethttp.StatusSeeOther {
			t.Fatalf("create from an acme page = %d\n%s", r.code, r.body)
		}
		if objs, _ := f.db.Objectives(ctx, f.acme.ID, nil); len(objs) != 1 || objs[0].Title != "De acme" {
			t.Errorf("acme objectives %+v", objs)
		}
		if objs, _ := f.db.Objectives(ctx, f.other.ID, nil); len(objs) != 0 {
			t.Errorf("othercorp got %d objectives", len(objs))
		}
		// Removed from othercorp, the cookie no longer opens it.
		if err := f.db.DeleteMembership(ctx, consultant.ID, f.other.ID); err != nil {
			t.Fatal(err)
		}
		if a, o := sees(t, f.do(s, "GET", breakdown, "", "", in...)); !a || o {
			t.Errorf("after leaving othercorp: acme %v, othercorp %v", a, o)
		}
		if r := f.do(s, "POST", "/org", formType, form(s, "switch_to", "othercorp")); r.code != nethttp.StatusForbidden {
			t.Errorf("switching to a left organisation = %d, want 403", r.code)
		}
	})
}

// doForm posts form fields with the session's CSRF token and extra headers.
func (f *fixture) doForm(c cred, hdr []string, path string, kv ...string) response {
	f.t.Helper()
	return f.do(c, "POST", path, formType, form(c, kv...), hdr...)
}
