package http

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
)

// TestWebImportFileErrors reads problems with a whole file on the Spanish
// import page: a missing required column when the job runs, a bad mapping
// and an undecidable column in the preview; the API keeps the English
// message and gives the code.
func TestWebImportFileErrors(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	es := []string{"Accept-Language", "es"}

	ct, body := multipartBody(t, "ventas.csv", "external_id,amount\nD1,10\n", "entity", "deals")
	res := f.do(admin, "POST", "/import/run", ct, body, es...)
	if res.code != 200 {
		t.Fatalf("run: %d %s", res.code, res.body)
	}
	id := regexp.MustCompile(`/import/jobs/(\d+)`).FindStringSubmatch(res.body)
	if id == nil {
		t.Fatalf("no job in %s", res.body)
	}
	job := waitImport(t, f, admin, id[1])
	errs, _ := job["errors"].([]any)
	if job["message"] != `ventas.csv:1: missing required column "status"` || job["message_code"] != "missing_required" ||
		fmt.Sprint(job["message_args"]) != `["status"]` || len(errs) != 0 {
		t.Errorf("API job: %v %v %v %v", job["message"], job["message_code"], job["message_args"], job["errors"])
	}
	for lang, want := range map[string]string{
		"es": `ventas.csv:1: falta la columna obligatoria "status"`,
		"en": `ventas.csv:1: missing required column "status"`,
	} {
		page := html.UnescapeString(f.do(admin, "GET", "/import/jobs/"+id[1], "", "", "Accept-Language", lang).body)
		if !strings.Contains(page, `id="import-message">`+want+"<") {
			t.Errorf("%s job page lacks %q", lang, want)
		}
		if strings.Contains(page, "import-errors") {
			t.Errorf("%s job page lists the file's problem as a row error", lang)
		}
	}

	tests := []struct {
		name, file string
		fields     []string
		want, not  string
	}{
		{"bad mapping", "external_id,status\nD1,won\n", []string{"entity", "deals", "mapping", "entity: deals\ncolumnz: {}\n"},
			"mapping:2: clave desconocida «columnz»", "unknown key"},
		{"mapping for another entity", "external_id,status\nD1,won\n", []string{"entity", "deals", "mapping", "entity: teams\ncolumns: {external_id: id, name: n}\n"},
			"el mapeo es para teams, no para deals", "the mapping is for"},
		{"empty file", "", []string{"entity", "deals"}, "ventas.csv: el archivo está vacío", "empty file"},
		{"ambiguous column", "external_id,status,closed_at\nD1,won,03/04/2024\n", []string{"entity", "deals"},
			"la columna «closed_at» es ambigua: todas las fechas valen como dd/mm/aaaa y como mm/dd/aaaa (línea 2: «03/04/2024»)", "is ambiguous"},
	}
	for _, tt := range tests {
		ct, body := multipartBody(t, "ventas.csv", tt.file, tt.fields...)
		res := f.do(admin, "POST", "/import/preview", ct, body, es...)
		page := html.UnescapeString(res.body)
		if res.code != 200 || !strings.Contains(page, tt.want) || strings.Contains(page, tt.not) {
			t.Errorf("%s: %d, want %q, not %q, in\n%s", tt.name, res.code, tt.want, tt.not, page)
		}
	}
}

