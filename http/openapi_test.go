package http

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes fails when a served route is missing from the
// OpenAPI document or the document lists a route that is not served: it
// compares the document with the route table, then sends every documented
// operation to the server and checks that a handler, not the catch-all,
// answers.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	res := f.do(cred{}, "GET", "/api/v1/openapi.json", "", "")
	if res.code != 200 {
		t.Fatalf("openapi.json: %d %s", res.code, res.body)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for m, raw := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+path)
			if strings.Contains(string(raw), "(undocumented)") {
				t.Errorf("%s %s has no notes in apiDocs", strings.ToUpper(m), path)
			}
		}
	}
	for _, rt := range f.srv.Routes() {
		served = append(served, rt.Method+" "+rt.Pattern)
	}
	for k := range apiDocs() {
		if !contains(served, k) {
			t.Errorf("apiDocs documents %s, which is not served", k)
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	for _, k := range served {
		if !contains(documented, k) {
			t.Errorf("served route %s is missing from the document", k)
		}
	}
	for _, k := range documented {
		if !contains(served, k) {
			t.Errorf("documented route %s is not served", k)
		}
		method, path, _ := strings.Cut(k, " ")
		path = pathParams.ReplaceAllStringFunc(path, func(p string) string {
			return map[string]string{"{key}": "revenue", "{week}": "2026-W15"}[p] + map[bool]string{true: "1"}[p == "{id}"]
		})
		res := f.do(cred{}, method, path, "", "")
		if strings.Contains(res.body, "no route ") {
			t.Errorf("documented %s: the server has no route for %s %s", k, method, path)
		}
	}
	if res := f.do(cred{}, "GET", "/api/v1/nothing-here", "", ""); !strings.Contains(res.body, "no route ") {
		t.Errorf("an unknown path must reach the catch-all: %d %s", res.code, res.body)
	}
}

var pathParams = regexp.MustCompile(`\{[a-z]+\}`)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
