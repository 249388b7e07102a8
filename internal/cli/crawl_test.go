package cli_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestDemoDashboardCrawl signs in to the demo as people of every role, in
// Japanese and in English, and follows every dashboard link reachable from
// their home page (GET only, same origin). Every page must answer (no
// broken link, no server error, no page the navigation offers that then
// refuses), be in the language asked for, and pass the checks a keyboard
// or screen-reader user depends on: one h1, labelled form fields, images
// with alternative text, unique ids, no positive tabindex, a skip link.
// It also catches template slips that reach the screen: Go value dumps,
// fmt errors, untranslated catalogue keys.
func TestDemoDashboardCrawl(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the demo")
	}
	data := t.TempDir()
	p := start(t, "demo", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "json")
	waitStdout(t, p, "Press Ctrl-C to stop.")
	creds := readCreds(t, data)
	pw := map[string]string{}
	for _, u := range creds.Users {
		pw[u.Email] = u.Password
	}
	people := []string{
		"platform-admin@nco.example",     // platform administrator (government)
		"analyst@nco.example",            // government analyst
		"auditor@oversight.example",      // the commission's auditor
		"reporter@toto-electric.example", // an operator's reporter
		"legal@toto-electric.example",    // an operator's legal approver
		"exec@toto-electric.example",     // an operator's executive
		"admin@shinkawa-system.example",  // a supplier
		"psirt@kasumi-networks.example",  // a vendor
		"analyst@energy-isac.example",    // an ISAC analyst
	}
	for _, email := range people {
		for _, lang := range []string{"ja", "en"} {
			t.Run(email+"/"+lang, func(t *testing.T) {
				if pw[email] == "" {
					t.Fatalf("no demo user %s", email)
				}
				c := newCrawler(t, p.url, lang)
				c.login(email, pw[email])
				c.crawl(250, "/", "/account")
				t.Logf("%d pages", len(c.seen))
			})
		}
	}
}

type crawler struct {
	t    *testing.T
	base *url.URL
	hc   *http.Client
	lang string
	seen map[string]string // path -> the page that linked it first
}

func newCrawler(t *testing.T, base, lang string) *crawler {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &crawler{t: t, base: u, lang: lang, seen: map[string]string{},
		hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *crawler) get(path string) (int, string, string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base.String()+path, nil)
	req.Header.Set("Accept-Language", c.lang)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *crawler) login(email, password string) {
	c.t.Helper()
	_, _, body := c.get("/login")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatal("login page without a CSRF field")
	}
	form := url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}}
	req, _ := http.NewRequest("POST", c.base.String()+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base.String())
	req.Header.Set("Accept-Language", c.lang)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		c.t.Fatalf("login as %s: status %d", email, resp.StatusCode)
	}
	// The demo users have a saved language: switch as a person would.
	if code, _, _ := c.get("/lang/" + c.lang + "?next=/account"); code != http.StatusSeeOther && code != http.StatusFound {
		c.t.Fatalf("switching to %s: status %d", c.lang, code)
	}
}

