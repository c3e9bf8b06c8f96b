package http

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"mime/multipart"
	"testing"

	"github.com/rumbo-app/rumbo"
)

// okrFixture is acme's objectives of 2026-Q1 (the fixture's quarter): one
// owned by the organisation, one by the member's rep Ana López, and one by
// Luis, whom the member may not see. Each has one manual key result.
type okrFixture struct {
	org, ana, luis *rumbo.Objective
}

// okrs creates the OKR fixture on first use.
func (f *fixture) okrs() *okrFixture {
	if f.okr != nil {
		return f.okr
	}
	f.okr = &okrFixture{
		org:  f.objective("Crecer en 2026", rumbo.OwnerOrg, "", true),
		ana:  f.objective("Objetivo de Ana", rumbo.OwnerPerson, "Ana López", true),
		luis: f.objective("Objetivo de LuisCustomer", rumbo.OwnerPerson, "Luis", true),
	}
	return f.okr
}

// objective stores an acme objective of 2026-Q1, with a manual key result
// when withKR.
func (f *fixture) objective(title string, kind rumbo.OwnerKind, owner string, withKR bool) *rumbo.Objective {
	f.t.Helper()
	loc, _ := f.acme.Location()
	p, err := rumbo.ParsePeriod("2026-Q1", loc)
	if err != nil {
		f.t.Fatal(err)
	}
	o := &rumbo.Objective{Title: title, OwnerKind: kind, Owner: owner, Period: p, Type: rumbo.Committed}
	if withKR {
		o.KeyResults = []rumbo.KeyResult{{Title: "NPS de " + title, Kind: rumbo.KRManual, Unit: rumbo.ManualNumber,
			Start: big.NewRat(30, 1), Target: big.NewRat(45, 1), Weight: 1}}
	}
	if err := f.db.CreateObjective(context.Background(), f.acme.ID, o); err != nil {
		f.t.Fatal(err)
	}
	return o
}

// multipartBody builds a multipart/form-data body with a file part and fields.
func multipartBody(t testing.TB, file, content string, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, err := mw.CreateFormFile("file", file)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	return mw.FormDataContentType(), b.String()
}

