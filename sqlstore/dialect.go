package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every difference between SQLite and PostgreSQL lives in this file: driver
// names and connection strings, placeholders, upserts, generated ids and the
// recognition of constraint errors. The rest of the package writes portable
// SQL with ? placeholders.

// Dialect names returned by DB.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// dialect is one database engine.
type dialect struct {
	name   string // DialectSQLite or DialectPostgres
	driver string // database/sql driver name
	goose  goose.Dialect
	dir    string // migrations directory inside the embedded files
}

var (
	sqliteDialect   = &dialect{name: DialectSQLite, driver: "sqlite", goose: goose.DialectSQLite3, dir: "migrations/sqlite"}
	postgresDialect = &dialect{name: DialectPostgres, driver: "pgx", goose: goose.DialectPostgres, dir: "migrations/postgres"}
)

// isPostgresDSN reports whether dsn is a PostgreSQL URL rather than a file path.
func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteBusyTimeout is how long a writer waits for another one, in milliseconds.
const sqliteBusyTimeout = 5000

// sqliteDSN returns the modernc DSN for the database file at path. The
// pragmas are DSN parameters so that every pooled connection gets them, and
// _txlock=immediate makes read-write transactions BEGIN IMMEDIATE, so that
// two writers queue on the busy timeout instead of deadlocking on a lock
// upgrade. Read-only transactions still begin deferred.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(sqliteBusyTimeout)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals in memory: on disk they cost a write per page
	// touched by every INSERT … RETURNING of an import.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// rebind rewrites the ? placeholders of query for the dialect: $1, $2… on
// PostgreSQL. The package's queries hold no ? inside string literals.
func (d *dialect) rebind(query string) string {
	if d.name != DialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// upsert returns an INSERT of cols into table that, when a row with the same
// conflict columns exists, updates the update columns instead. With
// returning set it returns the row's id. Both engines accept the same
// ON CONFLICT form; it lives here in case they ever differ.
func (d *dialect) upsert(table string, cols, conflict, update []string, returning bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (")
	b.WriteString(placeholders(len(cols)))
	b.WriteString(") ON CONFLICT (" + strings.Join(conflict, ", ") + ") DO UPDATE SET ")
	for i, c := range update {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	if returning {
		b.WriteString(" RETURNING id")
	}
	return b.String()
}

// insertReturningID returns an INSERT of cols into table that returns the
// generated id (INTEGER PRIMARY KEY on SQLite, an identity column on
// PostgreSQL; both accept RETURNING).
func (d *dialect) insertReturningID(table string, cols []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
		placeholders(len(cols)) + ") RETURNING id"
}

// copies reports whether bulk writes go through copyRows.
func (d *dialect) copies() bool { return d.name == DialectPostgres }

// copyRows writes the rows of src into the columns of table with
// PostgreSQL's COPY, on the connection of the open write transaction: a
// bulk write then costs no statement to plan and no parameters to bind. The
// COPY runs in the default plan cache mode: under the custom plans that
// lockWrites forces, the server would plan the foreign-key checks of every
// row again (it doubled the time of a COPY of deals).
func copyRows(ctx context.Context, conn *sql.Conn, table string, cols []string, src pgx.CopyFromSource) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: not a PostgreSQL connection", table)
		}
		pc := c.Conn()
		if _, err := pc.Exec(ctx, "SET LOCAL plan_cache_mode = auto"); err != nil {
			return err
		}
		if _, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, src); err != nil {
			return err
		}
		_, err := pc.Exec(ctx, "SET LOCAL plan_cache_mode = force_custom_plan")
		return err
	})
}

// byExternalID returns a query of the columns sel of the organisation's rows
// of table with these external ids, and its arguments. On PostgreSQL it
// looks each id up in the (org_id, external_id) index: the planner's
// statistics of a table a write transaction is filling are those of the
// table before it, and with them it read every deal of the organisation for
// each batch of an import (an IN list of the batch's ids, estimated to match
// nearly nothing, next to the condition on org_id).
func (d *dialect) byExternalID(table, sel string, orgID int64, xids []string) (string, []any) {
	if d.name == DialectPostgres {
		return "SELECT " + sel + " FROM unnest(?::text[]) AS k(xid) JOIN LATERAL (SELECT " + sel + " FROM " + table +
			" WHERE org_id = ? AND external_id = k.xid LIMIT 1) AS x ON true", []any{xids, orgID}
	}
	args := make([]any, 0, len(xids)+1)
	args = append(args, orgID)
	for _, x := range xids {
		args = append(args, x)
	}
	return "SELECT " + sel + " FROM " + table + " WHERE org_id = ? AND external_id IN (" + placeholders(len(xids)) + ")", args
}

// placeholders returns n comma-separated ? placeholders.
func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// writeLockClass is the first key of PostgreSQL advisory locks that
// serialise an organisation's writers ("RUMB").
const writeLockClass = 0x52554D42

// lockWrites makes the write transaction tx wait for the organisation's other
// writers. SQLite needs nothing: its write transactions begin IMMEDIATE and
// queue on the busy timeout. PostgreSQL takes a transaction-level advisory
// lock, so that two imports of the same records (or of a new customer) queue
// instead of one failing on a unique constraint, and plans every statement
// of the transaction afresh.
func (d *dialect) lockWrites(ctx context.Context, tx *sql.Tx, orgID int64) error {
	if d.name != DialectPostgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, $2)", int32(writeLockClass), int32(orgID)); err != nil {
		return fmt.Errorf("wait for other writers: %w", err)
	}
	// A write transaction may grow a table from nothing to millions of
	// rows; a generic plan PostgreSQL caches for a prepared statement while
	// the table is empty (a sequential scan) would then be kept for every
	// batch. Custom plans see the table as it grows.
	if _, err := tx.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
		return fmt.Errorf("set plan cache mode: %w", err)
	}
	return nil
}

// PostgreSQL SQLSTATE codes of integrity constraint violations.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgUniqueViolation
	}
	return false
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY violation, such
// as deleting a row that other rows still refer to.
func isForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgForeignKeyViolation
	}
	return false
}
