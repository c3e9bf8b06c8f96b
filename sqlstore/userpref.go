package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rumbo-app/rumbo"
)

// UserLang returns the language a user chose for the web app: "es", "en",
// or "" when they chose none. ENOTFOUND for an unknown user.
func (db *DB) UserLang(ctx context.Context, userID int64) (string, error) {
	var lang string
	err := db.queryRow(ctx, db.db, "SELECT COALESCE(p.lang, '') FROM users u LEFT JOIN user_prefs p ON p.user_id = u.id WHERE u.id = ?",
		userID).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) {
		return "", rumbo.Errorf(rumbo.ENOTFOUND, "user %d not found", userID)
	} else if err != nil {
		return "", fmt.Errorf("language of user %d: %w", userID, err)
	}
	return lang, nil
}

// SetUserLang stores the language a user chose for the web app: "es",
// "en", or "" to follow the browser again. EINVALID for another language,
// ENOTFOUND for an unknown user.
func (db *DB) SetUserLang(ctx context.Context, userID int64, lang string) error {
	if lang != "" && lang != "es" && lang != "en" {
		return rumbo.Errorf(rumbo.EINVALID, "language %q (valid: es, en, or empty to follow the browser)", lang)
	}
	q := db.d.upsert("user_prefs", []string{"user_id", "lang"}, []string{"user_id"}, []string{"lang"}, false)
	_, err := db.exec(ctx, db.db, q, userID, lang)
	if isForeignKeyViolation(err) {
		return rumbo.Errorf(rumbo.ENOTFOUND, "user %d not found", userID)
	} else if err != nil {
		return fmt.Errorf("set language of user %d: %w", userID, err)
	}
	return nil
}
