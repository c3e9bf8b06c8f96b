package sqlstore_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// Every field of every entity survives a write and a read: names for
// references, UTC times, exact money, custom fields.
func TestReaders_RoundTrip(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	huge := int64(9_007_199_254_740_993) // 2^53 + 1: not exact as a float64
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		local := time.Date(2026, 3, 29, 2, 30, 0, 0, time.UTC).In(madrid)
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, sampleRecords()...)
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0},
			&rumbo.Deal{ExternalID: "BIG", Owner: "Ana García", Amount: money(huge), CreatedAt: local, Status: "won",
				ClosedAt: local, Fields: rumbo.Fields{"producto": "Señal €", "vacío": ""}},
			&rumbo.Deal{ExternalID: "NEG", Amount: money(-huge), Status: "lost"},
		)

		deals, err := db.Deals(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		want := []rumbo.Deal{
			{ExternalID: "D1", Lead: "L1", Customer: "Acme SL", Owner: "Ana García", Market: "España", Amount: money(1234567),
				CreatedAt: day(3), ClosedAt: day(15), Stage: "Won", Status: "won", FirstSeenAt: t0, Fields: rumbo.Fields{"product": "GTX Pro"}},
			{ExternalID: "D2", Customer: "Beta SA", Owner: "Luis Pérez", Status: "open", FirstSeenAt: t0},
			{ExternalID: "D3", Lead: "L2", Customer: "Beta SA", Owner: "Luis Pérez", Amount: money(0), CreatedAt: day(5),
				ClosedAt: day(9), Status: "lost", LostReason: "precio", FirstSeenAt: t0},
			{ExternalID: "BIG", Owner: "Ana García", Amount: money(huge), CreatedAt: local.UTC(), ClosedAt: local.UTC(),
				Status: "won", FirstSeenAt: t0, Fields: rumbo.Fields{"producto": "Señal €", "vacío": ""}},
			{ExternalID: "NEG", Amount: money(-huge), Status: "lost", FirstSeenAt: t0},
		}
		for i := range deals {
			want[i].ID = deals[i].ID
		}
		if !reflect.DeepEqual(deals, want) {
			t.Errorf("Deals =\n%+v\nwant\n%+v", deals, want)
		}
		if deals[3].CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt location = %v, want UTC", deals[3].CreatedAt.Location())
		}

		// Every other entity reads back as written (IDs aside), except that
		// an owner given by e-mail reads back as the person's name.
		written := sampleRecords()
		l2 := *written[8].(*rumbo.Lead)
		l2.Owner = "Luis Pérez"
		written[8] = &l2
		for _, e := range rumbo.Entities {
			if e == rumbo.EntityDeals {
				continue
			}
			got, err := readAll(ctx, db, org, e)
			if err != nil {
				t.Fatal(err)
			}
			var exp []rumbo.Record
			for _, r := range written {
				if r.Entity() == e {
					exp = append(exp, r)
				}
			}
			if len(got) != len(exp) {
				t.Fatalf("%s: read %d records, want %d", e, len(got), len(exp))
			}
			for i := range got {
				clearID(got[i])
				if !reflect.DeepEqual(got[i], exp[i]) {
					t.Errorf("%s[%d] =\n%+v\nwant\n%+v", e, i, got[i], exp[i])
				}
			}
		}

		rec, err := db.Get(ctx, org, rumbo.EntityLeads, "L1")
		if err != nil {
			t.Fatal(err)
		}
		clearID(rec)
		if !reflect.DeepEqual(rec, written[7]) {
			t.Errorf("Get(leads, L1) = %+v, want %+v", rec, written[7])
		}
		_, err = db.Get(ctx, org, rumbo.EntityLeads, "L404")
		wantCode(t, err, rumbo.ENOTFOUND, `lead "L404" not found`)
	})
}

// clearID zeroes the database id of a record read back.
func clearID(r rumbo.Record) {
	switch r := r.(type) {
	case *rumbo.Team:
		r.ID = 0
	case *rumbo.Person:
		r.ID = 0
	case *rumbo.Market:
		r.ID = 0
	case *rumbo.Campaign:
		r.ID = 0
	case *rumbo.Lead:
		r.ID = 0
	case *rumbo.Deal:
		r.ID = 0
	case *rumbo.Activity:
		r.ID = 0
	case *rumbo.Survey:
		r.ID = 0
	case *rumbo.Inquiry:
		r.ID = 0
	}
}

