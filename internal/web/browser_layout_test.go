package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestBrowserLayout checks the layout in headless Chromium the way a
// keyboard user and a phone user meet it: the first Tab reaches the skip
// link, which moves the focus to the page; on a 390 px phone no page is
// wider than the screen, the navigation folds behind a menu button that
// opens with the keyboard and closes with Escape; on a 1280 px screen the
// navigation stands beside the page with the current page's section
// marked. Screenshots go to $SAKIMORI_ARTIFACTS.
func TestBrowserLayout(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, storetest.Open(t, store.SQLite))
	do, shot := b.do, b.shot
	eval := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	do("sign in",
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "root@nco.example"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#home")))

	// Keyboard: the first Tab lands on the skip link; Enter moves to the page.
	do("tab", chromedp.Navigate(e.srv.URL+"/orgs"), chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.KeyEvent(kb.Tab))
	if !eval(`document.activeElement.classList.contains("skip")`) {
		t.Error("the first Tab does not reach the skip link")
	}
	if !eval(`getComputedStyle(document.activeElement).outlineStyle !== "none"`) {
		t.Error("the focused skip link shows no outline")
	}
	do("enter", chromedp.KeyEvent(kb.Enter))
	if !eval(`document.activeElement.id === "main" && location.hash === "#main"`) {
		t.Error("the skip link does not move the focus to the page")
	}

	// Wide screen: the navigation beside the page, the section marked.
	if !eval(`(() => { const n = document.querySelector(".main-nav").getBoundingClientRect(), m = document.querySelector("main").getBoundingClientRect(); return n.right <= m.left + 1 && n.width > 150 })()`) {
		t.Error("at 1280 px the navigation is not beside the page")
	}
	if !eval(`document.querySelector(".main-nav .group.current a[aria-current=page]")?.getAttribute("href") === "/orgs"`) {
		t.Error("the current page's section is not marked")
	}
	if eval(`!!document.querySelector(".menu-toggle") && getComputedStyle(document.querySelector(".menu-toggle")).display !== "none"`) {
		t.Error("the menu button shows on a wide screen")
	}
	shot("10-layout-orgs-1280.png")

	// Phone.
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, path := range []string{"/", "/orgs", "/orgs/alpha", "/users", "/users/new", "/tokens", "/account"} {
		do("open "+path, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if !eval(`document.documentElement.scrollWidth <= window.innerWidth`) {
			w, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			t.Errorf("%s is %d px wide on a 390 px phone", path, w)
		}
		if !eval(`getComputedStyle(document.querySelector("#main-nav-list")).display === "none"`) {
			t.Errorf("%s: the navigation is not folded on a phone", path)
		}
	}
	shot("11-layout-account-390.png")
	do("open the menu with the keyboard", chromedp.Focus(chromedp.CSS(".menu-toggle")), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#main-nav-list a[href="/orgs"]`)))
	if !eval(`document.querySelector(".menu-toggle").getAttribute("aria-expanded") === "true"`) {
		t.Error("the open menu's button is not aria-expanded")
	}
	shot("12-layout-menu-390.png")
	do("close it with Escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS(`#main-nav-list a[href="/orgs"]`)))
	if !eval(`document.activeElement.classList.contains("menu-toggle")`) {
		t.Error("Escape does not give the focus back to the menu button")
	}
	do("follow a link from the menu", chromedp.Click(chromedp.CSS(".menu-toggle")),
		chromedp.Click(chromedp.CSS(`#main-nav-list a[href="/tokens"]`)), chromedp.WaitVisible(chromedp.CSS("#token-form")))
}
