package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestBrowserIncidentFlow drives incident reporting in headless Chromium
// with a Japanese browser: an operator's reporter creates a report from
// the new-report form, fills in the summary and when it became aware of
// the event in the guided form, submits it (its organisation has no
// approval flow) and sees the deadline timeline; an NCO analyst signs in
// and finds it among the received reports. Screenshots go to
// $SAKIMORI_ARTIFACTS.
func TestBrowserIncidentFlow(t *testing.T) {
	b := newBrowser(t)
	e := newIncEnv(t, storetest.Open(t, store.SQLite))
	do, text, shot := b.do, b.text, b.shot
	signIn := func(user string) { b.signIn(e.srv.URL, incEmail(user)) }
	signIn("op-a-reporter")

	// 1. The incidents from the navigation, then a new report.
	do("open incidents",
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/incidents"]`)),
		chromedp.WaitVisible(chromedp.CSS("#inc-new")))
	waitLocation(t, b.ctx, "/incidents")
	if h := text("main h1"); h != "インシデント報告" {
		t.Errorf("heading %q", h)
	}
	do("new report", chromedp.Click(chromedp.CSS("#inc-new")), chromedp.WaitVisible(chromedp.CSS("#incident-new")))
	do("create",
		chromedp.SendKeys(chromedp.CSS("#f-title"), "制御系VPNへの不正アクセス"),
		chromedp.Click(chromedp.CSS("#incident-new button[type=submit]")))
	waitLocation(t, b.ctx, "/edit")

	// 2. The guided form: the summary and the awareness time (JST).
	aware := time.Now().Add(-2 * time.Hour)
	do("fill in",
		chromedp.WaitVisible(chromedp.CSS("#incident-form")),
		chromedp.SendKeys(chromedp.CSS("#f-summary-value"), "SSL-VPN装置の管理者アカウントで不審なログインを確認した。"),
		chromedp.SetValue(chromedp.CSS("#f-aware-value"), jstLocal(aware)),
		chromedp.SetValue(chromedp.CSS("#f-detected-value"), jstLocal(aware.Add(-30*time.Minute))))
	shot("41-incident-form-ja.png")
	do("save", chromedp.Click(chromedp.CSS("#inc-save")), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if s := text("#content"); !strings.Contains(s, "不審なログイン") {
		t.Errorf("saved content: %q", s)
	}

	// 3. Submit: no approval flow, so straight to the receivers.
	do("submit", chromedp.Click(chromedp.CSS("#inc-submit")))
	waitLocation(t, b.ctx, "done=inc_submitted")
	do("submitted", chromedp.WaitVisible(chromedp.CSS("#submissions table")))
	if s := text("#inc-state"); s != "提出済み" {
		t.Errorf("state after submission %q", s)
	}
	if tl := text("#timeline"); !strings.Contains(tl, "JST") {
		t.Errorf("timeline without deadlines: %q", tl)
	}
	shot("42-incident-submitted-ja.png")

	// 4. The NCO, in a second browser session, finds it among the received reports.
	g := newBrowser(t)
	b = g
	do, text, shot = g.do, g.text, g.shot
	signIn("nco-analyst")
	do("open incidents", chromedp.Click(chromedp.CSS(`.main-nav a[href="/incidents"]`)), chromedp.WaitVisible(chromedp.CSS("#tab-received")))
	do("received", chromedp.Click(chromedp.CSS("#tab-received")))
	waitLocation(t, g.ctx, "received=1")
	do("list", chromedp.WaitVisible(chromedp.CSS("table.incidents")))
	if s := text("table.incidents"); !strings.Contains(s, "制御系VPNへの不正アクセス") {
		t.Errorf("received list: %q", s)
	}
	shot("43-incidents-received-ja.png")
	do("open it", chromedp.Click(chromedp.CSS("table.incidents tbody a")), chromedp.WaitVisible(chromedp.CSS("#receive")))
	if s := text("#content"); !strings.Contains(s, "不審なログイン") {
		t.Errorf("received content: %q", s)
	}
	shot("44-incident-received-ja.png")
}
