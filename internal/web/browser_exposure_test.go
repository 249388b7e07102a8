package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestBrowserExposureFlow drives the critical-computer pages in headless
// Chromium with a Japanese browser: an operator's analyst opens its
// registry from the navigation, one of its computers with the exposure
// matching found, and acknowledges the notice; a government analyst opens
// the exposure overview with its chart. Screenshots go to
// $SAKIMORI_ARTIFACTS.
func TestBrowserExposureFlow(t *testing.T) {
	b := newBrowser(t)
	e := newExposureEnv(t, storetest.Open(t, store.SQLite))
	do, text, shot := b.do, b.text, b.shot
	signIn := func(user string) { b.signIn(e.srv.URL, email(user)) }
	signIn("op-a-analyst")

	// 1. The registry from the navigation, in Japanese: op-a's computers only.
	do("open the registry",
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/computers"]`)),
		chromedp.WaitVisible(chromedp.CSS("#computers")))
	waitLocation(t, b.ctx, "/computers")
	rows := text("#computers")
	if !strings.Contains(rows, "Alpha FortiGate") || !strings.Contains(rows, "Alpha Ivanti") || strings.Contains(rows, "Bravo FortiGate") {
		t.Errorf("registry rows: %q", rows)
	}
	if b.lang() != "ja" {
		t.Errorf("lang %q", b.lang())
	}
	shot("21-computers-ja.png")

	// 2. A computer: its exposure to the FortiOS vulnerability, with the evidence.
	do("open the FortiGate",
		chromedp.Click(chromedp.CSS(`#computers a[href="/computers/`+e.fgA.ID+`"]`)))
	waitLocation(t, b.ctx, "/computers/"+e.fgA.ID)
	if page := text("main"); !strings.Contains(page, cveFortiOS) || !strings.Contains(page, "7.2.4") {
		t.Errorf("computer page lacks the exposure: %q", page)
	}
	shot("22-computer-ja.png")

	// 3. Notices: acknowledge the FortiOS notice.
	do("open notices", chromedp.Navigate(e.srv.URL+"/notices"), chromedp.WaitVisible(chromedp.CSS("#unacked")))
	shot("23-notices-ja.png")
	count := func() int {
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.readyState === "complete" ? document.querySelectorAll("section.unacked").length : -1`))
		if err != nil {
			return -1 // navigating
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("unacknowledged notices before: %d (two were sent: FortiOS and the AMBER Ivanti one)", n)
	}
	do("acknowledge", chromedp.Click(chromedp.CSS("section.unacked form.ack-form button")))
	// The form posts and comes back to /notices: wait for the new page.
	n := -1
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n = count(); n == 1 {
			break
		}
	}
	if n != 1 {
		t.Errorf("unacknowledged notices after one acknowledgement: %d", n)
	}

	// 4. The government's overview, in a second browser session.
	g := newBrowser(t)
	do, text, shot = g.do, g.text, g.shot
	b = g
	signIn("nco-analyst")
	do("open the overview",
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/exposure"]`)),
		chromedp.WaitVisible(chromedp.CSS("#sector-chart svg")))
	waitLocation(t, b.ctx, "/exposure")
	if s := text("#sector-table"); !strings.Contains(s, "電力") && !strings.Contains(s, "electricity") {
		t.Errorf("sector table: %q", s)
	}
	shot("24-exposure-overview-ja.png")
}
