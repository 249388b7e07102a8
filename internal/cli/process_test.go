package cli_test

// Process tests: the real sakimori binary, built once for this package,
// run as users and operators run it.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"sakimori/internal/demo"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

var bin string // the built binary

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sakimori-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "sakimori")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", bin, "sakimori/cmd/sakimori")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building sakimori:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is the environment without SAKIMORI_* settings, so the tests'
// flags are all that configure the binary.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SAKIMORI_") {
			env = append(env, kv)
		}
	}
	return env
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// run runs the binary to completion.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("sakimori %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// must runs the binary and fails the test unless it exits 0.
func must(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := run(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("sakimori %s: %v", strings.Join(args, " "), r)
	}
	return r
}

// proc is a running server.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

var urlRE = regexp.MustCompile(`"url":"(https?://[^"]+)"`)

// start starts the binary and waits until it logs that it listens. It is
// killed at test end if still running.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	p := &proc{t: t, cmd: cmd, done: make(chan struct{})}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := urlRE.FindStringSubmatch(line); m != nil && strings.Contains(line, `"msg":"listening"`) {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	})
	wg.Go(func() {
		b := make([]byte, 4096)
		for {
			n, err := stdout.Read(b)
			p.mu.Lock()
			p.stdout.Write(b[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	})
	go func() {
		wg.Wait()
		err := cmd.Wait()
		p.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				p.code = -int(ws.Signal())
			}
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.url = <-urls:
	case <-p.done:
		t.Fatalf("sakimori %v exited with %d before listening:\n%s", args, p.code, p.output())
	case <-time.After(2 * time.Minute):
		t.Fatalf("sakimori %v did not start listening:\n%s", args, p.output())
	}
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "--- stdout\n" + p.stdout.String() + "--- stderr\n" + p.stderr.String()
}

func (p *proc) signal(sig os.Signal) {
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal: %v", err)
	}
}

// wait waits for the process to exit and returns its status (negative:
// killed by that signal).
func (p *proc) wait() int {
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		p.t.Fatalf("process did not exit:\n%s", p.output())
	}
	return p.code
}

func (p *proc) stop() {
	p.t.Helper()
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		p.t.Fatalf("server exited with %d after SIGTERM:\n%s", code, p.output())
	}
}

var client = &http.Client{Timeout: 60 * time.Second}

// call sends a JSON request with a bearer token and decodes the response.
func call(method, url, token string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{"_raw": string(b)}
	}
	return resp.StatusCode, m, nil
}

// requireRoute fails the test with a clear message when the JSON API does
// not serve a documented route yet.
func requireRoute(t *testing.T, code int, route string, body map[string]any) {
	t.Helper()
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		t.Fatalf("the JSON API does not serve %s (HTTP %d: %v)", route, code, body)
	}
}

// ---- (a) demo --------------------------------------------------------------------

