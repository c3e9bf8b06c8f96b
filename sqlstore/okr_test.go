package sqlstore_test

import (
	"context"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

var madrid = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		panic(err)
	}
	return loc
}()

func quarter(t *testing.T, label string) rumbo.Period {
	t.Helper()
	p, err := rumbo.ParsePeriod(label, madrid)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// everyKind returns an objective with one key result of each kind but
// guardrail, filled with values that test exactness.
func everyKind(p rumbo.Period) rumbo.Objective {
	return rumbo.Objective{
		Title: "Ventas", Description: "d", OwnerKind: rumbo.OwnerTeam, Owner: "West", Period: p, Type: rumbo.Committed,
		KeyResults: []rumbo.KeyResult{
			{Title: "revenue", Kind: rumbo.KRMetric, KPI: "revenue", Weight: 2, Scope: "team", ScopeValue: "West",
				Baseline: rumbo.BaselinePreviousQuarter, ChangeKind: rumbo.ChangeRelative, Change: rat("0.2"),
				Direction: rumbo.Increase, BaselineValue: rat("3086111"), Start: rat("0"), Target: rat("3703333.2"),
				BaselineResolvedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			{Title: "calls", Kind: rumbo.KRRate, KPI: "activities", Filters: map[string]string{"type": "follow_up_call"},
				Rate: new(big.Rat).Quo(rat("100"), rat("12.2")), PerRep: true, RateMode: rumbo.RateAverage},
			{Title: "markets", Kind: rumbo.KRSegment, KPI: "new_market_sales", SegmentBy: "market",
				Segments: []string{"Chile", "Perú"}, SegmentTarget: rat("2")},
			{Title: "nps", Kind: rumbo.KRManual, Unit: rumbo.ManualPercent, Start: rat("0.25"), Target: rat("0.35"),
				Direction: rumbo.Increase},
			{Title: "plan", Kind: rumbo.KRMilestone, Items: []rumbo.MilestoneItem{{Title: "a", Done: true}, {Title: "b"}}},
		},
	}
}

func TestObjectiveRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		other := mustOrg(t, db, "other")
		q1 := quarter(t, "2026-Q1")
		o := everyKind(q1)
		if err := db.CreateObjective(ctx, org, &o); err != nil {
			t.Fatalf("CreateObjective: %v", err)
		}
		got, err := db.Objective(ctx, org, o.ID)
		if err != nil {
			t.Fatalf("Objective: %v", err)
		}
		for i := range o.KeyResults {
			o.KeyResults[i].ObjectiveID = o.ID
		}
		if !got.Period.Start.Equal(q1.Start) || !got.Period.End.Equal(q1.End) || got.Period.Label != "2026-Q1" ||
			got.Period.Location().String() != "Europe/Madrid" {
			t.Errorf("period = %+v, want 2026-Q1 in Madrid", got.Period)
		}
		got.Period, o.Period = rumbo.Period{}, rumbo.Period{}
		if !reflect.DeepEqual(*got, o) {
			t.Errorf("round trip:\ngot  %+v\nwant %+v", *got, o)
		}
		// The rate 100 ÷ 12.2 has no finite decimal form and stays exact.
		if want := new(big.Rat).Quo(rat("100"), rat("12.2")); got.KeyResults[1].Rate.Cmp(want) != 0 {
			t.Errorf("rate = %s, want %s", got.KeyResults[1].Rate, want)
		}
		if _, err := db.Objective(ctx, other, o.ID); rumbo.ErrorCode(err) != rumbo.ENOTFOUND {
			t.Errorf("another organisation reads objective: %v", err)
		}
		// A sixth key result is refused.
		sixth := rumbo.KeyResult{ObjectiveID: o.ID, Title: "x", Kind: rumbo.KRManual, Unit: rumbo.ManualYesNo}
		wantCode(t, db.CreateKeyResult(ctx, org, &sixth), rumbo.EINVALID, "objective "+itoa(o.ID)+" already has 5 key results (at most 5)")
		// Remove one, add it back at the end; update another.
		if err := db.DeleteKeyResult(ctx, org, o.KeyResults[2].ID); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateKeyResult(ctx, org, &sixth); err != nil {
			t.Fatal(err)
		}
		upd := o.KeyResults[4]
		upd.Items[1].Done = true
		upd.Title = "plan v2"
		if err := db.UpdateKeyResult(ctx, org, &upd); err != nil {
			t.Fatal(err)
		}
		got, _ = db.Objective(ctx, org, o.ID)
		var titles []string
		for _, kr := range got.KeyResults {
			titles = append(titles, kr.Title)
		}
		if want := []string{"revenue", "calls", "nps", "plan v2", "x"}; !reflect.DeepEqual(titles, want) {
			t.Errorf("key results = %v, want %v", titles, want)
		}
		if done := rumbo.ItemsDone(got.KeyResults[3].Items); done != 2 {
			t.Errorf("items done = %d, want 2", done)
		}
		// Edit the objective; a parent must exist and cannot be itself.
		got.Title, got.Type = "Ventas 2", rumbo.Aspirational
		if err := db.UpdateObjective(ctx, org, got); err != nil {
			t.Fatal(err)
		}
		got.ParentID = got.ID
		wantCode(t, db.UpdateObjective(ctx, org, got), rumbo.EINVALID, "")
		if again, _ := db.Objective(ctx, org, o.ID); again.Title != "Ventas 2" || again.Type != rumbo.Aspirational {
			t.Errorf("after update: %q %s", again.Title, again.Type)
		}
	})
}

