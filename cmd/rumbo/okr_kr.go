package main

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// krFlags are the flags of kr add and kr edit.
type krFlags struct {
	title, kind, kpi, team, owner, market, baseline, change, target, start string
	rate, mode, segmentBy, segments, segmentsFrom, perSegment, unit        string
	items, milestoneFrom, above, below                                     string
	filters                                                                []string
	weight                                                                 float64
	milestoneTarget                                                        int
	points, decrease, perRep                                               bool
}

func (f *krFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.title, "title", "", "the key result, in words")
	fl.StringVar(&f.kind, "kind", "", "metric, rate, segment, manual, milestone or guardrail")
	fl.Float64Var(&f.weight, "weight", 1, "weight in the objective's progress")
	fl.StringVar(&f.kpi, "kpi", "", "the KPI it is measured by (metric, rate, segment, guardrail; see rumbo kpi list)")
	fl.StringVar(&f.team, "team", "", "scope: only this team's records")
	fl.StringVar(&f.owner, "owner", "", "scope: only this rep's records")
	fl.StringVar(&f.market, "market", "", "scope: only this market's records")
	fl.StringArrayVar(&f.filters, "filter", nil, "FIELD=VALUE filter on the KPI, e.g. type=follow_up_call (repeatable)")
	fl.StringVar(&f.baseline, "baseline", "", "previous_quarter, same_quarter_last_year or none (default previous_quarter with --change)")
	fl.StringVar(&f.change, "change", "", "change from the baseline: 20% (relative), or with --points 0.10 (points of the KPI's unit)")
	fl.BoolVar(&f.points, "points", false, "--change is in the KPI's unit (percentage points of a rate)")
	fl.BoolVar(&f.decrease, "decrease", false, "lower is better: the change goes down (response time −30%)")
	fl.StringVar(&f.target, "target", "", "absolute target (metric), or the target of a manual key result")
	fl.StringVar(&f.start, "start", "", "start value of a manual key result")
	fl.StringVar(&f.rate, "rate", "", "weekly rate of a rate key result (else --change on the baseline's average weekly rate)")
	fl.BoolVar(&f.perRep, "per-rep", false, "rate per active rep instead of the scope's total")
	fl.StringVar(&f.mode, "mode", "", "rate mode: weeks_met (default) or average")
	fl.StringVar(&f.segmentBy, "segment-by", "market", "dimension of a segment key result")
	fl.StringVar(&f.segments, "segments", "", "comma-separated segments")
	fl.StringVar(&f.segmentsFrom, "segments-from", "", "segments from the data: new_markets")
	fl.StringVar(&f.perSegment, "per-segment", "", "target for each segment")
	fl.StringVar(&f.unit, "unit", "", "manual unit: number, percent, currency or yesno")
	fl.StringVar(&f.items, "items", "", "milestone items, separated by ';'")
	fl.StringVar(&f.milestoneFrom, "milestone-from", "", "milestone done count from the data: new_markets_analysed")
	fl.IntVar(&f.milestoneTarget, "milestone-target", 0, "N in min(done, N) ÷ N (default: the number of items)")
	fl.StringVar(&f.above, "above", "", "guardrail: each week's value must be at least this")
	fl.StringVar(&f.below, "below", "", "guardrail: each week's value must be at most this")
}

// number parses a flag value exactly ("120000", "0.25", "25%"); "" is nil.
func number(name, s string) (*big.Rat, error) {
	if s == "" {
		return nil, nil
	}
	r, err := parseTargetValue(s)
	if err != nil {
		return nil, rumbo.Errorf(rumbo.EINVALID, "--%s: %s", name, rumbo.ErrorMessage(err))
	}
	return r, nil
}