func TestDemo(t *testing.T) {
	data := t.TempDir()
	p := start(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "json")
	waitStdout(t, p, "Press Ctrl-C to stop.")
	out := p.output()
	if !strings.Contains(out, "sakimori demo is running at "+p.url) {
		t.Fatalf("demo did not print its URL %s:\n%s", p.url, out)
	}
	for _, want := range []string{"platform-admin@nco.example", "auditor@oversight.example", "admin@toto-electric.example",
		"demo-credentials.json", fmt.Sprintf("%d organisations (%d new)", len(demo.Orgs), len(demo.Orgs))} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	creds := readCreds(t, data)
	if len(creds.Users) < 20 {
		t.Fatalf("%d demo users in the credentials file", len(creds.Users))
	}
	if creds.URL != p.url {
		t.Errorf("credentials file URL %q, want %q", creds.URL, p.url)
	}
	if fi, err := os.Stat(filepath.Join(data, "demo-credentials.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode: %v %v", fi, err)
	}
	for _, u := range creds.Users {
		code, body, err := call("GET", p.url+"/api/v1/me", u.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireRoute(t, code, "GET /api/v1/me", body)
		if code != http.StatusOK || !strings.Contains(fmt.Sprint(body), u.Email) {
			t.Errorf("GET /api/v1/me as %s: %d %v", u.Email, code, body)
		}
	}
	if code, _, _ := call("GET", p.url+"/api/v1/me", "skm_"+strings.Repeat("a", 52), nil); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with an unknown token: %d, want 401", code)
	}
	p.signal(syscall.SIGINT)
	if code := p.wait(); code != 0 {
		t.Fatalf("demo exited with %d after SIGINT:\n%s", code, p.output())
	}
	orgs1 := countOrgs(t, "--data", data)
	if orgs1 != len(demo.Orgs) {
		t.Errorf("%d organisations after the first run, want %d", orgs1, len(demo.Orgs))
	}

	// Second run: same data, same credentials.
	p2 := start(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "json")
	waitStdout(t, p2, "Press Ctrl-C to stop.")
	if out := p2.output(); !strings.Contains(out, "(0 new)") || !strings.Contains(out, "(reused)") {
		t.Errorf("second run did not reuse the data and credentials:\n%s", out)
	}
	creds2 := readCreds(t, data)
	for i := range creds.Users {
		if creds.Users[i].Password != creds2.Users[i].Password || creds.Users[i].Token != creds2.Users[i].Token {
			t.Errorf("%s: credentials changed on the second run", creds.Users[i].Email)
		}
	}
	code, body, err := call("GET", p2.url+"/api/v1/me", creds2.Users[0].Token, nil)
	if err != nil || code != http.StatusOK {
		t.Errorf("token after the second start: %d %v %v", code, body, err)
	}
	p2.stop()
	if n := countOrgs(t, "--data", data); n != orgs1 {
		t.Errorf("%d organisations after the second run, want %d", n, orgs1)
	}
	must(t, "", "audit", "verify", "--data", data)
}

type creds struct {
	URL   string `json:"url"`
	Users []struct {
		Email, Password, Token, Org string
		Roles                       []string
	} `json:"users"`
}

func readCreds(t *testing.T, data string) creds {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c creds
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func waitStdout(t *testing.T, p *proc, s string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		ok := strings.Contains(p.stdout.String(), s)
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("exited before printing %q:\n%s", s, p.output())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("never printed %q:\n%s", s, p.output())
}

func countOrgs(t *testing.T, args ...string) int {
	t.Helper()
	r := must(t, "", append([]string{"admin", "org", "list", "--json"}, args...)...)
	var orgs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &orgs); err != nil {
		t.Fatalf("org list --json: %v\n%s", err, r.stdout)
	}
	return len(orgs)
}

// ---- (b), (c) durability under shutdown and crashes --------------------------------

// setupAdmin migrates the store named by dsn and creates a platform
// administrator with an admin-scoped API token through the CLI.
func setupAdmin(t *testing.T, dsn string) string {
	t.Helper()
	must(t, "", "migrate", "--db", dsn)
	must(t, "", "admin", "org", "create", "--db", dsn, "--slug", "nco", "--kind", "government",
		"--name-ja", "国家サイバー統括室", "--name-en", "National Cybersecurity Office",
		"--contact-name", "Duty desk", "--contact-email", "duty@nco.example")
	must(t, "long enough password\n", "admin", "user", "create", "--db", dsn, "--org", "nco",
		"--email", "admin@nco.example", "--name", "Platform Admin", "--roles", "platform_admin,org_admin", "--password-stdin")
	r := must(t, "", "admin", "token", "create", "--db", dsn, "--user", "admin@nco.example", "--name", "load test", "--scopes", "admin")
	tok := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(tok, "skm_") || strings.Contains(tok, "\n") {
		t.Fatalf("token create printed %q", r.stdout)
	}
	return tok
}

func orgBody(slug string) map[string]any {
	return map[string]any{
		"slug": slug, "kind": "supplier",
		"name": map[string]string{"ja": "試験用サプライヤー " + slug, "en": "Test supplier " + slug},
		"emergency_contact": map[string]string{"name": "Duty", "phone": "+81 3 0000 0000",
			"email": "duty@" + slug + ".example", "hours": "24/7"},
	}
}

// load is the outcome of writeLoad.
type load struct {
	acked []string // slugs acknowledged with a 2xx
	bad   []string // responses that were neither a 2xx nor a connection failure
	// late counts 2xx responses that arrived after signalled was set.
	late int
}

