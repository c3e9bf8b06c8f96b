package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/okr"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func (a *app) okrCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "okr",
		Short: "Objectives and key results driven by the KPIs (docs/okrs.md)",
		Long: `okr manages objectives and their key results, check-ins, scores and the
article's template, and shows the status tree against the elapsed share of the
period. --period defaults to the current quarter. Rules: docs/okrs.md.`,
	}
	obj := &cobra.Command{Use: "objective", Short: "Add, list, show, edit and delete objectives"}
	obj.AddCommand(a.objectiveAddCommand(), a.objectiveListCommand(), a.objectiveShowCommand(),
		a.objectiveEditCommand(), a.objectiveDeleteCommand())
	kr := &cobra.Command{Use: "kr", Short: "Add, edit and delete key results"}
	kr.AddCommand(a.krAddCommand(), a.krEditCommand(), a.krDeleteCommand())
	tpl := &cobra.Command{Use: "template", Short: "List and apply OKR templates"}
	tpl.AddCommand(a.templateListCommand(), a.templateApplyCommand())
	cmd.AddCommand(obj, kr, tpl, a.checkinCommand(), a.okrStatusCommand(), a.okrCloseCommand(),
		a.okrScoreCommand(), a.okrSnapshotCommand(), a.excludeWeekCommand(), a.includeWeekCommand(), a.weeksCommand())
	return cmd
}

// okrService returns the OKR service on the store with the app's clock.
func (a *app) okrService(db *sqlstore.DB) *okr.Service {
	return okr.New(db, a.now)
}

// okrPeriod returns the period chosen by the flags, or the current quarter.
func (a *app) okrPeriod(pf *periodFlags, org *rumbo.Org) (rumbo.Period, error) {
	p, err := pf.resolve(org)
	if err != nil || p != nil {
		if p == nil {
			return rumbo.Period{}, err
		}
		return *p, err
	}
	loc, err := org.Location()
	if err != nil {
		return rumbo.Period{}, err
	}
	return rumbo.PeriodOf(a.now().In(loc), rumbo.GrainQuarter, loc), nil
}

// parseID reads a numeric id.
func parseID(noun, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, rumbo.Errorf(rumbo.EINVALID, "%s id %q is not a number", noun, s)
	}
	return id, nil
}

// objectiveFlags are the flags of objective add and edit.
type objectiveFlags struct {
	title, description, ownerTeam, ownerPerson, typ string
	ownerOrg                                        bool
	parent                                          int64
	pf                                              periodFlags
}

func (f *objectiveFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.title, "title", "", "the objective, in words")
	cmd.Flags().StringVar(&f.description, "description", "", "why it matters")
	cmd.Flags().StringVar(&f.ownerTeam, "owner-team", "", "owned by this team")
	cmd.Flags().StringVar(&f.ownerPerson, "owner-person", "", "owned by this person")
	cmd.Flags().BoolVar(&f.ownerOrg, "owner-org", false, "owned by the whole organisation (the default)")
	cmd.Flags().StringVar(&f.typ, "type", "committed", "committed (expected to reach 1.0) or aspirational (0.7 is good)")
	cmd.Flags().Int64Var(&f.parent, "parent", 0, "id of the objective this one aligns with")
	f.pf.register(cmd)
}

// apply sets the flags given (all of them when changed is nil) on o.
func (f *objectiveFlags) apply(a *app, cmd *cobra.Command, org *rumbo.Org, o *rumbo.Objective) error {
	set := func(name string) bool { return cmd.Flags().Changed(name) }
	if set("title") {
		o.Title = f.title
	}
	if set("description") {
		o.Description = f.description
	}
	switch {
	case set("owner-team"):
		o.OwnerKind, o.Owner = rumbo.OwnerTeam, f.ownerTeam
	case set("owner-person"):
		o.OwnerKind, o.Owner = rumbo.OwnerPerson, f.ownerPerson
	case set("owner-org") || o.OwnerKind == "":
		o.OwnerKind, o.Owner = rumbo.OwnerOrg, ""
	}
	if set("type") || o.Type == "" {
		o.Type = rumbo.ObjectiveType(f.typ)
	}
	if set("parent") {
		o.ParentID = f.parent
	}
	if set("period") || set("from") || set("to") || o.Period.Start.IsZero() {
		p, err := a.okrPeriod(&f.pf, org)
		if err != nil {
			return err
		}
		o.Period = p
	}
	return nil
}

