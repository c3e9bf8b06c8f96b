package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// periodFlags are the flags that choose a period, shared by kpi and dashboard.
type periodFlags struct {
	period, from, to string
}

func (p *periodFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.period, "period", "", "period: 2017, 2017-Q2, 2017-05, 2017-W14 or 2017-05-03 (default: now for point-in-time KPIs, else the quarter to date)")
	cmd.Flags().StringVar(&p.from, "from", "", "first day of an inclusive range (with --to)")
	cmd.Flags().StringVar(&p.to, "to", "", "last day of an inclusive range (with --from)")
}

// resolve returns the chosen period in the organisation's zone, or nil for
// the default.
func (p *periodFlags) resolve(org *rumbo.Org) (*rumbo.Period, error) {
	loc, err := org.Location()
	if err != nil {
		return nil, err
	}
	switch {
	case p.period != "" && (p.from != "" || p.to != ""):
		return nil, rumbo.Errorf(rumbo.EINVALID, "use --period or --from/--to, not both")
	case p.period != "":
		per, err := rumbo.ParsePeriod(p.period, loc)
		return &per, err
	case p.from != "" || p.to != "":
		if p.from == "" || p.to == "" {
			return nil, rumbo.Errorf(rumbo.EINVALID, "--from and --to go together")
		}
		per, err := rumbo.RangePeriod(p.from, p.to, loc)
		return &per, err
	}
	return nil, nil
}

func (a *app) lang() string {
	for _, v := range []string{a.getenv("RUMBO_LANG"), a.getenv("LANG")} {
		if strings.HasPrefix(v, "es") {
			return "es"
		} else if v != "" && v != "C" && v != "C.UTF-8" && v != "POSIX" {
			return "en"
		}
	}
	return "en"
}

func (a *app) kpiCommand() *cobra.Command {
	var (
		pf        periodFlags
		grain, by string
		filters   []string
		format    string
	)
	cmd := &cobra.Command{
		Use:   "kpi KEY",
		Short: "Compute a KPI for a period, as a series or broken down",
		Long: `kpi computes one KPI (see "rumbo kpi list") for a period, optionally as a
series over a grain and broken down by a dimension: owner, team (the owner's
current team), market, channel, campaign, type or a custom field.
Definitions: docs/kpis.md.`,
		Example: `  rumbo kpi revenue --period 2017-Q2 --by team
  rumbo kpi win_rate --period 2017 --grain quarter --format json
  rumbo kpi activities --filter type=follow_up_call --grain week`,
		Args: cobra.ExactArgs(1),
		RunE: a.withOrg(func(cmd *cobra.Command, args []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			p, err := pf.resolve(org)
			if err != nil {
				return err
			}
			q := metric.Query{Key: args[0], Period: p, Grain: rumbo.Grain(grain), By: by}
			for _, f := range filters {
				k, v, ok := strings.Cut(f, "=")
				if !ok || k == "" {
					return rumbo.Errorf(rumbo.EINVALID, "--filter %q: expected FIELD=VALUE", f)
				}
				q.Filters = append(q.Filters, metric.Filter{Field: k, Value: v})
			}
			res, err := a.engine(db).Compute(ctx, org, q)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			case "csv":
				return res.WriteCSV(a.stdout)
			case "table":
				return res.WriteTable(a.stdout, a.lang())
			}
			return rumbo.Errorf(rumbo.EINVALID, "--format %q: use table, json or csv", format)
		}),
	}
	pf.register(cmd)
	cmd.Flags().StringVar(&grain, "grain", "", "series grain: day, week, month, quarter or year (default: the whole period)")
	cmd.Flags().StringVar(&by, "by", "", "break down by owner, team, market, channel, campaign, type or a custom field")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "filter FIELD=VALUE (repeatable)")
	cmd.Flags().StringVar(&format, "format", "table", "output: table, json or csv")
	cmd.AddCommand(a.kpiListCommand(), a.kpiApplyCommand(), a.kpiExportCommand(), a.kpiBandsCommand())
	return cmd
}

