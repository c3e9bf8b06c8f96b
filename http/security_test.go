package http

import (
	"context"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

func TestCSRF(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	s := f.session(f.users["admin"], false)
	tests := []struct {
		name string
		c    cred
		want int
	}{
		{"no token", cred{cookie: s.cookie}, 403},
		{"wrong token", cred{cookie: s.cookie, csrf: "forged"}, 403},
		{"another session's token", cred{cookie: s.cookie, csrf: f.session(f.users["admin"], false).csrf}, 403},
		{"right token", s, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.do(tt.c, "PATCH", "/api/v1/org", "application/json", `{"name":"Acme Ventas"}`); got.code != tt.want {
				t.Errorf("status %d, want %d: %s", got.code, tt.want, got.body)
			}
		})
	}
	// Tokens need no CSRF token: a browser never sends them by itself.
	tok, _ := f.token(f.users["admin"], f.acme)
	if got := f.do(tok, "PATCH", "/api/v1/org", "application/json", `{"name":"Acme Ventas"}`); got.code != 200 {
		t.Errorf("token write: %d %s", got.code, got.body)
	}
}

// login signs in and returns the response and the new session cookie.
func (f *fixture) login(email, password string, planted string) (response, *nethttp.Cookie) {
	f.t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if planted != "" {
		req.AddCookie(&nethttp.Cookie{Name: SessionCookie, Value: planted})
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	res := response{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == SessionCookie {
			return res, ck
		}
	}
	return res, nil
}

func TestLoginSession(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		old := f.session(f.users["admin"], false)
		res, ck := f.login("ADMIN@acme.test", loginPassword, old.cookie)
		if res.code != 200 || ck == nil {
			t.Fatalf("login: %d %s", res.code, res.body)
		}
		if ck.Value == old.cookie || !ck.HttpOnly || ck.SameSite != nethttp.SameSiteLaxMode || ck.Secure {
			t.Errorf("cookie %+v: want a new id, HttpOnly, SameSite=Lax, not Secure over plain HTTP", ck)
		}
		if got := f.do(cred{cookie: old.cookie}, "GET", "/api/v1/me", "", ""); got.code != 401 {
			t.Errorf("the session planted before login still works: %d", got.code)
		}
		me := res.json(t)
		csrf, _ := me["csrf_token"].(string)
		s := cred{cookie: ck.Value, csrf: csrf}
		if got := f.do(s, "GET", "/api/v1/me", "", ""); got.code != 200 || !strings.Contains(got.body, `"role":"admin"`) {
			t.Errorf("me: %d %s", got.code, got.body)
		}
		// A second login gets yet another id.
		if _, ck2 := f.login("admin@acme.test", loginPassword, ""); ck2 == nil || ck2.Value == ck.Value {
			t.Errorf("second login reused the session id")
		}
		// Idle sessions end.
		f.clock.add(DefaultSessionIdle + time.Minute)
		if got := f.do(s, "GET", "/api/v1/me", "", ""); got.code != 401 {
			t.Errorf("idle session: %d, want 401", got.code)
		}
		// Behind a trusted proxy that says https, the cookie is Secure.
		f.srv.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
		req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"email":"admin@acme.test","password":"`+loginPassword+`"}`))
		req.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if cks := rec.Result().Cookies(); rec.Code != 200 || len(cks) == 0 || !cks[0].Secure {
			t.Errorf("login through a TLS proxy: %d, cookies %+v", rec.Code, cks)
		}
	})
}

func TestLoginSlowsDown(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	type step struct {
		advance  time.Duration
		password string
		want     int
		retry    string // Retry-After expected on 429
	}
	steps := []step{
		{0, "wrong", 401, ""},
		{0, "wrong", 401, ""},
		{0, "wrong", 401, ""},           // third failure: the next attempt waits 1 s
		{0, "wrong", 429, "1"},          // refused without checking
		{0, loginPassword, 429, "1"},    // even the right password waits
		{time.Second, "wrong", 401, ""}, // fourth failure: 2 s
		{time.Second, "wrong", 429, "1"},
		{time.Second, "wrong", 401, ""}, // fifth: 4 s
		{0, loginPassword, 429, "4"},
		{4 * time.Second, loginPassword, 200, ""}, // the owner gets in once the delay passed
	}
	for i, s := range steps {
		f.clock.add(s.advance)
		res, _ := f.login("member@acme.test", s.password, "")
		if res.code != s.want || res.hdr.Get("Retry-After") != s.retry {
			t.Fatalf("step %d: status %d, Retry-After %q; want %d, %q\n%s", i, res.code, res.hdr.Get("Retry-After"), s.want, s.retry, res.body)
		}
	}
	// Many failures from many addresses never lock the owner out for
	// longer than AccountDelayMax.
	for i := range 30 {
		req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"email":"viewer@acme.test","password":"wrong"}`))
		req.RemoteAddr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 1000).String()
		f.srv.ServeHTTP(httptest.NewRecorder(), req)
		f.clock.add(DefaultAccountDelayMax)
	}
	n, _, _ := f.db.LoginFailures(context.Background(), "acct:viewer@acme.test", f.clock.now())
	if n < 10 {
		t.Fatalf("failures recorded: %d", n)
	}
	if d := rumbo.LoginDelay(n, DefaultAccountDelayMax); d != DefaultAccountDelayMax {
		t.Errorf("delay after %d failures = %s, want the cap %s", n, d, DefaultAccountDelayMax)
	}
	f.clock.add(DefaultAccountDelayMax)
	if res, _ := f.login("viewer@acme.test", loginPassword, ""); res.code != 200 {
		t.Errorf("owner after the capped delay: %d %s", res.code, res.body)
	}
}

