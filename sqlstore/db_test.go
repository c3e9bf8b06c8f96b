package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

func TestOpen_MissingFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	_, err := sqlstore.Open(context.Background(), "missing.db", sqlstore.Options{})
	abs := filepath.Join(dir, "missing.db")
	wantCode(t, err, rumbo.ENOTFOUND, "no database at "+abs)
	if _, err := os.Stat(abs); !os.IsNotExist(err) {
		t.Fatalf("Open without Create left a file at %s (stat: %v)", abs, err)
	}
}

func TestOpen_Migrates(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		if !strings.HasPrefix(t.Name(), "TestOpen_Migrates/"+db.Dialect()) {
			t.Fatalf("Dialect() = %q in subtest %s", db.Dialect(), t.Name())
		}
		org := mustOrg(t, db, "acme")
		for _, e := range rumbo.Entities {
			if n := mustCount(t, db, org, e); n != 0 {
				t.Errorf("Count(%s) = %d on a new database, want 0", e, n)
			}
		}
	})
}

func TestOpen_ReopenKeepsDataWithoutCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rumbo.db")
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, path, sqlstore.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	org := mustOrg(t, db, "acme")
	mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, &rumbo.Team{ExternalID: "T1", Name: "Norte"})
	db.Close()

	db, err = sqlstore.Open(ctx, path, sqlstore.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if n := mustCount(t, db, org, rumbo.EntityTeams); n != 1 {
		t.Errorf("teams after reopen = %d, want 1", n)
	}
	copies, _ := filepath.Glob(path + ".bak-*")
	if len(copies) != 0 {
		t.Errorf("reopening an up-to-date database made copies %v", copies)
	}
}

// An existing file with no Rumbo schema yet has every migration pending:
// Open must copy it first.
func TestOpen_CopiesBeforeMigrating(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE legacy (v TEXT); INSERT INTO legacy VALUES ('kept')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := sqlstore.Open(context.Background(), path, sqlstore.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	db.Close()
	copyPath := path + ".bak-0-20260301T100000Z"
	cp, err := sql.Open("sqlite", copyPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var v string
	if err := cp.QueryRow("SELECT v FROM legacy").Scan(&v); err != nil || v != "kept" {
		t.Fatalf("copy %s: legacy row = %q, %v; want \"kept\"", copyPath, v, err)
	}
	var n int
	if err := cp.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'deals'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("copy %s has the migrated schema (deals tables: %d, %v)", copyPath, n, err)
	}
}

func TestBackup(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db := sqlstoretest.MustOpenDB(t)
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, sampleRecords()...)
		want := counts(t, db, org)

		path := filepath.Join(t.TempDir(), "copy.db")
		if err := db.Backup(context.Background(), path); err != nil {
			t.Fatalf("Backup: %v", err)
		}
		cp, err := sqlstore.Open(context.Background(), path, sqlstore.Options{})
		if err != nil {
			t.Fatalf("open backup: %v", err)
		}
		defer cp.Close()
		o, err := cp.FindOrg(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		got := counts(t, cp, o.ID)
		for _, e := range rumbo.Entities {
			if got[e] != want[e] || want[e] == 0 {
				t.Errorf("backup %s count = %d, want %d (non-zero)", e, got[e], want[e])
			}
		}
		err = db.Backup(context.Background(), path)
		wantCode(t, err, rumbo.EINVALID, "backup target "+path+" already exists")
	})
	t.Run("postgres", func(t *testing.T) {
		db := sqlstoretest.MustOpenPostgres(t)
		err := db.Backup(context.Background(), "copy.dump")
		wantCode(t, err, rumbo.EINVALID, "")
		if msg := rumbo.ErrorMessage(err); !strings.Contains(msg, "pg_dump --format=custom --file=copy.dump 'postgres://") {
			t.Errorf("message %q does not give the pg_dump command", msg)
		}
	})
}
