package agg

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// testDeals returns n deals spread over three years, with leads for most.
func testDeals(n int) ([]rumbo.Deal, []*DealLead, []time.Time) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	ds, ls, fw := make([]rumbo.Deal, n), make([]*DealLead, n), make([]time.Time, n)
	for i := range ds {
		created := base.Add(time.Duration(r.IntN(3*365*24)) * time.Hour)
		d := rumbo.Deal{Owner: fmt.Sprintf("Rep %d", r.IntN(200)), Market: fmt.Sprintf("Market %d", r.IntN(10)),
			Customer: fmt.Sprint(r.IntN(n / 3)), CreatedAt: created, Status: rumbo.DealOpen}
		if r.IntN(10) > 0 {
			m := rumbo.Money(r.IntN(1_000_000) * 100)
			d.Amount = &m
		}
		switch r.IntN(3) {
		case 0:
			d.Status, d.ClosedAt = rumbo.DealWon, created.Add(time.Duration(r.IntN(90*24))*time.Hour)
			fw[i] = created.Add(-24 * time.Hour)
		case 1:
			d.Status, d.ClosedAt = rumbo.DealLost, created.Add(time.Duration(r.IntN(90*24))*time.Hour)
		}
		if r.IntN(5) > 0 {
			d.Lead = fmt.Sprint("L", i)
			ls[i] = &DealLead{CreatedAt: created.Add(-72 * time.Hour), Channel: fmt.Sprint("ch", r.IntN(6)),
				Campaign: fmt.Sprint("Campaign ", r.IntN(40)), Company: d.Customer}
		}
		ds[i] = d
	}
	return ds, ls, fw
}

// BenchmarkBuilderDeal measures the facts of one deal, the builder's part
// of rebuilding the deal family at import.
func BenchmarkBuilderDeal(b *testing.B) {
	ds, ls, fw := testDeals(100_000)
	loc, _ := time.LoadLocation("Europe/Madrid")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		bd := NewBuilder(loc)
		for j := range ds {
			if i == b.N {
				break
			}
			bd.Deal(&ds[j], ls[j], fw[j])
			i++
		}
	}
}

// TestMeasureIndexes checks the measure index constants against
// measureOrder: a shifted constant would file facts under another measure.
func TestMeasureIndexes(t *testing.T) {
	want := map[int]string{mWon: Won, mWonAmt: WonAmt, mLost: Lost, mCycle: Cycle, mRecur: Recur, mAttr: Attr,
		mOpenIn: OpenIn, mOpenOut: OpenOut, mLeads: Leads, mCohort: Cohort, mConv: Conv, mActs: Acts, mSent: Sent,
		mCSAT: CSAT, mResp: Resp}
	if len(want) != len(measureOrder) {
		t.Fatalf("%d measure indexes for %d measures", len(want), len(measureOrder))
	}
	for i, m := range want {
		if measureOrder[i] != m {
			t.Errorf("index %d is %s in measureOrder, the constant says %s", i, measureOrder[i], m)
		}
	}
}

// TestPeriodNumbers places every day from 1965 to 2035, in zones whose
// daylight saving time starts at midnight, and checks that period numbers
// and period starts match one to one for each grain: the builder files a
// cell by number and stores it by start.
func TestPeriodNumbers(t *testing.T) {
	for _, zone := range []string{"UTC", "Europe/Madrid", "America/Santiago", "America/Havana", "America/Asuncion"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		b := NewBuilder(loc)
		byNum := make([]map[int32]int64, len(grainsAll))
		byStart := make([]map[int64]int32, len(grainsAll))
		for i := range grainsAll {
			byNum[i], byStart[i] = map[int32]int64{}, map[int64]int32{}
		}
		for d := time.Date(1965, 1, 1, 12, 0, 0, 0, loc); d.Year() < 2035; d = d.AddDate(0, 0, 1) {
			p := b.periodsOf(d)
			for i, g := range grainsAll {
				if s, ok := byNum[i][p.num[i]]; ok && s != p.start[i] {
					t.Fatalf("%s %s: number %d for starts %v and %v", zone, g, p.num[i], time.Unix(s, 0).In(loc), time.Unix(p.start[i], 0).In(loc))
				}
				if n, ok := byStart[i][p.start[i]]; ok && n != p.num[i] {
					t.Fatalf("%s %s: start %v numbered %d and %d", zone, g, time.Unix(p.start[i], 0).In(loc), n, p.num[i])
				}
				byNum[i][p.num[i]], byStart[i][p.start[i]] = p.start[i], p.num[i]
			}
		}
		if n := len(byNum[0]); n < 25000 {
			t.Fatalf("%s: %d days numbered", zone, n)
		}
	}
}

