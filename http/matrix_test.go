package http

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// identities are the callers of the authorisation matrix, in the column
// order of want strings.
var identities = []string{"anonymous", "viewer", "member", "manager", "admin", "other-org admin",
	"revoked token", "demoted token", "expired session"}

// cell is one request of the matrix: what to send.
type cell struct {
	method, path, contentType, body string
}

// matrixEntry gives, for one route, how to build its request (n is unique
// per cell, for records and users created just for it) and the status
// expected for each identity, in the order of identities.
type matrixEntry struct {
	req  func(f *fixture, n int) cell
	want string
}

func fixed(method, path, body string) func(*fixture, int) cell {
	return func(*fixture, int) cell {
		return cell{method: method, path: path, contentType: "application/json", body: body}
	}
}

// matrix is the authorisation matrix: every route of the server must have
// an entry, written by hand from PRODUCT.md's roles, not from the code.
func matrix() map[string]matrixEntry {
	m := map[string]matrixEntry{
		"GET /healthz": {fixed("GET", "/healthz", ""), "200 200 200 200 200 200 200 200 200"},
		"GET /readyz":  {fixed("GET", "/readyz", ""), "200 200 200 200 200 200 200 200 200"},
		"POST /api/v1/login": {fixed("POST", "/api/v1/login", `{"email":"viewer@acme.test","password":"`+loginPassword+`"}`),
			"200 200 200 200 200 200 200 200 200"},
		"POST /api/v1/invites/accept": {func(f *fixture, n int) cell {
			secret := rumbo.NewSecret("")
			inv := &rumbo.Invite{Hash: rumbo.HashSecret(secret), UserID: f.users["viewer"].ID, OrgID: f.acme.ID,
				Purpose: rumbo.InvitePasswordReset, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
			if err := f.db.CreateInvite(context.Background(), inv); err != nil {
				f.t.Fatal(err)
			}
			return cell{"POST", "/api/v1/invites/accept", "application/json", `{"token":"` + secret + `","password":"` + loginPassword + `"}`}
		}, "200 200 200 200 200 200 200 200 200"},
		"POST /api/v1/logout": {fixed("POST", "/api/v1/logout", ""), "401 204 204 204 204 204 401 204 401"},
		"GET /api/v1/me":      {fixed("GET", "/api/v1/me", ""), "401 200 200 200 200 200 401 200 401"},
		"GET /api/v1/orgs":    {fixed("GET", "/api/v1/orgs", ""), "401 200 200 200 200 200 401 200 401"},
		"GET /api/v1/org":     {fixed("GET", "/api/v1/org", ""), "401 200 200 200 200 200 401 200 401"},
		"PATCH /api/v1/org":   {fixed("PATCH", "/api/v1/org", `{"lang":"es"}`), "401 403 403 403 200 200 401 403 401"},
		"GET /api/v1/users":   {fixed("GET", "/api/v1/users", ""), "401 403 403 403 200 200 401 403 401"},
		"POST /api/v1/users": {func(f *fixture, n int) cell {
			return cell{"POST", "/api/v1/users", "application/json", fmt.Sprintf(`{"email":"new%d@example.com","role":"viewer"}`, n)}
		}, "401 403 403 403 201 201 401 403 401"},
		"PATCH /api/v1/users/{id}": {func(f *fixture, n int) cell {
			return cell{"PATCH", fmt.Sprintf("/api/v1/users/%d", f.users["viewer"].ID), "application/json", `{"role":"viewer"}`}
		}, "401 403 403 403 200 404 401 403 401"},
		"DELETE /api/v1/users/{id}": {func(f *fixture, n int) cell {
			u := &rumbo.User{Email: fmt.Sprintf("gone%d@acme.test", n)}
			if err := f.db.CreateUser(context.Background(), u); err != nil {
				f.t.Fatal(err)
			}
			if err := f.db.SetMembership(context.Background(), &rumbo.Membership{UserID: u.ID, OrgID: f.acme.ID, Role: rumbo.RoleViewer}); err != nil {
				f.t.Fatal(err)
			}
			return cell{"DELETE", fmt.Sprintf("/api/v1/users/%d", u.ID), "", ""}
		}, "401 403 403 403 204 404 401 403 401"},
		"POST /api/v1/users/{id}/password-reset": {func(f *fixture, n int) cell {
			return cell{"POST", fmt.Sprintf("/api/v1/users/%d/password-reset", f.users["member"].ID), "", ""}
		}, "401 403 403 403 201 404 401 403 401"},
		"GET /api/v1/tokens":  {fixed("GET", "/api/v1/tokens", ""), "401 200 200 200 200 200 401 200 401"},
		"POST /api/v1/tokens": {fixed("POST", "/api/v1/tokens", `{"name":"ci"}`), "401 201 201 403 201 403 401 403 401"}, // a token makes no tokens
		// The token revoked belongs to acme's admin: nobody else may revoke it.
		"DELETE /api/v1/tokens/{id}": {func(f *fixture, n int) cell {
			_, t := f.token(f.users["admin"], f.acme)
			return cell{"DELETE", fmt.Sprintf("/api/v1/tokens/%d", t.ID), "", ""}
		}, "401 404 404 404 204 404 401 404 401"},
		"GET /api/v1/kpis": {fixed("GET", "/api/v1/kpis", ""), "401 200 200 200 200 200 401 200 401"},
		"GET /api/v1/kpis/{key}/values": {fixed("GET", "/api/v1/kpis/revenue/values?period=2026-Q1&by=owner", ""),
			"401 200 200 200 200 200 401 200 401"},
		"GET /api/v1/kpis/{key}/bands": {fixed("GET", "/api/v1/kpis/revenue/bands", ""), "401 200 200 200 200 200 401 200 401"},
		"PUT /api/v1/kpis/{key}/bands": {fixed("PUT", "/api/v1/kpis/revenue/bands", `{"green":1,"yellow":0.8}`),
			"401 403 403 200 200 200 401 403 401"},
		"GET /api/v1/targets": {fixed("GET", "/api/v1/targets", ""), "401 200 200 200 200 200 401 200 401"},
		"POST /api/v1/targets": {fixed("POST", "/api/v1/targets", `{"kpi":"revenue","value":"120000","period":"2026-Q1"}`),
			"401 403 403 201 201 201 401 403 401"},
		"DELETE /api/v1/targets/{id}": {func(f *fixture, n int) cell {
			tg := &rumbo.Target{KPI: "revenue", Period: "2026-" + strconv.Itoa(n%12+1), Start: t0.AddDate(0, 0, n), End: t0.AddDate(0, 0, n+1),
				Value: rumbo.Money(100).Rat()}
			if err := f.db.SetTarget(context.Background(), f.acme.ID, tg); err != nil {
				f.t.Fatal(err)
			}
			return cell{"DELETE", fmt.Sprintf("/api/v1/targets/%d", tg.ID), "", ""}
		}, "401 403 403 204 204 404 401 403 401"},
	}
	for k, v := range importOKRMatrix() {
		m[k] = v
	}
	for _, e := range rumbo.Entities {
		base := "/api/v1/" + string(e)
		xid := func(n int) string { return fmt.Sprintf("cell-%d", n) }
		getWant := "401 200 200 200 200 404 401 200 401"
		if ownedEntity(e) {
			// The fixture record belongs to Luis: the member does not see it.
			getWant = "401 200 404 200 200 404 401 200 401"
		}
		m["GET "+base] = matrixEntry{fixed("GET", base, ""), "401 200 200 200 200 200 401 200 401"}
		m["POST "+base] = matrixEntry{func(f *fixture, n int) cell {
			return cell{"POST", base, "application/json", fixtureRecord(e, xid(n))}
		}, "401 403 403 201 201 201 401 403 401"}
		m["POST "+base+"/bulk"] = matrixEntry{func(f *fixture, n int) cell {
			return cell{"POST", base + "/bulk", "application/x-ndjson", fixtureRecord(e, xid(n)) + "\n" + fixtureRecord(e, xid(n)+"b") + "\n"}
		}, "401 403 403 200 200 200 401 403 401"}
		m["GET "+base+"/{id}"] = matrixEntry{fixed("GET", base+"/fx-"+string(e), ""), getWant}
		m["PUT "+base+"/{id}"] = matrixEntry{func(f *fixture, n int) cell {
			return cell{"PUT", base + "/" + xid(n), "application/json", fixtureRecord(e, xid(n))}
		}, "401 403 403 201 201 201 401 403 401"}
		m["PATCH "+base+"/{id}"] = matrixEntry{fixed("PATCH", base+"/fx-"+string(e), `{}`), "401 403 403 200 200 404 401 403 401"}
		m["DELETE "+base+"/{id}"] = matrixEntry{func(f *fixture, n int) cell {
			f.put(f.acme, e, fixtureRecord(e, xid(n)))
			return cell{"DELETE", base + "/" + url.PathEscape(xid(n)), "", ""}
		}, "401 403 403 204 204 404 401 403 401"}
	}
	return m
}

// credential returns the credentials of an identity, fresh for each cell
// so that a logout or a revocation in one cell does not change another.
func (f *fixture) credential(id string) cred {
	switch id {
	case "anonymous":
		return cred{}
	case "viewer", "member", "admin":
		return f.session(f.users[id], false)
	case "manager":
		c, _ := f.token(f.users["manager"], f.acme)
		return c
	case "other-org admin":
		c, _ := f.token(f.users["other"], f.other)
		return c
	case "revoked token":
		c, t := f.token(f.users["admin"], f.acme)
		if err := f.db.RevokeToken(context.Background(), 0, t.ID, f.clock.now()); err != nil {
			f.t.Fatal(err)
		}
		return c
	case "demoted token":
		return f.demotedToken
	case "expired session":
		return f.session(f.users["admin"], true)
	}
	f.t.Fatalf("unknown identity %q", id)
	return cred{}
}

// TestAuthorizationMatrix sends every route × every identity and checks
// the status and that no body leaks another organisation's data or, to a
// member without the leaderboard, another rep's figures. Routes come from
// the server's route table: a route without a matrix entry fails.
func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	// The demoted user's token was made while they were a manager.
	f.demotedToken, _ = f.token(f.users["demoted"], f.acme)
	if err := f.db.SetMembership(context.Background(), &rumbo.Membership{UserID: f.users["demoted"].ID, OrgID: f.acme.ID, Role: rumbo.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	m := matrix()
	served := map[string]bool{}
	n := 0
	for _, rt := range f.srv.Routes() {
		key := rt.Method + " " + rt.Pattern
		served[key] = true
		entry, ok := m[key]
		if !ok {
			t.Errorf("route %s has no authorisation matrix entry", key)
			continue
		}
		want := strings.Fields(entry.want)
		if len(want) != len(identities) {
			t.Fatalf("%s: %d expected statuses, want %d", key, len(want), len(identities))
		}
		for i, id := range identities {
			n++
			c := entry.req(f, n)
			res := f.do(f.credential(id), c.method, c.path, c.contentType, c.body)
			if got := strconv.Itoa(res.code); got != want[i] {
				t.Errorf("%s as %s: status %s, want %s\n%s", key, id, got, want[i], res.body)
			}
			checkLeaks(t, key, id, res.body)
		}
	}
	for key := range m {
		if !served[key] {
			t.Errorf("matrix entry %s is not a served route", key)
		}
	}
}

// checkLeaks fails when a body shows another organisation's data, or
// another rep's figures to the member.
func checkLeaks(t *testing.T, route, id, body string) {
	t.Helper()
	lower := strings.ToLower(body)
	// Signing in or accepting an invitation answers for the account used,
	// whoever sends it.
	public := strings.HasPrefix(route, "POST /api/v1/login") || strings.HasPrefix(route, "POST /api/v1/invites")
	switch {
	case id == "other-org admin" && !public && strings.Contains(lower, "acme"):
		t.Errorf("%s as %s leaks acme's data: %s", route, id, body)
	case id != "other-org admin" && strings.Contains(lower, "othercorp"):
		t.Errorf("%s as %s leaks othercorp's data: %s", route, id, body)
	case id == "member" && (strings.Contains(body, `"owner":"Luis"`) || strings.Contains(body, "LuisCustomer")):
		t.Errorf("%s as member shows another rep's figures: %s", route, body)
	}
}
