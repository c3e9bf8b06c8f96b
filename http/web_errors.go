package http

import (
	"errors"
	"fmt"
	nethttp "net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/importer"
)

// HeaderLang asks the API to add, to an error's English message, its text in
// a language of the web app ("text" in the error JSON). app.js sends it, so
// that the settings forms, which call the API, speak the page's language;
// other clients get the English message and the code, as always.
const HeaderLang = "X-Rumbo-Lang"

// knownError is an English message the API and the stores give, as the fmt
// layout that writes it, and the web app's key for it in other languages.
// Its arguments (each %s, %d, %g or %q of the layout) pass to the
// translation in order, unquoted; a translation may pick them with %[n]s.
type knownError struct {
	layout string
	key    string
	re     *regexp.Regexp
	quoted []bool // per argument: written with %q, to unquote
}

// knownErrors are the messages a person can meet in the web app's forms
// (settings, template, OKR forms) with their translations in errorMessages.
// TestKnownErrors makes each one through the API or the store, so that a
// changed English message fails it instead of falling back in silence to
// the code's general text.
var knownErrors = compileKnown([]knownError{
	{layout: "target value required", key: "apierr.target_value"},
	{layout: `target value %s is not a number (examples: 120000, "1250.50", 0.25, "25%")`, key: "apierr.target_number"},
	{layout: "unknown KPI %q (GET /api/v1/kpis lists them)", key: "apierr.unknown_kpi"},
	{layout: "invalid period %q (use 2017, 2017-Q2, 2017-05, 2017-W14 or 2017-05-03)", key: "apierr.period"},
	{layout: "invalid period %q: %d has no week %d", key: "apierr.period_week"},
	{layout: "a target needs a period or from and to", key: "apierr.target_period"},
	{layout: "target for %s: scope value %q without a scope", key: "apierr.target_scope_value"},
	{layout: "target for %s: %s required", key: "apierr.target_scope_required"},
	{layout: "bands of %s: yellow %g above green %g", key: "apierr.bands"},
	{layout: "organisation name required", key: "apierr.org_name"},
	{layout: "organisation %s: unknown time zone %q", key: "apierr.time_zone"},
	{layout: "currency %q is not an ISO 4217 code such as EUR", key: "apierr.currency"},
	{layout: "the currency is fixed once the organisation holds records (it holds %s)", key: "apierr.currency_fixed"},
	{layout: "language %q: use es or en", key: "apierr.lang"},
	{layout: "lang %q: use es or en", key: "apierr.lang"},
	{layout: "%q is not an e-mail address", key: "apierr.email"},
	{layout: "%s is already a member; change their role instead", key: "apierr.member"},
	{layout: "the organisation's only admin cannot be removed or demoted; make another user admin first", key: "apierr.last_admin"},
	{layout: "token name too long (at most 100 characters)", key: "apierr.token_name"},
	{layout: "week %q: use an ISO week label such as 2026-W15", key: "apierr.week"},
	{layout: "week %s is not excluded", key: "apierr.week_not_excluded"},
	{layout: "template %s is already applied to %s (objective %d)", key: "apierr.template_applied"},
	{layout: "objective: title is required", key: "apierr.objective_title"},
	{layout: "key result: title is required", key: "apierr.kr_title"},
	{layout: "objective %q: has %d key results (1 to %d)", key: "apierr.objective_krs"},
	{layout: "objective %d cannot align with itself", key: "apierr.align_self"},
	{layout: "parent objective %d not found", key: "apierr.parent"},
	{layout: "objective %d already has %d key results (at most %d)", key: "apierr.kr_full"},
	{layout: "your role (%s) does not allow this", key: "apierr.role"},
})

