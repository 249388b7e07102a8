package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"sakimori/internal/audit"
	"sakimori/internal/incident"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/report"
	"sakimori/internal/share"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	ja, en := Keys(JA), Keys(EN)
	if len(ja) < 100 {
		t.Fatalf("ja catalogue has only %d keys", len(ja))
	}
	for _, k := range ja {
		if !Has(EN, k) {
			t.Errorf("key %q is in ja but not in en", k)
		}
	}
	for _, k := range en {
		if !Has(JA, k) {
			t.Errorf("key %q is in en but not in ja", k)
		}
	}
	for _, l := range Langs {
		for _, k := range Keys(l) {
			if m, _ := Message(l, k); strings.TrimSpace(m) == "" {
				t.Errorf("%s: key %q has an empty message", l, k)
			}
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs returns the sorted fmt verbs of msg, so translations can be
// compared (order may differ when explicit indexes are used).
func verbs(msg string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(msg, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func TestTranslationsTakeTheSameArguments(t *testing.T) {
	for _, k := range Keys(JA) {
		ja, _ := Message(JA, k)
		en, _ := Message(EN, k)
		if !slices.Equal(verbs(ja), verbs(en)) {
			t.Errorf("key %q: ja has verbs %v, en has %v", k, verbs(ja), verbs(en))
		}
	}
}

// TestDomainLabels checks a label for every value of every domain enum, so
// a new kind, sector, role, scope, outcome or error code cannot ship
// without its translation.
func TestDomainLabels(t *testing.T) {
	var keys []string
	for _, k := range org.Kinds {
		keys = append(keys, "kind."+string(k))
	}
	for _, s := range org.Sectors {
		keys = append(keys, "sector."+string(s))
	}
	keys = append(keys, "sector.none")
	for _, r := range org.Roles {
		keys = append(keys, "role."+string(r), "role."+string(r)+".desc")
	}
	for _, s := range org.Scopes {
		keys = append(keys, "scope."+string(s), "scope."+string(s)+".desc")
	}
	for _, w := range share.WritePolicies {
		keys = append(keys, "intel.policy."+string(w))
	}
	for _, k := range marking.GroupKinds {
		keys = append(keys, "intel.group_kind."+string(k))
	}
	for _, o := range []audit.Outcome{audit.OutcomeSuccess, audit.OutcomeDenied, audit.OutcomeFailure} {
		keys = append(keys, "outcome."+string(o))
	}
	for _, p := range []string{audit.ProblemAltered, audit.ProblemRemoved, audit.ProblemInserted, audit.ProblemBroken, audit.ProblemAnchor} {
		keys = append(keys, "audit.problem."+p)
	}
	// Incident reporting's enumerations.
	for _, s := range []report.State{report.StateKnown, report.StateNotYetKnown, report.StateWithheld} {
		keys = append(keys, "inc.fstate."+string(s))
	}
	for _, c := range report.Confidences {
		keys = append(keys, "inc.conf."+string(c))
	}
	for _, s := range report.ShareTargets {
		keys = append(keys, "inc.share."+s)
	}
	for _, r := range []incident.Reportable{incident.ReportableYes, incident.ReportableNo, incident.ReportableUndecided} {
		keys = append(keys, "inc.reportable."+string(r))
	}
	for _, k := range incident.ApprovalKinds {
		keys = append(keys, "inc.approval."+string(k))
	}
	for _, d := range []incident.Decision{incident.Pending, incident.Approve, incident.Reject, incident.Withdraw} {
		keys = append(keys, "inc.decision."+string(d))
	}
	for _, s := range incident.Severities {
		keys = append(keys, "inc.severity."+s)
	}
	for _, s := range incident.TriageStatuses {
		keys = append(keys, "inc.triage."+s)
	}
	for _, k := range incident.LinkKinds {
		keys = append(keys, "inc.link."+k)
	}
	for _, k := range []string{"feedback", "advice", "comment"} {
		keys = append(keys, "inc.comment."+k)
	}
	// Every apperr code, read from its source so new codes are caught.
	src, err := os.ReadFile("../apperr/apperr.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := regexp.MustCompile(`Code\w+\s+Code = "([a-z_]+)"`).FindAllSubmatch(src, -1)
	if len(codes) < 10 {
		t.Fatalf("found only %d apperr codes in apperr.go", len(codes))
	}
	for _, c := range codes {
		keys = append(keys, "err."+string(c[1]), "errpage."+string(c[1]))
	}
	// The 15 sectors carry the names the law uses.
	want := []string{"電力", "ガス", "石油", "水道", "鉄道", "貨物自動車運送", "外航貨物", "航空", "空港",
		"電気通信", "放送", "郵便", "金融", "クレジットカード", "港湾運送"}
	if len(org.Sectors) != len(want) {
		t.Fatalf("%d sectors, want %d", len(org.Sectors), len(want))
	}
	for i, s := range org.Sectors {
		if got := For(JA).T("sector." + string(s)); got != want[i] {
			t.Errorf("sector %s in Japanese = %q, want %q", s, got, want[i])
		}
	}
	for _, k := range keys {
		for _, l := range Langs {
			if !Has(l, k) {
				t.Errorf("%s: missing key %q", l, k)
			}
		}
	}
}

// Patterns that find catalogue keys in templates and Go code.
var (
	tmplKeyRE  = regexp.MustCompile(`(?:\{\{-?\s*|\()t\s+"([^"]+)"`)
	tmplOptRE  = regexp.MustCompile(`"(?:help|label)=([^"]+)"`)
	goCallRE   = regexp.MustCompile(`\.T\(\s*"([^"]+)"`)
	goMsgKeyRE = regexp.MustCompile(`MessageKey:\s*"([^"]+)"`)
	// In the web package, any string literal in a catalogue namespace.
	goLiteralRE = regexp.MustCompile(`"((?:field|done|reason|help|nav|tokens\.status|err|errpage)\.[a-z0-9_.]*[a-z0-9_])"`)
)

// TestUsedKeysExist scans every template and Go file under internal/ for
// message keys and checks both catalogues have them.
func TestUsedKeysExist(t *testing.T) {
	used := map[string][]string{} // key -> where
	add := func(key, where string) { used[key] = append(used[key], where) }
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".tmpl"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range tmplKeyRE.FindAllSubmatch(b, -1) {
				add(string(m[1]), path)
			}
			for _, m := range tmplOptRE.FindAllSubmatch(b, -1) {
				add(string(m[1]), path)
			}
		case strings.HasSuffix(path, ".go"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, re := range []*regexp.Regexp{goCallRE, goMsgKeyRE} {
				for _, m := range re.FindAllSubmatch(b, -1) {
					add(string(m[1]), path)
				}
			}
			if filepath.Base(filepath.Dir(path)) == "web" {
				for _, m := range goLiteralRE.FindAllSubmatch(b, -1) {
					add(string(m[1]), path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for _, k := range []string{"err.login_failed", "err.login_throttled", "nav.home", "field.email"} {
		if _, ok := used[k]; !ok {
			t.Errorf("scan did not find %q in use", k)
		}
	}
	// Keys built from a prefix and a value ("kind." + k) are checked value
	// by value in TestDomainLabels; any other prefix would go unchecked.
	dynamic := []string{"kind.", "sector.", "role.", "scope.", "outcome.", "audit.problem.", "err.", "errpage.", "intel.policy.", "intel.group_kind.",
		"inc.fstate.", "inc.conf.", "inc.share.", "inc.reportable.", "inc.approval.", "inc.decision.", "inc.severity.", "inc.triage.", "inc.link.", "inc.comment."}
	for k, where := range used {
		if strings.HasSuffix(k, ".") {
			if !slices.Contains(dynamic, k) {
				t.Errorf("key prefix %q used in %v is not covered by TestDomainLabels", k, where)
			}
			continue
		}
		for _, l := range Langs {
			if !Has(l, k) {
				t.Errorf("%s: key %q used in %v is missing", l, k, where)
			}
		}
	}
}

func TestTranslator(t *testing.T) {
	ja, en := For(JA), For(EN)
	if got := ja.T("home.greeting", "山田"); got != "ようこそ、山田さん" {
		t.Errorf("ja greeting = %q", got)
	}
	if got := en.T("home.greeting", "Yamada"); got != "Welcome, Yamada" {
		t.Errorf("en greeting = %q", got)
	}
	if got := en.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key renders as %q, want the key", got)
	}
	if For("fr").Lang() != Default {
		t.Errorf("unsupported language does not fall back to %s", Default)
	}
	if got := ja.T("audit.problem_at", 7, "x"); got != "記録 7：x" {
		t.Errorf("indexed verbs: %q", got)
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		cookie, saved, accept, want string
	}{
		{"", "", "", EN},
		{"", "", "ja", JA},
		{"", "", "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", JA},
		{"", "", "en-US,en;q=0.9,ja;q=0.8", EN},
		{"", "", "fr-FR,fr;q=0.9", EN},
		{"", "", "fr,ja;q=0.5", JA},       // Japanese accepted, English not
		{"", "", "en;q=0.4,ja;q=0.6", JA}, // weights, not order
		{"", "", "ja;q=0,en", EN},         // q=0 means "not acceptable"
		{"", "", "JA-jp", JA},             // case-insensitive
		{"", "", "*", EN},
		{"", "", "zh-Hant-TW, ko", EN},
		{"", "ja", "en-US", JA},  // saved locale beats the browser
		{"", "en", "ja", EN},     // saved locale beats the browser
		{"", "", "ja", JA},       // no saved locale: browser decides
		{"en", "ja", "ja", EN},   // the switch beats everything
		{"ja", "en", "en", JA},   // the switch beats everything
		{"fr", "", "ja", JA},     // unsupported cookie is ignored
		{"", "de", "en", EN},     // unsupported saved locale is ignored
		{"", "", "ja;q=abc", JA}, // malformed weight counts as 1
		{"", "", ";;,,ja,,", JA}, // junk around a tag
		{"", "", "e\x00n, ja;q=0.1", JA},
	} {
		if got := Negotiate(c.cookie, c.saved, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", c.cookie, c.saved, c.accept, got, c.want)
		}
	}
}

func TestParseAcceptLanguage(t *testing.T) {
	got := ParseAcceptLanguage("ja-JP, en;q=0.5 , *;q=0.1, bad tag!, fr;q=2")
	want := []Range{{"ja", 1}, {"en", 0.5}, {"*", 0.1}, {"fr", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	long := strings.Repeat("en;q=0.1,", 1000) + "ja"
	if n := len(ParseAcceptLanguage(long)); n != maxRanges {
		t.Errorf("parsed %d ranges of a hostile header, want at most %d", n, maxRanges)
	}
}

func FuzzParseAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "ja", "ja-JP,ja;q=0.9,en;q=0.8", "*;q=0", "en;q=NaN", ";,;q=1e308", "ja;q=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		rs := ParseAcceptLanguage(h)
		if len(rs) > maxRanges {
			t.Fatalf("%d ranges", len(rs))
		}
		for _, r := range rs {
			if r.Q < 0 || r.Q > 1 || r.Q != r.Q {
				t.Fatalf("weight %v out of range", r.Q)
			}
			if r.Lang != "*" && !isAlpha(r.Lang, 1, 8) {
				t.Fatalf("bad primary tag %q", r.Lang)
			}
		}
		if l := FromAcceptLanguage(h); !Supported(l) {
			t.Fatalf("FromAcceptLanguage(%q) = %q", h, l)
		}
	})
}