func itoa(n int64) string { return big.NewInt(n).String() }

func TestObjectivesByPeriodAndDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		q1, q2 := quarter(t, "2026-Q1"), quarter(t, "2026-Q2")
		a := rumbo.Objective{Title: "A", OwnerKind: rumbo.OwnerOrg, Period: q1, Type: rumbo.Committed}
		if err := db.CreateObjective(ctx, org, &a); err != nil {
			t.Fatal(err)
		}
		b := everyKind(q2)
		b.ParentID = a.ID
		if err := db.CreateObjective(ctx, org, &b); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			p    *rumbo.Period
			want []int64
		}{
			{"all", nil, []int64{a.ID, b.ID}},
			{"Q1", &q1, []int64{a.ID}},
			{"Q2", &q2, []int64{b.ID}},
		} {
			list, err := db.Objectives(ctx, org, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, o := range list {
				ids = append(ids, o.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("%s: ids %v, want %v", tc.name, ids, tc.want)
			}
		}
		wantCode(t, db.DeleteObjective(ctx, org, a.ID), rumbo.ECONFLICT, "")
		kr := b.KeyResults[3].ID
		conf := 4
		if err := db.AddCheckIn(ctx, org, &rumbo.CheckIn{KRID: kr, Value: rat("0.3"), Confidence: &conf, At: t0}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteObjective(ctx, org, b.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteObjective(ctx, org, b.ID), rumbo.ENOTFOUND, "objective "+itoa(b.ID)+" not found")
		if _, err := db.KeyResult(ctx, org, kr); rumbo.ErrorCode(err) != rumbo.ENOTFOUND {
			t.Errorf("key result survived its objective: %v", err)
		}
		if cs, err := db.CheckIns(ctx, org, kr); err != nil || len(cs) != 0 {
			t.Errorf("check-ins survived their key result: %v %v", cs, err)
		}
	})
}

