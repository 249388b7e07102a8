package export

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"sakimori/internal/marking"
	"sakimori/internal/match"
)

// Suricata, Snort and Zeek are not packaged in Debian 12: their files are
// checked by these parsers of the syntax the writers rely on.

type ruleOpt struct{ name, val string }

type parsedRule struct {
	action, proto, src, sport, dir, dst, dport string
	opts                                       []ruleOpt
}

// parseRule parses one Suricata/Snort rule: a 7-word header and a
// parenthesised list of "name[:value];" options, where quoted values may
// contain ';' and ')' only escaped.
func parseRule(line string) (parsedRule, error) {
	var r parsedRule
	open := strings.IndexByte(line, '(')
	if open < 0 || !strings.HasSuffix(line, ")") {
		return r, fmt.Errorf("no option list")
	}
	h := strings.Fields(line[:open])
	if len(h) != 7 {
		return r, fmt.Errorf("header has %d words", len(h))
	}
	r.action, r.proto, r.src, r.sport, r.dir, r.dst, r.dport = h[0], h[1], h[2], h[3], h[4], h[5], h[6]
	if r.dir != "->" && r.dir != "<>" {
		return r, fmt.Errorf("bad direction %q", r.dir)
	}
	body := line[open+1 : len(line)-1]
	for len(strings.TrimSpace(body)) > 0 {
		body = strings.TrimLeft(body, " ")
		// find the terminating ';' outside quotes
		inQ, end := false, -1
		for i := 0; i < len(body); i++ {
			switch c := body[i]; {
			case c == '\\':
				i++
			case c == '"':
				inQ = !inQ
			case c == ';' && !inQ:
				end = i
			case (c == '(' || c == ')') && !inQ:
				return r, fmt.Errorf("unbalanced parenthesis in options")
			}
			if end >= 0 {
				break
			}
		}
		if end < 0 {
			return r, fmt.Errorf("option without ';': %q", body)
		}
		name, val, _ := strings.Cut(body[:end], ":")
		r.opts = append(r.opts, ruleOpt{strings.TrimSpace(name), val})
		body = body[end+1:]
	}
	return r, nil
}

func (r parsedRule) get(name string) []string {
	var out []string
	for _, o := range r.opts {
		if o.name == name {
			out = append(out, o.val)
		}
	}
	return out
}

