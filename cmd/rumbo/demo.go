package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/demo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func (a *app) demoCommand() *cobra.Command {
	var (
		loadOnly bool
		scale    string
		seed     int64
		sf       serveFlags
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Load a realistic demo company and serve it",
		Long: `demo generates a realistic, deterministic Spanish sales company (reps, teams,
markets, campaigns, leads, deals, activities, surveys, inquiries; seven quarters
of history up to now) into rumbo-demo.db unless --db or RUMBO_DB says otherwise,
then serves it on --addr (127.0.0.1:8080 unless told), printing the URL and a
demo login: demo@example.com (or RUMBO_DEMO_EMAIL), admin of the demo company,
with the password in RUMBO_DEMO_PASSWORD or a generated one. "rumbo dashboard"
prints the KPI dashboard. With --load-only it loads and exits, and refuses an
organisation that already holds data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("db") && a.getenv("RUMBO_DB") == "" {
				a.cfg.DB = "rumbo-demo.db"
			}
			switch scale {
			case "small", "medium", "large":
			default:
				return rumbo.Errorf(rumbo.EINVALID, "--scale %q: use small, medium or large", scale)
			}
			ctx := cmd.Context()
			db, err := a.open(ctx, true)
			if err != nil {
				return err
			}
			defer db.Close()
			org, err := db.FindOrg(ctx, a.cfg.Org)
			if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
				org = &rumbo.Org{Slug: a.cfg.Org, Name: "Ibérica de Software S.L."}
				err = db.CreateOrg(ctx, org)
			}
			if err != nil {
				return err
			}
			n, err := recordCount(cmd, db, org)
			if err != nil {
				return err
			}
			switch {
			case n > 0 && loadOnly:
				return rumbo.Errorf(rumbo.ECONFLICT, "organisation %q in %s already holds %d records; the demo loads only into an empty organisation (use another --db or --org)", org.Slug, a.cfg.DB, n)
			case n > 0:
				a.printf("Using the demo company already in %s (organisation %q).\n\n", a.cfg.DB, org.Slug)
			default:
				if err := a.loadDemo(cmd, db, org, scale, seed); err != nil {
					return err
				}
			}
			if loadOnly {
				return nil
			}
			if err := a.demoLogin(ctx, db, org); err != nil {
				return err
			}
			return a.serve(ctx, db, sf)
		},
	}
	cmd.Flags().BoolVar(&loadOnly, "load-only", false, "load the demo company and exit")
	cmd.Flags().StringVar(&scale, "scale", "small", "size: small (a dozen reps), medium or large")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed; the same seed and RUMBO_NOW give the same company")
	a.registerServeFlags(cmd, &sf)
	return cmd
}

func recordCount(cmd *cobra.Command, db *sqlstore.DB, org *rumbo.Org) (int, error) {
	total := 0
	for _, e := range rumbo.Entities {
		n, err := db.Count(cmd.Context(), org.ID, e)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func (a *app) loadDemo(cmd *cobra.Command, db *sqlstore.DB, org *rumbo.Org, scale string, seed int64) error {
	ctx := cmd.Context()
	loc, err := org.Location()
	if err != nil {
		return err
	}
	start := time.Now()
	opts := demo.Options{Seed: seed, Scale: scale, Now: a.now(), Location: loc}
	var stats *demo.Stats
	err = db.Write(ctx, org.ID, rumbo.WriteOptions{Now: a.now()}, func(w rumbo.Writer) error {
		var err error
		stats, err = demo.Generate(ctx, w, opts)
		return err
	})
	if err != nil {
		return err
	}
	targets := demo.Targets(opts)
	for i := range targets {
		if err := db.SetTarget(ctx, org.ID, &targets[i]); err != nil {
			return err
		}
	}
	if err := a.demoOKRs(cmd, db, org); err != nil {
		return err
	}
	a.printf("Loaded the demo company into %s (organisation %q) in %s:\n", a.cfg.DB, org.Slug, time.Since(start).Round(time.Millisecond))
	for _, e := range rumbo.Entities {
		a.printf("  %-10s %d\n", e, stats.Counts[e])
	}
	a.printf("  %-10s %d\n\n", "targets", len(targets))
	return nil
}

// demoOKRs applies the article's template to the previous quarter and
// closes it with scores, applies it to the current quarter (the previous
// one as baseline), and records the weekly snapshots a daily job would
// have taken so far, so forecasts have a trend to follow.
func (a *app) demoOKRs(cmd *cobra.Command, db *sqlstore.DB, org *rumbo.Org) error {
	ctx := cmd.Context()
	loc, err := org.Location()
	if err != nil {
		return err
	}
	svc := a.okrService(db)
	now := a.now()
	cur := rumbo.PeriodOf(now.In(loc), rumbo.GrainQuarter, loc)
	prev := cur.Previous()
	if _, err := svc.ApplyTemplate(ctx, org, rumbo.SalesTemplateKey, "es", prev, ""); err != nil {
		return err
	}
	if _, err := svc.Close(ctx, org, prev, false); err != nil {
		return err
	}
	if _, err := svc.ApplyTemplate(ctx, org, rumbo.SalesTemplateKey, "es", cur, ""); err != nil {
		return err
	}
	for t := cur.Start.AddDate(0, 0, 7); t.Before(now); t = t.AddDate(0, 0, 7) {
		if _, err := svc.Snapshot(ctx, org, t); err != nil {
			return err
		}
	}
	return nil
}
