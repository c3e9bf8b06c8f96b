package importer

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rumbo-app/rumbo"
)

func TestPreviewFile(t *testing.T) {
	tests := []struct {
		name      string
		content   []byte
		opts      PreviewOptions
		delimiter string
		encoding  string
		columns   []PreviewColumn
		rows      int
		total     int
	}{
		{
			name:      "semicolons, day first and decimal comma",
			content:   []byte("id;fecha;importe;nota\nA;13/02/2026;1.234,50;hola\nB;01/03/2026;7,25;\nC;02/03/2026;10;x\n"),
			opts:      PreviewOptions{Rows: 2},
			delimiter: ";", encoding: "utf-8",
			columns: []PreviewColumn{
				{Name: "id", Kind: ColumnText},
				{Name: "fecha", Kind: ColumnDate, DateFormat: "dd/mm/yyyy"},
				{Name: "importe", Kind: ColumnNumber, Decimal: ","},
				{Name: "nota", Kind: ColumnText},
			},
			rows: 2, total: 3,
		},
		{
			name:      "commas, month first, ISO dates, decimal point, canonical headers",
			content:   []byte("\xEF\xBB\xBFexternal_id,closed_at,created_at,amount,extra\nD1,02/13/2026,2026-01-02,\"1,234.50\",\nD2,03/01/2026,2026-01-03,99,\n"),
			opts:      PreviewOptions{Entity: rumbo.EntityDeals},
			delimiter: ",", encoding: "utf-8-bom",
			columns: []PreviewColumn{
				{Name: "external_id", Field: "external_id", Kind: ColumnText},
				{Name: "closed_at", Field: "closed_at", Kind: ColumnDate, DateFormat: "mm/dd/yyyy"},
				{Name: "created_at", Field: "created_at", Kind: ColumnDate, DateFormat: "yyyy-mm-dd"},
				{Name: "amount", Field: "amount", Kind: ColumnNumber, Decimal: "."},
				{Name: "extra", Field: "fields.extra", Kind: ColumnEmpty},
			},
			rows: 2, total: 2,
		},
		{
			name:      "Windows-1252 tabs with an ambiguous date",
			content:   []byte("nombre\tcuando\nMar\xEDa\t01/02/2026\n"),
			delimiter: "\t", encoding: "windows-1252",
			columns: []PreviewColumn{
				{Name: "nombre", Kind: ColumnText},
				{Name: "cuando", Kind: ColumnDate, Problem: `column is ambiguous: every date fits both dd/mm/yyyy and mm/dd/yyyy (line 2: "01/02/2026"); set date_format in a mapping file`,
					ProblemCode: ErrDatesAmbiguous, ProblemArgs: []string{"2", "01/02/2026"}},
			},
			rows: 1, total: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "in.csv")
			if err := os.WriteFile(path, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := PreviewFile(path, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Delimiter != tc.delimiter || got.Encoding != tc.encoding {
				t.Errorf("delimiter %q encoding %q, want %q %q", got.Delimiter, got.Encoding, tc.delimiter, tc.encoding)
			}
			if !reflect.DeepEqual(got.Columns, tc.columns) {
				t.Errorf("columns\n got %+v\nwant %+v", got.Columns, tc.columns)
			}
			if len(got.Rows) != tc.rows || got.TotalRows != tc.total {
				t.Errorf("%d rows of %d, want %d of %d", len(got.Rows), got.TotalRows, tc.rows, tc.total)
			}
		})
	}
	t.Run("decoded to UTF-8", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "in.csv")
		os.WriteFile(path, []byte("nombre\nMar\xEDa\n"), 0o644)
		got, err := PreviewFile(path, PreviewOptions{Name: "subida.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Rows[0][0] != "María" || got.File != "subida.csv" {
			t.Errorf("row %q file %q, want María subida.csv", got.Rows[0][0], got.File)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "in.csv")
		os.WriteFile(path, nil, 0o644)
		_, err := PreviewFile(path, PreviewOptions{Name: "x.csv"})
		if got, want := rumbo.ErrorMessage(err), "x.csv: empty file"; got != want {
			t.Errorf("error %q, want %q", got, want)
		}
	})
}

func TestParseMapping(t *testing.T) {
	tests := []struct {
		name, text, wantErr string
	}{
		{"yaml", "entity: deals\ncolumns: {external_id: id, closed_at: fecha, status: estado}\n", ""},
		{"json", `{"entity":"deals","columns":{"external_id":"id","closed_at":"fecha","status":"estado"},"decimal":","}`, ""},
		{"unknown key", "entity: deals\ncolumnas: {}\n", `up.yaml:2: unknown key "columnas" (valid: entity, columns, values, defaults, fields, date_format, decimal)`},
		{"empty", "", "up.yaml: empty mapping"},
		{"unknown field", "entity: deals\ncolumns: {importe: x}\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMapping("up.yaml", []byte(tc.text))
			if tc.name == "unknown field" {
				if rumbo.ErrorCode(err) != rumbo.EINVALID {
					t.Errorf("error %v, want EINVALID", err)
				}
				return
			}
			if got := rumbo.ErrorMessage(err); got != tc.wantErr {
				t.Fatalf("error %q, want %q", got, tc.wantErr)
			}
			if err == nil && m.Entity != rumbo.EntityDeals {
				t.Errorf("entity %q, want deals", m.Entity)
			}
		})
	}
}

// TestPreviewIgnoresStoreColumns: the preview says of id and first_seen_at
// what the import does with them: nothing (they are not custom fields).
func TestPreviewIgnoresStoreColumns(t *testing.T) {
	path := writeFile(t, "deals.csv", "external_id,status,first_seen_at,id,note\nD1,won,2024-01-02,7,x\n")
	p, err := PreviewFile(path, PreviewOptions{Entity: rumbo.EntityDeals})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"external_id", "status", "", "", "fields.note"} {
		if got := p.Columns[i].Field; got != want {
			t.Errorf("column %d (%s) feeds %q, want %q", i, p.Columns[i].Name, got, want)
		}
	}
}
