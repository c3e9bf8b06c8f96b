package rumbo

// Limits of one page of a record list.
const (
	DefaultPageSize = 100
	MaxPageSize     = 500
)

// FieldFilter keeps the records whose field equals Value. Names (owner,
// team, market, customer…) match ignoring case; other fields match exactly.
type FieldFilter struct {
	Field, Value string
}

// ListQuery asks for one page of an entity's records, ordered by creation.
type ListQuery struct {
	Filters []FieldFilter // all must match
	Cursor  string        // opaque: RecordPage.Next of the previous page; "" for the first
	Limit   int           // 1..MaxPageSize; 0 means DefaultPageSize
}

// RecordPage is one page of records and the cursor of the next ("" at the end).
type RecordPage struct {
	Records []Record
	Next    string
}
