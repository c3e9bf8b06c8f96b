package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Values as stored: times are Unix seconds UTC and NULL when zero, money is
// minor units, optional text is NULL when empty and custom fields are a JSON
// object, NULL when there are none. Every value bound by the record writer is
// nil, an int64 or a string, so that a stored row and a new one compare with ==.

// unixOrNil returns t as Unix seconds, or nil for the zero time.
func unixOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// timeOf returns the time stored as Unix seconds, in UTC; zero for NULL.
func timeOf(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

// textOrNil returns s, or nil when it is empty.
func textOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// moneyOrNil returns the amount in minor units, or nil when unknown.
func moneyOrNil(m *rumbo.Money) any {
	if m == nil {
		return nil
	}
	return int64(*m)
}

// moneyOf returns the stored amount, nil for NULL.
func moneyOf(v sql.NullInt64) *rumbo.Money {
	if !v.Valid {
		return nil
	}
	m := rumbo.Money(v.Int64)
	return &m
}

// intOrNil returns *p as an int64, or nil.
func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

// boolInt stores a flag as 0 or 1 on both engines.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// idOrNil returns a resolved reference id, or nil for none.
func idOrNil(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// fieldsJSON encodes custom fields as a JSON object with sorted keys, or nil
// when there are none.
func fieldsJSON(f rumbo.Fields) (any, error) {
	if len(f) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode custom fields: %w", err)
	}
	return string(b), nil
}

// fieldsOf decodes stored custom fields; nil for NULL.
func fieldsOf(v sql.NullString) (rumbo.Fields, error) {
	if !v.Valid || v.String == "" {
		return nil, nil
	}
	var f rumbo.Fields
	if err := json.Unmarshal([]byte(v.String), &f); err != nil {
		return nil, fmt.Errorf("decode custom fields: %w", err)
	}
	return f, nil
}

// nameKey is the form a name or e-mail is matched by: trimmed, lower case.
func nameKey(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// normalize turns a scanned driver value into nil, int64 or string, the
// forms the writer binds, so that stored and new rows compare with ==.
func normalize(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case int16:
		return int64(x)
	case bool:
		return boolInt(x)
	}
	return v
}
