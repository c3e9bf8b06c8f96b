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
	"imp.err.too_large":          {"«%s» es demasiado grande (como máximo %s)", "“%s” is too large (at most %s)"},
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

// fileMessages are the web app's words for the importer's file codes
// (imp.file.CODE, taking the error's Args as strings in order): problems
// with a file as a whole or with its mapping.
var fileMessages = map[string][2]string{
	"imp.file.column":               {"la columna «%s» ", "column “%s” "},
	"imp.file.file_not_found":       {"no se encuentra el archivo", "file not found"},
	"imp.file.file_open":            {"no se puede abrir: %s", "cannot open: %s"},
	"imp.file.file_directory":       {"es una carpeta, no un archivo CSV", "is a directory, not a CSV file"},
	"imp.file.file_utf16":           {"el texto UTF-16 no se admite; guarde el archivo como CSV UTF-8", "UTF-16 text is not supported; save the file as CSV UTF-8"},
	"imp.file.file_binary":          {"datos binarios (byte %s); no es un archivo de texto CSV", "binary data (byte %s); not a CSV text file"},
	"imp.file.file_empty":           {"el archivo está vacío", "empty file"},
	"imp.file.no_entity":            {"no se ha indicado qué se importa", "no entity given"},
	"imp.file.entity_required":      {"elija qué se importa (o un mapeo que lo diga)", "choose what to import (or a mapping that names it)"},
	"imp.file.mapping_entity":       {"el mapeo es para %s, no para %s", "the mapping is for %s, not %s"},
	"imp.file.mapping_file_entity":  {"el mapeo %s es para %s, no para %s", "mapping %s is for %s, not %s"},
	"imp.file.header_quote":         {"no se puede leer la cabecera: comillas de más o de menos en una celda entre comillas", `cannot read the header: a quote (") missing or extra in a quoted cell`},
	"imp.file.header_bare_quote":    {`no se puede leer la cabecera: comillas (") dentro de una celda sin comillas`, `cannot read the header: a quote (") inside an unquoted cell`},
	"imp.file.header_syntax":        {"no se puede leer la cabecera: %s", "cannot read the header: %s"},
	"imp.file.duplicate_column":     {"la columna «%s» aparece más de una vez en la cabecera", "column “%s” appears more than once in the header"},
	"imp.file.missing_column":       {"falta la columna %s", "missing column %s"},
	"imp.file.missing_columns":      {"faltan las columnas %s", "missing columns %s"},
	"imp.file.missing_required":     {"falta la columna obligatoria %s", "missing required column %s"},
	"imp.file.missing_required_all": {"faltan las columnas obligatorias %s", "missing required columns %s"},
	"imp.file.missing_one_of":       {"falta una columna obligatoria: «%s» o «%s»", "missing required column “%s” or “%s”"},
	"imp.file.dates_mixed":          {"mezcla fechas dd/mm/aaaa (línea %s: «%s») y mm/dd/aaaa (línea %s: «%s»); indique date_format en el mapeo", "mixes dd/mm/yyyy (line %s: “%s”) and mm/dd/yyyy (line %s: “%s”) dates; set date_format in the mapping"},
	"imp.file.dates_ambiguous":      {"es ambigua: todas las fechas valen como dd/mm/aaaa y como mm/dd/aaaa (línea %s: «%s»); indique date_format en el mapeo", "is ambiguous: every date fits both dd/mm/yyyy and mm/dd/yyyy (line %s: “%s”); set date_format in the mapping"},
	"imp.file.decimals_mixed":       {"mezcla coma decimal (línea %s: «%s») y punto decimal (línea %s: «%s»); indique decimal en el mapeo", "mixes decimal comma (line %s: “%s”) and decimal point (line %s: “%s”); set decimal in the mapping"},
	"imp.file.decimals_ambiguous":   {`es ambigua: en la línea %s, «%s» puede llevar separador de miles o decimal; indique decimal: "," o decimal: "." en el mapeo`, `is ambiguous: line %s: “%s” may use a thousands separator or a decimal one; set decimal: "," or decimal: "." in the mapping`},
	"imp.file.mapping_empty":        {"el mapeo está vacío", "empty mapping"},
	"imp.file.mapping_key":          {"clave desconocida «%s» (válidas: entity, columns, values, defaults, fields, date_format, decimal)", "unknown key “%s” (valid: entity, columns, values, defaults, fields, date_format, decimal)"},
	"imp.file.mapping_syntax":       {"el mapeo no es YAML válido: %s", "not a valid mapping: %s"},
	"imp.file.mapping_no_entity":    {"falta entity (válidas: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)", "entity is missing (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)"},
	"imp.file.mapping_bad_entity":   {"entity «%s» desconocida (válidas: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)", "unknown entity “%s” (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)"},
	"imp.file.mapping_field":        {"%s: %s no tiene el campo «%s» (válidos: %s)", "%s: unknown %s field “%s” (valid: %s)"},
	"imp.file.mapping_empty_column": {"columns: el campo «%s» tiene vacío el nombre de la columna", "columns: field “%s” has an empty column name"},
	"imp.file.mapping_custom_std":   {"fields: «%s» es un campo propio de %s; asígnelo en columns", "fields: “%s” is a canonical %s field; map it under columns"},
	"imp.file.mapping_custom_bad":   {"fields: el campo personalizado «%s» necesita un nombre y una columna", "fields: custom field “%s” needs a name and a column"},
	"imp.file.mapping_required":     {"el campo obligatorio «%s» no tiene columna ni valor por defecto", "required field “%s” has no column or default"},
	"imp.file.mapping_one_of":       {"%s necesita una columna para %s o %s", "%s need a column for %s or %s"},
	"imp.file.mapping_date_format":  {"date_format: formato «%s» desconocido (válidos: auto, dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, con hh:mm o hh:mm:ss opcionales)", "date_format: unknown layout “%s” (valid: auto, dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, optionally with hh:mm or hh:mm:ss)"},
	"imp.file.mapping_decimal":      {`decimal: separador «%s» desconocido (válidos: auto, ",", ".")`, `decimal: unknown separator “%s” (valid: auto, ",", ".")`},
}

