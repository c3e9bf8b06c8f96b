package demo

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// day is one calendar day of the history, in the organisation's zone.
type day struct {
	date    time.Time // local midnight
	working bool      // Monday to Friday and not a national holiday
	q       int       // index of its quarter in gen.quarters
	pre     bool      // before the first quarter: leads and deals only
}

// holiday reports whether the date is a Spanish national holiday (Good
// Friday included), when the demo company does no sales work.
func holiday(d time.Time) bool {
	switch m, n := d.Month(), d.Day(); {
	case m == time.January && (n == 1 || n == 6),
		m == time.May && n == 1,
		m == time.August && n == 15,
		m == time.October && n == 12,
		m == time.November && n == 1,
		m == time.December && (n == 6 || n == 8 || n == 25):
		return true
	}
	gf := easter(d.Year()).AddDate(0, 0, -2)
	return d.Month() == gf.Month() && d.Day() == gf.Day()
}

// easter returns Easter Sunday of year y (anonymous Gregorian algorithm), in UTC.
func easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	dd := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), dd, 0, 0, 0, 0, time.UTC)
}

// workHours and their weights: a Spanish office day, with lunch at two.
var (
	workHours   = []int{8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19}
	workWeights = newChooser([]float64{1, 8, 10, 10, 10, 7, 8, 9, 8, 4, 1})
)

// workTime returns a random instant in the working hours of the local date d, in UTC.
func workTime(r *rand.Rand, d time.Time) time.Time {
	h := workHours[workWeights.pick(r)]
	return time.Date(d.Year(), d.Month(), d.Day(), h, r.IntN(60), r.IntN(60), 0, d.Location()).UTC()
}

// anyTime returns a random instant between 08:00 and 23:00 of the local date d, in UTC.
func anyTime(r *rand.Rand, d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 8+r.IntN(15), r.IntN(60), r.IntN(60), 0, d.Location()).UTC()
}

// dateOf returns the local midnight of the instant t in loc.
func dateOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// workingDayOnOrAfter moves a local date forward to the next working day.
func workingDayOnOrAfter(d time.Time) time.Time {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || holiday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// chooser picks an index with probability proportional to its weight.
type chooser struct{ cum []float64 }

func newChooser(weights []float64) chooser {
	cum := make([]float64, len(weights))
	s := 0.0
	for i, w := range weights {
		s += w
		cum[i] = s
	}
	return chooser{cum: cum}
}

func (c chooser) pick(r *rand.Rand) int {
	if len(c.cum) == 0 {
		return -1
	}
	x := r.Float64() * c.cum[len(c.cum)-1]
	i := sort.SearchFloat64s(c.cum, x)
	if i >= len(c.cum) {
		i = len(c.cum) - 1
	}
	return i
}

// poisson draws a Poisson count with mean lambda (normal approximation
// above 30).
func poisson(r *rand.Rand, lambda float64) int {
	switch {
	case lambda <= 0:
		return 0
	case lambda > 30:
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, p, k := math.Exp(-lambda), 1.0, 0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// lognormal draws a log-normal value with the given median and shape.
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// between draws uniformly from [lo, hi).
func between(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// hours converts a float number of hours to a duration, to the second.
func hours(h float64) time.Duration { return time.Duration(h*3600) * time.Second }

// pacer keeps a random process close to its expected running total, so
// that a quarter's figures tell the intended story at small scale while each
// draw stays random: a deficit raises the next draws, a surplus lowers them.
// The gain is the share of the gap corrected by count at each draw; a small
// gain keeps the week-to-week noise and only stops the drift.
type pacer struct{ want, got, gain float64 }

// count draws a count with mean lambda, corrected by the running gap.
func (p *pacer) count(r *rand.Rand, lambda float64) int {
	n := poisson(r, lambda+p.gain*(p.want-p.got))
	p.want += lambda
	p.got += float64(n)
	return n
}

// chance draws an event of probability prob, corrected by the running gap.
func (p *pacer) chance(r *rand.Rand, prob float64) bool {
	q := min(1, max(0, prob+p.gain*(p.want-p.got)))
	hit := r.Float64() < q
	p.want += prob
	if hit {
		p.got++
	}
	return hit
}

// scale returns the factor for the next value whose expectation is want,
// corrected by the running gap, and records got = want × factor × draw.
func (p *pacer) scale(want float64) float64 {
	f := min(1.6, max(0.6, 1+p.gain*(p.want-p.got)/want))
	p.want += want
	return f
}