// writeLoad posts organisations from several workers until the server goes
// away (or answers 404/401), signalling each acknowledgement on acked.
func writeLoad(url, token string, acked chan<- string, signalled *atomic.Bool) load {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var l load
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				slug := fmt.Sprintf("load-%d-%d", w, i)
				code, body, err := call("POST", url+"/api/v1/orgs", token, orgBody(slug))
				if err != nil {
					return // the server is gone: connection refused or reset
				}
				late := signalled.Load()
				mu.Lock()
				if code >= 200 && code < 300 {
					l.acked = append(l.acked, slug)
					if late {
						l.late++
					}
					mu.Unlock()
					select {
					case acked <- slug:
					default:
					}
					continue
				}
				l.bad = append(l.bad, fmt.Sprintf("%s: HTTP %d %v", slug, code, body))
				mu.Unlock()
				if code == http.StatusNotFound || code == http.StatusMethodNotAllowed || code == http.StatusUnauthorized {
					return
				}
			}
		})
	}
	wg.Wait()
	return l
}

// stoppedEarly fails the test when the writers gave up before the signal.
func stoppedEarly(t *testing.T, p *proc, l load) {
	t.Helper()
	if len(l.bad) > 0 && strings.Contains(l.bad[0], "HTTP 404") {
		t.Fatalf("the JSON API does not serve POST /api/v1/orgs: %s", l.bad[0])
	}
	t.Fatalf("writers stopped early: %d acknowledged, errors %v\n%s", len(l.acked), l.bad, p.output())
}

func dsnFor(t *testing.T, d store.Dialect) string {
	return storetest.DSN(t, d)
}

func TestGracefulShutdownKeepsAcknowledgedWrites(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dsn := dsnFor(t, d)
			token := setupAdmin(t, dsn)
			p := start(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-format", "json", "--shutdown-timeout", "60s")
			// Hold the store's write lock so that every writer's request is
			// in flight in the server, then send SIGTERM, wait until new
			// connections are refused, and let the blocked writes go on.
			l := loadUntil(t, p, token, func(signalled *atomic.Bool) {
				release := holdWriteLock(t, d, dsn)
				defer release()
				waitInFlight(t, p.url, 8+1) // the writers and the /metrics request itself
				signalled.Store(true)
				p.signal(syscall.SIGTERM)
				waitRefused(t, p.url)
			})
			if code := p.wait(); code != 0 {
				t.Fatalf("server exited with %d after SIGTERM:\n%s", code, p.output())
			}
			if len(l.bad) > 0 {
				t.Errorf("%d requests failed with an HTTP error during shutdown, e.g. %s", len(l.bad), l.bad[0])
			}
			// The eight requests in flight when SIGTERM came all succeed.
			if l.late != 8 {
				t.Errorf("%d of the 8 requests in flight at SIGTERM succeeded: the shutdown is not graceful", l.late)
			}
			t.Logf("%d writes acknowledged, %d of them after SIGTERM", len(l.acked), l.late)
			checkAcked(t, dsn, token, l.acked)
		})
	}
}

func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dsn := dsnFor(t, d)
			token := setupAdmin(t, dsn)
			p := start(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-format", "json")
			l := loadUntil(t, p, token, func(*atomic.Bool) { p.signal(syscall.SIGKILL) })
			if code := p.wait(); code != -int(syscall.SIGKILL) {
				t.Fatalf("exit %d, want killed", code)
			}
			if len(l.bad) > 0 {
				t.Errorf("%d requests failed with an HTTP error, e.g. %s", len(l.bad), l.bad[0])
			}
			t.Logf("%d writes acknowledged before the crash", len(l.acked))
			if d == store.SQLite {
				db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:"))
				if err != nil {
					t.Fatal(err)
				}
				var res string
				if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
					t.Errorf("integrity_check after kill -9: %q %v", res, err)
				}
				db.Close()
			}
			checkAcked(t, dsn, token, l.acked)
		})
	}
}

// loadUntil runs writeLoad against p, calls stop once 40 writes have been
// acknowledged, and returns when the writers have stopped.
func loadUntil(t *testing.T, p *proc, token string, stop func(signalled *atomic.Bool)) load {
	t.Helper()
	acked := make(chan string, 1)
	var signalled atomic.Bool
	results := make(chan load, 1)
	go func() { results <- writeLoad(p.url, token, acked, &signalled) }()
	for range 40 {
		select {
		case <-acked:
		case l := <-results:
			stoppedEarly(t, p, l)
		}
	}
	stop(&signalled)
	return <-results
}

