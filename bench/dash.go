package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/okr"
)

// dashPeriods returns the dashboard's periods at now: the current quarter
// and the 13 ISO weeks ending with the current one.
func dashPeriods(now time.Time, loc *time.Location) (quarter, weeks rumbo.Period) {
	quarter = rumbo.PeriodOf(now, rumbo.GrainQuarter, loc)
	wk := rumbo.PeriodOf(now, rumbo.GrainWeek, loc)
	start := wk.Start.AddDate(0, 0, -7*12)
	weeks = rumbo.Period{Start: start, End: wk.End, Label: start.Format("2006-01-02") + ".." + wk.End.AddDate(0, 0, -1).Format("2006-01-02")}
	return quarter, weeks
}

// dashboardQueries returns the dashboard's queries: every KPI for the
// current quarter (with target and health), its 13-week series, and its
// per-rep breakdown for the quarter for the KPIs that have reps.
// withReps lists the KPIs broken down by owner; nil: find them (a KPI
// without reps refuses the breakdown).
func dashboardQueries(ctx context.Context, eng *metric.Engine, org *rumbo.Org, now time.Time, withReps []string) ([]metric.Query, error) {
	loc, err := org.Location()
	if err != nil {
		return nil, err
	}
	quarter, weeks := dashPeriods(now, loc)
	defs, err := eng.Definitions(ctx, org)
	if err != nil {
		return nil, err
	}
	var qs []metric.Query
	for _, d := range defs {
		qs = append(qs, metric.Query{Key: d.Key, Period: &quarter}, metric.Query{Key: d.Key, Period: &weeks, Grain: rumbo.GrainWeek})
		if withReps != nil {
			if !slices.Contains(withReps, d.Key) {
				continue
			}
		} else if _, err := eng.Compute(ctx, org, metric.Query{Key: d.Key, Period: &quarter, By: "owner"}); rumbo.ErrorCode(err) == rumbo.EINVALID {
			continue
		} else if err != nil {
			return nil, err
		}
		qs = append(qs, metric.Query{Key: d.Key, Period: &quarter, By: "owner"})
	}
	return qs, nil
}

// dash is what a dashboard reads: the KPI engine and the OKR service on one
// store, with the benchmark's clock.
type dash struct {
	eng  *metric.Engine
	okrs *okr.Service
	// The time of each part of the last dashboard.
	kpis, okr time.Duration
}

func newDash(db okr.Store, now time.Time) *dash {
	clock := func() time.Time { return now }
	return &dash{eng: metric.New(db, clock), okrs: okr.New(db, clock)}
}

// dashboard computes the dashboard's queries as one request and, at the
// same time, the template OKRs' status, as the web app's panel does, and
// returns the number of rows (KPI rows and key results) and the quarter's
// revenue. Each part's own time is kept in d.
func dashboard(ctx context.Context, d *dash, org *rumbo.Org, now time.Time, qs []metric.Query) (int, string, error) {
	var n int
	var okrErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		t0 := time.Now()
		n, okrErr = okrStatus(ctx, d.okrs, org, now)
		d.okr = time.Since(t0)
	}()
	t0 := time.Now()
	res, err := d.eng.ComputeAll(ctx, org, qs)
	d.kpis = time.Since(t0)
	<-done
	if err != nil {
		return 0, "", err
	}
	if okrErr != nil {
		return 0, "", okrErr
	}
	rows, revenue := 0, ""
	for i, r := range res {
		rows += len(r.Rows)
		if qs[i].Key == "revenue" && qs[i].Grain == "" && qs[i].By == "" && len(r.Rows) > 0 {
			revenue = r.Rows[0].Value.String()
		}
	}
	return rows + n, revenue, nil
}

// okrStatus computes the status of the objectives of the current quarter
// (the article's template, applied by setupOKRs) and returns their number
// of key results.
func okrStatus(ctx context.Context, s *okr.Service, org *rumbo.Org, now time.Time) (int, error) {
	loc, err := org.Location()
	if err != nil {
		return 0, err
	}
	st, err := s.Status(ctx, org, rumbo.PeriodOf(now, rumbo.GrainQuarter, loc))
	if err != nil {
		return 0, fmt.Errorf("OKR status: %w", err)
	}
	n := 0
	for _, o := range st.Objectives {
		n += len(o.KeyResults)
	}
	if n == 0 {
		return 0, errors.New("OKR status: the template OKRs are missing (setupOKRs)")
	}
	return n, nil
}

