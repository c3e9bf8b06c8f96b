package importer

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/rumbo-app/rumbo"
)

// snake turns an exported Go field name into its canonical field name.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var structs = map[rumbo.Entity]rumbo.Record{
	rumbo.EntityTeams: &rumbo.Team{}, rumbo.EntityPeople: &rumbo.Person{},
	rumbo.EntityMarkets: &rumbo.Market{}, rumbo.EntityCampaigns: &rumbo.Campaign{},
	rumbo.EntityLeads: &rumbo.Lead{}, rumbo.EntityDeals: &rumbo.Deal{},
	rumbo.EntityActivities: &rumbo.Activity{}, rumbo.EntitySurveys: &rumbo.Survey{},
	rumbo.EntityInquiries: &rumbo.Inquiry{},
}

// importable lists the struct's importable fields as canonical names.
func importable(r rumbo.Record) []string {
	t := reflect.TypeOf(r).Elem()
	var out []string
	for i := 0; i < t.NumField(); i++ {
		switch n := t.Field(i).Name; n {
		case "ID", "FirstSeenAt", "Fields":
		default:
			out = append(out, snake(n))
		}
	}
	return out
}

func TestFieldNamesMatchRecords(t *testing.T) {
	for _, e := range rumbo.Entities {
		t.Run(string(e), func(t *testing.T) {
			got, want := FieldNames(e), importable(structs[e])
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestBuildSetsEveryField gives every field a distinct value and checks that
// the built record carries each one in the struct field of the same name.
func TestBuildSetsEveryField(t *testing.T) {
	for _, e := range rumbo.Entities {
		t.Run(string(e), func(t *testing.T) {
			s := specs[e]
			vals := make([]value, len(s.fields))
			for i, f := range s.fields {
				v := &vals[i]
				v.set = true
				switch f.kind {
				case kString:
					v.s = "v" + f.name
				case kEnum:
					v.s = f.enum[len(f.enum)-1]
				case kTime:
					v.t = time.Date(2020, 1, i+1, 0, 0, 0, 0, time.UTC)
				case kMoney:
					v.m = rumbo.Money(100 + i)
				case kInt:
					v.i = 10 + i
				case kBool:
					v.b = true
				}
			}
			rec := s.build(vals, rumbo.Fields{"x": "y"})
			rv := reflect.ValueOf(rec).Elem()
			for i, f := range s.fields {
				fv := rv.FieldByNameFunc(func(n string) bool { return snake(n) == f.name })
				var got any = fv.Interface()
				if fv.Kind() == reflect.Pointer {
					got = fv.Elem().Interface()
				}
				var want any
				switch f.kind {
				case kString, kEnum:
					want = vals[i].s
				case kTime:
					want = vals[i].t
				case kMoney:
					want = vals[i].m
				case kInt:
					want = vals[i].i
				case kBool:
					want = vals[i].b
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: got %v, want %v", f.name, got, want)
				}
			}
			if got := rv.FieldByName("Fields").Interface().(rumbo.Fields); got["x"] != "y" {
				t.Errorf("Fields: got %v", got)
			}
		})
	}
}
