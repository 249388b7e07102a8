package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/correlate"
	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/weather"
	"sakimori/internal/web"
)

// flowEnv is the whole platform behind the dashboard for end-to-end
// tests: reporting (op-a with a legal, PR and executive approval flow and
// a report template), correlation, alerting and feedback, over the
// reportingtest world plus op-a's PR approver ("op-a-pr") and a second
// NCO analyst who reviews alerts ("nco-reviewer").
type flowEnv struct {
	*incEnv
	al       *alerting.Service
	corr     *correlate.Service
	tmplName string
}

// newFlowEnv builds the world and serves it; more adds services to the
// dashboard's options.
func newFlowEnv(t testing.TB, db *store.DB, more ...func(*inteltest.World, *web.Options)) *flowEnv {
	t.Helper()
	ctx := context.Background()
	w := reportingtest.New(t, db)
	act := audit.Actor{Name: "cli"}
	for _, u := range []struct {
		name, org string
		role      org.Role
	}{{"op-a-pr", "op-a", org.RoleApproverPR}, {"nco-reviewer", "nco", org.RoleAnalyst}} {
		usr := &org.User{OrgID: w.Orgs[u.org].ID, Email: u.name + "@" + u.org + ".example.jp", DisplayName: u.name, Roles: []org.Role{u.role}}
		if err := db.CreateUser(ctx, act, usr, ""); err != nil {
			t.Fatal(err)
		}
		w.Users[u.name] = usr
	}
	rep := reporting.New(db, inteltest.Quiet)
	rep.Intel = w.Svc
	corr := correlate.New(db, inteltest.Quiet)
	corr.Intel = w.Svc
	w.Svc.Observers = append(w.Svc.Observers, corr)
	rep.Observers = append(rep.Observers, corr)
	al := alerting.New(db, inteltest.Quiet)
	al.Intel = w.Svc
	ws := weather.New(db, inteltest.Quiet)
	ws.Reporting = rep
	ws.Clusters = corr

	admin := w.P("op-a-admin")
	if err := rep.PutSettings(ctx, admin, &incident.Settings{Flow: incident.Flow{Mode: "parallel",
		Steps: []incident.ApprovalKind{incident.ApproveLegal, incident.ApprovePR, incident.ApproveExec}}}); err != nil {
		t.Fatal(err)
	}
	asOf := time.Now().Add(-time.Hour)
	tmpl := &incident.Template{Name: "SSL-VPN不正アクセス（初報）", Description: "VPN", Title: "SSL-VPN不正アクセス",
		Content: report.Content{
			Class:    report.Known(report.ClassUnauthorisedAccess, report.Likely, asOf, "SOC"),
			Contacts: report.Known([]report.Contact{{Name: "CSIRT当番", Role: "duty", Phone: "+81-3-0000-0000", Email: "csirt@op-a.example.jp", H24: true}}, report.Confirmed, asOf, "CSIRT"),
		}}
	if err := rep.PutTemplate(ctx, admin, tmpl); err != nil {
		t.Fatal(err)
	}
	opt := web.Options{Reporting: rep, Correlate: corr, Alerting: al, Weather: ws}
	for _, f := range more {
		f(w, &opt)
	}
	e := serveWorld(t, db, w, opt)
	return &flowEnv{incEnv: &incEnv{env: e, w: w, rep: rep}, al: al, corr: corr, tmplName: tmpl.Name}
}

// flowEmail is the sign-in address of a user of the flow world.
func flowEmail(name string) string {
	switch name {
	case "op-a-pr":
		return "op-a-pr@op-a.example.jp"
	case "nco-reviewer":
		return "nco-reviewer@nco.example.jp"
	case "commission-auditor":
		return "auditor@commission.example.jp"
	}
	return incEmail(name)
}

// catalogue is a language's messages, read from the catalogue files, so
// tests assert on the words a user sees without copying them.
func catalogue(t testing.TB, lang string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "i18n", "catalog", lang+"*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("catalogue %s: %v", lang, err)
	}
	m := map[string]string{}
	for _, f := range files {
		if base := filepath.Base(f); base != lang+".json" && !strings.HasPrefix(base, lang+".") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]string
		if err := json.Unmarshal(b, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range part {
			m[k] = v
		}
	}
	return m
}

// chromium is one headless Chromium shared by the users of a test, each in
// their own browser context (cookies and sessions apart).
type chromium struct {
	t     *testing.T
	ctx   context.Context
	shots string
	base  string
}

func newChromium(t *testing.T, base string, timeout time.Duration) *chromium {
	t.Helper()
	bctx, shots := startChromium(t, timeout)
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &chromium{t: t, ctx: bctx, shots: shots, base: base}
}

// user opens a new browser context whose browser asks for lang, and signs
// in as email.
func (c *chromium) user(email, lang string) *browser {
	c.t.Helper()
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	c.t.Cleanup(cancel)
	b := &browser{t: c.t, ctx: ctx, shots: c.shots}
	b.do("accept-language "+lang, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": lang}})
		return err
	}))
	b.do("open the login page", chromedp.Navigate(c.base+"/login"), chromedp.WaitVisible(chromedp.CSS("#login")))
	// The home page is being rewritten: wait for the signed-in layout (the
	// sign-out button), never for the home page's contents.
	b.submit("sign in as "+email, "#login button[type=submit]", ".logout button",
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	return b
}

// open loads path and waits for sel.
func (b *browser) open(base, path, sel string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// submit runs fill, clicks the button btn, waits until the browser has
// loaded another page and then for sel on it.
func (b *browser) submit(step, btn, sel string, fill ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	steps := append([]chromedp.Action[chromedp.Void]{}, fill...)
	steps = append(steps,
		chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.e2eOld = "1"`),
		chromedp.Click(chromedp.CSS(btn)))
	b.do(step, steps...)
	// Evaluating fails while the page is navigating: try again.
	deadline := time.Now().Add(20 * time.Second)
	for {
		done, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && document.documentElement.dataset.e2eOld !== "1"`))
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			b.t.Fatalf("%s: no new page after clicking %s: %v", step, btn, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.do(step+": wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// path is the current location's path and query.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.RequestURI()
}

// contains fails the test unless the text of sel has every one of want.
func (b *browser) contains(sel string, want ...string) string {
	b.t.Helper()
	s := b.text(sel)
	for _, w := range want {
		if !strings.Contains(s, w) {
			b.t.Errorf("%s at %s lacks %q:\n%s", sel, b.path(), w, s)
		}
	}
	return s
}

// shotOf saves a screenshot of the element sel only (the part of a long
// page a step is about).
func (b *browser) shotOf(sel, name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("screenshot of %s: %v", sel, err)
	}
	path := filepath.Join(b.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}
