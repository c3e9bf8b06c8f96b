package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// indexCost times the building of each secondary index of a table of a
// SQLite database — what a first import of that table costs past its
// inserts (sqlstore/bulk.go) — through the modernc driver rumbo uses and,
// when the sqlite3 command is on PATH, through SQLite's C library, side by
// side: bench indexes DB [TABLE [ITERS]] (deals, 3). Each build runs in a
// transaction that drops the index, creates it again and rolls back, so
// the database is left as found.
func indexCost(args []string) error { return writeIndexCost(os.Stdout, args) }

func writeIndexCost(out io.Writer, args []string) error {
	if len(args) < 1 || len(args) > 3 {
		return fmt.Errorf("usage: bench indexes DB [TABLE [ITERS]]")
	}
	path, table, iters := args[0], "deals", 3
	if len(args) > 1 {
		table = args[1]
	}
	if len(args) > 2 {
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 1 {
			return fmt.Errorf("ITERS: a positive number, not %q", args[2])
		}
		iters = n
	}
	if _, err := os.Stat(path); err != nil {
		return err
	}
	ctx := context.Background()
	// The pragmas of rumbo's connections that matter here (sqlstore's
	// sqliteDSN): the sorter's temporary files in memory.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=temp_store(MEMORY)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var rows int64
	var goVersion string
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), sqlite_version() FROM "`+table+`"`).Scan(&rows, &goVersion); err != nil {
		return err
	}
	names, defs, err := secondaryIndexes(ctx, db, table)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("%s has no secondary index", table)
	}
	cli, _ := exec.LookPath("sqlite3")
	var cVersion string
	if cli != "" {
		v, err := exec.Command(cli, "--version").Output()
		if err != nil {
			return fmt.Errorf("sqlite3 --version: %w", err)
		}
		cVersion, _, _ = strings.Cut(strings.TrimSpace(string(v)), " ")
	}

	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "index of %s (%d rows), median of %d\tmodernc %s (rumbo)\tC sqlite3 %s\tmodernc ÷ C\t\n", table, rows, iters, goVersion, orNone(cVersion))
	var goTotal, cTotal time.Duration
	for i, name := range names {
		goTook, err := medianOf(iters, func() (time.Duration, error) { return buildInGo(ctx, db, name, defs[i]) })
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		goTotal += goTook
		cCell, ratio := "—", "—"
		if cli != "" {
			cTook, err := medianOf(iters, func() (time.Duration, error) { return buildInC(cli, path, name, defs[i]) })
			if err != nil {
				return fmt.Errorf("%s (sqlite3): %w", name, err)
			}
			cTotal += cTook
			cCell, ratio = fmtSeconds(cTook), fmt.Sprintf("%.2f", goTook.Seconds()/cTook.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", name, fmtSeconds(goTook), cCell, ratio)
	}
	cCell, ratio := "—", "—"
	if cli != "" {
		cCell, ratio = fmtSeconds(cTotal), fmt.Sprintf("%.2f", goTotal.Seconds()/cTotal.Seconds())
	}
	fmt.Fprintf(tw, "all %d\t%s\t%s\t%s\t\n", len(names), fmtSeconds(goTotal), cCell, ratio)
	tw.Flush()
	bound := func(d time.Duration) string { return fmt.Sprintf("%.0f rows/s", float64(rows)/d.Seconds()) }
	fmt.Fprintf(out, "the index builds alone: %s through modernc", bound(goTotal))
	if cli != "" {
		fmt.Fprintf(out, ", %s through C", bound(cTotal))
	}
	fmt.Fprintln(out)
	return nil
}

// secondaryIndexes returns the names and definitions of the table's
// indexes that are not unique (those a bulk write drops and builds again).
func secondaryIndexes(ctx context.Context, db *sql.DB, table string) ([]string, []string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, nil, err
		}
		if !strings.HasPrefix(strings.ToUpper(def), "CREATE UNIQUE") {
			names, defs = append(names, name), append(defs, def)
		}
	}
	return names, defs, rows.Err()
}

// buildInGo drops the index and creates it again in a transaction that it
// rolls back, and returns the time of the CREATE.
func buildInGo(ctx context.Context, db *sql.DB, name, def string) (time.Duration, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := tx.ExecContext(ctx, def); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// buildInC does what buildInGo does in the sqlite3 shell, which times the
// CREATE itself (.timer: "Run Time: real S user S sys S").
func buildInC(cli, path, name, def string) (time.Duration, error) {
	script := "PRAGMA temp_store = MEMORY;\nBEGIN;\nDROP INDEX \"" + name + "\";\n.timer on\n" + def + ";\n.timer off\nROLLBACK;\n"
	cmd := exec.Command(cli, "-bail", path)
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(line, "Run Time: real "); ok {
			secs, _, _ := strings.Cut(rest, " ")
			f, err := strconv.ParseFloat(secs, 64)
			if err != nil {
				return 0, fmt.Errorf("sqlite3 timer %q: %w", line, err)
			}
			return time.Duration(f * float64(time.Second)), nil
		}
	}
	return 0, fmt.Errorf("sqlite3 printed no time: %q", out)
}

// medianOf runs fn n times and returns the median of its durations.
func medianOf(n int, fn func() (time.Duration, error)) (time.Duration, error) {
	var ds []time.Duration
	for range n {
		d, err := fn()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func orNone(s string) string {
	if s == "" {
		return "(not installed)"
	}
	return s
}
