package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Objectives and key results. Exact numbers are stored as decimal text (see
// ratText); the objective's period as its label, grain and UTC bounds, and
// read back in the organisation's zone.

// CreateObjective stores an objective and its key results (0 to
// rumbo.MaxKeyResults) and sets their IDs.
func (db *DB) CreateObjective(ctx context.Context, orgID int64, o *rumbo.Objective) error {
	if err := o.ValidateFields(); err != nil {
		return err
	}
	if len(o.KeyResults) > rumbo.MaxKeyResults {
		return rumbo.Errorf(rumbo.EINVALID, "objective %q: has %d key results (1 to %d)", o.Title, len(o.KeyResults), rumbo.MaxKeyResults)
	}
	for i := range o.KeyResults {
		if err := o.KeyResults[i].Validate(); err != nil {
			return err
		}
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create objective: %w", err)
	}
	defer tx.Rollback()
	if err := db.checkOrg(ctx, tx, orgID); err != nil {
		return err
	}
	if err := db.checkParent(ctx, tx, orgID, o.ID, o.ParentID); err != nil {
		return err
	}
	cols := append([]string{"org_id"}, objectiveCols...)
	args := append([]any{orgID}, objectiveArgs(o)...)
	if err := db.queryRow(ctx, tx, db.d.insertReturningID("objectives", cols), args...).Scan(&o.ID); err != nil {
		return fmt.Errorf("create objective %q: %w", o.Title, err)
	}
	for i := range o.KeyResults {
		kr := &o.KeyResults[i]
		kr.ObjectiveID = o.ID
		if err := db.insertKR(ctx, tx, orgID, kr, i); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create objective %q: %w", o.Title, err)
	}
	return nil
}

var objectiveCols = []string{"title", "description", "owner_kind", "owner", "period", "period_grain",
	"period_start", "period_end", "type", "parent_id"}

func objectiveArgs(o *rumbo.Objective) []any {
	return []any{strings.TrimSpace(o.Title), o.Description, string(o.OwnerKind), o.Owner, o.Period.Label,
		string(o.Period.Grain), o.Period.Start.Unix(), o.Period.End.Unix(), string(o.Type), nullID(o.ParentID)}
}

// checkParent checks that the parent objective exists and that it is not
// the objective itself.
func (db *DB) checkParent(ctx context.Context, q querier, orgID, id, parentID int64) error {
	if parentID == 0 {
		return nil
	}
	if parentID == id {
		return rumbo.Errorf(rumbo.EINVALID, "objective %d cannot align with itself", id)
	}
	var n int
	if err := db.queryRow(ctx, q, "SELECT COUNT(*) FROM objectives WHERE org_id = ? AND id = ?", orgID, parentID).Scan(&n); err != nil {
		return fmt.Errorf("find parent objective %d: %w", parentID, err)
	}
	if n == 0 {
		return rumbo.Errorf(rumbo.EINVALID, "parent objective %d not found", parentID)
	}
	return nil
}

// UpdateObjective replaces an objective's own fields, or ENOTFOUND.
func (db *DB) UpdateObjective(ctx context.Context, orgID int64, o *rumbo.Objective) error {
	if err := o.ValidateFields(); err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update objective: %w", err)
	}
	defer tx.Rollback()
	if err := db.checkParent(ctx, tx, orgID, o.ID, o.ParentID); err != nil {
		return err
	}
	set := strings.Join(objectiveCols, " = ?, ") + " = ?"
	args := append(objectiveArgs(o), orgID, o.ID)
	res, err := db.exec(ctx, tx, "UPDATE objectives SET "+set+" WHERE org_id = ? AND id = ?", args...)
	if err := affectedOne(res, err, "objective", o.ID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update objective %d: %w", o.ID, err)
	}
	return nil
}

// affectedOne turns a statement's outcome into ENOTFOUND when it touched no
// row.
func affectedOne(res sql.Result, err error, noun string, id int64) error {
	if err != nil {
		return fmt.Errorf("%s %d: %w", noun, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %d: %w", noun, id, err)
	}
	if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "%s %d not found", noun, id)
	}
	return nil
}