// errorMessages are the web app's words for knownErrors and, per code
// (error.code.CODE), for any other error a form may meet.
var errorMessages = map[string][2]string{
	"apierr.target_value":          {"Falta el valor del objetivo.", "The target needs a value."},
	"apierr.target_number":         {"El valor %s no es un número (ejemplos: 120000, 1250,50, 0,25, 25 %%).", "The value %s is not a number (examples: 120000, 1250.50, 0.25, 25%%)."},
	"apierr.unknown_kpi":           {"No existe el KPI «%s».", "There is no KPI “%s”."},
	"apierr.period":                {"El periodo «%s» no es válido (usa 2026, 2026-Q2, 2026-05, 2026-W14 o 2026-05-03).", "The period “%s” is not valid (use 2026, 2026-Q2, 2026-05, 2026-W14 or 2026-05-03)."},
	"apierr.period_week":           {"El periodo «%s» no es válido: %s no tiene semana %s.", "The period “%s” is not valid: %s has no week %s."},
	"apierr.target_period":         {"El objetivo necesita un periodo.", "The target needs a period."},
	"apierr.target_scope_value":    {"Objetivo de %[1]s: has escrito «%[2]s» pero no has elegido el ámbito.", "Target for %[1]s: you wrote “%[2]s” but chose no scope."},
	"apierr.target_scope_required": {"Objetivo de %[1]s: escribe a quién se aplica (%[2]s).", "Target for %[1]s: say whom it applies to (%[2]s)."},
	"apierr.bands":                 {"Bandas de %s: el umbral amarillo (%s) está por encima del verde (%s).", "Bands of %s: the yellow threshold (%s) is above the green one (%s)."},
	"apierr.org_name":              {"Falta el nombre de la organización.", "The organisation needs a name."},
	"apierr.time_zone":             {"La zona horaria «%[2]s» no existe (ejemplo: Europe/Madrid).", "There is no time zone “%[2]s” (example: Europe/Madrid)."},
	"apierr.currency":              {"«%s» no es un código de moneda ISO 4217 como EUR.", "“%s” is not an ISO 4217 currency code such as EUR."},
	"apierr.currency_fixed":        {"La moneda queda fijada cuando la organización tiene registros (tiene %s).", "The currency is fixed once the organisation holds records (it holds %s)."},
	"apierr.lang":                  {"Idioma «%s»: usa es o en.", "Language “%s”: use es or en."},
	"apierr.email":                 {"«%s» no es una dirección de correo electrónico.", "“%s” is not an e-mail address."},
	"apierr.member":                {"%s ya es miembro; cambia su rol en la tabla.", "%s is already a member; change their role in the table."},
	"apierr.last_admin":            {"No se puede quitar ni degradar al único administrador; haz administrador a otra persona antes.", "The organisation's only admin cannot be removed or demoted; make another user admin first."},
	"apierr.token_name":            {"El nombre del token es demasiado largo (100 caracteres como máximo).", "The token's name is too long (at most 100 characters)."},
	"apierr.week":                  {"Semana «%s»: usa una semana ISO como 2026-W15.", "Week “%s”: use an ISO week such as 2026-W15."},
	"apierr.week_not_excluded":     {"La semana %s no está excluida.", "Week %s is not excluded."},
	"apierr.template_applied":      {"La plantilla %s ya está aplicada a %s (objetivo %s).", "Template %s is already applied to %s (objective %s)."},
	"apierr.objective_title":       {"El objetivo necesita un título.", "The objective needs a title."},
	"apierr.kr_title":              {"El resultado clave necesita un título.", "The key result needs a title."},
	"apierr.objective_krs":         {"El objetivo «%s» tiene %s resultados clave (de 1 a %s).", "The objective “%s” has %s key results (1 to %s)."},
	"apierr.align_self":            {"El objetivo %s no puede alinearse consigo mismo.", "Objective %s cannot align with itself."},
	"apierr.parent":                {"No existe el objetivo superior %s.", "There is no parent objective %s."},
	"apierr.kr_full":               {"El objetivo %s ya tiene %s resultados clave (como máximo %s).", "Objective %s already has %s key results (at most %s)."},
	"apierr.role":                  {"Tu rol (%s) no permite hacer esto.", "Your role (%s) does not allow this."},
	"error.code.invalid":           {"Algún dato no es válido; revísalo y vuelve a intentarlo.", "Some value is not valid; check it and try again."},
	"error.code.conflict":          {"No se puede hacer: choca con datos que ya existen.", "This cannot be done: it conflicts with existing data."},
	"error.code.not_found":         {"No se encuentra lo que buscas.", "What you asked for does not exist."},
	"error.code.forbidden":         {"Tu rol no permite hacer esto.", "Your role does not allow this."},
	"error.code.unauthorized":      {"Tu sesión ha caducado: vuelve a entrar.", "Your session has expired: sign in again."},
	"error.code.too_large":         {"El envío es demasiado grande.", "What you sent is too large."},
	"error.code.unprocessable":     {"Algún registro no es válido.", "Some record is not valid."},
	"error.code.rate_limited":      {"Demasiadas peticiones: espera un momento y vuelve a intentarlo.", "Too many requests: wait a moment and try again."},
	"error.code.unavailable":       {"El servicio no está disponible ahora; inténtalo más tarde.", "The service is unavailable; try again later."},
	"error.code.bad_media_type":    {"Formato de envío no admitido.", "This format is not accepted."},
	"error.code.internal":          {"Error interno.", "Internal error."},
}

