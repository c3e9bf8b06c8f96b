package rumbo

import (
	"math"
	"math/big"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParsePeriod(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name       string
		in         string
		start, end string
		grain      Grain
		label      string
		days       int
	}{
		{"year", "2017", "2017-01-01", "2018-01-01", GrainYear, "2017", 365},
		{"leap year", "2020", "2020-01-01", "2021-01-01", GrainYear, "2020", 366},
		{"quarter", "2017-Q2", "2017-04-01", "2017-07-01", GrainQuarter, "2017-Q2", 91},
		{"quarter 4", "2017-Q4", "2017-10-01", "2018-01-01", GrainQuarter, "2017-Q4", 92},
		{"month", "2017-05", "2017-05-01", "2017-06-01", GrainMonth, "2017-05", 31},
		{"february leap", "2024-02", "2024-02-01", "2024-03-01", GrainMonth, "2024-02", 29},
		{"iso week", "2017-W14", "2017-04-03", "2017-04-10", GrainWeek, "2017-W14", 7},
		{"week 53 of 2020", "2020-W53", "2020-12-28", "2021-01-04", GrainWeek, "2020-W53", 7},
		{"week 53 of 2015", "2015-W53", "2015-12-28", "2016-01-04", GrainWeek, "2015-W53", 7},
		{"week 1 of 2019 starts in 2018", "2019-W01", "2018-12-31", "2019-01-07", GrainWeek, "2019-W01", 7},
		{"week 1 of 2021", "2021-W01", "2021-01-04", "2021-01-11", GrainWeek, "2021-W01", 7},
		{"day", "2017-05-03", "2017-05-03", "2017-05-04", GrainDay, "2017-05-03", 1},
		{"spring DST day", "2026-03-29", "2026-03-29", "2026-03-30", GrainDay, "2026-03-29", 1},
		{"range", "2017-05-03..2017-06-01", "2017-05-03", "2017-06-02", "", "2017-05-03..2017-06-01", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePeriod(tt.in, loc)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(day(tt.start)) || !got.End.Equal(day(tt.end)) {
				t.Errorf("got [%v, %v), want [%s, %s)", got.Start, got.End, tt.start, tt.end)
			}
			if got.Grain != tt.grain || got.Label != tt.label {
				t.Errorf("got grain %q label %q, want %q %q", got.Grain, got.Label, tt.grain, tt.label)
			}
			if got.Days() != tt.days {
				t.Errorf("Days() = %d, want %d", got.Days(), tt.days)
			}
		})
	}
}

func TestParsePeriodErrors(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	for _, in := range []string{"", "17", "2017-Q5", "2017-Q0", "2017-13", "2017-00", "2017-W00",
		"2017-W53", "2021-W53", "2017-02-30", "abcd", "2017-05-03..2017-05-01", "2017/05/03"} {
		t.Run(in, func(t *testing.T) {
			if _, err := ParsePeriod(in, loc); ErrorCode(err) != EINVALID {
				t.Errorf("ParsePeriod(%q) error = %v, want EINVALID", in, err)
			}
		})
	}
}

