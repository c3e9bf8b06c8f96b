package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// errSilent is returned when the command already told the user what went
// wrong (e.g. an import's row report), so main prints nothing more.
var errSilent = errors.New("reported")

// config is the program's configuration: defaults, then RUMBO_* environment
// variables, then flags.
type config struct {
	DB  string // file path or postgres:// URL
	Org string // organisation slug
	Now string // RFC 3339; fixes the clock
}

// app holds what every command shares.
type app struct {
	cfg    config
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	logger *slog.Logger
}

func newApp(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (*app, error) {
	a := &app{
		cfg:    config{DB: "./rumbo.db", Org: rumbo.DefaultOrgSlug},
		getenv: getenv,
		stdin:  stdin,
		stdout: stdout,
		stderr: stderr,
		logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if v := getenv("RUMBO_DB"); v != "" {
		a.cfg.DB = v
	}
	if v := getenv("RUMBO_ORG"); v != "" {
		a.cfg.Org = v
	}
	a.cfg.Now = getenv("RUMBO_NOW")
	a.now = time.Now
	if a.cfg.Now != "" {
		t, err := time.Parse(time.RFC3339, a.cfg.Now)
		if err != nil {
			return nil, rumbo.Errorf(rumbo.EINVALID, "RUMBO_NOW: %q is not an RFC 3339 time such as 2026-11-27T10:00:00+01:00", a.cfg.Now)
		}
		a.now = func() time.Time { return t }
	}
	return a, nil
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "rumbo",
		Short: "Rumbo: KPIs (the speedometer) and OKRs (the route) for sales and marketing teams",
		Long: `Rumbo imports a sales team's CRM and marketing data, computes its KPIs
(the speedometer) and drives the quarter's OKRs (the route) from the same numbers.

Environment: RUMBO_DB (database), RUMBO_ORG (organisation), RUMBO_NOW (RFC 3339
time that fixes the clock, for tests and demos).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.cfg.DB, "db", a.cfg.DB, "database: a SQLite file path or a postgres:// URL (env RUMBO_DB)")
	root.PersistentFlags().StringVar(&a.cfg.Org, "org", a.cfg.Org, "organisation slug (env RUMBO_ORG)")
	root.AddCommand(
		a.initCommand(),
		a.importCommand(),
		a.deleteCommand(),
		a.kpiCommand(),
		a.targetCommand(),
		a.dashboardCommand(),
		a.demoCommand(),
		a.backupCommand(),
		a.okrCommand(),
		a.serveCommand(),
		a.orgCommand(),
		a.userCommand(),
		a.tokenCommand(),
	)
	return root
}

// open opens the configured database. Only init, demo and serve may create
// one; every other command refuses a missing file and names its path.
func (a *app) open(ctx context.Context, create bool) (*sqlstore.DB, error) {
	return sqlstore.Open(ctx, a.cfg.DB, sqlstore.Options{Create: create, Now: a.now, Logger: a.logger})
}

// openOrg opens the database and finds the configured organisation.
func (a *app) openOrg(ctx context.Context) (*sqlstore.DB, *rumbo.Org, error) {
	db, err := a.open(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	org, err := db.FindOrg(ctx, a.cfg.Org)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, org, nil
}

// engine returns a KPI engine on the store with the app's clock.
func (a *app) engine(db *sqlstore.DB) *metric.Engine {
	return metric.New(db, a.now)
}

// isTerminal reports whether w is a terminal, for progress bars.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.stdout, format, args...)
}

// withOrg adapts fn to a cobra RunE that opens the database and the
// configured organisation first and closes the database after.
func (a *app) withOrg(fn func(cmd *cobra.Command, args []string, db *sqlstore.DB, org *rumbo.Org) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		db, org, err := a.openOrg(cmd.Context())
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(cmd, args, db, org)
	}
}

// withOrgID is withOrg for commands whose one argument is the id of a
// noun ("objective", "key result"): the id is checked before the database
// is opened.
func (a *app) withOrgID(noun string, fn func(cmd *cobra.Command, id int64, db *sqlstore.DB, org *rumbo.Org) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		id, err := parseID(noun, args[0])
		if err != nil {
			return err
		}
		return a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			return fn(cmd, id, db, org)
		})(cmd, args)
	}
}