// TestKnownErrors makes through the API the errors the web app's forms
// meet, asking for their text in Spanish: the message stays English, the
// text is the translation with the message's values; without the header,
// or for an unknown message, there is no English in the Spanish text.
func TestKnownErrors(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	long := strings.Repeat("x", 101)
	tests := []struct {
		method, path, body string
		status             int
		text               string
	}{
		{"POST", "/api/v1/targets", `{"kpi":"revenue","period":"2026-Q1"}`, 400, "Falta el valor del objetivo."},
		{"POST", "/api/v1/targets", `{"kpi":"revenue","period":"2026-Q1","value":"mucho"}`, 400, `El valor "mucho" no es un número (ejemplos: 120000, 1250,50, 0,25, 25 %).`},
		{"POST", "/api/v1/targets", `{"kpi":"nope","period":"2026-Q1","value":"1"}`, 400, "No existe el KPI «nope»."},
		{"POST", "/api/v1/targets", `{"kpi":"revenue","period":"2026-Z","value":"1"}`, 400, "El periodo «2026-Z» no es válido (usa 2026, 2026-Q2, 2026-05, 2026-W14 o 2026-05-03)."},
		{"POST", "/api/v1/targets", `{"kpi":"revenue","period":"2025-W53","value":"1"}`, 400, "El periodo «2025-W53» no es válido: 2025 no tiene semana 53."},
		{"POST", "/api/v1/targets", `{"kpi":"revenue","value":"1"}`, 400, "El objetivo necesita un periodo."},
		{"POST", "/api/v1/targets", `{"kpi":"revenue","period":"2026-Q1","value":"1","scope_value":"Ana"}`, 400, "Objetivo de revenue: has escrito «Ana» pero no has elegido el ámbito."},
		{"POST", "/api/v1/targets", `{"kpi":"revenue","period":"2026-Q1","value":"1","scope":"owner"}`, 400, "Objetivo de revenue: escribe a quién se aplica (owner)."},
		{"PUT", "/api/v1/kpis/revenue/bands", `{"green":0.5,"yellow":0.9}`, 400, "Bandas de revenue: el umbral amarillo (0.9) está por encima del verde (0.5)."},
		{"PATCH", "/api/v1/org", `{"name":""}`, 400, "Falta el nombre de la organización."},
		{"PATCH", "/api/v1/org", `{"time_zone":"Mars/Base"}`, 400, "La zona horaria «Mars/Base» no existe (ejemplo: Europe/Madrid)."},
		{"PATCH", "/api/v1/org", `{"currency":"euro"}`, 400, "«EURO» no es un código de moneda ISO 4217 como EUR."},
		{"PATCH", "/api/v1/org", `{"currency":"USD"}`, 409, "La moneda queda fijada cuando la organización tiene registros"},
		{"PATCH", "/api/v1/org", `{"lang":"fr"}`, 400, "Idioma «fr»: usa es o en."},
		{"POST", "/api/v1/okrs/templates/ventas/apply", `{"period":"2026-Q1","lang":"fr"}`, 400, "Idioma «fr»: usa es o en."},
		{"POST", "/api/v1/users", `{"email":"nadie","role":"member"}`, 400, "«nadie» no es una dirección de correo electrónico."},
		{"POST", "/api/v1/users", `{"email":"manager@acme.test","role":"member"}`, 409, "manager@acme.test ya es miembro; cambia su rol en la tabla."},
		{"PATCH", fmt.Sprintf("/api/v1/users/%d", f.users["admin"].ID), `{"role":"member"}`, 409, "No se puede quitar ni degradar al único administrador"},
		{"POST", "/api/v1/tokens", `{"name":"` + long + `"}`, 400, "El nombre del token es demasiado largo (100 caracteres como máximo)."},
		{"PUT", "/api/v1/okrs/excluded-weeks/2026-X1", "", 400, "Semana «2026-X1»: usa una semana ISO como 2026-W15."},
		{"DELETE", "/api/v1/okrs/excluded-weeks/2026-W10", "", 404, "La semana 2026-W10 no está excluida."},
		{"POST", "/api/v1/okrs/templates/ventas/apply", `{"period":"2026-Q1"}`, 201, ""},
		{"POST", "/api/v1/okrs/templates/ventas/apply", `{"period":"2026-Q1"}`, 409, "La plantilla ventas ya está aplicada a 2026-Q1 (objetivo "},
		// A message the catalogue does not know gets its code's text.
		{"GET", "/api/v1/imports/abc", "", 400, "Algún dato no es válido; revísalo y vuelve a intentarlo."},
		{"GET", "/api/v1/objectives/999999", "", 404, "No se encuentra lo que buscas."},
	}
	used := map[string]bool{}
	for _, tt := range tests {
		ct := ""
		if tt.body != "" {
			ct = "application/json"
		}
		res := f.do(admin, tt.method, tt.path, ct, tt.body, HeaderLang, "es")
		if res.code != tt.status {
			t.Errorf("%s %s %s: %d %s, want %d", tt.method, tt.path, tt.body, res.code, res.body, tt.status)
			continue
		}
		if tt.text == "" {
			continue
		}
		e := res.json(t)["error"].(map[string]any)
		msg, text := e["message"].(string), e["text"].(string)
		if !strings.HasPrefix(text, tt.text) || strings.Contains(text, "%!") {
			t.Errorf("%s %s %s: text %q, want %q (message %q)", tt.method, tt.path, tt.body, text, tt.text, msg)
		}
		if msg == text {
			t.Errorf("%s %s: the message is not English: %q", tt.method, tt.path, msg)
		}
		for _, k := range knownErrors {
			if k.re.MatchString(msg) {
				used[k.key] = true
			}
		}
		// English asks get the message; no header, no text.
		if en := f.do(admin, tt.method, tt.path, ct, tt.body, HeaderLang, "en").json(t)["error"].(map[string]any); en["text"] != en["message"] {
			t.Errorf("%s %s: English text %q, message %q", tt.method, tt.path, en["text"], en["message"])
		}
		if _, ok := f.do(admin, tt.method, tt.path, ct, tt.body).json(t)["error"].(map[string]any)["text"]; ok {
			t.Errorf("%s %s: a text without %s", tt.method, tt.path, HeaderLang)
		}
	}
	// The OKR store's refusals the web forms show (formErrors catch most
	// before the store does).
	ctx := context.Background()
	for _, o := range []rumbo.Objective{
		{Title: "", Period: rumbo.Period{Label: "2026-Q1"}},
	} {
		err := f.db.CreateObjective(ctx, f.acme.ID, &o)
		if err == nil {
			t.Fatalf("objective %+v saved", o)
		}
		text := errorText("es", err)
		for _, k := range knownErrors {
			if k.re.MatchString(rumbo.ErrorMessage(err)) {
				used[k.key] = true
			}
		}
		if strings.Contains(text, "objective") || text == T("es", "error.code.invalid") {
			t.Errorf("%q in Spanish: %q", rumbo.ErrorMessage(err), text)
		}
	}
	// These need an OKR tree the fixture has not, or a role the admin has
	// not; their patterns are checked against their layouts below.
	for _, k := range []string{"apierr.objective_krs", "apierr.kr_title", "apierr.align_self", "apierr.parent", "apierr.kr_full", "apierr.role"} {
		used[k] = true
	}
	for _, k := range knownErrors {
		if !used[k.key] {
			t.Errorf("no request here gives %s (%q)", k.key, k.layout)
		}
	}
}

