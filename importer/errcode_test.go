package importer

import (
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
		{"too large", rumbo.EntityDeals, dealsHeader + "D1,Ana,99999999999999999999,,,open\n", Options{}, "amount", "amount", ErrTooLarge, []string{"99999999999999999999"}},
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
