package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/okr"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// snapshotOKRs records a snapshot of every metric key result under way
// whose inputs were written at or after since: import and delete call it
// after a successful write. A failure is logged, not returned: the write
// itself succeeded.
func (a *app) snapshotOKRs(ctx context.Context, db *sqlstore.DB, org *rumbo.Org, since time.Time) {
	if _, err := a.okrService(db).SnapshotTouched(ctx, org, since); err != nil {
		a.logger.Warn("OKR snapshots after the write failed", "err", err)
	}
}

func (a *app) checkinCommand() *cobra.Command {
	var (
		value, comment, author string
		confidence, done       int
	)
	cmd := &cobra.Command{
		Use:   "checkin KR [--value V] [--confidence 0-10] [--comment TEXT] [--as EMAIL] [--done ITEM]",
		Short: "Record a check-in: a value (manual key results), a confidence, a comment",
		Long: `checkin records a progress update on a key result; check-ins are never rewritten.
--value sets a manual key result's current value (yes/no: yes or no); key results
measured from data take only a confidence and a comment. --done N marks item N
of a milestone key result done.`,
		Example: `  rumbo okr checkin 12 --value 40 --confidence 6 --comment "dos clientes retrasan" --as ana@example.com`,
		Args:    cobra.ExactArgs(1),
		RunE: a.withOrgID("key result", func(cmd *cobra.Command, id int64, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			kr, err := db.KeyResult(ctx, org.ID, id)
			if err != nil {
				return err
			}
			c := rumbo.CheckIn{KRID: id, Comment: comment, Author: author, At: a.now()}
			if cmd.Flags().Changed("confidence") {
				c.Confidence = &confidence
			}
			if cmd.Flags().Changed("value") {
				if kr.Kind != rumbo.KRManual {
					return rumbo.Errorf(rumbo.EINVALID, "key result %d is a %s key result measured from data; a check-in gives it a confidence and a comment, not a value", id, kr.Kind)
				}
				if c.Value, err = checkinValue(value, kr.Unit); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("done") {
				if kr.Kind != rumbo.KRMilestone || done < 1 || done > len(kr.Items) {
					return rumbo.Errorf(rumbo.EINVALID, "--done %d: key result %d has %d milestone items", done, id, len(kr.Items))
				}
				kr.Items[done-1].Done = true
				if err := db.UpdateKeyResult(ctx, org.ID, kr); err != nil {
					return err
				}
				if strings.TrimSpace(c.Comment) == "" {
					c.Comment = "done: " + kr.Items[done-1].Title
				}
			}
			if err := db.AddCheckIn(ctx, org.ID, &c); err != nil {
				return err
			}
			a.printf("Check-in %d on key result %d.\n", c.ID, id)
			return nil
		}),
	}
	cmd.Flags().StringVar(&value, "value", "", "the current value (manual key results)")
	cmd.Flags().IntVar(&confidence, "confidence", 0, "confidence of reaching the target, 0 to 10 (3 or less makes it at risk)")
	cmd.Flags().StringVar(&comment, "comment", "", "what happened")
	cmd.Flags().StringVar(&author, "as", "", "who checks in (e-mail or name)")
	cmd.Flags().IntVar(&done, "done", 0, "mark milestone item N (from 1) done")
	return cmd
}

// checkinValue reads a check-in value: yes/no for a yes/no key result,
// else an exact number ("40", "12.5", "25%").
func checkinValue(s string, unit rumbo.ManualUnit) (*big.Rat, error) {
	if unit == rumbo.ManualYesNo {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes", "y", "sí", "si", "true", "1":
			return big.NewRat(1, 1), nil
		case "no", "n", "false", "0":
			return new(big.Rat), nil
		}
		return nil, rumbo.Errorf(rumbo.EINVALID, "--value %q: a yes/no key result takes yes or no", s)
	}
	return number("value", s)
}

