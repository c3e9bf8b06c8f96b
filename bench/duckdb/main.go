// Command duckdb-bench is the DuckDB peer of Rumbo's benchmark: it loads the
// generated CSV files into DuckDB (in memory) and runs the dashboard SQL of
// bench/sql/dashboard.sql, printing as its last line a JSON object with the
// load time, the dashboard's p50 and the quarter's revenue. It is its own Go
// module so that the rumbo module, its binary and CI never link DuckDB.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

const tsLayout = "2006-01-02 15:04:05"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "duckdb-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	data := flag.String("data", "", "directory of the generated CSV files")
	sqlFile := flag.String("sql", "../sql/dashboard.sql", "the dashboard SQL")
	nowS := flag.String("now", "", "the clock (RFC 3339)")
	iters := flag.Int("iters", 30, "dashboard iterations")
	tz := flag.String("tz", "Europe/Madrid", "the organisation's time zone")
	flag.Parse()
	now, err := time.Parse(time.RFC3339, *nowS)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := duckdb.NewConnector("", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	db := sql.OpenDB(conn)
	defer db.Close()
	db.SetMaxOpenConns(1)

	start := time.Now()
	if err := load(ctx, conn, db, *data, loc, now); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	loadMS := float64(time.Since(start).Microseconds()) / 1000

	stmts, err := readStatements(*sqlFile)
	if err != nil {
		return err
	}
	q := periodOf(now, loc)
	_, off := now.In(loc).Zone()
	params := map[string]any{"qs": q[0], "qe": q[1], "now": now.Unix(), "off": int64(off)}
	if _, err := db.ExecContext(ctx, "CREATE TABLE w (i BIGINT, ws BIGINT, we BIGINT)"); err != nil {
		return err
	}
	for i, w := range weeks(now, loc) {
		if _, err := db.ExecContext(ctx, "INSERT INTO w VALUES (?, ?, ?)", i, w[0], w[1]); err != nil {
			return err
		}
	}
	var times []time.Duration
	revenue := ""
	for it := 0; it < *iters+2; it++ {
		t0 := time.Now()
		for _, st := range stmts {
			args := make([]any, len(st.params))
			for i, n := range st.params {
				args[i] = params[n]
			}
			rows, err := db.QueryContext(ctx, st.query, args...)
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				if st.name == "deals_quarter" {
					revenue = fmt.Sprint(vals[1])
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
		}
		if it >= 2 {
			times = append(times, time.Since(t0))
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	p50 := times[(len(times)+1)/2-1]
	fmt.Fprintf(os.Stderr, "duckdb: load %.0f ms, dashboard p50 %.1f ms\n", loadMS, float64(p50.Microseconds())/1000)
	b, _ := json.Marshal(map[string]any{"load_ms": loadMS, "dashboard_p50_ms": float64(p50.Microseconds()) / 1000,
		"revenue_quarter_minor": revenue})
	fmt.Println(string(b))
	return nil
}

// periodOf returns the Unix bounds of the quarter holding now.
func periodOf(now time.Time, loc *time.Location) [2]int64 {
	t := now.In(loc)
	q := (int(t.Month()) - 1) / 3
	s := time.Date(t.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, loc)
	return [2]int64{s.Unix(), s.AddDate(0, 3, 0).Unix()}
}

// weeks returns the 13 ISO weeks ending with the one holding now.
func weeks(now time.Time, loc *time.Location) [][2]int64 {
	t := now.In(loc)
	off := (int(t.Weekday()) + 6) % 7
	mon := time.Date(t.Year(), t.Month(), t.Day()-off, 0, 0, 0, 0, loc)
	var out [][2]int64
	for i := 12; i >= 0; i-- {
		s := mon.AddDate(0, 0, -7*i)
		out = append(out, [2]int64{s.Unix(), s.AddDate(0, 0, 7).Unix()})
	}
	return out
}

// table is one relation of dashboard.sql loaded from a CSV file.
type table struct {
	name, file string
	ddl        string
	row        func(c map[string]int, r []string) []driver.Value
}

func load(ctx context.Context, conn *duckdb.Connector, db *sql.DB, dir string, loc *time.Location, now time.Time) error {
	unix := func(s string) driver.Value {
		if s == "" {
			return nil
		}
		t, err := time.ParseInLocation(tsLayout, s, loc)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02", s, loc)
			if err != nil {
				return nil
			}
		}
		return t.Unix()
	}
	text := func(s string) driver.Value {
		if s == "" {
			return nil
		}
		return s
	}
	minor := func(s string) driver.Value {
		if s == "" {
			return nil
		}
		whole, frac, _ := strings.Cut(s, ".")
		w, _ := strconv.ParseInt(whole, 10, 64)
		f, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
		return w*100 + f
	}
	firstSeen := now.Unix() // rumbo import sets first_seen_at to its clock (RUMBO_NOW)
	tables := []table{
		{"d", "deals.csv", `CREATE TABLE d (owner VARCHAR, market VARCHAR, customer VARCHAR, lead_xid VARCHAR, amount BIGINT,
			created_at BIGINT, closed_at BIGINT, first_seen_at BIGINT, status VARCHAR)`,
			func(c map[string]int, r []string) []driver.Value {
				return []driver.Value{text(r[c["owner"]]), text(r[c["market"]]), text(r[c["customer"]]), text(r[c["lead"]]),
					minor(r[c["amount"]]), unix(r[c["created_at"]]), unix(r[c["closed_at"]]), firstSeen, r[c["status"]]}
			}},
		{"l", "leads.csv", `CREATE TABLE l (external_id VARCHAR, owner VARCHAR, created_at BIGINT)`,
			func(c map[string]int, r []string) []driver.Value {
				return []driver.Value{r[c["external_id"]], text(r[c["owner"]]), unix(r[c["created_at"]])}
			}},
		{"a", "activities.csv", `CREATE TABLE a (owner VARCHAR, t BIGINT)`,
			func(c map[string]int, r []string) []driver.Value {
				return []driver.Value{text(r[c["owner"]]), unix(r[c["at"]])}
			}},
		{"s", "surveys.csv", `CREATE TABLE s (sent_at BIGINT, answered_at BIGINT, score BIGINT)`,
			func(c map[string]int, r []string) []driver.Value {
				var score driver.Value
				if v, err := strconv.ParseInt(r[c["score"]], 10, 64); err == nil {
					score = v
				}
				return []driver.Value{unix(r[c["sent_at"]]), unix(r[c["answered_at"]]), score}
			}},
		{"q", "inquiries.csv", `CREATE TABLE q (received_at BIGINT, first_response_at BIGINT)`,
			func(c map[string]int, r []string) []driver.Value {
				return []driver.Value{unix(r[c["received_at"]]), unix(r[c["first_response_at"]])}
			}},
		{"c", "campaigns.csv", `CREATE TABLE c (start_at BIGINT, end_at BIGINT, spend BIGINT)`,
			func(c map[string]int, r []string) []driver.Value {
				return []driver.Value{unix(r[c["start"]]), unix(r[c["end"]]), minor(r[c["spend"]])}
			}},
	}
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, t.ddl); err != nil {
			return err
		}
		if err := appendCSV(ctx, conn, t, filepath.Join(dir, t.file)); err != nil {
			return fmt.Errorf("%s: %w", t.file, err)
		}
	}
	return nil
}

