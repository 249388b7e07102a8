package cli_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDemoPagesOnAPhone opens one page of every kind the demo's people can
// reach (found by the dashboard crawl) in headless Chromium at a phone's
// width, 390 px, signed in as the platform administrator, an NCO analyst
// and an operator's reporter, and checks that no page is wider than the
// screen: wide tables scroll inside their own box, long identifiers wrap,
// forms fit.
func TestDemoPagesOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser over the demo")
	}
	bin := os.Getenv("SAKIMORI_CHROMIUM")
	if bin == "" {
		bin = "/usr/bin/chromium"
	}
	if _, err := os.Stat(bin); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			bin = p
		} else if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI: apt-get install -y chromium")
		} else {
			t.Skip("chromium not installed")
		}
	}
	data := t.TempDir()
	p := start(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "json")
	waitStdout(t, p, "Press Ctrl-C to stop.")
	creds := readCreds(t, data)
	pw := map[string]string{}
	for _, u := range creds.Users {
		pw[u.Email] = u.Password
	}
	for _, email := range []string{"platform-admin@nco.example", "analyst@nco.example", "reporter@toto-electric.example"} {
		t.Run(email, func(t *testing.T) {
			c := newCrawler(t, p.url, "ja")
			c.login(email, pw[email])
			c.crawl(150, "/", "/account")
			pages := pageKinds(c.seen)

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
				chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-dev-shm-usage", true),
				chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844))
			defer acancel()
			bctx, bcancel := chromedp.NewContext(actx)
			defer bcancel()
			if err := chromedp.Do(bctx,
				chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
				chromedp.Navigate(p.url+"/login"),
				chromedp.WaitVisible(chromedp.CSS("#login")),
				chromedp.SendKeys(chromedp.CSS("#f-email"), email),
				chromedp.SendKeys(chromedp.CSS("#f-password"), pw[email]),
				chromedp.Click(chromedp.CSS("#login button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#home"))); err != nil {
				t.Fatalf("sign in: %v", err)
			}
			for _, path := range pages {
				if err := chromedp.Do(bctx, chromedp.Navigate(p.url+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				w, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if w > 390 {
					culprit, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`(() => {
						// The outermost element that sticks out, but not its
						// children: where a fix belongs.
						const clipped = el => {
							for (let a = el.parentElement; a; a = a.parentElement) {
								if (getComputedStyle(a).overflowX !== "visible" && a.getBoundingClientRect().right <= innerWidth + 1) return true;
							}
							return false;
						};
						for (const el of document.querySelectorAll("body *")) {
							const r = el.getBoundingClientRect();
							if (r.right > innerWidth + 1 && r.width > 0 && !clipped(el)) return el.outerHTML.slice(0, 200) + " (" + getComputedStyle(el).position + ")";
						}
						return "";
					})()`))
					t.Errorf("%s is %d px wide on a 390 px phone; e.g. %s", path, w, culprit)
				}
			}
			t.Logf("%d kinds of page", len(pages))
		})
	}
}

var idSegment = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f-]{27}$|--[0-9a-f-]{36}$|^(INC|ALR|CL|SKM|CVE)-|^\d+$`)

// pageKinds keeps one page of each kind: paths that differ only in an id
// (a UUID, a STIX id, a ref like INC-2026-0001, a number) or a query are
// the same kind.
func pageKinds(seen map[string]string) []string {
	kinds := map[string]string{}
	for path := range seen {
		p, _, _ := strings.Cut(path, "?")
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if idSegment.MatchString(s) {
				segs[i] = ":id"
			}
		}
		k := strings.Join(segs, "/")
		if cur, ok := kinds[k]; !ok || len(path) < len(cur) {
			kinds[k] = path
		}
	}
	var out []string
	for _, p := range kinds {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
