package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	nethttp "net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects a running server's output safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// startServer runs rumbo with args (serve or demo on port 0) until the test
// ends, and returns the URL it printed once /healthz answers.
func startServer(t *testing.T, c *cli, args ...string) (string, *lockedBuffer, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--db", c.db}, args...), func(k string) string { return c.env[k] },
			strings.NewReader(""), stdout, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("rumbo %v after SIGTERM: %v", args, err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("rumbo %v did not stop", args)
		}
	})
	// Generous: demo loads its company first, slow under -race on 2 cores.
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("rumbo %v stopped: %v\n%s\n%s", args, err, stdout.String(), stderr.String())
		default:
		}
		if _, after, ok := strings.Cut(stdout.String(), "Rumbo listening on "); ok {
			url, _, _ := strings.Cut(after, "\n")
			if res, err := nethttp.Get(url + "/healthz"); err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					return url, stdout, stderr
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("rumbo %v never answered /healthz:\n%s\n%s", args, stdout.String(), stderr.String())
	return "", nil, nil
}

// client is an HTTP client with a cookie jar.
func client(t *testing.T) *nethttp.Client {
	jar, _ := cookiejar.New(nil)
	return &nethttp.Client{Jar: jar, Timeout: 30 * time.Second}
}

func call(t *testing.T, cl *nethttp.Client, method, url, body string, hdr ...string) (int, []byte) {
	t.Helper()
	req, _ := nethttp.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestServeEndToEnd runs rumbo serve on each engine, creates an admin with
// the CLI, signs in, makes an API token, imports the Maven data through the
// API and compares KPI values and OKR status over HTTP with the CLI's.
func TestServeEndToEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, c *cli) {
		c.env["RUMBO_PASSWORD"] = "una clave larga"
		out := c.must("user", "add", "jefa@example.com", "--role", "admin")
		if !strings.Contains(out, "Password set") {
			t.Fatalf("user add: %s", out)
		}
		url, _, stderr := startServer(t, c, "serve", "--addr", "127.0.0.1:0")
		if code, body := call(t, nethttp.DefaultClient, "GET", url+"/readyz", ""); code != 200 {
			t.Fatalf("readyz: %d %s", code, body)
		}
		cl := client(t)
		if code, _ := call(t, cl, "GET", url+"/api/v1/me", ""); code != 401 {
			t.Errorf("anonymous me: %d", code)
		}
		code, body := call(t, cl, "POST", url+"/api/v1/login", `{"email":"jefa@example.com","password":"una clave larga"}`)
		if code != 200 {
			t.Fatalf("login: %d %s", code, body)
		}
		var me struct {
			CSRF string `json:"csrf_token"`
		}
		json.Unmarshal(body, &me)
		code, body = call(t, cl, "POST", url+"/api/v1/tokens", `{"name":"e2e"}`, "X-CSRF-Token", me.CSRF)
		var tok struct {
			Token string `json:"token"`
		}
		if json.Unmarshal(body, &tok); code != 201 || !strings.HasPrefix(tok.Token, "rumbo_") {
			t.Fatalf("create token: %d %s", code, body)
		}
		token := tok.Token
		bearer := []string{"Authorization", "Bearer " + token}

		importThroughAPI(t, url, token, "../../testdata/maven/people.yaml", filepath.Join(mavenDir, "sales_teams.csv"))
		importThroughAPI(t, url, token, "../../testdata/maven/deals.yaml", filepath.Join(mavenDir, "sales_pipeline.csv"))
		checkMavenFigures(t, c)

		args := []string{"revenue", "--period", "2017", "--grain", "quarter", "--by", "owner"}
		var cliDoc, apiDoc, tokDoc any
		json.Unmarshal([]byte(c.must(append([]string{"kpi"}, append(args, "--format", "json")...)...)), &cliDoc)
		code, body = call(t, cl, "GET", url+"/api/v1/kpis/revenue/values?period=2017&grain=quarter&by=owner", "")
		json.Unmarshal(body, &apiDoc)
		if code != 200 || !reflect.DeepEqual(apiDoc, cliDoc) || cliDoc == nil {
			t.Errorf("API and CLI differ: %d\n%s", code, body)
		}
		code, body = call(t, nethttp.DefaultClient, "GET", url+"/api/v1/kpis/revenue/values?period=2017&grain=quarter&by=owner", "", bearer...)
		json.Unmarshal(body, &tokDoc)
		if code != 200 || !reflect.DeepEqual(tokDoc, cliDoc) {
			t.Errorf("token read differs: %d", code)
		}

		// OKRs: the article's template on 2017-Q2, a check-in, status and scores.
		code, body = call(t, nethttp.DefaultClient, "POST", url+"/api/v1/okrs/templates/ventas/apply", `{"period":"2017-Q2","lang":"en"}`, bearer...)
		if code != 201 {
			t.Fatalf("apply template: %d %s", code, body)
		}
		var applied struct {
			Objectives []struct {
				KeyResults []struct {
					ID   int64  `json:"id"`
					Kind string `json:"kind"`
				} `json:"key_results"`
			} `json:"objectives"`
		}
		json.Unmarshal(body, &applied)
		kr := applied.Objectives[0].KeyResults[0].ID
		code, body = call(t, nethttp.DefaultClient, "POST", url+"/api/v1/key-results/"+strconv.FormatInt(kr, 10)+"/check-ins",
			`{"confidence":7,"comment":"on the way"}`, bearer...)
		if code != 201 || !strings.Contains(string(body), `"author":"jefa@example.com"`) {
			t.Errorf("check-in: %d %s", code, body)
		}
		compareStatus := func(when string) {
			t.Helper()
			var cliSt, apiSt any
			json.Unmarshal([]byte(c.must("okr", "status", "--period", "2017-Q2", "--format", "json")), &cliSt)
			code, body := call(t, nethttp.DefaultClient, "GET", url+"/api/v1/okrs/status?period=2017-Q2", "", bearer...)
			json.Unmarshal(body, &apiSt)
			if code != 200 || cliSt == nil || !reflect.DeepEqual(apiSt, cliSt) {
				t.Errorf("OKR status %s: API and CLI differ: %d\n%s", when, code, body)
			}
		}
		compareStatus("before close")
		code, body = call(t, nethttp.DefaultClient, "POST", url+"/api/v1/okrs/close", `{"period":"2017-Q2"}`, bearer...)
		if code != 200 || !strings.Contains(string(body), `"grade":`) {
			t.Errorf("close: %d %s", code, body)
		}
		compareStatus("after close")

		// A second server on the same database shows the past imports.
		url2, _, _ := startServer(t, c, "serve", "--addr", "127.0.0.1:0")
		code, body = call(t, nethttp.DefaultClient, "GET", url2+"/api/v1/imports", "", bearer...)
		if code != 200 || strings.Count(string(body), `"status":"done"`) != 2 {
			t.Errorf("imports after a restart: %d %s", code, body)
		}
		if strings.Contains(stderr.String(), token) || strings.Contains(stderr.String(), "una clave larga") {
			t.Error("the server log holds a secret")
		}
		if !strings.Contains(stderr.String(), "path=/api/v1/login") {
			t.Errorf("no request log:\n%s", stderr.String())
		}
	})
}