// TestFactsLandInTheirPeriod places activities every half hour around
// daylight-saving changes, some at midnight (then time.Date puts the day's
// start an hour early, on the day before): each fact must land, at every
// grain, in the period whose [Start, End) holds it, as raw records are read.
func TestFactsLandInTheirPeriod(t *testing.T) {
	cases := []struct {
		zone    string
		y, m, d int
	}{
		{"America/Santiago", 2024, 9, 8},  // midnight in a gap, a Sunday
		{"America/Havana", 2024, 3, 10},   // midnight in a gap
		{"America/Asuncion", 2023, 10, 1}, // a month's and a quarter's start in a gap
		{"America/Santiago", 2024, 4, 7},  // midnight repeated
		{"Europe/Madrid", 2024, 3, 31},    // 02:00 in a gap
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		noon := time.Date(c.y, time.Month(c.m), c.d, 12, 0, 0, 0, loc)
		for at := noon.Add(-48 * time.Hour); at.Before(noon.Add(36 * time.Hour)); at = at.Add(30 * time.Minute) {
			b := NewBuilder(loc)
			b.Activity(&rumbo.Activity{At: at, Owner: "Ana", Type: "call"})
			got := map[rumbo.Grain]int64{}
			for _, r := range b.Rows() {
				if r.Measure == Acts && r.Kind == KindTotal {
					got[r.Grain] = r.Start
				}
			}
			for _, g := range grainsAll {
				var want rumbo.Period
				for _, near := range []time.Duration{-3 * time.Hour, 0, 3 * time.Hour} {
					if p := rumbo.PeriodOf(at.Add(near), g, loc); !at.Before(p.Start) && at.Before(p.End) {
						want = p
					}
				}
				if s, ok := got[g]; !ok || s != want.Start.Unix() {
					t.Errorf("%s %v: %s row starts %v, the %s period holding it is %s from %v", c.zone, at, g,
						time.Unix(s, 0).In(loc), g, want.Label, want.Start)
				}
			}
		}
	}
}

