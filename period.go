package rumbo

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Grain is the length of a calendar period: a day, an ISO week, a month, a
// quarter or a year.
type Grain string

// Grains, from the shortest to the longest.
const (
	GrainDay     Grain = "day"
	GrainWeek    Grain = "week"
	GrainMonth   Grain = "month"
	GrainQuarter Grain = "quarter"
	GrainYear    Grain = "year"
)

// Grains lists every grain from the shortest to the longest.
var Grains = []Grain{GrainDay, GrainWeek, GrainMonth, GrainQuarter, GrainYear}

// ParseGrain returns the grain named s, or an EINVALID error.
func ParseGrain(s string) (Grain, error) {
	for _, g := range Grains {
		if string(g) == s {
			return g, nil
		}
	}
	return "", Errorf(EINVALID, "unknown grain %q (valid: day, week, month, quarter, year)", s)
}

// Period is a span of time cut in the organisation's time zone: a calendar
// period of one grain, or an inclusive range of dates (Grain "").
type Period struct {
	Start time.Time // inclusive, midnight in the organisation's zone
	End   time.Time // exclusive, midnight in the organisation's zone
	Grain Grain     // "" for a custom range
	Label string    // "2017", "2017-Q2", "2017-05", "2017-W14", "2017-05-03" or "2017-05-03..2017-06-01"
}

const dateLayout = "2006-01-02"

// ParsePeriod parses a period label: "2017", "2017-Q2", "2017-05",
// "2017-W14" (ISO week, Monday first) or "2017-05-03", cut in loc.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	s = strings.TrimSpace(s)
	bad := Errorf(EINVALID, "invalid period %q (use 2017, 2017-Q2, 2017-05, 2017-W14 or 2017-05-03)", s)
	if from, to, ok := strings.Cut(s, ".."); ok {
		return RangePeriod(from, to, loc)
	}
	switch {
	case len(s) == 4:
		y, err := parseYear(s)
		if err != nil {
			return Period{}, bad
		}
		return PeriodOf(time.Date(y, 1, 1, 12, 0, 0, 0, loc), GrainYear, loc), nil
	case len(s) == 7 && (s[5] == 'Q' || s[5] == 'q') && s[4] == '-':
		y, err := parseYear(s[:4])
		q := int(s[6] - '0')
		if err != nil || q < 1 || q > 4 {
			return Period{}, bad
		}
		return PeriodOf(time.Date(y, time.Month(3*q-2), 1, 12, 0, 0, 0, loc), GrainQuarter, loc), nil
	case len(s) == 7 && s[4] == '-':
		y, err := parseYear(s[:4])
		m, err2 := strconv.Atoi(s[5:])
		if err != nil || err2 != nil || m < 1 || m > 12 {
			return Period{}, bad
		}
		return PeriodOf(time.Date(y, time.Month(m), 1, 12, 0, 0, 0, loc), GrainMonth, loc), nil
	case len(s) == 8 && s[4] == '-' && (s[5] == 'W' || s[5] == 'w'):
		y, err := parseYear(s[:4])
		w, err2 := strconv.Atoi(s[6:])
		if err != nil || err2 != nil || w < 1 || w > 53 {
			return Period{}, bad
		}
		mon := isoWeekMonday(y, w, loc)
		if yy, ww := mon.AddDate(0, 0, 3).ISOWeek(); yy != y || ww != w {
			return Period{}, Errorf(EINVALID, "invalid period %q: %d has no week %d", s, y, w)
		}
		return PeriodOf(mon.Add(12*time.Hour), GrainWeek, loc), nil
	case len(s) == 10:
		d, err := time.Parse(dateLayout, s)
		if err != nil {
			return Period{}, bad
		}
		// Noon: a midnight in a daylight-saving gap would be the day before.
		return PeriodOf(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc), GrainDay, loc), nil
	}
	return Period{}, bad
}

func parseYear(s string) (int, error) {
	if len(s) != 4 {
		return 0, fmt.Errorf("bad year")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad year")
		}
	}
	return strconv.Atoi(s)
}

// isoWeekMonday returns the Monday of ISO week w of ISO year y: week 1 is
// the week that holds 4 January.
func isoWeekMonday(y, w int, loc *time.Location) time.Time {
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
	offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return time.Date(y, 1, 4-offset+7*(w-1), 0, 0, 0, 0, loc)
}

// RangePeriod returns the period from the date from to the date to, both
// inclusive (YYYY-MM-DD), cut in loc.
func RangePeriod(from, to string, loc *time.Location) (Period, error) {
	f, err := time.ParseInLocation(dateLayout, strings.TrimSpace(from), loc)
	if err != nil {
		return Period{}, Errorf(EINVALID, "invalid date %q (use YYYY-MM-DD)", from)
	}
	t, err := time.ParseInLocation(dateLayout, strings.TrimSpace(to), loc)
	if err != nil {
		return Period{}, Errorf(EINVALID, "invalid date %q (use YYYY-MM-DD)", to)
	}
	if t.Before(f) {
		return Period{}, Errorf(EINVALID, "invalid range: %s is after %s", from, to)
	}
	return rangeOf(f, addDays(t, 1)), nil
}

// rangeOf returns the custom range [start, end) with its label: the dates
// of its first and last days (start is a day's start, in its location).
func rangeOf(start, end time.Time) Period {
	return Period{Start: start, End: end, Label: dateLabel(start) + ".." + dateLabel(end.Add(-time.Nanosecond))}
}