// holdWriteLock takes the store's write lock from outside (SQLite: an
// immediate transaction; PostgreSQL: the audit head row every write locks
// first) until the returned function is called.
func holdWriteLock(t *testing.T, d store.Dialect, dsn string) func() {
	t.Helper()
	ctx := context.Background()
	driver, src, lock := "pgx", dsn, "SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"
	if d == store.SQLite {
		driver, src, lock = "sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(30000)", ""
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	begin := "BEGIN"
	if d == store.SQLite {
		begin = "BEGIN IMMEDIATE"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		t.Fatalf("%s: %v", begin, err)
	}
	if lock != "" {
		if _, err := conn.ExecContext(ctx, lock); err != nil {
			t.Fatalf("%s: %v", lock, err)
		}
	}
	return func() {
		conn.ExecContext(ctx, "ROLLBACK")
		conn.Close()
		db.Close()
	}
}

var inFlightRE = regexp.MustCompile(`(?m)^http_requests_in_flight (\d+)$`)

// waitInFlight waits until the server reports at least n requests in flight.
func waitInFlight(t *testing.T, url string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		resp, err := client.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := inFlightRE.FindSubmatch(b); m != nil {
			var got int
			fmt.Sscan(string(m[1]), &got)
			if got >= n {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d requests in flight", n)
}

// waitRefused waits until the server refuses new connections.
func waitRefused(t *testing.T, url string) {
	t.Helper()
	addr := strings.TrimPrefix(url, "http://")
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the server still accepts connections after SIGTERM")
}

// checkAcked restarts the server on dsn and checks that every acknowledged
// organisation is there, then that the audit trail verifies.
func checkAcked(t *testing.T, dsn, token string, slugs []string) {
	t.Helper()
	if len(slugs) < 40 {
		t.Fatalf("only %d writes acknowledged", len(slugs))
	}
	p := start(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-format", "json")
	missing := 0
	for _, s := range slugs {
		code, body, err := call("GET", p.url+"/api/v1/orgs/"+s, token, nil)
		if err != nil {
			t.Fatal(err)
		}
		requireRoute(t, code, "GET /api/v1/orgs/{ref}", body)
		if code != http.StatusOK {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged organisation %s: HTTP %d %v", s, code, body)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged writes lost", missing, len(slugs))
	}
	p.stop()
	r := run(t, "", "audit", "verify", "--db", dsn)
	if r.code != 0 || !strings.Contains(r.stdout, "audit trail OK") {
		t.Errorf("audit verify after restart: %v", r)
	}
}

// ---- (d) tampering -------------------------------------------------------------------

func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			cases := []struct {
				name, sqlite, postgres, want string
			}{
				{"update", "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3",
					"UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3", "entry 3 altered"},
				{"delete", "DELETE FROM audit_log WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2", "entry 2 removed"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					dsn := dsnFor(t, d)
					setupAdmin(t, dsn)
					r := must(t, "", "audit", "verify", "--db", dsn)
					if !strings.Contains(r.stdout, "audit trail OK: 3 entries verified") {
						t.Fatalf("before tampering: %v", r)
					}
					head := regexp.MustCompile(`head anchor: (\d+:[0-9a-f]{64})`).FindStringSubmatch(r.stdout)
					if head == nil {
						t.Fatalf("no head anchor printed: %v", r)
					}
					must(t, "", "audit", "verify", "--db", dsn, "--anchor", head[1])

					// The attacker has database access: drop the trigger, then edit.
					var db *sql.DB
					var err error
					stmts := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete", c.sqlite}
					if d == store.SQLite {
						db, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:"))
					} else {
						db, err = sql.Open("pgx", dsn)
						stmts = []string{"DROP TRIGGER audit_log_no_change ON audit_log", c.postgres}
					}
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range stmts {
						if _, err := db.Exec(s); err != nil {
							t.Fatalf("%s: %v", s, err)
						}
					}
					db.Close()

					r = run(t, "", "audit", "verify", "--db", dsn)
					if r.code != 1 || !strings.Contains(r.stdout, "audit trail BROKEN: "+c.want) {
						t.Errorf("audit verify after tampering: want exit 1 naming %q; %v", c.want, r)
					}
					r = run(t, "", "audit", "verify", "--db", dsn, "--json")
					var js struct {
						OK      bool `json:"ok"`
						Problem struct {
							Seq  int64  `json:"seq"`
							Kind string `json:"kind"`
						} `json:"problem"`
					}
					if err := json.Unmarshal([]byte(r.stdout), &js); err != nil || r.code != 1 || js.OK ||
						c.want != fmt.Sprintf("entry %d %s", js.Problem.Seq, js.Problem.Kind) {
						t.Errorf("audit verify --json: %v (%+v)", r, js)
					}
				})
			}
		})
	}
}

