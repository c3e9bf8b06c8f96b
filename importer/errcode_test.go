package importer

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
)

// TestRowErrorCodes decodes one bad row per code and checks the code, the
// field, the arguments, and that the English reason is the code's message
// with those arguments after the field's name.
func TestRowErrorCodes(t *testing.T) {
	const dealsHeader = "external_id,owner,amount,created_at,closed_at,status\n"
	ymd := &Mapping{Columns: map[string]string{"external_id": "external_id", "closed_at": "closed_at", "status": "status"}, DateFormat: "yyyy-mm-dd"}
	tests := []struct {
		name   string
		entity rumbo.Entity
		body   string
		opts   Options
		column string
		field  string
		code   ErrorCode
		args   []string
	}{
		{"date", rumbo.EntityDeals, dealsHeader + "D1,Ana,10,2017-01-02,2017-13-45,won\n", Options{}, "closed_at", "closed_at", ErrDate, []string{"2017-13-45"}},
		{"date, yyyy-mm-dd", rumbo.EntityDeals, "external_id,closed_at,status\nD1,13/01/2017,won\n", Options{Mapping: ymd}, "closed_at", "closed_at", ErrDateYMD, []string{"13/01/2017"}},
		{"number", rumbo.EntityDeals, dealsHeader + "D1,Ana,mil euros,,,open\n", Options{}, "amount", "amount", ErrNumber, []string{"mil euros"}},
		{"currency", rumbo.EntityDeals, dealsHeader + "D1,Ana,$1.5,,,open\n", Options{}, "amount", "amount", ErrCurrency, []string{"$1.5", "EUR"}},
		{"decimals", rumbo.EntityDeals, dealsHeader + "D1,Ana,\"1,505\",,,open\nD2,Ana,\"1,5\",,,open\n", Options{}, "amount", "amount", ErrDecimals, []string{"1,505", "2"}},
		{"too large", rumbo.EntityDeals, dealsHeader + "D1,Ana,99999999999999999999,,,open\n", Options{}, "amount", "amount", ErrTooLarge, []string{"99999999999999999999", "100000000000000"}},
		{"not allowed", rumbo.EntityDeals, dealsHeader + "D1,Ana,10,,,pending\n", Options{}, "status", "status", ErrNotAllowed, []string{"pending", "open, won, lost"}},
		{"required", rumbo.EntityDeals, dealsHeader + "D1,Ana,10,,,\n", Options{}, "status", "status", ErrRequired, nil},
		{"duplicate id", rumbo.EntityDeals, dealsHeader + "D1,Ana,10,,,open\nD1,Ana,10,,,open\n", Options{}, "external_id", "external_id", ErrDuplicateID, []string{"D1", "2"}},
		{"row width", rumbo.EntityDeals, dealsHeader + "D1,Ana,10\n", Options{}, "", "", ErrRowWidth, []string{"3", "6"}},
		{"bare quote", rumbo.EntityDeals, dealsHeader + "D1,An\"a,10,,,open\n", Options{}, "", "", ErrCSVBareQuote, nil},
		{"quote", rumbo.EntityDeals, dealsHeader + "D1,\"Ana\"x,10,,,open\n", Options{}, "", "", ErrCSVQuote, nil},
		{"whole number", rumbo.EntitySurveys, "external_id,sent_at,score\nS1,2024-01-02,4.5\n", Options{}, "score", "score", ErrWholeNumber, []string{"4.5"}},
		{"score range", rumbo.EntitySurveys, "external_id,sent_at,score\nS1,2024-01-02,7\n", Options{}, "score", "score", ErrScoreRange, []string{"7", "csat", "1", "5"}},
		{"yes or no", rumbo.EntityMarkets, "external_id,name,new\nM1,Portugal,quizá\n", Options{}, "new", "new", ErrYesNo, []string{"quizá"}},
		{"name or email", rumbo.EntityPeople, "external_id,name,email\nP1,,\n", Options{}, "name", "name", ErrNameOrEmail, nil},
		{"active_to before active_from", rumbo.EntityPeople, "external_id,name,active_from,active_to\nP1,Ana,2024-02-01,2024-01-01\n", Options{}, "active_to", "active_to", ErrBefore, []string{"active_to", "active_from"}},
		{"end before start", rumbo.EntityCampaigns, "external_id,name,start,end\nC1,Feria,2024-02-01,2024-01-01\n", Options{}, "end", "end", ErrBefore, []string{"end", "start"}},
	}
	seen := map[ErrorCode]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "f.csv", tt.body)
			tt.opts.Entity = tt.entity
			d, err := NewDecoder(path, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var errs []RowError
			for {
				_, rowErrs, err := d.Next()
				if err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				errs = append(errs, rowErrs...)
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors %+v, want 1", len(errs), errs)
			}
			e := errs[0]
			if e.Code != tt.code || e.Field != tt.field || e.Column != tt.column || !slices.Equal(e.Args, tt.args) {
				t.Errorf("got code %q field %q column %q args %q, want %q %q %q %q", e.Code, e.Field, e.Column, e.Args, tt.code, tt.field, tt.column, tt.args)
			}
			want := newProblem(e.Code, e.Args...).english()
			if e.Field != "" {
				want = e.Field + ": " + want
			}
			if e.Reason != want || strings.Contains(e.Reason, "%!") {
				t.Errorf("reason %q, want %q", e.Reason, want)
			}
			seen[e.Code] = true
		})
	}
	// The codes not made by the decoder come from the store (storeProblem)
	// or from CSV errors that its reader settings never raise.
	others := []ErrorCode{ErrCSVSyntax, ErrRejected, ErrUnknownPerson, ErrUnknownTeam, ErrUnknownMarket,
		ErrUnknownCampaign, ErrUnknownCustomer, ErrUnknownLead, ErrUnknownDeal}
	for _, c := range ErrorCodes() {
		if !seen[c] && !slices.Contains(others, c) {
			t.Errorf("no bad row here gives code %q", c)
		}
	}
}

