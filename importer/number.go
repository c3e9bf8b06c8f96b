package importer

import (
	"math"
	"strconv"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// dollarCurrencies are the currencies written with a bare "$".
var dollarCurrencies = map[string]bool{
	"USD": true, "MXN": true, "ARS": true, "CLP": true, "COP": true, "UYU": true,
	"CAD": true, "AUD": true, "NZD": true, "SGD": true, "HKD": true,
}

// splitCurrency separates a currency symbol or ISO code written before or
// after an amount ("1.234,56 €", "€1,234.56", "EUR 10", "-10 USD") and a
// leading sign from the number itself. cur is "" when there is none, else an
// upper-case code or "$".
func splitCurrency(s string) (num, cur string, neg, ok bool) {
	s = strings.TrimSpace(s)
	signed := false
	sign := func() {
		if !signed && s != "" && (s[0] == '-' || s[0] == '+') {
			signed, neg = true, s[0] == '-'
			s = strings.TrimSpace(s[1:])
		}
	}
	sign()
	if c, rest, found := cutCurrencyPrefix(s); found {
		cur, s = c, strings.TrimSpace(rest)
		sign()
	}
	if c, rest, found := cutCurrencySuffix(s); found {
		if cur != "" {
			return "", "", false, false
		}
		cur, s = c, strings.TrimSpace(rest)
	}
	if s == "" {
		return "", "", false, false
	}
	return s, cur, neg, true
}

func cutCurrencyPrefix(s string) (cur, rest string, ok bool) {
	for _, sym := range [...]struct{ sym, code string }{{"€", "EUR"}, {"£", "GBP"}, {"$", "$"}} {
		if strings.HasPrefix(s, sym.sym) {
			return sym.code, s[len(sym.sym):], true
		}
	}
	if len(s) > 3 && isLetters(s[:3]) && !isLetter(s[3]) {
		return strings.ToUpper(s[:3]), s[3:], true
	}
	return "", s, false
}

func cutCurrencySuffix(s string) (cur, rest string, ok bool) {
	for _, sym := range [...]struct{ sym, code string }{{"€", "EUR"}, {"£", "GBP"}, {"$", "$"}} {
		if strings.HasSuffix(s, sym.sym) {
			return sym.code, s[:len(s)-len(sym.sym)], true
		}
	}
	if n := len(s); n > 3 && isLetters(s[n-3:]) && !isLetter(s[n-4]) {
		return strings.ToUpper(s[n-3:]), s[:n-3], true
	}
	return "", s, false
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

// currencyMatches reports whether a currency found in a value is the
// organisation's.
func currencyMatches(found, org string) bool {
	if found == "" || found == org {
		return true
	}
	return found == "$" && dollarCurrencies[org]
}

// splitDecimal splits a number without currency into its integer part and
// fraction digits, with dec as decimal separator and the other of "." and ","
// (or a space) as thousands separator in groups of three. The integer part
// keeps its separators: read its digits only.
func splitDecimal(s string, dec byte) (intPart, frac string, ok bool) {
	thou := byte(',')
	if dec == ',' {
		thou = '.'
	}
	intPart = s
	if i := strings.IndexByte(s, dec); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
		if frac == "" || !isDigits(frac) {
			return "", "", false
		}
	}
	if isDigits(intPart) {
		if intPart == "" && frac == "" {
			return "", "", false
		}
		return intPart, frac, true
	}
	// Grouped: 1.234.567 or 1 234 567; the first group has 1 to 3 digits
	// and does not start with 0, every other group exactly 3.
	group, groups := 0, 0
	for i := 0; i < len(intPart); i++ {
		c := intPart[i]
		switch {
		case c >= '0' && c <= '9':
			if group == 0 && groups == 0 && c == '0' {
				return "", "", false
			}
			group++
		case c == thou || c == ' ' || c == 0xC2 || c == 0xE2:
			// A space, U+00A0 (C2 A0) or U+202F (E2 80 AF).
			if c == 0xC2 {
				if i+1 >= len(intPart) || intPart[i+1] != 0xA0 {
					return "", "", false
				}
				i++
			} else if c == 0xE2 {
				if !strings.HasPrefix(intPart[i:], "\u202f") {
					return "", "", false
				}
				i += 2
			}
			if group == 0 || group > 3 || groups > 0 && group != 3 {
				return "", "", false
			}
			groups++
			group = 0
		default:
			return "", "", false
		}
	}
	if group != 3 {
		return "", "", false
	}
	return intPart, frac, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decimalColumn gathers, over a whole column, the evidence for its decimal
// separator.
type decimalColumn struct {
	comma, dot, both *sample // first value that fits only ",", only ".", both with different results
}

// observe takes one value of the column.
func (c *decimalColumn) observe(raw string, line int) {
	num, _, _, ok := splitCurrency(raw)
	if !ok {
		return
	}
	_, _, commaOK := splitDecimal(num, ',')
	_, _, dotOK := splitDecimal(num, '.')
	switch {
	case commaOK && dotOK && strings.ContainsAny(num, ".,"):
		if c.both == nil {
			c.both = &sample{line, raw}
		}
	case commaOK && !dotOK:
		if c.comma == nil {
			c.comma = &sample{line, raw}
		}
	case dotOK && !commaOK:
		if c.dot == nil {
			c.dot = &sample{line, raw}
		}
	}
}

// decide returns the column's decimal separator, or the problem that keeps
// it from being decided (a zero problem when there is none).
func (c *decimalColumn) decide() (byte, problem) {
	switch {
	case c.comma != nil && c.dot != nil:
		return 0, newProblem(ErrDecimalsMixed, append(c.comma.args(), c.dot.args()...)...)
	case c.comma != nil:
		return ',', problem{}
	case c.dot != nil:
		return '.', problem{}
	case c.both != nil:
		return 0, newProblem(ErrDecimalsAmbiguous, c.both.args()...)
	}
	return '.', problem{}
}

// parseMoney parses an amount with a decided decimal separator, or says
// what is wrong with it.
func parseMoney(raw string, dec byte, currency string) (m rumbo.Money, p problem, ok bool) {
	num, cur, neg, ok := splitCurrency(raw)
	if !ok {
		return 0, newProblem(ErrNumber, raw), false
	}
	intPart, frac, ok := splitDecimal(num, dec)
	if !ok {
		return 0, newProblem(ErrNumber, raw), false
	}
	if !currencyMatches(cur, currency) {
		return 0, newProblem(ErrCurrency, raw, currency), false
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > rumbo.MinorUnits {
		return 0, newProblem(ErrDecimals, raw, strconv.Itoa(rumbo.MinorUnits)), false
	}
	var v int64
	for i := 0; i < len(intPart); i++ {
		c := intPart[i]
		if c < '0' || c > '9' {
			continue // a thousands separator
		}
		if v > (math.MaxInt64-9)/10 {
			return 0, newProblem(ErrTooLarge, raw, rumbo.MaxMoney.Whole()), false
		}
		v = v*10 + int64(c-'0')
	}
	if v > int64(rumbo.MaxMoney)/100 {
		return 0, newProblem(ErrTooLarge, raw, rumbo.MaxMoney.Whole()), false
	}
	v *= 100
	if len(frac) > 0 {
		v += int64(frac[0]-'0') * 10
	}
	if len(frac) > 1 {
		v += int64(frac[1] - '0')
	}
	if v > int64(rumbo.MaxMoney) {
		return 0, newProblem(ErrTooLarge, raw, rumbo.MaxMoney.Whole()), false
	}
	if neg {
		v = -v
	}
	return rumbo.Money(v), problem{}, true
}
