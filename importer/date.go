package importer

import (
	"strings"
	"time"
)

// dateOrder is the order of year, month and day in a date.
type dateOrder uint8

const (
	orderAuto dateOrder = iota // not decided: detect from the column
	orderDMY                   // dd/mm/yyyy
	orderMDY                   // mm/dd/yyyy
	orderYMD                   // yyyy-mm-dd
)

// String returns the layout a user writes for the order.
func (o dateOrder) String() string {
	switch o {
	case orderDMY:
		return "dd/mm/yyyy"
	case orderMDY:
		return "mm/dd/yyyy"
	case orderYMD:
		return "yyyy-mm-dd"
	}
	return "auto"
}

// parseDateFormat reads a mapping's date_format: "auto", "" or a layout such
// as "dd/mm/yyyy", "dd-mm-yyyy hh:mm", "yyyy-mm-dd". The separator and the
// time part do not restrict values: only the order of day and month matters.
func parseDateFormat(s string) (dateOrder, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "auto" {
		return orderAuto, true
	}
	for _, suffix := range []string{" hh:mm:ss", " hh:mm", "thh:mm:ss", "thh:mm"} {
		s = strings.TrimSuffix(s, suffix)
	}
	if len(s) != 10 {
		return orderAuto, false
	}
	for _, sep := range "/-." {
		r := strings.NewReplacer(string(sep), "/")
		switch r.Replace(s) {
		case "dd/mm/yyyy":
			return orderDMY, true
		case "mm/dd/yyyy":
			return orderMDY, true
		case "yyyy/mm/dd":
			return orderYMD, true
		}
	}
	return orderAuto, false
}

// dateParts is a date scanned without deciding its day/month order.
type dateParts struct {
	yearFirst bool
	y, a, b   int // yearFirst: a is the month, b the day; else a and b as written
	hasTime   bool
	h, mi, s  int
	ns        int
	hasZone   bool
	offset    int // seconds east of UTC
}

// scanDate splits s into date parts: yyyy-mm-dd or n/n/yyyy (separator /, -
// or .), optionally followed by a time hh:mm[:ss[.fff]] after a space or T,
// and a zone Z or ±hh[:mm]. It checks syntax only.
func scanDate(s string) (p dateParts, ok bool) {
	i := 0
	num := func(min, max int) (int, bool) {
		j, v := i, 0
		for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
			v = v*10 + int(s[j]-'0')
			j++
		}
		if j-i < min {
			return 0, false
		}
		i = j
		return v, true
	}
	first, ok := num(1, 4)
	if !ok || i == len(s) {
		return p, false
	}
	sep := s[i]
	if sep != '/' && sep != '-' && sep != '.' {
		return p, false
	}
	p.yearFirst = i == 4
	if i == 3 {
		return p, false
	}
	i++
	second, ok := num(1, 2)
	if !ok || i == len(s) || s[i] != sep {
		return p, false
	}
	i++
	var third int
	if p.yearFirst {
		third, ok = num(1, 2)
		p.y, p.a, p.b = first, second, third
	} else {
		start := i
		third, ok = num(4, 4)
		ok = ok && i-start == 4
		p.y, p.a, p.b = third, first, second
	}
	if !ok {
		return p, false
	}
	if i == len(s) {
		return p, true
	}
	if s[i] != ' ' && s[i] != 'T' && s[i] != 't' {
		return p, false
	}
	for i < len(s) && (s[i] == ' ' || s[i] == 'T' || s[i] == 't') {
		i++
	}
	p.hasTime = true
	if p.h, ok = num(1, 2); !ok || i == len(s) || s[i] != ':' {
		return p, false
	}
	i++
	if p.mi, ok = num(2, 2); !ok {
		return p, false
	}
	if i < len(s) && s[i] == ':' {
		i++
		if p.s, ok = num(2, 2); !ok {
			return p, false
		}
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			i++
			start := i
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				if i-start < 9 {
					p.ns = p.ns*10 + int(s[i]-'0')
				}
				i++
			}
			if i == start {
				return p, false
			}
			for n := i - start; n < 9; n++ {
				p.ns *= 10
			}
		}
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == len(s) {
		return p, true
	}
	p.hasZone = true
	switch s[i] {
	case 'Z', 'z':
		return p, i+1 == len(s)
	case '+', '-':
		sign := 1
		if s[i] == '-' {
			sign = -1
		}
		i++
		oh, ok := num(2, 2)
		if !ok {
			return p, false
		}
		om := 0
		if i < len(s) && s[i] == ':' {
			i++
		}
		if i < len(s) {
			if om, ok = num(2, 2); !ok {
				return p, false
			}
		}
		if oh > 23 || om > 59 {
			return p, false
		}
		p.offset = sign * (oh*3600 + om*60)
		return p, i == len(s)
	}
	return p, false
}

// ymd returns the year, month and day under an order, if valid.
func (p *dateParts) ymd(o dateOrder) (y, m, d int, ok bool) {
	switch {
	case p.yearFirst:
		y, m, d = p.y, p.a, p.b
	case o == orderDMY:
		y, m, d = p.y, p.b, p.a
	case o == orderMDY:
		y, m, d = p.y, p.a, p.b
	default:
		return 0, 0, 0, false
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return 0, 0, 0, false
	}
	if p.hasTime && (p.h > 23 || p.mi > 59 || p.s > 59) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// time returns the instant in UTC. A value without an offset is read in loc;
// a date without a time is midnight, or the last second of the day when
// endOfDay is set.
func (p *dateParts) time(o dateOrder, loc *time.Location, endOfDay bool) (time.Time, bool) {
	y, m, d, ok := p.ymd(o)
	if !ok {
		return time.Time{}, false
	}
	if p.hasZone {
		loc = time.FixedZone("", p.offset)
	}
	if !p.hasTime && endOfDay {
		return time.Date(y, time.Month(m), d, 23, 59, 59, 0, loc).UTC(), true
	}
	return time.Date(y, time.Month(m), d, p.h, p.mi, p.s, p.ns, loc).UTC(), true
}

// sample is one value seen in a column, kept for a message.
type sample struct {
	line int
	val  string
}

// dateColumn gathers, over a whole column, the evidence for its day/month
// order.
type dateColumn struct {
	dmy, mdy, both *sample // first value that fits only dd/mm, only mm/dd, both with different results
}

// observe takes one value of the column.
func (c *dateColumn) observe(raw string, line int) {
	p, ok := scanDate(raw)
	if !ok || p.yearFirst {
		return
	}
	_, _, _, dmy := p.ymd(orderDMY)
	_, _, _, mdy := p.ymd(orderMDY)
	switch {
	case dmy && mdy && p.a != p.b:
		if c.both == nil {
			c.both = &sample{line, raw}
		}
	case dmy && !mdy:
		if c.dmy == nil {
			c.dmy = &sample{line, raw}
		}
	case mdy && !dmy:
		if c.mdy == nil {
			c.mdy = &sample{line, raw}
		}
	}
}

// decide returns the column's order, or the problem that keeps it from
// being decided (a zero problem when there is none).
func (c *dateColumn) decide() (dateOrder, problem) {
	switch {
	case c.dmy != nil && c.mdy != nil:
		return orderAuto, newProblem(ErrDatesMixed, append(c.dmy.args(), c.mdy.args()...)...)
	case c.mdy != nil:
		return orderMDY, problem{}
	case c.dmy != nil:
		return orderDMY, problem{}
	case c.both != nil:
		return orderAuto, newProblem(ErrDatesAmbiguous, c.both.args()...)
	}
	return orderDMY, problem{}
}