// quoted returns the text of a "..." value (and what follows it), refusing
// unescaped quotes and semicolons inside.
func quoted(v string) (string, string, error) {
	if !strings.HasPrefix(v, `"`) {
		return "", "", fmt.Errorf("not quoted: %s", v)
	}
	end := strings.IndexByte(v[1:], '"')
	if end < 0 {
		return "", "", fmt.Errorf("unterminated: %s", v)
	}
	s := v[1 : end+1]
	if strings.ContainsAny(s, `;\`) {
		return "", "", fmt.Errorf("unescaped ; or \\ in %q", s)
	}
	return s, v[end+2:], nil
}

// decodeContent turns a content string with |hex| runs into bytes.
func decodeContent(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '|')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i+1:], '|')
		if j < 0 {
			return "", fmt.Errorf("unbalanced |")
		}
		raw, err := hex.DecodeString(strings.ReplaceAll(s[i+1:i+1+j], " ", ""))
		if err != nil {
			return "", err
		}
		b.Write(raw)
		s = s[i+j+2:]
	}
}

// checkRules parses every rule of a rules file and returns the values they
// match, per kind (decoded back from header or content).
func checkRules(t testing.TB, text []byte, snort bool) map[string]bool {
	t.Helper()
	sids := map[string]bool{}
	values := map[string]bool{}
	for n, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseRule(line)
		if err != nil {
			t.Fatalf("line %d: %v: %s", n+1, err, line)
		}
		msgs := r.get("msg")
		if len(msgs) != 1 {
			t.Fatalf("line %d: %d msg", n+1, len(msgs))
		}
		if _, rest, err := quoted(msgs[0]); err != nil || rest != "" {
			t.Fatalf("line %d: msg: %v %q", n+1, err, rest)
		}
		sid := r.get("sid")
		if len(sid) != 1 || len(r.get("rev")) != 1 {
			t.Fatalf("line %d: sid/rev missing", n+1)
		}
		if sids[sid[0]] {
			t.Fatalf("line %d: duplicate sid %s", n+1, sid[0])
		}
		sids[sid[0]] = true
		if s, err := strconv.Atoi(sid[0]); err != nil || s < DefaultSIDBase || s >= DefaultSIDBase+SIDRange {
			t.Fatalf("line %d: sid %s out of range", n+1, sid[0])
		}
		var contents []string
		for _, c := range r.get("content") {
			s, rest, err := quoted(c)
			if err != nil {
				t.Fatalf("line %d: content: %v", n+1, err)
			}
			if snort != (rest != "") {
				t.Fatalf("line %d: content modifiers %q", n+1, rest)
			}
			d, err := decodeContent(s)
			if err != nil {
				t.Fatalf("line %d: content %q: %v", n+1, s, err)
			}
			contents = append(contents, d)
		}
		switch {
		case r.proto == "ip":
			v := strings.TrimSuffix(strings.TrimPrefix(r.src, "["), "]")
			if _, err := netip.ParsePrefix(v); err != nil {
				if _, err := netip.ParseAddr(v); err != nil {
					t.Fatalf("line %d: bad address %q", n+1, v)
				}
			}
			values[v] = true
		case len(r.get("dns.query")) == 1 || len(r.get("tls.sni")) == 1 || r.proto == "http" && len(contents) == 1 && !snort:
			values[strings.TrimPrefix(contents[0], ".")] = true
		case snort && r.proto == "udp":
			var labels []string
			for d := contents[0]; len(d) > 1; {
				l := int(d[0])
				labels = append(labels, d[1:1+l])
				d = d[1+l:]
			}
			values[strings.Join(labels, ".")] = true
		case r.proto == "http" && len(contents) == 1:
			values[contents[0]] = true
		case r.proto == "http" && len(contents) == 2:
			values["http://"+contents[0]+contents[1]] = true
		default:
			t.Fatalf("line %d: unexpected rule shape", n+1)
		}
	}
	return values
}

func TestRulesSyntax(t *testing.T) {
	for _, f := range []Format{FormatSuricata, FormatSnort} {
		b, st := render(t, f, fixture(), opts())
		vals := checkRules(t, b, f == FormatSnort)
		for _, want := range []string{"1.2.3.4", "2001:db8::1", "10.0.0.0/8", "2001:db8:100::/48", "xn--r8jz45g.example", "evil.example"} {
			if !vals[want] {
				t.Errorf("%s: no rule for %s (%v)", f, want, vals)
			}
		}
		if f == FormatSuricata && !vals[`http://evil.example/a?b="c";d\e|f`] {
			t.Errorf("suricata: URL with quotes not round-tripped: %v", vals)
		}
		if st.Written == 0 {
			t.Error("nothing written")
		}
	}
}

func TestParseRuleRejects(t *testing.T) {
	for _, line := range []string{
		`alert ip [1.2.3.4] any <> $HOME_NET any (msg:"x"; sid:1; rev:1;`,
		`alert ip [1.2.3.4] any <> $HOME_NET any (msg:"x"; sid:1 rev:1)`,
		`alert ip [1.2.3.4] any => $HOME_NET any (msg:"x"; sid:1; rev:1;)`,
		`alert ip any <> $HOME_NET any (msg:"x"; sid:1; rev:1;)`,
	} {
		if _, err := parseRule(line); err == nil {
			t.Errorf("accepted %s", line)
		}
	}
	if _, _, err := quoted(`"a;b"`); err == nil {
		t.Error("quoted accepted ;")
	}
}

