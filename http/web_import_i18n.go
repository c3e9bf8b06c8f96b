package http

import (
	"fmt"

	"github.com/rumbo-app/rumbo/importer"
)

// importMessages are the web app's words for the importer's row error codes
// (imp.err.CODE, taking the error's Args as strings in order) and for the
// messages of failed import jobs. They join messages at start.
var importMessages = map[string][2]string{
	"imp.err.csv_quote":          {"comillas de más o de menos en una celda entre comillas", `a quote (") missing or extra in a quoted cell`},
	"imp.err.csv_bare_quote":     {`comillas (") dentro de una celda sin comillas`, `a quote (") inside an unquoted cell`},
	"imp.err.csv_syntax":         {"la fila no se puede leer como CSV: %s", "the row cannot be read as CSV: %s"},
	"imp.err.row_width":          {"la fila tiene %s columnas y la cabecera %s", "the row has %s columns, the header has %s"},
	"imp.err.required":           {"falta un valor obligatorio", "required value is empty"},
	"imp.err.date":               {"«%s» no es una fecha válida", "“%s” is not a valid date"},
	"imp.err.date_ymd":           {"«%s» no es una fecha válida (se espera aaaa-mm-dd)", "“%s” is not a valid date (expected yyyy-mm-dd)"},
	"imp.err.number":             {"«%s» no es un número", "“%s” is not a number"},
	"imp.err.currency":           {"«%s» no está en la moneda de la organización (%s)", "“%s” is not in the organisation's currency (%s)"},
	"imp.err.decimals":           {"«%s» tiene más de %s decimales", "“%s” has more than %s decimals"},
	"imp.err.too_large":          {"«%s» es demasiado grande", "“%s” is too large"},
	"imp.err.whole_number":       {"«%s» no es un número entero", "“%s” is not a whole number"},
	"imp.err.yes_no":             {"«%s» no es sí o no (valores válidos: sí, no, yes, true, false, 1, 0)", "“%s” is not yes or no (valid: yes, no, sí, true, false, 1, 0)"},
	"imp.err.not_allowed":        {"«%s» no es un valor válido (valores válidos: %s)", "“%s” is not a valid value (valid: %s)"},
	"imp.err.name_or_email":      {"el nombre y el correo electrónico están vacíos", "name and email are both empty"},
	"imp.err.score_range":        {"%s está fuera de la escala %s (de %s a %s)", "%s is out of range for %s (%s to %s)"},
	"imp.err.duplicate_id":       {"«%s» ya aparece en la línea %s", "“%s” already appears on line %s"},
	"imp.err.before":             {"%s es anterior a %s", "%s is before %s"},
	"imp.err.unknown_person":     {"no existe la persona «%s»", "unknown person “%s”"},
	"imp.err.unknown_team":       {"no existe el equipo «%s»", "unknown team “%s”"},
	"imp.err.unknown_market":     {"no existe el mercado «%s»", "unknown market “%s”"},
	"imp.err.unknown_campaign":   {"no existe la campaña «%s»", "unknown campaign “%s”"},
	"imp.err.unknown_customer":   {"no existe el cliente «%s»", "unknown customer “%s”"},
	"imp.err.unknown_lead":       {"no existe el lead «%s»", "unknown lead “%s”"},
	"imp.err.unknown_deal":       {"no existe el trato «%s»", "unknown deal “%s”"},
	"imp.err.rejected":           {"el registro se ha rechazado: %s", "the record was refused: %s"},
	"imp.msg.rejected.one":       {"%s: 1 fila no válida; no se ha importado nada", "%s: 1 invalid row; nothing imported"},
	"imp.msg.rejected":           {"%s: %d filas no válidas; no se ha importado nada", "%s: %d invalid rows; nothing imported"},
	"imp.msg.stopped_before":     {"El servidor se detuvo antes de empezar la importación.", "The server stopped before the import ran."},
	"imp.msg.stopped_during":     {"El servidor se detuvo durante la importación; no se ha importado nada.", "The server stopped during the import; nothing was imported."},
	"imp.msg.stopped_unfinished": {"El servidor se detuvo antes de terminar la importación; no se ha importado nada.", "The server stopped before the import finished; nothing was imported."},
	"imp.status.queued":          {"en cola", "queued"},
	"imp.status.running":         {"en curso", "running"},
	"imp.status.done":            {"terminada", "done"},
	"imp.status.failed":          {"fallida", "failed"},
	"entity.teams":               {"Equipos", "Teams"},
	"entity.people":              {"Personas", "People"},
	"entity.markets":             {"Mercados", "Markets"},
	"entity.campaigns":           {"Campañas", "Campaigns"},
	"entity.leads":               {"Leads", "Leads"},
	"entity.deals":               {"Tratos", "Deals"},
	"entity.activities":          {"Actividades", "Activities"},
	"entity.surveys":             {"Encuestas", "Surveys"},
	"entity.inquiries":           {"Consultas", "Inquiries"},
	"imp.msg.internal":           {"Error interno.", "Internal error."},
}

// msgUnfinished is the message cmd/rumbo gives, at start, to the jobs a
// stopped server left unfinished.
const msgUnfinished = "the server stopped before the import finished; nothing was imported"

func init() {
	for k, m := range importMessages {
		if _, ok := messages[k]; ok {
			panic("web app: message " + k + " defined twice")
		}
		messages[k] = m
	}
}

// rowReason says what is wrong with a row in lang, after the field's name
// as the importer does; an error without a known code (a job stored before
// codes existed) keeps its English reason.
func rowReason(lang string, e rowErrorJSON) string {
	key := "imp.err." + e.Code
	if _, ok := messages[key]; e.Code == "" || !ok {
		return e.Reason
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		args[i] = a
	}
	msg := fmt.Sprintf(T(lang, key), args...)
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return msg
}

// jobMessage says why a job failed in lang. The importer's and the
// server's own messages are translated; a problem with the file as a whole
// keeps the importer's English message.
func jobMessage(lang string, j *importJSON) string {
	switch j.Message {
	case "":
		return ""
	case importer.RejectedMessage(j.File, j.Counts.Rejected):
		if j.Counts.Rejected == 1 {
			return Tf(lang, "imp.msg.rejected.one", j.File)
		}
		return Tf(lang, "imp.msg.rejected", j.File, j.Counts.Rejected)
	case msgStoppedBefore:
		return T(lang, "imp.msg.stopped_before")
	case msgStoppedDuring:
		return T(lang, "imp.msg.stopped_during")
	case msgUnfinished:
		return T(lang, "imp.msg.stopped_unfinished")
	case msgInternal:
		return T(lang, "imp.msg.internal")
	}
	return j.Message
}

// RowReason says what is wrong with a row in the viewer's language.
func (v *view) RowReason(e rowErrorJSON) string { return rowReason(v.Lang, e) }

// JobMessage says why an import failed in the viewer's language.
func (v *view) JobMessage(j *importJSON) string { return jobMessage(v.Lang, j) }