// appendCSV streams a CSV file into a table with DuckDB's appender.
func appendCSV(ctx context.Context, conn *duckdb.Connector, t table, path string) error {
	c, err := conn.Connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	app, err := duckdb.NewAppenderFromConn(c, "", t.name)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if err := app.AppendRow(t.row(col, rec)...); err != nil {
			return err
		}
	}
	return app.Close()
}

// statement is one named statement of the SQL file.
type statement struct {
	name, query string
	params      []string
}

func readStatements(path string) ([]statement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []statement
	var cur *statement
	var body strings.Builder
	flush := func() {
		if cur != nil {
			cur.query, cur.params = bindNames(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(body.String()), ";")))
			out = append(out, *cur)
		}
		body.Reset()
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "-- name: "); ok {
			flush()
			cur = &statement{name: strings.TrimSpace(name)}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--") || cur == nil {
			continue
		}
		body.WriteString(line + "\n")
	}
	flush()
	return out, sc.Err()
}

// bindNames replaces :name parameters with ? and lists the names in order.
func bindNames(q string) (string, []string) {
	var b strings.Builder
	var names []string
	for i := 0; i < len(q); i++ {
		if q[i] == ':' && i+1 < len(q) && q[i+1] >= 'a' && q[i+1] <= 'z' && (i == 0 || q[i-1] != ':') {
			j := i + 1
			for j < len(q) && q[j] >= 'a' && q[j] <= 'z' {
				j++
			}
			names = append(names, q[i+1:j])
			b.WriteByte('?')
			i = j - 1
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String(), names
}
