package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
)

// The demo's threat picture (fictional): a campaign exploiting an SSL-VPN
// appliance of Kasumi Networks against electricity and telecom operators,
// shared by the National Cybersecurity Office through a public advisory
// collection, the council of the Active Cyber Defense law (AMBER and RED)
// and the energy ISAC, with sightings by operators and two indicators that
// hit the demo's warninglists.

type groupSpec struct {
	slug   string
	kind   marking.GroupKind
	ja, en string
	owner  string
	orgs   []string
}

var demoGroups = []groupSpec{
	{"acd-council", marking.GroupCouncil, "サイバー対処能力強化法 協議会", "Active Cyber Defense Council", "nco",
		[]string{"nco", "meti", "npa", "toto-electric", "hokusei-telecom", "towa-mirai-bank", "kasumi-networks"}},
	{"energy-isac-members", marking.GroupISAC, "日本エネルギーISAC 会員", "Japan Energy ISAC members", "energy-isac",
		[]string{"energy-isac", "toto-electric", "wangan-gas", "meti"}},
}

type collSpec struct {
	alias, ja, en, desc string
	owner               string
	tlp                 marking.TLP
	write               share.WritePolicy
	groups              []string
}

var demoCollections = []collSpec{
	{"nco-advisories", "NCO 公開注意喚起", "NCO public advisories", "Advisories for everyone (TLP:CLEAR).", "nco", marking.TLPClear, share.WriteOwner, nil},
	{"community", "官民共有 (コミュニティ)", "Community exchange", "Indicators any member may share with the whole community (TLP:GREEN).", "nco", marking.TLPGreen, share.WriteMembers, nil},
	{"council-amber", "協議会 AMBER", "Council AMBER", "Shared with the council's members under TLP:AMBER.", "nco", marking.TLPAmber, share.WriteAudience, []string{"acd-council"}},
	{"council-red", "協議会 RED", "Council RED", "Named recipients only (TLP:RED).", "nco", marking.TLPRed, share.WriteOwner, []string{"acd-council"}},
	{"energy-isac", "エネルギーISAC", "Energy ISAC", "The energy ISAC's exchange (TLP:AMBER).", "energy-isac", marking.TLPAmber, share.WriteAudience, []string{"energy-isac-members"}},
}

// demoWarninglists are small MISP-format lists written for the demo.
var demoWarninglists = map[string]string{
	"demo-public-dns.json": `{"name": "Demo: public DNS resolvers", "version": 1, "type": "string",
		"description": "Well-known public DNS resolver addresses: blocking them breaks name resolution.",
		"matching_attributes": ["ip-src", "ip-dst", "domain|ip"], "list": ["8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9"]}`,
	"demo-rfc1918.json": `{"name": "Demo: RFC 1918 private networks", "version": 1, "type": "cidr",
		"description": "Private address space: never an attacker's server on the Internet.",
		"matching_attributes": ["ip-src", "ip-dst"], "list": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}`,
}

// demoObject is one STIX object to ingest, as JSON, into a collection as
// an organisation.
type demoObject struct {
	coll, owner string
	json        string
}

func ind(n int, created, modified, name, pattern string, confidence int, extra string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--6b1c0e4a-%04d-4d2e-9c1a-5a7d3f2e%04d",`+
		`"created":"%s","modified":"%s","name":%q,"indicator_types":["malicious-activity"],"pattern":%q,"pattern_type":"stix",`+
		`"valid_from":"%s","confidence":%d%s}`, n, n, created, modified, name, pattern, created, confidence, extra)
}

const (
	t0 = "2026-11-02T01:00:00.000Z"
	t1 = "2026-11-09T03:30:00.000Z"
	t2 = "2026-11-20T08:15:00.000Z"
)

var (
	malwareID  = "malware--2f6d3a1e-7b44-4c1d-8e2a-9b0c5d6e7f01"
	campaignID = "campaign--8a4e2c1b-3d5f-4e6a-9b7c-0d1e2f3a4b02"
	vulnID     = "vulnerability--c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e03"
	coaID      = "course-of-action--d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f04"
)

