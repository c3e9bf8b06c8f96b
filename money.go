package rumbo

import (
	"math/big"
	"strconv"
	"strings"
)

// Money is an exact amount in minor units (cents) of the organisation's
// currency. Sums of Money are exact; Money is never summed as a float.
type Money int64

// MinorUnits is the number of decimal places Money carries.
const MinorUnits = 2

// MaxMoney is the largest amount a record may hold (an amount, a spend), in absolute
// value: a hundred million million currency units. Larger ones are refused
// as input errors; sums of amounts that go past an int64 of minor units are
// refused where they are added (metric/agg.ErrOverflow).
const MaxMoney Money = 100_000_000_000_000_00

// String formats m as a plain decimal string with two decimals, "1234.50".
func (m Money) String() string {
	neg := m < 0
	v := int64(m)
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/100, 10) + "." + pad2(v%100)
	if neg {
		return "-" + s
	}
	return s
}

// Whole formats m's whole currency units, without decimals: "1234".
func (m Money) Whole() string { return strconv.FormatInt(int64(m)/100, 10) }

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// Rat returns m in currency units as an exact rational number.
func (m Money) Rat() *big.Rat { return big.NewRat(int64(m), 100) }

// ParseMoney parses a plain decimal string ("1234.5", "-3", "10.25") with a
// dot as decimal separator into Money. More than two decimals is an error.
// Locale-aware parsing (1.234,56 €) is the importer's job.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, Errorf(EINVALID, "empty amount")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, Errorf(EINVALID, "%q is not a number", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() {
		return 0, Errorf(EINVALID, "%q has more than %d decimals", s, MinorUnits)
	}
	if !r.Num().IsInt64() || r.Num().Int64() > int64(MaxMoney) || r.Num().Int64() < -int64(MaxMoney) {
		return 0, Errorf(EINVALID, "%q is too large (at most %s)", s, MaxMoney.Whole())
	}
	return Money(r.Num().Int64()), nil
}

// FormatRat formats an exact rational with the given number of decimals,
// rounding half away from zero: FormatRat(2/3, 6) = "0.666667".
func FormatRat(r *big.Rat, decimals int) string {
	return r.FloatString(decimals)
}