func init() {
	for k, m := range errorMessages {
		if _, ok := messages[k]; ok {
			panic("web app: message " + k + " defined twice")
		}
		messages[k] = m
	}
}

// verbs finds the fmt verbs of a layout.
var verbs = regexp.MustCompile(`%[sdgvq]`)

// compileKnown turns each layout into a regular expression matching the
// whole message: %q matches a Go-quoted string, other verbs any text.
func compileKnown(ks []knownError) []knownError {
	for i := range ks {
		var b strings.Builder
		b.WriteString("^")
		rest := ks[i].layout
		for {
			loc := verbs.FindStringIndex(rest)
			if loc == nil {
				break
			}
			b.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
			q := rest[loc[0]:loc[1]] == "%q"
			if q {
				b.WriteString(`("(?:[^"\\]|\\.)*")`)
			} else {
				b.WriteString(`(.+?)`)
			}
			ks[i].quoted = append(ks[i].quoted, q)
			rest = rest[loc[1]:]
		}
		b.WriteString(regexp.QuoteMeta(rest) + "$")
		ks[i].re = regexp.MustCompile(b.String())
	}
	return ks
}

// localMessage says an error's message in lang: English keeps the message
// as it is; another language gets the translation of a known message, or
// the general text of the code, never the English words.
func localMessage(lang, code, msg string) string {
	if code == rumbo.EINTERNAL {
		return T(lang, "error.code.internal")
	}
	if lang == "en" {
		return msg
	}
	for _, k := range knownErrors {
		m := k.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, a := range m[1:] {
			if u, err := strconv.Unquote(a); err == nil && k.quoted[i] {
				a = u
			}
			args[i] = a
		}
		return fmt.Sprintf(T(lang, k.key), args...)
	}
	if _, ok := messages["error.code."+code]; ok {
		return T(lang, "error.code."+code)
	}
	return T(lang, "error.code.invalid")
}

// errorText says err in lang for a person: a problem with an imported file
// from its code, anything else as localMessage does.
func errorText(lang string, err error) string {
	var fe *importer.FileError
	if errors.As(err, &fe) {
		return fileText(lang, fe)
	}
	var mbe *nethttp.MaxBytesError
	if errors.As(err, &mbe) {
		return T(lang, "error.code."+ETOOLARGE)
	}
	return localMessage(lang, rumbo.ErrorCode(err), rumbo.ErrorMessage(err))
}

// requestLang is the language an API request asks its error texts in
// (HeaderLang), "" for none.
func requestLang(r *nethttp.Request) string {
	lang := strings.TrimSpace(r.Header.Get(HeaderLang))
	for _, l := range webLangs {
		if lang == l {
			return l
		}
	}
	return ""
}