func (a *app) okrStatusCommand() *cobra.Command {
	var (
		pf     periodFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "status [--period P] [--format table|json]",
		Short: "The OKR tree with start, target, current, progress, expected, status and forecast",
		Long: `status shows the objectives whose period starts in the period (default: the
current quarter) with every key result measured now. It also records today's
snapshot of each metric key result that has none yet (once a day).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return rumbo.Errorf(rumbo.EINVALID, "--format %q: use table or json", format)
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := a.okrPeriod(&pf, org)
			if err != nil {
				return err
			}
			st, err := a.okrService(db).Status(ctx, org, p)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return a.writeStatus(st, p)
		},
	}
	pf.register(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

// writeStatus prints the status tree as a table.
func (a *app) writeStatus(st *rumbo.OKRStatus, p rumbo.Period) error {
	if len(st.Objectives) == 0 {
		a.printf("No objectives in %s. Create them with: rumbo okr template apply ventas --period %s\n", p.Label, p.Label)
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tKIND\tSTART\tTARGET\tCURRENT\tPROGRESS\tEXPECTED\tSTATUS\tFORECAST\tSCORE\tSOURCE")
	for _, o := range st.Objectives {
		fmt.Fprintf(tw, "O%d\t%s\t%s\t\t\t\t%s\t\t%s\t\t%s\t\n", o.ID, short(o.Title, 48), o.Period, pct(o.Progress),
			statusText(o.Status), scoreText(o.Score))
		for _, k := range o.KeyResults {
			fmt.Fprintf(tw, "  KR%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, short(k.Title, 46), k.Kind,
				num(k.Start), num(k.Target), num(k.Current), pct(k.Progress), pct(k.Expected), statusText(k.Status),
				num(k.Forecast), scoreText(k.Score), k.Source)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, o := range st.Objectives {
		for _, k := range o.KeyResults {
			if k.Reason != "" {
				a.printf("KR%d: %s\n", k.ID, k.Reason)
			}
		}
	}
	return nil
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" }

func num(f *float64) string {
	if f == nil {
		return "—"
	}
	s := strconv.FormatFloat(*f, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func scoreText(s *float64) string {
	if s == nil {
		return "—"
	}
	return strconv.FormatFloat(*s, 'f', 2, 64)
}

func statusText(s rumbo.TrackStatus) string {
	return map[rumbo.TrackStatus]string{rumbo.OnTrack: "on track", rumbo.AtRisk: "at risk", rumbo.OffTrack: "off track"}[s]
}

func (a *app) okrCloseCommand() *cobra.Command {
	var (
		pf    periodFlags
		force bool
	)
	cmd := &cobra.Command{
		Use:   "close --period P [--force]",
		Short: "Score the objectives of an ended period (0.0–1.0 per key result and objective)",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			p, err := a.okrPeriod(&pf, org)
			if err != nil {
				return err
			}
			objs, err := a.okrService(db).Close(ctx, org, p, force)
			if err != nil {
				return err
			}
			lang := a.lang()
			for _, o := range objs {
				a.printf("O%d %.2f  %s — %s\n", o.ID, *o.Score, o.Title, rumbo.GradeText(*o.Score, o.Type, lang))
				for _, k := range o.KeyResults {
					a.printf("  KR%d %.2f  %s\n", k.ID, *k.Score, k.Title)
				}
			}
			return nil
		}),
	}
	pf.register(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "score a period that has not ended yet")
	return cmd
}

func (a *app) okrScoreCommand() *cobra.Command {
	var (
		override float64
		note     string
	)
	cmd := &cobra.Command{
		Use:   "score KR_OR_OBJECTIVE --override 0.8 --note TEXT",
		Short: "Override a score with a note (O3 is objective 3; 12 or KR12 is key result 12)",
		Long: `score records a manual score from 0.0 to 1.0 with a note saying why. The
computed score is kept beside it; an overridden key result counts with its
override in its objective's score.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("override") {
				return rumbo.Errorf(rumbo.EINVALID, "--override is required")
			}
			ref := strings.ToUpper(strings.TrimSpace(args[0]))
			objective := strings.HasPrefix(ref, "O")
			id, err := parseID("key result or objective", strings.TrimPrefix(strings.TrimPrefix(ref, "O"), "KR"))
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := a.okrService(db).Override(ctx, org, objective, id, override, note); err != nil {
				return err
			}
			noun := "key result"
			if objective {
				noun = "objective"
			}
			a.printf("Score of %s %d overridden: %.2f (%s).\n", noun, id, override, note)
			return nil
		},
	}
	cmd.Flags().Float64Var(&override, "override", 0, "the score shown, 0.0 to 1.0")
	cmd.Flags().StringVar(&note, "note", "", "why (required)")
	return cmd
}