// importThroughAPI uploads a CSV with its mapping file to POST
// /api/v1/imports and polls the job until it is done.
func importThroughAPI(t *testing.T, url, token, mappingPath, csvPath string) {
	t.Helper()
	mapping, err := os.ReadFile(mappingPath)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("mapping", string(mapping))
	fw, _ := mw.CreateFormFile("file", filepath.Base(csvPath))
	fw.Write(data)
	mw.Close()
	req, _ := nethttp.NewRequest("POST", url+"/api/v1/imports", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 202 {
		t.Fatalf("upload %s: %d %s", csvPath, res.StatusCode, body)
	}
	loc := res.Header.Get("Location")
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		code, body := call(t, nethttp.DefaultClient, "GET", url+loc, "", "Authorization", "Bearer "+token)
		var job struct {
			Status, Summary, Message string
		}
		json.Unmarshal(body, &job)
		switch {
		case code != 200:
			t.Fatalf("poll %s: %d %s", loc, code, body)
		case job.Status == "done":
			return
		case job.Status == "failed":
			t.Fatalf("import of %s failed: %s %s", csvPath, job.Message, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("import of %s never finished", csvPath)
}

func TestDemoServes(t *testing.T) {
	c, _ := demoCopy(t)
	c.env["RUMBO_DEMO_PASSWORD"] = "demo-password-1"
	// The day after the load: the server records the day's OKR snapshots.
	c.env["RUMBO_NOW"] = "2026-11-13T10:00:00+01:00"
	url, stdout, stderr := startServer(t, c, "demo", "--addr", "127.0.0.1:0")
	for i := 0; !strings.Contains(stderr.String(), "recorded OKR snapshots"); i++ {
		if i == 600 {
			t.Fatalf("the server recorded no daily OKR snapshots:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := c.must("okr", "snapshot"); out != "Recorded 0 snapshots.\n" {
		t.Errorf("okr snapshot after the server's daily run: %q, want none left to record", out)
	}
	if !strings.Contains(stdout.String(), "Demo login: demo@example.com") {
		t.Errorf("demo output lacks the login:\n%s", stdout.String())
	}
	cl := client(t)
	if code, body := call(t, cl, "POST", url+"/api/v1/login", `{"email":"demo@example.com","password":"demo-password-1"}`); code != 200 || !strings.Contains(string(body), `"role":"admin"`) {
		t.Fatalf("demo login: %d %s", code, body)
	}
	if code, body := call(t, cl, "GET", url+"/api/v1/kpis/revenue/values", ""); code != 200 || !strings.Contains(string(body), `"kpi":"revenue"`) {
		t.Errorf("demo revenue: %d %s", code, body)
	}
}
