package http

import (
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rumbo-app/rumbo"
)

// acceptLink sets a password through the one-time link of an invitation or
// reset, as its holder would.
func (f *fixture) acceptLink(t *testing.T, link, password string) response {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"token": u.Query().Get("token"), "password": password})
	return f.do(cred{}, "POST", "/api/v1/invites/accept", "application/json", string(body))
}

// TestNoTakeoverAcrossOrgs: an organisation's admin holds the links that
// set its members' passwords. For a user who also belongs to another
// organisation, that would hand the admin the user's access there: the
// admin cannot reset their password, an invitation gives no link, and a
// link issued before the user joined another organisation no longer works.
func TestNoTakeoverAcrossOrgs(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	acmeAdmin := f.session(f.users["admin"], false)

	// othercorp's admin, invited into acme: a member, no link.
	res := f.do(acmeAdmin, "POST", "/api/v1/users", "application/json", `{"email":"other@othercorp.test","role":"viewer"}`)
	if res.code != 201 {
		t.Fatalf("invite a user of another organisation: %d %s", res.code, res.body)
	}
	if _, ok := res.json(t)["invite_url"]; ok {
		t.Errorf("inviting a user of another organisation gave a link to set their password: %s", res.body)
	}
	id := int64(res.json(t)["user"].(map[string]any)["id"].(float64))
	res = f.do(acmeAdmin, "POST", fmt.Sprintf("/api/v1/users/%d/password-reset", id), "application/json", "")
	if res.code == 201 {
		f.acceptLink(t, res.json(t)["invite_url"].(string), "attacker-chosen-pw")
		if lres, ck := f.login("other@othercorp.test", "attacker-chosen-pw", ""); lres.code == 200 && ck != nil {
			t.Fatal("acme's admin reset the password of othercorp's admin and signed in as them")
		}
		t.Fatalf("reset of a user of another organisation: %d %s, want 409", res.code, res.body)
	}
	if res.code != nethttp.StatusConflict || !strings.Contains(res.body, "rumbo user passwd") {
		t.Errorf("reset of a user of another organisation: %d %s, want 409 naming rumbo user passwd", res.code, res.body)
	}

	// A link issued while the member was acme's alone stops working once
	// they belong to othercorp too; one for a member since removed, too.
	for _, c := range []struct {
		user  string
		after func(u *rumbo.User)
	}{
		{"manager", func(u *rumbo.User) {
			if err := f.db.SetMembership(t.Context(), &rumbo.Membership{UserID: u.ID, OrgID: f.other.ID, Role: "viewer"}); err != nil {
				t.Fatal(err)
			}
		}},
		{"member", func(u *rumbo.User) {
			if err := f.db.DeleteMembership(t.Context(), u.ID, f.acme.ID); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		u := f.users[c.user]
		res := f.do(acmeAdmin, "POST", fmt.Sprintf("/api/v1/users/%d/password-reset", u.ID), "application/json", "")
		if res.code != 201 {
			t.Fatalf("reset %s: %d %s", c.user, res.code, res.body)
		}
		c.after(u)
		if got := f.acceptLink(t, res.json(t)["invite_url"].(string), "attacker-chosen-pw"); got.code != nethttp.StatusNotFound {
			t.Errorf("%s: an old reset link set the password: %d %s, want 404", c.user, got.code, got.body)
		}
		if lres, _ := f.login(u.Email, loginPassword, ""); lres.code != 200 {
			t.Errorf("%s: the password changed: sign-in %d %s", c.user, lres.code, lres.body)
		}
	}
}

// TestResetRevokesTokens: a password reset signs the user out everywhere,
// API tokens included (a token made by whoever had the password would
// outlive it).
func TestResetRevokesTokens(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	stolen, _ := f.token(f.users["manager"], f.acme)
	admin := f.session(f.users["admin"], false)
	res := f.do(admin, "POST", fmt.Sprintf("/api/v1/users/%d/password-reset", f.users["manager"].ID), "application/json", "")
	if res.code != 201 {
		t.Fatalf("reset: %d %s", res.code, res.body)
	}
	if res := f.acceptLink(t, res.json(t)["invite_url"].(string), "a brand new password"); res.code != 200 {
		t.Fatalf("accept: %d %s", res.code, res.body)
	}
	if res := f.do(stolen, "GET", "/api/v1/me", "", ""); res.code != nethttp.StatusUnauthorized {
		t.Errorf("a token made before the password reset: %d, want 401", res.code)
	}
}

// TestSafeRedirects: the pages that go back where the reader came from
// (next, back) stay on the site, whatever a browser makes of the path: it
// drops tabs and newlines, and reads a backslash as a slash.
func TestSafeRedirects(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	browser := func(loc string) string {
		return strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc)
	}
	check := func(name string, res response) {
		t.Helper()
		loc := res.hdr.Get("Location")
		if u, err := url.Parse(browser(loc)); err != nil || u.Host != "" || u.Scheme != "" {
			t.Errorf("%s: %d Location %q leaves the site", name, res.code, loc)
		}
	}
	s := f.session(f.users["viewer"], false)
	for _, evil := range []string{"/\t/evil.example/phish", "/\n/evil.example", "/\\evil.example", "//evil.example", "https://evil.example", "/%09/evil.example"} {
		q := url.QueryEscape(evil)
		check("GET /lang "+q, f.do(cred{}, "GET", "/lang?set=en&back="+q, "", ""))
		check("GET /login "+q, f.do(s, "GET", "/login?next="+q, "", ""))
		form := url.Values{"email": {"viewer@acme.test"}, "password": {loginPassword}, "next": {evil}}
		check("POST /login "+q, f.do(cred{}, "POST", "/login", "application/x-www-form-urlencoded", form.Encode()))
	}
	// A local path still goes where it says.
	if res := f.do(cred{}, "GET", "/lang?set=en&back="+url.QueryEscape("/okr?period=2026-Q1"), "", ""); res.hdr.Get("Location") != "/okr?period=2026-Q1" {
		t.Errorf("GET /lang back to a local path: Location %q", res.hdr.Get("Location"))
	}
}

// TestAcceptInviteChecksTokenFirst: the public invitation endpoint spends a
// password hash (tens of MiB of memory) only on a valid link.
func TestAcceptInviteChecksTokenFirst(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	srv := NewServer(f.db, Config{Now: f.clock.now, Hasher: &Hasher{Memory: 64, Time: 0, Threads: 1}}) // Time 0: argon2 panics
	t.Cleanup(srv.Close)
	req := httptest.NewRequest("POST", "/api/v1/invites/accept",
		strings.NewReader(`{"token":"no-such-token","password":"long enough password"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != nethttp.StatusNotFound {
		t.Fatalf("an unknown token: %d, want 404 without hashing\n%s", rec.Code, rec.Body.String())
	}
}

// TestLoginDelayConcurrent: guesses sent at once are counted before they
// are checked, so that the slow-down after failures holds.
func TestLoginDelayConcurrent(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	h := &Hasher{Memory: 4 * 1024, Time: 2, Threads: 1} // a few ms per check, as real hashes take
	if err := f.db.SetPasswordHash(t.Context(), f.users["member"].ID, h.Hash(loginPassword)); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req := httptest.NewRequest("POST", "/api/v1/login",
				strings.NewReader(fmt.Sprintf(`{"email":"member@acme.test","password":"guess-%d"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			f.srv.ServeHTTP(rec, req)
			codes[i] = rec.Code
		}()
	}
	close(start)
	wg.Wait()
	checked := 0
	for _, c := range codes {
		if c == nethttp.StatusUnauthorized {
			checked++
		}
	}
	if checked > 3 {
		t.Errorf("%d of %d simultaneous guesses were checked with the clock frozen; want at most 3 (codes %v)", checked, n, codes)
	}
}

// TestLoginCSRF: another site cannot sign the reader's browser into an
// account of its choosing (a cross-site form, or a fetch without a JSON
// content type).
func TestLoginCSRF(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	form := url.Values{"email": {"other@othercorp.test"}, "password": {loginPassword}, "next": {"/import"}}
	res := f.do(cred{}, "POST", "/login", "application/x-www-form-urlencoded", form.Encode(),
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if strings.Contains(strings.Join(res.hdr.Values("Set-Cookie"), "\n"), SessionCookie+"=") {
		t.Errorf("a cross-site form POST to /login started a session: %d", res.code)
	}
	req := httptest.NewRequest("POST", "/api/v1/login",
		strings.NewReader(`{"email":"other@othercorp.test","password":"`+loginPassword+`"}`))
	req.Header.Set("Origin", "https://evil.example") // no Content-Type, as fetch(no-cors, Blob) sends
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code == 200 {
		t.Errorf("a cross-site POST /api/v1/login without a content type started a session")
	}
	// The site's own form still signs in.
	res = f.do(cred{}, "POST", "/login", "application/x-www-form-urlencoded", form.Encode(),
		"Origin", "http://example.com", "Sec-Fetch-Site", "same-origin")
	if !strings.Contains(strings.Join(res.hdr.Values("Set-Cookie"), "\n"), SessionCookie+"=") {
		t.Errorf("a same-origin form POST to /login: %d, no session", res.code)
	}
}

// TestTokenScopedToItsOrg: a token of one organisation neither lists nor
// revokes its user's tokens of another, and creates none.
func TestTokenScopedToItsOrg(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	if err := f.db.SetMembership(t.Context(), &rumbo.Membership{UserID: f.users["other"].ID, OrgID: f.acme.ID, Role: "viewer"}); err != nil {
		t.Fatal(err)
	}
	acmeTok, _ := f.token(f.users["other"], f.acme)
	_, otherTok := f.token(f.users["other"], f.other)
	res := f.do(acmeTok, "GET", "/api/v1/tokens", "", "")
	if res.code != 200 || strings.Contains(res.body, `"org":"othercorp"`) {
		t.Errorf("a token of acme lists the user's othercorp tokens: %d %s", res.code, res.body)
	}
	if res := f.do(acmeTok, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", otherTok.ID), "", ""); res.code != nethttp.StatusNotFound {
		t.Errorf("a token of acme revoking the user's othercorp token: %d, want 404", res.code)
	}
	// Nor does a token make tokens: a leaked one would outlive its
	// revocation through them.
	if res := f.do(acmeTok, "POST", "/api/v1/tokens", "application/json", `{"name":"successor"}`); res.code != nethttp.StatusForbidden {
		t.Errorf("a token creating a token: %d %s, want 403", res.code, res.body)
	}
}
