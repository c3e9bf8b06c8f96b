package sqlstore_test

import (
	"context"
	"testing"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// A user's language is stored per user, whatever the organisation: none
// until chosen, then the choice, and none again when reset.
func TestUserLang(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		ana, luis := &rumbo.User{Email: "ana@example.com"}, &rumbo.User{Email: "luis@example.com"}
		for _, u := range []*rumbo.User{ana, luis} {
			if err := db.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		lang := func(u *rumbo.User) string {
			t.Helper()
			l, err := db.UserLang(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		if l := lang(ana); l != "" {
			t.Errorf("a new user's language = %q, want none", l)
		}
		for _, want := range []string{"en", "es", "en"} {
			if err := db.SetUserLang(ctx, ana.ID, want); err != nil {
				t.Fatal(err)
			}
			if l := lang(ana); l != want {
				t.Errorf("language = %q, want %q", l, want)
			}
		}
		if l := lang(luis); l != "" {
			t.Errorf("another user's language = %q, want none", l)
		}
		if err := db.SetUserLang(ctx, ana.ID, ""); err != nil {
			t.Fatal(err)
		}
		if l := lang(ana); l != "" {
			t.Errorf("language after reset = %q, want none", l)
		}
		wantCode(t, db.SetUserLang(ctx, ana.ID, "fr"), rumbo.EINVALID, `language "fr" (valid: es, en, or empty to follow the browser)`)
		wantCode(t, db.SetUserLang(ctx, 9999, "es"), rumbo.ENOTFOUND, "user 9999 not found")
		_, err := db.UserLang(ctx, 9999)
		wantCode(t, err, rumbo.ENOTFOUND, "user 9999 not found")
	})
}
