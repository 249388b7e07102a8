package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntelImportSearchBlocklist: an IOC list imported with the CLI is
// found by search and exported in the block list; bad flags are named.
func TestIntelImportSearchBlocklist(t *testing.T) {
	data := t.TempDir()
	cmd := func(args ...string) []string { return append(args, "--data", data) }
	must(t, "", cmd("migrate")...)
	must(t, "", cmd("admin", "org", "create", "--slug", "toto", "--kind", "operator", "--sector", "electricity",
		"--name-ja", "東都電力", "--name-en", "Toto", "--contact-name", "CSIRT", "--contact-email", "csirt@toto.example")...)
	must(t, "", cmd("intel", "collection", "create", "--org", "toto", "--alias", "toto-iocs", "--tlp", "amber", "--title-en", "Toto IOCs")...)
	list := filepath.Join(data, "iocs.txt")
	os.WriteFile(list, []byte("# campaign\n192.0.2.5\nevil.example\nhxxp://bad[.]example/a\nnot an ioc at all\n"), 0o600)

	r := must(t, "", cmd("intel", "import", "--org", "toto", "--collection", "toto-iocs", "--format", "iocs", "--confidence", "確度:高", list)...)
	if !strings.Contains(r.stdout, "3 accepted, 0 updated, 0 duplicates, 0 rejected") || !strings.Contains(r.stdout, "line 5") ||
		!strings.Contains(r.stderr, "3/3") {
		t.Errorf("import: %v", r)
	}
	r = must(t, "", cmd("intel", "search", "--org", "toto", "192.0.2.5")...)
	if !strings.Contains(r.stdout, "TLP:AMBER") || !strings.Contains(r.stdout, "1 result(s)") {
		t.Errorf("search: %v", r)
	}
	r = must(t, "", cmd("intel", "export", "blocklist", "--org", "toto", "--kind", "ipv4,domain")...)
	if !strings.HasPrefix(r.stdout, "# sakimori block list for toto\n") || !strings.Contains(r.stdout, "\n192.0.2.5\n") ||
		!strings.Contains(r.stdout, "\nevil.example\n") || strings.Contains(r.stdout, "bad.example") {
		t.Errorf("blocklist: %v", r)
	}
	// STIX spellings of kinds, in any case, select the same values (as over the API).
	if r2 := must(t, "", cmd("intel", "export", "blocklist", "--org", "toto", "--kind", "IPv4-addr,domain-name")...); r2.stdout[strings.Index(r2.stdout, "values;"):] != r.stdout[strings.Index(r.stdout, "values;"):] {
		t.Errorf("blocklist with STIX kinds: %v, want the values of %v", r2, r)
	}
	// Another organisation sees nothing of toto's AMBER collection.
	must(t, "", cmd("admin", "org", "create", "--slug", "other", "--kind", "vendor",
		"--name-ja", "他社", "--name-en", "Other", "--contact-name", "PSIRT", "--contact-email", "psirt@other.example")...)
	r = must(t, "", cmd("intel", "search", "--org", "other", "192.0.2.5")...)
	if !strings.Contains(r.stdout, "0 result(s)") {
		t.Errorf("other org's search: %v", r)
	}
	r = must(t, "", cmd("intel", "export", "blocklist", "--org", "other")...)
	if strings.Contains(r.stdout, "192.0.2.5") {
		t.Errorf("other org's blocklist: %v", r)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"intel", "import", "--collection", "toto-iocs", list}, 2, "--org: required"},
		{[]string{"intel", "import", "--org", "nope", "--collection", "toto-iocs", list}, 2, "--org: no organisation"},
		{[]string{"intel", "import", "--org", "toto", list}, 2, "--collection: required"},
		{[]string{"intel", "import", "--org", "toto", "--collection", "toto-iocs", "--format", "csv", list}, 2, "--format"},
		{[]string{"intel", "import", "--org", "toto", "--collection", "toto-iocs", "--format", "iocs", "--confidence", "super", list}, 2, "--confidence"},
		{[]string{"intel", "import", "--org", "toto", "--collection", "toto-iocs", "--format", "iocs", "--tlp", "purple", list}, 2, "--tlp"},
		{[]string{"intel", "collection", "create", "--org", "toto", "--alias", "B A", "--tlp", "green", "--title-en", "x"}, 2, "--alias"},
		{[]string{"intel", "search", "--org", "toto", "--limit", "0"}, 2, "--limit"},
		{[]string{"intel", "export", "blocklist", "--org", "toto", "--format", "csv"}, 2, "--format"},
	} {
		r := run(t, "", cmd(tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: want exit %d and %q: %v", tc.args, tc.code, tc.want, r)
		}
	}
	if r := must(t, "", "intel", "import", "--help"); !strings.Contains(r.stdout, "--collection") {
		t.Errorf("help: %v", r)
	}
}