// DeleteObjective removes an objective with its key results and their
// history, or ENOTFOUND; ECONFLICT while other objectives align with it.
func (db *DB) DeleteObjective(ctx context.Context, orgID int64, id int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete objective: %w", err)
	}
	defer tx.Rollback()
	var children int
	if err := db.queryRow(ctx, tx, "SELECT COUNT(*) FROM objectives WHERE org_id = ? AND parent_id = ?", orgID, id).Scan(&children); err != nil {
		return fmt.Errorf("delete objective %d: %w", id, err)
	}
	if children > 0 {
		return rumbo.Errorf(rumbo.ECONFLICT, "objective %d has %d aligned objectives; delete or re-align them first", id, children)
	}
	res, err := db.exec(ctx, tx, "DELETE FROM objectives WHERE org_id = ? AND id = ?", orgID, id)
	if err := affectedOne(res, err, "objective", id); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete objective %d: %w", id, err)
	}
	return nil
}

// Objective returns an objective with its key results, or ENOTFOUND.
func (db *DB) Objective(ctx context.Context, orgID int64, id int64) (*rumbo.Objective, error) {
	list, err := db.objectives(ctx, orgID, "o.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "objective %d not found", id)
	}
	return &list[0], nil
}

// Objectives lists the objectives whose period starts in p (every one when
// p is nil), with their key results, by period start and id.
func (db *DB) Objectives(ctx context.Context, orgID int64, p *rumbo.Period) ([]rumbo.Objective, error) {
	if p == nil {
		return db.objectives(ctx, orgID, "")
	}
	return db.objectives(ctx, orgID, "o.period_start >= ? AND o.period_start < ?", p.Start.Unix(), p.End.Unix())
}

// objectives reads the objectives matching where (on alias o), with their
// key results, items and latest score overrides, in one read transaction.
func (db *DB) objectives(ctx context.Context, orgID int64, where string, args ...any) ([]rumbo.Objective, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	loc, err := db.orgLocation(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	cond := "o.org_id = ?"
	if where != "" {
		cond += " AND " + where
	}
	qargs := append([]any{orgID}, args...)
	rows, err := db.query(ctx, tx, `SELECT o.id, o.title, o.description, o.owner_kind, o.owner, o.period,
		o.period_grain, o.period_start, o.period_end, o.type, o.parent_id, o.score
		FROM objectives o WHERE `+cond+" ORDER BY o.period_start, o.id", qargs...)
	if err != nil {
		return nil, fmt.Errorf("list objectives: %w", err)
	}
	var list []rumbo.Objective
	index := map[int64]int{}
	for rows.Next() {
		var o rumbo.Objective
		var ownerKind, grain, typ string
		var start, end int64
		var parent sql.NullInt64
		var score sql.NullString
		if err := rows.Scan(&o.ID, &o.Title, &o.Description, &ownerKind, &o.Owner, &o.Period.Label, &grain,
			&start, &end, &typ, &parent, &score); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list objectives: %w", err)
		}
		o.OwnerKind, o.Type, o.ParentID = rumbo.OwnerKind(ownerKind), rumbo.ObjectiveType(typ), parent.Int64
		o.Period.Grain = rumbo.Grain(grain)
		o.Period.Start, o.Period.End = time.Unix(start, 0).In(loc), time.Unix(end, 0).In(loc)
		if o.Score, err = scoreOf(score); err != nil {
			rows.Close()
			return nil, fmt.Errorf("objective %d: %w", o.ID, err)
		}
		index[o.ID] = len(list)
		list = append(list, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list objectives: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	krs, err := db.keyResults(ctx, tx, orgID, "k.objective_id IN (SELECT o.id FROM objectives o WHERE "+cond+")", qargs...)
	if err != nil {
		return nil, err
	}
	for _, kr := range krs {
		if i, ok := index[kr.ObjectiveID]; ok {
			list[i].KeyResults = append(list[i].KeyResults, kr)
		}
	}
	over, err := db.overrides(ctx, tx, orgID, "objective_id")
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

// orgLocation returns the organisation's time zone, or ENOTFOUND.
func (db *DB) orgLocation(ctx context.Context, q querier, orgID int64) (*time.Location, error) {
	o := rumbo.Org{ID: orgID}
	err := db.queryRow(ctx, q, "SELECT slug, time_zone FROM orgs WHERE id = ?", orgID).Scan(&o.Slug, &o.TimeZone)
	if err == sql.ErrNoRows {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "organisation %d not found", orgID)
	} else if err != nil {
		return nil, fmt.Errorf("find organisation %d: %w", orgID, err)
	}
	return o.Location()
}

type override struct {
	score float64
	note  string
}

// overrides returns the latest score override per objective or key result
// (col is objective_id or kr_id).
func (db *DB) overrides(ctx context.Context, q querier, orgID int64, col string) (map[int64]override, error) {
	rows, err := db.query(ctx, q, "SELECT "+col+", score, note FROM score_overrides WHERE org_id = ? AND "+col+
		" IS NOT NULL ORDER BY at, id", orgID)
	if err != nil {
		return nil, fmt.Errorf("list score overrides: %w", err)
	}
	defer rows.Close()
	m := map[int64]override{}
	for rows.Next() {
		var id int64
		var score, note string
		if err := rows.Scan(&id, &score, &note); err != nil {
			return nil, fmt.Errorf("list score overrides: %w", err)
		}
		f, err := strconv.ParseFloat(score, 64)
		if err != nil {
			return nil, fmt.Errorf("score override of %d: %w", id, err)
		}
		m[id] = override{f, note}
	}
	return m, rows.Err()
}

// SaveScores stores the computed scores of an objective and of its key
// results.
func (db *DB) SaveScores(ctx context.Context, orgID int64, o *rumbo.Objective) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save scores: %w", err)
	}
	defer tx.Rollback()
	res, err := db.exec(ctx, tx, "UPDATE objectives SET score = ? WHERE org_id = ? AND id = ?", scoreText(o.Score), orgID, o.ID)
	if err := affectedOne(res, err, "objective", o.ID); err != nil {
		return err
	}
	for _, kr := range o.KeyResults {
		res, err := db.exec(ctx, tx, "UPDATE key_results SET score = ? WHERE org_id = ? AND id = ? AND objective_id = ?",
			scoreText(kr.Score), orgID, kr.ID, o.ID)
		if err := affectedOne(res, err, "key result", kr.ID); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save scores of objective %d: %w", o.ID, err)
	}
	return nil
}

