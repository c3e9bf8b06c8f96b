package http

import (
	"encoding/json"
	nethttp "net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// The OpenAPI 3.1 document is generated from the route table and the
// per-route notes below, so that it cannot list a route the server does not
// serve; TestOpenAPIMatchesRoutes fails when a route has no notes or notes
// name a route that does not exist.

// routeDoc documents one route.
type routeDoc struct {
	summary string
	tag     string
	query   []string // query parameters
	body    string   // request schema: a component name, "multipart" or "bulk"; "" for none
	status  int      // success status
	result  string   // response schema component; "" for no body
}

// apiDocs returns the notes of every route, keyed by "METHOD pattern".
func apiDocs() map[string]routeDoc {
	d := map[string]routeDoc{
		"GET /healthz": {summary: "The process answers", tag: "health", status: 200, result: "Status"},
		"GET /readyz":  {summary: "The database answers", tag: "health", status: 200, result: "Status"},

		"POST /api/v1/login":          {summary: "Sign in with e-mail and password; starts a session (cookie)", tag: "auth", body: "Login", status: 200, result: "Me"},
		"POST /api/v1/invites/accept": {summary: "Set a password through a one-time invitation or reset link", tag: "auth", body: "AcceptInvite", status: 200, result: "Object"},
		"POST /api/v1/logout":         {summary: "End the session", tag: "auth", status: 204},
		"GET /api/v1/me":              {summary: "Who the caller is, their organisation, role and CSRF token", tag: "auth", status: 200, result: "Me"},

		"GET /api/v1/orgs":  {summary: "The caller's organisations", tag: "organisations", status: 200, result: "Object"},
		"GET /api/v1/org":   {summary: "The current organisation's settings", tag: "organisations", status: 200, result: "Object"},
		"PATCH /api/v1/org": {summary: "Change the organisation's settings (admin)", tag: "organisations", body: "Object", status: 200, result: "Object"},

		"GET /api/v1/users":                      {summary: "The organisation's users (admin)", tag: "users", status: 200, result: "Object"},
		"POST /api/v1/users":                     {summary: "Invite a user: returns a one-time invite link (admin)", tag: "users", body: "Object", status: 201, result: "Object"},
		"PATCH /api/v1/users/{id}":               {summary: "Change a user's role or linked person (admin)", tag: "users", body: "Object", status: 200, result: "Object"},
		"DELETE /api/v1/users/{id}":              {summary: "Remove a user from the organisation (admin)", tag: "users", status: 204},
		"POST /api/v1/users/{id}/password-reset": {summary: "A one-time password reset link (admin)", tag: "users", status: 201, result: "Object"},

		"GET /api/v1/tokens":         {summary: "The caller's API tokens, without secrets", tag: "tokens", status: 200, result: "Object"},
		"POST /api/v1/tokens":        {summary: "Create an API token for the current organisation; the secret is shown once", tag: "tokens", body: "Object", status: 201, result: "Object"},
		"DELETE /api/v1/tokens/{id}": {summary: "Revoke one of the caller's tokens", tag: "tokens", status: 204},

		"GET /api/v1/kpis":              {summary: "KPI definitions", tag: "kpis", status: 200, result: "Object"},
		"GET /api/v1/kpis/{key}/values": {summary: "A KPI's values: the JSON of rumbo kpi --format json", tag: "kpis", query: []string{"period", "from", "to", "grain", "by", "filter"}, status: 200, result: "KPIResult"},
		"GET /api/v1/kpis/{key}/bands":  {summary: "A KPI's health bands", tag: "kpis", status: 200, result: "Object"},
		"PUT /api/v1/kpis/{key}/bands":  {summary: "Set a KPI's health bands", tag: "kpis", body: "Object", status: 200, result: "Object"},
		"GET /api/v1/targets":           {summary: "KPI targets", tag: "kpis", query: []string{"kpi"}, status: 200, result: "Object"},
		"POST /api/v1/targets":          {summary: "Set a KPI target for a period and scope", tag: "kpis", body: "Object", status: 201, result: "Object"},
		"DELETE /api/v1/targets/{id}":   {summary: "Delete a target", tag: "kpis", status: 204},

		"GET /api/v1/openapi.json": {summary: "This document", tag: "health", status: 200, result: "Object"},

		"GET /api/v1/imports":          {summary: "Recent import jobs, newest first (admin, manager)", tag: "imports", query: []string{"limit"}, status: 200, result: "ImportList"},
		"POST /api/v1/imports":         {summary: "Upload a CSV with an optional mapping; runs as a background job (admin, manager)", tag: "imports", body: "multipart", status: 202, result: "ImportJob"},
		"POST /api/v1/imports/preview": {summary: "First rows of a CSV with the detected delimiter, encoding, date formats and decimal separators", tag: "imports", body: "multipart", status: 200, result: "Object"},
		"GET /api/v1/imports/{id}":     {summary: "An import job: status, counts and row errors (file:line:column: reason)", tag: "imports", status: 200, result: "ImportJob"},

		"GET /api/v1/objectives":                    {summary: "Objectives of a period (default: this quarter), or all", tag: "okrs", query: []string{"period", "from", "to", "all"}, status: 200, result: "Object"},
		"POST /api/v1/objectives":                   {summary: "Create an objective, with key results if given", tag: "okrs", body: "Objective", status: 201, result: "Objective"},
		"GET /api/v1/objectives/{id}":               {summary: "An objective with its key results", tag: "okrs", status: 200, result: "Objective"},
		"PATCH /api/v1/objectives/{id}":             {summary: "Change an objective's own fields", tag: "okrs", body: "Objective", status: 200, result: "Objective"},
		"DELETE /api/v1/objectives/{id}":            {summary: "Delete an objective with its key results and history", tag: "okrs", status: 204},
		"POST /api/v1/objectives/{id}/key-results":  {summary: "Add a key result", tag: "okrs", body: "KeyResult", status: 201, result: "KeyResult"},
		"GET /api/v1/key-results/{id}":              {summary: "A key result", tag: "okrs", status: 200, result: "KeyResult"},
		"PATCH /api/v1/key-results/{id}":            {summary: "Change a key result (a new target rule is resolved again)", tag: "okrs", body: "KeyResult", status: 200, result: "KeyResult"},
		"DELETE /api/v1/key-results/{id}":           {summary: "Delete a key result with its history", tag: "okrs", status: 204},
		"GET /api/v1/key-results/{id}/check-ins":    {summary: "A key result's check-ins", tag: "okrs", status: 200, result: "Object"},
		"POST /api/v1/key-results/{id}/check-ins":   {summary: "Check in as the caller (members: on key results they or their team own)", tag: "okrs", body: "CheckIn", status: 201, result: "CheckIn"},
		"GET /api/v1/okrs/status":                   {summary: "The OKR status tree: the JSON of rumbo okr status --format json", tag: "okrs", query: []string{"period", "from", "to"}, status: 200, result: "OKRStatus"},
		"POST /api/v1/okrs/close":                   {summary: "Score the objectives of an ended period", tag: "okrs", body: "Object", status: 200, result: "Object"},
		"POST /api/v1/okrs/score-overrides":         {summary: "Override a score with a note", tag: "okrs", body: "Object", status: 200, result: "Objective"},
		"GET /api/v1/okrs/templates":                {summary: "OKR templates", tag: "okrs", status: 200, result: "Object"},
		"POST /api/v1/okrs/templates/{key}/apply":   {summary: "Create a template's objectives for a period", tag: "okrs", body: "Object", status: 201, result: "Object"},
		"GET /api/v1/okrs/excluded-weeks":           {summary: "ISO weeks left out of rate and guardrail key results", tag: "okrs", status: 200, result: "Object"},
		"PUT /api/v1/okrs/excluded-weeks/{week}":    {summary: "Leave an ISO week (2026-W15) out", tag: "okrs", status: 204},
		"DELETE /api/v1/okrs/excluded-weeks/{week}": {summary: "Count an excluded week again", tag: "okrs", status: 204},
	}
	for _, e := range rumbo.Entities {
		base := "/api/v1/" + string(e)
		n := string(e)
		d["GET "+base] = routeDoc{summary: "List " + n + " (filters FIELD=VALUE, cursor pagination)", tag: "records", query: []string{"limit", "cursor"}, status: 200, result: "RecordPage"}
		d["POST "+base] = routeDoc{summary: "Create one of " + n, tag: "records", body: "Record", status: 201, result: "Record"}
		d["POST "+base+"/bulk"] = routeDoc{summary: "Upsert " + n + " by external_id: a JSON array or NDJSON, all or nothing", tag: "records", body: "bulk", status: 200, result: "Object"}
		d["GET "+base+"/{id}"] = routeDoc{summary: "One of " + n + " by external id", tag: "records", status: 200, result: "Record"}
		d["PUT "+base+"/{id}"] = routeDoc{summary: "Create or replace one of " + n + " by external id", tag: "records", body: "Record", status: 200, result: "Record"}
		d["PATCH "+base+"/{id}"] = routeDoc{summary: "Change fields of one of " + n, tag: "records", body: "Record", status: 200, result: "Record"}
		d["DELETE "+base+"/{id}"] = routeDoc{summary: "Delete one of " + n + " (409 when others refer to it)", tag: "records", status: 204}
	}
	return d
}

// schemas are the document's components.
var schemas = map[string]any{
	"Object": map[string]any{"type": "object"},
	"Status": map[string]any{"type": "object", "properties": map[string]any{"status": map[string]any{"type": "string"}}},
	"Error": map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
		"error": map[string]any{"type": "object", "required": []string{"code", "message", "details"}, "properties": map[string]any{
			"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
			"details": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
				"index": map[string]any{"type": "integer"}, "field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}}}},
	"Login":        obj("email", "string", "password", "string"),
	"AcceptInvite": obj("token", "string", "password", "string"),
	"Me":           obj("user", "object", "auth", "string", "org", "object", "role", "string", "person", "string", "memberships", "array", "csrf_token", "string"),
	"Record": map[string]any{"type": "object", "description": "A record: canonical field names (external_id, owner, amount as a decimal string, RFC 3339 times); custom fields in \"fields\".",
		"properties": map[string]any{"external_id": map[string]any{"type": "string"}, "fields": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}}},
	"RecordPage": map[string]any{"type": "object", "properties": map[string]any{
		"data": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Record"}}, "next_cursor": map[string]any{"type": []string{"string", "null"}}}},
	"KPIResult": obj("kpi", "string", "unit", "string", "rows", "array"),
	"ImportJob": obj("id", "integer", "status", "string", "entity", "string", "file", "string", "size", "integer", "progress", "number",
		"summary", "string", "counts", "object", "committed", "boolean", "message", "string", "errors", "array", "errors_omitted", "integer",
		"created_at", "string", "started_at", "string", "finished_at", "string"),
	"ImportList": map[string]any{"type": "object", "properties": map[string]any{"imports": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/ImportJob"}}}},
	"Objective": obj("id", "integer", "title", "string", "description", "string", "owner_kind", "string", "owner", "string", "period", "string",
		"type", "string", "parent_id", "integer", "key_results", "array", "score", "number", "score_override", "number"),
	"KeyResult": obj("id", "integer", "objective_id", "integer", "title", "string", "kind", "string", "weight", "number", "kpi", "string",
		"scope", "string", "scope_value", "string", "baseline", "string", "change_kind", "string", "change", "string", "direction", "string",
		"start", "string", "target", "string", "rate", "string", "unit", "string", "items", "array", "op", "string", "min", "string", "max", "string"),
	"CheckIn":   obj("value", "string", "confidence", "integer", "comment", "string", "done", "integer", "author", "string", "at", "string"),
	"OKRStatus": obj("objectives", "array"),
}

// obj is an object schema with the named properties and their types.
func obj(pairs ...string) map[string]any {
	props := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		props[pairs[i]] = map[string]any{"type": pairs[i+1]}
	}
	return map[string]any{"type": "object", "properties": props}
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// errorStatuses are the error answers an operation may give.
func errorStatuses(rt Route, doc routeDoc) []int {
	var out []int
	if doc.body != "" || len(doc.query) > 0 || strings.Contains(rt.Pattern, "{") {
		out = append(out, 400)
	}
	if rt.Perm != rumbo.PermPublic {
		out = append(out, 401, 403)
	}
	if strings.Contains(rt.Pattern, "{") {
		out = append(out, 404)
	}
	if rt.Method == "DELETE" || doc.body != "" {
		out = append(out, 409)
	}
	if doc.body != "" {
		out = append(out, 413)
	}
	if doc.body == "bulk" || doc.body == "Record" {
		out = append(out, 422)
	}
	if rt.Pattern == "/api/v1/login" {
		out = append(out, 429)
	}
	return out
}

// buildOpenAPI returns the OpenAPI 3.1 document of the routes.
func buildOpenAPI(routes []Route) map[string]any {
	docs := apiDocs()
	paths := map[string]any{}
	for _, rt := range routes {
		doc, ok := docs[rt.Method+" "+rt.Pattern]
		if !ok {
			doc = routeDoc{summary: "(undocumented)", status: 200}
		}
		op := map[string]any{
			"operationId":  operationID(rt),
			"summary":      doc.summary,
			"tags":         []string{doc.tag},
			"x-permission": string(rt.Perm),
		}
		if rt.Perm == rumbo.PermPublic {
			op["security"] = []any{}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range doc.query {
			p := map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}}
			if q == "filter" {
				p["schema"] = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
				p["description"] = "FIELD=VALUE, repeatable"
			}
			params = append(params, p)
		}
		if params != nil {
			op["parameters"] = params
		}
		switch doc.body {
		case "":
		case "multipart":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
				"schema": map[string]any{"type": "object", "required": []string{"file"}, "properties": map[string]any{
					"file":         map[string]any{"type": "string", "contentMediaType": "text/csv"},
					"entity":       map[string]any{"type": "string", "enum": entityNames()},
					"mapping":      map[string]any{"type": "string", "description": "a mapping in YAML or JSON (docs/import.md)"},
					"skip_invalid": map[string]any{"type": "boolean"},
					"strict_refs":  map[string]any{"type": "boolean"},
					"rows":         map[string]any{"type": "integer", "description": "preview only: rows to return (20)"},
				}}}}}
		case "bulk":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json":     map[string]any{"schema": map[string]any{"type": "array", "items": ref("Record")}},
				"application/x-ndjson": map[string]any{"schema": map[string]any{"type": "string", "description": "one Record per line"}},
			}}
		default:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(doc.body)}}}
		}
		resp := map[string]any{}
		ok200 := map[string]any{"description": nethttp.StatusText(doc.status)}
		if doc.result != "" {
			ok200["content"] = map[string]any{"application/json": map[string]any{"schema": ref(doc.result)}}
		}
		resp[strconv.Itoa(doc.status)] = ok200
		for _, st := range errorStatuses(rt, doc) {
			resp[strconv.Itoa(st)] = map[string]any{"description": nethttp.StatusText(st),
				"content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
		}
		op["responses"] = resp
		item, _ := paths[rt.Pattern].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Pattern] = item
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Rumbo API", "version": "1",
			"description": "KPIs and OKRs for sales and marketing teams. Authenticate with Authorization: Bearer TOKEN, or a session cookie plus the X-CSRF-Token header on writes. Errors are {\"error\": {\"code\", \"message\", \"details\"}}. See docs/api.md."},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}},
		"paths":    paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "an API token (rumbo_…)"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
		},
	}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func entityNames() []string {
	var out []string
	for _, e := range rumbo.Entities {
		out = append(out, string(e))
	}
	sort.Strings(out)
	return out
}

// operationID names an operation: getApiV1KpisKeyValues.
func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.FieldsFunc(rt.Pattern, func(r rune) bool { return r == '/' || r == '{' || r == '}' || r == '-' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// openAPI serves the OpenAPI document of the server's routes.
func (s *Server) openAPI(w nethttp.ResponseWriter, r *nethttp.Request, _ *caller) error {
	s.apiDocOnce.Do(func() { s.apiDoc, _ = json.Marshal(buildOpenAPI(s.routes)) })
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(s.apiDoc)
	return nil
}
