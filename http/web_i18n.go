package http

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo/metric"
)

// webLangs are the languages of the web app, the first the default.
var webLangs = []string{"es", "en"}

// messages is the web app's catalogue: every UI string, in Spanish and
// English. Keys are stable; a missing key shows itself in brackets so a
// test can catch it.
var messages = map[string][2]string{
	// Chrome.
	"app.tagline":      {"KPI y OKR para equipos de ventas", "KPIs and OKRs for sales teams"},
	"nav.main":         {"Navegación principal", "Main navigation"},
	"nav.dashboard":    {"Panel", "Dashboard"},
	"nav.okrs":         {"OKR", "OKRs"},
	"nav.import":       {"Importar", "Import"},
	"nav.guide":        {"Guía KPI y OKR", "KPI & OKR guide"},
	"nav.settings":     {"Ajustes", "Settings"},
	"nav.logout":       {"Salir", "Sign out"},
	"nav.language":     {"Idioma", "Language"},
	"nav.org":          {"Organización", "Organisation"},
	"nav.org.switch":   {"Cambiar", "Switch"},
	"nav.skip":         {"Saltar al contenido", "Skip to content"},
	"lang.es":          {"Español", "Español"},
	"lang.en":          {"English", "English"},
	"lang.switch":      {"Cambiar idioma", "Change language"},
	"lang.auto":        {"Automático", "Automatic"},
	"lang.auto.title":  {"Volver al idioma del navegador", "Back to the browser's language"},
	"common.save":      {"Guardar", "Save"},
	"common.delete":    {"Borrar", "Delete"},
	"common.apply":     {"Aplicar", "Apply"},
	"common.none":      {"—", "—"},
	"common.saved":     {"Guardado.", "Saved."},
	"common.error":     {"Error", "Error"},
	"common.back":      {"Volver", "Back"},
	"common.all":       {"Todos", "All"},
	"common.role":      {"Rol", "Role"},
	"common.email":     {"Correo electrónico", "E-mail"},
	"common.name":      {"Nombre", "Name"},
	"common.period":    {"Periodo", "Period"},
	"common.value":     {"Valor", "Value"},
	"common.target":    {"Objetivo", "Target"},
	"common.of":        {"de", "of"},
	"common.yes":       {"sí", "yes"},
	"common.no":        {"no", "no"},
	"error.title":      {"Algo no ha ido bien", "Something went wrong"},
	"error.forbidden":  {"Tu rol no permite ver esta página.", "Your role does not allow this page."},
	"error.csrf":       {"Este formulario ya no es válido (la sesión cambió): recarga la página y vuelve a intentarlo.", "This form is no longer valid (the session changed): reload the page and try again."},
	"error.notfound":   {"No encontramos esta página.", "We could not find this page."},
	"error.home":       {"Ir al panel", "Go to the dashboard"},
	"role.admin":       {"Administración", "Admin"},
	"role.manager":     {"Responsable", "Manager"},
	"role.member":      {"Comercial", "Member"},
	"role.viewer":      {"Lectura", "Viewer"},
	"health.none":      {"Sin objetivo", "No target"},
	"health.green":     {"En objetivo", "On target"},
	"health.yellow":    {"Vigilar", "Watch"},
	"health.red":       {"Fuera de objetivo", "Off target"},
	"status.on_track":  {"En camino", "On track"},
	"status.at_risk":   {"En riesgo", "At risk"},
	"status.off_track": {"Desviado", "Off track"},

	// Login and invitations.
	"login.title":      {"Entrar", "Sign in"},
	"login.intro":      {"Tu velocímetro y tu ruta: los KPI y OKR de tu equipo comercial.", "Your speedometer and your route: your sales team's KPIs and OKRs."},
	"login.password":   {"Contraseña", "Password"},
	"login.submit":     {"Entrar", "Sign in"},
	"login.failed":     {"Correo o contraseña incorrectos.", "Wrong e-mail or password."},
	"login.cross_site": {"Este formulario de acceso viene de otro sitio: entra desde la página de acceso de Rumbo.", "This sign-in form comes from another site: sign in from Rumbo's own sign-in page."},
	"invite.title":     {"Elige tu contraseña", "Choose your password"},
	"invite.intro":     {"Te han invitado a Rumbo. Elige una contraseña de al menos 10 caracteres.", "You have been invited to Rumbo. Choose a password of at least 10 characters."},
	"invite.submit":    {"Guardar contraseña", "Save password"},
	"invite.done":      {"Contraseña guardada. Ya puedes entrar.", "Password saved. You can sign in now."},
	"invite.bad":       {"El enlace no es válido o ha caducado. Pide otro a quien te invitó.", "The link is invalid or has expired. Ask whoever invited you for a new one."},
	"invite.short":     {"La contraseña necesita al menos 10 caracteres.", "The password needs at least 10 characters."},

	// Dashboard.
	"dash.title":        {"Panel", "Dashboard"},
	"dash.quarter":      {"Trimestre hasta hoy", "Quarter to date"},
	"dash.month":        {"Mes hasta hoy", "Month to date"},
	"dash.week":         {"Última semana completa", "Last complete week"},
	"dash.period":       {"Periodo", "Period"},
	"dash.filter":       {"Filtrar", "Filter"},
	"dash.team":         {"Equipo", "Team"},
	"dash.rep":          {"Comercial", "Rep"},
	"dash.market":       {"Mercado", "Market"},
	"dash.show":         {"Ver", "Show"},
	"dash.headline":     {"Los cinco KPI del artículo", "The article's five KPIs"},
	"dash.more":         {"Más KPI", "More KPIs"},
	"dash.add":          {"Añadir un KPI al panel", "Add a KPI to the dashboard"},
	"dash.add.submit":   {"Añadir", "Add"},
	"dash.remove":       {"Quitar del panel", "Remove from the dashboard"},
	"dash.reset":        {"Volver a los cinco KPI", "Back to the five KPIs"},
	"dash.vs":           {"vs. mismo tramo del periodo anterior", "vs. the same span of the previous period"},
	"dash.lastweek":     {"Semana", "Week"},
	"dash.asof":         {"Datos a", "Data as of"},
	"dash.stale":        {"datos antiguos", "stale data"},
	"dash.nodata":       {"Sin datos", "No data"},
	"dash.target":       {"Objetivo prorrateado", "Pro-rata target"},
	"dash.achievement":  {"Logro", "Achievement"},
	"dash.objectives":   {"Objetivos del trimestre", "The quarter's objectives"},
	"dash.expected":     {"ritmo esperado", "expected pace"},
	"dash.noobjectives": {"Aún no hay objetivos este trimestre.", "No objectives this quarter yet."},
	"dash.firstrun":     {"¿Primera vez? Los KPI son el velocímetro; los OKR, la ruta. Lee la guía de dos minutos.", "First time? KPIs are the speedometer; OKRs are the route. Read the two-minute guide."},
	"dash.empty":        {"Todavía no hay datos. Importa la exportación de tu CRM para ver el velocímetro.", "No data yet. Import your CRM export to see the speedometer."},
	"dash.whattodo":     {"Qué hacer", "What to do"},
	"dash.open":         {"Ver detalle", "Open detail"},
	"dash.gauge":        {"Velocímetro", "Speedometer"},
	"dash.trend":        {"Tendencia semanal", "Weekly trend"},

	// KPI detail.
	"kpi.series":        {"Serie", "Series"},
	"kpi.grain":         {"Agrupar por", "Group by"},
	"kpi.grain.week":    {"Semana", "Week"},
	"kpi.grain.month":   {"Mes", "Month"},
	"kpi.grain.quarter": {"Trimestre", "Quarter"},
	"kpi.breakdown":     {"Desglose", "Breakdown"},
	"kpi.by":            {"Desglosar por", "Break down by"},
	"kpi.by.owner":      {"Comercial", "Rep"},
	"kpi.by.team":       {"Equipo", "Team"},
	"kpi.by.market":     {"Mercado", "Market"},
	"kpi.by.channel":    {"Canal", "Channel"},
	"kpi.playbook":      {"Acción correctiva", "Corrective action"},
	"kpi.formula":       {"Cómo se calcula", "How it is computed"},
	"kpi.csv":           {"Exportar CSV", "Export CSV"},
	"kpi.sort":          {"Ordenar por esta columna", "Sort by this column"},
	"kpi.group":         {"Grupo", "Group"},
	"kpi.n":             {"Registros", "Records"},
	"kpi.health":        {"Salud", "Health"},
	"kpi.drill":         {"Ver solo", "Show only"},
	"kpi.filtered":      {"Filtrado por", "Filtered by"},
	"kpi.clear":         {"Quitar filtro", "Clear filter"},
	"kpi.explain":       {"%s = %s (con %d registros). Objetivo prorrateado %s: %s × %s del periodo transcurrido.", "%s = %s (from %d records). Pro-rata target %s: %s × %s of the period elapsed."},
	"kpi.explain.flat":  {"%s = %s (con %d registros). Objetivo %s (no se prorratea: es una tasa o una media).", "%s = %s (from %d records). Target %s (not pro-rated: it is a rate or an average)."},
	"kpi.explain.none":  {"%s = %s (con %d registros). Sin objetivo para este periodo.", "%s = %s (from %d records). No target for this period."},
	"kpi.targetline":    {"Objetivo", "Target"},
	"kpi.immature":      {"aún puede cambiar", "can still change"},

	// OKRs.
	"okr.title":               {"OKR", "OKRs"},
	"okr.intro":               {"La ruta del trimestre: objetivos y resultados clave medidos con los mismos datos que los KPI.", "The quarter's route: objectives and key results measured from the same data as the KPIs."},
	"okr.objective":           {"Objetivo / resultado clave", "Objective / key result"},
	"okr.status":              {"Estado", "Status"},
	"okr.confidence":          {"Confianza", "Confidence"},
	"okr.progress":            {"Progreso", "Progress"},
	"okr.forecast":            {"Previsión", "Forecast"},
	"okr.owner":               {"Responsable", "Owner"},
	"okr.org":                 {"Toda la empresa", "Whole company"},
	"okr.outdated":            {"desactualizado %d días", "outdated %d days"},
	"okr.expected":            {"Esperado hoy: %s", "Expected today: %s"},
	"okr.empty":               {"No hay OKR en este periodo. Aplica la plantilla del artículo para empezar con tres objetivos y nueve resultados clave.", "No OKRs in this period. Apply the article's template to start with three objectives and nine key results."},
	"okr.template":            {"Aplicar la plantilla de ventas del artículo", "Apply the article's sales template"},
	"okr.template.go":         {"Crear los 3 objetivos", "Create the 3 objectives"},
	"okr.reaches":             {"llega", "reaches"},
	"okr.misses":              {"no llega", "falls short"},
	"okr.kr":                  {"Resultado clave", "Key result"},
	"okr.history":             {"Historial de check-ins", "Check-in history"},
	"okr.nohistory":           {"Aún no hay check-ins.", "No check-ins yet."},
	"okr.checkin":             {"Check-in", "Check-in"},
	"okr.checkin.value":       {"Nuevo valor", "New value"},
	"okr.checkin.conf":        {"Confianza (0–10)", "Confidence (0–10)"},
	"okr.checkin.comment":     {"Comentario", "Comment"},
	"okr.checkin.blocker":     {"¿Qué lo bloquea?", "What is blocking it?"},
	"okr.checkin.who":         {"¿Quién actúa para desbloquearlo?", "Who acts to unblock it?"},
	"okr.checkin.low":         {"Confianza baja: cuenta qué lo bloquea y quién actúa.", "Low confidence: say what blocks it and who acts."},
	"okr.checkin.submit":      {"Guardar check-in", "Save check-in"},
	"okr.checkin.saved":       {"Check-in guardado.", "Check-in saved."},
	"okr.checkin.need":        {"Con confianza 3 o menos, di qué lo bloquea y quién actúa.", "With confidence 3 or less, say what blocks it and who acts."},
	"okr.checkin.blocked":     {"Bloqueo: %s. Actúa: %s.", "Blocker: %s. Acts: %s."},
	"okr.checkin.cannot":      {"Solo puedes hacer check-in en los resultados clave tuyos o de tu equipo.", "You can check in only on key results you or your team own."},
	"okr.line":                {"Progreso en el tiempo", "Progress over time"},
	"okr.line.actual":         {"Real", "Actual"},
	"okr.line.expected":       {"Esperado", "Expected"},
	"okr.start":               {"Inicio", "Start"},
	"okr.current":             {"Actual", "Current"},
	"okr.author":              {"Autor", "Author"},
	"okr.when":                {"Fecha", "Date"},
	"okr.reason":              {"Por qué", "Why"},
	"okr.score":               {"Puntuación", "Score"},
	"okr.kind.metric":         {"KPI", "KPI"},
	"okr.kind.rate":           {"ritmo semanal", "weekly rate"},
	"okr.kind.segment":        {"por segmento", "per segment"},
	"okr.kind.manual":         {"manual", "manual"},
	"okr.kind.milestone":      {"hitos", "milestones"},
	"okr.kind.guardrail":      {"límite", "guardrail"},
	"reason.baseline_pending": {"base por establecer (primera semana completa de datos)", "baseline to be established (first full week of data)"},
	"reason.low_confidence":   {"confianza %d/10", "confidence %d/10"},
	"reason.no_checkin":       {"sin check-in desde hace %d días", "no check-in for %d days"},
	"reason.no_data":          {"aún no se han importado datos", "no data imported yet"},
	"reason.stale_data":       {"datos importados hace %d días", "data last imported %d days ago"},

	"okr.checkin.badconf":  {"La confianza va de 0 a 10.", "Confidence goes from 0 to 10."},
	"okr.checkin.badvalue": {"Escribe un número, p. ej. 2 o 2,5.", "Type a number, e.g. 2 or 2.5."},
	"okr.checkin.yesno":    {"Responde sí o no.", "Answer yes or no."},
	"okr.checkin.novalue":  {"Este resultado clave se mide con los datos: el check-in lleva confianza y comentario, no un valor.", "This key result is measured from the data: a check-in gives a confidence and a comment, not a value."},
	"okr.checkin.empty":    {"Da un valor, una confianza o un comentario.", "Give a value, a confidence or a comment."},

	// OKR forms.
	"okr.new":                             {"Nuevo objetivo", "New objective"},
	"okr.new.kr":                          {"Nuevo resultado clave", "New key result"},
	"okr.edit":                            {"Editar", "Edit"},
	"okr.edit.objective":                  {"Editar objetivo", "Edit objective"},
	"okr.edit.kr":                         {"Editar resultado clave", "Edit key result"},
	"okr.addkr":                           {"Añadir resultado clave", "Add key result"},
	"okr.done.created":                    {"Creado.", "Created."},
	"okr.done.saved":                      {"Cambios guardados.", "Changes saved."},
	"okr.done.deleted":                    {"Borrado.", "Deleted."},
	"okr.full":                            {"Este objetivo ya tiene 5 resultados clave, el máximo.", "This objective already has 5 key results, the most it may have."},
	"okr.delete.objective":                {"Borrar este objetivo", "Delete this objective"},
	"okr.delete.objective.note":           {"Se borran también sus %d resultados clave y su historial de check-ins. No se puede deshacer.", "Its %d key results and their check-in history go too. This cannot be undone."},
	"okr.delete.kr":                       {"Borrar este resultado clave", "Delete this key result"},
	"okr.delete.kr.note":                  {"Se borra también su historial de check-ins. No se puede deshacer.", "Its check-in history goes too. This cannot be undone."},
	"okr.delete.confirm":                  {"Sí, borrar", "Yes, delete"},
	"okr.delete.children":                 {"Hay %d objetivos alineados con este: bórralos o alinéalos con otro antes.", "%d objectives align with this one: delete them or align them with another first."},
	"okr.form.of":                         {"Del objetivo:", "Of the objective:"},
	"okr.form.objective":                  {"Objetivo", "Objective"},
	"okr.form.firstkr":                    {"Primer resultado clave", "First key result"},
	"okr.form.title":                      {"Título", "Title"},
	"okr.form.description":                {"Descripción (opcional)", "Description (optional)"},
	"okr.form.owner":                      {"Equipo o comercial", "Team or rep"},
	"okr.form.owner.help":                 {"Para un equipo o un comercial: su nombre tal como aparece en los datos.", "For a team or a rep: their name as in the data."},
	"okr.form.type":                       {"Tipo", "Type"},
	"okr.form.period":                     {"Trimestre", "Quarter"},
	"okr.form.parent":                     {"Alineado con (opcional)", "Aligned with (optional)"},
	"okr.form.noparent":                   {"— ninguno —", "— none —"},
	"okr.form.kind":                       {"Cómo se mide", "How it is measured"},
	"okr.form.kind.fixed":                 {"El tipo no cambia una vez creado.", "The kind does not change once created."},
	"okr.form.weight":                     {"Peso (opcional)", "Weight (optional)"},
	"okr.form.weight.help":                {"1 por defecto; un peso 2 cuenta el doble en el progreso del objetivo.", "1 by default; a weight of 2 counts twice in the objective's progress."},
	"okr.form.data":                       {"Datos", "Data"},
	"okr.form.scope":                      {"Ámbito (opcional)", "Scope (optional)"},
	"okr.form.filter.help":                {"Por ejemplo type=follow_up_call para contar solo las llamadas de seguimiento.", "For example type=follow_up_call to count only follow-up calls."},
	"okr.form.change_kind":                {"Meta", "Target"},
	"okr.form.change":                     {"Valor de la meta", "Target value"},
	"okr.form.change.help":                {"Valor fijo: en la unidad del KPI (importes en la moneda; tasas como 25 %). % sobre la base: 20 es +20 %. Puntos: en la unidad del KPI.", "Fixed value: in the KPI's unit (amounts in the currency; rates as 25%). % over the baseline: 20 is +20 %. Points: in the KPI's unit."},
	"okr.form.baseline":                   {"Base (para % y puntos)", "Baseline (for % and points)"},
	"okr.form.baseline.help":              {"Se fija al empezar el trimestre; sin datos, la primera semana completa.", "Frozen when the quarter begins; without data, the first full week."},
	"okr.form.direction":                  {"Sentido", "Direction"},
	"okr.form.unit":                       {"Unidad", "Unit"},
	"okr.form.manual.help":                {"Se actualiza con los check-ins. En porcentaje, 40 es 40 %.", "Updated by check-ins. In percent, 40 is 40 %."},
	"okr.form.rate":                       {"Veces por semana", "Times a week"},
	"okr.form.per_rep":                    {"Por comercial (si no, el total del equipo)", "Per rep (otherwise the team's total)"},
	"okr.form.items":                      {"Hitos, uno por línea", "Milestones, one per line"},
	"okr.form.op":                         {"Debe quedarse", "Must stay"},
	"okr.form.min":                        {"Mínimo", "Minimum"},
	"okr.form.max":                        {"Máximo", "Maximum"},
	"okr.form.segment_by":                 {"Segmentos por", "Segments by"},
	"okr.form.segments":                   {"Segmentos, separados por comas", "Segments, separated by commas"},
	"okr.form.segments.help":              {"Vacío con mercados: los mercados marcados como nuevos en los datos.", "Empty with markets: the markets flagged new in the data."},
	"okr.form.segment_target":             {"Meta por segmento", "Target per segment"},
	"okr.form.cancel":                     {"Cancelar", "Cancel"},
	"okr.owner.org":                       {"Toda la empresa", "Whole company"},
	"okr.owner.team":                      {"Un equipo", "A team"},
	"okr.owner.person":                    {"Un comercial", "A rep"},
	"okr.type.committed":                  {"Comprometido (se espera 1,0)", "Committed (1.0 expected)"},
	"okr.type.aspirational":               {"Aspiracional (0,7 es buena nota)", "Aspirational (0.7 is a good score)"},
	"okr.change.absolute":                 {"Valor fijo", "Fixed value"},
	"okr.change.relative":                 {"% sobre la base", "% over the baseline"},
	"okr.change.points":                   {"Puntos sobre la base", "Points over the baseline"},
	"okr.baseline.previous_quarter":       {"Trimestre anterior", "Previous quarter"},
	"okr.baseline.same_quarter_last_year": {"Mismo trimestre del año pasado", "Same quarter last year"},
	"okr.direction.increase":              {"Subir", "Go up"},
	"okr.direction.decrease":              {"Bajar (menos es mejor)", "Go down (lower is better)"},
	"okr.unit.number":                     {"Número", "Number"},
	"okr.unit.percent":                    {"Porcentaje", "Percent"},
	"okr.unit.currency":                   {"Importe", "Amount"},
	"okr.unit.yesno":                      {"Sí / no", "Yes / no"},
	"okr.op.above":                        {"Por encima del mínimo", "Above the minimum"},
	"okr.op.below":                        {"Por debajo del máximo", "Below the maximum"},
	"okr.op.within":                       {"Entre mínimo y máximo", "Between minimum and maximum"},
	"form.required":                       {"Obligatorio.", "Required."},
	"form.number":                         {"Escribe un número, p. ej. 1.250,50 o 25 %.", "Type a number, e.g. 1,250.50 or 25%."},
	"form.choose":                         {"Elige una de las opciones.", "Choose one of the options."},
	"form.period":                         {"Elige un trimestre, p. ej. 2026-Q4.", "Choose a quarter, e.g. 2026-Q4."},
	"form.positive":                       {"Tiene que ser mayor que 0.", "Must be more than 0."},
	"form.notneg":                         {"No puede ser negativo: el sentido dice hacia dónde.", "Cannot be negative: the direction says which way."},
	"form.minmax":                         {"El máximo no puede ser menor que el mínimo.", "The maximum cannot be below the minimum."},
	"form.filter":                         {"Usa campo=valor, p. ej. type=demo.", "Use field=value, e.g. type=demo."},
	"form.fix":                            {"Revisa los campos marcados.", "Check the marked fields."},

	// Import.
	"imp.title":        {"Importar", "Import"},
	"imp.intro":        {"Sube la exportación CSV de tu CRM u hoja de cálculo. Primero verás una vista previa; nada se guarda hasta que pulses Importar.", "Upload the CSV export of your CRM or spreadsheet. You will see a preview first; nothing is saved until you press Import."},
	"imp.file":         {"Archivo CSV", "CSV file"},
	"imp.entity":       {"Qué contiene", "What it holds"},
	"imp.mapping":      {"Correspondencia de columnas (YAML, opcional)", "Column mapping (YAML, optional)"},
	"imp.mapping.help": {"Déjalo vacío si las cabeceras ya son los nombres de Rumbo (external_id, owner, amount…). O elige abajo la columna de cada campo tras la vista previa.", "Leave it empty when the headers are already Rumbo's names (external_id, owner, amount…). Or pick each field's column below after the preview."},
	"imp.preview":      {"Vista previa", "Preview"},
	"imp.run":          {"Importar", "Import"},
	"imp.skip":         {"Importar las filas válidas aunque otras fallen", "Import the valid rows even if others fail"},
	"imp.delimiter":    {"Separador", "Delimiter"},
	"imp.encoding":     {"Codificación", "Encoding"},
	"imp.rows":         {"Filas", "Rows"},
	"imp.column":       {"Columna", "Column"},
	"imp.field":        {"Campo de Rumbo", "Rumbo field"},
	"imp.kind":         {"Tipo", "Type"},
	"imp.dateformat":   {"Formato de fecha", "Date format"},
	"imp.decimal":      {"Separador decimal", "Decimal separator"},
	"imp.kind.text":    {"texto", "text"},
	"imp.kind.date":    {"fecha", "date"},
	"imp.kind.number":  {"número", "number"},
	"imp.kind.empty":   {"vacía", "empty"},
	"imp.pick":         {"Elige la columna de cada campo", "Pick each field's column"},
	"imp.pick.none":    {"(ninguna)", "(none)"},
	"imp.values":       {"Traducción de valores (una por línea, valor=canónico, p. ej. Cerrado ganado=won)", "Value map (one per line, value=canonical, e.g. Closed won=won)"},
	"imp.running":      {"Importando…", "Importing…"},
	"imp.done":         {"Importación terminada", "Import finished"},
	"imp.failed":       {"La importación no se ha guardado", "The import was not saved"},
	"imp.errors":       {"Filas con errores", "Rows with errors"},
	"imp.line":         {"Línea", "Line"},
	"imp.reason":       {"Motivo", "Reason"},
	"imp.recent":       {"Importaciones recientes", "Recent imports"},
	"imp.none":         {"Aún no hay importaciones.", "No imports yet."},
	"imp.counts":       {"Leídas %d · nuevas %d · actualizadas %d · sin cambios %d · rechazadas %d", "Read %d · new %d · updated %d · unchanged %d · rejected %d"},
	"imp.rollback":     {"Ninguna fila se ha guardado: corrige las filas con error y vuelve a subir el archivo (o marca importar las válidas).", "No row was saved: fix the rows with errors and upload the file again (or tick import the valid rows)."},
	"imp.file.status":  {"Estado", "Status"},
	"imp.when":         {"Cuándo", "When"},

	// Guide.
	"guide.title": {"KPI y OKR", "KPIs and OKRs"},

	// Settings.
	"set.title":          {"Ajustes", "Settings"},
	"set.targets":        {"Objetivos de los KPI", "KPI targets"},
	"set.targets.help":   {"Un objetivo para un periodo más largo se reparte por días; el panel lo compara prorrateado.", "A target for a longer period is split by days; the dashboard compares it pro rata."},
	"set.kpi":            {"KPI", "KPI"},
	"set.scope":          {"Ámbito", "Scope"},
	"set.scope.org":      {"Toda la empresa", "Whole company"},
	"set.scopevalue":     {"Nombre (comercial, equipo o mercado)", "Name (rep, team or market)"},
	"set.target.add":     {"Guardar objetivo", "Save target"},
	"set.value.help":     {"Importes en la moneda de la empresa; tasas como 25%.", "Amounts in the company's currency; rates as 25%."},
	"set.bands":          {"Bandas de salud", "Health bands"},
	"set.bands.help":     {"Verde desde el logro indicado (1 = 100 %), amarillo desde el segundo; por debajo, rojo.", "Green from the first achievement (1 = 100 %), yellow from the second; below, red."},
	"set.green":          {"Verde desde", "Green from"},
	"set.yellow":         {"Amarillo desde", "Yellow from"},
	"set.absolute":       {"Valores absolutos", "Absolute values"},
	"set.custom":         {"KPI personalizados", "Custom KPIs"},
	"set.custom.help":    {"Sin código: un recuento, suma o media sobre una entidad, con filtros.", "No code: a count, sum or average over an entity, with filters."},
	"set.custom.key":     {"Clave", "Key"},
	"set.custom.func":    {"Cálculo", "Aggregation"},
	"set.custom.entity":  {"Entidad", "Entity"},
	"set.custom.field":   {"Campo (para suma o media)", "Field (for sum or average)"},
	"set.custom.filter":  {"Filtro (campo=valor, opcional)", "Filter (field=value, optional)"},
	"set.custom.unit":    {"Unidad", "Unit"},
	"set.custom.add":     {"Guardar KPI", "Save KPI"},
	"set.users":          {"Usuarios y roles", "Users and roles"},
	"set.invite":         {"Invitar", "Invite"},
	"set.invite.link":    {"Enlace de invitación (envíalo tú; caduca en 72 h):", "Invitation link (send it yourself; it expires in 72 h):"},
	"set.person":         {"Comercial vinculado (nombre en los datos)", "Linked rep (name in the data)"},
	"set.tokens":         {"Tokens de API", "API tokens"},
	"set.token.name":     {"Nombre del token", "Token name"},
	"set.token.create":   {"Crear token", "Create token"},
	"set.token.once":     {"Cópialo ahora: no se volverá a mostrar.", "Copy it now: it will not be shown again."},
	"set.token.revoke":   {"Revocar", "Revoke"},
	"set.token.used":     {"Último uso", "Last used"},
	"set.org":            {"Organización", "Organisation"},
	"set.tz":             {"Zona horaria", "Time zone"},
	"set.tz.warn":        {"Cambiar la zona horaria recalcula semanas, meses y trimestres de todos los KPI y OKR.", "Changing the time zone recomputes the weeks, months and quarters of every KPI and OKR."},
	"set.currency":       {"Moneda", "Currency"},
	"set.currency.fixed": {"Fija: ya hay datos importados.", "Fixed: data has been imported."},
	"set.lang":           {"Idioma de la organización", "Organisation language"},
	"set.leaderboard":    {"Clasificación visible: los comerciales ven las cifras de sus compañeros", "Leaderboard on: reps see their colleagues' figures"},
	"set.weeks":          {"Semanas excluidas (festivos)", "Excluded weeks (holidays)"},
	"set.weeks.add":      {"Excluir semana (p. ej. 2026-W52)", "Exclude week (e.g. 2026-W52)"},
	"set.weeks.none":     {"Ninguna.", "None."},
	"set.include":        {"Volver a contar", "Count again"},
}

