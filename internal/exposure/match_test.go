package exposure_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/cpe"
	"sakimori/internal/exposure"
	"sakimori/internal/registry"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

// reg is a registered computer for the table: its CPE (or vendor and
// product) and installed version, optionally with components.
type reg struct {
	vendor, product, installed, cpe string
	components                      []registry.Component
	excluded, retired               bool
}

func (r reg) computer(id string) *registry.Computer {
	c := &registry.Computer{ID: id, OrgID: "org-" + id, Version: 1, Ref: id, Name: id, Function: registry.FunctionVPN,
		Vendor: r.vendor, Product: r.product, ProductVersion: r.installed, CPE: r.cpe, Site: "s", Business: "b", Equipment: "e",
		Components: r.components, Excluded: r.excluded, Retired: r.retired}
	c.Normalize()
	return c
}

func affected(cpeName string, ranges ...version.Range) vuln.Affected {
	return vuln.Affected{CPE: cpeName, Ranges: ranges}
}

// TestMatchRealProducts matches real CVE ranges against real registered
// versions in each vendor's scheme: the affected set must be exactly right
// on both sides of every bound.
func TestMatchRealProducts(t *testing.T) {
	fortios := affected("cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", // CVE-2024-21762
		version.Range{StartIncluding: "7.4.0", EndExcluding: "7.4.3"}, version.Range{StartIncluding: "7.2.0", EndExcluding: "7.2.7"},
		version.Range{StartIncluding: "7.0.0", EndExcluding: "7.0.14"}, version.Range{StartIncluding: "6.4.0", EndExcluding: "6.4.15"},
		version.Range{StartIncluding: "6.0.0", EndIncluding: "6.0.18"})
	ivanti := affected("cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", // CVE-2025-0282
		version.Range{StartIncluding: "22.7R2", EndExcluding: "22.7R2.5"})
	iosxe := affected("cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*", // CVE-2023-20198 (fixed in 17.9.4a)
		version.Range{StartIncluding: "17.9.1", EndExcluding: "17.9.4a"})
	ios := affected("cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*", version.Range{StartIncluding: "15.2(4)M1", EndIncluding: "15.2(4)M10"})
	panos := affected("cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*", // CVE-2024-3400
		version.Range{StartIncluding: "10.2.0", EndExcluding: "10.2.9-h1"}, version.Range{StartIncluding: "11.1.0", EndExcluding: "11.1.2-h3"})
	windows := affected("cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:*:*", // a 2024 cumulative update
		version.Range{EndExcluding: "10.0.17763.5458"})
	openssl := affected("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", version.Range{StartIncluding: "3.0.0", EndExcluding: "3.0.8"})
	exact := affected("cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*")
	wild := affected("cpe:2.3:o:fortinet:fortios:7.2.*:*:*:*:*:*:*:*")
	x64 := affected("cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:x64:*", version.Range{EndExcluding: "10.0.17763.5458"})

	cases := []struct {
		name string
		aff  vuln.Affected
		reg  reg
		want bool
		rng  string // the evidence's range when matched
	}{
		{"fortios in range", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.4", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, true, ">= 7.2.0, < 7.2.7"},
		{"fortios fixed release", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.7", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, false, ""},
		{"fortios lower bound", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.4.0", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, true, ">= 7.4.0, < 7.4.3"},
		{"fortios with build number", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "v7.0.13 build0566", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, true, ">= 7.0.0, < 7.0.14"},
		{"fortios inclusive end", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "6.0.18", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, true, ">= 6.0.0, <= 6.0.18"},
		{"fortios 6.2 branch not listed", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "6.2.16", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, false, ""},
		{"fortios from vendor and product only", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.0.1"}, true, ">= 7.0.0, < 7.0.14"},
		{"fortios exact CPE version", exact, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.4", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, true, "= 7.2.4"},
		{"fortios exact CPE other version", exact, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.5", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, false, ""},
		{"fortios CPE wildcard version", wild, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.9", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, true, "~ 7.2.*"},
		{"fortios CPE wildcard other branch", wild, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.4.1", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"}, false, ""},
		{"ivanti CPE with release in update", ivanti, reg{cpe: "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*", vendor: "Ivanti", product: "Connect Secure"}, true, ">= 22.7R2, < 22.7R2.5"},
		{"ivanti typed version", ivanti, reg{vendor: "Ivanti", product: "Connect Secure", installed: "22.7R2.4", cpe: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}, true, ">= 22.7R2, < 22.7R2.5"},
		{"ivanti fixed", ivanti, reg{vendor: "Ivanti", product: "Connect Secure", installed: "22.7R2.5", cpe: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}, false, ""},
		{"ivanti older release line", ivanti, reg{vendor: "Ivanti", product: "Connect Secure", installed: "22.7R1.2", cpe: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}, false, ""},
		{"ivanti 9.x not in range", ivanti, reg{vendor: "Ivanti", product: "Connect Secure", installed: "9.1R18.2", cpe: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}, false, ""},
		{"ios xe vulnerable", iosxe, reg{vendor: "Cisco", product: "IOS XE", installed: "17.9.4", cpe: "cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*"}, true, ">= 17.9.1, < 17.9.4a"},
		{"ios xe fixed letter release", iosxe, reg{vendor: "Cisco", product: "IOS XE", installed: "17.9.4a", cpe: "cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*"}, false, ""},
		{"ios xe later train", iosxe, reg{vendor: "Cisco", product: "IOS XE", installed: "17.12.1", cpe: "cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*"}, false, ""},
		{"ios train M10 inclusive", ios, reg{vendor: "Cisco", product: "IOS", installed: "15.2(4)M10", cpe: "cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*"}, true, ">= 15.2(4)M1, <= 15.2(4)M10"},
		{"ios train M11 fixed", ios, reg{vendor: "Cisco", product: "IOS", installed: "15.2(4)M11", cpe: "cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*"}, false, ""},
		{"ios CPE version escaped", ios, reg{cpe: `cpe:2.3:o:cisco:ios:15.2\(4\)m5:*:*:*:*:*:*:*`, vendor: "Cisco", product: "IOS"}, true, ">= 15.2(4)M1, <= 15.2(4)M10"},
		{"pan-os before hotfix", panos, reg{vendor: "Palo Alto Networks", product: "PAN-OS", installed: "10.2.9", cpe: "cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*"}, true, ">= 10.2.0, < 10.2.9-h1"},
		{"pan-os hotfix fixed", panos, reg{vendor: "Palo Alto Networks", product: "PAN-OS", installed: "10.2.9-h1", cpe: "cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*"}, false, ""},
		{"pan-os CPE with hotfix update", panos, reg{cpe: "cpe:2.3:o:paloaltonetworks:pan-os:11.1.2:h1:*:*:*:*:*:*", vendor: "Palo Alto Networks", product: "PAN-OS"}, true, ">= 11.1.0, < 11.1.2-h3"},
		{"windows build before the update", windows, reg{vendor: "Microsoft", product: "Windows Server 2019", installed: "10.0.17763.5329", cpe: "cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:*:*"}, true, "< 10.0.17763.5458"},
		{"windows patched build", windows, reg{vendor: "Microsoft", product: "Windows Server 2019", installed: "10.0.17763.5458", cpe: "cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:*:*"}, false, ""},
		{"windows x64 platform vs ANY registration", x64, reg{vendor: "Microsoft", product: "Windows Server 2019", installed: "10.0.17763.100", cpe: "cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:*:*"}, true, "< 10.0.17763.5458"},
		{"windows x64 platform vs arm64 registration", x64, reg{vendor: "Microsoft", product: "Windows Server 2019", installed: "10.0.17763.100", cpe: "cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:arm64:*"}, false, ""},
		{"component from an SBOM", openssl, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.4.4", cpe: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
			components: []registry.Component{{Name: "openssl", Version: "3.0.7", CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"}}}, true, ">= 3.0.0, < 3.0.8"},
		{"component patched", openssl, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.4.4",
			components: []registry.Component{{Name: "openssl", Version: "3.0.8", CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"}}}, false, ""},
		{"other vendor same product name", fortios, reg{vendor: "Acme", product: "FortiOS", installed: "7.2.4"}, false, ""},
		{"excluded computer", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.4", excluded: true}, false, ""},
		{"retired computer", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.4", retired: true}, false, ""},
		{"unparseable installed version", fortios, reg{vendor: "Fortinet", product: "FortiOS", installed: "unknown"}, false, ""},
		{"every version", affected("cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"), reg{vendor: "Fortinet", product: "FortiOS", installed: "unknown"}, true, "any"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ix := exposure.NewIndex()
			ix.Add(c.reg.computer("c1"))
			ix.Add(reg{vendor: "Other", product: "Thing", installed: "1.0"}.computer("c2"))
			v := &vuln.Vulnerability{ID: "CVE-2024-0001", Version: 3, Affected: []vuln.Affected{c.aff}}
			got := ix.Match(v)
			if (len(got) == 1) != c.want || len(got) > 1 {
				t.Fatalf("Match = %+v, want matched=%v", got, c.want)
			}
			if !c.want {
				return
			}
			e := got[0]
			if e.ComputerID != "c1" || e.OrgID != "org-c1" || e.VulnID != v.ID || e.VulnVersion != 3 || e.ComputerVersion != 1 {
				t.Fatalf("exposure %+v", e)
			}
			if e.Evidence.Range != c.rng || e.Evidence.VulnCPE != c.aff.CPE || e.Evidence.Installed == "" || !strings.HasPrefix(e.Evidence.ComputerCPE, "cpe:2.3:") {
				t.Fatalf("evidence %+v, want range %q", e.Evidence, c.rng)
			}
		})
	}
}

// TestMatchOncePerComputer: a computer matched by two affected entries (its
// own CPE and a component) is one exposure, with the first entry as the
// evidence; MatchComputer agrees with the index.
func TestMatchOncePerComputer(t *testing.T) {
	c := reg{vendor: "Fortinet", product: "FortiOS", installed: "7.2.4",
		components: []registry.Component{{Name: "openssl", Version: "3.0.7", CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"}}}.computer("c1")
	v := vuln.Vulnerability{ID: "CVE-2024-0002", Affected: []vuln.Affected{
		affected("cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"), affected("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*")}}
	ix := exposure.NewIndex()
	ix.Add(c)
	got := ix.Match(&v)
	if len(got) != 1 || got[0].Evidence.AffectedIndex != 0 {
		t.Fatalf("Match = %+v", got)
	}
	if mc := exposure.MatchComputer(c, []vuln.Vulnerability{v}); len(mc) != 1 || mc[0].ComputerID != "c1" {
		t.Fatalf("MatchComputer = %+v", mc)
	}
	if ix.Len() != 1 {
		t.Fatalf("Len = %d", ix.Len())
	}
}

// TestSortedMatchAgreesWithScan: the index's binary search over versions
// finds exactly the computers a plain scan with Range.Contains finds, on
// the benchmark's realistic registry (seven vendor schemes, components)
// and vulnerabilities.
func TestSortedMatchAgreesWithScan(t *testing.T) {
	cat := bench.MatchCatalogue()
	const nc, nv = 3000, 3000
	cs := make([]registry.Computer, nc)
	ix := exposure.NewIndex()
	for i := range cs {
		cs[i] = bench.MatchComputer(cat, i)
		cs[i].ID, cs[i].OrgID, cs[i].Version = fmt.Sprint("c", i), "o", 1
		cs[i].Normalize()
		ix.Add(&cs[i])
	}
	type ident struct{ id, key, installed string }
	var idents []ident
	for ci := range cs {
		for k, n := range cs[ci].Identities() {
			installed := cs[ci].ProductVersion
			if k > 0 {
				installed = cs[ci].Components[k-1].Version
			}
			idents = append(idents, ident{cs[ci].ID, n.VendorProduct(), installed})
		}
	}
	total := 0
	for i := range nv {
		v := bench.MatchVuln(cat, i)
		v.Normalize()
		got := map[string]bool{}
		for _, e := range ix.Match(&v) {
			got[e.ComputerID] = true
		}
		want := map[string]bool{}
		a := v.Affected[0]
		p := cpe.MustParse(a.CPE)
		key := p.VendorProduct()
		for _, id := range idents {
			if id.key != key {
				continue
			}
			for _, r := range a.Ranges {
				r.Scheme = version.SchemeFor(a.Vendor)
				pv, err := version.Parse(r.Scheme, id.installed)
				if err == nil && r.Contains(pv) {
					want[id.id] = true
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s %v: index %d computers, scan %d", v.ID, a.Ranges, len(got), len(want))
		}
		total += len(want)
	}
	if total < 100 {
		t.Fatalf("only %d exposures in the workload: the comparison proves little", total)
	}
}

// TestIndexUpdates: an index kept current with Update and Remove after
// Prepare matches exactly like one built from scratch from the final
// registry (random version changes, product changes, retirements, new and
// removed computers).
func TestIndexUpdates(t *testing.T) {
	cat := bench.MatchCatalogue()
	const nc = 2000
	cs := map[string]*registry.Computer{}
	live := exposure.NewIndex()
	for i := range nc {
		c := bench.MatchComputer(cat, i)
		c.ID, c.OrgID, c.Version = fmt.Sprint("c", i), "o", 1
		c.Normalize()
		cs[c.ID] = &c
		live.Add(&c)
	}
	live.Prepare()
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 3000 {
		id := fmt.Sprint("c", r.IntN(nc+200))
		switch k := r.IntN(10); {
		case k < 6: // a new version: another release, sometimes another product
			c := bench.MatchComputer(cat, nc+step)
			c.ID, c.OrgID, c.Version = id, "o", 2
			if r.IntN(3) == 0 {
				c.Retired = true
			}
			c.Normalize()
			cs[id] = &c
			live.Update(&c)
		case k < 8:
			delete(cs, id)
			live.Remove(id)
		default:
			if old, ok := cs[id]; ok {
				live.Update(old) // unchanged: no effect
			}
		}
	}
	fresh := exposure.NewIndex()
	n := 0
	for _, c := range cs {
		fresh.Add(c)
		if c.Matchable() {
			n++
		}
	}
	if live.Len() != n || fresh.Len() != n {
		t.Fatalf("Len: live %d, fresh %d, want %d", live.Len(), fresh.Len(), n)
	}
	total := 0
	for i := range 2000 {
		v := bench.MatchVuln(cat, i)
		v.Normalize()
		a, b := ids2(live.Match(&v)), ids2(fresh.Match(&v))
		if a != b {
			t.Fatalf("%s: updated index %s, fresh index %s", v.ID, a, b)
		}
		total += len(fresh.Match(&v))
	}
	if total < 50 {
		t.Fatalf("only %d exposures: the comparison proves little", total)
	}
}

// ids2 is the sorted computer ids and evidence ranges of exposures.
func ids2(es []vuln.Exposure) string {
	var out []string
	for _, e := range es {
		out = append(out, e.ComputerID+" "+e.Evidence.Range+" "+e.Evidence.Installed)
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}
