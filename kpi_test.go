package rumbo

import "testing"

func TestMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		str  string
		err  string
	}{
		{"1234.5", 123450, "1234.50", ""},
		{"-3", -300, "-3.00", ""},
		{"0.07", 7, "0.07", ""},
		{"10005534", 1000553400, "10005534.00", ""},
		{"1.234", 0, "", `"1.234" has more than 2 decimals`},
		{"12x4", 0, "", `"12x4" is not a number`},
		{"100000000000000", MaxMoney, "100000000000000.00", ""},
		{"-100000000000000", -MaxMoney, "-100000000000000.00", ""},
		{"100000000000000.01", 0, "", `"100000000000000.01" is too large (at most 100000000000000)`},
		{"99999999999999999999", 0, "", `"99999999999999999999" is too large (at most 100000000000000)`},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if msg := ErrorMessage(err); msg != tt.err {
			t.Errorf("ParseMoney(%q) error = %q, want %q", tt.in, msg, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if got != tt.want || got.String() != tt.str {
			t.Errorf("ParseMoney(%q) = %d (%s), want %d (%s)", tt.in, got, got, tt.want, tt.str)
		}
	}
}
