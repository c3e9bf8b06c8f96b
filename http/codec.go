package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/rumbo-app/rumbo"
)

// Records travel as JSON objects whose keys are the canonical field names
// of the importer (external_id, owner, amount, closed_at…), derived from
// the record structs: one codec for every entity. Times are RFC 3339; a date
// or a time without an offset is read in the organisation's time zone.
// Money is a decimal string ("1234.50"; a JSON number is read too). Custom
// fields are the object "fields" of strings.

// recordTypes are the record structs of each entity.
var recordTypes = map[rumbo.Entity]reflect.Type{
	rumbo.EntityTeams:      reflect.TypeFor[rumbo.Team](),
	rumbo.EntityPeople:     reflect.TypeFor[rumbo.Person](),
	rumbo.EntityMarkets:    reflect.TypeFor[rumbo.Market](),
	rumbo.EntityCampaigns:  reflect.TypeFor[rumbo.Campaign](),
	rumbo.EntityLeads:      reflect.TypeFor[rumbo.Lead](),
	rumbo.EntityDeals:      reflect.TypeFor[rumbo.Deal](),
	rumbo.EntityActivities: reflect.TypeFor[rumbo.Activity](),
	rumbo.EntitySurveys:    reflect.TypeFor[rumbo.Survey](),
	rumbo.EntityInquiries:  reflect.TypeFor[rumbo.Inquiry](),
}

// readOnlyFields are set by Rumbo and ignored on input.
var readOnlyFields = map[string]bool{"first_seen_at": true}

// endOfDayFields read a date without a time as the end of that day.
var endOfDayFields = map[string]bool{"end": true}

type codecField struct {
	name  string
	index int
}

var (
	codecMu     sync.Mutex
	codecFields = map[rumbo.Entity][]codecField{}
)

// fieldsFor returns the JSON fields of an entity in struct order.
func fieldsFor(e rumbo.Entity) []codecField {
	codecMu.Lock()
	defer codecMu.Unlock()
	if fs, ok := codecFields[e]; ok {
		return fs
	}
	t := recordTypes[e]
	var fs []codecField
	for i := range t.NumField() {
		if f := t.Field(i); f.Name != "ID" {
			fs = append(fs, codecField{name: snake(f.Name), index: i})
		}
	}
	codecFields[e] = fs
	return fs
}

// snake turns a Go field name into its canonical name: ExternalID →
// external_id, FirstSeenAt → first_seen_at.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// fieldNames lists an entity's writable fields, for messages.
func fieldNames(e rumbo.Entity) string {
	var names []string
	for _, f := range fieldsFor(e) {
		if !readOnlyFields[f.name] {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ", ")
}

// encodeRecord writes a record as a JSON object in field order.
func encodeRecord(rec rumbo.Record) json.RawMessage {
	v := reflect.ValueOf(rec).Elem()
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fieldsFor(rec.Entity()) {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.name)
		b.Write(k)
		b.WriteByte(':')
		b.Write(encodeValue(v.Field(f.index).Interface()))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func encodeValue(x any) []byte {
	var out any
	switch x := x.(type) {
	case time.Time:
		if !x.IsZero() {
			out = x.UTC().Format(time.RFC3339)
		}
	case *rumbo.Money:
		if x != nil {
			out = x.String()
		}
	case rumbo.Fields:
		if x == nil {
			x = rumbo.Fields{}
		}
		out = x
	default:
		out = x
	}
	b, _ := json.Marshal(out)
	return b
}

// recordToMap returns a record's JSON fields, for merging a patch.
func recordToMap(rec rumbo.Record) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	json.Unmarshal(encodeRecord(rec), &m)
	return m
}

// decodeRecord builds a record of the entity from a JSON object's fields.
// Problems are returned as details, one per field.
func decodeRecord(e rumbo.Entity, obj map[string]json.RawMessage, loc *time.Location) (rumbo.Record, []Detail) {
	v := reflect.New(recordTypes[e])
	byName := map[string]codecField{}
	for _, f := range fieldsFor(e) {
		byName[f.name] = f
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var details []Detail
	for _, k := range keys {
		f, ok := byName[k]
		if !ok {
			details = append(details, Detail{Field: k, Message: fmt.Sprintf("unknown field %q (valid: %s)", k, fieldNames(e))})
			continue
		}
		if readOnlyFields[k] {
			continue
		}
		if err := decodeValue(v.Elem().Field(f.index), obj[k], loc, endOfDayFields[k]); err != nil {
			details = append(details, Detail{Field: k, Message: err.Error()})
		}
	}
	return v.Interface().(rumbo.Record), details
}

func decodeValue(dst reflect.Value, raw json.RawMessage, loc *time.Location, endOfDay bool) error {
	if string(raw) == "null" {
		dst.SetZero()
		return nil
	}
	switch dst.Interface().(type) {
	case string:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("a string expected")
		}
		dst.SetString(strings.TrimSpace(s))
	case bool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return fmt.Errorf("true or false expected")
		}
		dst.SetBool(b)
	case *int:
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			return fmt.Errorf("a whole number expected")
		}
		dst.Set(reflect.ValueOf(&n))
	case *rumbo.Money:
		s := string(raw)
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
		m, err := rumbo.ParseMoney(s)
		if err != nil {
			return fmt.Errorf("an amount such as \"1234.50\" expected: %s", rumbo.ErrorMessage(err))
		}
		dst.Set(reflect.ValueOf(&m))
	case time.Time:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("a date or RFC 3339 time expected as a string")
		}
		t, err := parseTime(strings.TrimSpace(s), loc, endOfDay)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(t))
	case rumbo.Fields:
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("an object of custom fields expected")
		}
		f := rumbo.Fields{}
		for k, x := range m {
			switch x := x.(type) {
			case string:
				f[k] = x
			case nil:
			case float64, bool:
				f[k] = fmt.Sprint(x)
			default:
				return fmt.Errorf("custom field %q: a string, number or boolean expected", k)
			}
		}
		dst.Set(reflect.ValueOf(f))
	default:
		return fmt.Errorf("unsupported field type %s", dst.Type())
	}
	return nil
}

// parseTime reads RFC 3339, or a date or date and time without offset in
// the organisation's zone.
func parseTime(s string, loc *time.Location, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1).Add(-time.Second)
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-03-01) or time (2026-03-01T10:00:00+01:00)", s)
}

// recordOwner returns the owner of a record that has one.
func recordOwner(rec rumbo.Record) (string, bool) {
	f := reflect.ValueOf(rec).Elem().FieldByName("Owner")
	if !f.IsValid() {
		return "", false
	}
	return f.String(), true
}

// ownedEntity reports whether the entity's records belong to a rep.
func ownedEntity(e rumbo.Entity) bool {
	_, ok := recordTypes[e].FieldByName("Owner")
	return ok
}