var demoObjects = []demoObject{
	// The public advisory (CLEAR): vulnerability, mitigation, report.
	{"nco-advisories", "nco", `{"type":"vulnerability","spec_version":"2.1","id":"` + vulnID + `","created":"` + t0 + `","modified":"` + t0 + `",` +
		`"name":"CVE-2026-41234","description":"Kasumi Networks KSG SSL-VPN: authentication bypass in the web portal (fictional).",` +
		`"external_references":[{"source_name":"cve","external_id":"CVE-2026-41234"}]}`},
	{"nco-advisories", "nco", `{"type":"course-of-action","spec_version":"2.1","id":"` + coaID + `","created":"` + t0 + `","modified":"` + t0 + `",` +
		`"name":"KSG ファームウェア 9.4.2 への更新 / Update KSG firmware to 9.4.2","description":"Apply the vendor fix and rotate VPN credentials."}`},
	{"nco-advisories", "nco", `{"type":"relationship","spec_version":"2.1","id":"relationship--e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a05","created":"` + t0 + `","modified":"` + t0 + `",` +
		`"relationship_type":"mitigates","source_ref":"` + coaID + `","target_ref":"` + vulnID + `"}`},
	{"nco-advisories", "nco", `{"type":"report","spec_version":"2.1","id":"report--f6a7b8c9-d0e1-4f2a-9b3c-4d5e6f7a8b06","created":"` + t0 + `","modified":"` + t0 + `",` +
		`"name":"注意喚起: SSL-VPN装置の脆弱性を悪用する攻撃 / Advisory: attacks exploiting an SSL-VPN appliance","published":"` + t0 + `",` +
		`"report_types":["vulnerability","threat-report"],"object_refs":["` + vulnID + `","` + coaID + `"]}`},
	// The community (GREEN): a scanner address, and a preliminary C2 later confirmed.
	{"community", "hokusei-telecom", ind(1, t0, t0, "KSG portal scanner", "[ipv4-addr:value = '203.0.113.45']", 40, ``)},
	{"community", "toto-electric", ind(2, t0, t0, "C2 of KasumiGate loader (preliminary)", "[ipv4-addr:value = '198.51.100.23']", 15,
		`,"description":"速報: 確度低 / Preliminary: low confidence"`)},
	{"community", "toto-electric", ind(2, t0, t1, "C2 of KasumiGate loader", "[ipv4-addr:value = '198.51.100.23']", 85,
		`,"description":"確認済み: 確度高 / Confirmed by two operators: high confidence"`)},
	// Two that hit warninglists: a public resolver and a private address.
	{"community", "wangan-gas", ind(3, t1, t1, "Suspicious DNS traffic", "[ipv4-addr:value = '8.8.8.8']", 30, ``)},
	{"community", "wangan-gas", ind(4, t1, t1, "Lateral movement source", "[ipv4-addr:value = '10.20.30.40']", 30, ``)},
	// The council (AMBER): campaign, malware, domain and hash indicators.
	{"council-amber", "nco", `{"type":"campaign","spec_version":"2.1","id":"` + campaignID + `","created":"` + t0 + `","modified":"` + t1 + `",` +
		`"name":"Operation Kasumi Gate","description":"Exploitation of KSG SSL-VPN appliances at electricity and telecom operators (fictional).","first_seen":"2026-10-28T00:00:00Z","confidence":70}`},
	{"council-amber", "nco", `{"type":"malware","spec_version":"2.1","id":"` + malwareID + `","created":"` + t0 + `","modified":"` + t0 + `",` +
		`"name":"KasumiGate loader","is_family":true,"malware_types":["backdoor","remote-access-trojan"]}`},
	{"council-amber", "nco", ind(5, t1, t1, "KasumiGate C2 domain", "[domain-name:value = 'update-check.ksg-support.example']", 80, ``)},
	{"council-amber", "nco", ind(6, t1, t1, "KasumiGate loader (SHA-256)", "[file:hashes.'SHA-256' = '4bf5f6e0a2b1c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c']", 90, ``)},
	{"council-amber", "nco", ind(7, t1, t1, "Staging URL", "[url:value = 'https://cdn.ksg-support.example/fw/patch.bin']", 70, ``)},
	{"council-amber", "nco", `{"type":"relationship","spec_version":"2.1","id":"relationship--a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c07","created":"` + t1 + `","modified":"` + t1 + `",` +
		`"relationship_type":"uses","source_ref":"` + campaignID + `","target_ref":"` + malwareID + `"}`},
	// A wrong indicator, revoked.
	{"council-amber", "nco", ind(8, t1, t1, "Mistyped C2 address", "[ipv4-addr:value = '198.51.100.32']", 50, ``)},
	{"council-amber", "nco", ind(8, t1, t2, "Mistyped C2 address", "[ipv4-addr:value = '198.51.100.32']", 50, `,"revoked":true`)},
	// RED: the attacker's management server, named recipients only.
	{"council-red", "nco", ind(9, t2, t2, "Operator console of the attack infrastructure", "[ipv4-addr:value = '192.0.2.77'] AND [network-traffic:dst_port = 8443]", 75,
		`,"description":"TLP:RED — 取扱注意 / handle with care"`)},
	// The energy ISAC (AMBER).
	{"energy-isac", "energy-isac", ind(10, t1, t1, "Phishing sender impersonating a grid operator", "[email-addr:value = 'notice@grid-operations.example']", 60, ``)},
}

