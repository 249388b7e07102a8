package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestBrowserIntelFlow continues TestBrowserFlow into threat sharing: an
// analyst of a railway operator signs in with a Japanese browser, opens
// Threat intelligence, searches an IP address, opens the TLP:AMBER object
// shared with its organisation and looks at its score, sightings and
// version history. Screenshots go to $SAKIMORI_ARTIFACTS.
func TestBrowserIntelFlow(t *testing.T) {
	b := newBrowser(t)
	e := newIntelEnv(t, storetest.Open(t, store.SQLite))
	do, text, shot := b.do, b.text, b.shot

	do("set Accept-Language", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "ja-JP,ja;q=0.9"}})
		return err
	}))
	do("open /", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	do("sign in",
		chromedp.SendKeys(chromedp.CSS("#f-email"), email("op-b-analyst")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#home")))

	// 1. Threat intelligence from the navigation: the list, in Japanese.
	do("open threat intelligence",
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/intel"]`)),
		chromedp.WaitVisible(chromedp.CSS("#intel-results")))
	if h := text("main h1"); h != "脅威情報" {
		t.Errorf("heading %q", h)
	}
	shot("11-intel-ja.png")

	// 2. Search an IP address: the AMBER object shared with op-b.
	do("search",
		chromedp.SendKeys(chromedp.CSS("#f-q"), "198.51.100.1"),
		chromedp.Click(chromedp.CSS("#intel-search button[type=submit]")))
	// The list before the search shows the same link: wait for the search
	// page itself, or reading it races the navigation.
	waitLocation(t, b.ctx, "q=")
	do("search results", chromedp.WaitVisible(chromedp.CSS(`#intel-results a[href="/intel/objects/`+e.amberID+`"]`)))
	if rows := text("#intel-results tbody"); !strings.Contains(rows, "TLP:AMBER") || strings.Contains(rows, "198.51.100.33") {
		t.Errorf("search results: %q", rows)
	}
	shot("12-intel-search-ja.png")

	// 3. The object: score, sightings, history with differences.
	do("open the object",
		chromedp.Click(chromedp.CSS(`#intel-results a[href="/intel/objects/`+e.amberID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#versions")))
	if s := text("#score .score"); !strings.Contains(s, "/ 100") {
		t.Errorf("score %q", s)
	}
	if d := text("table.diff"); !strings.Contains(d, "description") {
		t.Errorf("differences %q", d)
	}
	shot("13-intel-object-ja.png")

	// 4. Report a sighting through the form.
	do("report a sighting",
		chromedp.SendKeys(chromedp.CSS("#f-note"), "SOCで検知"),
		chromedp.Click(chromedp.CSS("#sighting-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")))
	if s := text("#sightings"); !strings.Contains(s, "鉄道") {
		t.Errorf("sightings after report: %q", s)
	}
	do("switch to English",
		chromedp.Click(chromedp.CSS(`.lang a[lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #versions`)))
	shot("14-intel-object-en.png")
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	shot("15-intel-object-en-phone.png")
}

// waitLocation waits (up to 10 s) until the page's URL contains part and
// the document has loaded, retrying while a navigation is under way.
func waitLocation(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, part) {
			if ready, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.readyState")); err == nil && ready == "complete" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the page did not reach a URL with %q", part)
}
