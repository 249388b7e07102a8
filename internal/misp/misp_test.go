package misp

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/stix"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var now = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// mustValid checks that a result's bundle parses and validates as STIX 2.1
// and that Objects and the bundle agree.
func mustValid(t *testing.T, r *Result, external ...string) *stix.Bundle {
	t.Helper()
	b, err := stix.ParseBundle(r.Bundle)
	if err != nil {
		t.Fatalf("bundle does not parse: %v\n%s", err, r.Bundle)
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("bundle does not validate: %v", err)
	}
	if len(b.Objects) != len(r.Objects) {
		t.Fatalf("bundle has %d objects, Objects %d", len(b.Objects), len(r.Objects))
	}
	for _, o := range b.Objects {
		if err := stix.Validate(o); err != nil {
			t.Fatalf("object %s: %v", o.ID, err)
		}
	}
	for _, d := range b.Dangling() {
		if slices.Contains(external, d.To) {
			continue
		}
		t.Errorf("dangling reference %s %s -> %s", d.From, d.Path, d.To)
	}
	return b
}

func importFile(t *testing.T, name string, opts Options) *Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	mustValid(t, r, opts.CreatedByRef)
	return r
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the conversion; run go test ./internal/misp/ -update and review the diff\ngot:\n%s", name, got)
	}
}

func pretty(t *testing.T, r *Result) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, r.Bundle, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n")
	return out.Bytes()
}

func problemsText(r *Result) []byte {
	var b bytes.Buffer
	for _, p := range r.Problems {
		b.WriteString(p.String())
		b.WriteString("\n")
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"vpn-campaign", "draft", "empty"} {
		t.Run(name, func(t *testing.T) {
			r := importFile(t, name+".json", Options{Now: now})
			golden(t, name+".stix.json", pretty(t, r))
			golden(t, name+".problems.txt", problemsText(r))
		})
	}
}

func objects(t *testing.T, r *Result) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, raw := range r.Objects {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out[m["id"].(string)] = m
	}
	return out
}

