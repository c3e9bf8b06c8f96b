package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// krCols are the key_results columns written from a rumbo.KeyResult, in
// the order of krArgs.
var krCols = []string{"title", "kind", "weight", "kpi", "scope", "scope_value", "filters", "baseline",
	"change_kind", "change_value", "direction", "baseline_value", "baseline_resolved_at", "start_value",
	"target_value", "rate", "per_rep", "rate_mode", "segment_by", "segments", "segment_source", "segment_target",
	"unit", "milestone_source", "milestone_target", "op", "min_value", "max_value"}

func krArgs(kr *rumbo.KeyResult) ([]any, error) {
	filters, err := jsonText(kr.Filters, len(kr.Filters) == 0)
	if err != nil {
		return nil, err
	}
	segments, err := jsonText(kr.Segments, len(kr.Segments) == 0)
	if err != nil {
		return nil, err
	}
	var resolved any
	if !kr.BaselineResolvedAt.IsZero() {
		resolved = kr.BaselineResolvedAt.Unix()
	}
	return []any{strings.TrimSpace(kr.Title), string(kr.Kind), kr.Weight, kr.KPI, kr.Scope, kr.ScopeValue, filters,
		string(kr.Baseline), string(kr.ChangeKind), ratText(kr.Change), string(kr.Direction), ratText(kr.BaselineValue),
		resolved, ratText(kr.Start), ratText(kr.Target), ratText(kr.Rate), bit(kr.PerRep), string(kr.RateMode),
		kr.SegmentBy, segments, kr.SegmentSource, ratText(kr.SegmentTarget), string(kr.Unit), kr.MilestoneSource,
		kr.MilestoneTarget, string(kr.Op), ratText(kr.Min), ratText(kr.Max)}, nil
}

// insertKR inserts a key result at position pos with its items and sets
// kr.ID.
func (db *DB) insertKR(ctx context.Context, tx *sql.Tx, orgID int64, kr *rumbo.KeyResult, pos int) error {
	args, err := krArgs(kr)
	if err != nil {
		return fmt.Errorf("key result %q: %w", kr.Title, err)
	}
	cols := append([]string{"org_id", "objective_id", "position"}, krCols...)
	args = append([]any{orgID, kr.ObjectiveID, pos}, args...)
	if err := db.queryRow(ctx, tx, db.d.insertReturningID("key_results", cols), args...).Scan(&kr.ID); err != nil {
		return fmt.Errorf("create key result %q: %w", kr.Title, err)
	}
	return db.writeItems(ctx, tx, orgID, kr)
}

// writeItems replaces a key result's milestone items.
func (db *DB) writeItems(ctx context.Context, tx *sql.Tx, orgID int64, kr *rumbo.KeyResult) error {
	if _, err := db.exec(ctx, tx, "DELETE FROM kr_items WHERE org_id = ? AND kr_id = ?", orgID, kr.ID); err != nil {
		return fmt.Errorf("items of key result %d: %w", kr.ID, err)
	}
	for i, it := range kr.Items {
		if _, err := db.exec(ctx, tx, "INSERT INTO kr_items (org_id, kr_id, position, title, done) VALUES (?, ?, ?, ?, ?)",
			orgID, kr.ID, i, it.Title, bit(it.Done)); err != nil {
			return fmt.Errorf("items of key result %d: %w", kr.ID, err)
		}
	}
	return nil
}

// CreateKeyResult adds a key result to objective kr.ObjectiveID and sets
// kr.ID; EINVALID when the objective already has rumbo.MaxKeyResults.
func (db *DB) CreateKeyResult(ctx context.Context, orgID int64, kr *rumbo.KeyResult) error {
	if err := kr.Validate(); err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create key result: %w", err)
	}
	defer tx.Rollback()
	var exists, n int
	var last sql.NullInt64
	if err := db.queryRow(ctx, tx, "SELECT COUNT(*) FROM objectives WHERE org_id = ? AND id = ?", orgID, kr.ObjectiveID).Scan(&exists); err != nil {
		return fmt.Errorf("create key result: %w", err)
	}
	if exists == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "objective %d not found", kr.ObjectiveID)
	}
	if err := db.queryRow(ctx, tx, "SELECT COUNT(*), MAX(position) FROM key_results WHERE org_id = ? AND objective_id = ?",
		orgID, kr.ObjectiveID).Scan(&n, &last); err != nil {
		return fmt.Errorf("create key result: %w", err)
	}
	if n >= rumbo.MaxKeyResults {
		return rumbo.Errorf(rumbo.EINVALID, "objective %d already has %d key results (at most %d)", kr.ObjectiveID, n, rumbo.MaxKeyResults)
	}
	pos := 0
	if last.Valid {
		pos = int(last.Int64) + 1
	}
	if err := db.insertKR(ctx, tx, orgID, kr, pos); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create key result %q: %w", kr.Title, err)
	}
	return nil
}

// UpdateKeyResult replaces a key result's fields and items (not its
// objective, position or score), or ENOTFOUND.
func (db *DB) UpdateKeyResult(ctx context.Context, orgID int64, kr *rumbo.KeyResult) error {
	if err := kr.Validate(); err != nil {
		return err
	}
	args, err := krArgs(kr)
	if err != nil {
		return fmt.Errorf("key result %d: %w", kr.ID, err)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update key result: %w", err)
	}
	defer tx.Rollback()
	set := strings.Join(krCols, " = ?, ") + " = ?"
	res, err := db.exec(ctx, tx, "UPDATE key_results SET "+set+" WHERE org_id = ? AND id = ?", append(args, orgID, kr.ID)...)
	if err := affectedOne(res, err, "key result", kr.ID); err != nil {
		return err
	}
	if err := db.writeItems(ctx, tx, orgID, kr); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update key result %d: %w", kr.ID, err)
	}
	return nil
}

