package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// loader writes CSV rows straight into the rumbo schema with plain SQL:
// the bulk load of the entities the benchmark does not measure, and the
// bare-driver peer of the deal import.
type loader struct {
	db       *sql.DB
	postgres bool
	org      int64
	loc      *time.Location
	ids      map[string]map[string]int64 // table → name key → id
}

func newLoader(ctx context.Context, db *sql.DB, postgres bool, org int64, loc *time.Location) (*loader, error) {
	l := &loader{db: db, postgres: postgres, org: org, loc: loc, ids: map[string]map[string]int64{}}
	for _, t := range []string{"people", "markets", "campaigns", "customers"} {
		m := map[string]int64{}
		rows, err := db.QueryContext(ctx, rebind("SELECT id, name_key FROM "+t+" WHERE org_id = ?", postgres), org)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var k sql.NullString
			if err := rows.Scan(&id, &k); err != nil {
				rows.Close()
				return nil, err
			}
			m[k.String] = id
		}
		rows.Close()
		l.ids[t] = m
	}
	return l, nil
}

// readCSV calls fn with every data row of the file, the header mapped to
// column indexes.
func readCSV(path string, fn func(col map[string]int, rec []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := fn(col, rec); err != nil {
			return err
		}
	}
}

func (l *loader) unix(s string) any {
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation(tsLayout, s, l.loc)
	if err != nil {
		return nil
	}
	return t.Unix()
}

func minor(s string) any {
	if s == "" {
		return nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	return w*100 + f
}

func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ref returns the id of a named row, nil for "" or unknown.
func (l *loader) ref(table, name string) any {
	if name == "" {
		return nil
	}
	if id, ok := l.ids[table][strings.ToLower(name)]; ok {
		return id
	}
	return nil
}

// customer returns the id of the named customer, creating it in tx.
func (l *loader) customer(ctx context.Context, tx *sql.Tx, name string) (any, error) {
	if name == "" {
		return nil, nil
	}
	k := strings.ToLower(name)
	if id, ok := l.ids["customers"][k]; ok {
		return id, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, rebind("INSERT INTO customers (org_id, name, name_key) VALUES (?, ?, ?) RETURNING id", l.postgres),
		l.org, name, k).Scan(&id)
	l.ids["customers"][k] = id
	return id, err
}

// batch inserts rows of n columns with multi-row INSERTs.
type batch struct {
	l    *loader
	tx   *sql.Tx
	head string
	n    int
	args []any
}

func (b *batch) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) >= 400*b.n {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if len(b.args) == 0 {
		return nil
	}
	rows := len(b.args) / b.n
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.n), ", ") + ")"
	q := b.head + " VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
	_, err := b.tx.ExecContext(ctx, rebind(q, b.l.postgres), b.args...)
	b.args = b.args[:0]
	return err
}

