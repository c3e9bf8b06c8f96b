package importer

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
)

func TestLoadMappingErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"empty", "", "F: empty mapping file"},
		{"unknown key", "entity: deals\ncolums: {external_id: id}\n",
			`F:2: unknown key "colums" (valid: entity, columns, values, defaults, fields, date_format, decimal)`},
		{"no entity", "columns: {external_id: id}\n",
			"F: entity is missing (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)"},
		{"unknown entity", "entity: sales\n",
			`F: unknown entity "sales" (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)`},
		{"unknown column field", "entity: teams\ncolumns: {external_id: id, name: n, boss: b}\n",
			`F: columns: unknown teams field "boss" (valid: external_id, name, parent)`},
		{"unknown values field", "entity: teams\ncolumns: {external_id: id, name: n}\nvalues: {kind: {a: b}}\n",
			`F: values: unknown teams field "kind" (valid: external_id, name, parent)`},
		{"unknown default field", "entity: teams\ncolumns: {external_id: id, name: n}\ndefaults: {country: ES}\n",
			`F: defaults: unknown teams field "country" (valid: external_id, name, parent)`},
		{"custom field shadows canonical", "entity: teams\ncolumns: {external_id: id, name: n}\nfields: {parent: p}\n",
			`F: fields: "parent" is a canonical teams field; map it under columns`},
		{"required field unmapped", "entity: deals\ncolumns: {external_id: id}\n",
			`F: required field "status" has no column or default`},
		{"bad date format", "entity: teams\ncolumns: {external_id: id, name: n}\ndate_format: \"%d/%m/%Y\"\n",
			`F: date_format: unknown layout "%d/%m/%Y" (valid: auto, dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, optionally with hh:mm or hh:mm:ss)`},
		{"bad decimal", "entity: teams\ncolumns: {external_id: id, name: n}\ndecimal: comma\n",
			`F: decimal: unknown separator "comma" (valid: auto, ",", ".")`},
		{"not yaml", "entity: [deals\n", "F: not a valid mapping file: line 1: did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "m.yaml", tt.content)
			_, err := LoadMapping(path)
			if rumbo.ErrorCode(err) != rumbo.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			if got := strings.Replace(rumbo.ErrorMessage(err), path, "F", 1); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLoadMapping(t *testing.T) {
	got, err := LoadMapping("../testdata/maven/deals.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Mapping{
		Entity: rumbo.EntityDeals,
		Columns: map[string]string{"external_id": "opportunity_id", "lead": "opportunity_id", "owner": "sales_agent",
			"customer": "account", "amount": "close_value", "created_at": "engage_date", "closed_at": "close_date",
			"status": "deal_stage", "stage": "deal_stage"},
		Values:     map[string]map[string]string{"status": {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}},
		Fields:     map[string]string{"product": "product"},
		DateFormat: "auto",
		Decimal:    "auto",
		name:       "../testdata/maven/deals.yaml",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if _, err := LoadMapping("../testdata/maven/people.yaml"); err != nil {
		t.Error(err)
	}
	if _, err := LoadMapping("nonexistent.yaml"); rumbo.ErrorMessage(err) != "nonexistent.yaml: mapping file not found" {
		t.Errorf("got %v", err)
	}
}

func TestCanonicalMapping(t *testing.T) {
	m := CanonicalMapping(rumbo.EntityTeams)
	want := map[string]string{"external_id": "external_id", "name": "name", "parent": "parent"}
	if !reflect.DeepEqual(m.Columns, want) || m.Entity != rumbo.EntityTeams {
		t.Errorf("got %+v", m)
	}
}