// T returns the message key in lang; a missing key shows as [key].
func T(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return "[" + key + "]"
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// Tf formats the message key in lang with args.
func Tf(lang, key string, args ...any) string { return fmt.Sprintf(T(lang, key), args...) }

// formulas explain each built-in KPI in one sentence.
var formulas = map[string][2]string{
	"revenue":                {"Suma del importe de los tratos ganados con fecha de cierre en el periodo.", "Sum of the amount of deals won with their close date in the period."},
	"conversion_rate":        {"Clientes nuevos del periodo (leads cuyo primer trato ganado se cerró en él) ÷ leads creados en el periodo. Es un ratio de flujo: puede pasar del 100 % en un periodo corto.", "New customers in the period (leads whose first won deal closed in it) ÷ leads created in the period. A flow ratio: it can exceed 100 % in a short period."},
	"lead_conversion_cohort": {"De los leads creados en el periodo, la parte con un trato ganado en los 90 días siguientes a su creación.", "Of the leads created in the period, the share with a won deal within 90 days of creation."},
	"win_rate":               {"Ganados ÷ (ganados + perdidos), tratos cerrados en el periodo.", "Won ÷ (won + lost), deals closed in the period."},
	"sales_cycle_days":       {"Media de días naturales desde el primer contacto hasta el cierre, tratos ganados en el periodo. Menos es mejor.", "Mean calendar days from first contact to close, deals won in the period. Lower is better."},
	"avg_deal_value":         {"Ingresos ÷ número de tratos ganados en el periodo.", "Revenue ÷ number of deals won in the period."},
	"campaign_roi":           {"(Ingresos atribuidos − gasto) ÷ gasto; gasto prorrateado por días al periodo.", "(Attributed revenue − spend) ÷ spend; spend prorated by days to the period."},
	"activities":             {"Número de actividades en el periodo.", "Number of activities in the period."},
	"open_deals":             {"Tratos abiertos al final del periodo (o ahora).", "Deals open at the end of the period (or now)."},
	"pipeline_value":         {"Suma de los importes conocidos de los tratos abiertos al final del periodo.", "Sum of the known amounts of deals open at the end of the period."},
	"new_market_sales":       {"Tratos ganados en el periodo, por mercado.", "Won deals in the period, per market."},
	"surveys_sent":           {"Encuestas enviadas en el periodo.", "Surveys sent in the period."},
	"csat":                   {"Puntuación media de las encuestas respondidas en el periodo.", "Mean score of the surveys answered in the period."},
	"response_time":          {"Media de horas desde que llega una consulta hasta la primera respuesta. Menos es mejor.", "Mean hours from an inquiry's arrival to its first response. Lower is better."},
	"recurring_revenue":      {"Ingresos de tratos ganados en el periodo de clientes con un trato ganado anterior.", "Revenue of deals won in the period from customers with an earlier won deal."},
	"cpl":                    {"Gasto ÷ leads creados. Menos es mejor.", "Spend ÷ leads created. Lower is better."},
	"cac":                    {"Gasto ÷ clientes nuevos. Menos es mejor.", "Spend ÷ new customers. Lower is better."},
	"roas":                   {"Ingresos atribuidos ÷ gasto.", "Attributed revenue ÷ spend."},
}

// formulaOf explains a KPI in lang; custom KPIs use their description.
func formulaOf(lang, key string, desc map[string]string) string {
	if f, ok := formulas[key]; ok {
		if lang == "en" {
			return f[1]
		}
		return f[0]
	}
	if d := desc[lang]; d != "" {
		return d
	}
	return T(lang, "set.custom.help")
}

// groupDigits writes the integer digits s with a thousands separator.
func groupDigits(s, sep string) string {
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// fmtNum formats f with decimals for lang: 1.234,56 (es) or 1,234.56 (en).
func fmtNum(f float64, decimals int, lang string) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	s := new(big.Rat).SetFloat64(f).FloatString(decimals)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	thousands, point := ",", "."
	if lang == "es" {
		thousands, point = ".", ","
	}
	out := groupDigits(intPart, thousands)
	if frac != "" {
		out += point + frac
	}
	if neg && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}

// currencySymbol returns the symbol of an ISO 4217 code, else the code.
func currencySymbol(code string) string {
	if s, ok := map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "MXN": "MX$", "COP": "COL$", "CLP": "CLP$"}[code]; ok {
		return s
	}
	return code
}