// DeleteKeyResult removes a key result with its check-ins, snapshots and
// items, or ENOTFOUND.
func (db *DB) DeleteKeyResult(ctx context.Context, orgID int64, id int64) error {
	res, err := db.exec(ctx, db.db, "DELETE FROM key_results WHERE org_id = ? AND id = ?", orgID, id)
	return affectedOne(res, err, "key result", id)
}

// KeyResult returns one key result, or ENOTFOUND.
func (db *DB) KeyResult(ctx context.Context, orgID int64, id int64) (*rumbo.KeyResult, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	krs, err := db.keyResults(ctx, tx, orgID, "k.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(krs) == 0 {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "key result %d not found", id)
	}
	return &krs[0], nil
}

// keyResults reads the organisation's key results matching where (on alias
// k; its arguments follow the organisation's id), by objective and
// position, with their items and latest score overrides.
func (db *DB) keyResults(ctx context.Context, q querier, orgID int64, where string, args ...any) ([]rumbo.KeyResult, error) {
	cols := make([]string, len(krCols))
	for i, c := range krCols {
		cols[i] = "k." + c
	}
	rows, err := db.query(ctx, q, "SELECT k.id, k.objective_id, k.score, "+strings.Join(cols, ", ")+
		" FROM key_results k WHERE k.org_id = ? AND "+where+" ORDER BY k.objective_id, k.position, k.id",
		append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list key results: %w", err)
	}
	var list []rumbo.KeyResult
	index := map[int64]int{}
	for rows.Next() {
		kr, err := scanKR(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[kr.ID] = len(list)
		list = append(list, kr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list key results: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	items, err := db.query(ctx, q, "SELECT kr_id, title, done FROM kr_items WHERE org_id = ? ORDER BY kr_id, position", orgID)
	if err != nil {
		return nil, fmt.Errorf("list milestone items: %w", err)
	}
	for items.Next() {
		var id, done int64
		var it rumbo.MilestoneItem
		if err := items.Scan(&id, &it.Title, &done); err != nil {
			items.Close()
			return nil, fmt.Errorf("list milestone items: %w", err)
		}
		it.Done = done != 0
		if i, ok := index[id]; ok {
			list[i].Items = append(list[i].Items, it)
		}
	}
	items.Close()
	if err := items.Err(); err != nil {
		return nil, fmt.Errorf("list milestone items: %w", err)
	}
	over, err := db.overrides(ctx, q, orgID, "kr_id")
	if err != nil {
		return nil, err
	}
	for id, ov := range over {
		if i, ok := index[id]; ok {
			list[i].ScoreOverride, list[i].ScoreNote = &ov.score, ov.note
		}
	}
	return list, nil
}

// scanKR reads one row of keyResults' query.
func scanKR(rows *sql.Rows) (rumbo.KeyResult, error) {
	var kr rumbo.KeyResult
	var kind, baseline, changeKind, direction, rateMode, unit, op string
	var filters, segments, score sql.NullString
	var change, base, start, target, rate, segTarget, minV, maxV sql.NullString
	var resolved sql.NullInt64
	var perRep int64
	err := rows.Scan(&kr.ID, &kr.ObjectiveID, &score, &kr.Title, &kind, &kr.Weight, &kr.KPI, &kr.Scope, &kr.ScopeValue,
		&filters, &baseline, &changeKind, &change, &direction, &base, &resolved, &start, &target, &rate, &perRep,
		&rateMode, &kr.SegmentBy, &segments, &kr.SegmentSource, &segTarget, &unit, &kr.MilestoneSource,
		&kr.MilestoneTarget, &op, &minV, &maxV)
	if err != nil {
		return kr, fmt.Errorf("list key results: %w", err)
	}
	kr.Kind, kr.Baseline, kr.ChangeKind = rumbo.KRKind(kind), rumbo.BaselineSource(baseline), rumbo.ChangeKind(changeKind)
	kr.Direction, kr.RateMode, kr.Unit, kr.Op = rumbo.Direction(direction), rumbo.RateMode(rateMode), rumbo.ManualUnit(unit), rumbo.GuardOp(op)
	kr.PerRep = perRep != 0
	if resolved.Valid {
		kr.BaselineResolvedAt = time.Unix(resolved.Int64, 0).UTC()
	}
	for _, f := range []struct {
		dst **big.Rat
		src sql.NullString
	}{{&kr.Change, change}, {&kr.BaselineValue, base}, {&kr.Start, start}, {&kr.Target, target}, {&kr.Rate, rate},
		{&kr.SegmentTarget, segTarget}, {&kr.Min, minV}, {&kr.Max, maxV}} {
		if *f.dst, err = ratOf(f.src); err != nil {
			return kr, fmt.Errorf("key result %d: %w", kr.ID, err)
		}
	}
	if filters.Valid {
		if err := json.Unmarshal([]byte(filters.String), &kr.Filters); err != nil {
			return kr, fmt.Errorf("key result %d filters: %w", kr.ID, err)
		}
	}
	if segments.Valid {
		if err := json.Unmarshal([]byte(segments.String), &kr.Segments); err != nil {
			return kr, fmt.Errorf("key result %d segments: %w", kr.ID, err)
		}
	}
	if kr.Score, err = scoreOf(score); err != nil {
		return kr, fmt.Errorf("key result %d: %w", kr.ID, err)
	}
	return kr, nil
}
