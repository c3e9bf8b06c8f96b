package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func TestUsersAndMemberships(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		acme, other := mustOrg(t, db, "acme"), mustOrg(t, db, "other")
		u := rumbo.User{Email: " Ana@Example.com ", Name: "Ana", PasswordHash: "h1"}
		if err := db.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		if u.Email != "ana@example.com" || u.ID == 0 {
			t.Errorf("created %+v", u)
		}
		dup := rumbo.User{Email: "ANA@example.com"}
		wantCode(t, db.CreateUser(ctx, &dup), rumbo.ECONFLICT, "")
		wantCode(t, db.CreateUser(ctx, &rumbo.User{Email: "nope"}), rumbo.EINVALID, "")

		got, err := db.FindUserByEmail(ctx, "ANA@EXAMPLE.COM")
		if err != nil || got.ID != u.ID || got.PasswordHash != "h1" {
			t.Fatalf("FindUserByEmail = %+v, %v", got, err)
		}
		if err := db.SetPasswordHash(ctx, u.ID, "h2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindUser(ctx, u.ID); got.PasswordHash != "h2" {
			t.Errorf("password hash = %q, want h2", got.PasswordHash)
		}
		_, err = db.FindUser(ctx, u.ID+100)
		wantCode(t, err, rumbo.ENOTFOUND, "")

		if err := db.SetMembership(ctx, &rumbo.Membership{UserID: u.ID, OrgID: acme, Role: rumbo.RoleMember, Person: "Ana López"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.SetMembership(ctx, &rumbo.Membership{UserID: u.ID, OrgID: acme, Role: "boss"}), rumbo.EINVALID, "")
		// Setting again replaces the role.
		if err := db.SetMembership(ctx, &rumbo.Membership{UserID: u.ID, OrgID: acme, Role: rumbo.RoleManager, Person: "Ana López"}); err != nil {
			t.Fatal(err)
		}
		m, err := db.FindMembership(ctx, u.ID, acme)
		if err != nil || m.Role != rumbo.RoleManager || m.OrgSlug != "acme" || m.Person != "Ana López" {
			t.Fatalf("FindMembership = %+v, %v", m, err)
		}
		_, err = db.FindMembership(ctx, u.ID, other)
		wantCode(t, err, rumbo.ENOTFOUND, "")

		members, err := db.Members(ctx, acme)
		if err != nil || len(members) != 1 || members[0].User.Email != "ana@example.com" || members[0].Membership.Role != rumbo.RoleManager {
			t.Fatalf("Members = %+v, %v", members, err)
		}
		if members, _ := db.Members(ctx, other); len(members) != 0 {
			t.Errorf("other organisation has members %+v", members)
		}
		ms, err := db.Memberships(ctx, u.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("Memberships = %+v, %v", ms, err)
		}

		// Removing a member revokes their tokens in that organisation.
		tok := rumbo.Token{UserID: u.ID, OrgID: acme, Hash: rumbo.HashSecret("s")}
		if err := db.CreateToken(ctx, &tok); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteMembership(ctx, u.ID, acme); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteMembership(ctx, u.ID, acme), rumbo.ENOTFOUND, "")
		if got, _ := db.FindToken(ctx, tok.Hash); got.RevokedAt.IsZero() {
			t.Error("token of a removed member still valid")
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		u := rumbo.User{Email: "ana@example.com"}
		if err := db.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		s := rumbo.Session{IDHash: rumbo.HashSecret("sid"), UserID: u.ID, CSRFToken: "c",
			CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
		if err := db.CreateSession(ctx, &s); err != nil {
			t.Fatal(err)
		}
		// A touch within the minute writes nothing; after it, it does.
		for _, tt := range []struct {
			at, want time.Time
		}{{t0.Add(30 * time.Second), t0}, {t0.Add(90 * time.Second), t0.Add(90 * time.Second)}} {
			if err := db.TouchSession(ctx, s.IDHash, tt.at); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindSession(ctx, s.IDHash)
			if err != nil || !got.LastSeenAt.Equal(tt.want) || got.CSRFToken != "c" {
				t.Errorf("after touch at %s: %+v, %v; want last seen %s", tt.at, got, err, tt.want)
			}
		}
		if n, err := db.DeleteExpiredSessions(ctx, t0.Add(25*time.Hour), time.Hour); err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
		}
		_, err := db.FindSession(ctx, s.IDHash)
		wantCode(t, err, rumbo.ENOTFOUND, "")

		tok := rumbo.Token{UserID: u.ID, OrgID: org, Name: "crm", Hash: rumbo.HashSecret("tok")}
		if err := db.CreateToken(ctx, &tok); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchToken(ctx, tok.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchToken(ctx, tok.ID, t0.Add(59*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindToken(ctx, tok.Hash)
		if err != nil || !got.LastUsedAt.Equal(t0) || got.Name != "crm" || got.OrgID != org {
			t.Fatalf("FindToken = %+v, %v; want last used %s", got, err, t0)
		}
		// Another user cannot revoke it.
		wantCode(t, db.RevokeToken(ctx, u.ID+1, tok.ID, t0), rumbo.ENOTFOUND, "")
		if err := db.RevokeToken(ctx, u.ID, tok.ID, t0); err != nil {
			t.Fatal(err)
		}
		list, err := db.Tokens(ctx, u.ID)
		if err != nil || len(list) != 1 || !list[0].RevokedAt.Equal(t0) {
			t.Fatalf("Tokens = %+v, %v", list, err)
		}
	})
}

func TestInvitesAndLoginFailures(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		u := rumbo.User{Email: "ana@example.com"}
		if err := db.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		inv := rumbo.Invite{Hash: rumbo.HashSecret("inv"), UserID: u.ID, OrgID: org, Purpose: rumbo.InviteNewUser,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := db.CreateInvite(ctx, &inv); err != nil {
			t.Fatal(err)
		}
		expired := rumbo.Invite{Hash: rumbo.HashSecret("old"), UserID: u.ID, OrgID: org, Purpose: rumbo.InvitePasswordReset,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
		if err := db.CreateInvite(ctx, &expired); err != nil {
			t.Fatal(err)
		}
		_, err := db.UseInvite(ctx, expired.Hash, t0.Add(2*time.Minute))
		wantCode(t, err, rumbo.ENOTFOUND, "")
		got, err := db.UseInvite(ctx, inv.Hash, t0.Add(time.Minute))
		if err != nil || got.UserID != u.ID || got.Purpose != rumbo.InviteNewUser {
			t.Fatalf("UseInvite = %+v, %v", got, err)
		}
		_, err = db.UseInvite(ctx, inv.Hash, t0.Add(time.Minute))
		wantCode(t, err, rumbo.ENOTFOUND, "")

		for i, want := range []int{1, 2, 3} {
			n, err := db.AddLoginFailure(ctx, "acct:ana", t0.Add(time.Duration(i)*time.Second))
			if err != nil || n != want {
				t.Fatalf("AddLoginFailure #%d = %d, %v; want %d", i, n, err, want)
			}
		}
		// After an hour of quiet the count starts again.
		if n, err := db.AddLoginFailure(ctx, "acct:ana", t0.Add(2*time.Hour)); err != nil || n != 1 {
			t.Errorf("AddLoginFailure after an hour = %d, %v; want 1", n, err)
		}
		if err := db.ResetLoginFailures(ctx, "acct:ana"); err != nil {
			t.Fatal(err)
		}
		if n, _, err := db.LoginFailures(ctx, "acct:ana", t0.Add(2*time.Hour)); err != nil || n != 0 {
			t.Errorf("LoginFailures after reset = %d, %v", n, err)
		}
	})
}

func TestUpdateOrg(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		id := mustOrg(t, db, "acme")
		o, err := db.FindOrgByID(ctx, id)
		if err != nil || o.Lang != "es" || o.Leaderboard {
			t.Fatalf("FindOrgByID = %+v, %v", o, err)
		}
		o.Name, o.Lang, o.Leaderboard, o.Currency, o.TimeZone = "Acme S.L.", "en", true, "usd", "America/New_York"
		if err := db.UpdateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		got, _ := db.FindOrg(ctx, "acme")
		if got.Name != "Acme S.L." || got.Lang != "en" || !got.Leaderboard || got.Currency != "USD" || got.TimeZone != "America/New_York" {
			t.Errorf("after update: %+v", got)
		}
		bad := *got
		bad.TimeZone = "Mars/Olympus"
		wantCode(t, db.UpdateOrg(ctx, &bad), rumbo.EINVALID, "")
		// Once records exist the currency is fixed; other settings still change.
		mustPut(t, db, id, rumbo.WriteOptions{Now: t0}, &rumbo.Team{ExternalID: "t1", Name: "Norte"})
		bad = *got
		bad.Currency = "EUR"
		wantCode(t, db.UpdateOrg(ctx, &bad), rumbo.ECONFLICT, "")
		got.Name = "Acme"
		if err := db.UpdateOrg(ctx, got); err != nil {
			t.Errorf("rename with records: %v", err)
		}
	})
}