type sightingSpec struct {
	indicator   int
	org         string
	count       int
	anonymous   bool
	falsePos    bool
	first, last string
	note        string
}

var demoSightings = []sightingSpec{
	{2, "toto-electric", 14, false, false, "2026-11-03T02:00:00Z", "2026-11-08T22:10:00Z", "VPN装置のログで検知 / seen in VPN appliance logs"},
	{2, "hokusei-telecom", 3, true, false, "2026-11-05T11:00:00Z", "2026-11-06T09:00:00Z", ""},
	{1, "towa-mirai-bank", 120, false, false, "2026-11-02T00:00:00Z", "2026-11-10T00:00:00Z", "scanning only"},
	{3, "toto-electric", 1, false, true, "2026-11-10T00:00:00Z", "2026-11-10T00:00:00Z", "Google Public DNS: not malicious"},
}

// IntelResult counts what SeedIntel did.
type IntelResult struct {
	Collections, Groups, Objects, Sightings, Warninglists int
}

func (r IntelResult) String() string {
	return fmt.Sprintf("%d collections, %d sharing groups, %d STIX objects (new versions), %d sightings, %d warninglists",
		r.Collections, r.Groups, r.Objects, r.Sightings, r.Warninglists)
}

// SeedIntel adds the demo's sharing groups, collections, warninglists,
// STIX objects and sightings; it is idempotent (objects have fixed ids and
// versions, so a re-run stores nothing twice).
func SeedIntel(ctx context.Context, svc *intel.Service) (IntelResult, error) {
	var res IntelResult
	db := svc.DB
	orgs := map[string]*org.Organisation{}
	as := func(slug string) (*auth.Principal, error) {
		if o, ok := orgs[slug]; ok {
			return &auth.Principal{System: Actor, Org: o}, nil
		}
		o, err := db.GetOrg(ctx, slug)
		if err != nil {
			return nil, fmt.Errorf("demo: organisation %s: %w", slug, err)
		}
		orgs[slug] = o
		return &auth.Principal{System: Actor, Org: o}, nil
	}
	// Warninglists first, so that ingest flags the false positives.
	have, err := db.ListWarninglists(ctx)
	if err != nil {
		return res, err
	}
	if err := svc.LoadWarninglists(ctx); err != nil {
		return res, err
	}
	loaded := map[string]bool{}
	for _, l := range have {
		loaded[l.Name] = true
	}
	for file, body := range demoWarninglists {
		name := "Demo: public DNS resolvers"
		if strings.Contains(file, "rfc1918") {
			name = "Demo: RFC 1918 private networks"
		}
		if loaded[name] {
			continue
		}
		if _, err := svc.PutWarninglist(ctx, auth.System(Actor), file, []byte(body)); err != nil {
			return res, fmt.Errorf("demo: warninglist %s: %w", file, err)
		}
		res.Warninglists++
	}
	groupIDs := map[string]string{}
	for _, g := range demoGroups {
		if ex, err := db.GetGroup(ctx, g.slug); err == nil {
			groupIDs[g.slug] = ex.ID
			continue
		} else if apperr.CodeOf(err) != apperr.CodeNotFound {
			return res, err
		}
		p, err := as(g.owner)
		if err != nil {
			return res, err
		}
		grp := &share.Group{Group: marking.Group{Kind: g.kind, Name: org.Names{JA: g.ja, EN: g.en}}, Slug: g.slug, OwnerOrgID: p.Org.ID}
		for _, slug := range g.orgs {
			m, err := as(slug)
			if err != nil {
				return res, err
			}
			grp.OrgIDs = append(grp.OrgIDs, m.Org.ID)
		}
		if err := svc.CreateGroup(ctx, p, grp); err != nil {
			return res, fmt.Errorf("demo: group %s: %w", g.slug, err)
		}
		groupIDs[g.slug] = grp.ID
		res.Groups++
	}
	for _, c := range demoCollections {
		if _, err := db.GetCollection(ctx, c.alias); err == nil {
			continue
		} else if apperr.CodeOf(err) != apperr.CodeNotFound {
			return res, err
		}
		p, err := as(c.owner)
		if err != nil {
			return res, err
		}
		col := &share.Collection{Alias: c.alias, Title: org.Names{JA: c.ja, EN: c.en}, Description: c.desc, OwnerOrgID: p.Org.ID,
			TLP: c.tlp, WritePolicy: c.write}
		for _, g := range c.groups {
			col.Audience.Groups = append(col.Audience.Groups, groupIDs[g])
		}
		if err := svc.CreateCollection(ctx, p, col); err != nil {
			return res, fmt.Errorf("demo: collection %s: %w", c.alias, err)
		}
		res.Collections++
	}
	for _, o := range demoObjects {
		p, err := as(o.owner)
		if err != nil {
			return res, err
		}
		objs, err := intel.ParseObjects([]byte(o.json))
		if err != nil {
			return res, fmt.Errorf("demo: object: %w", err)
		}
		j, err := svc.Ingest(ctx, p, o.coll, objs, intel.IngestOptions{Source: "demo"})
		if err != nil {
			return res, fmt.Errorf("demo: ingest into %s: %w", o.coll, err)
		}
		if j.Rejected > 0 {
			return res, fmt.Errorf("demo: object rejected: %s", j.Failures[0].Message)
		}
		res.Objects += j.Accepted + j.Updated
	}
	for _, s := range demoSightings {
		id := fmt.Sprintf("indicator--6b1c0e4a-%04d-4d2e-9c1a-5a7d3f2e%04d", s.indicator, s.indicator)
		p, err := as(s.org)
		if err != nil {
			return res, err
		}
		existing, err := db.ListSightings(ctx, id)
		if err != nil {
			return res, err
		}
		dup := false
		for _, e := range existing {
			if e.ReporterOrgID == p.Org.ID && e.FalsePositive == s.falsePos {
				dup = true
			}
		}
		if dup {
			continue
		}
		first, _ := time.Parse(time.RFC3339, s.first)
		last, _ := time.Parse(time.RFC3339, s.last)
		sg := &share.Sighting{StixID: id, Count: s.count, Anonymous: s.anonymous, FalsePositive: s.falsePos, FirstSeen: first, LastSeen: last, Note: s.note}
		if err := svc.AddSighting(ctx, p, sg); err != nil {
			return res, fmt.Errorf("demo: sighting of %s: %w", id, err)
		}
		res.Sightings++
	}
	return res, nil
}