func TestVPNCampaign(t *testing.T) {
	r := importFile(t, "vpn-campaign.json", Options{Now: now})
	objs := objects(t, r)
	amber := marking.TLPAmber.StixID()
	red := marking.TLPRed.StixID()
	if r.TLP != marking.TLPAmber || r.PAP != marking.PAPGreen {
		t.Errorf("TLP %v PAP %v", r.TLP, r.PAP)
	}
	patterns := map[string]string{
		"indicator--0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f": `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.23']`,
		"indicator--1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a": `[network-traffic:src_ref.type = 'ipv6-addr' AND network-traffic:src_ref.value = '2001:db8::7']`,
		"indicator--2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b": `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.45' AND network-traffic:dst_port = 8443]`,
		"indicator--3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c": `[domain-name:value = 'update-check.example.net']`,
		"indicator--4a5b6c7d-8e9f-4a0b-9c2d-3e4f5a6b7c8d": `[domain-name:value = 'cdn.example.jp']`,
		"indicator--5b6c7d8e-9f0a-4b1c-8d3e-4f5a6b7c8d9e": `[domain-name:value = 'relay.example.org' AND domain-name:resolves_to_refs[*].value = '192.0.2.77']`,
		"indicator--6c7d8e9f-0a1b-4c2d-9e4f-5a6b7c8d9e0f": `[url:value = 'https://update-check.example.net/dl/it\'s\\payload.bin?id=7']`,
		"indicator--7d8e9f0a-1b2c-4d3e-8f5a-6b7c8d9e0f1a": `[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`,
		"indicator--8e9f0a1b-2c3d-4e4f-9a6b-7c8d9e0f1a2b": `[file:name = 'svc\'host.dll' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']`,
		"indicator--9f0a1b2c-3d4e-4f5a-8b7c-8d9e0f1a2b3c": `[email-message:from_ref.value = 'support@vendor-update.example']`,
		"indicator--28a9b0c1-d2e3-4f4a-9b5c-6d7e8f9a0b1c": `[file:name = 'C:\\Windows\\Temp\\cfg.exe' AND file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709' AND file:size = 48128]`,
		"indicator--7df4a5b6-c7d8-4e9f-8a0b-1c2d3e4f5a6b": `[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 4433]`,
		"indicator--f57c23d4-e5f6-4a7b-8c8d-9e0f1a2b3c4d": `[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '198.51.100.0/24']`,
	}
	for id, want := range patterns {
		o, ok := objs[id]
		if !ok {
			t.Errorf("%s missing", id)
			continue
		}
		if o["pattern"] != want {
			t.Errorf("%s pattern\n got %s\nwant %s", id, o["pattern"], want)
		}
	}
	ind := objs["indicator--0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"]
	if ind["valid_from"] != "2025-10-28T03:12:00.000Z" || ind["valid_until"] != "2025-11-03T22:40:00.000Z" {
		t.Errorf("valid_from/until from first_seen/last_seen: %v %v", ind["valid_from"], ind["valid_until"])
	}
	if ind["modified"] != "2025-11-04T00:00:00.000Z" || ind["created"] != "2025-11-04T00:00:00.000Z" {
		t.Errorf("attribute older than the event date: created %v modified %v", ind["created"], ind["modified"])
	}
	if ind["created_by_ref"] != "identity--5f0c2d1e-8a7b-4c6d-9e0f-1a2b3c4d5e6f" {
		t.Errorf("created_by_ref %v", ind["created_by_ref"])
	}
	if got := ind["object_marking_refs"].([]any); len(got) != 1 || got[0] != amber {
		t.Errorf("event TLP not applied: %v", got)
	}
	// The attribute's own tlp:red is stricter than the event's amber.
	if got := objs["indicator--1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"]["object_marking_refs"].([]any); got[0] != red {
		t.Errorf("stricter attribute TLP lost: %v", got)
	}
	// tlp:green on an object attribute does not loosen the event's amber.
	if got := objs["indicator--7df4a5b6-c7d8-4e9f-8a0b-1c2d3e4f5a6b"]["object_marking_refs"].([]any); got[0] != amber {
		t.Errorf("looser attribute TLP won: %v", got)
	}
	if y := objs["indicator--b12c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"]; y["pattern_type"] != "yara" {
		t.Errorf("yara rule: %v", y)
	}
	if _, ok := objs["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]; !ok {
		t.Error("TLP:RED marking definition not in the bundle")
	}
	rep := objs["report--b6f1e2a4-3c5d-4e8f-9a1b-2c3d4e5f6a7b"]
	if rep == nil {
		t.Fatal("published event is not a report")
	}
	if rep["published"] != "2025-11-05T01:00:00.000Z" {
		t.Errorf("published %v", rep["published"])
	}
	labels, _ := json.Marshal(rep["labels"])
	for _, l := range []string{"sector:electricity", "PAP:GREEN", `misp-galaxy:threat-actor=\"Hypothetical Panda\"`, "T1190"} {
		if !strings.Contains(string(labels), l) {
			t.Errorf("report labels %s lack %s", labels, l)
		}
	}
	if strings.Contains(string(labels), "tlp:") {
		t.Errorf("TLP tag kept as a label: %s", labels)
	}
	if v := objs["vulnerability--f56a7b8c-9d0e-4f1a-8b3c-4d5e6f7a8b9c"]; v == nil || v["name"] != "CVE-2025-21007" {
		t.Errorf("vulnerability: %v", v)
	}
	if _, ok := objs["observed-data--c23d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"]; !ok {
		t.Error("non-to_ids ip-dst is not observed-data")
	}
	if _, ok := objs["observed-data--a027d8e9-f0a1-4b2c-9d3e-4f5a6b7c8d9e"]; !ok {
		t.Error("domain-ip object without to_ids is not observed-data")
	}
	if _, ok := objs["note--d34e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a"]; !ok {
		t.Error("text attribute is not a note")
	}
	if _, ok := objs["note--e46b12c3-d4e5-4f6a-9b7c-8d9e0f1a2b3c"]; !ok {
		t.Error("text attribute of an unknown object is not a note")
	}
	if _, ok := objs["indicator--178c9d0e-1f2a-4b3c-8d5e-6f7a8b9c0d1e"]; ok || r.Deleted != 1 {
		t.Errorf("deleted attribute converted (Deleted=%d)", r.Deleted)
	}
	wantProblems := map[string]string{
		"Event.Attribute[10].value": "not an IP address",
		"Event.Attribute[16].type":  `type "github-username" has no STIX pattern mapping`,
	}
	for field, reason := range wantProblems {
		found := false
		for _, p := range r.Problems {
			if p.Field == field && strings.Contains(p.Reason, reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %s: %s in %v", field, reason, r.Problems)
		}
	}
	if len(r.Problems) != len(wantProblems) {
		t.Errorf("problems: %v", r.Problems)
	}
}

func TestDraftIsGrouping(t *testing.T) {
	r := importFile(t, "draft.json", Options{Now: now})
	objs := objects(t, r)
	g := objs["grouping--c8b1d2e3-4f5a-4b6c-9d7e-8f9a0b1c2d3e"]
	if g == nil || g["context"] != "suspicious-activity" {
		t.Fatalf("unpublished event: %v", g)
	}
	// tlp:clear and tlp:green on one event: the stricter wins.
	if r.TLP != marking.TLPGreen {
		t.Errorf("TLP %v", r.TLP)
	}
	want := map[string]bool{
		`[email-message:to_refs[*].value = 'billing@gas-operator.example']`:                                                    false,
		`[email-message:subject = 'Invoice \'Q4\' \\ overdue']`:                                                                false,
		`[url:value = 'http://login.gas-operator.example.invalid/owa/']`:                                                       false,
		`[file:hashes.SSDEEP = '96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO']`: false,
		`[email-addr:value = 'no-uuid@example.com']`:                                                                           false,
	}
	for _, o := range objs {
		if p, ok := o["pattern"].(string); ok {
			if _, known := want[p]; !known {
				t.Errorf("unexpected pattern %s", p)
			}
			want[p] = true
		}
	}
	for p, seen := range want {
		if !seen {
			t.Errorf("missing pattern %s", p)
		}
	}
	if r.Indicators != 5 {
		t.Errorf("Indicators = %d", r.Indicators)
	}
	fields := map[string]bool{}
	for _, p := range r.Problems {
		fields[p.Field] = true
	}
	for _, f := range []string{"Event.Attribute[2].timestamp", "Event.Attribute[5]"} {
		if !fields[f] {
			t.Errorf("no problem on %s: %v", f, r.Problems)
		}
	}
}

func TestEmptyEvent(t *testing.T) {
	r := importFile(t, "empty.json", Options{Now: now, DefaultTLP: marking.TLPGreen, CreatedByRef: "identity--0b9f1c9e-5b8a-4f39-9d51-2a6f4c1a7e10"})
	objs := objects(t, r)
	rep := objs["report--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"]
	if rep == nil || rep["name"] != "MISP event 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d" {
		t.Fatalf("report: %v", rep)
	}
	if rep["created_by_ref"] != "identity--0b9f1c9e-5b8a-4f39-9d51-2a6f4c1a7e10" {
		t.Errorf("Options.CreatedByRef not used: %v", rep["created_by_ref"])
	}
	if r.TLP != marking.TLPGreen || rep["object_marking_refs"].([]any)[0] != marking.TLPGreen.StixID() {
		t.Errorf("DefaultTLP not applied")
	}
	if r.Notes != 1 {
		t.Errorf("empty event should carry one note, got %d", r.Notes)
	}
}

// TestDeterministicAndVersioned: importing the same event twice gives the
// same bytes; changing an attribute (new timestamp) keeps its id and
// created and moves modified.
func TestDeterministicAndVersioned(t *testing.T) {
	data, _ := os.ReadFile("testdata/vpn-campaign.json")
	a, _ := Import(data, Options{Now: now})
	b, _ := Import(data, Options{Now: now.Add(time.Hour)})
	if !bytes.Equal(a.Bundle, b.Bundle) {
		t.Fatal("re-import is not byte-identical")
	}
	changed := bytes.Replace(data, []byte(`"timestamp": "1762218000", "value": "Update-Check.example.NET."`), []byte(`"timestamp": "1762400000", "value": "Update-Check.example.NET."`), 1)
	changed = bytes.Replace(changed, []byte(`"timestamp": "1762300800"`), []byte(`"timestamp": "1762400000"`), 1)
	if bytes.Equal(changed, data) {
		t.Fatal("test data changed; fix the replacement")
	}
	c, err := Import(changed, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mustValid(t, c)
	id := "indicator--3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b7c"
	old, nw := objects(t, a)[id], objects(t, c)[id]
	if old["created"] != nw["created"] {
		t.Errorf("created changed: %v -> %v", old["created"], nw["created"])
	}
	if nw["modified"] != "2025-11-06T03:33:20.000Z" || old["modified"] == nw["modified"] {
		t.Errorf("modified: %v -> %v", old["modified"], nw["modified"])
	}
	other := "indicator--0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
	if !equalJSON(objects(t, a)[other], objects(t, c)[other]) {
		t.Error("an unchanged attribute changed")
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestMapAttribute(t *testing.T) {
	tests := []struct {
		typ, value, want, err string
	}{
		{"ip-dst", " 192.0.2.1 ", `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.1']`, ""},
		{"ip-dst", "192.0.2.0/24", `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.0/24']`, ""},
		{"ip-src|port", "2001:db8::1|53", `[network-traffic:src_ref.type = 'ipv6-addr' AND network-traffic:src_ref.value = '2001:db8::1' AND network-traffic:src_port = 53]`, ""},
		{"ip-dst|port", "192.0.2.1|70000", "", "not a port number"},
		{"ip-dst|port", "192.0.2.1", "", "two parts"},
		{"hostname|ip", "a.example|192.0.2.9", `[domain-name:value = 'a.example' AND domain-name:resolves_to_refs[*].value = '192.0.2.9']`, ""},
		{"domain", "bad domain.example", "", "not allowed in domain names"},
		{"domain", "192.0.2.1", "", "an IP address"},
		{"url", "example.com/x", "", "not an absolute URL"},
		{"sha1", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", `[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']`, ""},
		{"sha512", "abc", "", "not a valid SHA-512 hash"},
		{"sha224", strings.Repeat("a", 56), `[file:hashes.'SHA-224' = '` + strings.Repeat("a", 56) + `']`, ""},
		{"sha384", strings.Repeat("b", 96), `[file:hashes.'SHA-384' = '` + strings.Repeat("b", 96) + `']`, ""},
		{"filename|sha256", `dir\it's.exe|` + strings.Repeat("c", 64), `[file:name = 'dir\\it\'s.exe' AND file:hashes.'SHA-256' = '` + strings.Repeat("c", 64) + `']`, ""},
		{"filename|sha256", "x.exe|short", "", "not a valid SHA-256"},
		{"filename|tlsh", "x|y", "", "unsupported type"},
		{"email", "Someone@EXAMPLE.com", `[email-addr:value = 'someone@example.com']`, ""},
		{"email-dst", "nobody", "", "no '@'"},
		{"mutex", `Global\x'y`, `[mutex:name = 'Global\\x\'y']`, ""},
		{"regkey", `HKLM\Software\Run`, `[windows-registry-key:key = 'HKLM\\Software\\Run']`, ""},
		{"AS", "AS64500", `[autonomous-system:number = 64500]`, ""},
		{"AS", "ASX", "", "autonomous system"},
		{"mac-address", "00-1A-2B-3C-4D-5E", `[mac-addr:value = '00:1a:2b:3c:4d:5e']`, ""},
		{"ssdeep", "3:abc", "", "SSDEEP"},
		{"uri", "/x", "", "unsupported type"},
		{"ip-dst", "", "", "empty value"},
	}
	for _, tc := range tests {
		m, err := mapAttribute(tc.typ, tc.value)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %q: error %v, want %q", tc.typ, tc.value, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.typ, tc.value, err)
			continue
		}
		if got := andPattern(m.cmps); got != tc.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tc.typ, tc.value, got, tc.want)
		}
	}
}

func TestParseEventErrors(t *testing.T) {
	for _, in := range []string{``, `[]`, `null`, `{"Event": 5}`, `{"Event": {}} x`, `"s"`} {
		if _, _, err := ParseEvent([]byte(in)); err == nil {
			t.Errorf("ParseEvent(%q) accepted", in)
		}
	}
	ev, probs, err := ParseEvent([]byte(`{"Event": {"uuid": 5, "timestamp": "x", "published": "maybe", "Attribute": {"a": 1}, "Tag": [1, {"name": "ok"}], "Orgc": []}}`))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	for _, p := range probs {
		fields[p.Field] = true
	}
	for _, f := range []string{"Event.timestamp", "Event.published", "Event.Attribute", "Event.Tag[0]", "Event.Orgc"} {
		if !fields[f] {
			t.Errorf("no problem for %s: %v", f, probs)
		}
	}
	if ev.UUID != "5" || len(ev.Tags) != 1 {
		t.Errorf("event %+v", ev)
	}
	r := Convert(ev, Options{Now: now})
	mustValid(t, r)
}

func TestManifest(t *testing.T) {
	data, _ := os.ReadFile("testdata/manifest.json")
	entries, probs, err := ParseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("entries: %+v", entries)
	}
	if entries[0].UUID != "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d" || entries[2].UUID != "c8b1d2e3-4f5a-4b6c-9d7e-8f9a0b1c2d3e" {
		t.Errorf("not sorted by timestamp: %v %v %v", entries[0].UUID, entries[1].UUID, entries[2].UUID)
	}
	e := entries[1]
	if e.Info == "" || e.Orgc.Name != "Energy-ISAC Japan" || e.ThreatLevelID != 1 || e.Analysis != 2 || len(e.Tags) != 1 ||
		!e.Date.Equal(time.Date(2025, 11, 4, 0, 0, 0, 0, time.UTC)) || e.Timestamp.Unix() != 1762300800 {
		t.Errorf("entry %+v", e)
	}
	if e.EventPath() != "b6f1e2a4-3c5d-4e8f-9a1b-2c3d4e5f6a7b.json" {
		t.Errorf("EventPath %s", e.EventPath())
	}
	if len(probs) != 2 {
		t.Errorf("problems %v", probs)
	}
	known := map[string]time.Time{
		"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d": time.Unix(1700000000, 0),
		"b6f1e2a4-3c5d-4e8f-9a1b-2c3d4e5f6a7b": time.Unix(1762000000, 0),
	}
	n := Newer(entries, known)
	if len(n) != 2 || n[0].UUID != "b6f1e2a4-3c5d-4e8f-9a1b-2c3d4e5f6a7b" {
		t.Errorf("Newer: %+v", n)
	}
	for _, in := range []string{`[]`, `x`, `null`} {
		if _, _, err := ParseManifest([]byte(in)); err == nil {
			t.Errorf("ParseManifest(%q) accepted", in)
		}
	}
}

func TestHashes(t *testing.T) {
	data, _ := os.ReadFile("testdata/hashes.csv")
	hs, probs := ParseHashes(data)
	if len(hs) != 3 || len(probs) != 1 || probs[0].Field != "hashes.csv:4" {
		t.Fatalf("hashes %v problems %v", hs, probs)
	}
	if hs[2].MD5 != "d41d8cd98f00b204e9800998ecf8427e" || hs[2].EventUUID != "c8b1d2e3-4f5a-4b6c-9d7e-8f9a0b1c2d3e" {
		t.Errorf("%+v", hs[2])
	}
}

func TestUUID5(t *testing.T) {
	// RFC 4122 appendix B style check against a value computed with
	// Python's uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com").
	if got := uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com"); got != "2ed6657d-e927-568b-95e1-2665a8aea6a2" {
		t.Errorf("uuid5 = %s", got)
	}
	if !stixUUID(uuid5(Namespace, "x")) {
		t.Error("uuid5 result is not a STIX UUID")
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, name := range []string{"vpn-campaign.json", "draft.json", "empty.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"Event":{"uuid":"b6f1e2a4-3c5d-4e8f-9a1b-2c3d4e5f6a7b","Attribute":[{"type":"url","to_ids":true,"value":"http://a.example/'\\"}]}}`))
	f.Add([]byte(`{"Event":{"Object":[{"name":"file","Attribute":[{"type":"filename","to_ids":1,"value":"x"}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Import(data, Options{Now: now})
		if err != nil {
			return
		}
		b, err := stix.ParseBundle(r.Bundle)
		if err != nil {
			t.Fatalf("bundle does not parse: %v", err)
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("bundle does not validate: %v\n%s", err, data)
		}
		for _, p := range r.Problems {
			if strings.Contains(p.Reason, "could not be converted to valid STIX") {
				t.Fatalf("converter produced invalid STIX: %v\n%q", p, data)
			}
		}
	})
}

func FuzzManifest(f *testing.F) {
	data, _ := os.ReadFile("testdata/manifest.json")
	f.Add(data)
	f.Add([]byte(`{"b6f1e2a4-3c5d-4e8f-9a1b-2c3d4e5f6a7b":{"timestamp":-1,"date":"2025-02-30","Tag":[{"name":7}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _, err := ParseManifest(data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if !looseUUID(e.UUID) {
				t.Fatalf("entry with bad uuid %q", e.UUID)
			}
		}
		ParseHashes(data)
	})
}
