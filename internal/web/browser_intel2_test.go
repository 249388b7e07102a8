package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestBrowserIntelView drives the intel view in headless Chromium, in
// Japanese and in English: an analyst of op-b opens the more filters,
// narrows to TLP:AMBER with a minimum confidence, opens the object and
// its relationships, exports the view, and imports a file watching the
// progress bar; a queued job's bar follows its status until done.
// Screenshots 6x-*.png (1280 px and 390 px) go to $SAKIMORI_ARTIFACTS.
func TestBrowserIntelView(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) { browseIntelView(t, lang) })
	}
}

func browseIntelView(t *testing.T, lang string) {
	b := newBrowser(t)
	v := newViewWorld(t, storetest.Open(t, store.SQLite))
	do, text, shot := b.do, b.text, b.shot
	accept := map[string]string{"ja": "ja-JP,ja;q=0.9", "en": "en-US,en;q=0.9"}[lang]
	do("set Accept-Language", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": accept}})
		return err
	}))
	do("open /", chromedp.Navigate(v.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	do("sign in",
		chromedp.SendKeys(chromedp.CSS("#f-email"), email("op-b-analyst")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("#login button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#home")))

	// 1. Filter: more filters, TLP:AMBER, minimum confidence, newest.
	do("open intel", chromedp.Navigate(v.srv.URL+"/intel"), chromedp.WaitVisible(chromedp.CSS("#intel-results")))
	do("more filters", chromedp.Click(chromedp.CSS("#more-filters > summary")), chromedp.WaitVisible(chromedp.CSS("#f-min_confidence")))
	shot("61-intel-filters-" + lang + ".png")
	do("filter",
		chromedp.Click(chromedp.CSS(`#f-tlp input[value="amber"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-min_confidence"), "80"),
		chromedp.Click(chromedp.CSS("#intel-search button[type=submit]")))
	waitLocation(t, b.ctx, "min_confidence=80")
	do("results", chromedp.WaitVisible(chromedp.CSS(`#intel-results a[href="/intel/objects/`+v.amberID+`"]`)))
	if rows := text("#intel-results tbody"); strings.Contains(rows, "TLP:GREEN") || strings.Contains(rows, "TLP:RED") {
		t.Errorf("filtered rows: %q", rows)
	}
	// The filters are kept in the form.
	if checked, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector('#f-tlp input[value="amber"]').checked`)); !checked {
		t.Error("the TLP filter is not kept")
	}
	do("export menu", chromedp.Click(chromedp.CSS("#export-view > summary")), chromedp.WaitVisible(chromedp.CSS(`#export-view a[data-format="txt"]`)))
	shot("62-intel-view-" + lang + ".png")

	// 2. Export the view: exactly the AMBER indicator's value.
	txt, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('#export-view a[data-format="txt"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt, "198.51.100.1\n") || strings.Contains(txt, "198.51.100.10") || strings.Contains(txt, "203.0.113.66") {
		t.Errorf("exported view:\n%s", txt)
	}
	stix, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('#export-view a[data-format="stix"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stix, `"id":"`+v.amberID+`"`) || strings.Contains(stix, `"id":"`+v.greenID+`"`) {
		t.Errorf("exported bundle: %.300s", stix)
	}

	// 3. The object: relationships, changes, score.
	do("open the object",
		chromedp.Click(chromedp.CSS(`#intel-results a[href="/intel/objects/`+v.amberID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#relations")))
	if r := text("#relations"); !strings.Contains(r, "indicates") || !strings.Contains(r, "related-to") {
		t.Errorf("relationships: %q", r)
	}
	if d := text("table.diff"); !strings.Contains(d, map[string]string{"ja": "変更", "en": "Changed"}[lang]) {
		t.Errorf("differences: %q", d)
	}
	shot("63-intel-object-" + lang + ".png")

	// 4. Import a file with the progress bar, then the summary in place.
	file := filepath.Join(t.TempDir(), "iocs.txt")
	if err := os.WriteFile(file, []byte("198.51.100.77\nevil-view.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	do("open import", chromedp.Navigate(v.srv.URL+"/import"), chromedp.WaitVisible(chromedp.CSS("#import-form")))
	do("import a file",
		chromedp.SetValue(chromedp.CSS("#f-collection"), "exchange"),
		chromedp.SetValue(chromedp.CSS("#f-format"), "iocs"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#import-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#job-summary")))
	waitLocation(t, b.ctx, "job=")
	if s := text("#job-summary"); !strings.Contains(s, "2") {
		t.Errorf("summary: %q", s)
	}
	shot("64-import-done-" + lang + ".png")

	// A form error comes back in place, next to the input, without a reload.
	do("import nothing",
		chromedp.Click(chromedp.CSS("#import-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#main .form-errors")))
	if e := text("#f-file-err"); e == "" {
		t.Error("no error next to the file input")
	}

	// 5. A queued job: its bar follows the status until it is done.
	pj, err := v.w.Svc.Submit(context.Background(), v.w.P("op-b-analyst"), "exchange",
		inteltest.Bundle(inteltest.Indicator(30, "198.51.100.30", ""), inteltest.Indicator(31, "198.51.100.31", "")),
		intel.IngestOptions{Source: intel.SourceTAXII})
	if err != nil {
		t.Fatal(err)
	}
	do("open the pending job", chromedp.Navigate(v.srv.URL+"/import?job="+pj.ID),
		chromedp.WaitVisible(chromedp.CSS(`#job-summary progress`)))
	shot("65-import-pending-" + lang + ".png")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v.w.Svc.Start(ctx)
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('#job-summary .badge.pending') ? 'pending ' : 'done ') + document.querySelector('#job-summary progress').value`))
		if err == nil && s == "done 2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the progress bar did not follow the job: %q %v", s, err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// 6. Phone width.
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	do("intel on a phone", chromedp.Navigate(v.srv.URL+"/intel?tlp=amber&tlp=green&min_confidence=50&sort=score"),
		chromedp.WaitVisible(chromedp.CSS("#intel-results")))
	shot("66-intel-phone-" + lang + ".png")
	do("object on a phone", chromedp.Navigate(v.srv.URL+"/intel/objects/"+v.greenID), chromedp.WaitVisible(chromedp.CSS("#relations")))
	shot("67-intel-object-phone-" + lang + ".png")
	do("import on a phone", chromedp.Navigate(v.srv.URL+"/import"), chromedp.WaitVisible(chromedp.CSS("#import-form")))
	shot("68-import-phone-" + lang + ".png")
}