// fmtMoney formats an amount: "1.234,56 €" (es) or "€1,234.56" (en).
func fmtMoney(f float64, currency, lang string, decimals int) string {
	s := fmtNum(f, decimals, lang)
	sym := currencySymbol(currency)
	if lang == "es" {
		return s + "\u00a0" + sym
	}
	if strings.HasPrefix(s, "-") {
		return "-" + sym + s[1:]
	}
	return sym + s
}

// fmtMoneyShort formats an amount compactly: "10,4 M€", "634,5 k€" (es)
// or "€10.4M", "€634.5k" (en).
func fmtMoneyShort(f float64, currency, lang string) string {
	sym := currencySymbol(currency)
	abs := math.Abs(f)
	var n, suffix string
	switch {
	case abs >= 1e6:
		n, suffix = fmtNum(f/1e6, 1, lang), "M"
	case abs >= 1e4:
		n, suffix = fmtNum(f/1e3, 1, lang), "k"
	default:
		return fmtMoney(f, currency, lang, 0)
	}
	if lang == "es" {
		return n + "\u00a0" + suffix + sym
	}
	return sym + n + suffix
}

// fmtDate formats a date in the location: 27/11/2026 (es) or 27 Nov 2026 (en).
func fmtDate(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return "—"
	}
	if loc != nil {
		t = t.In(loc)
	}
	if lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// fmtDateTime formats a date and time: 27/11/2026 10:30 (es) or 27 Nov 2026 10:30 (en).
