package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

var (
	_ rumbo.UserService    = (*DB)(nil)
	_ rumbo.SessionService = (*DB)(nil)
)

// sqlBool stores a flag as 0 or 1 on both engines.
func sqlBool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// unixTime returns the time stored as Unix seconds in UTC; zero for NULL.
func unixTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

// CreateUser stores a new user with a normalised e-mail and sets u.ID and
// u.CreatedAt; ECONFLICT if the e-mail exists.
func (db *DB) CreateUser(ctx context.Context, u *rumbo.User) error {
	email, err := rumbo.NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email, u.Name = email, strings.TrimSpace(u.Name)
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now()
	}
	u.CreatedAt = u.CreatedAt.UTC().Truncate(time.Second)
	q := db.d.insertReturningID("users", []string{"email", "name", "password_hash", "created_at"})
	err = db.queryRow(ctx, db.db, q, u.Email, u.Name, u.PasswordHash, u.CreatedAt.Unix()).Scan(&u.ID)
	if isUniqueViolation(err) {
		return rumbo.Errorf(rumbo.ECONFLICT, "a user with e-mail %s already exists", u.Email)
	} else if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

const userColumns = "id, email, name, password_hash, created_at"

func scanUser(s scanner) (*rumbo.User, error) {
	var u rumbo.User
	var created int64
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = time.Unix(created, 0).UTC()
	return &u, nil
}

func (db *DB) findUser(ctx context.Context, where string, arg any, what string) (*rumbo.User, error) {
	u, err := scanUser(db.queryRow(ctx, db.db, "SELECT "+userColumns+" FROM users WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "user %s not found", what)
	} else if err != nil {
		return nil, fmt.Errorf("find user %s: %w", what, err)
	}
	return u, nil
}

// FindUser returns a user by id, or ENOTFOUND.
func (db *DB) FindUser(ctx context.Context, id int64) (*rumbo.User, error) {
	return db.findUser(ctx, "id = ?", id, fmt.Sprint(id))
}

// FindUserByEmail returns a user by e-mail in any case, or ENOTFOUND.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*rumbo.User, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	return db.findUser(ctx, "email = ?", e, e)
}

// Users lists every user by e-mail.
func (db *DB) Users(ctx context.Context) ([]rumbo.User, error) {
	rows, err := db.query(ctx, db.db, "SELECT "+userColumns+" FROM users ORDER BY email")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var list []rumbo.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		list = append(list, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return list, nil
}

// SetPasswordHash replaces a user's password hash; ENOTFOUND for an unknown user.
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	res, err := db.exec(ctx, db.db, "UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	} else if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "user %d not found", userID)
	}
	return nil
}

// SetMembership creates or replaces the user's membership of m.OrgID.
func (db *DB) SetMembership(ctx context.Context, m *rumbo.Membership) error {
	if _, err := rumbo.ParseRole(string(m.Role)); err != nil {
		return err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = db.now()
	}
	m.CreatedAt = m.CreatedAt.UTC().Truncate(time.Second)
	m.Person = strings.TrimSpace(m.Person)
	q := db.d.upsert("memberships", []string{"user_id", "org_id", "role", "person", "created_at"},
		[]string{"user_id", "org_id"}, []string{"role", "person"}, false)
	_, err := db.exec(ctx, db.db, q, m.UserID, m.OrgID, string(m.Role), m.Person, m.CreatedAt.Unix())
	if isForeignKeyViolation(err) {
		return rumbo.Errorf(rumbo.ENOTFOUND, "user %d or organisation %d not found", m.UserID, m.OrgID)
	} else if err != nil {
		return fmt.Errorf("set membership of user %d: %w", m.UserID, err)
	}
	return nil
}

