package alerting_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/event/eventtest"
	"sakimori/internal/exposure"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/registry"
	"sakimori/internal/share"
	"sakimori/internal/stix/stixtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

// env is a world with an exposure (op-a runs a vulnerable FortiGate), a
// shared indicator sighted by op-b, and a second government analyst.
type env struct {
	w     *inteltest.World
	db    *store.DB
	raw   *sql.DB
	s     *alerting.Service
	ev    *eventtest.Recorder
	indID string
}

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			var raw *sql.DB
			if d == store.SQLite {
				raw, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(10000)&_time_format=sqlite")
			} else {
				raw, err = sql.Open("pgx", dsn)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			fn(t, setup(t, db, raw))
		})
	}
}

func setup(t *testing.T, db *store.DB, raw *sql.DB) *env {
	t.Helper()
	ctx := context.Background()
	w := inteltest.New(t, db)
	u := &org.User{OrgID: w.Orgs["nco"].ID, Email: "nco-reviewer@nco.example.jp", DisplayName: "reviewer", Roles: []org.Role{org.RoleAnalyst}}
	if err := db.CreateUser(ctx, audit.Actor{Name: "cli"}, u, ""); err != nil {
		t.Fatal(err)
	}
	w.Users["nco-reviewer"] = u
	x := exposure.New(db, inteltest.Quiet)
	fg := &registry.Computer{Ref: "FG-01", Name: "FG-01 appliance", Function: registry.FunctionVPN, Vendor: "Fortinet", Product: "FortiOS",
		ProductVersion: "7.2.4", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Site: "Tokyo", InternetFacing: true, Business: "electricity", Equipment: "vpn"}
	if _, err := x.Notify(ctx, w.P("op-a-analyst"), fg); err != nil {
		t.Fatal(err)
	}
	if _, err := x.PutVuln(ctx, w.P("nco-analyst"), &vuln.Vulnerability{ID: "CVE-2024-21762", Title: "FortiOS sslvpnd", TLP: marking.TLPClear, Exploited: true,
		Affected: []vuln.Affected{{Vendor: "Fortinet", Product: "FortiOS", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
			Ranges: []version.Range{{StartIncluding: "7.2.0", EndExcluding: "7.2.7"}}}}}); err != nil {
		t.Fatal(err)
	}
	ind := inteltest.Indicator(1, "203.0.113.5", "")
	if _, err := w.Svc.IngestRaw(ctx, w.P("op-b-analyst"), "exchange", []json.RawMessage{json.RawMessage(ind)}, intel.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	indID := "indicator--00000001-0000-4000-8000-000000000000"
	if err := w.Svc.AddSighting(ctx, w.P("op-b-analyst"), &share.Sighting{StixID: indID}); err != nil {
		t.Fatal(err)
	}
	ev := &eventtest.Recorder{}
	s := alerting.New(db, inteltest.Quiet)
	s.Events = ev
	return &env{w: w, db: db, raw: raw, s: s, ev: ev, indID: indID}
}

func content() alert.Content {
	return alert.Content{Severity: alert.High, TLP: marking.TLPAmber,
		Title:      alert.Text{JA: "FortiOS の脆弱性を悪用した攻撃", EN: "Attacks exploiting FortiOS"},
		Summary:    alert.Text{JA: "複数の組織で攻撃を確認しました。", EN: "Several organisations saw attacks."},
		Actions:    []alert.Text{{JA: "修正版に更新してください。", EN: "Update to a fixed version."}, {JA: "指標を遮断してください。"}},
		CVEs:       []string{"cve-2024-21762"},
		Indicators: []alert.Indicator{{Value: "203.0.113[.]5"}},
		Targeting:  alert.Targeting{Exposed: true, Sighted: true, SupplyChain: true},
	}
}

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func orgsOf(rs []alert.Recipient) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.OrgID)
	}
	slices.Sort(out)
	return out
}