func TestCheckInsSnapshotsScoresWeeks(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		o := everyKind(quarter(t, "2026-Q1"))
		if err := db.CreateObjective(ctx, org, &o); err != nil {
			t.Fatal(err)
		}
		manual := o.KeyResults[3].ID
		c5, c2 := 5, 2
		ins := []rumbo.CheckIn{
			{KRID: manual, Value: rat("0.30"), Confidence: &c5, Comment: "bien", Author: "ana@example.com", At: t0.Add(48 * time.Hour)},
			{KRID: manual, Confidence: &c2, Comment: "retrasos", Author: "luis@example.com", At: t0},
		}
		for i := range ins {
			if err := db.AddCheckIn(ctx, org, &ins[i]); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, db.AddCheckIn(ctx, org, &rumbo.CheckIn{KRID: 9999, Comment: "x", At: t0}), rumbo.ENOTFOUND, "key result 9999 not found")
		wantCode(t, db.AddCheckIn(ctx, org, &rumbo.CheckIn{KRID: manual, At: t0}), rumbo.EINVALID, "")
		got, err := db.CheckIns(ctx, org, manual)
		if err != nil {
			t.Fatal(err)
		}
		want := []rumbo.CheckIn{ins[1], ins[0]} // by time
		for i := range want {
			want[i].At = want[i].At.UTC()
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("check-ins:\ngot  %+v\nwant %+v", got, want)
		}
		metric := o.KeyResults[0].ID
		for i, v := range []string{"100.25", "80"} {
			if err := db.AddSnapshot(ctx, org, rumbo.Snapshot{KRID: metric, At: t0.Add(time.Duration(1-i) * time.Hour), Value: rat(v)}); err != nil {
				t.Fatal(err)
			}
		}
		snaps, err := db.Snapshots(ctx, org, metric)
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) != 2 || snaps[0].Value.Cmp(rat("80")) != 0 || snaps[1].Value.Cmp(rat("100.25")) != 0 {
			t.Errorf("snapshots = %+v, want 80 then 100.25", snaps)
		}
		// Scores: computed, then overridden twice; the latest override wins
		// and the computed score stays.
		scored := rumbo.CloseObjective(o, []rumbo.KRStatus{{Progress: 2.0 / 3}, {Progress: 1}, {Progress: 0.5}, {Progress: 0}, {Progress: 0.25}})
		if err := db.SaveScores(ctx, org, &scored); err != nil {
			t.Fatal(err)
		}
		if err := db.OverrideScore(ctx, org, false, metric, 0.9, "first", t0); err != nil {
			t.Fatal(err)
		}
		if err := db.OverrideScore(ctx, org, false, metric, 0.5, "the market closed", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.OverrideScore(ctx, org, true, o.ID, 0.8, "good enough", t0); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.OverrideScore(ctx, org, true, o.ID, 1.2, "x", t0), rumbo.EINVALID, "")
		wantCode(t, db.OverrideScore(ctx, org, true, 9999, 0.5, "x", t0), rumbo.ENOTFOUND, "objective 9999 not found")
		back, err := db.Objective(ctx, org, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		kr := back.KeyResults[0]
		if kr.Score == nil || *kr.Score != 0.67 || kr.ScoreOverride == nil || *kr.ScoreOverride != 0.5 || kr.ScoreNote != "the market closed" {
			t.Errorf("KR score %v override %v note %q, want 0.67, 0.5, the market closed", kr.Score, kr.ScoreOverride, kr.ScoreNote)
		}
		if back.Score == nil || *back.Score != *scored.Score || back.ScoreOverride == nil || *back.ScoreOverride != 0.8 {
			t.Errorf("objective score %v override %v, want %v and 0.8", back.Score, back.ScoreOverride, *scored.Score)
		}
		// Excluded weeks: idempotent, sorted, removable, validated.
		for _, w := range []string{"2026-W15", "2026-W02", "2026-W15"} {
			if err := db.ExcludeWeek(ctx, org, w); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, db.ExcludeWeek(ctx, org, "2026-15"), rumbo.EINVALID, `week "2026-15": use an ISO week label such as 2026-W15`)
		weeks, _ := db.ExcludedWeeks(ctx, org)
		if !reflect.DeepEqual(weeks, []string{"2026-W02", "2026-W15"}) {
			t.Errorf("excluded weeks = %v", weeks)
		}
		if err := db.IncludeWeek(ctx, org, "2026-W02"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.IncludeWeek(ctx, org, "2026-W02"), rumbo.ENOTFOUND, "week 2026-W02 is not excluded")
		if weeks, _ := db.ExcludedWeeks(ctx, org); !reflect.DeepEqual(weeks, []string{"2026-W15"}) {
			t.Errorf("excluded weeks after include = %v", weeks)
		}
	})
}