func TestSecretsStayOut(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	res, ck := f.login("admin@acme.test", loginPassword, "")
	if res.code != 200 {
		t.Fatal(res.body)
	}
	s := cred{cookie: ck.Value, csrf: res.json(t)["csrf_token"].(string)}
	created := f.do(s, "POST", "/api/v1/tokens", "application/json", `{"name":"crm"}`)
	secret, _ := created.json(t)["token"].(string)
	if created.code != 201 || !strings.HasPrefix(secret, TokenPrefix) {
		t.Fatalf("create token: %d %s", created.code, created.body)
	}
	tok := cred{token: secret}
	invite := f.do(s, "POST", "/api/v1/users", "application/json", `{"email":"nuevo@acme.test","role":"member"}`)
	link, _ := invite.json(t)["invite_url"].(string)
	_, inviteSecret, _ := strings.Cut(link, "token=")
	if invite.code != 201 || inviteSecret == "" {
		t.Fatalf("invite: %d %s", invite.code, invite.body)
	}
	newPassword := "una contraseña nueva"
	if got := f.do(cred{}, "POST", "/api/v1/invites/accept", "application/json", `{"token":"`+inviteSecret+`","password":"`+newPassword+`"}`); got.code != 200 {
		t.Fatalf("accept: %d %s", got.code, got.body)
	}
	if res, _ := f.login("nuevo@acme.test", newPassword, ""); res.code != 200 {
		t.Fatalf("login with the invited password: %d", res.code)
	}
	f.login("admin@acme.test", "a wrong password", "")
	var bodies []string
	for _, p := range []string{"/api/v1/me", "/api/v1/tokens", "/api/v1/users", "/api/v1/orgs"} {
		for _, c := range []cred{s, tok} {
			got := f.do(c, "GET", p, "", "")
			if got.code != 200 {
				t.Errorf("GET %s: %d %s", p, got.code, got.body)
			}
			bodies = append(bodies, got.body)
		}
	}
	for name, secret := range map[string]string{"password": loginPassword, "wrong password": "a wrong password",
		"invited password": newPassword, "token": secret, "invite": inviteSecret, "session id": ck.Value, "CSRF token": s.csrf} {
		if strings.Contains(f.logs.String(), secret) {
			t.Errorf("the logs hold the %s", name)
		}
		for _, b := range bodies {
			if name != "CSRF token" && strings.Contains(b, secret) {
				t.Errorf("a later response shows the %s: %s", name, b)
			}
		}
	}
	for _, b := range bodies {
		if strings.Contains(b, "argon2") {
			t.Errorf("a response shows a password hash: %s", b)
		}
	}
	if !strings.Contains(f.logs.String(), `"path":"/api/v1/login"`) || !strings.Contains(f.logs.String(), `"request_id"`) {
		t.Errorf("request log lacks the login request: %s", f.logs.String())
	}
}

