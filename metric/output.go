package metric

import (
	"encoding/csv"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
)

// headers of the table, by language.
var headers = map[string][]string{
	"es": {"periodo", "valor", "mediana", "n", "objetivo", "obj. prorrateado", "logro", "salud"},
	"en": {"period", "value", "median", "n", "target", "pro-rata target", "achievement", "health"},
}

var healthNames = map[string]map[string]string{
	"es": {"none": "—", "green": "verde", "yellow": "amarillo", "red": "rojo"},
	"en": {"none": "—", "green": "green", "yellow": "yellow", "red": "red"},
}

// WriteTable writes the result as an aligned text table for people, with
// numbers formatted for lang ("es": 1.234,56; "en": 1,234.56). Rates are
// shown as percentages; a null value as "—".
func (r *Result) WriteTable(w io.Writer, lang string) error {
	if _, ok := headers[lang]; !ok {
		lang = "es"
	}
	h := headers[lang]
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	cols := []string{h[0]}
	if r.By != "" {
		cols = append(cols, r.By)
	}
	cols = append(cols, h[1:]...)
	io.WriteString(tw, strings.Join(cols, "\t")+"\t\n")
	for _, row := range r.Rows {
		cells := []string{row.Period}
		if r.By != "" {
			g := row.Group[r.By]
			if g == "" {
				g = "—"
			}
			cells = append(cells, g)
		}
		var med *Value
		n := ""
		if row.Stats != nil {
			med = row.Stats.Median
			n = strconv.Itoa(row.Stats.Count)
		}
		ach := "—"
		if row.Achievement != nil {
			ach = formatNumber(new(big.Rat).SetFloat64(*row.Achievement*100), 1, lang) + " %"
		}
		immature := ""
		if row.Immature {
			immature = " *"
		}
		cells = append(cells, human(row.Value, lang)+immature, human(med, lang), n,
			human(row.Target, lang), human(row.ProRataTarget, lang), ach, healthNames[lang][string(row.Health)])
		io.WriteString(tw, strings.Join(cells, "\t")+"\t\n")
	}
	return tw.Flush()
}

// human formats a value for people in lang.
func human(v *Value, lang string) string {
	if v == nil || v.Rat == nil {
		return "—"
	}
	switch v.Unit {
	case UnitRatio:
		return formatNumber(new(big.Rat).Mul(v.Rat, big.NewRat(100, 1)), 2, lang) + " %"
	case UnitCount:
		if v.Rat.IsInt() {
			return formatNumber(v.Rat, 0, lang)
		}
	}
	return formatNumber(v.Rat, 2, lang)
}

// formatNumber formats r with decimals and the thousands and decimal
// separators of lang.
func formatNumber(r *big.Rat, decimals int, lang string) string {
	s := r.FloatString(decimals)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	thousands, point := ",", "."
	if lang == "es" {
		thousands, point = ".", ","
	}
	var b strings.Builder
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(ch)
	}
	out := b.String()
	if frac != "" {
		out += point + frac
	}
	if neg && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}

// WriteCSV writes the result as CSV with machine values (money as decimal
// strings, rates as fractions, empty for null). Text cells that a
// spreadsheet would run as a formula (starting with = + - @, tab or CR) are
// prefixed with '.
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"kpi", "period", "start", "end"}
	if r.By != "" {
		head = append(head, r.By)
	}
	head = append(head, "value", "unit", "mean", "median", "count", "target", "pro_rata_target", "achievement", "health", "elapsed", "immature")
	if err := cw.Write(safeCells(head)); err != nil {
		return err
	}
	for _, row := range r.Rows {
		text := []string{r.KPI, row.Period}
		if r.By != "" {
			text = append(text, row.Group[r.By])
		}
		text = safeCells(text)
		rec := []string{text[0], text[1], row.Start.Format("2006-01-02T15:04:05Z07:00"), row.End.Format("2006-01-02T15:04:05Z07:00")}
		if r.By != "" {
			rec = append(rec, text[2])
		}
		var mean, med *Value
		count := ""
		if row.Stats != nil {
			mean, med, count = row.Stats.Mean, row.Stats.Median, strconv.Itoa(row.Stats.Count)
		}
		ach := ""
		if row.Achievement != nil {
			ach = strconv.FormatFloat(*row.Achievement, 'f', -1, 64)
		}
		rec = append(rec, row.Value.String(), safeCell(r.Unit), mean.String(), med.String(), count,
			row.Target.String(), row.ProRataTarget.String(), ach, string(row.Health),
			strconv.FormatFloat(row.Elapsed, 'f', -1, 64), strconv.FormatBool(row.Immature))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func safeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = safeCell(c)
	}
	return out
}

// safeCell neutralises a text cell a spreadsheet would take for a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Format formats v for people in lang: "1.234,56" in Spanish, rates as
// percentages, "—" for no value.
func (v *Value) Format(lang string) string { return human(v, lang) }
