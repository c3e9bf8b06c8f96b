package http

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// waitImport polls an import job until it ends and returns its JSON.
func waitImport(t *testing.T, f *fixture, c cred, id any) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res := f.do(c, "GET", fmt.Sprintf("/api/v1/imports/%v", id), "", "")
		if res.code != 200 {
			t.Fatalf("poll import %v: %d %s", id, res.code, res.body)
		}
		j := res.json(t)
		if s := j["status"]; s == "done" || s == "failed" {
			return j
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("import %v never ended", id)
	return nil
}

func TestImportJob(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin := f.session(f.users["admin"], false)
	mapping := "entity: deals\ncolumns: {external_id: id, owner: rep, status: estado, amount: importe, closed_at: cierre, created_at: alta}\n" +
		"values: {status: {Ganada: won, Perdida: lost}}\n"
	tests := []struct {
		name, csv   string
		fields      []string
		status      string
		summary     string
		errors      []string
		message     string
		dealsListed int
	}{
		{
			name:    "good file with a mapping",
			csv:     "id;rep;estado;importe;cierre;alta\nI-1;Luis;Ganada;1.234,50;13/02/2026;20/01/2026\nI-2;Luis;Perdida;10,00;14/02/2026;21/01/2026\n",
			fields:  []string{"mapping", mapping},
			status:  "done",
			summary: "ventas.csv: 2 rows read, 2 inserted, 0 updated, 0 unchanged, 0 rejected",
		},
		{
			name:    "bad rows roll the file back",
			csv:     "id;rep;estado;importe;cierre;alta\nI-3;Luis;Ganada;mucho;13/02/2026;20/01/2026\nI-4;Luis;Quizá;10;14/02/2026;21/01/2026\n",
			fields:  []string{"mapping", mapping},
			status:  "failed",
			summary: "ventas.csv: 2 rows read, 0 inserted, 0 updated, 0 unchanged, 2 rejected",
			errors:  []string{`ventas.csv:2:importe: amount: "mucho" is not a number`, "ventas.csv:3:estado:"},
			message: "ventas.csv: 2 invalid rows; nothing imported",
		},
		{
			name:    "skip_invalid keeps the good rows",
			csv:     "id;rep;estado;importe;cierre;alta\nI-5;Luis;Ganada;5;13/02/2026;20/01/2026\nI-6;Luis;Quizá;10;14/02/2026;21/01/2026\n",
			fields:  []string{"mapping", mapping, "skip_invalid", "true"},
			status:  "done",
			summary: "ventas.csv: 2 rows read, 1 inserted, 0 updated, 0 unchanged, 1 rejected",
			errors:  []string{"ventas.csv:3:estado:"},
		},
		{
			name:    "missing column fails the job",
			csv:     "id,owner\nX,Luis\n",
			fields:  []string{"entity", "deals"},
			status:  "failed",
			message: `ventas.csv:1: missing required columns "external_id", "status"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := multipartBody(t, "ventas.csv", tc.csv, tc.fields...)
			res := f.do(admin, "POST", "/api/v1/imports", ct, body)
			if res.code != 202 {
				t.Fatalf("upload: %d %s", res.code, res.body)
			}
			job := res.json(t)
			if loc := res.hdr.Get("Location"); loc != fmt.Sprintf("/api/v1/imports/%v", job["id"]) {
				t.Errorf("Location %q", loc)
			}
			got := waitImport(t, f, admin, job["id"])
			if got["status"] != tc.status {
				t.Errorf("status %v, want %s: %v", got["status"], tc.status, got)
			}
			if tc.summary != "" && got["summary"] != tc.summary {
				t.Errorf("summary %q, want %q", got["summary"], tc.summary)
			}
			if msg, _ := got["message"].(string); !strings.HasPrefix(msg, tc.message) || (tc.message == "" && msg != "") {
				t.Errorf("message %q, want %q", msg, tc.message)
			}
			errs, _ := got["errors"].([]any)
			if len(errs) != len(tc.errors) {
				t.Fatalf("%d errors, want %d: %v", len(errs), len(tc.errors), errs)
			}
			for i, want := range tc.errors {
				text := errs[i].(map[string]any)["text"].(string)
				if !strings.HasPrefix(text, want) {
					t.Errorf("error %d = %q, want prefix %q", i, text, want)
				}
			}
			if strings.Contains(fmt.Sprint(got), "rumbo-upload-") {
				t.Errorf("the job shows the temporary path: %v", got)
			}
		})
	}
	t.Run("records are there and jobs are listed newest first", func(t *testing.T) {
		res := f.do(admin, "GET", "/api/v1/deals/I-1", "", "")
		if res.code != 200 || !strings.Contains(res.body, `"amount":"1234.50"`) {
			t.Errorf("imported deal: %d %s", res.code, res.body)
		}
		if res := f.do(admin, "GET", "/api/v1/deals/I-3", "", ""); res.code != 404 {
			t.Errorf("rolled-back deal: %d", res.code)
		}
		list := f.do(admin, "GET", "/api/v1/imports", "", "").json(t)["imports"].([]any)
		if len(list) != len(tests) || list[0].(map[string]any)["file"] != "ventas.csv" {
			t.Errorf("list: %v", list)
		}
	})
	t.Run("a restarted server shows past jobs", func(t *testing.T) {
		s2 := NewServer(f.db, Config{Now: f.clock.now, Hasher: testHasher})
		defer s2.Close()
		old := f.srv
		f.srv = s2
		defer func() { f.srv = old }()
		list := f.do(admin, "GET", "/api/v1/imports", "", "").json(t)["imports"].([]any)
		if len(list) != len(tests) {
			t.Errorf("after restart: %d jobs, want %d", len(list), len(tests))
		}
	})
	t.Run("another organisation's job is not found", func(t *testing.T) {
		other, _ := f.token(f.users["other"], f.other)
		if res := f.do(other, "GET", "/api/v1/imports/1", "", ""); res.code != 404 {
			t.Errorf("other org: %d %s", res.code, res.body)
		}
	})
}

func TestImportUploadErrors(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	f.srv = NewServer(f.db, Config{Logger: slog.New(slog.DiscardHandler), Now: f.clock.now, Hasher: testHasher, UploadLimit: 4096})
	t.Cleanup(f.srv.Close)
	admin, _ := f.token(f.users["admin"], f.acme)
	big := strings.Repeat("x,y\n", 2000)
	tests := []struct {
		name      string
		ct, body  string
		code      int
		errSubstr string
	}{
		{"over the upload limit", "", big, 413, "over the limit"},
		{"not multipart", "application/json", `{}`, 415, "multipart/form-data"},
		{"no entity", "", "", 400, "entity required"},
		{"bad mapping", "", "mapping", 400, "unknown key"},
		{"bad flag", "", "flag", 400, "skip_invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := tc.ct, tc.body
			switch {
			case tc.ct != "":
			case tc.body == "mapping":
				ct, body = multipartBody(t, "a.csv", "a\n1\n", "mapping", "entity: deals\nnope: 1\n")
			case tc.body == "flag":
				ct, body = multipartBody(t, "a.csv", "a\n1\n", "entity", "teams", "skip_invalid", "quizá")
			default:
				ct, body = multipartBody(t, "a.csv", tc.body)
			}
			res := f.do(admin, "POST", "/api/v1/imports", ct, body)
			if res.code != tc.code || !strings.Contains(res.body, tc.errSubstr) {
				t.Errorf("got %d %s, want %d with %q", res.code, res.body, tc.code, tc.errSubstr)
			}
		})
	}
}

func TestImportPreview(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	manager, _ := f.token(f.users["manager"], f.acme)
	ct, body := multipartBody(t, "ventas.csv", "id;cierre;importe\nA;13/02/2026;1.234,50\nB;01/03/2026;7\n", "rows", "1")
	res := f.do(manager, "POST", "/api/v1/imports/preview", ct, body)
	if res.code != 200 {
		t.Fatalf("preview: %d %s", res.code, res.body)
	}
	p := res.json(t)
	cols := p["columns"].([]any)
	got := fmt.Sprintln(p["file"], p["delimiter"], p["encoding"], len(p["rows"].([]any)), p["total_rows"],
		cols[1].(map[string]any)["date_format"], cols[2].(map[string]any)["decimal"])
	if want := "ventas.csv ; utf-8 1 2 dd/mm/yyyy ,\n"; got != want {
		t.Errorf("preview %q, want %q\n%s", got, want, res.body)
	}
}
