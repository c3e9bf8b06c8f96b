package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexCost(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"PRAGMA journal_mode = WAL",
		"CREATE TABLE deals (id INTEGER PRIMARY KEY, xid TEXT NOT NULL UNIQUE, owner INTEGER, status TEXT)",
		"CREATE INDEX deals_owner ON deals (owner)",
		"CREATE INDEX deals_status ON deals (status, owner) WHERE owner IS NOT NULL",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) " +
			"INSERT INTO deals (xid, owner, status) SELECT 'D' || i, i % 7, CASE i % 3 WHEN 0 THEN 'won' ELSE 'open' END FROM n",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// The schema's version counts the committed changes of the schema: a
	// build committed would leave the same text with a new version.
	schema := func() string {
		var s string
		var v int
		if err := db.QueryRowContext(ctx, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_schema ORDER BY name)").Scan(&s); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("version %d: %s", v, s)
	}
	before := schema()

	var out strings.Builder
	if err := writeIndexCost(&out, []string{path, "deals", "1"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	// The two secondary indexes are timed, the unique one is not.
	for _, want := range []string{"deals (500 rows)", "deals_owner", "deals_status", "all 2", "the index builds alone: "} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "autoindex") {
		t.Errorf("output times the unique index:\n%s", got)
	}
	// Every build was rolled back: the schema is as it was.
	if after := schema(); after != before {
		t.Errorf("schema changed:\n%s\nwas\n%s", after, before)
	}
	if err := writeIndexCost(&out, []string{path, "nothing"}); err == nil {
		t.Error("a table without indexes gave no error")
	}
}
