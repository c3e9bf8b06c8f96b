package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Check-ins, snapshots and excluded weeks. Check-ins and snapshots are
// insert-only: there is no method to change or remove one (they go only
// with their key result).

// AddCheckIn stores a check-in and sets c.ID.
func (db *DB) AddCheckIn(ctx context.Context, orgID int64, c *rumbo.CheckIn) error {
	if err := c.Validate(); err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("check in: %w", err)
	}
	defer tx.Rollback()
	if err := db.checkKR(ctx, tx, orgID, c.KRID); err != nil {
		return err
	}
	var conf any
	if c.Confidence != nil {
		conf = *c.Confidence
	}
	q := db.d.insertReturningID("check_ins", []string{"org_id", "kr_id", "value", "confidence", "comment", "author", "at"})
	if err := db.queryRow(ctx, tx, q, orgID, c.KRID, ratText(c.Value), conf, strings.TrimSpace(c.Comment),
		strings.TrimSpace(c.Author), c.At.Unix()).Scan(&c.ID); err != nil {
		return fmt.Errorf("check in on key result %d: %w", c.KRID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("check in on key result %d: %w", c.KRID, err)
	}
	return nil
}

// checkKR returns ENOTFOUND unless the key result exists in the organisation.
func (db *DB) checkKR(ctx context.Context, q querier, orgID, id int64) error {
	var n int
	if err := db.queryRow(ctx, q, "SELECT COUNT(*) FROM key_results WHERE org_id = ? AND id = ?", orgID, id).Scan(&n); err != nil {
		return fmt.Errorf("find key result %d: %w", id, err)
	}
	if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "key result %d not found", id)
	}
	return nil
}

// CheckIns lists a key result's check-ins by time.
func (db *DB) CheckIns(ctx context.Context, orgID int64, krID int64) ([]rumbo.CheckIn, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, value, confidence, comment, author, at FROM check_ins
		WHERE org_id = ? AND kr_id = ? ORDER BY at, id`, orgID, krID)
	if err != nil {
		return nil, fmt.Errorf("list check-ins: %w", err)
	}
	defer rows.Close()
	var list []rumbo.CheckIn
	for rows.Next() {
		c := rumbo.CheckIn{KRID: krID}
		var value sql.NullString
		var conf sql.NullInt64
		var at int64
		if err := rows.Scan(&c.ID, &value, &conf, &c.Comment, &c.Author, &at); err != nil {
			return nil, fmt.Errorf("list check-ins: %w", err)
		}
		if c.Value, err = ratOf(value); err != nil {
			return nil, fmt.Errorf("check-in %d: %w", c.ID, err)
		}
		if conf.Valid {
			v := int(conf.Int64)
			c.Confidence = &v
		}
		c.At = time.Unix(at, 0).UTC()
		list = append(list, c)
	}
	return list, rows.Err()
}

// AddSnapshot stores a key result's value at an instant.
func (db *DB) AddSnapshot(ctx context.Context, orgID int64, s rumbo.Snapshot) error {
	if s.Value == nil || s.At.IsZero() {
		return rumbo.Errorf(rumbo.EINVALID, "snapshot of key result %d: value and time required", s.KRID)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer tx.Rollback()
	if err := db.checkKR(ctx, tx, orgID, s.KRID); err != nil {
		return err
	}
	if _, err := db.exec(ctx, tx, "INSERT INTO kr_snapshots (org_id, kr_id, at, value) VALUES (?, ?, ?, ?)",
		orgID, s.KRID, s.At.Unix(), ratText(s.Value)); err != nil {
		return fmt.Errorf("snapshot of key result %d: %w", s.KRID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("snapshot of key result %d: %w", s.KRID, err)
	}
	return nil
}

// Snapshots lists a key result's snapshots by time.
func (db *DB) Snapshots(ctx context.Context, orgID int64, krID int64) ([]rumbo.Snapshot, error) {
	rows, err := db.query(ctx, db.db, "SELECT at, value FROM kr_snapshots WHERE org_id = ? AND kr_id = ? ORDER BY at, id", orgID, krID)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	defer rows.Close()
	var list []rumbo.Snapshot
	for rows.Next() {
		var at int64
		var value sql.NullString
		if err := rows.Scan(&at, &value); err != nil {
			return nil, fmt.Errorf("list snapshots: %w", err)
		}
		s := rumbo.Snapshot{KRID: krID, At: time.Unix(at, 0).UTC()}
		if s.Value, err = ratOf(value); err != nil {
			return nil, fmt.Errorf("snapshot of key result %d: %w", krID, err)
		}
		list = append(list, s)
	}
	return list, rows.Err()
}

var weekLabel = regexp.MustCompile(`^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$`)

// ExcludeWeek leaves an ISO week out of rate and guardrail key results;
// excluding it twice changes nothing.
func (db *DB) ExcludeWeek(ctx context.Context, orgID int64, week string) error {
	week = strings.TrimSpace(week)
	if !weekLabel.MatchString(week) {
		return rumbo.Errorf(rumbo.EINVALID, "week %q: use an ISO week label such as 2026-W15", week)
	}
	if err := db.checkOrg(ctx, db.db, orgID); err != nil {
		return err
	}
	q := db.d.upsert("excluded_weeks", []string{"org_id", "week"}, []string{"org_id", "week"}, []string{"week"}, false)
	if _, err := db.exec(ctx, db.db, q, orgID, week); err != nil {
		return fmt.Errorf("exclude week %s: %w", week, err)
	}
	return nil
}

// IncludeWeek takes an excluded week back, or ENOTFOUND.
func (db *DB) IncludeWeek(ctx context.Context, orgID int64, week string) error {
	res, err := db.exec(ctx, db.db, "DELETE FROM excluded_weeks WHERE org_id = ? AND week = ?", orgID, strings.TrimSpace(week))
	if err != nil {
		return fmt.Errorf("include week %s: %w", week, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("include week %s: %w", week, err)
	} else if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "week %s is not excluded", week)
	}
	return nil
}

// ExcludedWeeks lists the excluded weeks, sorted.
func (db *DB) ExcludedWeeks(ctx context.Context, orgID int64) ([]string, error) {
	rows, err := db.query(ctx, db.db, "SELECT week FROM excluded_weeks WHERE org_id = ? ORDER BY week", orgID)
	if err != nil {
		return nil, fmt.Errorf("list excluded weeks: %w", err)
	}
	defer rows.Close()
	var list []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, fmt.Errorf("list excluded weeks: %w", err)
		}
		list = append(list, w)
	}
	return list, rows.Err()
}