// TestRemovedFactsCancel feeds one builder the facts of deals A and B and
// then removes B's, another A's only: their rows must be equal, histograms
// included (counts that come to zero dropped), and StoredRows must hold
// the cells of Rows, histograms encoded as EncodeHist stores them and packs
// in one row per period and value, in stored key order.
func TestRemovedFactsCancel(t *testing.T) {
	ds, ls, fw := testDeals(3000)
	loc, _ := time.LoadLocation("America/Santiago")
	both, only := NewBuilder(loc), NewBuilder(loc)
	for i := range ds {
		both.Deal(&ds[i], ls[i], fw[i])
		if i%3 != 0 {
			only.Deal(&ds[i], ls[i], fw[i])
		}
	}
	both.Remove(true)
	for i := 0; i < len(ds); i += 3 {
		both.Deal(&ds[i], ls[i], fw[i])
	}
	got, want := both.Rows(), only.Rows()
	if len(got) != len(want) || len(want) < 1000 {
		t.Fatalf("%d rows after removing, %d without", len(got), len(want))
	}
	hists := 0
	for i := range want {
		if i > 0 && !want[i-1].Key.less(want[i].Key) {
			t.Fatalf("rows %d and %d out of order: %+v, %+v", i-1, i, want[i-1].Key, want[i].Key)
		}
		if got[i].Key != want[i].Key || got[i].N != want[i].N || got[i].S != want[i].S || got[i].M != want[i].M ||
			!maps.Equal(got[i].Hist, want[i].Hist) {
			t.Fatalf("row %d: %+v after removing, %+v without", i, got[i], want[i])
		}
		if len(want[i].Hist) > 0 {
			hists++
		}
	}
	if hists == 0 {
		t.Fatal("no histograms to compare")
	}
	// StoredRows: the same cells, histograms encoded, packs in one row per
	// period and value, in stored key order.
	stored := slices.Collect(only.StoredRows())
	if len(stored) >= len(want)*2/3 {
		t.Fatalf("%d stored rows for %d rows: packs do not pack", len(stored), len(want))
	}
	byKey := map[Key]Row{}
	for _, r := range want {
		byKey[r.Key] = r
	}
	check := func(k Key, n, s, m int64, hist []byte) {
		t.Helper()
		w, ok := byKey[k]
		if !ok || n != w.N || s != w.S || m != w.M || !bytes.Equal(hist, EncodeHist(w.Hist)) {
			t.Fatalf("stored cell %+v %d %d %d %x, want %+v", k, n, s, m, hist, w)
		}
		delete(byKey, k)
	}
	for i, r := range stored {
		if i > 0 && !stored[i-1].Key.less(r.Key) {
			t.Fatalf("stored rows %d and %d out of order: %+v, %+v", i-1, i, stored[i-1].Key, r.Key)
		}
		if PackMeasures(r.Measure) == nil {
			check(r.Key, r.N, r.S, r.M, r.Hist)
			continue
		}
		if r.N != 0 || r.S != 0 || r.M != 0 {
			t.Fatalf("pack row %+v has N, S, M", r)
		}
		err := DecodePack(r.Measure, r.Hist, func(m string, n, s, mm int64, hist []byte) error {
			k := r.Key
			k.Measure = m
			check(k, n, s, mm, hist)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(byKey) > 0 {
		t.Fatalf("%d rows missing from the stored rows", len(byKey))
	}
}

// TestPack: a pack row holds the cells of its measures and nothing else,
// EncodePack drops zero cells, and a damaged row is an error.
func TestPack(t *testing.T) {
	if got := PackMeasures(PackDeals); !slices.Equal(got, []string{Won, WonAmt, Lost, Cycle, Recur, Attr}) {
		t.Fatalf("deal pack %v", got)
	}
	if PackMeasures(OpenIn) != nil || PackMeasures("") != nil || Stored(OpenIn) != OpenIn || Stored(Cohort) != PackLeads {
		t.Fatal("open-deal events are packed")
	}
	if got := StoredNames(FamilyDeals); !slices.Equal(got, []string{PackDeals, OpenIn, OpenOut}) {
		t.Fatalf("stored names of deals %v", got)
	}
	cells := map[string]*Cell{
		Won: {N: 3, S: -1200}, Cycle: {N: 2, S: 40, Hist: map[int64]int64{10: 1, 30: 1}},
		Lost: {}, Leads: {N: 9},
	}
	b := EncodePack(PackDeals, cells)
	got := map[string]*Cell{}
	err := DecodePack(PackDeals, b, func(m string, n, s, mm int64, hist []byte) error {
		c := &Cell{N: n, S: s, M: mm, Hist: map[int64]int64{}}
		if err := DecodeHist(hist, c.Hist); err != nil {
			return err
		}
		got[m] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[Won].N != 3 || got[Won].S != -1200 || len(got[Won].Hist) != 0 ||
		got[Cycle].S != 40 || !maps.Equal(got[Cycle].Hist, cells[Cycle].Hist) {
		t.Fatalf("decoded %v", got)
	}
	if EncodePack(PackDeals, map[string]*Cell{Lost: {}}) != nil {
		t.Fatal("a pack of zero cells is not empty")
	}
	for _, bad := range [][]byte{b[:len(b)-1], append(slices.Clone(b), 9), {0x7f}} {
		if err := DecodePack(PackDeals, bad, func(string, int64, int64, int64, []byte) error { return nil }); err == nil {
			t.Fatalf("%x decoded without error", bad)
		}
	}
}
