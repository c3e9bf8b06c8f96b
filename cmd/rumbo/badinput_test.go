package main

import (
	"strings"
	"testing"
)

// TestBadInput has one case per class of bad input to rumbo import. Each
// asserts the exact messages and that the data already stored is unchanged.
func TestBadInput(t *testing.T) {
	c := sqliteCLI(t)
	c.must("import", "--entity", "people", writeFile(t, "people.csv", "external_id,name,team\nP1,Ana López,Madrid\nP2,Luis Pérez,Madrid\n"))
	c.must("import", "--entity", "deals", writeFile(t, "deals.csv", dealsCSV))
	before := snapshot(t, c)
	peopleMapping := writeFile(t, "people.yaml", "entity: people\ncolumns: {external_id: id, name: name}\n")

	const head = "external_id,owner,amount,created_at,closed_at,status\n"
	tests := []struct {
		name    string
		content string
		args    []string // before the file
		want    []string // stderr lines, F standing for the file's path
	}{
		{"bad date", head + "D9,Ana López,10,2026-01-02,2017-13-45,won\n", nil, []string{
			`F:2:closed_at: closed_at: "2017-13-45" is not a valid date`,
			`rumbo: F: 1 invalid row; nothing imported`}},
		{"bad number", head + "D9,Ana López,12x4,2026-01-02,,open\n", nil, []string{
			`F:2:amount: amount: "12x4" is not a number`,
			`rumbo: F: 1 invalid row; nothing imported`}},
		{"ambiguous decimal column", head + "D9,Ana López,1.234,2026-01-02,,open\nD10,Ana López,7,2026-01-02,,open\n", nil, []string{
			`rumbo: F: column "amount" is ambiguous: line 2: "1.234" may use a thousands separator or a decimal one; set decimal: "," or decimal: "." in a mapping file`}},
		{"unknown status value", head + "D9,Ana López,10,2026-01-02,,pending\n", nil, []string{
			`F:2:status: status: "pending" is not a valid value (valid: open, won, lost)`,
			`rumbo: F: 1 invalid row; nothing imported`}},
		{"unknown owner with --strict-refs", head + "D9,Nadie,10,2026-01-02,,open\nD1,Ana López,5,2026-01-02,,open\n", []string{"--strict-refs"}, []string{
			`F:2:owner: owner: unknown person "Nadie"`,
			`rumbo: F: 1 invalid row; nothing imported`}},
		{"duplicate external_id", head + "D9,Ana López,10,,,open\nD9,Luis Pérez,5,,,lost\n", nil, []string{
			`F:3:external_id: external_id: "D9" already appears on line 2`,
			`rumbo: F: 1 invalid row; nothing imported`}},
		{"missing required column", "external_id,amount\nD1,10\n", nil, []string{
			`rumbo: F:1: missing required column "status"`}},
		{"wrong entity", "id,name\nP9,Eva\n", []string{"--mapping", peopleMapping}, []string{
			`rumbo: F: mapping ` + peopleMapping + ` is for people, not deals`}},
		{"empty file", "", nil, []string{`rumbo: F: empty file`}},
		{"binary garbage", "external_id,status\nD9,won\n\x89PNG\x00\x00\x1a", nil, []string{
			`rumbo: F:3: binary data (byte 0x00); not a CSV text file`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "in.csv", tt.content)
			args := append(append([]string{"import", "--entity", "deals"}, tt.args...), path)
			out, errOut, err := c.run(args...)
			if err == nil {
				t.Fatalf("import succeeded:\n%s", out)
			}
			got := strings.TrimSpace(strings.ReplaceAll(errOut, path, "F"))
			if want := strings.Join(tt.want, "\n"); got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
			if after := snapshot(t, c); after != before {
				t.Errorf("the rejected file changed the data:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}

	// Windows-1252 text is not bad input: it is decoded, "España" stays España.
	t.Run("Windows-1252 text", func(t *testing.T) {
		latin1 := "external_id,owner,market,amount,closed_at,status\nW1,Ana L\xf3pez,Espa\xf1a,100,2026-02-02,won\n"
		c.must("import", "--entity", "deals", writeFile(t, "cp1252.csv", latin1))
		doc := c.kpi("revenue", "--period", "2026-Q1", "--by", "market")
		found := false
		for _, r := range doc.Rows {
			found = found || r.Group["market"] == "España"
		}
		if !found {
			t.Errorf("no revenue for market España after a Windows-1252 import: %+v", doc.Rows)
		}
		c.must("delete", "--entity", "deals", "W1")
	})
}
