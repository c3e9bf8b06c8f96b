package importer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/importer"
	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

const mavenDir = "../../shared/data/maven-crm"

var now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func mustOrg(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	return mustOrgSlug(t, db, "acme")
}

func mustOrgSlug(t *testing.T, db *sqlstore.DB, slug string) int64 {
	t.Helper()
	o := rumbo.Org{Slug: slug}
	if err := db.CreateOrg(context.Background(), &o); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func mustMapping(t *testing.T, path string) *importer.Mapping {
	t.Helper()
	m, err := importer.LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func count(t *testing.T, db *sqlstore.DB, org int64, e rumbo.Entity) int {
	t.Helper()
	n, err := db.Count(context.Background(), org, e)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportMaven imports the Maven CRM data with the committed mappings,
// checks the published won revenue, and imports it again: all unchanged.
func TestImportMaven(t *testing.T) {
	pipeline := filepath.Join(mavenDir, "sales_pipeline.csv")
	if _, err := os.Stat(pipeline); err != nil {
		t.Fatalf("the Maven CRM data set is missing: %v", err)
	}
	// SQLite only: the store writes row by row, which takes PostgreSQL tens
	// of seconds for this file; TestImportTwice covers both engines.
	func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db)
		people := importer.Options{Mapping: mustMapping(t, "../testdata/maven/people.yaml"), Now: now}
		deals := importer.Options{Mapping: mustMapping(t, "../testdata/maven/deals.yaml"), Now: now, Entity: rumbo.EntityDeals}
		for run, want := range []string{"%s: %d rows read, %d inserted, 0 updated, 0 unchanged, 0 rejected",
			"%s: %d rows read, 0 inserted, 0 updated, %d unchanged, 0 rejected"} {
			for _, f := range []struct {
				path string
				opts importer.Options
				rows int
			}{{filepath.Join(mavenDir, "sales_teams.csv"), people, 35}, {pipeline, deals, 8800}} {
				rep, err := importer.ImportFile(ctx, db, org, f.path, f.opts)
				if err != nil {
					t.Fatalf("run %d: %v", run+1, err)
				}
				if got, want := rep.Summary(), fmt.Sprintf(want, f.path, f.rows, f.rows); got != want || !rep.Committed {
					t.Errorf("run %d: got %q, want %q", run+1, got, want)
				}
			}
		}
		all, err := db.Deals(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		var revenue rumbo.Money
		won, open := 0, 0
		for _, d := range all {
			switch d.Status {
			case rumbo.DealWon:
				won++
				if d.Amount != nil {
					revenue += *d.Amount
				}
			case rumbo.DealOpen:
				open++
			}
		}
		if revenue.String() != "10005534.00" || won != 4238 || open != 2089 {
			t.Errorf("got revenue %s, %d won, %d open; want 10005534.00, 4238, 2089", revenue, won, open)
		}
		if got := count(t, db, org, rumbo.EntityPeople); got != 35 {
			t.Errorf("got %d people, want 35", got)
		}
	}(t, sqlstoretest.MustOpenDB(t))
}

// TestImportTwice: importing the same file again changes nothing.
func TestImportTwice(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db)
		path := writeFile(t, "deals.csv", "external_id;owner;customer;amount;created_at;closed_at;status;producto\n"+
			"D1;Ana;Ferretería Sol;1.234,56 €;02/01/2024;15/01/2024 10:00;won;Plan Pro\n"+
			"D2;Luis;;;02/01/2024;;open;\n"+
			"D3;Luis;Bar Pepe;0;13/01/2024;20/01/2024;lost;Plan Básico\n")
		opts := importer.Options{Entity: rumbo.EntityDeals, Now: now, Location: time.UTC}
		for run, want := range []string{
			path + ": 3 rows read, 3 inserted, 0 updated, 0 unchanged, 0 rejected",
			path + ": 3 rows read, 0 inserted, 0 updated, 3 unchanged, 0 rejected",
		} {
			rep, err := importer.ImportFile(ctx, db, org, path, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Summary(); got != want {
				t.Errorf("run %d: got %q, want %q", run+1, got, want)
			}
		}
		rec, err := db.Get(ctx, org, rumbo.EntityDeals, "D1")
		if err != nil {
			t.Fatal(err)
		}
		d := rec.(*rumbo.Deal)
		if *d.Amount != 123456 || d.Fields["producto"] != "Plan Pro" || !d.ClosedAt.Equal(time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("got %+v", d)
		}
	})
}

