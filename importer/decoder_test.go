package importer

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

// writeFile writes content to a file in a temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodeAll decodes every row of the file and returns the records, the row
// errors as strings, and any file-level error.
func decodeAll(t *testing.T, path string, opts Options) ([]rumbo.Record, []string, error) {
	t.Helper()
	d, err := NewDecoder(path, opts)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	var recs []rumbo.Record
	var errs []string
	for {
		rec, rowErrs, err := d.Next()
		if err == io.EOF {
			return recs, errs, nil
		} else if err != nil {
			t.Fatal(err)
		}
		for _, e := range rowErrs {
			errs = append(errs, e.String())
		}
		if rec != nil {
			recs = append(recs, rec)
		}
	}
}

func deals(opts Options) Options { opts.Entity = rumbo.EntityDeals; return opts }

// TestBadRows has one case per class of bad row: each asserts the exact
// report line(s) of the file.
func TestBadRows(t *testing.T) {
	const header = "external_id,owner,amount,created_at,closed_at,status\n"
	tests := []struct {
		name string
		body string
		opts Options
		want []string
	}{
		{"bad date", "D1,Ana,10,2017-01-02,2017-13-45,won\n",
			Options{}, []string{`F:2:closed_at: closed_at: "2017-13-45" is not a valid date`}},
		{"bad number", "D1,Ana,12x4,2017-01-02,,open\n",
			Options{}, []string{`F:2:amount: amount: "12x4" is not a number`}},
		{"unknown status", "D1,Ana,10,2017-01-02,,pending\n",
			Options{}, []string{`F:2:status: status: "pending" is not a valid value (valid: open, won, lost)`}},
		{"empty required", "D1,Ana,10,2017-01-02,,\n",
			Options{}, []string{`F:2:status: status: required value is empty`}},
		{"duplicate external_id", "D1,Ana,10,,,open\nD2,Ana,10,,,open\nD1,Luis,5,,,lost\n",
			Options{}, []string{`F:4:external_id: external_id: "D1" already appears on line 2`}},
		{"currency mismatch", "D1,Ana,$1.5,2017-01-02,2017-02-01,won\n",
			Options{}, []string{`F:2:amount: amount: "$1.5" is not in the organisation's currency (EUR)`}},
		{"currency of the organisation", "D1,Ana,$1.5,2017-01-02,2017-02-01,won\n",
			Options{Currency: "USD"}, nil},
		{"too many decimals", "D1,Ana,\"1,505\",,,open\nD2,Ana,\"1,5\",,,open\n",
			Options{}, []string{`F:2:amount: amount: "1,505" has more than 2 decimals`}},
		{"short row", "D1,Ana,10\n",
			Options{}, []string{`F:2: row has 3 columns, the header has 6`}},
		{"bare quote", "D1,An\"a,10,,,open\n",
			Options{}, []string{`F:2: bare " in non-quoted-field`}},
		{"every error of every row", "D1,Ana,x,2017-01-02,,won\nD2,Ana,10,,,open\nD3,Ana,10,32/01/2017,,maybe\n",
			Options{}, []string{
				`F:2:amount: amount: "x" is not a number`,
				`F:4:created_at: created_at: "32/01/2017" is not a valid date`,
				`F:4:status: status: "maybe" is not a valid value (valid: open, won, lost)`,
			}},
		{"blank rows are skipped", ",,,,,\n\nD1,Ana,10,,,bad\n",
			Options{}, []string{`F:4:status: status: "bad" is not a valid value (valid: open, won, lost)`}},
		{"multi-line quoted field", "D1,\"Ana\nMaría\",10,,,open\nD2,Ana,10,,,bad\n",
			Options{}, []string{`F:4:status: status: "bad" is not a valid value (valid: open, won, lost)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "deals.csv", header+tt.body)
			_, got, err := decodeAll(t, path, deals(tt.opts))
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i] = strings.Replace(got[i], path, "F", 1)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestBadFiles has one case per class of bad file: each asserts the exact
// message of the EINVALID error.
func TestBadFiles(t *testing.T) {
	peopleMapping := &Mapping{Entity: rumbo.EntityPeople, Columns: map[string]string{"external_id": "id", "name": "id"}}
	namedMapping := &Mapping{Entity: rumbo.EntityPeople, Columns: map[string]string{"external_id": "id", "name": "id"}, name: "people.yaml"}
	tests := []struct {
		name    string
		content string
		opts    Options
		want    string
	}{
		{"empty file", "", deals(Options{}), "F: empty file"},
		{"blank file with BOM", "\xEF\xBB\xBF \r\n\r\n", deals(Options{}), "F: empty file"},
		{"binary garbage", "external_id,status\nD1,won\n\x89PNG\x00\x00\x1a", deals(Options{}),
			"F:3: binary data (byte 0x00); not a CSV text file"},
		{"utf-16", "\xFF\xFEe\x00x\x00", deals(Options{}), "F: UTF-16 text is not supported; save the file as CSV UTF-8"},
		{"missing required column", "external_id,amount\nD1,10\n", deals(Options{}),
			`F:1: missing required column "status"`},
		{"missing required columns", "id,amount\nD1,10\n", deals(Options{}),
			`F:1: missing required columns "external_id", "status"`},
		{"missing mapped column", "opportunity_id,deal_stage\nD1,Won\n", deals(Options{Mapping: &Mapping{
			Columns: map[string]string{"external_id": "opportunity_id", "status": "deal_stage", "owner": "sales_agent"}}}),
			`F:1: missing column "sales_agent" (owner)`},
		{"missing person name and email", "external_id,team\nP1,East\n", Options{Entity: rumbo.EntityPeople},
			`F:1: missing required column "name" or "email"`},
		{"wrong entity", "id\nP1\n", deals(Options{Mapping: peopleMapping}), "F: the mapping is for people, not deals"},
		{"wrong entity, named mapping", "id\nP1\n", deals(Options{Mapping: namedMapping}), "F: mapping people.yaml is for people, not deals"},
		{"duplicate header", "external_id,status,status\nD1,won,lost\n", deals(Options{}),
			`F:1: column "status" appears more than once in the header`},
		{"ambiguous decimal column", "external_id,status,amount\nD1,won,1.234\nD2,won,5\n", deals(Options{}),
			`F: column "amount" is ambiguous: line 2: "1.234" may use a thousands separator or a decimal one; set decimal: "," or decimal: "." in a mapping file`},
		{"ambiguous date column", "external_id,status,closed_at\nD1,won,03/04/2024\nD2,won,05/06/2024\n", deals(Options{}),
			`F: column "closed_at" is ambiguous: every date fits both dd/mm/yyyy and mm/dd/yyyy (line 2: "03/04/2024"); set date_format in a mapping file`},
		{"mixed date column", "external_id,status,closed_at\nD1,won,25/04/2024\nD2,won,04/25/2024\n", deals(Options{}),
			`F: column "closed_at" mixes dd/mm/yyyy (line 2: "25/04/2024") and mm/dd/yyyy (line 3: "04/25/2024") dates; set date_format in a mapping file`},
		{"no entity", "external_id\nD1\n", Options{}, "F: no entity given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "f.csv", tt.content)
			_, _, err := decodeAll(t, path, tt.opts)
			if rumbo.ErrorCode(err) != rumbo.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			if got := strings.Replace(rumbo.ErrorMessage(err), path, "F", 1); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, _, err := decodeAll(t, "/nonexistent/deals.csv", deals(Options{}))
	if got, want := rumbo.ErrorMessage(err), "/nonexistent/deals.csv: file not found"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFormats decodes the same deal written in several dialects.
func TestFormats(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	want := &rumbo.Deal{ExternalID: "D1", Owner: "Ana Núñez", Customer: "Ferretería España", Amount: ptr(rumbo.Money(123456)),
		CreatedAt: time.Date(2024, 4, 3, 0, 0, 0, 0, madrid).UTC(), ClosedAt: time.Date(2024, 4, 25, 9, 30, 0, 0, madrid).UTC(),
		Status: "won"}
	tests := []struct {
		name    string
		content string
		opts    Options
	}{
		{"canonical comma", "external_id,owner,customer,amount,created_at,closed_at,status\nD1,Ana Núñez,Ferretería España,1234.56,2024-04-03,2024-04-25 09:30,won\n", Options{}},
		{"semicolon, BOM, CRLF, European", "\xEF\xBB\xBFexternal_id;owner;customer;amount;created_at;closed_at;status\r\nD1;Ana Núñez;Ferretería España;1.234,56 €;03/04/2024;25/04/2024 09:30;Won\r\nD2;Ana;X;1;30/04/2024;;open\r\n", Options{}},
		{"tab, quoted", "external_id\towner\tcustomer\tamount\tcreated_at\tclosed_at\tstatus\n\"D1\"\t\"Ana Núñez\"\tFerretería España\t€1,234.56\t2024-04-03T00:00:00+02:00\t2024-04-25T07:30:00Z\tWON\n", Options{}},
		{"windows-1252", "external_id;owner;customer;amount;created_at;closed_at;status\r\nD1;Ana N\xfa\xf1ez;Ferreter\xeda Espa\xf1a;1.234,56 \x80;03-04-2024;25-04-2024 09:30;won\r\nD2;Ana;X;1;30-04-2024;;open\r\n", Options{}},
		{"explicit formats", "external_id,owner,customer,amount,created_at,closed_at,status\nD1,Ana Núñez,Ferretería España,\"1234,56\",04/03/2024,04/25/2024 09:30,won\n",
			Options{Mapping: &Mapping{Columns: map[string]string{"external_id": "external_id", "owner": "owner", "customer": "customer", "amount": "amount",
				"created_at": "created_at", "closed_at": "closed_at", "status": "status"}, DateFormat: "mm/dd/yyyy", Decimal: ","}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "deals.csv", tt.content)
			tt.opts.Location = madrid
			recs, errs, err := decodeAll(t, path, deals(tt.opts))
			if err != nil || errs != nil {
				t.Fatal(err, errs)
			}
			if len(recs) == 0 {
				t.Fatal("got no records")
			}
			got := recs[0].(*rumbo.Deal)
			if got.ExternalID != want.ExternalID || got.Owner != want.Owner || got.Customer != want.Customer ||
				*got.Amount != *want.Amount || !got.CreatedAt.Equal(want.CreatedAt) || !got.ClosedAt.Equal(want.ClosedAt) ||
				got.Status != want.Status || got.Fields != nil {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestMappingSemantics: a column feeding two fields, values, defaults,
// custom fields, ignored columns and empty optional cells.
func TestMappingSemantics(t *testing.T) {
	m := &Mapping{Entity: rumbo.EntityDeals,
		Columns:  map[string]string{"external_id": "Id", "lead": "id", "status": "Fase", "amount": "Importe", "closed_at": "Cierre"},
		Values:   map[string]map[string]string{"status": {"Ganado": "won", "Perdido": "lost", "": "open"}},
		Defaults: map[string]string{"market": "España", "owner": "Ana"},
		Fields:   map[string]string{"producto": "Producto"},
	}
	content := "ID,Fase,Importe,Cierre,Producto,Notas\n" +
		"D1,Ganado,\"1.500,00\",15/03/2024,Plan Pro,llamar\n" +
		"D2,,,,,\n"
	recs, errs, err := decodeAll(t, writeFile(t, "deals.csv", content), Options{Mapping: m})
	if err != nil || errs != nil {
		t.Fatal(err, errs)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	d1, d2 := recs[0].(*rumbo.Deal), recs[1].(*rumbo.Deal)
	if d1.ExternalID != "D1" || d1.Lead != "D1" || d1.Status != "won" || *d1.Amount != 150000 ||
		d1.Market != "España" || d1.Owner != "Ana" || d1.Fields["producto"] != "Plan Pro" || len(d1.Fields) != 1 ||
		!d1.ClosedAt.Equal(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("D1: got %+v", d1)
	}
	if d2.Status != "open" || d2.Amount != nil || !d2.ClosedAt.IsZero() || d2.Fields != nil || d2.Market != "España" {
		t.Errorf("D2: got %+v", d2)
	}
}

func TestCanonicalExtraColumnsAreCustomFields(t *testing.T) {
	content := "id,external_id,name,new,Segmento,first_seen_at\n1,M1,Portugal,sí,Ibérico,\n2,M2,Francia,no,,2024-01-01\n"
	recs, errs, err := decodeAll(t, writeFile(t, "markets.csv", content), Options{Entity: rumbo.EntityMarkets})
	if err != nil || errs != nil {
		t.Fatal(err, errs)
	}
	m1, m2 := recs[0].(*rumbo.Market), recs[1].(*rumbo.Market)
	if !m1.New || m1.Fields["Segmento"] != "Ibérico" || len(m1.Fields) != 1 || m2.New || m2.Fields != nil {
		t.Errorf("got %+v, %+v", m1, m2)
	}
}

func TestBadRowsOtherEntities(t *testing.T) {
	tests := []struct {
		name    string
		entity  rumbo.Entity
		content string
		want    string
	}{
		{"person without name and email", rumbo.EntityPeople, "external_id,name,email\nP1,,\n",
			`F:2:name: name: name and email are both empty`},
		{"not yes or no", rumbo.EntityMarkets, "external_id,name,new\nM1,Chile,quizá\n",
			`F:2:new: new: "quizá" is not yes or no (valid: yes, no, sí, true, false, 1, 0)`},
		{"unknown market status", rumbo.EntityMarkets, "external_id,name,status\nM1,Chile,abierto\n",
			`F:2:status: status: "abierto" is not a valid value (valid: identified, analysed, entered)`},
		{"lead without created_at", rumbo.EntityLeads, "external_id,created_at\nL1, \n",
			`F:2:created_at: created_at: required value is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "f.csv", tt.content)
			_, errs, err := decodeAll(t, path, Options{Entity: tt.entity})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.ReplaceAll(strings.Join(errs, "\n"), path, "F"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSurveyScore(t *testing.T) {
	content := "external_id,sent_at,score,scale\nS1,2024-01-01,5,\nS2,2024-01-01,9,nps\nS3,2024-01-01,7,csat\nS4,2024-01-01,4.5,\n"
	path := writeFile(t, "surveys.csv", content)
	recs, errs, err := decodeAll(t, path, Options{Entity: rumbo.EntitySurveys})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		path + `:4:score: score: 7 is out of range for csat (1 to 5)`,
		path + `:5:score: score: "4.5" is not a whole number`,
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", errs, want)
	}
	if len(recs) != 2 || recs[0].(*rumbo.Survey).Scale != "csat" || *recs[1].(*rumbo.Survey).Score != 9 {
		t.Errorf("got %+v", recs)
	}
}

func TestStdin(t *testing.T) {
	content := "external_id,status\nD1,won\n"
	recs, errs, err := decodeAll(t, "-", deals(Options{Stdin: strings.NewReader(content)}))
	if err != nil || errs != nil || len(recs) != 1 {
		t.Fatalf("got %v %v %v", recs, errs, err)
	}
	_, _, err = decodeAll(t, "-", deals(Options{Stdin: strings.NewReader("")}))
	if got := rumbo.ErrorMessage(err); got != "stdin: empty file" {
		t.Errorf("got %q", got)
	}
}

func TestProgress(t *testing.T) {
	content := "external_id,status,closed_at\nD1,won,2024-01-01\n"
	var last, total int64
	_, _, err := decodeAll(t, writeFile(t, "deals.csv", content), deals(Options{Progress: func(n, tot int64) { last, total = n, tot }}))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(2 * len(content)); last != want || total != want {
		t.Errorf("got %d of %d, want %d of %d", last, total, want, want)
	}
}

func TestRowErrorString(t *testing.T) {
	tests := []struct {
		in   RowError
		want string
	}{
		{RowError{File: "deals.csv", Line: 3, Column: "amount", Reason: "bad"}, "deals.csv:3:amount: bad"},
		{RowError{File: "deals.csv", Line: 3, Reason: "bad"}, "deals.csv:3: bad"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// TestDuplicatesSpilled finds repeated external ids across sorted runs
// spilled to disk, as it does for a file larger than one in-memory chunk.
func TestDuplicatesSpilled(t *testing.T) {
	defer func(n int) { dupChunk = n }(dupChunk)
	dupChunk = 3
	var body strings.Builder
	body.WriteString("external_id,owner,amount,created_at,closed_at,status\n")
	for i := range 20 {
		fmt.Fprintf(&body, "D%d,Ana,10,,,open\n", i)
	}
	// Repeats of a row in the first run, of one in a middle run, twice the
	// same id, a row with a bad column count (ignored), and a blank row.
	body.WriteString("D0,Luis,5,,,lost\nD11,Ana,1,,,open\nD11,Ana,2,,,open\nD20,Ana\n\nD19,Ana,3,,,open\n")
	path := writeFile(t, "deals.csv", body.String())
	_, got, err := decodeAll(t, path, deals(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = strings.Replace(got[i], path, "F", 1)
	}
	want := []string{
		`F:22:external_id: external_id: "D0" already appears on line 2`,
		`F:23:external_id: external_id: "D11" already appears on line 13`,
		`F:24:external_id: external_id: "D11" already appears on line 13`,
		`F:25: row has 2 columns, the header has 6`,
		`F:27:external_id: external_id: "D19" already appears on line 21`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTrailingHeaderDelimiter: a header ending with a delimiter (an empty
// last name) reads the rows that do not have that column, and those that
// have it empty; a row with a value there is still too wide.
func TestTrailingHeaderDelimiter(t *testing.T) {
	path := writeFile(t, "deals.csv", "external_id,amount,closed_at,status,\nD1,100,2024-01-10,won\nD2,50,2024-01-11,lost,\nD3,5,2024-01-12,won,x\n")
	recs, errs, err := decodeAll(t, path, deals(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || len(errs) != 1 || !strings.Contains(errs[0], ":4:") || !strings.Contains(errs[0], "row has 5 columns, the header has 4") {
		t.Errorf("got %d records and errors %q; want D1 and D2, and line 4 too wide", len(recs), errs)
	}
}