func TestPeriodOf(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	tests := []struct {
		name string
		at   time.Time
		g    Grain
		want string
	}{
		{"2018-12-31 is in 2019-W01", time.Date(2018, 12, 31, 12, 0, 0, 0, loc), GrainWeek, "2019-W01"},
		{"2021-01-03 is in 2020-W53", time.Date(2021, 1, 3, 23, 59, 0, 0, loc), GrainWeek, "2020-W53"},
		{"2016-01-01 is in 2015-W53", time.Date(2016, 1, 1, 0, 0, 0, 0, loc), GrainWeek, "2015-W53"},
		{"UTC evening is next day in Madrid", time.Date(2017, 6, 30, 22, 30, 0, 0, time.UTC), GrainQuarter, "2017-Q3"},
		{"UTC evening day", time.Date(2017, 12, 31, 23, 30, 0, 0, time.UTC), GrainDay, "2018-01-01"},
		{"month", time.Date(2017, 5, 31, 10, 0, 0, 0, loc), GrainMonth, "2017-05"},
		{"year", time.Date(2017, 5, 31, 10, 0, 0, 0, loc), GrainYear, "2017"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PeriodOf(tt.at, tt.g, loc)
			if got.Label != tt.want {
				t.Errorf("got %q, want %q", got.Label, tt.want)
			}
			if !got.Contains(tt.at) {
				t.Errorf("%v does not contain %v", got, tt.at)
			}
			back, err := ParsePeriod(got.Label, loc)
			if err != nil || !back.Start.Equal(got.Start) || !back.End.Equal(got.End) {
				t.Errorf("label %q does not parse back: %v %v", got.Label, back, err)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	tests := []struct {
		name   string
		period string
		g      Grain
		want   []string
	}{
		{"year by quarter", "2017", GrainQuarter, []string{"2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"}},
		{"quarter by month", "2017-Q2", GrainMonth, []string{"2017-04", "2017-05", "2017-06"}},
		{"month by week, last clipped (1 May is a Monday)", "2017-05", GrainWeek, []string{"2017-W18", "2017-W19", "2017-W20", "2017-W21", "2017-05-29..2017-05-31"}},
		{"range by month", "2017-05-03..2017-06-01", GrainMonth, []string{"2017-05-03..2017-05-31", "2017-06-01..2017-06-01"}},
		{"week by day", "2020-W53", GrainDay, []string{"2020-12-28", "2020-12-29", "2020-12-30", "2020-12-31", "2021-01-01", "2021-01-02", "2021-01-03"}},
		{"quarter by year", "2017-Q2", GrainYear, []string{"2017-04-01..2017-06-30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.period, loc)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Split(tt.g)
			var labels []string
			for _, q := range got {
				labels = append(labels, q.Label)
			}
			if len(labels) != len(tt.want) {
				t.Fatalf("got %v, want %v", labels, tt.want)
			}
			for i := range labels {
				if labels[i] != tt.want[i] {
					t.Errorf("piece %d: got %q, want %q", i, labels[i], tt.want[i])
				}
			}
			if !got[0].Start.Equal(p.Start) || !got[len(got)-1].End.Equal(p.End) {
				t.Errorf("pieces do not cover %s", p.Label)
			}
			for i := 1; i < len(got); i++ {
				if !got[i].Start.Equal(got[i-1].End) {
					t.Errorf("gap between %s and %s", got[i-1].Label, got[i].Label)
				}
			}
		})
	}
}

func TestPrevious(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	tests := []struct{ in, want string }{
		{"2017", "2016"},
		{"2017-Q1", "2016-Q4"},
		{"2017-03", "2017-02"},
		{"2021-W01", "2020-W53"},
		{"2019-W01", "2018-W52"},
		{"2017-01-01", "2016-12-31"},
		{"2017-05-03..2017-06-01", "2017-04-03..2017-05-02"},
		{"2026-03-29..2026-03-29", "2026-03-28..2026-03-28"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePeriod(tt.in, loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Previous(); got.Label != tt.want {
				t.Errorf("got %q, want %q", got.Label, tt.want)
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	tests := []struct {
		name   string
		period string
		now    time.Time
		want   float64
		hours  float64
	}{
		{"before", "2017-Q2", time.Date(2017, 3, 1, 0, 0, 0, 0, loc), 0, 2184},
		{"after", "2017-Q2", time.Date(2017, 8, 1, 0, 0, 0, 0, loc), 1, 2184},
		{"at end", "2017-Q2", time.Date(2017, 7, 1, 0, 0, 0, 0, loc), 1, 2184},
		{"half day", "2017-05-03", time.Date(2017, 5, 3, 12, 0, 0, 0, loc), 0.5, 24},
		// 2026-03-29 has 23 hours in Madrid: 02:00 becomes 03:00.
		{"spring DST day", "2026-03-29", time.Date(2026, 3, 29, 12, 0, 0, 0, loc), 11.0 / 23, 23},
		// 2026-10-25 has 25 hours in Madrid: 03:00 becomes 02:00.
		{"autumn DST day", "2026-10-25", time.Date(2026, 10, 25, 12, 0, 0, 0, loc), 13.0 / 25, 25},
		{"week over spring DST", "2026-W13", time.Date(2026, 3, 29, 12, 0, 0, 0, loc), 155.0 / 167, 167},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.period, loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Elapsed(tt.now); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Elapsed = %v, want %v", got, tt.want)
			}
			if got := p.End.Sub(p.Start).Hours(); got != tt.hours {
				t.Errorf("length = %v h, want %v h", got, tt.hours)
			}
		})
	}
}

func TestRangePeriodDays(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	tests := []struct {
		from, to string
		days     int
	}{
		{"2026-03-28", "2026-03-30", 3},
		{"2026-10-24", "2026-10-26", 3},
		{"2026-01-01", "2026-12-31", 365},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			p, err := RangePeriod(tt.from, tt.to, loc)
			if err != nil {
				t.Fatal(err)
			}
			if p.Days() != tt.days {
				t.Errorf("Days() = %d, want %d", p.Days(), tt.days)
			}
			if want := tt.from + ".." + tt.to; p.Label != want {
				t.Errorf("label %q, want %q", p.Label, want)
			}
		})
	}
}

func TestParseGrain(t *testing.T) {
	for _, g := range Grains {
		if got, err := ParseGrain(string(g)); err != nil || got != g {
			t.Errorf("ParseGrain(%q) = %q, %v", g, got, err)
		}
	}
	if _, err := ParseGrain("fortnight"); ErrorCode(err) != EINVALID {
		t.Errorf("ParseGrain(fortnight) error = %v", err)
	}
}

// TestPeriodOfMidnightGap: in Chile daylight saving time starts at midnight,
// so 2024-09-08 starts at 23:00 on the 7th (time.Date's choice); its label
// is still its own date, and labels parse back to the same period.
func TestPeriodOfMidnightGap(t *testing.T) {
	loc := mustLoc(t, "America/Santiago")
	at := time.Date(2024, 9, 8, 10, 0, 0, 0, loc)
	p := PeriodOf(at, GrainDay, loc)
	if p.Label != "2024-09-08" || !p.Contains(at) {
		t.Fatalf("day of %v: %q [%v, %v)", at, p.Label, p.Start, p.End)
	}
	before := PeriodOf(at.AddDate(0, 0, -1), GrainDay, loc)
	if before.Label != "2024-09-07" || !before.End.Equal(p.Start) {
		t.Fatalf("day before: %q [%v, %v), then %v", before.Label, before.Start, before.End, p.Start)
	}
	back, err := ParsePeriod(p.Label, loc)
	if err != nil || !back.Start.Equal(p.Start) || !back.End.Equal(p.End) {
		t.Fatalf("label %q parses to %v, %v", p.Label, back, err)
	}
}

// TestSplitMidnightGap splits a Chilean week whose Sunday starts in a
// daylight-saving gap: seven days, each holding its own hours.
func TestSplitMidnightGap(t *testing.T) {
	loc := mustLoc(t, "America/Santiago")
	week, err := ParsePeriod("2024-W36", loc)
	if err != nil {
		t.Fatal(err)
	}
	days := week.Split(GrainDay)
	if len(days) != 7 || days[6].Label != "2024-09-08" || !days[6].End.Equal(week.End) {
		t.Fatalf("2024-W36 split in %d days: %v", len(days), days)
	}
	last := time.Date(2024, 9, 7, 23, 30, 0, 0, loc) // after the 8th's start
	if p := PeriodOf(last, GrainDay, loc); p.Label != "2024-09-08" || !p.Contains(last) {
		t.Fatalf("day of %v: %s [%v, %v)", last, p.Label, p.Start, p.End)
	}
}

// TestGapDayIsOneDay: a day that begins at 23:00 the evening before
// (Santiago, 8 September 2024: clocks forward at midnight) is one day with
// its own date, in ranges, their labels, previous ranges, split targets and
// calendar days.
func TestGapDayIsOneDay(t *testing.T) {
	loc := mustLoc(t, "America/Santiago")
	day, err := ParsePeriod("2024-09-08", loc)
	if err != nil {
		t.Fatal(err)
	}
	if got := day.Days(); got != 1 {
		t.Errorf("2024-09-08 Days() = %d, want 1", got)
	}
	r, err := RangePeriod("2024-09-08", "2024-09-14", loc)
	if err != nil {
		t.Fatal(err)
	}
	if r.Label != "2024-09-08..2024-09-14" || r.Days() != 7 {
		t.Errorf("range: label %q, %d days; want 2024-09-08..2024-09-14, 7", r.Label, r.Days())
	}
	if prev := r.Previous(); prev.Label != "2024-09-01..2024-09-07" {
		t.Errorf("previous of range = %q [%v, %v), want 2024-09-01..2024-09-07", prev.Label, prev.Start, prev.End)
	}
	sep, _ := ParsePeriod("2024-09", loc)
	if got := SplitTarget(big.NewRat(300, 1), sep, day); got.Cmp(big.NewRat(10, 1)) != 0 {
		t.Errorf("300 for 2024-09 split to 2024-09-08 = %s, want 10", got.RatString())
	}
	if got := CalendarDays(day.Start, time.Date(2024, 9, 9, 12, 0, 0, 0, loc), loc); got != 1 {
		t.Errorf("CalendarDays(2024-09-08 start, 2024-09-09 12:00) = %d, want 1", got)
	}
	// A range ending on that day ends with it, and holds its last hour.
	r, err = RangePeriod("2024-09-01", "2024-09-08", loc)
	if err != nil {
		t.Fatal(err)
	}
	if !r.End.Equal(day.End) || r.Label != "2024-09-01..2024-09-08" || r.Days() != 8 {
		t.Errorf("2024-09-01..2024-09-08 = %q [%v, %v), %d days; want end %v, 8 days", r.Label, r.Start, r.End, r.Days(), day.End)
	}
	if late := time.Date(2024, 9, 8, 23, 30, 0, 0, loc); !r.Contains(late) {
		t.Errorf("range does not hold %v", late)
	}
	// A week clipped to that day is labelled with it.
	r, _ = RangePeriod("2024-09-08", "2024-09-15", loc)
	ps := r.Split(GrainWeek)
	if len(ps) != 2 || ps[0].Label != "2024-09-08..2024-09-08" || ps[1].Label != "2024-W37" {
		for _, p := range ps {
			t.Logf("%q [%v, %v)", p.Label, p.Start, p.End)
		}
		t.Errorf("split labels wrong")
	}
}
