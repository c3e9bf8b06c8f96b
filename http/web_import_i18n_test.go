package http

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/importer"
)

// verbRE finds the fmt verbs of a message.
var verbRE = regexp.MustCompile(`%[a-z]`)

// checkTranslated fails the test unless the message key has a Spanish and
// an English text taking the same %s arguments, and returns as many
// arguments to fill them.
func checkTranslated(t *testing.T, key string) (args []string, ok bool) {
	t.Helper()
	m, ok := messages[key]
	if !ok {
		t.Errorf("no message %q", key)
		return nil, false
	}
	es, en := verbRE.FindAllString(m[0], -1), verbRE.FindAllString(m[1], -1)
	if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" || m[0] == m[1] {
		t.Errorf("%s: not translated: %q", key, m)
	}
	if strings.Join(es, "") != strings.Join(en, "") || strings.Contains(strings.Join(es, ""), "%q") {
		t.Errorf("%s: Spanish takes %v and English %v; both take the args as %%s", key, es, en)
	}
	args = make([]string, len(es))
	for i := range args {
		args[i] = fmt.Sprintf("a%d", i)
	}
	return args, true
}

// TestImportErrorCatalogue checks that every code of the importer's row
// errors has a Spanish and an English message, each taking the same
// arguments, and that the import page's entities and statuses have words.
func TestImportErrorCatalogue(t *testing.T) {
	codes := importer.ErrorCodes()
	if len(codes) < 20 {
		t.Fatalf("the importer lists only %d codes", len(codes))
	}
	for _, c := range codes {
		args, ok := checkTranslated(t, "imp.err."+string(c))
		if !ok {
			continue
		}
		for _, lang := range webLangs {
			got := rowReason(lang, rowErrorJSON{Code: string(c), Field: "amount", Args: args, Reason: "English"})
			if !strings.HasPrefix(got, "amount: ") || strings.Contains(got, "%!") || got == "English" {
				t.Errorf("%s in %s: %q", c, lang, got)
			}
		}
	}
	// The problems with a whole file, after its name and line, and with a
	// column's name when the problem is in a column.
	fileCodes := importer.FileErrorCodes()
	if len(fileCodes) < 30 {
		t.Fatalf("the importer lists only %d file codes", len(fileCodes))
	}
	for _, c := range fileCodes {
		args, ok := checkTranslated(t, "imp.file."+string(c))
		if !ok {
			continue
		}
		fe := &importer.FileError{File: "f.csv", Line: 1, Column: "amount", Code: c, Args: args}
		for _, lang := range webLangs {
			got := fileText(lang, fe)
			if !strings.HasPrefix(got, "f.csv:1: ") || !strings.Contains(got, "amount") || strings.Contains(got, "%!") || got == fe.Error() {
				t.Errorf("%s in %s: %q", c, lang, got)
			}
		}
	}
	for _, e := range rumbo.Entities {
		if _, ok := messages["entity."+string(e)]; !ok {
			t.Errorf("no word for the entity %q", e)
		}
	}
	for _, s := range []string{rumbo.ImportQueued, rumbo.ImportRunning, rumbo.ImportDone, rumbo.ImportFailed} {
		if _, ok := messages["imp.status."+s]; !ok {
			t.Errorf("no word for the import status %q", s)
		}
	}
	// A job stored before codes existed, or a code this version does not
	// know, keeps the English reason.
	for _, e := range []rowErrorJSON{{Reason: "amount: bad"}, {Code: "from_the_future", Field: "amount", Reason: "amount: bad"}} {
		if got := rowReason("es", e); got != "amount: bad" {
			t.Errorf("%+v: %q", e, got)
		}
	}
}

// TestWebImportJobLanguage imports a file with bad rows and reads its row
// errors and message on the import page in Spanish and in English, and
// their codes in the API.
func TestWebImportJobLanguage(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	ct, body := multipartBody(t, "ventas.csv", "external_id;owner;amount;status\nI-1;Luis;mucho;won\nI-2;Luis;10;quizá\nI-1;Luis;5;lost\n",
		"entity", "deals")
	res := f.do(admin, "POST", "/api/v1/imports", ct, body)
	if res.code != 202 {
		t.Fatalf("upload: %d %s", res.code, res.body)
	}
	id := res.json(t)["id"]
	job := waitImport(t, f, admin, id)
	var codes []string
	for _, e := range job["errors"].([]any) {
		m := e.(map[string]any)
		codes = append(codes, fmt.Sprint(m["code"], " ", m["field"], " ", m["args"]))
	}
	if got, want := strings.Join(codes, "; "), "number amount [mucho]; not_allowed status [quizá open, won, lost]; duplicate_id external_id [I-1 2]"; got != want {
		t.Errorf("API codes %q, want %q", got, want)
	}
	page := func(lang string) string {
		t.Helper()
		r := f.do(admin, "GET", fmt.Sprintf("/import/jobs/%v", id), "", "", "Accept-Language", lang)
		if r.code != 200 {
			t.Fatalf("job page: %d", r.code)
		}
		return html.UnescapeString(r.body)
	}
	tests := []struct {
		lang string
		want []string
		not  []string
	}{
		{"es", []string{
			"ventas.csv: 3 filas no válidas; no se ha importado nada",
			"amount: «mucho» no es un número",
			"status: «quizá» no es un valor válido (valores válidos: open, won, lost)",
			"external_id: «I-1» ya aparece en la línea 2",
		}, []string{"is not a number", "invalid rows"}},
		{"en", []string{
			"ventas.csv: 3 invalid rows; nothing imported",
			"amount: “mucho” is not a number",
			"external_id: “I-1” already appears on line 2",
		}, []string{"no es un número"}},
	}
	for _, tt := range tests {
		body := page(tt.lang)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s page lacks %q", tt.lang, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("%s page has %q", tt.lang, w)
			}
		}
	}
	// The recent imports list says the status and the entity in Spanish.
	list := html.UnescapeString(f.do(admin, "GET", "/import", "", "", "Accept-Language", "es").body)
	for _, w := range []string{"<td>Tratos</td><td>fallida</td>", "Leídas 3 · nuevas 0"} {
		if !strings.Contains(list, w) {
			t.Errorf("the recent imports lack %q", w)
		}
	}
}

// TestJobMessage translates the messages of jobs that failed for want of
// the server, and keeps a file's own problem as the importer says it.
func TestJobMessage(t *testing.T) {
	tests := []struct {
		msg      string
		rejected int
		want     string
	}{
		{importer.RejectedMessage("a.csv", 1), 1, "a.csv: 1 fila no válida; no se ha importado nada"},
		{importer.RejectedMessage("a.csv", 2), 2, "a.csv: 2 filas no válidas; no se ha importado nada"},
		{msgStoppedBefore, 0, T("es", "imp.msg.stopped_before")},
		{msgStoppedDuring, 0, T("es", "imp.msg.stopped_during")},
		{msgUnfinished, 0, T("es", "imp.msg.stopped_unfinished")},
		{msgInternal, 0, "Error interno."},
		{`a.csv:1: missing required column "status"`, 0, `a.csv:1: missing required column "status"`},
	}
	for _, tt := range tests {
		j := &importJSON{File: "a.csv", Message: tt.msg, Counts: importCounts{Rejected: tt.rejected}}
		j.MessageCode, j.MessageArgs = messageCode(&rumbo.ImportJob{File: "a.csv", Message: tt.msg, Rejected: tt.rejected})
		if got := jobMessage("es", j); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.msg, got, tt.want)
		}
	}
}
