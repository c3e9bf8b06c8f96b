package main

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func (a *app) targetCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Set, list and delete KPI targets",
	}
	cmd.AddCommand(a.targetSetCommand(), a.targetListCommand(), a.targetDeleteCommand())
	return cmd
}

// checkKPI returns an EINVALID error unless key names a KPI of the
// organisation, or when the key result kr (nil: none) cannot mean anything
// on it (rumbo.CheckMetricKR).
func (a *app) checkKPI(cmd *cobra.Command, db *sqlstore.DB, org *rumbo.Org, key string, kr *rumbo.KeyResult) error {
	defs, err := a.engine(db).Definitions(cmd.Context(), org)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if d.Key == key {
			if kr != nil {
				return rumbo.CheckMetricKR(*kr, d.Additive)
			}
			return nil
		}
	}
	return rumbo.Errorf(rumbo.EINVALID, "unknown KPI %q (see rumbo kpi list)", key)
}

// parseTargetValue reads "120000", "1250.50", "0.25" or "25%" exactly.
func parseTargetValue(s string) (*big.Rat, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSuffix(t, "%")
	r, ok := new(big.Rat).SetString(t)
	if !ok || strings.ContainsAny(t, "/eE") {
		return nil, rumbo.Errorf(rumbo.EINVALID, "target value %q is not a number (examples: 120000, 1250.50, 0.25, 25%%)", s)
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r, nil
}

func (a *app) targetSetCommand() *cobra.Command {
	var (
		pf                  periodFlags
		owner, team, market string
	)
	cmd := &cobra.Command{
		Use:   "set KPI VALUE --period P [--owner X | --team T | --market M]",
		Short: "Set the target of a KPI for a period, for the organisation or one owner, team or market",
		Long: `set stores a KPI target. Money is in currency units (120000), rates as fractions
or percentages (0.25 or 25%). A target for a longer period is split by days into
shorter ones; an unfinished period is compared pro rata for additive KPIs.`,
		Example: `  rumbo target set revenue 3000000 --period 2017-Q2
  rumbo target set win_rate 65% --period 2017 --team West`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			value, err := parseTargetValue(args[1])
			if err != nil {
				return err
			}
			t := &rumbo.Target{KPI: args[0], Value: value}
			n := 0
			for _, s := range []struct{ scope, v string }{{"owner", owner}, {"team", team}, {"market", market}} {
				if s.v != "" {
					t.Scope, t.ScopeValue = s.scope, s.v
					n++
				}
			}
			if n > 1 {
				return rumbo.Errorf(rumbo.EINVALID, "use one of --owner, --team or --market")
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := a.checkKPI(cmd, db, org, t.KPI, nil); err != nil {
				return err
			}
			p, err := pf.resolve(org)
			if err != nil {
				return err
			}
			if p == nil {
				return rumbo.Errorf(rumbo.EINVALID, "a target needs --period or --from/--to")
			}
			t.Period, t.Start, t.End = p.Label, p.Start.UTC(), p.End.UTC()
			if err := db.SetTarget(ctx, org.ID, t); err != nil {
				return err
			}
			a.printf("Target %d: %s = %s for %s%s.\n", t.ID, t.KPI, ratString(t.Value), t.Period, scopeText(t))
			return nil
		},
	}
	pf.register(cmd)
	cmd.Flags().StringVar(&owner, "owner", "", "the target of one rep (name)")
	cmd.Flags().StringVar(&team, "team", "", "the target of one team")
	cmd.Flags().StringVar(&market, "market", "", "the target of one market")
	return cmd
}

func scopeText(t *rumbo.Target) string {
	if t.Scope == "" {
		return ""
	}
	return fmt.Sprintf(" (%s %s)", t.Scope, t.ScopeValue)
}

// ratString prints an exact rational as a short decimal when it is one.
func ratString(r *big.Rat) string {
	for d := 0; d <= 12; d++ {
		s := r.FloatString(d)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return s
		}
	}
	return r.FloatString(12)
}

func (a *app) targetListCommand() *cobra.Command {
	var kpi string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List targets",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			ts, err := db.Targets(ctx, org.ID, kpi)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKPI\tPERIOD\tSCOPE\tVALUE")
			for i := range ts {
				t := &ts[i]
				scope := "organisation"
				if t.Scope != "" {
					scope = t.Scope + " " + t.ScopeValue
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.KPI, t.Period, scope, ratString(t.Value))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().StringVar(&kpi, "kpi", "", "only this KPI's targets")
	return cmd
}

func (a *app) targetDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a target by id (see target list)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return rumbo.Errorf(rumbo.EINVALID, "target id %q is not a number", args[0])
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.DeleteTarget(ctx, org.ID, id); err != nil {
				return err
			}
			a.printf("Deleted target %d.\n", id)
			return nil
		},
	}
}