// bulk loads leads, activities, surveys and inquiries from dir in one
// transaction and records their import time.
func (l *loader) bulk(ctx context.Context, dir string, now time.Time) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type spec struct {
		file, head string
		n          int
		row        func(c map[string]int, r []string) ([]any, error)
	}
	specs := []spec{
		{"leads.csv", "INSERT INTO leads (org_id, external_id, created_at, owner_id, channel, campaign_id, market_id, customer_id, status)", 9,
			func(c map[string]int, r []string) ([]any, error) {
				cu, err := l.customer(ctx, tx, r[c["company"]])
				return []any{l.org, r[c["external_id"]], l.unix(r[c["created_at"]]), l.ref("people", r[c["owner"]]), text(r[c["channel"]]),
					l.ref("campaigns", r[c["campaign"]]), l.ref("markets", r[c["market"]]), cu, text(r[c["status"]])}, err
			}},
		{"activities.csv", "INSERT INTO activities (org_id, external_id, type, owner_id, at)", 5,
			func(c map[string]int, r []string) ([]any, error) {
				return []any{l.org, r[c["external_id"]], text(r[c["type"]]), l.ref("people", r[c["owner"]]), l.unix(r[c["at"]])}, nil
			}},
		{"surveys.csv", "INSERT INTO surveys (org_id, external_id, customer_id, sent_at, answered_at, score, scale)", 7,
			func(c map[string]int, r []string) ([]any, error) {
				cu, err := l.customer(ctx, tx, r[c["customer"]])
				var score any
				if s := r[c["score"]]; s != "" {
					v, _ := strconv.ParseInt(s, 10, 64)
					score = v
				}
				return []any{l.org, r[c["external_id"]], cu, l.unix(r[c["sent_at"]]), l.unix(r[c["answered_at"]]), score, r[c["scale"]]}, err
			}},
		{"inquiries.csv", "INSERT INTO inquiries (org_id, external_id, customer_id, channel, received_at, first_response_at)", 6,
			func(c map[string]int, r []string) ([]any, error) {
				cu, err := l.customer(ctx, tx, r[c["customer"]])
				return []any{l.org, r[c["external_id"]], cu, text(r[c["channel"]]), l.unix(r[c["received_at"]]), l.unix(r[c["first_response_at"]])}, err
			}},
	}
	for _, s := range specs {
		b := &batch{l: l, tx: tx, head: s.head, n: s.n}
		err := readCSV(filepath.Join(dir, s.file), func(c map[string]int, r []string) error {
			vals, err := s.row(c, r)
			if err != nil {
				return err
			}
			return b.add(ctx, vals...)
		})
		if err == nil {
			err = b.flush(ctx)
		}
		if err != nil {
			return fmt.Errorf("load %s: %w", s.file, err)
		}
		ent := strings.TrimSuffix(s.file, ".csv")
		if _, err := tx.ExecContext(ctx, rebind("INSERT INTO imports (org_id, entity, imported_at) VALUES (?, ?, ?) "+
			"ON CONFLICT (org_id, entity) DO UPDATE SET imported_at = excluded.imported_at", l.postgres), l.org, ent, now.Unix()); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// dealCols are the deal columns the bare upsert writes, in order.
var dealCols = []string{"org_id", "external_id", "lead_xid", "customer_id", "owner_id", "market_id", "amount", "created_at",
	"closed_at", "first_seen_at", "stage", "status", "lost_reason"}

// upsertSet is the update part of the bare upsert: every column but the
// key and first_seen_at.
func upsertSet() string {
	var set []string
	for _, c := range dealCols[2:] {
		if c != "first_seen_at" {
			set = append(set, c+" = excluded."+c)
		}
	}
	return strings.Join(set, ", ")
}

// bareDeals upserts the deal CSV with the bare driver and returns the rows
// written: on SQLite a prepared INSERT … ON CONFLICT per row in one
// transaction, on PostgreSQL COPY into a staging table and one merge. With
// indexesAfter (SQLite), the transaction drops the deals' secondary indexes
// first and creates them again before it commits.
func (l *loader) bareDeals(ctx context.Context, path string, now time.Time, indexesAfter bool) (int, error) {
	if l.postgres {
		return l.bareDealsCopy(ctx, path, now)
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var indexes []string
	if indexesAfter {
		rows, err := tx.QueryContext(ctx, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'deals' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'")
		if err != nil {
			return 0, err
		}
		var names []string
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return 0, err
			}
			names, indexes = append(names, name), append(indexes, def)
		}
		rows.Close()
		for _, name := range names {
			if _, err := tx.ExecContext(ctx, "DROP INDEX "+name); err != nil {
				return 0, err
			}
		}
	}
	q := "INSERT INTO deals (" + strings.Join(dealCols, ", ") + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(dealCols)), ", ") +
		") ON CONFLICT (org_id, external_id) DO UPDATE SET " + upsertSet()
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return 0, err
	}
	n := 0
	err = readCSV(path, func(c map[string]int, r []string) error {
		cu, err := l.customer(ctx, tx, r[c["customer"]])
		if err != nil {
			return err
		}
		_, err = st.ExecContext(ctx, l.org, r[c["external_id"]], text(r[c["lead"]]), cu, l.ref("people", r[c["owner"]]),
			l.ref("markets", r[c["market"]]), minor(r[c["amount"]]), l.unix(r[c["created_at"]]), l.unix(r[c["closed_at"]]),
			now.Unix(), text(r[c["stage"]]), r[c["status"]], text(r[c["lost_reason"]]))
		n++
		return err
	})
	if err != nil {
		return 0, err
	}
	st.Close()
	for _, def := range indexes {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit()
}

func (l *loader) bareDealsCopy(ctx context.Context, path string, now time.Time) (int, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	n := 0
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stage (external_id TEXT, lead_xid TEXT, customer TEXT, owner TEXT, market TEXT,
			amount BIGINT, created_at BIGINT, closed_at BIGINT, stage TEXT, status TEXT, lost_reason TEXT) ON COMMIT DROP`); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r := csv.NewReader(f)
		head, err := r.Read()
		if err != nil {
			return err
		}
		c := map[string]int{}
		for i, h := range head {
			c[h] = i
		}
		src := pgx.CopyFromFunc(func() ([]any, error) {
			rec, err := r.Read()
			if err == io.EOF {
				return nil, nil
			} else if err != nil {
				return nil, err
			}
			n++
			return []any{rec[c["external_id"]], text(rec[c["lead"]]), text(rec[c["customer"]]), text(rec[c["owner"]]), text(rec[c["market"]]),
				minor(rec[c["amount"]]), l.unix(rec[c["created_at"]]), l.unix(rec[c["closed_at"]]), text(rec[c["stage"]]),
				rec[c["status"]], text(rec[c["lost_reason"]])}, nil
		})
		cols := []string{"external_id", "lead_xid", "customer", "owner", "market", "amount", "created_at", "closed_at", "stage", "status", "lost_reason"}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage"}, cols, src); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO customers (org_id, name, name_key)
			SELECT DISTINCT $1::bigint, customer, lower(customer) FROM stage WHERE customer IS NOT NULL
			ON CONFLICT (org_id, name_key) DO NOTHING`, l.org); err != nil {
			return err
		}
		merge := `INSERT INTO deals (` + strings.Join(dealCols, ", ") + `)
			SELECT $1::bigint, s.external_id, s.lead_xid, cu.id, p.id, m.id, s.amount, s.created_at, s.closed_at, $2::bigint,
				s.stage, s.status, s.lost_reason FROM stage s
			LEFT JOIN customers cu ON cu.org_id = $1 AND cu.name_key = lower(s.customer)
			LEFT JOIN people p ON p.org_id = $1 AND p.name_key = lower(s.owner)
			LEFT JOIN markets m ON m.org_id = $1 AND m.name_key = lower(s.market)
			ON CONFLICT (org_id, external_id) DO UPDATE SET ` + upsertSet()
		if _, err := tx.Exec(ctx, merge, l.org, now.Unix()); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	return n, err
}
