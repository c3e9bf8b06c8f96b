package rumbo

import (
	"strings"
	"testing"
	"time"
)

func TestRoleCan(t *testing.T) {
	// The expected table is written out by hand: it is the product's
	// definition of the roles (PRODUCT.md section 1), not a copy of the code.
	perms := []Permission{PermPublic, PermSignedIn, PermOrgRead, PermOrgWrite, PermUsersManage,
		PermRecordsRead, PermRecordsWrite, PermImport, PermKPIsRead, PermKPIsWrite,
		PermOKRsRead, PermOKRsWrite, PermCheckIn}
	want := map[Role]string{
		//          pub sig ord owr usr rrd rwr imp krd kwr ord owr chk
		RoleAdmin:   "1111111111111",
		RoleManager: "1110011111111",
		RoleMember:  "1110010010101",
		RoleViewer:  "1110010010100",
		Role("x"):   "1100000000000",
	}
	for role, row := range want {
		for i, p := range perms {
			got := role.Can(p)
			if got != (row[i] == '1') {
				t.Errorf("%s.Can(%s) = %v, want %v", role, p, got, row[i] == '1')
			}
		}
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"admin", RoleAdmin, false},
		{" Manager ", RoleManager, false},
		{"member", RoleMember, false},
		{"viewer", RoleViewer, false},
		{"owner", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseRole(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestLoginDelay(t *testing.T) {
	tests := []struct {
		name string
		n    int
		max  time.Duration
		want time.Duration
	}{
		{"none", 0, time.Minute, 0},
		{"free", 2, time.Minute, 0},
		{"first delay", 3, time.Minute, time.Second},
		{"doubles", 5, time.Minute, 4 * time.Second},
		{"capped", 12, time.Minute, time.Minute},
		{"huge count capped", 1000, 10 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LoginDelay(tt.n, tt.max); got != tt.want {
				t.Errorf("LoginDelay(%d, %s) = %s, want %s", tt.n, tt.max, got, tt.want)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name    string
		pw      string
		wantErr bool
	}{
		{"short", "abc", true},
		{"nine", "123456789", true},
		{"ten", "1234567890", false},
		{"accents count as one", "ñññññññññ", true},
		{"too long", strings.Repeat("a", 257), true},
		{"max", strings.Repeat("a", 256), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidatePassword(tt.pw); (err != nil) != tt.wantErr {
				t.Errorf("ValidatePassword(%q) = %v, want error %v", tt.pw, err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{" Ana@Example.COM ", "ana@example.com", false},
		{"ana", "", true},
		{"@example.com", "", true},
		{"ana@", "", true},
		{"a b@example.com", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeEmail(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	a, b := NewSecret("rumbo_"), NewSecret("rumbo_")
	if a == b || !strings.HasPrefix(a, "rumbo_") || len(a) != len("rumbo_")+43 {
		t.Errorf("NewSecret: %q, %q", a, b)
	}
	if h := HashSecret("x"); h != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" {
		t.Errorf("HashSecret(x) = %s", h)
	}
}