func TestInjectionInFilters(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	tests := []struct {
		path string
		want int
		deny string // on 200: a sign that rows matched
	}{
		{"/api/v1/deals?status=won'%20OR%20'1'%3D'1", 200, `"external_id"`},
		{"/api/v1/deals?owner=x'%3B%20DROP%20TABLE%20deals%3B--", 200, `"external_id"`},
		{"/api/v1/deals?customer=%25", 200, `"external_id"`},
		{"/api/v1/deals?status%3D'won'%20OR%201%3D1--=1", 400, ""},
		{"/api/v1/deals?amount;DROP%20TABLE%20deals=1", 400, ""},
		{"/api/v1/kpis/revenue/values?period=2026-Q1&filter=owner%3D'%20OR%201%3D1--", 200, `"count":2`},
		// An unknown breakdown is read as a custom field no record has.
		{"/api/v1/kpis/revenue/values?period=2026-Q1&by=owner%3BDROP%20TABLE%20deals", 200, `"owner":"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := f.do(admin, "GET", tt.path, "", "")
			if got.code != tt.want {
				t.Fatalf("status %d, want %d: %s", got.code, tt.want, got.body)
			}
			if got.code == 200 && strings.Contains(got.body, tt.deny) {
				t.Errorf("rows matched: %s", got.body)
			}
		})
	}
	if n, err := f.db.Count(context.Background(), f.acme.ID, rumbo.EntityDeals); err != nil || n != 2 {
		t.Errorf("deals after the attempts: %d, %v; want 2", n, err)
	}
}

func TestBodyLimits(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	big := `{"external_id":"big","name":"` + strings.Repeat("x", DefaultBodyLimit) + `"}`
	if got := f.do(admin, "POST", "/api/v1/teams", "application/json", big); got.code != 413 || !strings.Contains(got.body, ETOOLARGE) {
		t.Errorf("declared over-size body: %d %s", got.code, got.body)
	}
	// Without a Content-Length the limit still holds while reading.
	req := httptest.NewRequest("POST", "/api/v1/teams", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.AddCookie(&nethttp.Cookie{Name: SessionCookie, Value: admin.cookie})
	req.Header.Set(HeaderCSRF, admin.csrf)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != 413 {
		t.Errorf("streamed over-size body: %d %s", rec.Code, rec.Body.String())
	}
	// Bulk loads have the larger upload limit.
	f.srv = NewServer(f.db, Config{Now: f.clock.now, Hasher: testHasher, UploadLimit: 200})
	body := strings.Repeat(fixtureRecord(rumbo.EntityTeams, "t")+"\n", 10)
	if got := f.do(admin, "POST", "/api/v1/teams/bulk", "application/x-ndjson", body); got.code != 413 {
		t.Errorf("bulk over the upload limit: %d %s", got.code, got.body)
	}
	if got := f.do(admin, "POST", "/api/v1/teams", "application/json", fixtureRecord(rumbo.EntityTeams, "small")); got.code != 201 {
		t.Errorf("a JSON body under the limit: %d %s", got.code, got.body)
	}
}

func TestClientAddr(t *testing.T) {
	s := NewServer(nil, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	tests := []struct {
		name, remote, xff, want string
	}{
		{"direct", "203.0.113.5:4000", "", "203.0.113.5"},
		{"untrusted peer's header ignored", "203.0.113.5:4000", "1.2.3.4", "203.0.113.5"},
		{"trusted proxy", "10.0.0.2:4000", "198.51.100.7", "198.51.100.7"},
		{"spoofed left entry skipped", "10.0.0.2:4000", "6.6.6.6, 198.51.100.7", "198.51.100.7"},
		{"chain of proxies", "10.0.0.2:4000", "198.51.100.7, 10.0.0.9", "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := s.clientAddr(r).String(); got != tt.want {
				t.Errorf("clientAddr = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPanicRecovered(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	f.srv.mux.HandleFunc("GET /boom", func(nethttp.ResponseWriter, *nethttp.Request) { panic("boom") })
	got := f.do(cred{}, "GET", "/boom", "", "")
	if got.code != 500 || !strings.Contains(got.body, `"internal error"`) || got.hdr.Get("X-Request-Id") == "" {
		t.Errorf("panic answer: %d %s", got.code, got.body)
	}
	if !strings.Contains(f.logs.String(), `"panic":"boom"`) {
		t.Errorf("panic not logged: %s", f.logs.String())
	}
}

func TestHasher(t *testing.T) {
	h := testHasher
	enc := h.Hash("secreto largo")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q", enc)
	}
	tests := []struct {
		name, enc, pw string
		want          bool
		wantErr       bool
	}{
		{"right", enc, "secreto largo", true, false},
		{"wrong", enc, "secreto largO", false, false},
		{"default parameters verify", DefaultHasher.Hash("x"), "x", true, false},
		{"not argon2id", "$2a$10$abc", "x", false, true},
		{"bad parameters", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$a2V5", "x", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(tt.enc, tt.pw)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("Verify = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