// DeleteMembership removes the user from the organisation and revokes the
// user's tokens there; ENOTFOUND if the user is not a member.
func (db *DB) DeleteMembership(ctx context.Context, userID, orgID int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	res, err := db.exec(ctx, tx, "DELETE FROM memberships WHERE user_id = ? AND org_id = ?", userID, orgID)
	if err != nil {
		return fmt.Errorf("remove user %d: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove user %d: %w", userID, err)
	} else if n == 0 {
		return rumbo.Errorf(rumbo.ENOTFOUND, "user %d is not a member", userID)
	}
	if _, err := db.exec(ctx, tx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND org_id = ? AND revoked_at IS NULL",
		db.now().Unix(), userID, orgID); err != nil {
		return fmt.Errorf("revoke tokens of user %d: %w", userID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

const membershipColumns = "m.user_id, m.org_id, o.slug, m.role, m.person, m.created_at"

func scanMembership(s scanner, extra ...any) (*rumbo.Membership, error) {
	var m rumbo.Membership
	var role string
	var created int64
	dest := append([]any{&m.UserID, &m.OrgID, &m.OrgSlug, &role, &m.Person, &created}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	m.Role = rumbo.Role(role)
	m.CreatedAt = time.Unix(created, 0).UTC()
	return &m, nil
}

// FindMembership returns the user's membership of the organisation, or ENOTFOUND.
func (db *DB) FindMembership(ctx context.Context, userID, orgID int64) (*rumbo.Membership, error) {
	row := db.queryRow(ctx, db.db, "SELECT "+membershipColumns+
		" FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ? AND m.org_id = ?", userID, orgID)
	m, err := scanMembership(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "user %d is not a member of organisation %d", userID, orgID)
	} else if err != nil {
		return nil, fmt.Errorf("find membership of user %d: %w", userID, err)
	}
	return m, nil
}

// Memberships lists a user's memberships by organisation slug.
func (db *DB) Memberships(ctx context.Context, userID int64) ([]rumbo.Membership, error) {
	rows, err := db.query(ctx, db.db, "SELECT "+membershipColumns+
		" FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.slug", userID)
	if err != nil {
		return nil, fmt.Errorf("list memberships of user %d: %w", userID, err)
	}
	defer rows.Close()
	var list []rumbo.Membership
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, fmt.Errorf("list memberships of user %d: %w", userID, err)
		}
		list = append(list, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list memberships of user %d: %w", userID, err)
	}
	return list, nil
}

// Members lists an organisation's users by e-mail.
func (db *DB) Members(ctx context.Context, orgID int64) ([]rumbo.Member, error) {
	rows, err := db.query(ctx, db.db, "SELECT "+membershipColumns+", u.email, u.name, u.password_hash, u.created_at"+
		" FROM memberships m JOIN orgs o ON o.id = m.org_id JOIN users u ON u.id = m.user_id"+
		" WHERE m.org_id = ? ORDER BY u.email", orgID)
	if err != nil {
		return nil, fmt.Errorf("list members of organisation %d: %w", orgID, err)
	}
	defer rows.Close()
	var list []rumbo.Member
	for rows.Next() {
		var u rumbo.User
		var created int64
		m, err := scanMembership(rows, &u.Email, &u.Name, &u.PasswordHash, &created)
		if err != nil {
			return nil, fmt.Errorf("list members of organisation %d: %w", orgID, err)
		}
		u.ID, u.CreatedAt = m.UserID, time.Unix(created, 0).UTC()
		list = append(list, rumbo.Member{User: u, Membership: *m})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list members of organisation %d: %w", orgID, err)
	}
	return list, nil
}

// CreateInvite stores a one-time invitation by its hash.
func (db *DB) CreateInvite(ctx context.Context, inv *rumbo.Invite) error {
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = db.now()
	}
	_, err := db.exec(ctx, db.db, "INSERT INTO invites (hash, user_id, org_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		inv.Hash, inv.UserID, inv.OrgID, inv.Purpose, inv.CreatedAt.Unix(), inv.ExpiresAt.Unix())
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	return nil
}

// UseInvite consumes the invitation with the hash unless it is used or
// expired at now; ENOTFOUND otherwise. Two concurrent uses cannot both win:
// the update only succeeds while used_at is NULL.
func (db *DB) UseInvite(ctx context.Context, hash string, now time.Time) (*rumbo.Invite, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	res, err := db.exec(ctx, tx, "UPDATE invites SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?",
		now.Unix(), hash, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("use invitation: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("use invitation: %w", err)
	} else if n == 0 {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "this invitation link is unknown, used or expired; ask an admin for a new one")
	}
	inv := rumbo.Invite{Hash: hash}
	var created, expires int64
	err = db.queryRow(ctx, tx, "SELECT user_id, org_id, purpose, created_at, expires_at FROM invites WHERE hash = ?", hash).
		Scan(&inv.UserID, &inv.OrgID, &inv.Purpose, &created, &expires)
	if err != nil {
		return nil, fmt.Errorf("use invitation: %w", err)
	}
	inv.CreatedAt, inv.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return &inv, nil
}

// LoginFailures returns the failed logins recorded for key and the time of
// the last one; zero when none are remembered at now.
func (db *DB) LoginFailures(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	var n, last int64
	err := db.queryRow(ctx, db.db, "SELECT failures, last_at FROM login_failures WHERE key = ?", key).Scan(&n, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	} else if err != nil {
		return 0, time.Time{}, fmt.Errorf("read failed logins: %w", err)
	}
	at := time.Unix(last, 0).UTC()
	if now.Sub(at) > rumbo.LoginFailureMemory {
		return 0, time.Time{}, nil
	}
	return int(n), at, nil
}

// AddLoginFailure records a failed login for key at t and returns the new
// count; a count older than rumbo.LoginFailureMemory starts again.
func (db *DB) AddLoginFailure(ctx context.Context, key string, t time.Time) (int, error) {
	q := `INSERT INTO login_failures (key, failures, last_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_failures.last_at < ? THEN 1 ELSE login_failures.failures + 1 END,
			last_at = excluded.last_at
		RETURNING failures`
	var n int
	forget := t.Add(-rumbo.LoginFailureMemory).Unix()
	if err := db.queryRow(ctx, db.db, q, key, t.Unix(), forget).Scan(&n); err != nil {
		return 0, fmt.Errorf("record failed login: %w", err)
	}
	return n, nil
}

// ResetLoginFailures forgets the failed logins of key.
func (db *DB) ResetLoginFailures(ctx context.Context, key string) error {
	if _, err := db.exec(ctx, db.db, "DELETE FROM login_failures WHERE key = ?", key); err != nil {
		return fmt.Errorf("reset failed logins: %w", err)
	}
	return nil
}
