package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rumbo-app/rumbo"
)

// touchEvery is how often the last-seen time of a session and the last-used
// time of a token are written at most.
const touchEvery = time.Minute

// CreateSession stores a session by its id hash.
func (db *DB) CreateSession(ctx context.Context, s *rumbo.Session) error {
	_, err := db.exec(ctx, db.db, "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		s.IDHash, s.UserID, s.CSRFToken, s.CreatedAt.Unix(), s.LastSeenAt.Unix(), s.ExpiresAt.Unix())
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// FindSession returns the session with the id hash, or ENOTFOUND. It does
// not judge expiry: the caller compares the times with its clock.
func (db *DB) FindSession(ctx context.Context, idHash string) (*rumbo.Session, error) {
	s := rumbo.Session{IDHash: idHash}
	var created, seen, expires int64
	err := db.queryRow(ctx, db.db, "SELECT user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?", idHash).
		Scan(&s.UserID, &s.CSRFToken, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "session not found")
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC(), time.Unix(expires, 0).UTC()
	return &s, nil
}

// TouchSession records that the session was used at t, at most once a minute.
func (db *DB) TouchSession(ctx context.Context, idHash string, t time.Time) error {
	_, err := db.exec(ctx, db.db, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at <= ?",
		t.Unix(), idHash, t.Add(-touchEvery).Unix())
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession removes a session; removing a missing one is no error.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := db.exec(ctx, db.db, "DELETE FROM sessions WHERE id_hash = ?", idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions signs a user out everywhere.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := db.exec(ctx, db.db, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions whose absolute expiry or idle
// limit has passed at now, and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	res, err := db.exec(ctx, db.db, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
		now.Unix(), now.Add(-idle).Unix())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// CreateToken stores a token by its hash and sets t.ID.
func (db *DB) CreateToken(ctx context.Context, t *rumbo.Token) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.now()
	}
	t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Second)
	q := db.d.insertReturningID("api_tokens", []string{"user_id", "org_id", "name", "hash", "created_at"})
	err := db.queryRow(ctx, db.db, q, t.UserID, t.OrgID, t.Name, t.Hash, t.CreatedAt.Unix()).Scan(&t.ID)
	if isForeignKeyViolation(err) {
		return rumbo.Errorf(rumbo.ENOTFOUND, "user %d or organisation %d not found", t.UserID, t.OrgID)
	} else if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

const tokenColumns = "id, user_id, org_id, name, hash, created_at, last_used_at, revoked_at"

func scanToken(s scanner) (*rumbo.Token, error) {
	var t rumbo.Token
	var created int64
	var used, revoked sql.NullInt64
	if err := s.Scan(&t.ID, &t.UserID, &t.OrgID, &t.Name, &t.Hash, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = time.Unix(created, 0).UTC(), unixTime(used), unixTime(revoked)
	return &t, nil
}

// FindToken returns the token with the hash, revoked or not, or ENOTFOUND.
func (db *DB) FindToken(ctx context.Context, hash string) (*rumbo.Token, error) {
	t, err := scanToken(db.queryRow(ctx, db.db, "SELECT "+tokenColumns+" FROM api_tokens WHERE hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "token not found")
	} else if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	return t, nil
}

// Tokens lists a user's tokens, newest first.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]rumbo.Token, error) {
	rows, err := db.query(ctx, db.db, "SELECT "+tokenColumns+" FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var list []rumbo.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		list = append(list, *t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return list, nil
}

// RevokeToken revokes the token with the id at t; ENOTFOUND unless it
// exists and belongs to userID (0: any user). Revoking twice keeps the
// first time.
func (db *DB) RevokeToken(ctx context.Context, userID, id int64, t time.Time) error {
	q, args := "SELECT "+tokenColumns+" FROM api_tokens WHERE id = ?", []any{id}
	if userID != 0 {
		q, args = q+" AND user_id = ?", append(args, userID)
	}
	if _, err := scanToken(db.queryRow(ctx, db.db, q, args...)); errors.Is(err, sql.ErrNoRows) {
		return rumbo.Errorf(rumbo.ENOTFOUND, "token %d not found", id)
	} else if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if _, err := db.exec(ctx, db.db, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", t.Unix(), id); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

// TouchToken records that the token was used at t, writing at most once a
// minute.
func (db *DB) TouchToken(ctx context.Context, id int64, t time.Time) error {
	_, err := db.exec(ctx, db.db, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
		t.Unix(), id, t.Add(-touchEvery).Unix())
	if err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.queryRow(ctx, db.db, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping %s database: %w", db.d.name, err)
	}
	return nil
}