// TestIntelRevokeDeleteOverride: revoke and delete by the owning
// organisation only, overrides added and withdrawn, bad values named.
func TestIntelRevokeDeleteOverride(t *testing.T) {
	data := t.TempDir()
	cmd := func(args ...string) []string { return append(args, "--data", data) }
	must(t, "", cmd("migrate")...)
	for _, o := range [][]string{{"toto", "operator", "--sector", "electricity"}, {"other", "vendor"}} {
		must(t, "", cmd(append([]string{"admin", "org", "create", "--slug", o[0], "--kind", o[1]}, append(o[2:],
			"--name-ja", o[0]+"社", "--name-en", o[0], "--contact-name", "CSIRT", "--contact-email", "csirt@"+o[0]+".example")...)...)...)
	}
	must(t, "", cmd("intel", "collection", "create", "--org", "toto", "--alias", "toto-green", "--tlp", "green", "--title-en", "Toto")...)
	id := "indicator--00000001-0000-4000-8000-000000000000"
	version := func(min int) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-11-01T00:00:00.000Z",`+
			`"modified":"2026-11-01T00:%02d:00.000Z","name":"C2","pattern":"[ipv4-addr:value = '192.0.2.7']","pattern_type":"stix",`+
			`"valid_from":"2026-11-01T00:00:00Z"}`, id, min)
	}
	bundle := filepath.Join(data, "b.json")
	os.WriteFile(bundle, []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`+version(0)+","+version(5)+`]}`), 0o600)
	must(t, "", cmd("intel", "import", "--org", "toto", "--collection", "toto-green", "--quiet", bundle)...)
	wl := filepath.Join(data, "wl.json")
	os.WriteFile(wl, []byte(`{"name":"Docs","version":1,"description":"d","type":"cidr","matching_attributes":["ip-dst"],"list":["192.0.2.0/24"]}`), 0o600)
	must(t, "", cmd("intel", "warninglist", "load", "--org", "toto", wl)...)

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"intel", "revoke", "--org", "toto", id}, 2, "--reason: required"},
		{[]string{"intel", "revoke", "--org", "toto", "--reason", "no", id}, 2, "--reason"},
		{[]string{"intel", "revoke", "--org", "other", "--reason", "not mine", id}, 1, "only the organisation that owns"},
		{[]string{"intel", "revoke", "--org", "toto", "--reason", "no such", "indicator--00000009-0000-4000-8000-000000000000"}, 1, "not found"},
		{[]string{"intel", "override", "add", "--org", "toto", id}, 2, "--reason: required"},
		{[]string{"intel", "override", "add", "--org", "toto", "--reason", "x", id}, 2, "--reason"},
		{[]string{"intel", "override", "withdraw", "--org", "toto", id}, 1, "not found"},
		{[]string{"intel", "delete", "--org", "toto", id}, 2, "--collection: required"},
		{[]string{"intel", "delete", "--org", "toto", "--collection", "toto-green", "--version", "yesterday", id}, 2, "--version"},
		{[]string{"intel", "delete", "--org", "toto", "--collection", "nowhere", id}, 1, "--collection"},
		{[]string{"intel", "delete", "--org", "other", "--collection", "toto-green", id}, 1, ""},
	} {
		r := run(t, "", cmd(tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: want exit %d and %q: %v", tc.args, tc.code, tc.want, r)
		}
	}

	r := must(t, "", cmd("intel", "override", "add", "--org", "toto", "--reason", "our own C2 sinkhole", id)...)
	if !strings.Contains(r.stdout, "override recorded for "+id) {
		t.Errorf("override add: %v", r)
	}
	if r := must(t, "", cmd("intel", "show", "--org", "toto", id)...); !strings.Contains(r.stdout, "override: our own C2 sinkhole") {
		t.Errorf("show after override: %v", r)
	}
	must(t, "", cmd("intel", "override", "withdraw", "--org", "toto", id)...)
	if r := must(t, "", cmd("intel", "show", "--org", "toto", id)...); strings.Contains(r.stdout, "override:") {
		t.Errorf("show after withdraw: %v", r)
	}

	r = must(t, "", cmd("intel", "revoke", "--org", "toto", "--reason", "sinkholed by the police", id)...)
	if !strings.Contains(r.stdout, "revoked "+id) {
		t.Errorf("revoke: %v", r)
	}
	if r := must(t, "", cmd("intel", "show", "--org", "other", id)...); !strings.Contains(r.stdout, "revoked: true") {
		t.Errorf("show after revoke: %v", r)
	}
	r = must(t, "", cmd("intel", "delete", "--org", "toto", "--collection", "toto-green", "--version", "2026-11-01T00:00:00Z", id)...)
	if !strings.Contains(r.stdout, "1 version(s) deleted") {
		t.Errorf("delete one version: %v", r)
	}
	r = must(t, "", cmd("intel", "delete", "--org", "toto", "--collection", "toto-green", "--json", id)...)
	if !strings.Contains(r.stdout, `"deleted_at"`) || strings.Count(r.stdout, `"deleted_at"`) != 2 || strings.Contains(r.stdout, `"seq"`) {
		t.Errorf("delete the rest: %v", r)
	}
	if r := run(t, "", cmd("intel", "show", "--org", "toto", id)...); r.code != 1 {
		t.Errorf("show after delete: %v", r)
	}
	r = must(t, "", cmd("audit", "list")...)
	for _, a := range []string{"intel.revoke", "intel.delete", "warninglist.override"} {
		if !strings.Contains(r.stdout, a) {
			t.Errorf("audit lacks %s", a)
		}
	}
}