func init() {
	for _, table := range []map[string][2]string{importMessages, fileMessages} {
		for k, m := range table {
			if _, ok := messages[k]; ok {
				panic("web app: message " + k + " defined twice")
			}
			messages[k] = m
		}
	}
}

// fileText says what is wrong with a whole file in lang, after its name and
// line as the importer does; a code this version does not know keeps the
// English message.
func fileText(lang string, fe *importer.FileError) string {
	key := "imp.file." + string(fe.Code)
	if _, ok := messages[key]; !ok {
		return fe.Error()
	}
	args := make([]any, len(fe.Args))
	for i, a := range fe.Args {
		args[i] = a
	}
	msg := fmt.Sprintf(T(lang, key), args...)
	if fe.Column != "" {
		msg = Tf(lang, "imp.file.column", fe.Column) + msg
	}
	return fe.Prefix() + msg
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

// jobMessage says why a job failed in lang, from the message's code: the
// importer's file codes and the server's own messages are translated; a
// message without a code (a job stored before codes existed) stays English.
func jobMessage(lang string, j *importJSON) string {
	switch {
	case j.Message == "":
		return ""
	case j.fileErr != nil:
		return fileText(lang, j.fileErr)
	case j.MessageCode == "rejected":
		if j.Counts.Rejected == 1 {
			return Tf(lang, "imp.msg.rejected.one", j.File)
		}
		return Tf(lang, "imp.msg.rejected", j.File, j.Counts.Rejected)
	case j.MessageCode != "":
		if _, ok := messages["imp.msg."+j.MessageCode]; ok {
			return T(lang, "imp.msg."+j.MessageCode)
		}
	}
	return j.Message
}

// RowReason says what is wrong with a row in the viewer's language.
func (v *view) RowReason(e rowErrorJSON) string { return rowReason(v.Lang, e) }

// PreviewProblem says in the viewer's language why a previewed column's
// format cannot be decided.
func (v *view) PreviewProblem(c importer.PreviewColumn) string {
	if c.ProblemCode == "" {
		return c.Problem
	}
	return fileText(v.Lang, &importer.FileError{Column: c.Name, Code: c.ProblemCode, Args: c.ProblemArgs})
}

// JobMessage says why an import failed in the viewer's language.
func (v *view) JobMessage(j *importJSON) string { return jobMessage(v.Lang, j) }
