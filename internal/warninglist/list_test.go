package warninglist

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/apperr"
)

// sharedDir holds real MISP warninglists (CC0), shared with the project and
// never copied into it.
const sharedDir = "../../../shared/warninglists"

func sharedFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sharedDir, "*.json"))
	if err != nil || len(files) < 10 {
		t.Fatalf("the real warninglists are expected in %s (found %d files, %v)", sharedDir, len(files), err)
	}
	return slices.DeleteFunc(files, func(f string) bool { return filepath.Base(f) == "schema.json" })
}

// doc builds a list document; fields override the defaults (nil deletes).
func doc(fields map[string]any) []byte {
	m := map[string]any{
		"name":        "Test list",
		"description": "A list for tests",
		"version":     1,
		"type":        "string",
		"list":        []any{"a"},
	}
	for k, v := range fields {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func errStrings(errs []*Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestParseRealLists(t *testing.T) {
	for _, f := range sharedFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				Name, Type string
				List       []string
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			l, probs, err := Parse(filepath.Base(f), data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if l.Name != raw.Name || string(l.Type) != raw.Type {
				t.Errorf("name/type = %q/%q, want %q/%q", l.Name, l.Type, raw.Name, raw.Type)
			}
			// Every entry is either kept or reported.
			if len(l.Entries)+len(probs) != len(raw.List) {
				t.Errorf("%d entries + %d problems, want %d in the file", len(l.Entries), len(probs), len(raw.List))
			}
			for _, e := range l.Entries {
				if raw.List[e.Pos] != e.Value {
					t.Fatalf("entry %d = %q, file has %q", e.Pos, e.Value, raw.List[e.Pos])
				}
			}
			if len(l.Kinds()) == 0 {
				t.Errorf("list applies to no kind")
			}
		})
	}
}

// The real public-dns-hostname list has four malformed entries; they are
// reported by position and the other 34,779 are kept.
func TestParseRealListProblems(t *testing.T) {
	l, probs, err := ParseFile(filepath.Join(sharedDir, "public-dns-hostname.json"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(sharedDir, "public-dns-hostname.json")
	want := []string{
		file + `: list[6917]: invalid host name "252/24.127.188.93.mifril.ru": character '/' is not allowed in host names`,
		file + `: list[20023]: invalid host name "gw.megatro-avinyo.man,altecom.net": character ',' is not allowed in host names`,
		file + `: list[32065]: "static-185.132.201.202.andorpac.ad\\ " has leading or trailing white space`,
		file + `: list[32921]: invalid host name "static.ill.117.239.49.29/24.bsnl.in": character '/' is not allowed in host names`,
	}
	if got := errStrings(probs); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(l.Entries) != 34779 {
		t.Errorf("%d entries, want 34779", len(l.Entries))
	}
}

func TestParseFatal(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"not JSON", `{"name": "x",`, `t.json: invalid JSON at line 1, column 13: unexpected end of JSON input`},
		{"syntax error line", "{\n  \"name\": \"x\"\n  \"type\": \"cidr\"}", `t.json: invalid JSON at line 3, column 3: invalid character '"' after object key:value pair`},
		{"array", `["8.8.8.8"]`, `t.json: not a JSON object (found an array)`},
		{"null", `null`, `t.json: not a JSON object`},
		{"empty", ``, `t.json: invalid JSON at line 1, column 1: unexpected end of JSON input`},
		{"no name", string(doc(map[string]any{"name": nil})), `t.json: name: missing`},
		{"blank name", string(doc(map[string]any{"name": "  "})), `t.json: name: empty`},
		{"name not string", string(doc(map[string]any{"name": 3})), `t.json: name: must be a string, not a number`},
		{"no description", string(doc(map[string]any{"description": nil})), `t.json: description: missing`},
		{"empty description", string(doc(map[string]any{"description": ""})), `t.json: description: empty`},
		{"no version", string(doc(map[string]any{"version": nil})), `t.json: version: missing`},
		{"version string", string(doc(map[string]any{"version": "2"})), `t.json: version: must be an integer, not a string`},
		{"version float", string(doc(map[string]any{"version": 1.5})), `t.json: version: must be an integer, not 1.5`},
		{"version negative", string(doc(map[string]any{"version": -1})), `t.json: version: must not be negative`},
		{"no type", string(doc(map[string]any{"type": nil})), `t.json: type: missing (one of string, substring, hostname, cidr, regex)`},
		{"unknown type", string(doc(map[string]any{"type": "ip"})), `t.json: type: unknown type "ip" (one of string, substring, hostname, cidr, regex)`},
		{"type not string", string(doc(map[string]any{"type": []string{"cidr"}})), `t.json: type: must be a string, not an array`},
		{"no list", string(doc(map[string]any{"list": nil})), `t.json: list: missing`},
		{"empty list", string(doc(map[string]any{"list": []string{}})), `t.json: list: no entries`},
		{"list string", string(doc(map[string]any{"list": "8.8.8.8"})), `t.json: list: must be an array of strings, not a string`},
		{"matching_attributes object", string(doc(map[string]any{"matching_attributes": map[string]any{}})), `t.json: matching_attributes: must be an array of strings, not an object`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, probs, err := Parse("t.json", []byte(tc.data))
			if err == nil {
				t.Fatalf("no error; list %+v, problems %v", l, probs)
			}
			if l != nil {
				t.Errorf("a list is returned with the error")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, not *Error", err)
			}
			ae := apperr.As(err)
			if ae.Code != apperr.CodeInvalid || ae.Field != pe.Path {
				t.Errorf("apperr = %+v, want invalid with field %q", ae, pe.Path)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	defer func(n int) { fileLimit = n }(fileLimit)
	fileLimit = 200
	data := doc(map[string]any{"list": []string{strings.Repeat("x", 100)}})
	if _, _, err := ParseReader("ok.json", strings.NewReader(string(data))); err != nil {
		t.Fatalf("%d bytes: %v", len(data), err)
	}
	data = doc(map[string]any{"list": []string{strings.Repeat("x", 200)}})
	_, _, err := ParseReader("big.json", strings.NewReader(string(data)))
	if err == nil || err.Error() != "big.json: larger than 200 bytes" {
		t.Fatalf("err = %v", err)
	}
}

func TestParseEntryProblems(t *testing.T) {
	tests := []struct {
		name     string
		typ      string
		list     any
		want     []string // problems
		keep     []string // values of the entries kept
		wantKeys []string // their normalised keys (hostname, cidr), if checked
	}{
		{
			name: "cidr",
			typ:  "cidr",
			list: []any{"10.0.0.0/8", "10.0.0/8", "10.0.0.1/8", "fe80::1%eth0", "::ffff:192.168.0.0/112", 5,
				"10.0.0.0/8", " 1.2.3.4", "2001:DB8::/32", "2001:db8::/32", "192.0.2.1", "::ffff:192.0.2.1", "", "1.2.3.4/33", "not an ip"},
			want: []string{
				`t.json: list[1]: invalid CIDR "10.0.0/8": IPv4 address too short`,
				`t.json: list[2]: CIDR "10.0.0.1/8" has host bits set (the network is 10.0.0.0/8)`,
				`t.json: list[3]: invalid IP address "fe80::1%eth0": zones are not allowed`,
				`t.json: list[5]: must be a string, not a number`,
				`t.json: list[6]: duplicate of list[0]`,
				`t.json: list[7]: " 1.2.3.4" has leading or trailing white space`,
				`t.json: list[9]: "2001:db8::/32" is the same as list[8] ("2001:DB8::/32") once normalised to "2001:db8::/32"; ignored`,
				`t.json: list[11]: "::ffff:192.0.2.1" is the same as list[10] ("192.0.2.1") once normalised to "192.0.2.1/32"; ignored`,
				`t.json: list[12]: empty entry`,
				`t.json: list[13]: invalid CIDR "1.2.3.4/33": prefix length out of range`,
				`t.json: list[14]: invalid IP address or CIDR "not an ip": unable to parse IP`,
			},
			keep:     []string{"10.0.0.0/8", "::ffff:192.168.0.0/112", "2001:DB8::/32", "192.0.2.1"},
			wantKeys: []string{"10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "192.0.2.1/32"},
		},
		{
			name: "hostname",
			typ:  "hostname",
			list: []any{".Example.COM", "example.com.", "a..b", "*.x.com", "例え.jp", "bad_host!", "ok_underscore.example",
				strings.Repeat("a", 64) + ".com", "2001:DB8::1", "...", true},
			want: []string{
				`t.json: list[1]: "example.com." is the same as list[0] (".Example.COM") once normalised to "example.com"; ignored`,
				`t.json: list[2]: invalid host name "a..b": empty label (two dots in a row)`,
				`t.json: list[3]: invalid host name "*.x.com": wildcards are not supported: a hostname entry already matches every subdomain`,
				`t.json: list[5]: invalid host name "bad_host!": character '!' is not allowed in host names`,
				`t.json: list[7]: invalid host name "` + strings.Repeat("a", 64) + `.com": label longer than 63 characters`,
				`t.json: list[9]: invalid host name "...": empty host name`,
				`t.json: list[10]: must be a string, not a boolean`,
			},
			keep:     []string{".Example.COM", "例え.jp", "ok_underscore.example", "2001:DB8::1"},
			wantKeys: []string{"example.com", "xn--r8jz45g.jp", "ok_underscore.example", "2001:db8::1"},
		},
		{
			name: "regex",
			typ:  "regex",
			list: []any{"/^foo$/i", "(?=x)", "/a/x", "/a/q", "^bar", `/(\d)\1/`, "/((?:\\+|00)1)?55501([0-9]{2})/g", "[", nil},
			want: []string{
				"t.json: list[1]: invalid regex \"(?=x)\": Go regexp cannot compile it: invalid or unsupported Perl syntax: `(?=` (Go's RE2 syntax has no lookaround, backreferences, atomic groups or possessive quantifiers)",
				`t.json: list[2]: invalid regex "/a/x": the x (extended) modifier is not supported`,
				`t.json: list[3]: invalid regex "/a/q": unknown PCRE modifier 'q'`,
				"t.json: list[5]: invalid regex \"/(\\\\d)\\\\1/\": Go regexp cannot compile it: invalid escape sequence: `\\1` (Go's RE2 syntax has no lookaround, backreferences, atomic groups or possessive quantifiers)",
				"t.json: list[7]: invalid regex \"[\": Go regexp cannot compile it: missing closing ]: `[`",
				`t.json: list[8]: must be a string, not null`,
			},
			keep: []string{"/^foo$/i", "^bar", "/((?:\\+|00)1)?55501([0-9]{2})/g"},
		},
		{
			name: "string",
			typ:  "string",
			list: []any{"abc", "ABC", "abc ", "abc", map[string]any{}},
			want: []string{
				`t.json: list[2]: "abc " has leading or trailing white space`,
				`t.json: list[3]: duplicate of list[0]`,
				`t.json: list[4]: must be a string, not an object`,
			},
			keep: []string{"abc", "ABC"},
		},
		{
			name: "substring keeps white space",
			typ:  "substring",
			list: []any{" powershell ", "cmd.exe"},
			keep: []string{" powershell ", "cmd.exe"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, probs, err := Parse("t.json", doc(map[string]any{"type": tc.typ, "list": tc.list}))
			if err != nil {
				t.Fatal(err)
			}
			if got := errStrings(probs); !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			var kept, keys []string
			for _, e := range l.Entries {
				kept = append(kept, e.Value)
				keys = append(keys, e.key)
			}
			if !slices.Equal(kept, tc.keep) {
				t.Errorf("kept %q, want %q", kept, tc.keep)
			}
			if tc.wantKeys != nil && !slices.Equal(keys, tc.wantKeys) {
				t.Errorf("keys %q, want %q", keys, tc.wantKeys)
			}
		})
	}
}

func TestParseHeaderProblems(t *testing.T) {
	data := doc(map[string]any{
		"type":                "cidr",
		"list":                []string{"192.0.2.0/24"},
		"category":            "whitelist",
		"comment":             "not a field of the format",
		"matching_attributes": []any{"ip-src", "ip-src", 7, "", "phone-number", "domain"},
	})
	l, probs, err := Parse("t.json", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`t.json: comment: unknown field, ignored`,
		`t.json: category: unknown category "whitelist" (one of false_positive, known); using false_positive`,
		`t.json: matching_attributes[1]: duplicate of matching_attributes[0]`,
		`t.json: matching_attributes[2]: must be a string, not a number`,
		`t.json: matching_attributes[3]: empty`,
	}
	if got := errStrings(probs); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if l.Category != CategoryFalsePositive {
		t.Errorf("category %q", l.Category)
	}
	if !slices.Equal(l.MatchingAttributes, []string{"ip-src", "phone-number", "domain"}) || !slices.Equal(l.Unchecked, []string{"phone-number"}) {
		t.Errorf("matching %q, unchecked %q", l.MatchingAttributes, l.Unchecked)
	}
	// ip-src gives ip and cidr; domain is not something a cidr list checks.
	if got := l.Kinds(); !slices.Equal(got, []Kind{KindIP, KindCIDR}) {
		t.Errorf("kinds %v", got)
	}
}

func TestParseNeverMatches(t *testing.T) {
	l, probs, err := Parse("t.json", doc(map[string]any{"type": "cidr", "list": []string{"192.0.2.0/24"},
		"matching_attributes": []string{"md5", "phone-number"}}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`t.json: matching_attributes: none of ["md5" "phone-number"] is a kind a cidr list can check, so the list never matches`}
	if got := errStrings(probs); !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if len(l.Kinds()) != 0 {
		t.Errorf("kinds %v", l.Kinds())
	}
}

func TestParseCategoryAndNoMatchingAttributes(t *testing.T) {
	l, probs, err := Parse("t.json", doc(map[string]any{"category": "known", "type": "hostname", "list": []string{"bank.example"}}))
	if err != nil || len(probs) != 0 {
		t.Fatal(err, probs)
	}
	if l.Category != CategoryKnown {
		t.Errorf("category %q", l.Category)
	}
	// No matching_attributes: every kind a hostname list can check.
	if got := l.Kinds(); !slices.Equal(got, []Kind{KindDomain, KindHostname, KindURL, KindEmail, KindString}) {
		t.Errorf("kinds %v", got)
	}
}

func TestParseObjectForm(t *testing.T) {
	data := []byte(`{"name": "n", "description": "d", "version": 1, "type": "cidr",
		"list": {"8.8.8.8": "Google", "9.9.9.9": null, "10.0.0/8": "bad", "1.1.1.1": 5}}`)
	l, probs, err := Parse("t.json", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`t.json: list["1.1.1.1"]: comment must be a string, not a number; ignored`,
		`t.json: list["10.0.0/8"]: invalid CIDR "10.0.0/8": IPv4 address too short`,
	}
	if got := errStrings(probs); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var got []string
	for _, e := range l.Entries {
		got = append(got, e.Value+"="+e.Comment)
	}
	if want := []string{"1.1.1.1=", "8.8.8.8=Google", "9.9.9.9="}; !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

func TestParseMaxProblems(t *testing.T) {
	list := make([]any, 1500)
	for i := range list {
		list[i] = i
	}
	list = append(list, "192.0.2.1")
	l, probs, err := Parse("t.json", doc(map[string]any{"type": "cidr", "list": list}))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != MaxProblems+1 || probs[MaxProblems].Error() != "t.json: 500 more problems not shown" {
		t.Errorf("%d problems, last %v", len(probs), probs[len(probs)-1])
	}
	if len(l.Entries) != 1 {
		t.Errorf("%d entries", len(l.Entries))
	}
}

func TestGoRegex(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"^foo$", "^foo$", ""},
		{"/^foo$/", "^foo$", ""},
		{"/^foo$/i", "(?i:^foo$)", ""},
		{"#a/b#ms", "(?ms:a/b)", ""},
		{"~x~A", `\A(?:x)`, ""},
		{"/x/iig", "(?i:x)", ""},
		{"/x/Du", "x", ""},
		{"/x/U", "(?U:x)", ""},
		{"/x", "/x", ""},       // no closing delimiter: a Go pattern
		{"/x/ 1", "/x/ 1", ""}, // not followed by modifiers only
		{"(a|b)", "(a|b)", ""}, // ( is not a delimiter here
		{"/x/e", "", "unknown PCRE modifier 'e'"},
	}
	for _, tc := range tests {
		got, err := goRegex(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("goRegex(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("goRegex(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string]Kind{"ip": KindIP, "IPv4": KindIP, "ipv6-addr": KindIP, "cidr6": KindCIDR,
		"domain-name": KindDomain, " SHA256 ": KindSHA256, "text": KindString, "email-addr": KindEmail} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseKind("ip-dst"); err == nil || !strings.HasPrefix(err.Error(), `unknown indicator kind "ip-dst" (one of ip, cidr, domain,`) {
		t.Errorf("err = %v", err)
	}
}

func TestMISPTypeKinds(t *testing.T) {
	for typ, want := range map[string][]Kind{
		"ip-dst|port":     {KindIP, KindCIDR},
		"domain|ip":       {KindIP, KindCIDR, KindDomain},
		"filename|sha256": {KindSHA256, KindFilename},
		"email-src":       {KindEmail},
	} {
		if got, ok := MISPTypeKinds(typ); !ok || !slices.Equal(got, want) {
			t.Errorf("MISPTypeKinds(%q) = %v, %v; want %v", typ, got, ok, want)
		}
	}
	if got, ok := MISPTypeKinds("phone-number"); ok || got != nil {
		t.Errorf("phone-number: %v, %v", got, ok)
	}
}

func ExampleParse() {
	data := []byte(`{
  "name": "Resolvers", "description": "Known resolvers", "version": 3, "type": "cidr",
  "matching_attributes": ["ip-src", "ip-dst"],
  "list": ["8.8.8.8", "10.0.0/8", "2001:4860:4860::/48"]
}`)
	l, problems, err := Parse("resolvers.json", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Name, len(l.Entries), l.Kinds())
	for _, p := range problems {
		fmt.Println(p)
	}
	// Output:
	// Resolvers 2 [ip cidr]
	// resolvers.json: list[1]: invalid CIDR "10.0.0/8": IPv4 address too short
}

func TestNeedsLower(t *testing.T) {
	for c := 0; c < 256; c++ {
		for n := 1; n <= 17; n++ {
			for pos := 0; pos < n; pos++ {
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				want := c >= 0x80 || c >= 'A' && c <= 'Z'
				if got := needsLower(string(b)); got != want {
					t.Fatalf("needsLower(%q) = %v", b, got)
				}
			}
		}
	}
	if needsLower("") {
		t.Error("empty string")
	}
}
