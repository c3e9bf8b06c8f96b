// Package sqlstore keeps Rumbo's data in SQLite or PostgreSQL through
// database/sql. It implements rumbo.Store; the schema is portable SQL and
// every difference between the two engines lives in dialect.go.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	// Database drivers: "pgx" and "sqlite".
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite"

	"github.com/rumbo-app/rumbo"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

var _ rumbo.Store = (*DB)(nil)

// maxIdleConns is the number of idle connections kept open.
const maxIdleConns = 16

// Options configure Open.
type Options struct {
	// Create allows Open to create a missing SQLite file. Without it a
	// missing file is an ENOTFOUND error naming its absolute path.
	Create bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives migration and backup notes; discarded when nil.
	Logger *slog.Logger
}

// DB is a Rumbo database on SQLite or PostgreSQL.
type DB struct {
	db   *sql.DB
	d    *dialect
	dsn  string // the DSN as given; the absolute file path on SQLite
	now  func() time.Time
	log  *slog.Logger
	path string // absolute file path on SQLite; "" on PostgreSQL
	// stmts keeps the prepared statements of the KPI engine's reads
	// (aggread.go).
	stmts stmtCache
}

// Open opens the database at dsn, a file path (SQLite) or a postgres:// or
// postgresql:// URL, and runs pending migrations. On SQLite, when the file
// existed and a migration is pending, a copy of it is taken first.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{dsn: dsn, now: opts.Now, log: opts.Logger}
	var existed bool
	if isPostgresDSN(dsn) {
		db.d = postgresDialect
	} else {
		db.d = sqliteDialect
		abs, err := filepath.Abs(dsn)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", dsn, err)
		}
		db.path, db.dsn = abs, abs
		fi, err := os.Stat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if !opts.Create {
				return nil, rumbo.Errorf(rumbo.ENOTFOUND, "no database at %s", abs)
			}
		case err != nil:
			return nil, fmt.Errorf("open %s: %w", abs, err)
		case fi.IsDir():
			return nil, rumbo.Errorf(rumbo.EINVALID, "%s is a directory, not a database", abs)
		default:
			existed = fi.Size() > 0
		}
	}
	connStr := dsn
	if db.d == sqliteDialect {
		connStr = sqliteDSN(db.path)
	}
	sqldb, err := sql.Open(db.d.driver, connStr)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", db.d.name, err)
	}
	db.db = sqldb
	// Keep the connections of concurrent reads (a dashboard computes its
	// KPIs on two goroutines, a server serves many requests): database/sql
	// keeps 2 idle ones by default and closes the others after each use, and
	// a new connection costs its setup (on SQLite the pragmas and parsing the
	// schema) and the preparation again of every kept statement it runs.
	sqldb.SetMaxIdleConns(maxIdleConns)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("open %s database %s: %w", db.d.name, db.where(), err)
	}
	if err := db.migrate(ctx, existed); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// where names the database for messages, without any password.
func (db *DB) where() string {
	if db.path != "" {
		return db.path
	}
	return redactDSN(db.dsn)
}

// redactDSN drops the password from a PostgreSQL URL.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL database"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// migrate applies the pending migrations, copying an existing SQLite file
// first.
func (db *DB) migrate(ctx context.Context, existed bool) error {
	fsys, err := fs.Sub(migrations, db.d.dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.d == postgresDialect {
		// Two servers starting at once must not both migrate.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(db.d.goose, db.db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if db.d == sqliteDialect && existed {
		pending, err := p.HasPending(ctx)
		if err != nil {
			return fmt.Errorf("migrations of %s: %w", db.path, err)
		}
		if pending {
			version, err := p.GetDBVersion(ctx)
			if err != nil {
				return fmt.Errorf("migrations of %s: %w", db.path, err)
			}
			if _, err := db.preMigrationCopy(ctx, version); err != nil {
				return err
			}
		}
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", db.where(), err)
	}
	for _, r := range results {
		db.log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	if len(results) > 0 {
		return db.rebuildUnbuilt(ctx)
	}
	return nil
}

// rebuildUnbuilt rebuilds, for every organisation, the aggregate families
// that are not built although their records exist: a migration that
// changes what a family keeps drops it, and the engine would otherwise read
// raw records (slow on a big organisation) until the next write.
func (db *DB) rebuildUnbuilt(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, "SELECT id FROM orgs ORDER BY id")
	if err != nil {
		return fmt.Errorf("list organisations: %w", err)
	}
	var orgs []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("list organisations: %w", err)
		}
		orgs = append(orgs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list organisations: %w", err)
	}
	for _, org := range orgs {
		if err := db.rebuildMissing(ctx, org); err != nil {
			return fmt.Errorf("rebuild aggregates of organisation %d: %w", org, err)
		}
	}
	return nil
}

// preMigrationCopy copies the SQLite database to <path>.bak-<version>-<time>
// before migrations change it, and returns the copy's path.
func (db *DB) preMigrationCopy(ctx context.Context, version int64) (string, error) {
	target := fmt.Sprintf("%s.bak-%d-%s", db.path, version, db.now().UTC().Format("20060102T150405Z"))
	if err := db.Backup(ctx, target); err != nil {
		return "", fmt.Errorf("copy %s before migrating: %w", db.path, err)
	}
	db.log.Info("database copied before migrating", "path", db.path, "copy", target, "version", version)
	return target, nil
}

// Backup writes a consistent copy of the database to path while it stays in
// use. On SQLite it runs VACUUM INTO and refuses an existing target; on
// PostgreSQL it is an EINVALID error explaining pg_dump.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.d == postgresDialect {
		return rumbo.Errorf(rumbo.EINVALID,
			"rumbo cannot back up a PostgreSQL database itself; use pg_dump: pg_dump --format=custom --file=%s '%s'",
			path, redactDSN(db.dsn))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err == nil {
		return rumbo.Errorf(rumbo.EINVALID, "backup target %s already exists", abs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	if _, err := db.db.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("backup to %s: %w", abs, err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.close()
	return db.db.Close()
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readTx begins a read-only transaction, so that a reader sees one snapshot
// and, on SQLite, never takes the write lock.
func (db *DB) readTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return tx, nil
}

// exec runs a statement written with ? placeholders.
func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, db.d.rebind(query), args...)
}

// query runs a query written with ? placeholders.
func (db *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, db.d.rebind(query), args...)
}

// queryRow runs a one-row query written with ? placeholders.
func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, db.d.rebind(query), args...)
}
