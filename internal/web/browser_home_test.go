package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"sakimori/internal/event"
	"sakimori/internal/store"
)

// TestBrowserHome drives the home page in headless Chromium: an operator's
// reporter signs in with a Japanese browser and sees the open incidents
// with their deadline countdowns, which the script recounts (overdue and
// near deadlines said in words); an event about a report shows the "new
// updates" banner without reloading; then the same in English, on a phone,
// and the government analyst's home. Screenshots go to
// $SAKIMORI_ARTIFACTS (81-… to 86-…).
func TestBrowserHome(t *testing.T) {
	b := newBrowser(t)
	e := newHomeEnv(t, store.SQLite, true)
	// End the page's event stream before the test server closes (it waits
	// for open connections).
	t.Cleanup(e.push.Close)
	do, text, shot := b.do, b.text, b.shot
	do("set Accept-Language", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "ja-JP,ja;q=0.9"}})
		return err
	}))
	signIn := func(user string) { b.signIn(e.srv.URL, e.w.Users[user].Email) }
	attr := func(sel, name string) string {
		t.Helper()
		a, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		if err != nil {
			t.Fatalf("%s[%s]: %v", sel, name, err)
		}
		return a.Value
	}
	eval := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](js)); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
	}

	// 1. The operator's home: its incidents, each deadline counting down.
	signIn("op-a-reporter")
	do("the script ran", chromedp.WaitVisible(chromedp.CSS(`#home[data-ticks] #home-incidents time[data-countdown]`)))
	if r := attr("#home", "data-role"); r != "staff" {
		t.Errorf("data-role %q", r)
	}
	inc := text("#home-incidents")
	for _, s := range []string{"Ransomware at substation", "Phishing wave", "承認待ちの報告"} {
		if !strings.Contains(inc, s) {
			t.Errorf("incidents lack %q: %s", s, inc)
		}
	}
	if !strings.Contains(inc, "残り") && !strings.Contains(inc, "超過") {
		t.Errorf("no countdown: %s", inc)
	}
	shot("81-home-operator-ja.png")

	// 2. The countdown follows the clock: moved to 2 h ago it is overdue,
	// to 2 h ahead due soon, to 3 days ahead neither, in words.
	first := `#home-incidents time[data-countdown]`
	for _, c := range []struct {
		offset       time.Duration
		class, flag  string
		words, state string
	}{
		{-2 * time.Hour, "overdue", "期限超過", "超過", "overdue"},
		{2*time.Hour + 30*time.Second, "soon", "6時間以内", "残り 2時間0分", "soon"},
		{72*time.Hour + 30*time.Second, "", "", "残り 3日0時間", "open"},
	} {
		at := time.Now().Add(c.offset).UTC().Format(time.RFC3339)
		eval(`document.querySelector("` + first + `").setAttribute("datetime", "` + at + `"); document.dispatchEvent(new Event("sakimori:tick"));`)
		got := text(first)
		if !strings.Contains(got, c.words) {
			t.Errorf("%v: countdown %q, want %q", c.offset, got, c.words)
		}
		box := `#home-incidents [data-due]`
		if st := attr(box, "data-state"); st != c.state {
			t.Errorf("%v: state %q, want %q", c.offset, st, c.state)
		}
		cls := attr(box, "class")
		if c.class != "" && !strings.Contains(cls, c.class) || c.class == "" && (strings.Contains(cls, "overdue") || strings.Contains(cls, "soon")) {
			t.Errorf("%v: class %q", c.offset, cls)
		}
		if c.flag != "" {
			if f := text(box + " .due-flag"); f != c.flag {
				t.Errorf("%v: flag %q, want %q", c.offset, f, c.flag)
			}
		}
	}

	// 3. A report's status changes: the banner offers a reload; the page
	// does not reload by itself.
	if attr("#home", "data-stream") != "/events/stream" {
		t.Fatal("no stream")
	}
	for i := 0; e.push.Subscribers() == 0; i++ {
		if i > 100 {
			t.Fatal("the page never subscribed to the event stream")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := e.push.Publish(context.Background(), &event.Event{Kind: event.ReportStatus, At: time.Now().UTC(), Subject: e.seed.Incidents[0],
		Audience: event.Audience{Orgs: []string{e.w.Orgs["op-a"].ID}}}); err != nil {
		t.Fatal(err)
	}
	do("the banner", chromedp.WaitVisible(chromedp.CSS("#home-live")))
	if s := text("#home-live"); !strings.Contains(s, "新しい更新があります") || !strings.Contains(s, "再読み込み") {
		t.Errorf("banner %q", s)
	}
	if cls := attr("#home-incidents", "class"); !strings.Contains(cls, "has-update") {
		t.Errorf("the incidents section is not marked: %q", cls)
	}
	if cls := attr("#home-indicators", "class"); strings.Contains(cls, "has-update") {
		t.Errorf("the indicators section is marked for a report event")
	}
	shot("82-home-operator-update-ja.png")

	// 4. In English, then on a phone.
	do("switch to English",
		chromedp.Click(chromedp.CSS(`.lang a[lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #home[data-ticks]`)))
	if h := text("main h1"); h != "Welcome, op-a-reporter" {
		t.Errorf("heading %q", h)
	}
	if inc := text("#home-incidents"); !strings.Contains(inc, " left") && !strings.Contains(inc, "overdue by") {
		t.Errorf("no English countdown: %s", inc)
	}
	if s := text("#home-alerts"); !strings.Contains(s, "ALR-2026-al-2") || strings.Contains(s, "ALR-2026-al-3") {
		t.Errorf("alerts to acknowledge: %s", s)
	}
	shot("83-home-operator-en.png")
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	shot("84-home-operator-en-phone.png")
	do("Japanese again",
		chromedp.Click(chromedp.CSS(`.lang a[lang="ja"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] #home[data-ticks]`)))
	shot("85-home-operator-ja-phone.png")
	do("desktop viewport", chromedp.EmulateViewport(1280, 900))

	// 5. The government analyst's home.
	do("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	signIn("nco-analyst")
	if r := attr("#home", "data-role"); r != "government" {
		t.Errorf("nco data-role %q", r)
	}
	if s := text("#home-triage"); !strings.Contains(s, "Ransomware at substation") {
		t.Errorf("triage: %s", s)
	}
	shot("86-home-government-ja.png")
}