// apply sets the flags given on kr. A change to what decides a metric's or
// rate's target unfreezes it, so it is resolved again.
func (f *krFlags) apply(cmd *cobra.Command, kr *rumbo.KeyResult) error {
	set := cmd.Flags().Changed
	var err error
	parse := func(name, s string) *big.Rat {
		r, e := number(name, s)
		if e != nil && err == nil {
			err = e
		}
		return r
	}
	if set("title") {
		kr.Title = f.title
	}
	if set("kind") {
		kr.Kind = rumbo.KRKind(f.kind)
	}
	if set("weight") || kr.Weight == 0 {
		kr.Weight = f.weight
	}
	if set("kpi") {
		kr.KPI = f.kpi
	}
	for _, s := range []struct{ flag, scope, v string }{{"team", "team", f.team}, {"owner", "owner", f.owner}, {"market", "market", f.market}} {
		if set(s.flag) {
			kr.Scope, kr.ScopeValue = s.scope, s.v
			if s.v == "" {
				kr.Scope = ""
			}
		}
	}
	if set("filter") {
		kr.Filters = map[string]string{}
		for _, fv := range f.filters {
			k, v, ok := strings.Cut(fv, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return rumbo.Errorf(rumbo.EINVALID, "--filter %q: use FIELD=VALUE", fv)
			}
			kr.Filters[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	unfreeze := false
	if set("decrease") {
		kr.Direction, unfreeze = rumbo.Increase, true
		if f.decrease {
			kr.Direction = rumbo.Decrease
		}
	}
	if set("baseline") {
		kr.Baseline, unfreeze = rumbo.BaselineSource(f.baseline), true
	}
	if set("change") {
		kr.Change, kr.ChangeKind, unfreeze = parse("change", f.change), rumbo.ChangeRelative, true
		if f.points {
			kr.ChangeKind = rumbo.ChangePoints
		}
		if kr.Baseline == "" {
			kr.Baseline = rumbo.BaselinePreviousQuarter
		}
	}
	if set("target") {
		if kr.Kind == rumbo.KRMetric {
			kr.Change, kr.ChangeKind, unfreeze = parse("target", f.target), rumbo.ChangeAbsolute, true
			if kr.Baseline == "" {
				kr.Baseline = rumbo.BaselineNone
			}
		} else {
			kr.Target = parse("target", f.target)
		}
	}
	if set("start") {
		kr.Start = parse("start", f.start)
	}
	if set("rate") {
		kr.Rate = parse("rate", f.rate)
	} else if unfreeze && kr.Kind == rumbo.KRRate {
		kr.Rate = nil
	}
	if unfreeze && kr.Kind == rumbo.KRMetric {
		kr.BaselineValue, kr.Start, kr.Target = nil, nil, nil
		kr.BaselineResolvedAt = time.Time{}
	}
	if set("per-rep") {
		kr.PerRep = f.perRep
	}
	if set("mode") {
		kr.RateMode = rumbo.RateMode(f.mode)
	}
	if set("segment-by") || (kr.Kind == rumbo.KRSegment && kr.SegmentBy == "") {
		kr.SegmentBy = f.segmentBy
	}
	if set("segments") {
		kr.Segments = splitList(f.segments, ",")
	}
	if set("segments-from") {
		kr.SegmentSource = f.segmentsFrom
	}
	if set("per-segment") {
		kr.SegmentTarget = parse("per-segment", f.perSegment)
	}
	if set("unit") {
		kr.Unit = rumbo.ManualUnit(f.unit)
	}
	if set("items") {
		kr.Items = nil
		for _, t := range splitList(f.items, ";") {
			kr.Items = append(kr.Items, rumbo.MilestoneItem{Title: t})
		}
	}
	if set("milestone-from") {
		kr.MilestoneSource = f.milestoneFrom
	}
	if set("milestone-target") {
		kr.MilestoneTarget = f.milestoneTarget
	}
	if set("above") || set("below") {
		kr.Min, kr.Max = parse("above", f.above), parse("below", f.below)
		switch {
		case kr.Min != nil && kr.Max != nil:
			kr.Op = rumbo.GuardWithin
		case kr.Min != nil:
			kr.Op = rumbo.GuardAbove
		default:
			kr.Op = rumbo.GuardBelow
		}
	}
	return err
}

func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (a *app) krAddCommand() *cobra.Command {
	var f krFlags
	cmd := &cobra.Command{
		Use:   "add OBJECTIVE_ID --kind KIND --title T [flags of the kind]",
		Short: "Add a key result to an objective",
		Example: `  rumbo okr kr add 1 --kind metric --title "Ingresos +20 %" --kpi revenue --change 20%
  rumbo okr kr add 1 --kind metric --title "Tiempo de respuesta −30 %" --kpi response_time --change 30% --decrease
  rumbo okr kr add 1 --kind rate --title "3 presentaciones a la semana" --kpi activities --filter type=presentation --rate 3
  rumbo okr kr add 2 --kind segment --title "2 ventas por mercado nuevo" --kpi new_market_sales --segments-from new_markets --per-segment 2
  rumbo okr kr add 2 --kind manual --title "NPS" --unit number --start 30 --target 45
  rumbo okr kr add 2 --kind milestone --title "Lanzar" --items "Precio;Web;Campaña"
  rumbo okr kr add 3 --kind guardrail --title "CSAT ≥ 4,2" --kpi csat --above 4.2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("objective", args[0])
			if err != nil {
				return err
			}
			kr := rumbo.KeyResult{ObjectiveID: id}
			if err := f.apply(cmd, &kr); err != nil {
				return err
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if kr.KPI != "" {
				if err := a.checkKPI(cmd, db, org, kr.KPI, &kr); err != nil {
					return err
				}
			}
			if err := db.CreateKeyResult(ctx, org.ID, &kr); err != nil {
				return err
			}
			a.printf("Key result %d: %s.\n", kr.ID, kr.Title)
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func (a *app) krEditCommand() *cobra.Command {
	var f krFlags
	cmd := &cobra.Command{
		Use:   "edit KR [flags of kr add]",
		Short: "Change a key result (a new change, target or baseline is resolved again)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withOrgID("key result", func(cmd *cobra.Command, id int64, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			kr, err := db.KeyResult(ctx, org.ID, id)
			if err != nil {
				return err
			}
			if err := f.apply(cmd, kr); err != nil {
				return err
			}
			if kr.KPI != "" {
				if err := a.checkKPI(cmd, db, org, kr.KPI, kr); err != nil {
					return err
				}
			}
			if err := db.UpdateKeyResult(ctx, org.ID, kr); err != nil {
				return err
			}
			a.printf("Key result %d updated.\n", kr.ID)
			return nil
		}),
	}
	f.register(cmd)
	return cmd
}

func (a *app) krDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "delete KR",
		Short: "Delete a key result with its check-ins and snapshots",
		Args:  cobra.ExactArgs(1),
		RunE: a.withOrgID("key result", func(cmd *cobra.Command, id int64, db *sqlstore.DB, org *rumbo.Org) error {
			ctx := cmd.Context()
			if err := db.DeleteKeyResult(ctx, org.ID, id); err != nil {
				return err
			}
			a.printf("Deleted key result %d.\n", id)
			return nil
		}),
	}
}

// krSettings describes a key result's binding and numbers in one line.
func krSettings(kr rumbo.KeyResult) string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	num := func(r *big.Rat) string {
		if r == nil {
			return "—"
		}
		return ratString(r)
	}
	if kr.KPI != "" {
		add("kpi %s", kr.KPI)
	}
	if kr.Scope != "" {
		add("%s %s", kr.Scope, kr.ScopeValue)
	}
	var keys []string
	for k := range kr.Filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("%s=%s", k, kr.Filters[k])
	}
	if kr.Weight != 0 && kr.Weight != 1 {
		add("weight %g", kr.Weight)
	}
	switch kr.Kind {
	case rumbo.KRMetric:
		add("baseline %s %s", kr.Baseline, num(kr.BaselineValue))
		add("change %s %s %s", kr.Direction, kr.ChangeKind, num(kr.Change))
		add("start %s target %s", num(kr.Start), num(kr.Target))
		if kr.BaselineResolvedAt.IsZero() {
			add("baseline to be established")
		}
	case rumbo.KRRate:
		add("rate %s a week", num(kr.Rate))
		if kr.PerRep {
			add("per rep")
		}
		if kr.RateMode != "" {
			add("mode %s", kr.RateMode)
		}
	case rumbo.KRSegment:
		segs := strings.Join(kr.Segments, ", ")
		if kr.SegmentSource != "" {
			segs = kr.SegmentSource
		}
		add("by %s: %s, %s each", kr.SegmentBy, segs, num(kr.SegmentTarget))
	case rumbo.KRManual:
		add("%s from %s to %s", kr.Unit, num(kr.Start), num(kr.Target))
	case rumbo.KRMilestone:
		if kr.MilestoneSource != "" {
			add("from %s", kr.MilestoneSource)
		}
		for i, it := range kr.Items {
			mark := " "
			if it.Done {
				mark = "x"
			}
			add("%d [%s] %s", i+1, mark, it.Title)
		}
		if kr.MilestoneTarget > 0 {
			add("N %d", kr.MilestoneTarget)
		}
	case rumbo.KRGuardrail:
		add("%s min %s max %s", kr.Op, num(kr.Min), num(kr.Max))
	}
	return strings.Join(parts, "; ")
}
