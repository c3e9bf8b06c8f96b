package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func TestImportJobs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		acme, other := mustOrg(t, db, "acme"), mustOrg(t, db, "other")
		u := rumbo.User{Email: "ana@example.com"}
		if err := db.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		j := &rumbo.ImportJob{OrgID: acme, UserID: u.ID, Entity: rumbo.EntityDeals, File: "d.csv", Size: 42,
			Mapping: "entity: deals", SkipInvalid: true, CreatedAt: t0}
		if err := db.CreateImport(ctx, j); err != nil {
			t.Fatal(err)
		}
		if j.ID == 0 || j.Status != rumbo.ImportQueued {
			t.Fatalf("created %+v", j)
		}
		j.Status, j.Read, j.Inserted, j.Rejected, j.Committed = rumbo.ImportDone, 3, 1, 2, true
		j.StartedAt, j.FinishedAt, j.Summary = t0.Add(time.Second), t0.Add(2*time.Second), "d.csv: 3 rows read"
		for i := 0; i < rumbo.MaxImportErrors+5; i++ {
			j.Errors = append(j.Errors, rumbo.ImportRowError{File: "d.csv", Line: i + 2, Column: "amount", Reason: "bad"})
		}
		if err := db.UpdateImport(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindImport(ctx, acme, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		summary := func(j *rumbo.ImportJob) string {
			return fmt.Sprintf("%s %s %d %d %d %d %v %v %d %d %v %v", j.Status, j.File, j.Size, j.Read, j.Inserted, j.Rejected,
				j.Committed, j.SkipInvalid, len(j.Errors), j.ErrorsOmitted, j.StartedAt.Equal(t0.Add(time.Second)), j.CreatedAt.Equal(t0))
		}
		if got, want := summary(got), "done d.csv 42 3 1 2 true true 1000 5 true true"; got != want {
			t.Errorf("job %q, want %q", got, want)
		}
		_, err = db.FindImport(ctx, other, j.ID)
		wantCode(t, err, rumbo.ENOTFOUND, "")

		queued := &rumbo.ImportJob{OrgID: acme, UserID: u.ID, Entity: rumbo.EntityTeams, File: "t.csv"}
		if err := db.CreateImport(ctx, queued); err != nil {
			t.Fatal(err)
		}
		n, err := db.FailUnfinishedImports(ctx, "restarted", t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("FailUnfinishedImports = %d, %v; want 1", n, err)
		}
		list, err := db.Imports(ctx, acme, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != queued.ID || list[0].Status != rumbo.ImportFailed || list[0].Message != "restarted" || list[1].Errors != nil {
			t.Errorf("list %+v", list)
		}
		if list, _ := db.Imports(ctx, other, 10); len(list) != 0 {
			t.Errorf("other organisation sees %d jobs", len(list))
		}
	})
}
