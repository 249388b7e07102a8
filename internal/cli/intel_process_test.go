package cli_test

import (
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