var (
	hrefRE = regexp.MustCompile(`<a\b[^>]*\bhref="([^"]*)"`)
	tagRE  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>`)
	attrRE = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?`)
	// What a template slip looks like on screen.
	slipRE = regexp.MustCompile(`%!\w\(|&amp;\{|\bmap\[[a-z]|<nil>|0001-01-01`)
	timeRE = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?`)
	// Catalogue keys left untranslated: lower-case dotted words in text.
	keyRE = regexp.MustCompile(`>\s*([a-z]+(?:\.[a-z_]+){1,3})\s*<`)
)

// skip reports whether the crawler leaves a link alone: downloads (files,
// not pages), the event stream, the language switch and anything with
// side effects reached by GET.
func skip(path string) bool {
	for _, p := range []string{"/static/", "/lang/", "/events/stream", "/logout", "/taxii2", "/api/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	for _, s := range []string{"/export", "/stix", "/print", "/download", "/defense/exports/"} {
		if strings.Contains(path, s) {
			return true
		}
	}
	return false
}

func (c *crawler) crawl(limit int, start ...string) {
	queue := start
	for _, s := range start {
		c.seen[s] = "(start)"
	}
	for len(queue) > 0 && len(c.seen) <= limit {
		path := queue[0]
		queue = queue[1:]
		code, ctype, body := c.get(path)
		switch {
		case code == http.StatusSeeOther || code == http.StatusFound:
			continue // e.g. a list's default tab
		case code != http.StatusOK:
			c.t.Errorf("GET %s (linked from %s): status %d", path, c.seen[path], code)
			continue
		case !strings.HasPrefix(ctype, "text/html"):
			continue
		}
		c.check(path, body)
		for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
			h := html.UnescapeString(m[1])
			u, err := c.base.Parse(h)
			if err != nil || u.Host != c.base.Host {
				continue
			}
			if u.Path == "" {
				u.Path = "/"
			}
			next := u.Path
			if u.RawQuery != "" {
				next += "?" + u.RawQuery
			}
			if _, ok := c.seen[next]; ok || skip(next) || strings.Contains(next, "after=") {
				continue
			}
			c.seen[next] = path
			queue = append(queue, next)
		}
	}
}

// check runs the page checks.
func (c *crawler) check(path, body string) {
	t := c.t
	t.Helper()
	fail := func(format string, args ...any) {
		t.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
	if !strings.Contains(body, `<html lang="`+c.lang+`"`) {
		fail("not in %s", c.lang)
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		fail("%d h1 headings, want 1", n)
	}
	if !strings.Contains(body, `class="skip" href="#main"`) {
		fail("no skip link")
	}
	if m := slipRE.FindString(body); m != "" {
		i := strings.Index(body, m)
		fail("template slip %q in …%s…", m, body[max(0, i-80):min(len(body), i+80)])
	}
	for _, m := range keyRE.FindAllStringSubmatchIndex(body, -1) {
		key := body[m[2]:m[3]]
		// Identifiers shown as such (audit actions, STIX types) are code.
		if strings.HasSuffix(body[:m[0]], "<code") || strings.Contains(key, "example") {
			continue
		}
		fail("untranslated catalogue key %q?", key)
		break
	}
	// Times are shown in JST with the zone (form fields and machine
	// attributes aside).
	text := tagRE.ReplaceAllString(regexp.MustCompile(`(?s)<(script|textarea|pre|code)\b.*?</(script|textarea|pre|code)>`).ReplaceAllString(body, ""), " ")
	for _, m := range timeRE.FindAllStringIndex(text, -1) {
		if !strings.HasPrefix(text[m[1]:], " JST") {
			fail("a time without its zone: %q", text[max(0, m[0]-40):min(len(text), m[1]+20)])
			break
		}
	}
	ids := map[string]bool{}
	labels := map[string]bool{}
	type field struct{ tag, id string }
	var fields []field
	for _, m := range tagRE.FindAllStringSubmatch(body, -1) {
		tag := strings.ToLower(m[1])
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			attrs[strings.ToLower(a[1])] = a[2]
		}
		if id, ok := attrs["id"]; ok && id != "" {
			if ids[id] {
				fail("duplicate id %q", id)
			}
			ids[id] = true
		}
		if ti, ok := attrs["tabindex"]; ok && ti != "" && ti != "0" && ti != "-1" {
			fail("tabindex=%s on <%s>", ti, tag)
		}
		switch tag {
		case "label":
			labels[attrs["for"]] = true
		case "img":
			if _, ok := attrs["alt"]; !ok {
				fail("<img> without alt: %s", m[0])
			}
		case "input", "select", "textarea":
			typ := attrs["type"]
			if typ == "hidden" || typ == "submit" || typ == "button" || typ == "reset" {
				continue
			}
			if attrs["aria-label"] != "" || attrs["aria-labelledby"] != "" || attrs["title"] != "" {
				continue
			}
			fields = append(fields, field{tag, attrs["id"]})
		}
	}
	for _, f := range fields {
		if f.id == "" || !labels[f.id] {
			fail("<%s id=%q> has no label", f.tag, f.id)
		}
	}
}