const badDeals = "external_id,owner,amount,closed_at,status\n" +
	"D1,Ana,100,2024-01-10,won\n" +
	"D2,Ana,12x4,2024-01-11,won\n" +
	"D3,Luis,300,2024-01-12,lost\n" +
	"D4,Luis,40,2017-13-45,won\n"

// TestAllOrNothing: one bad row rejects the whole file, lists every bad row,
// and leaves the database as it was.
func TestAllOrNothing(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db)
		path := writeFile(t, "deals.csv", badDeals)
		rep, err := importer.ImportFile(ctx, db, org, path, importer.Options{Entity: rumbo.EntityDeals, Now: now})
		if got, want := rumbo.ErrorMessage(err), path+": 2 invalid rows; nothing imported"; got != want || rumbo.ErrorCode(err) != rumbo.EINVALID {
			t.Errorf("got %q, want %q", got, want)
		}
		var lines []string
		for _, e := range rep.Errors {
			lines = append(lines, e.String())
		}
		want := []string{
			path + `:3:amount: amount: "12x4" is not a number`,
			path + `:5:closed_at: closed_at: "2017-13-45" is not a valid date`,
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("got %q, want %q", lines, want)
		}
		if rep.Committed || rep.Read != 4 || rep.Rejected != 2 || rep.Inserted != 0 {
			t.Errorf("got %+v", rep)
		}
		for _, e := range []rumbo.Entity{rumbo.EntityDeals, rumbo.EntityPeople} {
			if got := count(t, db, org, e); got != 0 {
				t.Errorf("%s: got %d records after a rejected file, want 0", e, got)
			}
		}
	})
}