func (a *app) okrSnapshotCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "snapshot",
		Short: "Record today's snapshot of every metric key result under way (once a day)",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			n, err := a.okrService(db).Snapshot(ctx, org, a.now())
			if err != nil {
				return err
			}
			a.printf("Recorded %d snapshots.\n", n)
			return nil
		}),
	}
}

func (a *app) templateListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the OKR templates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, t := range okr.Templates() {
				a.printf("%s\t%d objectives, %d key results\t%s\n", t.Key, t.Objectives, t.KeyResults, t.Title[a.lang()])
			}
			return nil
		},
	}
}

func (a *app) templateApplyCommand() *cobra.Command {
	var (
		pf          periodFlags
		owner, lang string
	)
	cmd := &cobra.Command{
		Use:   "apply TEMPLATE [--period P] [--owner TEAM] [--lang es|en]",
		Short: "Create a template's objectives and key results for a period, bound to the data",
		Example: `  rumbo okr template apply ventas --period 2026-Q1
  rumbo okr template apply ventas --period 2026-Q1 --owner West --lang en`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lang != "es" && lang != "en" {
				return rumbo.Errorf(rumbo.EINVALID, "--lang %q: use es or en", lang)
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := a.okrPeriod(&pf, org)
			if err != nil {
				return err
			}
			objs, err := a.okrService(db).ApplyTemplate(ctx, org, args[0], lang, p, owner)
			if err != nil {
				return err
			}
			for _, o := range objs {
				a.printf("Objective %d: %s (%s)\n", o.ID, o.Title, p.Label)
				for _, k := range o.KeyResults {
					a.printf("  KR %d: %s\n", k.ID, k.Title)
				}
			}
			return nil
		},
	}
	pf.register(cmd)
	cmd.Flags().StringVar(&owner, "owner", "", "the team that owns the objectives (default: the organisation)")
	cmd.Flags().StringVar(&lang, "lang", "es", "language of the texts: es or en")
	return cmd
}

func (a *app) excludeWeekCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "exclude-week WEEK...",
		Short:   "Leave ISO weeks (holidays) out of rate and guardrail key results",
		Example: `  rumbo okr exclude-week 2026-W15 2026-W52`,
		Args:    cobra.MinimumNArgs(1),
		RunE: a.withOrg(func(cmd *cobra.Command, weeks []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			for _, w := range weeks {
				if err := db.ExcludeWeek(ctx, org.ID, w); err != nil {
					return err
				}
			}
			a.printf("Excluded %s.\n", strings.Join(weeks, ", "))
			return nil
		}),
	}
}

func (a *app) includeWeekCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "include-week WEEK",
		Short: "Count an excluded week again",
		Args:  cobra.ExactArgs(1),
		RunE: a.withOrg(func(cmd *cobra.Command, args []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			if err := db.IncludeWeek(ctx, org.ID, args[0]); err != nil {
				return err
			}
			a.printf("Included %s.\n", args[0])
			return nil
		}),
	}
}

func (a *app) weeksCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "excluded-weeks",
		Short: "List the excluded weeks",
		Args:  cobra.NoArgs,
		RunE: a.withOrg(func(cmd *cobra.Command, _ []string, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			weeks, err := db.ExcludedWeeks(ctx, org.ID)
			if err != nil {
				return err
			}
			for _, w := range weeks {
				a.printf("%s\n", w)
			}
			return nil
		}),
	}
}
