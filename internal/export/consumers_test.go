package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/match"
	"sakimori/internal/misp"
	"sakimori/internal/stix"
	"sakimori/internal/stix/pattern"
)

// tool returns the path of a consumer binary; without it the test is
// skipped, except under CI=true where .ci/run installs it.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true (.ci/run installs it)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	t.Logf("%s %s:\n%s", filepath.Base(name), strings.Join(args, " "), out)
	return string(out), err
}

// inNetns runs a shell script in a new, empty network namespace, so that
// loading sets touches nothing on the machine. It needs root (or user
// namespaces); without them the load part is skipped, not faked.
func inNetns(t *testing.T, script string, args ...string) string {
	t.Helper()
	unshare := tool(t, "unshare")
	if err := exec.Command(unshare, "-n", "true").Run(); err != nil {
		if os.Getenv("CI") == "true" && os.Geteuid() == 0 {
			t.Fatalf("unshare -n failed as root: %v", err)
		}
		t.Skipf("cannot create a network namespace (unshare -n: %v): load check skipped", err)
	}
	out, err := run(t, unshare, append([]string{"-n", "sh", "-c", script, "sh"}, args...)...)
	if err != nil {
		t.Fatalf("load failed: %v", err)
	}
	return out
}

func TestConsumerNFT(t *testing.T) {
	nft := tool(t, "nft")
	for _, in := range [][]match.Indicator{fixture(), nil} {
		b, _ := render(t, FormatNFT, in, opts())
		f := writeTemp(t, "x.nft", b)
		if _, err := run(t, nft, "-c", "-f", f); err != nil {
			t.Fatalf("nft -c -f refused the file: %v", err)
		}
		// Load it twice (the second load replaces the contents) in a
		// private network namespace and read the sets back.
		out := inNetns(t, `nft -f "$1" && nft -f "$1" && nft list table inet sakimori`, f)
		if in == nil {
			continue
		}
		for _, want := range []string{"1.2.3.4", "5.6.7.8", "10.0.0.0/8", "192.0.2.0/24", "2001:db8::1,", "2001:db8::1:0:0:2", "2001:db8:100::/48"} {
			if !strings.Contains(out, want) {
				t.Errorf("loaded sets lack %s", want)
			}
		}
		if strings.Contains(out, "10.1.0.0/16") || strings.Contains(out, "10.1.2.3") {
			t.Error("covered elements should have been collapsed")
		}
	}
}

func TestConsumerIPSet(t *testing.T) {
	tool(t, "ipset")
	b, _ := render(t, FormatIPSet, fixture(), opts())
	f := writeTemp(t, "x.ipset", b)
	out := inNetns(t, `ipset restore -! < "$1" && ipset restore -! < "$1" && ipset save`, f)
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "add ") {
			got = append(got, l)
		}
	}
	var want []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "add ") {
			want = append(want, strings.TrimSuffix(l, " -exist"))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ipset save after restore:\n%v\nwant\n%v", got, want)
	}
}

func TestConsumerRPZ(t *testing.T) {
	checkzone := tool(t, "named-checkzone")
	b, _ := render(t, FormatRPZ, fixture(), opts())
	f := writeTemp(t, "x.zone", b)
	out, err := run(t, checkzone, DefaultZone, f)
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("named-checkzone refused the zone: %v", err)
	}
	o := opts()
	o.Zone = "block.example.org"
	b, _ = render(t, FormatRPZ, nil, o)
	if out, err := run(t, checkzone, "block.example.org", writeTemp(t, "empty.zone", b)); err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("named-checkzone refused the empty zone: %v", err)
	}
}

