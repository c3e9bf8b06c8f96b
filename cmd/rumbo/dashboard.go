package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// headline lists the article's five KPIs, shown first (no analysis paralysis).
var headline = []string{"revenue", "conversion_rate", "sales_cycle_days", "avg_deal_value", "campaign_roi"}

func (a *app) dashboardCommand() *cobra.Command {
	var pf periodFlags
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Every KPI for a period with its target and health (the speedometer)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, org, err := a.openOrg(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := pf.resolve(org)
			if err != nil {
				return err
			}
			return a.printDashboard(cmd, db, org, p)
		},
	}
	pf.register(cmd)
	return cmd
}

// dashboardOrder puts the headline KPIs first, then the others as defined.
func dashboardOrder(defs []rumbo.KPIDef) []rumbo.KPIDef {
	byKey := map[string]rumbo.KPIDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	var out []rumbo.KPIDef
	for _, k := range headline {
		if d, ok := byKey[k]; ok {
			out = append(out, d)
			delete(byKey, k)
		}
	}
	for _, d := range defs {
		if _, ok := byKey[d.Key]; ok {
			out = append(out, d)
		}
	}
	return out
}

// printDashboard prints every KPI of the organisation for period p (nil: the
// quarter to date, point-in-time KPIs now).
func (a *app) printDashboard(cmd *cobra.Command, db *sqlstore.DB, org *rumbo.Org, p *rumbo.Period) error {
	ctx := cmd.Context()
	eng := a.engine(db)
	defs, err := eng.Definitions(ctx, org)
	if err != nil {
		return err
	}
	lang := a.lang()
	health := map[rumbo.Health]string{rumbo.HealthNone: "·", rumbo.HealthGreen: "● green", rumbo.HealthYellow: "● yellow", rumbo.HealthRed: "● red"}
	if lang == "es" {
		health = map[rumbo.Health]string{rumbo.HealthNone: "·", rumbo.HealthGreen: "● verde", rumbo.HealthYellow: "● amarillo", rumbo.HealthRed: "● rojo"}
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	head := "KPI\tPERIOD\tVALUE\tTARGET (PRO RATA)\tACHIEVED\tHEALTH"
	if lang == "es" {
		head = "KPI\tPERIODO\tVALOR\tOBJETIVO (PRORRATA)\tLOGRO\tSALUD"
	}
	fmt.Fprintln(tw, head)
	var asOf string
	var actions []string // playbooks of the KPIs that are off
	ordered := dashboardOrder(defs)
	queries := make([]metric.Query, len(ordered))
	for i, d := range ordered {
		queries[i] = metric.Query{Key: d.Key, Period: p}
	}
	// One batch: the engine reads what the KPIs share once.
	results, err := eng.ComputeAll(ctx, org, queries)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	for i, d := range ordered {
		if i == len(headline) {
			fmt.Fprintln(tw, "\t\t\t\t\t")
		}
		res := results[i]
		if !res.AsOf.IsZero() && (asOf == "" || res.AsOf.UTC().Format("2006-01-02 15:04 MST") > asOf) {
			asOf = res.AsOf.UTC().Format("2006-01-02 15:04 MST")
		}
		for _, row := range res.Rows {
			ach := "—"
			if row.Achievement != nil {
				ach = fmt.Sprintf("%.0f %%", *row.Achievement*100)
			}
			name := localName(d.Name, lang)
			if g := row.Group[res.By]; res.By != "" {
				name += " · " + orDefault(g, "—")
			}
			if pb := localName(d.Playbook, lang); pb != "" && (row.Health == rumbo.HealthYellow || row.Health == rumbo.HealthRed) {
				actions = append(actions, fmt.Sprintf("%s %s: %s", health[row.Health], name, pb))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, row.Period,
				withUnit(row.Value, org, lang), withUnit(row.ProRataTarget, org, lang), ach, health[row.Health])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(actions) > 0 {
		a.printf("\n%s\n", map[string]string{"es": "Qué hacer:", "en": "What to do:"}[lang])
		for _, act := range actions {
			a.printf("  %s\n", act)
		}
	}
	if asOf != "" {
		label := "Data as of"
		if lang == "es" {
			label = "Datos a"
		}
		a.printf("\n%s %s.\n", label, asOf)
	}
	return nil
}

// withUnit formats v for lang with its unit: "1.234,56 €", "39,3 días".
func withUnit(v *metric.Value, org *rumbo.Org, lang string) string {
	s := v.Format(lang)
	if v == nil || v.Rat == nil {
		return s
	}
	switch v.Unit {
	case metric.UnitMoney:
		sym := map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}[org.Currency]
		if sym == "" {
			sym = org.Currency
		}
		if lang == "es" {
			return s + " " + sym
		}
		return sym + s
	case metric.UnitDays:
		return s + map[string]string{"es": " días", "en": " days"}[lang]
	case metric.UnitHours:
		return s + " h"
	}
	return s
}