func TestDataSpans(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		empty, err := db.DataSpans(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rumbo.Entities {
			if s, ok := empty[e]; !ok || s != (rumbo.DataSpan{}) {
				t.Errorf("empty span of %s = %+v, %v; want zero, present", e, s, ok)
			}
		}
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, sampleRecords()...)
		later := t0.Add(time.Hour)
		mustPut(t, db, org, rumbo.WriteOptions{Now: later}, &rumbo.Activity{ExternalID: "A2", At: day(30)})
		got, err := db.DataSpans(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		want := map[rumbo.Entity]rumbo.DataSpan{
			"teams":      {Count: 2, ImportedAt: t0},
			"people":     {Count: 2, First: day(1), Last: day(20), ImportedAt: t0},
			"markets":    {Count: 2, First: day(1), Last: day(5), ImportedAt: t0},
			"campaigns":  {Count: 1, First: day(1), Last: day(10), ImportedAt: t0},
			"leads":      {Count: 2, First: day(3), Last: day(4), ImportedAt: t0},
			"deals":      {Count: 3, First: day(3), Last: day(15), ImportedAt: t0},
			"activities": {Count: 2, First: day(6), Last: day(30), ImportedAt: later},
			"surveys":    {Count: 2, First: day(16), Last: day(17), ImportedAt: t0},
			"inquiries":  {Count: 1, First: day(7), Last: day(21), ImportedAt: t0},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DataSpans =\n%v\nwant\n%v", got, want)
		}
	})
}

func TestDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, sampleRecords()...)

		err := db.Delete(ctx, org, rumbo.EntityDeals, []string{"D1", "D404", "D2"})
		wantCode(t, err, rumbo.ENOTFOUND, `deal "D404" not found`)
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 3 {
			t.Errorf("deals after a failed delete = %d, want 3 (all or none)", n)
		}

		err = db.Delete(ctx, org, rumbo.EntityPeople, []string{"P2", "P1"})
		wantCode(t, err, rumbo.ECONFLICT, `cannot delete person "P2": other records refer to it`)
		if n := mustCount(t, db, org, rumbo.EntityPeople); n != 2 {
			t.Errorf("people after a conflicting delete = %d, want 2", n)
		}

		err = db.Delete(ctx, org, rumbo.EntityTeams, []string{"T1"})
		wantCode(t, err, rumbo.ECONFLICT, `cannot delete team "T1": other records refer to it`)

		spans, _ := db.DataSpans(ctx, org)
		if !spans[rumbo.EntityDeals].ImportedAt.Equal(t0) {
			t.Errorf("deals ImportedAt after failed deletes = %v, want %v", spans[rumbo.EntityDeals].ImportedAt, t0)
		}
		if err := db.Delete(ctx, org, rumbo.EntityDeals, []string{"D1", "D3"}); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		deals, _ := db.Deals(ctx, org)
		if len(deals) != 1 || deals[0].ExternalID != "D2" {
			t.Errorf("deals after delete = %+v, want only D2", deals)
		}
		spans, _ = db.DataSpans(ctx, org)
		if s := spans[rumbo.EntityDeals]; s.ImportedAt.IsZero() || s.ImportedAt.Equal(t0) || s.Count != 1 {
			t.Errorf("deals span after delete = %+v, want count 1 and a new import time", s)
		}
		_, err = db.Get(ctx, org, rumbo.EntityDeals, "D1")
		wantCode(t, err, rumbo.ENOTFOUND, `deal "D1" not found`)
	})
}

func TestOrgIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a, b := mustOrg(t, db, "a"), mustOrg(t, db, "b")
		mustPut(t, db, a, rumbo.WriteOptions{Now: t0}, sampleRecords()...)
		mustPut(t, db, b, rumbo.WriteOptions{Now: t0},
			&rumbo.Deal{ExternalID: "D1", Owner: "Ana García", Customer: "Acme SL", Status: "open"})

		deals, err := db.Deals(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(deals) != 1 || deals[0].Amount != nil || deals[0].Status != "open" {
			t.Fatalf("org b deals = %+v, want only its own open D1", deals)
		}
		want := map[rumbo.Entity]int{"teams": 0, "people": 1, "markets": 0, "campaigns": 0,
			"leads": 0, "deals": 1, "activities": 0, "surveys": 0, "inquiries": 0}
		if got := counts(t, db, b); !reflect.DeepEqual(got, want) {
			t.Errorf("org b counts = %v, want %v (a person of its own, created on first sight)", got, want)
		}
		people, _ := db.People(ctx, b)
		if people[0].ExternalID != "auto:person:Ana García" {
			t.Errorf("org b person = %+v, want its own auto-created Ana García", people[0])
		}
		_, err = db.Get(ctx, b, rumbo.EntityLeads, "L1")
		wantCode(t, err, rumbo.ENOTFOUND, `lead "L1" not found`)
		err = db.Delete(ctx, b, rumbo.EntityInquiries, []string{"I1"})
		wantCode(t, err, rumbo.ENOTFOUND, `inquiry "I1" not found`)
		if err := db.Delete(ctx, b, rumbo.EntityDeals, []string{"D1"}); err != nil {
			t.Fatal(err)
		}
		if n := mustCount(t, db, a, rumbo.EntityDeals); n != 3 {
			t.Errorf("org a deals after org b deleted its D1 = %d, want 3", n)
		}
		spans, _ := db.DataSpans(ctx, b)
		if spans[rumbo.EntityLeads].ImportedAt != (time.Time{}) {
			t.Errorf("org b leads ImportedAt = %v, want zero", spans[rumbo.EntityLeads].ImportedAt)
		}
		err = db.Write(ctx, 999999, rumbo.WriteOptions{}, func(rumbo.Writer) error { return nil })
		wantCode(t, err, rumbo.ENOTFOUND, "organisation 999999 not found")
	})
}
