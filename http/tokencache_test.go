package http

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// TestTokenCacheNeverExceedsRole checks that a cached token loses its
// rights at once when this server changes them, and within the TTL when
// another process (the CLI) does.
func TestTokenCacheNeverExceedsRole(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	f.srv = NewServer(f.db, Config{Logger: slog.New(slog.DiscardHandler), Now: f.clock.now, Hasher: testHasher, TokenCacheTTL: 100 * time.Millisecond})
	t.Cleanup(f.srv.Close)
	admin := f.session(f.users["admin"], false)
	write := func(c cred) int {
		return f.do(c, "POST", "/api/v1/targets", "application/json", `{"kpi":"revenue","value":"1","period":"2026-Q1"}`).code
	}
	steps := []struct {
		name   string
		change func(tok *rumbo.Token)
		wait   time.Duration
		want   int
	}{
		{"a manager writes", nil, 0, 201},
		{"demoted through the API: refused at once", func(*rumbo.Token) {
			if res := f.do(admin, "PATCH", fmt.Sprintf("/api/v1/users/%d", f.users["manager"].ID), "application/json", `{"role":"viewer"}`); res.code != 200 {
				t.Fatalf("demote: %d %s", res.code, res.body)
			}
		}, 0, 403},
		{"promoted by the CLI: within the TTL", func(*rumbo.Token) {
			f.db.SetMembership(context.Background(), &rumbo.Membership{UserID: f.users["manager"].ID, OrgID: f.acme.ID, Role: rumbo.RoleManager})
		}, 150 * time.Millisecond, 201},
		{"revoked through the API: refused at once", func(tok *rumbo.Token) {
			if res := f.do(f.credOf(tok), "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), "", ""); res.code != 204 {
				t.Fatalf("revoke: %d %s", res.code, res.body)
			}
		}, 0, 401},
	}
	c, tok := f.token(f.users["manager"], f.acme)
	f.secrets = map[int64]cred{tok.ID: c}
	for _, st := range steps {
		if st.change != nil {
			st.change(tok)
		}
		time.Sleep(st.wait)
		if got := write(c); got != st.want {
			t.Errorf("%s: status %d, want %d", st.name, got, st.want)
		}
	}
}

// credOf returns the credential of a token made by f.token in this test.
func (f *fixture) credOf(t *rumbo.Token) cred { return f.secrets[t.ID] }