// ---- (e) administration round trip and bad flags -----------------------------------------

func TestAdminRoundTrip(t *testing.T) {
	data := t.TempDir()
	db := []string{"--data", data}
	cmd := func(args ...string) []string { return append(args, db...) }

	// Before the store exists, admin commands say what to do and create nothing.
	r := run(t, "", cmd("admin", "org", "list")...)
	if r.code != 1 || !strings.Contains(r.stderr, "no database at "+filepath.Join(data, "sakimori.db")) {
		t.Errorf("org list without a store: %v", r)
	}
	if _, err := os.Stat(filepath.Join(data, "sakimori.db")); err == nil {
		t.Errorf("org list created a database")
	}
	r = run(t, "", cmd("migrate", "--status")...)
	if r.code != 1 || !strings.Contains(r.stderr, "no database at") {
		t.Errorf("migrate --status without a store: %v", r)
	}
	r = must(t, "", cmd("migrate")...)
	if !strings.Contains(r.stdout, "applied 0001_foundation.sql") {
		t.Errorf("migrate: %v", r)
	}
	r = must(t, "", cmd("migrate", "--status")...)
	if !regexp.MustCompile(`0001_foundation\.sql\s+applied`).MatchString(r.stdout) || !strings.Contains(r.stdout, "0 pending") {
		t.Errorf("migrate --status: %v", r)
	}

	must(t, "", cmd("admin", "org", "create", "--slug", "toto-electric", "--kind", "operator", "--sector", "electricity",
		"--name-ja", "東都電力株式会社", "--name-en", "Toto Electric Power", "--contact-name", "CSIRT",
		"--contact-phone", "+81 3 0000 1101", "--contact-hours", "24/7")...)
	must(t, "", cmd("admin", "org", "create", "--slug", "shinkawa", "--kind", "supplier",
		"--name-ja", "新川システム保守", "--name-en", "Shinkawa System Maintenance", "--contact-name", "Office",
		"--contact-email", "info@shinkawa.example")...)
	// Flags after the positional argument work too.
	r = must(t, "", cmd("admin", "org", "update", "toto-electric", "--name-en", "Toto Electric Power Co., Inc.", "--contact-email", "csirt@toto.example")...)
	r = must(t, "", cmd("admin", "org", "show", "toto-electric", "--json")...)
	var shown struct {
		Organisation struct {
			Name    map[string]string `json:"name"`
			Contact map[string]string `json:"emergency_contact"`
			Sector  string            `json:"sector"`
		} `json:"organisation"`
	}
	json.Unmarshal([]byte(r.stdout), &shown)
	if shown.Organisation.Name["en"] != "Toto Electric Power Co., Inc." || shown.Organisation.Name["ja"] != "東都電力株式会社" ||
		shown.Organisation.Contact["email"] != "csirt@toto.example" || shown.Organisation.Contact["phone"] != "+81 3 0000 1101" ||
		shown.Organisation.Sector != "electricity" {
		t.Errorf("org show after update: %s", r.stdout)
	}
	must(t, "", cmd("admin", "org", "link", "--supplier", "shinkawa", "--customer", "toto-electric", "--description", "VPN operation")...)
	r = must(t, "", cmd("admin", "org", "show", "toto-electric")...)
	if !strings.Contains(r.stdout, "supplied by shinkawa: VPN operation") {
		t.Errorf("org show lacks the link:\n%s", r.stdout)
	}

	r = must(t, "", cmd("admin", "user", "create", "--org", "toto-electric", "--email", "Analyst@Toto.example",
		"--name", "山本 大輔", "--roles", "analyst,reporter")...)
	pw := regexp.MustCompile(`initial password: (\S+)`).FindStringSubmatch(r.stdout)
	if pw == nil {
		t.Fatalf("user create printed no password: %v", r)
	}
	must(t, "", cmd("admin", "user", "update", "analyst@toto.example", "--roles", "analyst", "--locale", "en")...)
	r = must(t, "", cmd("admin", "user", "list", "--org", "toto-electric", "--json")...)
	var users []struct {
		Email    string   `json:"email"`
		Roles    []string `json:"roles"`
		Locale   string   `json:"locale"`
		Disabled bool     `json:"disabled"`
	}
	json.Unmarshal([]byte(r.stdout), &users)
	if len(users) != 1 || users[0].Email != "analyst@toto.example" || strings.Join(users[0].Roles, ",") != "analyst" || users[0].Locale != "en" {
		t.Errorf("user list: %s", r.stdout)
	}
	must(t, "a brand new passphrase\n", cmd("admin", "user", "set-password", "analyst@toto.example", "--password-stdin")...)

	r = must(t, "", cmd("admin", "token", "create", "--user", "analyst@toto.example", "--name", "SIEM", "--scopes", "read,write")...)
	secret := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(secret, "skm_") || !strings.Contains(r.stderr, "shown only once") {
		t.Fatalf("token create: %v", r)
	}
	r = must(t, "", cmd("admin", "token", "list", "--user", "analyst@toto.example", "--json")...)
	var toks []struct {
		ID        string  `json:"id"`
		Prefix    string  `json:"prefix"`
		RevokedAt *string `json:"revoked_at"`
	}
	json.Unmarshal([]byte(r.stdout), &toks)
	if len(toks) != 1 || !strings.HasPrefix(secret, toks[0].Prefix) || strings.Contains(r.stdout, secret) {
		t.Fatalf("token list: %s", r.stdout)
	}
	must(t, "", cmd("admin", "token", "revoke", toks[0].ID)...)
	r = must(t, "", cmd("admin", "token", "list", "--user", "analyst@toto.example", "--json")...)
	json.Unmarshal([]byte(r.stdout), &toks)
	if toks[0].RevokedAt == nil {
		t.Errorf("token not revoked: %s", r.stdout)
	}
	must(t, "", cmd("admin", "user", "update", "analyst@toto.example", "--disable")...)

	// Everything above is in the audit trail as "cli".
	r = must(t, "", cmd("audit", "list", "--limit", "100", "--json")...)
	var page struct {
		Entries []struct {
			Actor  string `json:"actor"`
			Action string `json:"action"`
		} `json:"entries"`
	}
	json.Unmarshal([]byte(r.stdout), &page)
	actions := map[string]bool{}
	for _, e := range page.Entries {
		if e.Actor != "cli" {
			t.Errorf("entry by %q, want cli", e.Actor)
		}
		actions[e.Action] = true
	}
	for _, a := range []string{"org.create", "org.update", "link.add", "user.create", "user.update", "user.password", "token.create", "token.revoke"} {
		if !actions[a] {
			t.Errorf("no %s entry in the audit trail: %v", a, actions)
		}
	}
	r = must(t, "", cmd("audit", "tail", "-n", "3")...)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 4 || !strings.Contains(lines[3], "audit.read") {
		t.Errorf("audit tail -n 3:\n%s", r.stdout)
	}
	must(t, "", cmd("audit", "verify")...)

	// Errors: conflicts and unknown references say what is wrong.
	r = run(t, "", cmd("admin", "org", "create", "--slug", "shinkawa", "--kind", "supplier", "--name-ja", "x", "--name-en", "x",
		"--contact-name", "x", "--contact-email", "x@x.example")...)
	if r.code != 1 || !strings.Contains(r.stderr, `--slug: an organisation with slug "shinkawa" already exists`) {
		t.Errorf("duplicate slug: %v", r)
	}
	r = run(t, "", cmd("admin", "user", "create", "--org", "nowhere", "--email", "a@b.example", "--name", "A", "--roles", "viewer")...)
	if r.code != 1 || !strings.Contains(r.stderr, `--org: organisation "nowhere" not found`) {
		t.Errorf("unknown org: %v", r)
	}
}

