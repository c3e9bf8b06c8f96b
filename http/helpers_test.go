package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// testHasher is argon2id with tiny parameters, so tests stay fast.
var testHasher = &Hasher{Memory: 64, Time: 1, Threads: 1}

// t0 is the tests' "now".
var t0 = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// fixture is a server on a real store with two organisations: acme, with
// an admin, a manager, a member linked to the rep "Ana López", a viewer and
// a manager demoted to viewer; and othercorp with its own admin.
type fixture struct {
	t     testing.TB
	db    *sqlstore.DB
	srv   *Server
	clock *clock
	logs  *syncBuffer
	acme  *rumbo.Org
	other *rumbo.Org
	users map[string]*rumbo.User // by role name: admin, manager, member, viewer, demoted, other

	demotedToken cred // made while the demoted user was a manager

	okr     *okrFixture    // made on first use by f.okrs()
	secrets map[int64]cred // token credentials by token id, when a test keeps them
}

// loginPassword is every fixture user's password.
const loginPassword = "correct horse battery"

func newFixture(t testing.TB, db *sqlstore.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, clock: &clock{t: t0}, logs: &syncBuffer{}, users: map[string]*rumbo.User{}}
	logger := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.srv = NewServer(db, Config{Logger: logger, Now: f.clock.now, Hasher: testHasher, BaseURL: "https://rumbo.test"})
	// Import jobs still running stop before the database closes.
	t.Cleanup(f.srv.Close)
	ctx := context.Background()
	f.acme = &rumbo.Org{Slug: "acme", Name: "Acme Ventas"}
	f.other = &rumbo.Org{Slug: "othercorp", Name: "OtherCorp"}
	for _, o := range []*rumbo.Org{f.acme, f.other} {
		if err := db.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct {
		name string
		org  *rumbo.Org
		role rumbo.Role
		who  string
	}{
		{"admin", f.acme, rumbo.RoleAdmin, ""},
		{"manager", f.acme, rumbo.RoleManager, ""},
		{"member", f.acme, rumbo.RoleMember, "Ana López"},
		{"viewer", f.acme, rumbo.RoleViewer, ""},
		{"demoted", f.acme, rumbo.RoleManager, ""},
		{"other", f.other, rumbo.RoleAdmin, ""},
	} {
		user := &rumbo.User{Email: u.name + "@" + u.org.Slug + ".test", Name: u.name, PasswordHash: testHasher.Hash(loginPassword)}
		if err := db.CreateUser(ctx, user); err != nil {
			t.Fatal(err)
		}
		if err := db.SetMembership(ctx, &rumbo.Membership{UserID: user.ID, OrgID: u.org.ID, Role: u.role, Person: u.who}); err != nil {
			t.Fatal(err)
		}
		f.users[u.name] = user
	}
	f.put(f.acme, rumbo.EntityPeople, `{"external_id":"p-ana","name":"Ana López","email":"ana@acme.test"}`)
	f.put(f.acme, rumbo.EntityPeople, `{"external_id":"p-luis","name":"Luis"}`)
	f.put(f.acme, rumbo.EntityDeals, `{"external_id":"ana-deal","owner":"Ana López","customer":"AnaCustomer","status":"won","amount":"500","created_at":"2026-01-02","closed_at":"2026-01-12"}`)
	for _, e := range rumbo.Entities {
		f.put(f.acme, e, fixtureRecord(e, "fx-"+string(e)))
	}
	f.put(f.other, rumbo.EntityDeals, `{"external_id":"oc-1","owner":"Olga","customer":"OtherCorpCustomer","status":"won","amount":"900","closed_at":"2026-01-05"}`)
	return f
}

// fixtureRecord is a valid record of the entity; records with an owner
// belong to Luis, whom the member may not see.
func fixtureRecord(e rumbo.Entity, xid string) string {
	body := map[rumbo.Entity]string{
		rumbo.EntityTeams:      `"name":"Team %s"`,
		rumbo.EntityPeople:     `"name":"Person %s"`,
		rumbo.EntityMarkets:    `"name":"Market %s"`,
		rumbo.EntityCampaigns:  `"name":"Campaign %s","spend":"10.50"`,
		rumbo.EntityLeads:      `"created_at":"2026-01-05","owner":"Luis","company":"LuisCustomer"`,
		rumbo.EntityDeals:      `"status":"won","owner":"Luis","customer":"LuisCustomer","amount":"1000","created_at":"2026-01-03","closed_at":"2026-01-10"`,
		rumbo.EntityActivities: `"type":"call","at":"2026-01-05T10:00:00","owner":"Luis"`,
		rumbo.EntitySurveys:    `"sent_at":"2026-01-05","score":4`,
		rumbo.EntityInquiries:  `"received_at":"2026-01-05"`,
	}[e]
	return `{"external_id":"` + xid + `",` + strings.ReplaceAll(body, "%s", xid) + `}`
}

// put writes one record, given as API JSON, straight to the store.
func (f *fixture) put(org *rumbo.Org, e rumbo.Entity, js string) {
	f.t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &obj); err != nil {
		f.t.Fatalf("%s: %v", js, err)
	}
	loc, _ := org.Location()
	rec, details := decodeRecord(e, obj, loc)
	if len(details) > 0 {
		f.t.Fatalf("%s: %+v", js, details)
	}
	err := f.db.Write(context.Background(), org.ID, rumbo.WriteOptions{Now: t0}, func(w rumbo.Writer) error {
		_, err := w.Put(context.Background(), rec)
		return err
	})
	if err != nil {
		f.t.Fatalf("put %s: %v", js, err)
	}
}

// cred is how a request authenticates.
type cred struct {
	cookie string // session id
	csrf   string
	token  string
}

// session starts a session for the user straight in the store; expired
// sessions ended an hour ago.
func (f *fixture) session(u *rumbo.User, expired bool) cred {
	f.t.Helper()
	id := rumbo.NewSecret("")
	now := f.clock.now()
	s := &rumbo.Session{IDHash: rumbo.HashSecret(id), UserID: u.ID, CSRFToken: rumbo.NewSecret(""),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if expired {
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = now.Add(-48*time.Hour), now.Add(-2*time.Hour), now.Add(-time.Hour)
	}
	if err := f.db.CreateSession(context.Background(), s); err != nil {
		f.t.Fatal(err)
	}
	return cred{cookie: id, csrf: s.CSRFToken}
}

// token creates an API token for the user in the organisation.
func (f *fixture) token(u *rumbo.User, org *rumbo.Org) (cred, *rumbo.Token) {
	f.t.Helper()
	t, secret, err := CreateToken(context.Background(), f.db, u.ID, org.ID, "test", f.clock.now())
	if err != nil {
		f.t.Fatal(err)
	}
	return cred{token: secret}, t
}

// response is a finished request.
type response struct {
	code int
	body string
	hdr  nethttp.Header
}

// do serves one request with the credentials; writes with a session carry
// its CSRF token.
func (f *fixture) do(c cred, method, path, contentType, body string, hdr ...string) response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.cookie != "" {
		req.AddCookie(&nethttp.Cookie{Name: SessionCookie, Value: c.cookie})
		if c.csrf != "" && !safeMethod(method) {
			req.Header.Set(HeaderCSRF, c.csrf)
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return response{code: rec.Code, body: rec.Body.String(), hdr: rec.Header()}
}

// json decodes a response body.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v\n%s", r.code, err, r.body)
	}
	return m
}

// mustOpen returns a fresh SQLite store.
func mustOpen(t testing.TB) *sqlstore.DB { return sqlstoretest.MustOpenDB(t) }
