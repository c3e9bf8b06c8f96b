package okr_test

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/importer"
	"github.com/rumbo-app/rumbo/okr"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// newOrg returns a database with one organisation in Madrid's time zone.
func newOrg(t *testing.T) (*sqlstore.DB, *rumbo.Org, *time.Location) {
	t.Helper()
	db := sqlstoretest.MustOpenDB(t)
	org := &rumbo.Org{Slug: "acme", TimeZone: "Europe/Madrid"}
	if err := db.CreateOrg(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	loc, _ := org.Location()
	return db, org, loc
}

// TestZeroRateWeekEstablishesNoBaseline: a relative change on a rate
// without a baseline waits for the first full week from which a target
// follows. Conversion was 0 % in W02 (five leads, no customer) and 50 % in
// W03: on 26 January the start is 50 % and the target 55 %, instead of the
// key result staying "to be established" all quarter on W02.
func TestZeroRateWeekEstablishesNoBaseline(t *testing.T) {
	db, org, loc := newOrg(t)
	ctx := context.Background()
	imp := func(e rumbo.Entity, body string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), string(e)+".csv")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := importer.ImportFile(ctx, db, org.ID, path, importer.Options{Entity: e, Location: loc,
			Now: time.Date(2026, 1, 20, 9, 0, 0, 0, loc)}); err != nil {
			t.Fatal(err)
		}
	}
	imp(rumbo.EntityLeads, "external_id,created_at\n"+
		"L1,2026-01-06\nL2,2026-01-07\nL3,2026-01-08\nL4,2026-01-09\nL5,2026-01-09\n"+
		"L6,2026-01-13\nL7,2026-01-14\nL8,2026-01-15\nL9,2026-01-16\n")
	imp(rumbo.EntityDeals, "external_id,lead,amount,closed_at,status\nD1,L6,100,2026-01-15,won\nD2,L7,100,2026-01-16,won\n")
	q1, _ := rumbo.ParsePeriod("2026-Q1", loc)
	o := rumbo.Objective{Title: "Ventas", OwnerKind: rumbo.OwnerOrg, Type: rumbo.Committed, Period: q1,
		KeyResults: []rumbo.KeyResult{{Title: "conversion +10 %", Kind: rumbo.KRMetric, KPI: "conversion_rate",
			Baseline: rumbo.BaselinePreviousQuarter, ChangeKind: rumbo.ChangeRelative, Change: big.NewRat(1, 10)}}}
	if err := db.CreateObjective(ctx, org.ID, &o); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 26, 12, 0, 0, 0, loc)
	st, err := okr.New(db, func() time.Time { return now }).Status(ctx, org, q1)
	if err != nil {
		t.Fatal(err)
	}
	k := st.Objectives[0].KeyResults[0]
	if k.Start == nil || k.Target == nil || *k.Start != 0.5 || *k.Target != 0.55 {
		t.Errorf("on 26 January: start %v target %v reason %q; want start 0.5 and target 0.55 from W03", k.Start, k.Target, k.Reason)
	}
}

// TestCloseAllOrNothing: closing a period with an objective whose own
// period has not ended scores none of them.
func TestCloseAllOrNothing(t *testing.T) {
	db, org, loc := newOrg(t)
	ctx := context.Background()
	q1, _ := rumbo.ParsePeriod("2026-Q1", loc)
	marApr, _ := rumbo.ParsePeriod("2026-03-01..2026-04-30", loc)
	for _, p := range []rumbo.Period{q1, marApr} {
		o := rumbo.Objective{Title: "O " + p.Label, OwnerKind: rumbo.OwnerOrg, Type: rumbo.Committed, Period: p,
			KeyResults: []rumbo.KeyResult{{Title: "NPS", Kind: rumbo.KRManual, Unit: rumbo.ManualNumber,
				Start: big.NewRat(0, 1), Target: big.NewRat(100, 1)}}}
		if err := db.CreateObjective(ctx, org.ID, &o); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, loc)
	if _, err := okr.New(db, func() time.Time { return now }).Close(ctx, org, q1, false); rumbo.ErrorCode(err) != rumbo.EINVALID {
		t.Fatalf("close 2026-Q1 with an objective running to April: %v, want EINVALID", err)
	}
	objs, err := db.Objectives(ctx, org.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Score != nil {
			t.Errorf("objective %q scored %v by a refused close", o.Title, *o.Score)
		}
	}
}