// localDate returns the date of the day that holds t in loc, as PeriodOf
// cuts days: where a midnight falls in a daylight-saving gap, the day
// begins at 23:00 the evening before, and that hour has the next date.
func localDate(t time.Time, loc *time.Location) (int, time.Month, int) {
	t = t.In(loc)
	y, m, d := t.Date()
	if !t.Before(time.Date(y, m, d+1, 0, 0, 0, 0, loc)) {
		return time.Date(y, m, d+1, 12, 0, 0, 0, loc).Date()
	}
	return y, m, d
}

// dateLabel formats the date of the day that holds t, in t's location.
func dateLabel(t time.Time) string {
	y, m, d := localDate(t, t.Location())
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), d)
}

// addDays returns the start of the day n calendar days after the day that
// holds t, in t's location.
func addDays(t time.Time, n int) time.Time {
	y, m, d := localDate(t, t.Location())
	return time.Date(y, m, d+n, 0, 0, 0, 0, t.Location())
}

// PeriodOf returns the period of grain g that holds the instant t, cut in loc.
// Periods start at local midnights as time.Date gives them: where a midnight
// falls in a daylight-saving gap (Chile, Cuba, Paraguay), an hour early, on
// the day before, whose last hour then belongs to the next period.
func PeriodOf(t time.Time, g Grain, loc *time.Location) Period {
	p := periodOfDate(t, g, loc)
	if !t.Before(p.End) { // that last hour
		return periodOfDate(p.End.Add(2*time.Hour), g, loc)
	}
	return p
}

// periodOfDate returns the period of grain g that holds t's local date.
func periodOfDate(t time.Time, g Grain, loc *time.Location) Period {
	t = t.In(loc)
	y, m, d := t.Date()
	var start, end time.Time
	var label string
	switch g {
	case GrainYear:
		start = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		end = time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
		label = fmt.Sprintf("%04d", y)
	case GrainQuarter:
		q := (int(m)-1)/3 + 1
		start = time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, loc)
		end = time.Date(y, time.Month(3*q+1), 1, 0, 0, 0, 0, loc)
		label = fmt.Sprintf("%04d-Q%d", y, q)
	case GrainMonth:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		end = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
		label = fmt.Sprintf("%04d-%02d", y, int(m))
	case GrainWeek:
		offset := (int(t.Weekday()) + 6) % 7
		start = time.Date(y, m, d-offset, 0, 0, 0, 0, loc)
		end = time.Date(y, m, d-offset+7, 0, 0, 0, 0, loc)
		wy, w := start.AddDate(0, 0, 3).ISOWeek()
		label = fmt.Sprintf("%04d-W%02d", wy, w)
	default:
		g = GrainDay
		start = time.Date(y, m, d, 0, 0, 0, 0, loc)
		end = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		// From the date, not from start: a midnight in a daylight-saving
		// gap starts the day an hour early, on the day before.
		label = fmt.Sprintf("%04d-%02d-%02d", y, int(m), d)
	}
	return Period{Start: start, End: end, Grain: g, Label: label}
}

// Location returns the time zone the period is cut in.
func (p Period) Location() *time.Location { return p.Start.Location() }

// Contains reports whether the instant t falls in the period.
func (p Period) Contains(t time.Time) bool {
	return !t.IsZero() && !t.Before(p.Start) && t.Before(p.End)
}

// Split cuts the period into periods of grain g, the first and last clipped
// to p. A clipped piece is a custom range (Grain "", label "from..to").
func (p Period) Split(g Grain) []Period {
	loc := p.Location()
	var out []Period
	for t := p.Start; t.Before(p.End); {
		q := PeriodOf(t, g, loc)
		if q.Start.Before(p.Start) || q.End.After(p.End) {
			s, e := maxTime(q.Start, p.Start), minTime(q.End, p.End)
			q = rangeOf(s, e)
		}
		out = append(out, q)
		t = q.End
	}
	return out
}

// Previous returns the period just before p: the previous period of the same
// grain, or for a custom range the range of the same number of days that
// ends where p starts.
func (p Period) Previous() Period {
	loc := p.Location()
	if p.Grain != "" {
		return PeriodOf(p.Start.Add(-time.Nanosecond), p.Grain, loc)
	}
	return rangeOf(addDays(p.Start, -p.Days()), p.Start)
}

// Elapsed returns the share of the period elapsed at now, from 0 (not
// started) to 1 (over): exact time elapsed ÷ the period's length, with real
// instants, so a 23-hour DST day counts as 23 hours.
func (p Period) Elapsed(now time.Time) float64 {
	f, _ := p.ElapsedRat(now).Float64()
	return f
}

// ElapsedRat is Elapsed as an exact rational number.
func (p Period) ElapsedRat(now time.Time) *big.Rat {
	total := p.End.Sub(p.Start)
	switch {
	case total <= 0 || !now.After(p.Start):
		return new(big.Rat)
	case !now.Before(p.End):
		return big.NewRat(1, 1)
	}
	return big.NewRat(int64(now.Sub(p.Start)), int64(total))
}

// Days returns the number of calendar days in the period, in its zone.
func (p Period) Days() int {
	return CalendarDays(p.Start, p.End, p.Location())
}

// CalendarDays returns the number of calendar days from the date of a to the
// date of b, both taken in loc (negative when b is before a).
func CalendarDays(a, b time.Time, loc *time.Location) int {
	ay, am, ad := localDate(a, loc)
	by, bm, bd := localDate(b, loc)
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}

// Overlap returns the part of p that lies in q, and false when they do not
// intersect. The result is a custom range unless it is p itself.
func (p Period) Overlap(q Period) (Period, bool) {
	s, e := maxTime(p.Start, q.Start), minTime(p.End, q.End)
	if !s.Before(e) {
		return Period{}, false
	}
	if s.Equal(p.Start) && e.Equal(p.End) {
		return p, true
	}
	return rangeOf(s.In(p.Location()), e.In(p.Location())), true
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