// setupOKRs applies the article's sales template to the current quarter,
// owned by the organisation, unless it is applied already, then computes
// the status once: baselines are resolved and today's snapshots recorded
// here, so that the measured dashboards only read.
func setupOKRs(ctx context.Context, db okr.Store, org *rumbo.Org, now time.Time) error {
	loc, err := org.Location()
	if err != nil {
		return err
	}
	s := newDash(db, now).okrs
	q := rumbo.PeriodOf(now, rumbo.GrainQuarter, loc)
	if _, err := s.ApplyTemplate(ctx, org, rumbo.SalesTemplateKey, "es", q, ""); err != nil && rumbo.ErrorCode(err) != rumbo.ECONFLICT {
		return fmt.Errorf("apply the OKR template: %w", err)
	}
	_, err = okrStatus(ctx, s, org, now)
	return err
}

// percentile returns the p-th percentile (0..1) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// statement is one named SQL statement of bench/sql/dashboard.sql with its
// parameters in order.
type statement struct {
	name   string
	query  string // with ? placeholders
	params []string
}

// readStatements reads the dashboard SQL file.
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
			for j < len(q) && (q[j] >= 'a' && q[j] <= 'z') {
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

// rawViews expose the store's raw tables as the relations of dashboard.sql.
var rawViews = []string{
	`CREATE TEMP VIEW d AS SELECT p.name AS owner, m.name AS market, cu.name AS customer, x.lead_xid, x.amount,
		x.created_at, x.closed_at, x.first_seen_at, x.status FROM deals x
		LEFT JOIN people p ON p.id = x.owner_id LEFT JOIN markets m ON m.id = x.market_id
		LEFT JOIN customers cu ON cu.id = x.customer_id WHERE x.org_id = %[1]d`,
	`CREATE TEMP VIEW l AS SELECT x.external_id, p.name AS owner, x.created_at FROM leads x
		LEFT JOIN people p ON p.id = x.owner_id WHERE x.org_id = %[1]d`,
	`CREATE TEMP VIEW a AS SELECT p.name AS owner, x.at AS t FROM activities x LEFT JOIN people p ON p.id = x.owner_id WHERE x.org_id = %[1]d`,
	`CREATE TEMP VIEW s AS SELECT sent_at, answered_at, score FROM surveys WHERE org_id = %[1]d`,
	`CREATE TEMP VIEW q AS SELECT received_at, first_response_at FROM inquiries WHERE org_id = %[1]d`,
	`CREATE TEMP VIEW c AS SELECT start_at, end_at, spend FROM campaigns WHERE org_id = %[1]d`,
	`CREATE TEMP TABLE w (i BIGINT, ws BIGINT, we BIGINT)`,
}

// sqlParams returns the values of the named parameters at now.
func sqlParams(now time.Time, loc *time.Location) map[string]any {
	quarter, _ := dashPeriods(now, loc)
	_, off := now.In(loc).Zone()
	return map[string]any{"qs": quarter.Start.Unix(), "qe": quarter.End.Unix(), "now": now.Unix(), "off": int64(off)}
}

// rawSQL runs the dashboard SQL iters times on the store's raw tables
// through one connection and returns the time of each run and the
// quarter's revenue in minor units.
func rawSQL(ctx context.Context, dsn string, postgres bool, orgID int64, stmts []statement, now time.Time, loc *time.Location, iters int) ([]time.Duration, string, error) {
	driver, conn := "sqlite", dsn
	if postgres {
		driver = "pgx"
	}
	db, err := sql.Open(driver, conn)
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, v := range rawViews {
		if strings.Contains(v, "%") {
			v = fmt.Sprintf(v, orgID)
		}
		if _, err := db.ExecContext(ctx, v); err != nil {
			return nil, "", fmt.Errorf("%s: %w", v, err)
		}
	}
	_, weeks := dashPeriods(now, loc)
	for i, p := range weeks.Split(rumbo.GrainWeek) {
		if _, err := db.ExecContext(ctx, rebind("INSERT INTO w VALUES (?, ?, ?)", postgres), i, p.Start.Unix(), p.End.Unix()); err != nil {
			return nil, "", err
		}
	}
	params := sqlParams(now, loc)
	var times []time.Duration
	revenue := ""
	for it := 0; it < iters; it++ {
		start := time.Now()
		for _, st := range stmts {
			args := make([]any, len(st.params))
			for i, n := range st.params {
				args[i] = params[n]
			}
			rows, err := db.QueryContext(ctx, rebind(st.query, postgres), args...)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", st.name, err)
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
					return nil, "", err
				}
				if st.name == "deals_quarter" {
					revenue = fmt.Sprint(vals[1])
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, "", fmt.Errorf("%s: %w", st.name, err)
			}
		}
		times = append(times, time.Since(start))
	}
	return times, revenue, nil
}

// rebind turns ? placeholders into $n for PostgreSQL.
func rebind(q string, postgres bool) string {
	if !postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// repKPIs returns the keys of the queries broken down by owner.
func repKPIs(qs []metric.Query) []string {
	var out []string
	for _, q := range qs {
		if q.By == "owner" {
			out = append(out, q.Key)
		}
	}
	return out
}
