package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// SetTarget creates or replaces the target for the same KPI, period and
// scope, and sets t.ID. The value is stored as an exact rational string.
func (db *DB) SetTarget(ctx context.Context, orgID int64, t *rumbo.Target) error {
	t.KPI = strings.TrimSpace(t.KPI)
	switch {
	case t.KPI == "":
		return rumbo.Errorf(rumbo.EINVALID, "target: KPI required")
	case t.Value == nil:
		return rumbo.Errorf(rumbo.EINVALID, "target for %s: value required", t.KPI)
	case t.Start.IsZero() || !t.End.After(t.Start):
		return rumbo.Errorf(rumbo.EINVALID, "target for %s: period %q has no length", t.KPI, t.Period)
	}
	switch t.Scope {
	case "":
		if t.ScopeValue != "" {
			return rumbo.Errorf(rumbo.EINVALID, "target for %s: scope value %q without a scope", t.KPI, t.ScopeValue)
		}
	case "owner", "team", "market":
		if t.ScopeValue == "" {
			return rumbo.Errorf(rumbo.EINVALID, "target for %s: %s required", t.KPI, t.Scope)
		}
	default:
		return rumbo.Errorf(rumbo.EINVALID, "target for %s: invalid scope %q (valid: owner, team, market)", t.KPI, t.Scope)
	}
	if err := db.checkOrg(ctx, db.db, orgID); err != nil {
		return err
	}
	cols := []string{"org_id", "kpi", "period", "period_start", "period_end", "scope", "scope_value", "value"}
	q := db.d.upsert("targets", cols,
		[]string{"org_id", "kpi", "period_start", "period_end", "scope", "scope_value"},
		[]string{"period", "value"}, true)
	err := db.queryRow(ctx, db.db, q, orgID, t.KPI, t.Period, t.Start.Unix(), t.End.Unix(),
		t.Scope, t.ScopeValue, t.Value.RatString()).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("set target for %s: %w", t.KPI, err)
	}
	return nil
}

// Targets lists the targets of one KPI, or of every KPI when kpi is "", by
// KPI, period start, scope and scope value.
func (db *DB) Targets(ctx context.Context, orgID int64, kpi string) ([]rumbo.Target, error) {
	query := `SELECT id, kpi, period, period_start, period_end, scope, scope_value, value
		FROM targets WHERE org_id = ?`
	args := []any{orgID}
	if kpi != "" {
		query += " AND kpi = ?"
		args = append(args, kpi)
	}
	rows, err := db.query(ctx, db.db, query+" ORDER BY kpi, period_start, period_end, scope, scope_value", args...)
	if err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	defer rows.Close()
	var list []rumbo.Target
	for rows.Next() {
		var t rumbo.Target
		var start, end sql.NullInt64
		var value string
		if err := rows.Scan(&t.ID, &t.KPI, &t.Period, &start, &end, &t.Scope, &t.ScopeValue, &value); err != nil {
			return nil, fmt.Errorf("list targets: %w", err)
		}
		t.Start, t.End = timeOf(start), timeOf(end)
		var ok bool
		if t.Value, ok = new(big.Rat).SetString(value); !ok {
			return nil, fmt.Errorf("list targets: target %d has a bad value %q", t.ID, value)
		}
		list = append(list, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	return list, nil
}

// DeleteTarget removes a target by id, or ENOTFOUND.
func (db *DB) DeleteTarget(ctx context.Context, orgID int64, id int64) error {
	res, err := db.exec(ctx, db.db, "DELETE FROM targets WHERE org_id = ? AND id = ?", orgID, id)
	if err != nil {
		return fmt.Errorf("delete target %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete target %d: %w", id, err)
	} else if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "target %d not found", id)
	}
	return nil
}