func (a *app) objectiveAddCommand() *cobra.Command {
	var f objectiveFlags
	cmd := &cobra.Command{
		Use:     "add --title T [--owner-team T | --owner-person P] [--period P] [--type committed|aspirational] [--parent ID]",
		Short:   "Add an objective (then add 1 to 5 key results with okr kr add)",
		Example: `  rumbo okr objective add --title "Expandir el alcance a nuevos mercados" --type aspirational --period 2026-Q2`,
		Args:    cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			var o rumbo.Objective
			if err := f.apply(a, cmd, org, &o); err != nil {
				return err
			}
			if err := db.CreateObjective(ctx, org.ID, &o); err != nil {
				return err
			}
			a.printf("Objective %d: %s (%s). Add its key results with: rumbo okr kr add %d --kind ...\n", o.ID, o.Title, o.Period.Label, o.ID)
			return nil
		}),
	}
	f.register(cmd)
	return cmd
}

func (a *app) objectiveEditCommand() *cobra.Command {
	var f objectiveFlags
	cmd := &cobra.Command{
		Use:   "edit ID [--title T] [--description D] [--owner-team T | --owner-person P | --owner-org] [--type T] [--parent ID] [--period P]",
		Short: "Change an objective's fields",
		Args:  cobra.ExactArgs(1),
		RunE: a.withOrgID("objective", func(cmd *cobra.Command, id int64, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			o, err := db.Objective(ctx, org.ID, id)
			if err != nil {
				return err
			}
			if err := f.apply(a, cmd, org, o); err != nil {
				return err
			}
			if err := db.UpdateObjective(ctx, org.ID, o); err != nil {
				return err
			}
			a.printf("Objective %d updated.\n", o.ID)
			return nil
		}),
	}
	f.register(cmd)
	return cmd
}

func (a *app) objectiveListCommand() *cobra.Command {
	var (
		pf  periodFlags
		all bool
	)
	cmd := &cobra.Command{
		Use:   "list [--period P | --all]",
		Short: "List the objectives of a period (default: the current quarter)",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			var pp *rumbo.Period
			if !all {
				p, err := a.okrPeriod(&pf, org)
				if err != nil {
					return err
				}
				pp = &p
			}
			objs, err := db.Objectives(ctx, org.ID, pp)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPERIOD\tTYPE\tOWNER\tKRS\tPARENT\tTITLE")
			for _, o := range objs {
				parent := "—"
				if o.ParentID != 0 {
					parent = strconv.FormatInt(o.ParentID, 10)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", o.ID, o.Period.Label, o.Type, ownerText(o), len(o.KeyResults), parent, o.Title)
			}
			return tw.Flush()
		}),
	}
	pf.register(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "every period")
	return cmd
}

func ownerText(o rumbo.Objective) string {
	if o.OwnerKind == rumbo.OwnerOrg {
		return "organisation"
	}
	return string(o.OwnerKind) + " " + o.Owner
}

func (a *app) objectiveShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an objective and its key results with their settings",
		Args:  cobra.ExactArgs(1),
		RunE: a.withOrgID("objective", func(cmd *cobra.Command, id int64, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			o, err := db.Objective(ctx, org.ID, id)
			if err != nil {
				return err
			}
			a.printf("Objective %d: %s\n  period %s, %s, owner %s", o.ID, o.Title, o.Period.Label, o.Type, ownerText(*o))
			if o.ParentID != 0 {
				a.printf(", aligned with objective %d", o.ParentID)
			}
			a.printf("\n")
			if o.Description != "" {
				a.printf("  %s\n", o.Description)
			}
			if o.Score != nil || o.ScoreOverride != nil {
				a.printf("  score %s\n", scoreLine(o.Score, o.ScoreOverride, o.ScoreNote))
			}
			for _, kr := range o.KeyResults {
				a.printf("  KR %d [%s] %s\n    %s\n", kr.ID, kr.Kind, kr.Title, krSettings(kr))
				if kr.Score != nil || kr.ScoreOverride != nil {
					a.printf("    score %s\n", scoreLine(kr.Score, kr.ScoreOverride, kr.ScoreNote))
				}
			}
			return nil
		}),
	}
}

func scoreLine(score, override *float64, note string) string {
	s := "—"
	if score != nil {
		s = strconv.FormatFloat(*score, 'f', 2, 64)
	}
	if override != nil {
		return fmt.Sprintf("%s (computed %s; %s)", strconv.FormatFloat(*override, 'f', 2, 64), s, note)
	}
	return s
}

func (a *app) objectiveDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an objective with its key results, check-ins and snapshots",
		Args:  cobra.ExactArgs(1),
		RunE: a.withOrgID("objective", func(cmd *cobra.Command, id int64, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			if err := db.DeleteObjective(ctx, org.ID, id); err != nil {
				return err
			}
			a.printf("Deleted objective %d.\n", id)
			return nil
		}),
	}
}
