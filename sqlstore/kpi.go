package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// SaveKPI creates or replaces a custom KPI definition by key, stored as JSON.
func (db *DB) SaveKPI(ctx context.Context, orgID int64, d *rumbo.KPIDef) error {
	d.Key = strings.TrimSpace(d.Key)
	if d.Key == "" {
		return rumbo.Errorf(rumbo.EINVALID, "KPI key required")
	}
	spec, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("save KPI %s: %w", d.Key, err)
	}
	if err := db.checkOrg(ctx, db.db, orgID); err != nil {
		return err
	}
	q := db.d.upsert("kpi_defs", []string{"org_id", "key", "spec"}, []string{"org_id", "key"}, []string{"spec"}, false)
	if _, err := db.exec(ctx, db.db, q, orgID, d.Key, string(spec)); err != nil {
		return fmt.Errorf("save KPI %s: %w", d.Key, err)
	}
	return nil
}

// CustomKPIs lists the organisation's custom KPI definitions by key.
func (db *DB) CustomKPIs(ctx context.Context, orgID int64) ([]rumbo.KPIDef, error) {
	rows, err := db.query(ctx, db.db, "SELECT key, spec FROM kpi_defs WHERE org_id = ? ORDER BY key", orgID)
	if err != nil {
		return nil, fmt.Errorf("list KPIs: %w", err)
	}
	defer rows.Close()
	var list []rumbo.KPIDef
	for rows.Next() {
		var key, spec string
		if err := rows.Scan(&key, &spec); err != nil {
			return nil, fmt.Errorf("list KPIs: %w", err)
		}
		var d rumbo.KPIDef
		if err := json.Unmarshal([]byte(spec), &d); err != nil {
			return nil, fmt.Errorf("decode KPI %s: %w", key, err)
		}
		d.Key = key
		list = append(list, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list KPIs: %w", err)
	}
	return list, nil
}

// DeleteKPI removes a custom KPI by key, or ENOTFOUND.
func (db *DB) DeleteKPI(ctx context.Context, orgID int64, key string) error {
	res, err := db.exec(ctx, db.db, "DELETE FROM kpi_defs WHERE org_id = ? AND key = ?", orgID, key)
	if err != nil {
		return fmt.Errorf("delete KPI %s: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete KPI %s: %w", key, err)
	} else if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "KPI %q not found", key)
	}
	return nil
}

// SetBands sets the health bands of a KPI (built-in or custom).
func (db *DB) SetBands(ctx context.Context, orgID int64, kpi string, b rumbo.Bands) error {
	kpi = strings.TrimSpace(kpi)
	if kpi == "" {
		return rumbo.Errorf(rumbo.EINVALID, "bands: KPI required")
	}
	if !b.Absolute && b.Yellow > b.Green {
		return rumbo.Errorf(rumbo.EINVALID, "bands of %s: yellow %g above green %g", kpi, b.Yellow, b.Green)
	}
	if err := db.checkOrg(ctx, db.db, orgID); err != nil {
		return err
	}
	q := db.d.upsert("kpi_bands", []string{"org_id", "kpi", "green", "yellow", "absolute"},
		[]string{"org_id", "kpi"}, []string{"green", "yellow", "absolute"}, false)
	if _, err := db.exec(ctx, db.db, q, orgID, kpi, b.Green, b.Yellow, boolInt(b.Absolute)); err != nil {
		return fmt.Errorf("set bands of %s: %w", kpi, err)
	}
	return nil
}

// AllBands returns the bands set per KPI; KPIs not in the map use
// rumbo.DefaultBands.
func (db *DB) AllBands(ctx context.Context, orgID int64) (map[string]rumbo.Bands, error) {
	rows, err := db.query(ctx, db.db, "SELECT kpi, green, yellow, absolute FROM kpi_bands WHERE org_id = ?", orgID)
	if err != nil {
		return nil, fmt.Errorf("list bands: %w", err)
	}
	defer rows.Close()
	bands := make(map[string]rumbo.Bands)
	for rows.Next() {
		var kpi string
		var b rumbo.Bands
		var abs int64
		if err := rows.Scan(&kpi, &b.Green, &b.Yellow, &abs); err != nil {
			return nil, fmt.Errorf("list bands: %w", err)
		}
		b.Absolute = abs != 0
		bands[kpi] = b
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list bands: %w", err)
	}
	return bands, nil
}