func TestSkipInvalid(t *testing.T) {
	db := sqlstoretest.MustOpenDB(t)
	ctx := context.Background()
	org := mustOrg(t, db)
	path := writeFile(t, "deals.csv", badDeals)
	rep, err := importer.ImportFile(ctx, db, org, path, importer.Options{Entity: rumbo.EntityDeals, Now: now, SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary(), path+": 4 rows read, 2 inserted, 0 updated, 0 unchanged, 2 rejected"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !rep.Committed || len(rep.Errors) != 2 || count(t, db, org, rumbo.EntityDeals) != 2 {
		t.Errorf("got %+v", rep)
	}
}

// TestStrictRefs: an error of the store on one field points at the source
// column that fed it.
func TestStrictRefs(t *testing.T) {
	db := sqlstoretest.MustOpenDB(t)
	ctx := context.Background()
	org := mustOrg(t, db)
	path := writeFile(t, "deals.csv", "id,agent,stage\nD1,Ana,Won\nD2,Nadie,Lost\n")
	m := &importer.Mapping{Entity: rumbo.EntityDeals, Columns: map[string]string{"external_id": "id", "owner": "agent", "status": "stage"}}
	if _, err := importer.ImportFile(ctx, db, org, writeFile(t, "people.csv", "external_id,name\nP1,Ana\n"),
		importer.Options{Entity: rumbo.EntityPeople, Now: now}); err != nil {
		t.Fatal(err)
	}
	rep, err := importer.ImportFile(ctx, db, org, path, importer.Options{Mapping: m, Now: now, StrictRefs: true})
	if got, want := rumbo.ErrorMessage(err), path+": 1 invalid row; nothing imported"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(rep.Errors) != 1 || !strings.HasPrefix(rep.Errors[0].String(), path+`:3:agent: owner: `) ||
		!strings.Contains(rep.Errors[0].Reason, `"Nadie"`) {
		t.Errorf("got %+v", rep.Errors)
	} else if e := rep.Errors[0]; e.Code != importer.ErrUnknownPerson || e.Field != "owner" || len(e.Args) != 1 || e.Args[0] != "Nadie" {
		t.Errorf("got code %q field %q args %q, want unknown_person owner [Nadie]", e.Code, e.Field, e.Args)
	}
	if got := count(t, db, org, rumbo.EntityDeals); got != 0 {
		t.Errorf("got %d deals, want 0", got)
	}
}

// TestBadFileWritesNothing: a file-level problem is reported before any write.
func TestBadFileWritesNothing(t *testing.T) {
	db := sqlstoretest.MustOpenDB(t)
	ctx := context.Background()
	org := mustOrg(t, db)
	path := writeFile(t, "deals.csv", "external_id,amount\nD1,10\n")
	rep, err := importer.ImportFile(ctx, db, org, path, importer.Options{Entity: rumbo.EntityDeals, Now: now})
	if got, want := rumbo.ErrorMessage(err), path+`:1: missing required column "status"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if rep == nil || rep.Committed || count(t, db, org, rumbo.EntityDeals) != 0 {
		t.Errorf("got %+v", rep)
	}
	spans, err := db.DataSpans(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if !spans[rumbo.EntityDeals].ImportedAt.IsZero() {
		t.Errorf("got import time %v after a rejected file, want none", spans[rumbo.EntityDeals].ImportedAt)
	}
}

// TestExamples imports every example file of docs/examples in load order,
// with strict references, twice.
func TestExamples(t *testing.T) {
	db := sqlstoretest.MustOpenDB(t)
	ctx := context.Background()
	org := mustOrg(t, db)
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		for _, e := range rumbo.Entities {
			path := filepath.Join("../docs/examples", string(e)+".csv")
			rep, err := importer.ImportFile(ctx, db, org, path,
				importer.Options{Entity: e, Location: madrid, Currency: "EUR", StrictRefs: true, Now: now})
			if err != nil {
				t.Fatalf("run %d: %v %v", run, err, rep.Errors)
			}
			if rep.Read < 3 || run == 1 && rep.Inserted != rep.Read || run == 2 && rep.Unchanged != rep.Read {
				t.Errorf("run %d: got %s", run, rep.Summary())
			}
		}
	}
	rec, err := db.Get(ctx, org, rumbo.EntityDeals, "D-2002")
	if err != nil {
		t.Fatal(err)
	}
	d := rec.(*rumbo.Deal)
	if *d.Amount != 340050 || d.Fields["producto"] != "Plan Empresa" || d.LostReason != "Precio" ||
		!d.CreatedAt.Equal(time.Date(2024, 3, 24, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("got %+v", d)
	}
}

// BenchmarkImportSQLite imports 100,000 generated deals into a fresh SQLite
// database per iteration and reports rows per second end to end.
func BenchmarkImportSQLite(b *testing.B) {
	const rows = 100_000
	var sb strings.Builder
	sb.WriteString("external_id,owner,customer,amount,created_at,closed_at,status\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&sb, "D%07d,Rep %d,Cliente %d,%d.%02d,2024-%02d-%02d,2024-%02d-%02d 10:00,%s\n",
			i, i%40, i%900, i%5000, i%100, i%12+1, i%28+1, i%12+1, i%28+1, []string{"won", "lost", "open"}[i%3])
	}
	path := filepath.Join(b.TempDir(), "deals.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		db := sqlstoretest.MustOpenDB(b)
		o := rumbo.Org{Slug: "bench"}
		if err := db.CreateOrg(context.Background(), &o); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := importer.ImportFile(context.Background(), db, o.ID, path, importer.Options{Entity: rumbo.EntityDeals, Now: now})
		if err != nil || rep.Inserted != rows {
			b.Fatal(err, rep.Summary())
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestManyBatches: a file of several batches, decoded a batch ahead of the
// store's writing, is counted and reported row by row in file order; an
// import canceled halfway writes nothing.
func TestManyBatches(t *testing.T) {
	db := sqlstoretest.MustOpenDB(t)
	ctx := context.Background()
	org := mustOrg(t, db)
	var b strings.Builder
	b.WriteString("external_id,owner,amount,closed_at,status\n")
	for i := range 5000 {
		amount := fmt.Sprint(100 + i%50)
		if i == 10 || i == 4990 {
			amount = "x"
		}
		fmt.Fprintf(&b, "D%d,Ana,%s,2024-01-%02d,won\n", i, amount, 1+i%28)
	}
	path := writeFile(t, "deals.csv", b.String())
	rep, err := importer.ImportFile(ctx, db, org, path, importer.Options{Entity: rumbo.EntityDeals, Now: now, SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary(), path+": 5000 rows read, 4998 inserted, 0 updated, 0 unchanged, 2 rejected"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(rep.Errors) != 2 || rep.Errors[0].Line != 12 || rep.Errors[1].Line != 4992 {
		t.Errorf("errors %+v", rep.Errors)
	}
	if n := count(t, db, org, rumbo.EntityDeals); n != 4998 {
		t.Errorf("%d deals stored, want 4998", n)
	}

	other := mustOrgSlug(t, db, "canceled")
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	size := int64(b.Len())
	rep, err = importer.ImportFile(cctx, db, other, path, importer.Options{Entity: rumbo.EntityDeals, Now: now, SkipInvalid: true,
		Progress: func(read, total int64) {
			if read > size*3/2 { // halfway through the second reading
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) || rep.Committed {
		t.Fatalf("canceled import: %v, %+v", err, rep)
	}
	if n := count(t, db, other, rumbo.EntityDeals); n != 0 {
		t.Errorf("%d deals stored by a canceled import", n)
	}
}

// TestOverflowNamesFile: amounts that add up past what the store sums
// exactly refuse the file, and the message names it (the store raises the
// error at commit, outside any row).
func TestOverflowNamesFile(t *testing.T) {
	db := sqlstoretest.MustOpenDB(t)
	ctx := context.Background()
	org := mustOrg(t, db)
	var b strings.Builder
	b.WriteString("external_id,amount,closed_at,status\n")
	for i := range 1000 { // 1,000 × 10^14 in one month
		fmt.Fprintf(&b, "D%d,100000000000000,2024-01-10,won\n", i)
	}
	path := writeFile(t, "deals.csv", b.String())
	rep, err := importer.ImportFile(ctx, db, org, path, importer.Options{Entity: rumbo.EntityDeals, Now: now})
	if msg := rumbo.ErrorMessage(err); !strings.HasPrefix(msg, path+": amounts add up to more than") {
		t.Errorf("got %q, want it to name the file", msg)
	}
	if !errors.Is(err, agg.ErrOverflow) || rumbo.ErrorCode(err) != rumbo.EINVALID || rep.Committed {
		t.Errorf("error %v (code %s, committed %v), want agg.ErrOverflow, EINVALID, nothing committed", err, rumbo.ErrorCode(err), rep.Committed)
	}
	if n, err := db.Count(ctx, org, rumbo.EntityDeals); err != nil || n != 0 {
		t.Errorf("%d deals stored (%v)", n, err)
	}
}

// TestAdoptIgnoresCase: a rep created on first sight by a deal is the
// person the people file brings later, whatever the case of the e-mail
// either writes: one person, with the file's external id.
func TestAdoptIgnoresCase(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db)
		deals := writeFile(t, "deals.csv", "external_id,owner,amount,closed_at,status\nD1,Ana.Garcia@Acme.com,100,2024-01-10,won\n")
		if _, err := importer.ImportFile(ctx, db, org, deals, importer.Options{Entity: rumbo.EntityDeals, Now: now}); err != nil {
			t.Fatal(err)
		}
		people := writeFile(t, "people.csv", "external_id,name,email,team\nP1,Ana García,ana.garcia@acme.com,West\n")
		if _, err := importer.ImportFile(ctx, db, org, people, importer.Options{Entity: rumbo.EntityPeople, Now: now}); err != nil {
			t.Fatal(err)
		}
		ps, err := db.People(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].ExternalID != "P1" {
			t.Errorf("got %d people, want 1, P1 (the rep created on first sight adopted): %+v", len(ps), ps)
		}
		sqlstoretest.CheckAggregates(t, db, org, "after the rep's adoption") // the deal's owner renamed
	})
}