// FuzzWrite writes one fuzzed value of each kind (with a fuzzed name) and
// checks that each text format parses back to exactly the value written,
// or that the value was skipped.
func FuzzWrite(f *testing.F) {
	for _, in := range fixture() {
		f.Add(uint8(in.Kind), in.Value, in.Name)
	}
	f.Add(uint8(match.KindURL), "http://a.example/\"; sid:1; )", "x\ty\nz")
	f.Add(uint8(match.KindDomain), "#a.example", "=cmd|' /C calc'!A0")
	f.Fuzz(func(t *testing.T, kb uint8, value, name string) {
		k := match.Kind(kb%11 + 1)
		in := match.Indicator{Kind: k, Value: value, Name: name, ID: idA, TLP: marking.TLPAmber, Confidence: -1}
		e, ok := canonical(in)
		inds := []match.Indicator{in}
		for _, fm := range []Format{FormatTXT, FormatCSV, FormatZeek, FormatRPZ, FormatSuricata, FormatSnort, FormatHosts} {
			var buf bytes.Buffer
			st, err := Write(&buf, fm, inds, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Written+st.Skipped != 1 {
				t.Fatalf("%s: stats %+v", fm, st)
			}
			if !ok && st.Written != 0 {
				t.Fatalf("%s: wrote invalid value %q", fm, value)
			}
			got := readBack(t, fm, buf.Bytes())
			if st.Written == 0 {
				if len(got) != 0 {
					t.Fatalf("%s: skipped but emitted %q", fm, got)
				}
				continue
			}
			want := e.Value
			switch {
			case fm == FormatZeek && k == match.KindURL:
				want = want[strings.Index(want, "://")+3:]
			case fm == FormatRPZ && e.prefix.IsValid():
				want = e.prefix.String()
			}
			if fm == FormatCSV {
				if len(got) != 2 || got[0] != want || got[1] != name {
					t.Fatalf("csv: got %q, want %q %q", got, want, name)
				}
				continue
			}
			if len(got) != 1 || got[0] != want {
				t.Fatalf("%s: got %q, want %q", fm, got, want)
			}
		}
	})
}

// readBack parses a single-indicator file of a text format back into its
// value(s) (CSV: value and name).
func readBack(t *testing.T, f Format, b []byte) []string {
	var out []string
	switch f {
	case FormatTXT, FormatHosts:
		for _, l := range strings.Split(string(b), "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			if f == FormatHosts {
				l = strings.TrimPrefix(l, "0.0.0.0 ")
			}
			out = append(out, l)
		}
	case FormatCSV:
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v", err)
		}
		if len(rows) < 1 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
			t.Fatalf("csv header %q", rows)
		}
		for _, r := range rows[1:] {
			if len(r) != len(csvHeader) {
				t.Fatalf("csv row %q", r)
			}
			out = append(out, r[1], r[3])
		}
	case FormatZeek:
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if strings.HasPrefix(l, "#") {
				continue
			}
			fs := strings.Split(l, "\t")
			if len(fs) != 5 {
				t.Fatalf("zeek: %d fields in %q", len(fs), l)
			}
			for _, x := range fs {
				if x == "" || strings.TrimSpace(x) != x {
					t.Fatalf("zeek: bad field %q", x)
				}
			}
			out = append(out, fs[0])
		}
	case FormatRPZ:
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if l == "" || l[0] == ';' || l[0] == '$' || l[0] == '@' {
				continue
			}
			owner, ok := strings.CutSuffix(l, " CNAME .")
			if !ok || strings.ContainsAny(owner, " \t;()\"\\") {
				t.Fatalf("rpz: bad line %q", l)
			}
			if strings.HasPrefix(owner, "*.") {
				continue
			}
			if ip, ok := strings.CutSuffix(owner, ".rpz-ip"); ok {
				owner = unRPZ(t, ip)
			}
			out = append(out, owner)
		}
	case FormatSuricata, FormatSnort:
		for v := range checkRules(t, b, f == FormatSnort) {
			out = append(out, v)
		}
	}
	return out
}

// unRPZ turns an rpz-ip trigger back into a prefix.
func unRPZ(t *testing.T, s string) string {
	parts := strings.Split(s, ".")
	bits := parts[0]
	var addr []string
	for i := len(parts) - 1; i >= 1; i-- {
		addr = append(addr, parts[i])
	}
	var a string
	if len(addr) == 4 && !strings.Contains(s, "zz") && len(parts) == 5 {
		a = strings.Join(addr, ".")
	} else {
		a = strings.Replace(strings.Join(addr, ":"), "zz", "", 1)
		a = strings.ReplaceAll(a, ":::", "::")
		if strings.HasPrefix(a, ":") && !strings.HasPrefix(a, "::") {
			a = ":" + a
		}
		if strings.HasSuffix(a, ":") && !strings.HasSuffix(a, "::") {
			a += ":"
		}
	}
	p, err := netip.ParsePrefix(a + "/" + bits)
	if err != nil {
		t.Fatalf("rpz-ip %q: %v", s, err)
	}
	return p.String()
}