// OverrideScore records a manual score with its note for an objective or a
// key result. The computed score is kept.
func (db *DB) OverrideScore(ctx context.Context, orgID int64, objective bool, id int64, score float64, note string, at time.Time) error {
	s, err := rumbo.OverrideScore(score, note)
	if err != nil {
		return err
	}
	table, col, noun := "key_results", "kr_id", "key result"
	if objective {
		table, col, noun = "objectives", "objective_id", "objective"
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("override score: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := db.queryRow(ctx, tx, "SELECT COUNT(*) FROM "+table+" WHERE org_id = ? AND id = ?", orgID, id).Scan(&n); err != nil {
		return fmt.Errorf("override score of %s %d: %w", noun, id, err)
	}
	if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "%s %d not found", noun, id)
	}
	if _, err := db.exec(ctx, tx, "INSERT INTO score_overrides (org_id, "+col+", score, note, at) VALUES (?, ?, ?, ?, ?)",
		orgID, id, scoreText(s), strings.TrimSpace(note), at.Unix()); err != nil {
		return fmt.Errorf("override score of %s %d: %w", noun, id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("override score of %s %d: %w", noun, id, err)
	}
	return nil
}

// scoreText stores a score with two decimals; nil stays NULL.
func scoreText(s *float64) any {
	if s == nil {
		return nil
	}
	return strconv.FormatFloat(*s, 'f', 2, 64)
}

func scoreOf(v sql.NullString) (*float64, error) {
	if !v.Valid {
		return nil, nil
	}
	f, err := strconv.ParseFloat(v.String, 64)
	if err != nil {
		return nil, fmt.Errorf("bad score %q: %w", v.String, err)
	}
	return &f, nil
}

// ratText returns r as exact decimal text: "1234.5" when r has a finite
// decimal form, else the fraction "a/b" (a baseline rate such as 100 ÷ 12.2
// has none). nil stays NULL.
func ratText(r *big.Rat) any {
	if r == nil {
		return nil
	}
	if r.IsInt() {
		return r.Num().String()
	}
	den := new(big.Int).Set(r.Denom())
	digits := 0
	for _, f := range []int64{2, 5} {
		n, m, bf := 0, new(big.Int), big.NewInt(f)
		for {
			q, rem := new(big.Int).QuoRem(den, bf, m)
			if rem.Sign() != 0 {
				break
			}
			den, n = q, n+1
		}
		digits = max(digits, n)
	}
	if den.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	return r.FloatString(digits)
}

// ratOf reads decimal or fraction text; NULL is nil.
func ratOf(v sql.NullString) (*big.Rat, error) {
	if !v.Valid {
		return nil, nil
	}
	r, ok := new(big.Rat).SetString(v.String)
	if !ok {
		return nil, fmt.Errorf("bad number %q", v.String)
	}
	return r, nil
}

// jsonText encodes v as JSON text, NULL when empty.
func jsonText[T any](v T, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// nullID returns NULL for the id 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// bit stores a bool as 0 or 1.
func bit(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
