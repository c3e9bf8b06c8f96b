package importer

import (
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

func TestParseDate(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		in       string
		order    dateOrder
		endOfDay bool
		want     time.Time // zero: invalid
	}{
		{"iso date, winter", "2024-01-15", orderDMY, false, utc("2024-01-14T23:00:00Z")},
		{"iso date, summer", "2024-07-15", orderDMY, false, utc("2024-07-14T22:00:00Z")},
		{"dmy slash", "03/04/2024", orderDMY, false, utc("2024-04-02T22:00:00Z")},
		{"mdy slash", "03/04/2024", orderMDY, false, utc("2024-03-03T23:00:00Z")},
		{"dmy dash one digit", "3-4-2024", orderDMY, false, utc("2024-04-02T22:00:00Z")},
		{"dmy with time", "25/04/2024 14:30", orderDMY, false, utc("2024-04-25T12:30:00Z")},
		{"dmy with seconds", "25.04.2024 14:30:15", orderDMY, false, utc("2024-04-25T12:30:15Z")},
		{"iso local time", "2024-04-25T14:30:00", orderDMY, false, utc("2024-04-25T12:30:00Z")},
		{"rfc3339 utc", "2024-04-25T14:30:00Z", orderDMY, false, utc("2024-04-25T14:30:00Z")},
		{"rfc3339 offset", "2024-04-25T14:30:00+05:30", orderDMY, false, utc("2024-04-25T09:00:00Z")},
		{"rfc3339 fraction", "2024-04-25T14:30:00.25-02:00", orderDMY, false, utc("2024-04-25T16:30:00.25Z")},
		{"end of day", "2024-03-31", orderDMY, true, utc("2024-03-31T21:59:59Z")},
		{"end of day keeps a time", "2024-03-31 10:00", orderDMY, true, utc("2024-03-31T08:00:00Z")},
		{"leap day", "29/02/2024", orderDMY, false, utc("2024-02-28T23:00:00Z")},
		{"no leap day", "29/02/2023", orderDMY, false, time.Time{}},
		{"month 13", "2017-13-45", orderDMY, false, time.Time{}},
		{"day 31 in april", "31/04/2024", orderDMY, false, time.Time{}},
		{"hour 24", "2024-01-01 24:00", orderDMY, false, time.Time{}},
		{"two-digit year", "03/04/24", orderDMY, false, time.Time{}},
		{"mixed separators", "03/04-2024", orderDMY, false, time.Time{}},
		{"text", "mañana", orderDMY, false, time.Time{}},
		{"day first under yyyy-mm-dd", "03/04/2024", orderYMD, false, time.Time{}},
		{"iso under yyyy-mm-dd", "2024-04-03", orderYMD, false, utc("2024-04-02T22:00:00Z")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got time.Time
			if p, ok := scanDate(tt.in); ok {
				got, _ = p.time(tt.order, madrid, tt.endOfDay)
			}
			if !got.Equal(tt.want) {
				t.Errorf("%q: got %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDateFormat(t *testing.T) {
	tests := []struct {
		in     string
		want   dateOrder
		wantOK bool
	}{
		{"", orderAuto, true},
		{"auto", orderAuto, true},
		{"dd/mm/yyyy", orderDMY, true},
		{"DD-MM-YYYY hh:mm", orderDMY, true},
		{"dd.mm.yyyy hh:mm:ss", orderDMY, true},
		{"mm/dd/yyyy", orderMDY, true},
		{"yyyy-mm-dd", orderYMD, true},
		{"yyyy-mm-ddThh:mm:ss", orderYMD, true},
		{"dd/mm/yy", orderAuto, false},
		{"%d/%m/%Y", orderAuto, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDateFormat(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDateColumn(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   dateOrder
		reason string
	}{
		{"decided by one day over 12", []string{"03/04/2024", "25/04/2024"}, orderDMY, ""},
		{"decided mm/dd", []string{"03/04/2024", "04/25/2024"}, orderMDY, ""},
		{"iso only", []string{"2024-04-03", "2024-04-25"}, orderDMY, ""},
		{"same day and month", []string{"01/01/2024", "12/12/2024"}, orderDMY, ""},
		{"ambiguous", []string{"03/04/2024", "05/06/2024"}, orderAuto,
			`is ambiguous: every date fits both dd/mm/yyyy and mm/dd/yyyy (line 2: "03/04/2024"); set date_format in a mapping file`},
		{"mixed", []string{"25/04/2024", "04/25/2024"}, orderAuto,
			`mixes dd/mm/yyyy (line 2: "25/04/2024") and mm/dd/yyyy (line 3: "04/25/2024") dates; set date_format in a mapping file`},
		{"invalid values ignored", []string{"2017-13-45", "31/31/2024", "13/01/2024"}, orderDMY, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c dateColumn
			for i, v := range tt.values {
				c.observe(v, i+2)
			}
			got, p := c.decide()
			reason := ""
			if p.code != "" {
				reason = p.english()
			}
			if got != tt.want || reason != tt.reason {
				t.Errorf("got %v %q, want %v %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in     string
		dec    byte
		want   rumbo.Money
		reason string
	}{
		{"1.234,56", ',', 123456, ""},
		{"1234,56", ',', 123456, ""},
		{"1,234.56", '.', 123456, ""},
		{"1234.56", '.', 123456, ""},
		{"1.234,56 €", ',', 123456, ""},
		{"1.234,56€", ',', 123456, ""},
		{"€1,234.56", '.', 123456, ""},
		{"EUR 10", '.', 1000, ""},
		{"10 eur", '.', 1000, ""},
		{"-1.234,5 €", ',', -123450, ""},
		{"€ -3", ',', -300, ""},
		{"1 234 567,8", ',', 123456780, ""},
		{"1\u00a0234,5", ',', 123450, ""},
		{"1.234.567", ',', 123456700, ""},
		{"0", '.', 0, ""},
		{",5", ',', 50, ""},
		{"10.500", '.', 1050, ""},
		{"12x4", '.', 0, `"12x4" is not a number`},
		{"1.2.3", ',', 0, `"1.2.3" is not a number`},
		{"12,34", '.', 0, `"12,34" is not a number`},
		{"€", '.', 0, `"€" is not a number`},
		{"EUR", '.', 0, `"EUR" is not a number`},
		{"1,234", ',', 0, `"1,234" has more than 2 decimals`},
		{"$1,234.56", '.', 0, `"$1,234.56" is not in the organisation's currency (EUR)`},
		{"10 USD", '.', 0, `"10 USD" is not in the organisation's currency (EUR)`},
		{"£10", '.', 0, `"£10" is not in the organisation's currency (EUR)`},
		{"99999999999999999999", '.', 0, `"99999999999999999999" is too large (at most 100000000000000)`},
		{"100.000.000.000.000", ',', 100_000_000_000_000_00, ""},
		{"-100000000000000.00", '.', -100_000_000_000_000_00, ""},
		{"100000000000000.01", '.', 0, `"100000000000000.01" is too large (at most 100000000000000)`},
		{"-100000000000001", '.', 0, `"-100000000000001" is too large (at most 100000000000000)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, p, ok := parseMoney(tt.in, tt.dec, "EUR")
			reason := ""
			if !ok {
				reason = p.english()
			}
			if got != tt.want || reason != tt.reason || ok != (tt.reason == "") {
				t.Errorf("got %v %q, want %v %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}

func TestDollarIsTheOrganisationsPeso(t *testing.T) {
	got, p, ok := parseMoney("$1,500.00", '.', "MXN")
	if got != 150000 || !ok {
		t.Errorf("got %v %q, want 1500.00", got, p.english())
	}
}

func TestDecimalColumn(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   byte
		reason string
	}{
		{"european", []string{"1.234", "1.234,56"}, ',', ""},
		{"english", []string{"1,234", "1,234.56"}, '.', ""},
		{"comma decimal", []string{"12,5"}, ',', ""},
		{"many groups decide", []string{"1.234", "1.234.567"}, ',', ""},
		{"leading zero is decimal", []string{"0.125"}, '.', ""},
		{"integers only", []string{"10", "2500", "€ 7"}, '.', ""},
		{"ambiguous", []string{"1.234", "5.678 €"}, 0,
			`is ambiguous: line 2: "1.234" may use a thousands separator or a decimal one; set decimal: "," or decimal: "." in a mapping file`},
		{"mixed", []string{"1.234,56", "1,234.56"}, 0,
			`mixes decimal comma (line 2: "1.234,56") and decimal point (line 3: "1,234.56"); set decimal in a mapping file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c decimalColumn
			for i, v := range tt.values {
				c.observe(v, i+2)
			}
			got, p := c.decide()
			reason := ""
			if p.code != "" {
				reason = p.english()
			}
			if got != tt.want || reason != tt.reason {
				t.Errorf("got %q %q, want %q %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}