func (a *app) kpiListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List KPI definitions, built-in and custom",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			defs, err := a.engine(db).Definitions(ctx, org)
			if err != nil {
				return err
			}
			lang := a.lang()
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tNAME\tUNIT\tKIND\tDIRECTION")
			for _, d := range defs {
				kind := "non-additive"
				if d.Additive {
					kind = "additive"
				}
				dir := "higher is better"
				if d.LowerIsBetter {
					dir = "lower is better"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Key, localName(d.Name, lang), d.Unit, kind, dir)
			}
			return tw.Flush()
		}),
	}
}

// localName picks the name in lang, falling back to the other language.
func localName(names map[string]string, lang string) string {
	if n := names[lang]; n != "" {
		return n
	}
	if n := names["en"]; n != "" {
		return n
	}
	return names["es"]
}

// kpiFile is the YAML document of custom KPI definitions.
type kpiFile struct {
	KPIs []rumbo.KPIDef `yaml:"kpis"`
}

func (a *app) kpiApplyCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "apply -f FILE.yaml",
		Short: "Create or replace custom KPIs from a YAML file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := os.ReadFile(file)
			if err != nil {
				return rumbo.Errorf(rumbo.EINVALID, "%s: %v", file, err)
			}
			var doc kpiFile
			dec := yaml.NewDecoder(strings.NewReader(string(data)))
			dec.KnownFields(true)
			if err := dec.Decode(&doc); err != nil {
				return rumbo.Errorf(rumbo.EINVALID, "%s: %v", file, err)
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			existing, err := db.CustomKPIs(ctx, org.ID)
			if err != nil {
				return err
			}
			// Validate against the stored KPIs and the file's own, so a file
			// may define KPIs that refer to each other.
			all := append(existing, doc.KPIs...)
			for _, d := range doc.KPIs {
				if err := metric.Validate(d, all); err != nil {
					return rumbo.Errorf(rumbo.EINVALID, "%s: %s", file, rumbo.ErrorMessage(err))
				}
			}
			for i := range doc.KPIs {
				if err := db.SaveKPI(ctx, org.ID, &doc.KPIs[i]); err != nil {
					return err
				}
			}
			a.printf("Applied %d custom KPIs from %s.\n", len(doc.KPIs), file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "YAML file with a kpis: list")
	cmd.MarkFlagRequired("file")
	return cmd
}

func (a *app) kpiExportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Print the custom KPI definitions as YAML (for version control)",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			defs, err := db.CustomKPIs(ctx, org.ID)
			if err != nil {
				return err
			}
			enc := yaml.NewEncoder(a.stdout)
			enc.SetIndent(2)
			if err := enc.Encode(kpiFile{KPIs: defs}); err != nil {
				return err
			}
			return enc.Close()
		}),
	}
}

func (a *app) kpiBandsCommand() *cobra.Command {
	var b rumbo.Bands
	cmd := &cobra.Command{
		Use:   "bands KEY",
		Short: "Set a KPI's health bands (default green ≥ 1.0, yellow ≥ 0.9 of the target)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if b.Yellow > b.Green && !b.Absolute {
				return rumbo.Errorf(rumbo.EINVALID, "--yellow %g is above --green %g", b.Yellow, b.Green)
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := a.checkKPI(cmd, db, org, args[0], nil); err != nil {
				return err
			}
			if err := db.SetBands(ctx, org.ID, args[0], b); err != nil {
				return err
			}
			a.printf("Bands of %s: green ≥ %g, yellow ≥ %g%s.\n", args[0], b.Green, b.Yellow, map[bool]string{true: " (absolute values)", false: " (of the target)"}[b.Absolute])
			return nil
		},
	}
	cmd.Flags().Float64Var(&b.Green, "green", rumbo.DefaultBands.Green, "green at or above this achievement (or value with --absolute)")
	cmd.Flags().Float64Var(&b.Yellow, "yellow", rumbo.DefaultBands.Yellow, "yellow at or above this achievement (or value with --absolute)")
	cmd.Flags().BoolVar(&b.Absolute, "absolute", false, "compare the value itself, not value ÷ target")
	return cmd
}