// TestStoreProblem: the store's refusals keep their English reason, and a
// reference to a missing record gets the code of its kind with the value.
func TestStoreProblem(t *testing.T) {
	for noun, code := range unknownRefs {
		for _, v := range []string{"Ana", `Nadie "Ninguno"`, "Ñoño"} {
			msg := fmt.Sprintf("unknown %s %q", noun, v)
			p := storeProblem(&rumbo.FieldError{Field: "owner", Message: msg})
			if p.code != code || !slices.Equal(p.args, []string{v}) || p.english() != msg {
				t.Errorf("%s: got %q %q %q", msg, p.code, p.args, p.english())
			}
		}
	}
	for _, msg := range []string{"active_to is before active_from", "unknown planet \"X\"", "unknown person Ana"} {
		p := storeProblem(&rumbo.FieldError{Field: "f", Message: msg})
		if p.code != ErrRejected || p.english() != msg {
			t.Errorf("%s: got %q %q", msg, p.code, p.english())
		}
	}
}

// TestFileErrorCodes makes one bad file or mapping per code of FileError
// and checks the code, the arguments, that the error is still an EINVALID
// domain error whose message is the English one, and that every file code
// is made here and none is also a row code.
func TestFileErrorCodes(t *testing.T) {
	dealsMap := "entity: deals\ncolumns: {external_id: id, status: s}\n"
	peopleMapping := &Mapping{Entity: rumbo.EntityPeople, Columns: map[string]string{"external_id": "id", "name": "id"}}
	namedMapping := &Mapping{Entity: rumbo.EntityPeople, Columns: map[string]string{"external_id": "id", "name": "id"}, name: "people.yaml"}
	tests := []struct {
		name    string
		content string  // a CSV file decoded with opts, when mapping is ""
		opts    Options // for the file
		mapping string  // a mapping given to ParseMapping instead
		code    ErrorCode
		args    []string
		want    string // the English message, F for the file
	}{
		{"empty", "", deals(Options{}), "", ErrFileEmpty, nil, "F: empty file"},
		{"binary", "external_id,status\n\x00", deals(Options{}), "", ErrFileBinary, []string{"0x00"}, "F:2: binary data (byte 0x00); not a CSV text file"},
		{"utf-16", "\xFF\xFEe\x00", deals(Options{}), "", ErrFileUTF16, nil, "F: UTF-16 text is not supported; save the file as CSV UTF-8"},
		{"no entity", "external_id\nD1\n", Options{}, "", ErrNoEntity, nil, "F: no entity given"},
		{"mapping for another entity", "id\nP1\n", deals(Options{Mapping: peopleMapping}), "", ErrMappingEntity, []string{"people", "deals"}, "F: the mapping is for people, not deals"},
		{"mapping file for another entity", "id\nP1\n", deals(Options{Mapping: namedMapping}), "", ErrMappingFileEntity, []string{"people.yaml", "people", "deals"}, "F: mapping people.yaml is for people, not deals"},
		{"header quote", "external_id,\"status\"x\n", deals(Options{}), "", ErrHeaderQuote, nil, "F:1: cannot read the header: " + `extraneous or missing " in quoted-field`},
		{"header bare quote", "external_id,sta\"tus\n", deals(Options{}), "", ErrHeaderBareQuote, nil, "F:1: cannot read the header: " + `bare " in non-quoted-field`},
		{"duplicate column", "external_id,status,status\n", deals(Options{}), "", ErrDuplicateColumn, []string{"status"}, `F:1: column "status" appears more than once in the header`},
		{"missing column", "opportunity_id,deal_stage\nD1,Won\n", deals(Options{Mapping: &Mapping{
			Columns: map[string]string{"external_id": "opportunity_id", "status": "deal_stage", "owner": "sales_agent"}}}), "",
			ErrMissingColumn, []string{`"sales_agent" (owner)`}, `F:1: missing column "sales_agent" (owner)`},
		{"missing columns", "opportunity_id\nD1\n", deals(Options{Mapping: &Mapping{
			Columns: map[string]string{"external_id": "opportunity_id", "status": "deal_stage", "owner": "sales_agent"}}}), "",
			ErrMissingColumns, []string{`"sales_agent" (owner), "deal_stage" (status)`}, `F:1: missing columns "sales_agent" (owner), "deal_stage" (status)`},
		{"missing required column", "external_id,amount\n", deals(Options{}), "", ErrMissingRequired, []string{`"status"`}, `F:1: missing required column "status"`},
		{"missing required columns", "id,amount\n", deals(Options{}), "", ErrMissingRequiredAll, []string{`"external_id", "status"`}, `F:1: missing required columns "external_id", "status"`},
		{"missing one of", "external_id,team\nP1,East\n", Options{Entity: rumbo.EntityPeople}, "", ErrMissingOneOf, []string{"name", "email"}, `F:1: missing required column "name" or "email"`},
		{"dates mixed", "external_id,status,closed_at\nD1,won,25/04/2024\nD2,won,04/25/2024\n", deals(Options{}), "", ErrDatesMixed, []string{"2", "25/04/2024", "3", "04/25/2024"},
			`F: column "closed_at" mixes dd/mm/yyyy (line 2: "25/04/2024") and mm/dd/yyyy (line 3: "04/25/2024") dates; set date_format in a mapping file`},
		{"dates ambiguous", "external_id,status,closed_at\nD1,won,03/04/2024\n", deals(Options{}), "", ErrDatesAmbiguous, []string{"2", "03/04/2024"},
			`F: column "closed_at" is ambiguous: every date fits both dd/mm/yyyy and mm/dd/yyyy (line 2: "03/04/2024"); set date_format in a mapping file`},
		{"decimals mixed", "external_id,status,amount\nD1,won,\"1.234,5\"\nD2,won,\"1,234.5\"\n", deals(Options{}), "", ErrDecimalsMixed, []string{"2", "1.234,5", "3", "1,234.5"},
			`F: column "amount" mixes decimal comma (line 2: "1.234,5") and decimal point (line 3: "1,234.5"); set decimal in a mapping file`},
		{"decimals ambiguous", "external_id,status,amount\nD1,won,1.234\n", deals(Options{}), "", ErrDecimalsAmbiguous, []string{"2", "1.234"},
			`F: column "amount" is ambiguous: line 2: "1.234" may use a thousands separator or a decimal one; set decimal: "," or decimal: "." in a mapping file`},
		{"mapping empty", "", Options{}, " ", ErrMappingEmpty, nil, "m: empty mapping"},
		{"mapping key", "", Options{}, "entity: deals\ncolumnz: {}\n", ErrMappingKey, []string{"columnz"}, `m:2: unknown key "columnz" (valid: entity, columns, values, defaults, fields, date_format, decimal)`},
		{"mapping syntax", "", Options{}, "entity: [\n", ErrMappingSyntax, nil, ""},
		{"mapping without entity", "", Options{}, "columns: {external_id: id}\n", ErrMappingNoEntity, nil, "m: entity is missing (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)"},
		{"mapping with a bad entity", "", Options{}, "entity: planets\n", ErrMappingBadEntity, []string{"planets"}, `m: unknown entity "planets" (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)`},
		{"mapping field", "", Options{}, "entity: teams\ncolumns: {colour: c}\n", ErrMappingField, nil, ""},
		{"mapping empty column", "", Options{}, "entity: deals\ncolumns: {external_id: id, status: ' '}\n", ErrMappingEmptyColumn, []string{"status"}, `m: columns: field "status" has an empty column name`},
		{"custom field is canonical", "", Options{}, dealsMap + "fields: {amount: x}\n", ErrMappingCustomIsStd, []string{"amount", "deals"}, `m: fields: "amount" is a canonical deals field; map it under columns`},
		{"custom field without column", "", Options{}, dealsMap + "fields: {region: ' '}\n", ErrMappingCustomBad, []string{"region"}, `m: fields: custom field "region" needs a name and a column`},
		{"required field unmapped", "", Options{}, "entity: deals\ncolumns: {external_id: id}\n", ErrMappingRequired, []string{"status"}, `m: required field "status" has no column or default`},
		{"one of unmapped", "", Options{}, "entity: people\ncolumns: {external_id: id}\n", ErrMappingOneOf, []string{"people", "name", "email"}, "m: people need a column for name or email"},
		{"date format", "", Options{}, dealsMap + "date_format: dd.mm.yy\n", ErrMappingDateFormat, []string{"dd.mm.yy"}, ""},
		{"decimal", "", Options{}, dealsMap + "decimal: ';'\n", ErrMappingDecimal, []string{";"}, `m: decimal: unknown separator ";" (valid: auto, ",", ".")`},
	}
	seen := map[ErrorCode]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			var path string
			if tt.mapping != "" {
				_, err = ParseMapping("m", []byte(tt.mapping))
			} else {
				path = writeFile(t, "f.csv", tt.content)
				_, _, err = decodeAll(t, path, tt.opts)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a FileError", err)
			}
			if fe.Code != tt.code || (tt.args != nil && !slices.Equal(fe.Args, tt.args)) {
				t.Errorf("got code %q args %q, want %q %q", fe.Code, fe.Args, tt.code, tt.args)
			}
			msg := rumbo.ErrorMessage(err)
			if rumbo.ErrorCode(err) != rumbo.EINVALID || msg != fe.Error() || strings.Contains(msg, "%!") {
				t.Errorf("domain error %q %q, FileError %q", rumbo.ErrorCode(err), msg, fe.Error())
			}
			got := msg
			if tt.mapping == "" {
				got = strings.Replace(msg, path, "F", 1)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			seen[fe.Code] = true
		})
	}
	// file_not_found and file_directory come from the preview below;
	// file_open needs a file root may not be refused; header_syntax a CSV
	// error the reader's settings never raise on a header; entity_required
	// is the HTTP upload's.
	for _, path := range []string{"/nonexistent/x.csv", t.TempDir()} {
		var fe *FileError
		if _, err := PreviewFile(path, PreviewOptions{}); errors.As(err, &fe) {
			seen[fe.Code] = true
		}
	}
	others := []ErrorCode{ErrFileOpen, ErrHeaderSyntax, ErrEntityRequired}
	for _, c := range FileErrorCodes() {
		if !seen[c] && !slices.Contains(others, c) {
			t.Errorf("no bad file here gives code %q", c)
		}
		if _, ok := reasons[c]; ok {
			t.Errorf("%q is both a row and a file code", c)
		}
		if !IsFileCode(c) {
			t.Errorf("IsFileCode(%q) is false", c)
		}
	}
	for _, c := range ErrorCodes() {
		if IsFileCode(c) {
			t.Errorf("IsFileCode(%q) is true for a row code", c)
		}
	}
}