// publish drives an alert from draft to published and returns it.
func publish(t *testing.T, e *env, c alert.Content) *alerting.View {
	t.Helper()
	ctx := context.Background()
	nco, rev := e.w.P("nco-analyst"), e.w.P("nco-reviewer")
	v, err := e.s.Create(ctx, nco, c, "")
	if err != nil {
		t.Fatal(err)
	}
	if v, err = e.s.Submit(ctx, nco, v.ID, v.Rev); err != nil {
		t.Fatal(err)
	}
	if v, err = e.s.Review(ctx, rev, v.ID, v.Rev, true, ""); err != nil {
		t.Fatal(err)
	}
	if v, _, err = e.s.Publish(ctx, nco, v.ID, v.Rev); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLifecycleTargetingAndAcknowledgement(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.w
		nco, rev, opA, opB, ven := w.P("nco-analyst"), w.P("nco-reviewer"), w.P("op-a-analyst"), w.P("op-b-analyst"), w.P("ven-analyst")

		// Only government analysts draft.
		if _, err := e.s.Create(ctx, opA, content(), ""); code(err) != apperr.CodeForbidden {
			t.Fatalf("operator drafts: %v", err)
		}
		bad := content()
		bad.Title.JA = ""
		if _, err := e.s.Create(ctx, nco, bad, ""); code(err) != apperr.CodeInvalid || !strings.Contains(err.Error(), "title.ja") {
			t.Fatalf("no Japanese title: %v", err)
		}
		bad = content()
		bad.Indicators = []alert.Indicator{{Value: "not an indicator"}}
		if _, err := e.s.Create(ctx, nco, bad, ""); code(err) != apperr.CodeInvalid || !strings.Contains(err.Error(), "indicators[0]") {
			t.Fatalf("bad indicator: %v", err)
		}
		v, err := e.s.Create(ctx, nco, content(), "")
		if err != nil {
			t.Fatal(err)
		}
		if !alert.ValidRef(v.Ref) || v.State != alert.Draft || v.Rev != 1 {
			t.Fatalf("created %+v", v.Alert)
		}
		if got := v.Indicators[0]; got.Pattern != "[ipv4-addr:value = '203.0.113.5']" || got.Kind != "ipv4" || got.Value != "203.0.113.5" {
			t.Fatalf("indicator not normalised: %+v", got)
		}
		if v.CVEs[0] != "CVE-2024-21762" {
			t.Fatalf("cve %v", v.CVEs)
		}
		if i := slices.IndexFunc(v.Warnings, func(w alert.Warning) bool { return w.Field == "recommended_actions[1].en" }); i < 0 {
			t.Fatalf("no warning for the missing English action: %+v", v.Warnings)
		}
		// A draft is the government's: not found for others.
		for _, p := range []*auth.Principal{opA, ven} {
			if _, err := e.s.Get(ctx, p, v.ID); code(err) != apperr.CodeNotFound {
				t.Fatalf("draft visible: %v", err)
			}
		}
		// Optimistic concurrency.
		if v, err = e.s.Edit(ctx, nco, v.ID, v.Rev, func(c *alert.Content) error { c.Actions[1].EN = "Block the indicators."; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Edit(ctx, nco, v.ID, 1, func(c *alert.Content) error { return nil }); code(err) != apperr.CodeConflict {
			t.Fatalf("stale rev: %v", err)
		}
		// Review: not by the author; sending back needs a comment.
		if v, err = e.s.Submit(ctx, nco, v.ID, v.Rev); err != nil || v.State != alert.InReview {
			t.Fatalf("submit: %v", err)
		}
		if _, err := e.s.Review(ctx, nco, v.ID, v.Rev, true, ""); code(err) != apperr.CodeForbidden {
			t.Fatalf("author approves: %v", err)
		}
		if _, err := e.s.Review(ctx, rev, v.ID, v.Rev, false, " "); code(err) != apperr.CodeInvalid {
			t.Fatalf("send back without comment: %v", err)
		}
		if _, _, err := e.s.Publish(ctx, nco, v.ID, v.Rev); code(err) != apperr.CodeConflict {
			t.Fatalf("publish unapproved: %v", err)
		}
		if v, err = e.s.Review(ctx, rev, v.ID, v.Rev, false, "add a due date"); err != nil || v.State != alert.Draft {
			t.Fatalf("send back: %v", err)
		}
		due := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		if v, err = e.s.Edit(ctx, nco, v.ID, v.Rev, func(c *alert.Content) error { c.DueAt = &due; return nil }); err != nil {
			t.Fatal(err)
		}
		if v, err = e.s.Submit(ctx, nco, v.ID, v.Rev); err != nil {
			t.Fatal(err)
		}
		if v, err = e.s.Review(ctx, rev, v.ID, v.Rev, true, "ok"); err != nil || !v.Approved {
			t.Fatalf("approve: %v", err)
		}
		// Preview: op-a exposed, op-b sighted, sup in op-a's supply chain.
		pv, err := e.s.Preview(ctx, nco, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{w.Orgs["op-a"].ID, w.Orgs["op-b"].ID, w.Orgs["sup"].ID}
		slices.Sort(want)
		if got := orgsOf(pv.Recipients); !slices.Equal(got, want) || pv.New != 3 || pv.Counts["exposed"] != 1 || pv.Counts["sighted"] != 1 || pv.Counts["supply_chain"] != 1 {
			t.Fatalf("preview %v %+v", got, pv)
		}
		if v, _, err = e.s.Publish(ctx, nco, v.ID, v.Rev); err != nil || v.State != alert.Published {
			t.Fatalf("publish: %v", err)
		}
		ev := e.ev.Last()
		if ev.Kind != event.AlertPublished || !ev.Audience.Gov || !slices.Equal(sorted(ev.Audience.Orgs), want) {
			t.Fatalf("event %+v", ev)
		}
		if strings.Contains(string(ev.Data), "targeting") || !strings.Contains(string(ev.Data), v.Ref) {
			t.Fatalf("event data %s", ev.Data)
		}

		// Recipients see the published content without working notes; a
		// non-recipient does not see an AMBER alert.
		got, err := e.s.Get(ctx, opA, v.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if got.Recipient == nil || got.Recipient.State != alert.Pending || !got.Targeting.Empty() || len(got.Reviews) > 0 || got.Indicators[0].SourceID != "" {
			t.Fatalf("recipient view %+v", got)
		}
		if _, err := e.s.Get(ctx, ven, v.ID); code(err) != apperr.CodeNotFound {
			t.Fatalf("non-recipient sees AMBER: %v", err)
		}
		if l, err := e.s.List(ctx, ven, alerting.Query{}); err != nil || len(l) != 0 {
			t.Fatalf("non-recipient list: %v %v", l, err)
		}
		if _, err := e.s.Export(ctx, ven, v.ID); code(err) != apperr.CodeNotFound {
			t.Fatalf("non-recipient export: %v", err)
		}
		if l, err := e.s.List(ctx, opB, alerting.Query{Unacked: true}); err != nil || len(l) != 1 {
			t.Fatalf("unacked inbox: %v %v", l, err)
		}

		// Acknowledgements.
		if _, err := e.s.Ack(ctx, w.P("op-a-viewer"), v.ID, alert.Actioned, "x"); code(err) != apperr.CodeForbidden {
			t.Fatalf("viewer acks: %v", err)
		}
		if _, err := e.s.Ack(ctx, ven, v.ID, alert.Actioned, "x"); code(err) != apperr.CodeNotFound {
			t.Fatalf("non-recipient acks: %v", err)
		}
		r, err := e.s.Ack(ctx, opA, v.ID, alert.Actioned, "パッチ適用済み")
		if err != nil || r.State != alert.Actioned || r.AckedAt == nil {
			t.Fatalf("ack %+v %v", r, err)
		}
		if ev := e.ev.Last(); ev.Kind != event.AlertAcked || !slices.Equal(ev.Audience.Orgs, []string{w.Orgs["nco"].ID}) || ev.Audience.Gov {
			t.Fatalf("ack event %+v", ev)
		}
		if l, err := e.s.List(ctx, opA, alerting.Query{Unacked: true}); err != nil || len(l) != 0 {
			t.Fatalf("acked alert still unacked: %v %v", l, err)
		}
		if _, err := e.s.Recipients(ctx, opA, v.ID); code(err) != apperr.CodeForbidden {
			t.Fatalf("operator reads recipients: %v", err)
		}
		tab, err := e.s.Recipients(ctx, nco, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Counts["total"] != 3 || tab.Counts["actioned"] != 1 || tab.Counts["pending"] != 2 || tab.Counts["overdue"] != 2 {
			t.Fatalf("table counts %v", tab.Counts)
		}

		// An update: op-a keeps seeing the published text until it is
		// republished; railway is added, nobody is removed.
		if v, err = e.s.Edit(ctx, nco, v.ID, v.Rev, func(c *alert.Content) error {
			c.Title.JA = "更新: FortiOS の脆弱性を悪用した攻撃"
			c.Targeting = alert.Targeting{Sectors: []org.Sector{org.SectorRailway}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.Get(ctx, opA, v.ID); strings.HasPrefix(got.Title.JA, "更新") {
			t.Fatal("recipient sees an unpublished edit")
		}
		if v, _, err = e.s.Publish(ctx, nco, v.ID, v.Rev); err != nil {
			t.Fatal(err)
		}
		if ev := e.ev.Last(); ev.Kind != event.AlertUpdated || !strings.Contains(string(ev.Data), `"changes":["title"`) {
			t.Fatalf("update event %+v %s", ev, ev.Data)
		}
		if got, _ := e.s.Get(ctx, opA, v.ID); !strings.HasPrefix(got.Title.JA, "更新") || len(got.Publications) != 2 || got.Publications[1].Changes[0] != "title" {
			t.Fatalf("update not seen: %+v", got.Alert)
		}
		if tab, _ := e.s.Recipients(ctx, nco, v.ID); tab.Counts["total"] != 3 {
			t.Fatalf("recipients changed on update: %v", tab.Counts)
		}
		if _, _, err := e.s.Publish(ctx, nco, v.ID, v.Rev); code(err) != apperr.CodeConflict {
			t.Fatalf("republish without change: %v", err)
		}

		// STIX export, valid against the OASIS schemas.
		b, err := e.s.Export(ctx, opA, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkBundle(t, b, 2, 1, 1)

		// Withdrawal.
		if _, err := e.s.Withdraw(ctx, nco, v.ID, v.Rev, ""); code(err) != apperr.CodeInvalid {
			t.Fatalf("withdraw without reason: %v", err)
		}
		if v, err = e.s.Withdraw(ctx, nco, v.ID, v.Rev, "誤報"); err != nil || v.State != alert.Withdrawn {
			t.Fatalf("withdraw: %v", err)
		}
		if ev := e.ev.Last(); ev.Kind != event.AlertWithdrawn {
			t.Fatalf("withdraw event %+v", ev)
		}
		if got, err := e.s.Get(ctx, opA, v.ID); err != nil || got.Withdrawal == nil || got.Withdrawal.Reason != "誤報" || got.Withdrawal.By != "" {
			t.Fatalf("withdrawn view %+v %v", got, err)
		}
		if _, err := e.s.Ack(ctx, opA, v.ID, alert.Acknowledged, ""); code(err) != apperr.CodeConflict {
			t.Fatalf("ack withdrawn: %v", err)
		}
		// Every step is audited.
		entries, _, err := e.db.ListAudit(ctx, store.AuditFilter{ObjectID: v.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, en := range entries {
			acts = append(acts, en.Action)
		}
		for _, a := range []string{"alert.create", "alert.edit", "alert.submit", "alert.send_back", "alert.approve", "alert.published", "alert.updated", "alert.acknowledge", "alert.withdraw"} {
			if !slices.Contains(acts, a) {
				t.Errorf("no audit entry %s in %v", a, acts)
			}
		}
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func checkBundle(t *testing.T, b []byte, coas, inds, vulns int) {
	t.Helper()
	schemas := stixtest.OASIS(t)
	var bundle struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil || bundle.Type != "bundle" {
		t.Fatalf("bundle %s: %v", b, err)
	}
	n := map[string]int{}
	var refs []string
	ids := map[string]bool{}
	for _, raw := range bundle.Objects {
		if err := schemas.Validate(raw); err != nil {
			t.Fatalf("OASIS schema rejects %s: %v", raw, err)
		}
		var o struct {
			Type, ID   string
			ObjectRefs []string `json:"object_refs"`
			Marks      []string `json:"object_marking_refs"`
		}
		json.Unmarshal(raw, &o)
		n[o.Type]++
		ids[o.ID] = true
		if o.Type == "report" {
			refs = o.ObjectRefs
		}
		if o.Type != "marking-definition" && (len(o.Marks) != 1 || o.Marks[0] != marking.TLPAmber.StixID()) {
			t.Fatalf("%s not marked TLP:AMBER: %v", o.ID, o.Marks)
		}
	}
	if n["report"] != 1 || n["course-of-action"] != coas || n["indicator"] != inds || n["vulnerability"] != vulns {
		t.Fatalf("objects %v", n)
	}
	for _, r := range refs {
		if !ids[r] {
			t.Fatalf("dangling ref %s", r)
		}
	}
}

func TestClearAlertVisibleToAllRedToRecipientsOnly(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.w
		c := content()
		c.TLP = marking.TLPClear
		c.Targeting = alert.Targeting{Orgs: []string{w.Orgs["op-b"].ID}}
		clear := publish(t, e, c)
		c.TLP = marking.TLPRed
		red := publish(t, e, c)
		for _, name := range []string{"op-a-analyst", "ven-analyst", "isac-admin", "sup-analyst"} {
			p := w.P(name)
			if _, err := e.s.Get(ctx, p, clear.ID); err != nil {
				t.Fatalf("%s: CLEAR alert: %v", name, err)
			}
			if _, err := e.s.Get(ctx, p, red.ID); code(err) != apperr.CodeNotFound {
				t.Fatalf("%s sees RED alert: %v", name, err)
			}
			l, err := e.s.List(ctx, p, alerting.Query{})
			if err != nil || len(l) != 1 || l[0].ID != clear.ID {
				t.Fatalf("%s list %v %v", name, l, err)
			}
			if _, err := e.s.Ack(ctx, p, clear.ID, alert.Acknowledged, ""); code(err) != apperr.CodeForbidden {
				t.Fatalf("%s acks a CLEAR alert not addressed to it: %v", name, err)
			}
		}
		if _, err := e.s.Get(ctx, w.P("op-b-analyst"), red.ID); err != nil {
			t.Fatal(err)
		}
		// Unacked filter for the government: its own organisation's inbox.
		if l, err := e.s.List(ctx, w.P("nco-analyst"), alerting.Query{Mine: true}); err != nil || len(l) != 2 {
			t.Fatalf("mine: %v %v", l, err)
		}
	})
}

func TestDraftFromCluster(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.w
		now := time.Now().UTC().Truncate(time.Second)
		exec := func(q string, args ...any) {
			t.Helper()
			if e.db.Dialect() == store.Postgres {
				q = store.Rebind(q)
			}
			if _, err := e.raw.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		fls := false
		var capped any = 0
		if e.db.Dialect() == store.Postgres {
			capped = fls
		}
		exec(`INSERT INTO clusters (id, ref, title, status, merged_into, strength, orgs, first_seen, last_seen, note, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, "cl-1", "CL-2026-0001", "VPN intrusions", "open", "", 75, 2, now, now, "", now, now)
		for _, v := range [][2]string{{"ipv4", "203.0.113.5"}, {"technique", "T1190"}, {"cve", "CVE-2024-21762"}} {
			exec(`INSERT INTO corr_values (kind, value, orgs, first_seen, last_seen, capped, cap_reason, cluster_id) VALUES (?,?,?,?,?,?,?,?)`,
				v[0], v[1], 2, now, now, capped, "", "cl-1")
		}
		var cappedTrue any = 1
		if e.db.Dialect() == store.Postgres {
			cappedTrue = true
		}
		exec(`INSERT INTO corr_values (kind, value, orgs, first_seen, last_seen, capped, cap_reason, cluster_id) VALUES (?,?,?,?,?,?,?,?)`,
			"ipv4", "198.51.100.1", 40, now, now, cappedTrue, "too_many_orgs", "cl-1")
		exec(`INSERT INTO corr_observations (kind, value, org_id, sector, source_kind, source_ref, first_seen, last_seen, count) VALUES (?,?,?,?,?,?,?,?,?)`,
			"ipv4", "203.0.113.5", w.Orgs["op-b"].ID, "railway", "sighting", e.indID, now, now, 1)
		exec(`INSERT INTO corr_observations (kind, value, org_id, sector, source_kind, source_ref, first_seen, last_seen, count) VALUES (?,?,?,?,?,?,?,?,?)`,
			"ipv4", "203.0.113.5", w.Orgs["op-a"].ID, "electricity", "report", "inc-1", now, now, 1)
		for _, o := range []string{"op-a", "op-b"} {
			exec(`INSERT INTO cluster_orgs (cluster_id, org_id, sector, first_seen, last_seen) VALUES (?,?,?,?,?)`, "cl-1", w.Orgs[o].ID, string(w.Orgs[o].Sector), now, now)
		}

		if _, err := e.s.DraftFromCluster(ctx, w.P("op-a-analyst"), "cl-1"); code(err) != apperr.CodeForbidden {
			t.Fatalf("operator drafts from a cluster: %v", err)
		}
		if _, err := e.s.DraftFromCluster(ctx, w.P("nco-analyst"), "nope"); code(err) != apperr.CodeNotFound {
			t.Fatalf("unknown cluster: %v", err)
		}
		v, err := e.s.DraftFromCluster(ctx, w.P("nco-analyst"), "CL-2026-0001")
		if err != nil {
			t.Fatal(err)
		}
		if v.ClusterID != "cl-1" || v.State != alert.Draft || v.Severity != alert.High {
			t.Fatalf("draft %+v", v.Alert)
		}
		if len(v.Indicators) != 1 || v.Indicators[0].Value != "203.0.113.5" || v.Indicators[0].SourceID != e.indID {
			t.Fatalf("indicators %+v (capped values must not be attached)", v.Indicators)
		}
		if !strings.Contains(v.Summary.JA, "T1190") || !strings.Contains(v.Summary.EN, "T1190") {
			t.Fatalf("summary %+v", v.Summary)
		}
		if len(v.Products) != 1 || v.Products[0].Vendor != "Fortinet" || !slices.Equal(v.Products[0].CVEs, []string{"CVE-2024-21762"}) {
			t.Fatalf("products %+v", v.Products)
		}
		if !slices.Equal(v.Targeting.Sectors, []org.Sector{org.SectorElectricity, org.SectorRailway}) || !v.Targeting.Sighted || !v.Targeting.Exposed {
			t.Fatalf("targeting %+v", v.Targeting)
		}
		if !slices.Equal(v.Incidents, []string{"inc-1"}) {
			t.Fatalf("incidents %v", v.Incidents)
		}
		if l, err := e.s.List(ctx, w.P("nco-analyst"), alerting.Query{ClusterID: "cl-1"}); err != nil || len(l) != 1 {
			t.Fatalf("by cluster: %v %v", l, err)
		}
		// The government reads the cluster by its ref.
		if g, err := e.s.Get(ctx, w.P("nco-reviewer"), v.ID); err != nil || g.ClusterRef != "CL-2026-0001" {
			t.Fatalf("cluster ref: %v %+v", err, g)
		}
		if g, err := e.s.Get(ctx, w.P("op-a-analyst"), v.ID); err == nil && g.ClusterRef != "" {
			t.Fatalf("a non-government reader sees the cluster: %+v", g)
		}
	})
}

// TestRelease: a published alert's indicators reach its recipients' block
// lists (and nobody else's when AMBER) through a collection of its own; an
// update that drops an indicator revokes it; a withdrawal revokes the rest.
func TestRelease(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.s.Intel = e.w.Svc
		c := content()
		c.Indicators = []alert.Indicator{{Value: "198.51.100.77"}, {Value: "evil-release.example"}}
		v := publish(t, e, c)
		if slices.ContainsFunc(v.Warnings, func(w alert.Warning) bool { return w.Field == "release" }) {
			t.Fatalf("release warnings: %+v", v.Warnings)
		}
		values := func(user string) []string {
			t.Helper()
			es, _, err := e.w.Svc.Blocklist(ctx, e.w.P(user), intel.BlockQuery{Collection: alerting.ReleaseAlias(v.Alert)})
			if apperr.CodeOf(err) == apperr.CodeNotFound {
				return nil // the collection is not listed for user
			}
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range es {
				out = append(out, x.Value)
			}
			slices.Sort(out)
			return out
		}
		rs, err := e.db.AlertRecipients(ctx, v.ID)
		if err != nil || len(rs) == 0 {
			t.Fatalf("recipients: %v %+v", err, rs)
		}
		recipient := map[string]bool{}
		for _, r := range rs {
			recipient[r.OrgID] = true
		}
		for _, user := range []string{"op-a-analyst", "op-b-analyst", "sup-analyst", "ven-analyst", "isac-analyst"} {
			got := values(user)
			want := []string(nil)
			if recipient[e.w.P(user).Org.ID] {
				want = []string{"198.51.100.77", "evil-release.example"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s (recipient %v): block list %v, want %v", user, recipient[e.w.P(user).Org.ID], got, want)
			}
		}
		// An update that drops the domain revokes it.
		nco := e.w.P("nco-analyst")
		v2, err := e.s.Edit(ctx, nco, v.ID, v.Rev, func(c *alert.Content) error {
			c.Indicators = c.Indicators[:1]
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if v2, _, err = e.s.Publish(ctx, nco, v2.ID, v2.Rev); err != nil || slices.ContainsFunc(v2.Warnings, func(w alert.Warning) bool { return w.Field == "release" }) {
			t.Fatalf("republish: %v %+v", err, v2)
		}
		if got := values("op-a-analyst"); !slices.Equal(got, []string{"198.51.100.77"}) {
			t.Errorf("after the update: %v", got)
		}
		if _, err := e.s.Withdraw(ctx, nco, v2.ID, v2.Rev, "the campaign was misattributed"); err != nil {
			t.Fatal(err)
		}
		if got := values("op-a-analyst"); len(got) != 0 {
			t.Errorf("after the withdrawal: %v", got)
		}
	})
}
