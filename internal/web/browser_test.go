package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// chromiumPath finds headless Chromium: $SAKIMORI_CHROMIUM, then Debian's
// /usr/bin/chromium, then chromium on the PATH.
func chromiumPath() string {
	if p := os.Getenv("SAKIMORI_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// browser is a headless Chromium for a browser test, with the steps the
// tests share. Screenshots go to $SAKIMORI_ARTIFACTS (default: a temporary
// directory).
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

// newBrowser starts headless Chromium with a Japanese user interface, or
// skips the test if there is none (outside CI).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	ctx, shots := startChromium(t, 2*time.Minute, chromedp.Flag("lang", "ja"), chromedp.Flag("accept-lang", "ja"))
	return &browser{t: t, ctx: ctx, shots: shots}
}

// startChromium starts headless Chromium at 1280 x 900 with extra options
// and returns its first tab and the screenshot directory
// ($SAKIMORI_ARTIFACTS, default a temporary one). Without Chromium the
// test is skipped, or fails in CI.
func startChromium(t *testing.T, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) (context.Context, string) {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI: apt-get install -y chromium")
		}
		t.Skip("chromium not installed (apt-get install -y chromium); skipping the browser test")
	}
	shots := os.Getenv("SAKIMORI_ARTIFACTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(bcancel)
	return bctx, shots
}

// signIn signs in at base as the user with address email and waits for
// the home page.
func (b *browser) signIn(base, email string) {
	b.t.Helper()
	b.do("open /", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	b.do("sign in as "+email,
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#home")))
}

func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) lang() string {
	b.t.Helper()
	a, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
	if err != nil {
		b.t.Fatalf("html lang: %v", err)
	}
	return a.Value
}

func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// TestBrowserFlow drives the dashboard in headless Chromium the way a
// person would: redirected to the login page, signs in with a Japanese
// browser, switches to English, creates an API token and signs out.
// Screenshots go to $SAKIMORI_ARTIFACTS (default: a temporary directory).
func TestBrowserFlow(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, storetest.Open(t, store.SQLite))
	bctx, do, text, lang, shot := b.ctx, b.do, b.text, b.lang, b.shot

	// A Japanese browser.
	do("set Accept-Language", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": "ja-JP,ja;q=0.9"}})
		return err
	}))

	// 1. Open the home page: redirected to the login page, in Japanese.
	do("open /", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/login?next=%2F") {
		t.Fatalf("location after opening /: %q, %v", loc, err)
	}
	if l := lang(); l != "ja" {
		t.Fatalf("login page language %q, want ja", l)
	}
	shot("01-login-ja.png")

	// 2. Sign in: the Japanese home page.
	do("sign in",
		chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@alpha.example"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#home")))
	if h := text("main h1"); h != "ようこそ、Alpha Adminさん" {
		t.Errorf("home heading %q", h)
	}
	if l := lang(); l != "ja" {
		t.Errorf("home page language %q, want ja", l)
	}
	shot("02-home-ja.png")

	// 3. Switch to English: the same page.
	do("switch to English",
		chromedp.Click(chromedp.CSS(`.lang a[lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #home`)))
	if h := text("main h1"); h != "Welcome, Alpha Admin" {
		t.Errorf("home heading after switching %q", h)
	}
	shot("03-home-en.png")
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	shot("04-home-en-phone.png")
	do("desktop viewport", chromedp.EmulateViewport(1280, 900))

	// 4. Create an API token: the secret is shown once and works.
	do("open tokens",
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/tokens"]`)),
		chromedp.WaitVisible(chromedp.CSS("#token-form")))
	shot("05-tokens-en.png")
	do("create token",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Browser test token"),
		chromedp.Click(chromedp.CSS("#token-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#token-secret")))
	secret, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#token-secret")))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Token(bctx, secret, "127.0.0.1")
	if err != nil {
		t.Fatalf("the token shown in the browser does not authenticate: %v", err)
	}
	if p.User.Email != "admin@alpha.example" || p.Token.Name != "Browser test token" {
		t.Errorf("token of %s named %q", p.User.Email, p.Token.Name)
	}
	shot("06-token-created-en.png")

	// 5. Sign out: back at the login page, and the session is gone.
	do("sign out",
		chromedp.Click(chromedp.CSS(".logout button")),
		chromedp.WaitVisible(chromedp.CSS("#login")))
	shot("07-signed-out-en.png")
	do("open tokens after sign-out",
		chromedp.Navigate(e.srv.URL+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS("#login")))
}
