package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// CreateOrg stores a new organisation, filling defaults for an empty Name
// (the slug), Currency and TimeZone, and sets o.ID and o.CreatedAt.
// ECONFLICT if the slug exists.
func (db *DB) CreateOrg(ctx context.Context, o *rumbo.Org) error {
	o.Slug = strings.TrimSpace(o.Slug)
	if o.Slug == "" {
		return rumbo.Errorf(rumbo.EINVALID, "organisation slug required")
	}
	if o.Name == "" {
		o.Name = o.Slug
	}
	if o.Currency == "" {
		o.Currency = rumbo.DefaultCurrency
	}
	if o.TimeZone == "" {
		o.TimeZone = rumbo.DefaultTimeZone
	}
	if o.Lang == "" {
		o.Lang = rumbo.DefaultLang
	}
	if _, err := o.Location(); err != nil {
		return err
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = db.now()
	}
	o.CreatedAt = o.CreatedAt.UTC().Truncate(1e9)
	q := db.d.insertReturningID("orgs", []string{"slug", "name", "currency", "time_zone", "created_at", "lang", "leaderboard"})
	err := db.queryRow(ctx, db.db, q, o.Slug, o.Name, o.Currency, o.TimeZone, o.CreatedAt.Unix(), o.Lang, sqlBool(o.Leaderboard)).Scan(&o.ID)
	if isUniqueViolation(err) {
		return rumbo.Errorf(rumbo.ECONFLICT, "organisation %q already exists", o.Slug)
	} else if err != nil {
		return fmt.Errorf("create organisation %s: %w", o.Slug, err)
	}
	return nil
}

const orgColumns = "id, slug, name, currency, time_zone, created_at, lang, leaderboard"

// FindOrg returns the organisation with the slug, or ENOTFOUND.
func (db *DB) FindOrg(ctx context.Context, slug string) (*rumbo.Org, error) {
	row := db.queryRow(ctx, db.db, "SELECT "+orgColumns+" FROM orgs WHERE slug = ?", slug)
	o, err := scanOrg(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "organisation %q not found", slug)
	} else if err != nil {
		return nil, fmt.Errorf("find organisation %s: %w", slug, err)
	}
	return o, nil
}

// Orgs lists every organisation by slug.
func (db *DB) Orgs(ctx context.Context) ([]rumbo.Org, error) {
	rows, err := db.query(ctx, db.db, "SELECT "+orgColumns+" FROM orgs ORDER BY slug")
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var orgs []rumbo.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("list organisations: %w", err)
		}
		orgs = append(orgs, *o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return orgs, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanOrg(s scanner) (*rumbo.Org, error) {
	var o rumbo.Org
	var created sql.NullInt64
	var leaderboard int64
	if err := s.Scan(&o.ID, &o.Slug, &o.Name, &o.Currency, &o.TimeZone, &created, &o.Lang, &leaderboard); err != nil {
		return nil, err
	}
	o.CreatedAt = timeOf(created)
	o.Leaderboard = leaderboard != 0
	return &o, nil
}

// FindOrgByID returns the organisation with the id, or ENOTFOUND.
func (db *DB) FindOrgByID(ctx context.Context, id int64) (*rumbo.Org, error) {
	o, err := scanOrg(db.queryRow(ctx, db.db, "SELECT "+orgColumns+" FROM orgs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "organisation %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find organisation %d: %w", id, err)
	}
	return o, nil
}

// UpdateOrg saves the organisation's name, time zone, currency, language
// and leaderboard setting, by o.ID. The currency is fixed once the
// organisation holds records (ECONFLICT); an unknown time zone or language
// is EINVALID.
func (db *DB) UpdateOrg(ctx context.Context, o *rumbo.Org) error {
	o.Name = strings.TrimSpace(o.Name)
	o.Currency = strings.ToUpper(strings.TrimSpace(o.Currency))
	switch {
	case o.Name == "":
		return rumbo.Errorf(rumbo.EINVALID, "organisation name required")
	case len(o.Currency) != 3:
		return rumbo.Errorf(rumbo.EINVALID, "currency %q is not an ISO 4217 code such as EUR", o.Currency)
	case o.Lang != "es" && o.Lang != "en":
		return rumbo.Errorf(rumbo.EINVALID, "language %q: use es or en", o.Lang)
	}
	if _, err := o.Location(); err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var current, currentZone string
	err = db.queryRow(ctx, tx, "SELECT currency, time_zone FROM orgs WHERE id = ?", o.ID).Scan(&current, &currentZone)
	if errors.Is(err, sql.ErrNoRows) {
		return rumbo.Errorf(rumbo.ENOTFOUND, "organisation %d not found", o.ID)
	} else if err != nil {
		return fmt.Errorf("update organisation %d: %w", o.ID, err)
	}
	if current != o.Currency {
		for _, e := range rumbo.Entities {
			var one int
			err := db.queryRow(ctx, tx, "SELECT 1 FROM "+string(e)+" WHERE org_id = ? LIMIT 1", o.ID).Scan(&one)
			if err == nil {
				return rumbo.Errorf(rumbo.ECONFLICT, "the currency is fixed once the organisation holds records (it holds %s)", e)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("update organisation %d: %w", o.ID, err)
			}
		}
	}
	_, err = db.exec(ctx, tx, "UPDATE orgs SET name = ?, currency = ?, time_zone = ?, lang = ?, leaderboard = ? WHERE id = ?",
		o.Name, o.Currency, o.TimeZone, o.Lang, sqlBool(o.Leaderboard), o.ID)
	if err != nil {
		return fmt.Errorf("update organisation %d: %w", o.ID, err)
	}
	// Aggregates are cut in local days: a new zone rebuilds them, in the
	// same transaction, so no reader sees days of the old zone.
	if currentZone != o.TimeZone {
		if err := db.d.lockWrites(ctx, tx, o.ID); err != nil {
			return err
		}
		if err := db.rebuild(ctx, tx, nil, o.ID, agg.Families); err != nil {
			return fmt.Errorf("rebuild aggregates for time zone %s: %w", o.TimeZone, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