// importOKRMatrix is the authorisation matrix of the import and OKR routes.
func importOKRMatrix() map[string]matrixEntry {
	upload := func(path string) func(f *fixture, n int) cell {
		return func(f *fixture, n int) cell {
			ct, body := multipartBody(f.t, "equipos.csv", fmt.Sprintf("external_id,name\nteam-%d,Equipo %d\n", n, n), "entity", "teams")
			return cell{"POST", path, ct, body}
		}
	}
	krPath := func(suffix string) func(f *fixture, n int) cell {
		return func(f *fixture, n int) cell {
			return cell{"GET", fmt.Sprintf("/api/v1/key-results/%d%s", f.okrs().org.KeyResults[0].ID, suffix), "", ""}
		}
	}
	return map[string]matrixEntry{
		"GET /api/v1/openapi.json":     {fixed("GET", "/api/v1/openapi.json", ""), "200 200 200 200 200 200 200 200 200"},
		"GET /api/v1/imports":          {fixed("GET", "/api/v1/imports", ""), "401 403 403 200 200 200 401 403 401"},
		"POST /api/v1/imports":         {upload("/api/v1/imports"), "401 403 403 202 202 202 401 403 401"},
		"POST /api/v1/imports/preview": {upload("/api/v1/imports/preview"), "401 403 403 200 200 200 401 403 401"},
		"GET /api/v1/imports/{id}": {func(f *fixture, n int) cell {
			j := &rumbo.ImportJob{OrgID: f.acme.ID, UserID: f.users["admin"].ID, Entity: rumbo.EntityTeams, File: "t.csv", CreatedAt: t0}
			if err := f.db.CreateImport(context.Background(), j); err != nil {
				f.t.Fatal(err)
			}
			return cell{"GET", fmt.Sprintf("/api/v1/imports/%d", j.ID), "", ""}
		}, "401 403 403 200 200 404 401 403 401"},

		"GET /api/v1/objectives": {func(f *fixture, n int) cell {
			f.okrs()
			return cell{"GET", "/api/v1/objectives?period=2026-Q1", "", ""}
		}, "401 200 200 200 200 200 401 200 401"},
		"POST /api/v1/objectives": {fixed("POST", "/api/v1/objectives",
			`{"title":"Nuevo","period":"2026-Q2","key_results":[{"title":"Hito","kind":"milestone","items":[{"title":"Web"}]}]}`),
			"401 403 403 201 201 201 401 403 401"},
		"GET /api/v1/objectives/{id}": {func(f *fixture, n int) cell {
			return cell{"GET", fmt.Sprintf("/api/v1/objectives/%d", f.okrs().org.ID), "", ""}
		}, "401 200 200 200 200 404 401 200 401"},
		"PATCH /api/v1/objectives/{id}": {func(f *fixture, n int) cell {
			return cell{"PATCH", fmt.Sprintf("/api/v1/objectives/%d", f.okrs().org.ID), "application/json", `{"description":"por qué"}`}
		}, "401 403 403 200 200 404 401 403 401"},
		"DELETE /api/v1/objectives/{id}": {func(f *fixture, n int) cell {
			o := f.objective(fmt.Sprintf("Borrar %d", n), rumbo.OwnerOrg, "", false)
			return cell{"DELETE", fmt.Sprintf("/api/v1/objectives/%d", o.ID), "", ""}
		}, "401 403 403 204 204 404 401 403 401"},
		"POST /api/v1/objectives/{id}/key-results": {func(f *fixture, n int) cell {
			o := f.objective(fmt.Sprintf("Con KR %d", n), rumbo.OwnerOrg, "", false)
			return cell{"POST", fmt.Sprintf("/api/v1/objectives/%d/key-results", o.ID), "application/json",
				`{"title":"Ingresos","kind":"metric","kpi":"revenue","change_kind":"absolute","change":"120000"}`}
		}, "401 403 403 201 201 404 401 403 401"},
		"GET /api/v1/key-results/{id}": {krPath(""), "401 200 200 200 200 404 401 200 401"},
		"PATCH /api/v1/key-results/{id}": {func(f *fixture, n int) cell {
			return cell{"PATCH", fmt.Sprintf("/api/v1/key-results/%d", f.okrs().org.KeyResults[0].ID), "application/json", `{"target":"50"}`}
		}, "401 403 403 200 200 404 401 403 401"},
		"DELETE /api/v1/key-results/{id}": {func(f *fixture, n int) cell {
			o := f.objective(fmt.Sprintf("KR a borrar %d", n), rumbo.OwnerOrg, "", true)
			return cell{"DELETE", fmt.Sprintf("/api/v1/key-results/%d", o.KeyResults[0].ID), "", ""}
		}, "401 403 403 204 204 404 401 403 401"},
		"GET /api/v1/key-results/{id}/check-ins": {krPath("/check-ins"), "401 200 200 200 200 404 401 200 401"},
		// The key result is Ana's: the member, linked to her, may check in.
		"POST /api/v1/key-results/{id}/check-ins": {func(f *fixture, n int) cell {
			return cell{"POST", fmt.Sprintf("/api/v1/key-results/%d/check-ins", f.okrs().ana.KeyResults[0].ID), "application/json",
				`{"value":"38","confidence":7,"comment":"bien"}`}
		}, "401 403 201 201 201 404 401 403 401"},
		"GET /api/v1/okrs/status": {func(f *fixture, n int) cell {
			f.okrs()
			return cell{"GET", "/api/v1/okrs/status?period=2026-Q1", "", ""}
		}, "401 200 200 200 200 200 401 200 401"},
		"POST /api/v1/okrs/close": {func(f *fixture, n int) cell {
			f.okrs()
			return cell{"POST", "/api/v1/okrs/close", "application/json", `{"period":"2026-Q1","force":true}`}
		}, "401 403 403 200 200 404 401 403 401"},
		"POST /api/v1/okrs/score-overrides": {func(f *fixture, n int) cell {
			return cell{"POST", "/api/v1/okrs/score-overrides", "application/json",
				fmt.Sprintf(`{"key_result_id":%d,"score":0.5,"note":"retraso del proveedor"}`, f.okrs().org.KeyResults[0].ID)}
		}, "401 403 403 200 200 404 401 403 401"},
		"GET /api/v1/okrs/templates": {fixed("GET", "/api/v1/okrs/templates", ""), "401 200 200 200 200 200 401 200 401"},
		"POST /api/v1/okrs/templates/{key}/apply": {func(f *fixture, n int) cell {
			return cell{"POST", "/api/v1/okrs/templates/ventas/apply", "application/json", fmt.Sprintf(`{"period":"%d-Q1"}`, 2100+n)}
		}, "401 403 403 201 201 201 401 403 401"},
		"GET /api/v1/okrs/excluded-weeks": {fixed("GET", "/api/v1/okrs/excluded-weeks", ""), "401 200 200 200 200 200 401 200 401"},
		"PUT /api/v1/okrs/excluded-weeks/{week}": {fixed("PUT", "/api/v1/okrs/excluded-weeks/2026-W15", ""),
			"401 403 403 204 204 204 401 403 401"},
		"DELETE /api/v1/okrs/excluded-weeks/{week}": {func(f *fixture, n int) cell {
			if err := f.db.ExcludeWeek(context.Background(), f.acme.ID, "2026-W16"); err != nil {
				f.t.Fatal(err)
			}
			return cell{"DELETE", "/api/v1/okrs/excluded-weeks/2026-W16", "", ""}
		}, "401 403 403 204 204 404 401 403 401"},
	}
}