func fmtDateTime(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return "—"
	}
	if loc != nil {
		t = t.In(loc)
	}
	return fmtDate(t, nil, lang) + " " + t.Format("15:04")
}

// fmtPct formats a fraction as a percentage: 0.634 → "63,4 %".
func fmtPct(f float64, decimals int, lang string) string {
	return fmtNum(f*100, decimals, lang) + "\u00a0%"
}

// fmtValue formats a KPI value with its unit for people.
func fmtValue(v *metric.Value, currency, lang string) string {
	if v == nil || v.Rat == nil {
		return "—"
	}
	return fmtUnit(v.Float64(), v.Unit, currency, lang)
}

// fmtUnit formats a number of a KPI unit: money with its symbol, ratios as
// percentages, days and hours with their unit.
func fmtUnit(f float64, unit, currency, lang string) string {
	switch unit {
	case metric.UnitMoney:
		return fmtMoney(f, currency, lang, 2)
	case metric.UnitRatio:
		return fmtPct(f, 1, lang)
	case metric.UnitDays:
		return fmtNum(f, 1, lang) + map[string]string{"es": "\u00a0días", "en": "\u00a0days"}[lang]
	case metric.UnitHours:
		return fmtNum(f, 1, lang) + "\u00a0h"
	case metric.UnitCount:
		if f == math.Trunc(f) {
			return fmtNum(f, 0, lang)
		}
		return fmtNum(f, 1, lang)
	}
	return fmtNum(f, 2, lang)
}

// fmtUnitShort formats a number compactly (money in k/M) for bars and axes.
func fmtUnitShort(f float64, unit, currency, lang string) string {
	if unit == metric.UnitMoney {
		return fmtMoneyShort(f, currency, lang)
	}
	return fmtUnit(f, unit, currency, lang)
}

// pickLang returns the language for a request: the user's choice (cookie),
// then Accept-Language, then the organisation's.
func pickLang(cookie, acceptLanguage, org string) string {
	if cookie == "es" || cookie == "en" {
		return cookie
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			fmt.Sscanf(v, "%g", &q)
		}
		base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if (base == "es" || base == "en") && q > bestQ {
			best, bestQ = base, q
		}
	}
	if best != "" {
		return best
	}
	if org == "en" {
		return "en"
	}
	return "es"
}
