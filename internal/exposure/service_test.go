package exposure_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/exposure"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/registry"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

func computer(ref, vendor, product, ver, cpeName string) *registry.Computer {
	return &registry.Computer{Ref: ref, Name: ref + " appliance", Function: registry.FunctionVPN, Vendor: vendor, Product: product,
		ProductVersion: ver, CPE: cpeName, Site: "Tokyo DC", InternetFacing: true, Business: "electricity supply", Equipment: "remote access gateway"}
}

func fortios() *vuln.Vulnerability {
	return &vuln.Vulnerability{ID: "CVE-2024-21762", Title: "FortiOS out-of-bounds write in sslvpnd", TLP: marking.TLPClear,
		CVSS: &vuln.CVSS{Version: "3.1", Score: 9.6}, Exploited: true,
		Affected: []vuln.Affected{{Vendor: "Fortinet", Product: "FortiOS", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Ranges: []version.Range{
			{StartIncluding: "7.4.0", EndExcluding: "7.4.3"}, {StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, {StartIncluding: "7.0.0", EndExcluding: "7.0.14"}}}},
		Fixes: []vuln.Remedy{{Text: "Upgrade to 7.4.3, 7.2.7 or 7.0.14"}}}
}

func ids(es []vuln.Exposure) map[string]vuln.ExposureState {
	m := map[string]vuln.ExposureState{}
	for _, e := range es {
		m[e.ComputerID] = e.State
	}
	return m
}

func TestRegistryMatchingAndNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		s := exposure.New(db, inteltest.Quiet)
		opA, opB, nco, ven := w.P("op-a-analyst"), w.P("op-b-analyst"), w.P("nco-analyst"), w.P("ven-admin")

		// Registrations: op-a runs a vulnerable FortiGate and an Ivanti
		// gateway (CPE with the release in the update attribute); op-b a
		// FortiGate already on a fixed version.
		fgA := computer("FG-01", "Fortinet", "FortiOS", "7.2.4", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*")
		if r, err := s.Notify(ctx, opA, fgA); err != nil || !r.Changed || fgA.Version != 1 {
			t.Fatalf("notify: %+v %v", r, err)
		}
		ivA := computer("ICS-01", "Ivanti", "Connect Secure", "", "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*")
		if _, err := s.Notify(ctx, opA, ivA); err != nil {
			t.Fatal(err)
		}
		fgB := computer("FG-B", "Fortinet", "FortiOS", "7.4.5", "")
		if _, err := s.Notify(ctx, opB, fgB); err != nil {
			t.Fatal(err)
		}
		// Notifying the same facts again is not a new version.
		same := computer("FG-01", "Fortinet", "FortiOS", "7.2.4", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*")
		if r, err := s.Notify(ctx, opA, same); err != nil || r.Changed || same.Version != 1 || same.ID != fgA.ID {
			t.Fatalf("unchanged notify: %+v %v", r, err)
		}
		// Only the operator notifies its computers; bad input names the field.
		if _, err := s.Notify(ctx, opB, &registry.Computer{OrgID: w.Orgs["op-a"].ID}); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("op-b notifying for op-a: %v", err)
		}
		bad := computer("X", "Fortinet", "FortiOS", "7.2.4", "cpe:2.3:o:fortinet")
		if _, err := s.Notify(ctx, opA, bad); apperr.CodeOf(err) != apperr.CodeInvalid || apperr.As(err).Field != "cpe" {
			t.Fatalf("bad cpe: %v", err)
		}

		// The government records the vulnerability: op-a's FortiGate is
		// exposed at once, op-b's is not, and only op-a is told.
		res, err := s.PutVuln(ctx, nco, fortios())
		if err != nil || !res.Changed || res.Match == nil || len(res.Match.New) != 1 || res.Match.New[0].ComputerID != fgA.ID {
			t.Fatalf("put vuln: %+v %v", res, err)
		}
		ev := res.Match.New[0].Evidence
		if ev.Installed != "7.2.4" || ev.Range != ">= 7.2.0, < 7.2.7" || ev.Scheme != "fortinet" {
			t.Fatalf("evidence %+v", ev)
		}
		if len(res.Match.Notices) != 1 || res.Match.Notices[0].OrgID != w.Orgs["op-a"].ID || !strings.Contains(res.Match.Notices[0].Body, "7.2.4") {
			t.Fatalf("notices %+v", res.Match.Notices)
		}
		// Bilingual: every label in Japanese and English.
		for _, want := range []string{"導入版 / installed 7.2.4", "影響範囲 / affected >= 7.2.0, < 7.2.7", "悪用が確認されています / Known to be exploited",
			"CVSS 3.1 9.6 (緊急 / critical)", "修正 / Fix: Upgrade"} {
			if !strings.Contains(res.Match.Notices[0].Body, want) {
				t.Errorf("notice body lacks %q:\n%s", want, res.Match.Notices[0].Body)
			}
		}
		if !strings.Contains(res.Match.Notices[0].Title, "重要電子計算機 1 台が影響 / 1 of your critical computers affected") {
			t.Errorf("notice title %q", res.Match.Notices[0].Title)
		}
		if ns, _ := s.Notices(ctx, opB, ""); len(ns) != 0 {
			t.Fatalf("op-b got notices %+v", ns)
		}
		if _, err := s.PutVuln(ctx, opA, fortios()); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("operator recording a vulnerability: %v", err)
		}

		// op-b downgrades: it becomes exposed and is told; op-a upgrades:
		// its exposure is resolved.
		fgB2 := computer("FG-B", "Fortinet", "FortiOS", "7.4.2", "")
		fgB2.ChangeNote = "rolled back after a failed upgrade"
		r, err := s.Notify(ctx, opB, fgB2)
		if err != nil || r.Match == nil || len(r.Match.New) != 1 || len(r.Match.Notices) != 1 || fgB2.Version != 2 {
			t.Fatalf("downgrade: %+v %v", r, err)
		}
		fgA2 := computer("FG-01", "Fortinet", "FortiOS", "7.2.7", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*")
		if r, err := s.Notify(ctx, opA, fgA2); err != nil || r.Match == nil || r.Match.Resolved != 1 {
			t.Fatalf("upgrade: %+v %v", r, err)
		}
		es, err := s.Exposures(ctx, opA, store.ExposureQuery{}, false)
		if err != nil || ids(es)[fgA.ID] != vuln.ExposureResolved {
			t.Fatalf("op-a exposures: %+v %v", es, err)
		}
		hist, err := s.Notifications(ctx, opB, fgB.ID)
		if err != nil || len(hist) != 2 || hist[0].Computer.ProductVersion != "7.4.2" || hist[1].Computer.ProductVersion != "7.4.5" || hist[0].ChangeNote == "" {
			t.Fatalf("history: %+v %v", hist, err)
		}

		// Registries and exposures stay within the organisation (and the government).
		if _, err := s.Computer(ctx, opB, fgA.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("op-b reading op-a's computer: %v", err)
		}
		if _, err := s.Computer(ctx, ven, fgA.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("vendor reading op-a's computer: %v", err)
		}
		if _, err := s.Computer(ctx, nco, fgA.ID); err != nil {
			t.Fatalf("government reading: %v", err)
		}
		if _, err := s.Exposures(ctx, opB, store.ExposureQuery{OrgID: w.Orgs["op-a"].ID}, false); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("op-b listing op-a's exposures: %v", err)
		}
		if _, _, err := s.Computers(ctx, opB, store.ComputerQuery{}, true); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("operator listing every registry: %v", err)
		}
		if cs, total, err := s.Computers(ctx, nco, store.ComputerQuery{}, true); err != nil || total != 3 || len(cs) != 3 {
			t.Fatalf("government listing: %d %v", total, err)
		}
		if err := s.SetExposureState(ctx, opA, fgB.ID, "CVE-2024-21762", vuln.ExposurePatched, ""); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("op-a setting op-b's exposure: %v", err)
		}

		// TLP: an AMBER vulnerability reaches only the exposed operator
		// (a recipient); RED is recorded but told to nobody automatically.
		amber := &vuln.Vulnerability{ID: "SKM-2026-0001", Title: "Undisclosed Ivanti pre-auth issue", TLP: marking.TLPAmber,
			Affected: []vuln.Affected{{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", Ranges: []version.Range{{Scheme: version.Ivanti, EndExcluding: "22.7R2.5"}}}}}
		res, err = s.PutVuln(ctx, nco, amber)
		if err != nil || len(res.Match.New) != 1 || res.Match.New[0].ComputerID != ivA.ID || len(res.Match.Notices) != 1 {
			t.Fatalf("amber: %+v %v", res, err)
		}
		if _, err := s.Vuln(ctx, opA, amber.ID); err != nil {
			t.Fatalf("recipient reading the AMBER vulnerability: %v", err)
		}
		if _, err := s.Vuln(ctx, opB, amber.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("non-recipient reading the AMBER vulnerability: %v", err)
		}
		if vs, err := s.Vulns(ctx, opB, store.VulnQuery{}); err != nil || len(vs) != 1 || vs[0].ID != "CVE-2024-21762" {
			t.Fatalf("op-b list: %+v %v", vs, err)
		}
		red := &vuln.Vulnerability{ID: "SKM-2026-0002", Title: "Red", TLP: marking.TLPRed,
			Affected: []vuln.Affected{{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}}}
		if res, err = s.PutVuln(ctx, nco, red); err != nil || len(res.Match.New) != 1 || len(res.Match.Notices) != 0 {
			t.Fatalf("red: %+v %v", res, err)
		}
		if _, err := s.Vuln(ctx, opA, red.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("RED vulnerability visible to op-a: %v", err)
		}
		// Its exposure is recorded for the government but op-a does not
		// learn of the vulnerability from its exposure list either.
		if es, err := s.Exposures(ctx, nco, store.ExposureQuery{VulnID: red.ID}, true); err != nil || len(es) != 1 {
			t.Fatalf("government view of the RED exposure: %+v %v", es, err)
		}
		if es, err := s.Exposures(ctx, opA, store.ExposureQuery{}, false); err != nil || ids(es)[ivA.ID] == "" || func() bool {
			for _, e := range es {
				if e.VulnID == red.ID {
					return true
				}
			}
			return false
		}() {
			t.Fatalf("op-a exposures include the RED one: %+v %v", es, err)
		}
		if err := s.SetExposureState(ctx, opA, ivA.ID, red.ID, vuln.ExposurePatched, ""); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("op-a stating its RED exposure: %v", err)
		}

		// Vendor request: the government asks, the vendor acknowledges and
		// answers, the answer becomes an advisory to the exposed operators.
		req := &vuln.Request{VulnID: "CVE-2024-21762", VendorOrgID: w.Orgs["ven"].ID, Questions: "Which FortiOS builds are affected? Fix timeline?",
			DueAt: time.Now().Add(72 * time.Hour)}
		if err := s.RequestVendor(ctx, nco, req); err != nil || req.State != vuln.RequestRequested {
			t.Fatalf("request: %+v %v", req, err)
		}
		if err := s.RequestVendor(ctx, nco, &vuln.Request{VulnID: "CVE-2024-21762", VendorOrgID: w.Orgs["op-b"].ID, Questions: "?"}); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Fatalf("request to an operator: %v", err)
		}
		if _, err := s.Request(ctx, opA, req.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("operator reading a vendor request: %v", err)
		}
		if _, err := s.ActOnRequest(ctx, nco, req.ID, exposure.RequestAction{Kind: "acknowledge"}); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("government acknowledging for the vendor: %v", err)
		}
		if _, err := s.ActOnRequest(ctx, ven, req.ID, exposure.RequestAction{Kind: "acknowledge"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ActOnRequest(ctx, ven, req.ID, exposure.RequestAction{Kind: "answer", Answer: &vuln.Answer{}}); apperr.CodeOf(err) != apperr.CodeInvalid || !strings.HasPrefix(apperr.As(err).Field, "answer") {
			t.Fatalf("empty answer: %v", err)
		}
		if _, err := s.Advise(ctx, nco, req.ID, ""); apperr.CodeOf(err) != apperr.CodeConflict {
			t.Fatalf("advise before the answer: %v", err)
		}
		got, err := s.ActOnRequest(ctx, ven, req.ID, exposure.RequestAction{Kind: "answer", Answer: &vuln.Answer{FixedVersions: "7.4.3, 7.2.7", FixTimeline: "fixed releases available", Mitigations: "disable SSL-VPN"}})
		if err != nil || got.State != vuln.RequestAnswered || got.AnsweredAt == nil || len(got.Events) != 3 {
			t.Fatalf("answer: %+v %v", got, err)
		}
		notices, err := s.Advise(ctx, nco, req.ID, "Patch now.")
		if err != nil || len(notices) != 1 || notices[0].OrgID != w.Orgs["op-b"].ID || notices[0].Kind != vuln.NoticeAdvisory || !strings.Contains(notices[0].Body, "緩和策 / Mitigations: disable SSL-VPN") {
			t.Fatalf("advise: %+v %v", notices, err)
		}
		if !strings.HasPrefix(notices[0].Title, "注意喚起 / Advisory: CVE-2024-21762") || !strings.HasPrefix(notices[0].Body, "Patch now.") {
			t.Errorf("advisory %q / %q", notices[0].Title, notices[0].Body)
		}
		ov, err := s.Overview(ctx, nco)
		if err != nil || len(ov.Unpatched) != 1 || ov.Unpatched[0].ComputerID != fgB.ID || len(ov.BySector) != 2 {
			t.Fatalf("overview: %+v %v", ov, err)
		}
		if _, err := s.Overview(ctx, opA); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("operator overview: %v", err)
		}
		// Patched after the advisory: no longer listed.
		if err := s.SetExposureState(ctx, opB, fgB.ID, "CVE-2024-21762", vuln.ExposurePatched, "upgraded to 7.4.3"); err != nil {
			t.Fatal(err)
		}
		if ov, _ := s.Overview(ctx, nco); len(ov.Unpatched) != 0 {
			t.Fatalf("still unpatched: %+v", ov.Unpatched)
		}
		rec, err := s.VendorRecord(ctx, nco)
		if err != nil || len(rec) != 1 || rec[0].Answered != 1 || rec[0].OnTime != 1 || rec[0].Overdue != 0 {
			t.Fatalf("vendor record: %+v %v", rec, err)
		}
		// An overdue request shows in the record.
		late := &vuln.Request{VulnID: "SKM-2026-0001", VendorOrgID: w.Orgs["ven"].ID, Questions: "status?", DueAt: time.Now().Add(-time.Hour)}
		if err := s.RequestVendor(ctx, nco, late); err != nil {
			t.Fatal(err)
		}
		if rec, _ := s.VendorRecord(ctx, nco); rec[0].Overdue != 1 || rec[0].Open != 1 {
			t.Fatalf("overdue: %+v", rec)
		}
		// A full re-match of an unchanged registry finds what is there and
		// changes nothing.
		before, _ := s.Exposures(ctx, nco, store.ExposureQuery{}, true)
		rm, err := s.Rematch(ctx, nco)
		if err != nil || rm.Vulns != 3 || rm.Computers != 3 || rm.New != 0 || rm.Resolved != 0 || rm.Notices != 0 {
			t.Fatalf("rematch: %+v %v", rm, err)
		}
		if after, _ := s.Exposures(ctx, nco, store.ExposureQuery{}, true); len(after) != len(before) {
			t.Fatalf("rematch changed exposures: %d -> %d", len(before), len(after))
		}
		if _, err := s.Rematch(ctx, opA); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("operator re-match: %v", err)
		}
		// The vendor now receives the AMBER vulnerability it was asked about.
		if _, err := s.Vuln(ctx, ven, "SKM-2026-0001"); err != nil {
			t.Fatalf("vendor reading the AMBER vulnerability it was asked about: %v", err)
		}
	})
}
