package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rumbo-app/rumbo"
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
	if _, err := o.Location(); err != nil {
		return err
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = db.now()
	}
	o.CreatedAt = o.CreatedAt.UTC().Truncate(1e9)
	q := db.d.insertReturningID("orgs", []string{"slug", "name", "currency", "time_zone", "created_at"})
	err := db.queryRow(ctx, db.db, q, o.Slug, o.Name, o.Currency, o.TimeZone, o.CreatedAt.Unix()).Scan(&o.ID)
	if isUniqueViolation(err) {
		return rumbo.Errorf(rumbo.ECONFLICT, "organisation %q already exists", o.Slug)
	} else if err != nil {
		return fmt.Errorf("create organisation %s: %w", o.Slug, err)
	}
	return nil
}

const orgColumns = "id, slug, name, currency, time_zone, created_at"

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
	if err := s.Scan(&o.ID, &o.Slug, &o.Name, &o.Currency, &o.TimeZone, &created); err != nil {
		return nil, err
	}
	o.CreatedAt = timeOf(created)
	return &o, nil
}