// TestErrorCatalogue: every known message and every error code has words
// in both languages taking as many arguments as the layout gives, and each
// layout's own text, with values, comes back translated.
func TestErrorCatalogue(t *testing.T) {
	argRE := regexp.MustCompile(`%(\[\d\])?[sdgvq]`)
	for _, k := range knownErrors {
		m, ok := messages[k.key]
		if !ok || m[0] == m[1] {
			t.Errorf("%s: no translation %q", k.key, m)
			continue
		}
		msg := argRE.ReplaceAllStringFunc(k.layout, func(v string) string {
			if v == "%q" {
				return `"v"`
			}
			return "7"
		})
		got := localMessage("es", rumbo.EINVALID, msg)
		if got == T("es", "error.code.invalid") || strings.Contains(got, "%!") {
			t.Errorf("%s: %q gives %q", k.key, msg, got)
		}
	}
	for code := range statuses {
		if m, ok := messages["error.code."+code]; !ok || m[0] == m[1] {
			t.Errorf("no words for the error code %q", code)
		}
	}
	if got := localMessage("es", rumbo.EINTERNAL, "pq: connection refused"); got != "Error interno." {
		t.Errorf("internal: %q", got)
	}
}

// TestWebErrorPages: error pages and fragments speak the page's language,
// a 400 included, whose message comes from the domain in English.
func TestWebErrorPages(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	member := f.session(f.users["member"], false)
	tests := []struct {
		name   string
		c      cred
		path   string
		status int
		es, en string
	}{
		{"bad period", admin, "/okrs?period=2026-Z", 400, "El periodo «2026-Z» no es válido", "invalid period"},
		{"not found", admin, "/kpis/nope", 404, "No encontramos esta página.", "We could not find this page."},
		{"forbidden", member, "/settings", 403, "Tu rol no permite ver esta página.", "Your role does not allow this page."},
	}
	for _, tt := range tests {
		for lang, want := range map[string]string{"es": tt.es, "en": tt.en} {
			res := f.do(tt.c, "GET", tt.path, "", "", "Accept-Language", lang)
			page := html.UnescapeString(res.body)
			if res.code != tt.status || !strings.Contains(page, want) {
				t.Errorf("%s in %s: %d, want %d and %q in %s", tt.name, lang, res.code, tt.status, want, page)
			}
			if lang == "es" && (strings.Contains(page, tt.en) || strings.Contains(page, "Something went wrong")) {
				t.Errorf("%s: English on the Spanish page", tt.name)
			}
		}
	}
}

// TestSeriesAxisLabels: the weekly chart labels the week clipped by the
// series' start with its first day, short, and keeps the range for the
// tooltip; whole weeks keep their label.
func TestSeriesAxisLabels(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	for lang, want := range map[string][2]string{
		"es": {"01/10", "01/10/2025 – 05/10/2025"},
		"en": {"1 Oct", "1 Oct 2025 – 5 Oct 2025"},
	} {
		res := f.do(admin, "GET", "/kpis/revenue?grain=week", "", "", "Accept-Language", lang)
		m := regexp.MustCompile(`(?s)<script type="application/json" id="series">(.*?)</script>`).FindStringSubmatch(res.body)
		if res.code != 200 || m == nil {
			t.Fatalf("%s: %d, no series", lang, res.code)
		}
		var d chartData
		if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Labels) < 20 || len(d.Full) != len(d.Labels) {
			t.Fatalf("%s: %d labels, %d full", lang, len(d.Labels), len(d.Full))
		}
		if d.Labels[0] != want[0] || d.Full[0] != want[1] {
			t.Errorf("%s: first week %q %q, want %q %q", lang, d.Labels[0], d.Full[0], want[0], want[1])
		}
		if d.Labels[1] != "2025-W41" || d.Full[1] != "2025-W41" {
			t.Errorf("%s: second week %q %q", lang, d.Labels[1], d.Full[1])
		}
		for _, l := range d.Labels {
			if strings.Contains(l, "..") {
				t.Errorf("%s: long label %q", lang, l)
			}
		}
	}
}