func TestBadFlagsNameTheFlag(t *testing.T) {
	data := t.TempDir()
	must(t, "", "migrate", "--data", data)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--addr", "nonsense"}, `--addr: "nonsense" is not HOST:PORT`},
		{[]string{"serve", "--log-level", "loud"}, `--log-level: must be debug, info, warn or error`},
		{[]string{"serve", "--max-body", "lots"}, `--max-body: "lots" is not a size`},
		{[]string{"serve", "--trusted-proxies", "10.0.0.0/99"}, `--trusted-proxies: "10.0.0.0/99" is not a CIDR prefix`},
		{[]string{"serve", "--shutdown-timeout", "forever"}, `--shutdown-timeout: "forever" is not a duration`},
		{[]string{"serve", "--tls-key", "k.pem"}, `--tls-cert: required when --tls-key is given`},
		{[]string{"demo", "--nope"}, `unknown flag --nope`},
		{[]string{"migrate", "--db", "mysql://x/y"}, `--db: unsupported database URL`},
		{[]string{"admin", "org", "create", "--slug", "x1", "--kind", "bogus", "--name-ja", "x", "--name-en", "x", "--contact-name", "x"},
			`--kind: unknown organisation kind "bogus" (one of government,`},
		{[]string{"admin", "org", "create", "--kind", "vendor"}, `--slug: required`},
		{[]string{"admin", "org", "create", "--slug", "Bad Slug", "--kind", "vendor", "--name-ja", "x", "--name-en", "x",
			"--contact-name", "x", "--contact-email", "x@x.example"}, `--slug: must be 2-63 characters`},
		{[]string{"admin", "org", "create", "--slug", "op", "--kind", "operator", "--name-ja", "x", "--name-en", "x",
			"--contact-name", "x", "--contact-email", "x@x.example"}, `--sector: a critical-infrastructure operator must name its sector`},
		{[]string{"admin", "org", "create", "--slug", "v1", "--kind", "vendor", "--name-ja", "x", "--name-en", "x",
			"--contact-name", "x", "--contact-phone", "call me"}, `--contact-phone: not a phone number`},
		{[]string{"admin", "org", "update", "x"}, `nothing to change`},
		{[]string{"admin", "org", "show"}, `missing REF`},
		{[]string{"admin", "user", "create", "--org", "x", "--email", "a@b.example", "--name", "A", "--roles", "boss"},
			`--roles: unknown role "boss"`},
		{[]string{"admin", "user", "update", "a@b.example", "--disable", "--enable"}, `--disable and --enable exclude each other`},
		{[]string{"admin", "token", "create", "--user", "a@b.example", "--name", "t", "--scopes", "everything"}, `--scopes: unknown scope "everything"`},
		{[]string{"admin", "token", "create", "--user", "nobody@b.example", "--name", "t"}, `--user: user "nobody@b.example" not found`},
		{[]string{"audit", "verify", "--anchor", "12:xyz"}, `--anchor: invalid value "12:xyz": anchor hash must be 64 hex digits`},
		{[]string{"audit", "list", "--since", "yesterday"}, `--since: "yesterday" is not a time`},
		{[]string{"audit", "list", "--limit", "0"}, `--limit: must be from 1 to 1000`},
		{[]string{"audit", "list", "--limit", "ten"}, `--limit: invalid value "ten"`},
		{[]string{"bench", "nosuch"}, `unknown benchmark "nosuch"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := tt.args
			if args[0] == "admin" || args[0] == "audit" {
				args = append(args, "--data", data)
			}
			r := run(t, "", args...)
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("want a failure naming %q; %v", tt.want, r)
			}
		})
	}
	// Environment values are named with their variable.
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(cleanEnv(), "SAKIMORI_ADDR=nonsense")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `SAKIMORI_ADDR (--addr): "nonsense" is not HOST:PORT`) {
		t.Errorf("bad SAKIMORI_ADDR: %v %s", err, out)
	}
	// Usage errors exit 2; --help exits 0 and prints the flags.
	if r := run(t, "", "serve", "--addr"); r.code != 2 || !strings.Contains(r.stderr, "--addr: needs a value") {
		t.Errorf("missing value: %v", r)
	}
	for _, args := range [][]string{{"serve", "--help"}, {"admin", "user", "create", "-h"}, {"help", "audit", "verify"}, {"audit", "--help"}} {
		r := run(t, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: sakimori") {
			t.Errorf("%v: %v", args, r)
		}
	}
	if r := run(t, "", "serve", "--help"); !strings.Contains(r.stdout, "env SAKIMORI_SHUTDOWN_TIMEOUT, default 30s") {
		t.Errorf("serve --help lacks the configuration:\n%s", r.stdout)
	}
	if r := run(t, "", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %v", r)
	}
	if r := run(t, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "sakimori ") {
		t.Errorf("version: %v", r)
	}
}