func TestConsumerUnbound(t *testing.T) {
	checkconf := tool(t, "unbound-checkconf")
	b, _ := render(t, FormatRPZ, fixture(), opts())
	dir := t.TempDir()
	zone := filepath.Join(dir, "x.zone")
	os.WriteFile(zone, b, 0o644)
	conf := func(zonefile string) string {
		c := fmt.Sprintf("server:\n  module-config: \"respip validator iterator\"\n  chroot: \"\"\n  username: \"\"\n  directory: %q\n  pidfile: \"\"\nrpz:\n  name: %s\n  zonefile: %q\n", dir, DefaultZone, zonefile)
		p := filepath.Join(dir, "unbound.conf")
		os.WriteFile(p, []byte(c), 0o644)
		return p
	}
	if _, err := run(t, checkconf, conf(zone)); err != nil {
		t.Fatalf("unbound-checkconf refused the RPZ zone: %v", err)
	}
	// unbound-checkconf does parse the zone file: a broken one fails.
	bad := filepath.Join(dir, "bad.zone")
	os.WriteFile(bad, []byte("garbage line\n"), 0o644)
	if _, err := run(t, checkconf, conf(bad)); err == nil {
		t.Fatal("unbound-checkconf accepted a broken zone: the check above proves nothing")
	}
}

func TestSTIXValid(t *testing.T) {
	b, st := render(t, FormatSTIX, fixture(), opts())
	bundle, err := stix.ParseBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := bundle.Validate(); err != nil {
		t.Fatalf("bundle invalid: %v", err)
	}
	if d := bundle.Dangling(); len(d) > 0 {
		t.Errorf("dangling refs: %v", d)
	}
	// Every written value comes back as an atom of its indicator.
	got := map[string]bool{}
	for _, o := range bundle.Objects {
		if o.Type != "indicator" {
			continue
		}
		p, err := o.Pattern()
		if err != nil {
			t.Fatalf("%s: %v", o.ID, err)
		}
		for _, a := range p.Atoms().Atoms {
			got[o.ID+" "+string(a.Kind)+" "+a.Value] = true
		}
	}
	want := 0
	for _, in := range fixture() {
		e, ok := canonical(in)
		if !ok {
			continue
		}
		want++
		if !got[in.ID+" "+in.Kind.String()+" "+e.Value] {
			t.Errorf("atom %s %s %s missing", in.ID, in.Kind, e.Value)
		}
	}
	if st.Written != want {
		t.Errorf("written %d, want %d", st.Written, want)
	}
	_ = pattern.KindIPv4
}

func TestMISPFeedParses(t *testing.T) {
	files, st, err := MISPFeed(fixture(), opts())
	if err != nil {
		t.Fatal(err)
	}
	entries, probs, err := misp.ParseManifest(files["manifest.json"])
	if err != nil || len(probs) > 0 {
		t.Fatalf("manifest: %v %v", err, probs)
	}
	if len(entries) != 5 { // clear, green, amber, amber+strict, red
		t.Errorf("%d events, want 5", len(entries))
	}
	hashes, probs := misp.ParseHashes(files["hashes.csv"])
	if len(probs) > 0 {
		t.Fatalf("hashes.csv: %v", probs)
	}
	attrs := 0
	for _, e := range entries {
		raw, ok := files[e.EventPath()]
		if !ok {
			t.Fatalf("no %s", e.EventPath())
		}
		ev, probs, err := misp.ParseEvent(raw)
		if err != nil || len(probs) > 0 {
			t.Fatalf("%s: %v %v", e.EventPath(), err, probs)
		}
		var doc struct {
			Event struct {
				Attribute []struct{ Value string }
			}
		}
		json.Unmarshal(raw, &doc)
		attrs += len(doc.Event.Attribute)
		_ = ev
	}
	if attrs != len(hashes) || st.Written != len(fixture())-2 {
		t.Errorf("attributes %d, hashes %d, written %d", attrs, len(hashes), st.Written)
	}
	// Stable uuids across runs.
	again, _, _ := MISPFeed(fixture(), opts())
	if !bytes.Equal(again["manifest.json"], files["manifest.json"]) {
		t.Error("manifest not stable")
	}
}
