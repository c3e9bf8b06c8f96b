package sqlstore_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func TestOrgs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		o := rumbo.Org{Slug: "zeta", CreatedAt: t0}
		if err := db.CreateOrg(ctx, &o); err != nil {
			t.Fatal(err)
		}
		want := rumbo.Org{ID: o.ID, Slug: "zeta", Name: "zeta", Currency: "EUR", TimeZone: "Europe/Madrid", CreatedAt: t0, Lang: "es"}
		if o != want || o.ID == 0 {
			t.Errorf("created org = %+v, want %+v with an id", o, want)
		}
		got, err := db.FindOrg(ctx, "zeta")
		if err != nil {
			t.Fatal(err)
		}
		if *got != want {
			t.Errorf("FindOrg = %+v, want %+v", *got, want)
		}
		usd := rumbo.Org{Slug: "alfa", Name: "Alfa Inc", Currency: "USD", TimeZone: "America/New_York", CreatedAt: t0}
		if err := db.CreateOrg(ctx, &usd); err != nil {
			t.Fatal(err)
		}
		err = db.CreateOrg(ctx, &rumbo.Org{Slug: "zeta"})
		wantCode(t, err, rumbo.ECONFLICT, `organisation "zeta" already exists`)
		err = db.CreateOrg(ctx, &rumbo.Org{Slug: "bad", TimeZone: "Mars/Base"})
		wantCode(t, err, rumbo.EINVALID, `organisation bad: unknown time zone "Mars/Base"`)
		_, err = db.FindOrg(ctx, "nope")
		wantCode(t, err, rumbo.ENOTFOUND, `organisation "nope" not found`)

		orgs, err := db.Orgs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(orgs, []rumbo.Org{usd, want}) {
			t.Errorf("Orgs = %+v, want alfa then zeta", orgs)
		}
	})
}

// A long write neither blocks readers nor makes a second writer fail: the
// second waits for the first.
func TestConcurrentWriters(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, &rumbo.Deal{ExternalID: "D0", Status: "open"})
		inside, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- db.Write(ctx, org, rumbo.WriteOptions{Now: t0}, func(w rumbo.Writer) error {
				if _, err := w.Put(ctx, &rumbo.Deal{ExternalID: "D1", Status: "open"}); err != nil {
					return err
				}
				close(inside)
				<-release
				return nil
			})
		}()
		<-inside
		// A reader sees the committed data at once, without D1.
		deals, err := db.Deals(ctx, org)
		if err != nil || len(deals) != 1 {
			t.Fatalf("Deals during a write = %d deals, %v; want 1, nil", len(deals), err)
		}
		second := make(chan error, 1)
		go func() {
			second <- db.Write(ctx, org, rumbo.WriteOptions{Now: t0}, func(w rumbo.Writer) error {
				_, err := w.Put(ctx, &rumbo.Deal{ExternalID: "D1", Status: "won"})
				return err
			})
		}()
		time.Sleep(200 * time.Millisecond)
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("first writer: %v", err)
		}
		if err := <-second; err != nil {
			t.Fatalf("second writer: %v", err)
		}
		got, err := db.Get(ctx, org, rumbo.EntityDeals, "D1")
		if err != nil {
			t.Fatal(err)
		}
		if s := got.(*rumbo.Deal).Status; s != "won" {
			t.Errorf("D1 status = %q, want won (the second writer ran after the first)", s)
		}
	})
}
