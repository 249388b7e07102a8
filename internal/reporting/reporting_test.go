package reporting_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/webhook"
)

// world is inteltest's platform plus what reporting needs: a sector
// ministry for electricity ("min"), a police agency that is government but
// never a receiver ("npa"), and op-a's reporter and approvers.
type world struct {
	*inteltest.World
	svc *reporting.Service
	now time.Time
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	w := &world{World: reportingtest.New(t, db)}
	w.now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	w.svc = reporting.New(db, inteltest.Quiet)
	w.svc.Intel = w.Svc
	w.svc.Now = func() time.Time { return w.now }
	return w
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func known[T any](v T) report.Field[T] {
	return report.Known(v, report.Confirmed, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), "EDR")
}

func code(err error) apperr.Code { return apperr.CodeOf(err) }

func field(err error) string {
	if e := apperr.As(err); e != nil {
		return e.Field
	}
	return ""
}

func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.svc
		admin, rep, legal, exec := w.P("op-a-admin"), w.P("op-a-reporter"), w.P("op-a-legal"), w.P("op-a-exec")
		nco, min, npa, opb := w.P("nco-analyst"), w.P("min-analyst"), w.P("npa-analyst"), w.P("op-b-analyst")

		// Peacetime: a sequential legal → exec flow and a template with
		// the contacts filled in.
		if err := s.PutSettings(ctx, rep, &incident.Settings{Flow: incident.Flow{Mode: "sequential"}}); code(err) != apperr.CodeForbidden {
			t.Fatalf("reporter changing settings: %v", err)
		}
		if err := s.PutSettings(ctx, admin, &incident.Settings{Flow: incident.Flow{Mode: "sequential", Steps: []incident.ApprovalKind{"legal", "exec"}},
			Regimes: []string{"jp-acd", "eu-nis2"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutSettings(ctx, admin, &incident.Settings{Regimes: []string{"nope"}}); field(err) != "regimes[0]" {
			t.Fatalf("unknown regime: %v", err)
		}
		tpl := &incident.Template{Name: "VPN intrusion", Title: "VPN装置への不正アクセス",
			Content: report.Content{Contacts: known([]report.Contact{{Name: "CSIRT duty", Phone: "+81 3 0000 0000", H24: true}})}}
		if err := s.PutTemplate(ctx, rep, tpl); err != nil {
			t.Fatal(err)
		}

		// A new incident from the template.
		in, err := s.Create(ctx, rep, reporting.NewIncident{TemplateID: tpl.ID})
		if err != nil {
			t.Fatal(err)
		}
		if in.State != incident.Draft || in.Title != tpl.Title || len(in.Content.Contacts.Value) != 1 || in.Version != 1 ||
			len(in.Recipients) != 2 || !strings.HasPrefix(in.Ref, "INC-2026-") {
			t.Fatalf("created: %+v", in)
		}
		if len(in.Regimes) != 2 || in.Regimes[0].Reportable != incident.ReportableYes || in.Regimes[1].Reportable != incident.ReportableUndecided {
			t.Fatalf("regimes: %+v", in.Regimes)
		}
		// Time rules name the field.
		c := in.Content
		c.Occurred, c.Detected = known(at("2026-11-30T08:00:00Z")), known(at("2026-11-30T07:00:00Z"))
		if _, err := s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c}); field(err) != "content.detected.value" {
			t.Fatalf("detection before occurrence: %v", err)
		}
		c.Detected = known(at("2026-11-30T08:30:00Z"))
		c.Aware = known(at("2026-11-30T09:00:00Z"))
		c.Class = known(report.ClassUnauthorisedAccess)
		c.Summary = known("SSL-VPN装置への不正ログインを検知。")
		if in, err = s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c, Note: "first facts"}); err != nil || in.Version != 2 {
			t.Fatalf("save: %v %+v", err, in)
		}
		// A stale rev is a conflict, not a lost update.
		if _, err := s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c, Rev: in.Rev - 1}); code(err) != apperr.CodeConflict {
			t.Fatalf("stale rev: %v", err)
		}

		// Not approved yet.
		if _, err := s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{}); code(err) != apperr.CodeConflict {
			t.Fatalf("submit unapproved: %v", err)
		}
		if _, err := s.RequestApproval(ctx, rep, in.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c}); code(err) != apperr.CodeConflict {
			t.Fatalf("edit in approval: %v", err)
		}
		// Sequential: the executive waits for legal; rejecting needs a reason.
		if _, err := s.Decide(ctx, exec, in.ID, incident.ApproveExec, true, ""); code(err) != apperr.CodeConflict {
			t.Fatalf("exec before legal: %v", err)
		}
		if _, err := s.Decide(ctx, rep, in.ID, incident.ApproveLegal, true, ""); code(err) != apperr.CodeForbidden {
			t.Fatalf("reporter approving: %v", err)
		}
		if _, err := s.Decide(ctx, legal, in.ID, incident.ApproveLegal, false, " "); field(err) != "comment" {
			t.Fatalf("reject without comment: %v", err)
		}
		if in, err = s.Decide(ctx, legal, in.ID, incident.ApproveLegal, false, "顧客名を削除してください"); err != nil || in.State != incident.Draft {
			t.Fatalf("reject: %v %+v", err, in)
		}
		if _, err := s.RequestApproval(ctx, rep, in.ID, "fixed"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Decide(ctx, legal, in.ID, incident.ApproveLegal, true, ""); err != nil {
			t.Fatal(err)
		}
		if in, err = s.Decide(ctx, exec, in.ID, incident.ApproveExec, true, "OK"); err != nil || in.State != incident.Approved {
			t.Fatalf("approved: %v %+v", err, in)
		}

		// The prompt report needs its required fields, named with the
		// regime and stage.
		_, err = s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}}})
		if field(err) != "content.computers" || !strings.Contains(err.Error(), "jp-acd stage prompt") {
			t.Fatalf("missing required field: %v", err)
		}
		// NIS2 is undecided: not a target yet.
		if _, err := s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "eu-nis2", Stage: "early_warning"}}}); field(err) != "targets[0].regime" {
			t.Fatalf("undecided regime: %v", err)
		}
		// Reportability: "no" needs a reason.
		if _, err := s.SetRegimes(ctx, rep, in.ID, []incident.RegimeChoice{{Regime: "jp-acd", Reportable: "yes"}, {Regime: "eu-nis2", Reportable: "no"}}); field(err) != "regimes[1].reason" {
			t.Fatalf("no without reason: %v", err)
		}
		if _, err := s.SetRegimes(ctx, rep, in.ID, []incident.RegimeChoice{{Regime: "jp-acd", Reportable: "yes"}, {Regime: "eu-nis2", Reportable: "no", Reason: "no EU establishment"}}); err != nil {
			t.Fatal(err)
		}
		// Saving after approval voids the approval; an emergency
		// submission goes out anyway, with its reason audited.
		c.Computers = report.Field[[]string]{Meta: report.Meta{State: report.StateWithheld}}
		c.Impact = known(report.Impact{Level: "significant", Services: "remote access"})
		if in, err = s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c}); err != nil || in.State != incident.Draft || in.Version != 3 {
			t.Fatalf("save after approval: %v %+v", err, in)
		}
		if _, err := s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}}, Emergency: true}); field(err) != "reason" {
			t.Fatalf("emergency without reason: %v", err)
		}
		subs, err := s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}}, Emergency: true, Reason: "CISO unreachable at night"})
		if err != nil || len(subs) != 2 {
			t.Fatalf("emergency submit: %v %d", err, len(subs))
		}
		for _, sub := range subs {
			sum := sha256.Sum256(sub.Body)
			if sub.SHA256 != hex.EncodeToString(sum[:]) || !sub.Emergency || sub.Version != 3 || sub.Regime != "jp-acd" {
				t.Fatalf("submission: %+v", sub)
			}
		}
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "incident.submit.emergency"})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, "CISO unreachable") {
			t.Fatalf("emergency audit: %v %+v", err, es)
		}

		// Receivers: the NCO and the sector ministry see exactly what was
		// submitted; the police, another operator see nothing.
		for _, p := range []*auth.Principal{npa, opb} {
			if _, err := s.Get(ctx, p, in.ID); code(err) != apperr.CodeNotFound {
				t.Fatalf("%s reads the report: %v", p.User.Email, err)
			}
		}
		// A later draft change is not seen by the receivers.
		c2 := c
		c2.Summary = known("SSL-VPN装置への不正ログイン。管理者アカウントが窃取された。")
		if in, err = s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c2}); err != nil || in.Version != 4 {
			t.Fatal(err)
		}
		v, err := s.Get(ctx, nco, in.ID)
		if err != nil || v.Role != reporting.RoleReceiver || v.Incident.Content.Summary.Value != c.Summary.Value || v.Incident.Version != 3 ||
			v.Incident.Approval != nil || len(v.Submissions) != 1 {
			t.Fatalf("nco view: %v %+v", err, v)
		}
		for _, e := range v.Events {
			if !e.Shared {
				t.Fatalf("nco sees an internal event: %+v", e)
			}
		}
		// Acknowledge with the authority's reference; request information.
		if _, err := s.Acknowledge(ctx, npa, in.ID, subs[0].ID, "X"); code(err) != apperr.CodeNotFound {
			t.Fatalf("npa acknowledging: %v", err)
		}
		if in, err = s.Acknowledge(ctx, nco, in.ID, v.Submissions[0].ID, "NCO-2026-0042"); err != nil || in.State != incident.Acknowledged {
			t.Fatalf("ack: %v", err)
		}
		if q, _ := s.Queue(ctx, nco, reporting.Query{}); len(q) != 1 || !q[0].Acknowledged {
			t.Fatalf("queue after ack: %+v", q)
		}
		if q, _ := s.Queue(ctx, min, reporting.Query{}); len(q) != 1 || q[0].Acknowledged {
			t.Fatalf("the ministry's copy was not acknowledged: %+v", q)
		}
		if _, err := s.Acknowledge(ctx, nco, in.ID, v.Submissions[0].ID, "NCO-2026-0042"); code(err) != apperr.CodeConflict {
			t.Fatalf("ack twice: %v", err)
		}
		if _, err := s.RequestInfo(ctx, rep, in.ID, reporting.InfoRequestInput{Question: "?"}); code(err) != apperr.CodeForbidden {
			t.Fatalf("reporter requesting info: %v", err)
		}
		due := w.now.Add(48 * time.Hour)
		if in, err = s.RequestInfo(ctx, nco, in.ID, reporting.InfoRequestInput{Question: "侵入経路を教えてください", Fields: []string{"intrusion_path"}, Due: &due}); err != nil || in.State != incident.InfoRequested {
			t.Fatalf("request info: %v", err)
		}
		tasks, err := s.Tasks(ctx, rep)
		if err != nil || !slices.ContainsFunc(tasks, func(t reporting.Task) bool { return t.Kind == "info_request" && t.IncidentID == in.ID }) {
			t.Fatalf("tasks: %v %+v", err, tasks)
		}
		// Triage is the government's alone.
		if _, err := s.SetTriage(ctx, nco, in.ID, incident.Triage{Severity: "high", Assignee: w.Users["nco-analyst"].ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetTriage(ctx, nco, in.ID, incident.Triage{Assignee: w.Users["min-analyst"].ID}); field(err) != "assignee" {
			t.Fatalf("assignee of another org: %v", err)
		}
		if _, err := s.AddLink(ctx, nco, in.ID, incident.Link{Kind: "cluster", Ref: "CL-7"}); field(err) != "ref" {
			t.Fatalf("link to a cluster that does not exist: %v", err)
		}
		if _, err := s.AddLink(ctx, nco, in.ID, incident.Link{Kind: "object", Ref: "not a stix id"}); field(err) != "ref" {
			t.Fatalf("link to a malformed object id: %v", err)
		}
		if _, err := s.AddLink(ctx, rep, in.ID, incident.Link{Kind: "cluster", Ref: "CL-7"}); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Fatalf("the reporter links: %v", err)
		}
		if _, err := s.AddLink(ctx, nco, in.ID, incident.Link{Kind: "object", Ref: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}); err != nil {
			t.Fatal(err)
		}
		mine, err := s.Get(ctx, rep, in.ID)
		if err != nil || mine.Incident.Triage.Severity != "" || len(mine.Incident.Links) != 0 {
			t.Fatalf("the reporter sees the government's triage: %v %+v", err, mine.Incident.Triage)
		}
		if ls, _ := s.List(ctx, rep, reporting.Query{}); len(ls) != 1 || ls[0].Triage.Severity != "" {
			t.Fatalf("the reporter's list shows triage: %+v", ls)
		}
		for _, e := range mine.Events {
			if e.GovOnly {
				t.Fatalf("reporter sees a government-only event: %+v", e)
			}
		}
		if mv, _ := s.Get(ctx, min, in.ID); mv == nil || mv.Incident.Triage.Severity != "high" {
			t.Fatalf("ministry does not see the shared triage: %+v", mv)
		}

		// An update answers the request; approval again, then submit.
		if _, err := s.RequestApproval(ctx, rep, in.ID, ""); err != nil {
			t.Fatal(err)
		}
		s.Decide(ctx, legal, in.ID, incident.ApproveLegal, true, "")
		if _, err := s.Decide(ctx, exec, in.ID, incident.ApproveExec, true, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{Note: "intrusion path follows"}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, rep, in.ID)
		if got.Incident.State != incident.Updated || got.Incident.InfoRequests[0].State != "answered" || got.Incident.InfoRequests[0].AnswerVersion != 4 {
			t.Fatalf("after update: %+v", got.Incident)
		}
		// The receiver's field-level diff between what it received.
		d, err := s.Diff(ctx, nco, in.ID, 3, 4)
		if err != nil || len(d) != 1 || d[0].Field != "summary" {
			t.Fatalf("diff: %v %+v", err, d)
		}
		if _, err := s.Version(ctx, nco, in.ID, 2); code(err) != apperr.CodeNotFound {
			t.Fatalf("nco reads an unsubmitted version: %v", err)
		}
		// Close needs the final report? No: any submitted report closes;
		// then reopen, and refute with a retraction to each receiver.
		if in, err = s.Close(ctx, rep, in.ID, "recovered"); err != nil || in.State != incident.Closed {
			t.Fatalf("close: %v", err)
		}
		if _, err := s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c2}); code(err) != apperr.CodeConflict {
			t.Fatalf("edit closed: %v", err)
		}
		if in, err = s.Reopen(ctx, rep, in.ID, "new IOC found"); err != nil || in.State != incident.Reopened {
			t.Fatalf("reopen: %v", err)
		}
		if in, err = s.Refute(ctx, rep, in.ID, "the login was a penetration test"); err != nil || in.State != incident.Refuted {
			t.Fatalf("refute: %v", err)
		}
		all, _ := db.Submissions(ctx, store.SubmissionQuery{IncidentID: in.ID})
		n := 0
		for _, x := range all {
			if x.Kind == incident.KindRetraction {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("retractions: %d", n)
		}
		// Receivers' views and the emergency flag.
		if v, _ := s.Get(ctx, nco, in.ID); v.Incident.State != incident.Refuted || !v.Incident.Emergency {
			t.Fatalf("nco view after refute: %+v", v.Incident)
		}
		// The NCO's queue lists it; the police's does not.
		q, err := s.Queue(ctx, nco, reporting.Query{})
		if err != nil || len(q) != 1 || q[0].Content.Summary.Value != c2.Summary.Value {
			t.Fatalf("queue: %v %+v", err, q)
		}
		if q, err := s.Queue(ctx, npa, reporting.Query{}); err != nil || len(q) != 0 {
			t.Fatalf("npa queue: %v %d", err, len(q))
		}
	})
}

func TestDeadlinesAndReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.svc
		admin, rep := w.P("op-a-admin"), w.P("op-a-reporter")
		var mu sync.Mutex
		var got []map[string]any
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if !webhook.Verify("s3cret", r.Header.Get("X-Sakimori-Timestamp"), body, r.Header.Get("X-Sakimori-Signature")) {
				rw.WriteHeader(401)
				return
			}
			var ev map[string]any
			json.Unmarshal(body, &ev)
			mu.Lock()
			got = append(got, ev)
			mu.Unlock()
		}))
		defer srv.Close()
		s.Webhook = &webhook.Sender{AllowPrivate: true, Backoff: time.Millisecond}
		if err := s.PutSettings(ctx, admin, &incident.Settings{Regimes: []string{"jp-acd"}, WebhookURL: srv.URL}); field(err) != "webhook_secret" {
			t.Fatalf("webhook without secret: %v", err)
		}
		if err := s.PutSettings(ctx, admin, &incident.Settings{Regimes: []string{"jp-acd"}, WebhookURL: srv.URL, WebhookSecret: "s3cret",
			Offsets: map[string]regime.Offset{"jp-acd/prompt": {Hours: 24}}}); err != nil {
			t.Fatal(err)
		}
		// Aware 20 h ago: the (edited) 24 h prompt report is due in 4 h.
		c := report.Content{Class: known(report.ClassMalwareInfection), Aware: known(at("2026-11-29T16:00:00Z"))}
		in, err := s.Create(ctx, rep, reporting.NewIncident{Title: "Malware on OT jump host", Content: &c})
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Get(ctx, rep, in.ID)
		if err != nil || len(v.Timeline) != 2 {
			t.Fatalf("timeline: %v %+v", err, v)
		}
		prompt := v.Timeline[0]
		if prompt.Stage != "prompt" || !prompt.Due.Equal(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)) || prompt.Status != regime.StatusDueSoon ||
			!slices.Contains(prompt.Missing, "computers") {
			t.Fatalf("prompt: %+v", prompt)
		}
		n, err := s.RemindAll(ctx)
		if err != nil || n != 1 {
			t.Fatalf("remind: %d %v", n, err)
		}
		if n, _ := s.RemindAll(ctx); n != 0 {
			t.Fatalf("reminded twice: %d", n)
		}
		// Overdue later: a second reminder of another kind.
		w.now = w.now.Add(5 * time.Hour)
		if n, _ := s.RemindAll(ctx); n != 1 {
			t.Fatalf("overdue reminder: %d", n)
		}
		rs, err := s.Reminders(ctx, rep, 10)
		if err != nil || len(rs) != 2 || rs[0].Kind != "overdue" || rs[0].Webhook != "delivered" {
			t.Fatalf("reminders: %v %+v", err, rs)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 2 || got[0]["type"] != "incident.deadline.due_soon" || got[1]["type"] != "incident.deadline.overdue" {
			t.Fatalf("webhooks: %+v", got)
		}
		// Another organisation sees none of it.
		if rs, _ := s.Reminders(ctx, w.P("op-b-admin"), 10); len(rs) != 0 {
			t.Fatalf("op-b reminders: %+v", rs)
		}
	})
}

func TestSupplyChainAndSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.svc
		sup, opa, opb, nco := w.P("sup-admin"), w.P("op-a-admin"), w.P("op-b-admin"), w.P("nco-analyst")
		if err := s.PutSettings(ctx, sup, &incident.Settings{InternalDomains: []string{"corp.sup.example"}}); err != nil {
			t.Fatal(err)
		}
		// The supplier (linked to op-a) reports to op-a too; op-b is not linked.
		c := report.Content{Class: known(report.ClassMalwareInfection), Aware: known(at("2026-11-30T09:00:00Z")),
			Summary:    known("保守用端末 maint01.corp.sup.example でマルウェアを検知。担当: 山田太郎 (yamada@sup.example)。"),
			Partners:   known([]string{w.Orgs["op-b"].ID}),
			IOCs:       known([]report.IOC{{Type: "ipv4", Value: "203.0.113.7"}, {Type: "ipv4", Value: "10.1.2.3"}}),
			Techniques: report.Field[[]string]{Value: []string{"T1133"}, Meta: report.Meta{State: report.StateKnown, Confidence: report.Likely}}}
		if _, err := s.Create(ctx, sup, reporting.NewIncident{Title: "保守端末の感染", Content: &c}); field(err) != "content.partners.value[0]" {
			t.Fatalf("unlinked partner: %v", err)
		}
		c.Partners = known([]string{w.Orgs["op-a"].ID})
		in, err := s.Create(ctx, sup, reporting.NewIncident{Title: "保守端末の感染", Content: &c})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(ctx, sup, in.ID, reporting.SubmitRequest{}); err != nil {
			t.Fatal(err)
		}
		v, err := s.Get(ctx, opa, in.ID)
		if err != nil || v.Role != reporting.RolePartner || v.Incident.Content.Summary.Value == "" || v.Can.Receive {
			t.Fatalf("partner view: %v %+v", err, v)
		}
		if _, err := s.SetTriage(ctx, opa, in.ID, incident.Triage{Severity: "low"}); code(err) != apperr.CodeForbidden {
			t.Fatalf("partner triage: %v", err)
		}
		if _, err := s.Get(ctx, opb, in.ID); code(err) != apperr.CodeNotFound {
			t.Fatalf("op-b: %v", err)
		}
		if v, err := s.Get(ctx, nco, in.ID); err != nil || v.Role != reporting.RoleReceiver {
			t.Fatalf("nco: %v", err)
		}

		// Sanitised sharing: preview first, release exactly that.
		if _, err := s.ShareRelease(ctx, sup, in.ID, reporting.ShareRequest{TLP: "green", Collection: "exchange"}); field(err) != "token" {
			t.Fatalf("release without preview: %v", err)
		}
		d, err := s.SharePreview(ctx, sup, in.ID, reporting.ShareRequest{TLP: "green"})
		if err != nil || d.Token == "" {
			t.Fatal(err)
		}
		all := ""
		for _, o := range d.Objects {
			all += string(o)
		}
		for _, leak := range []string{"山田", "yamada@", "maint01", "10.1.2.3", "T1133", "sup 日本語"} {
			if strings.Contains(all, leak) {
				t.Errorf("derived objects leak %q", leak)
			}
		}
		if !strings.Contains(all, "203.0.113.7") || len(d.Removed) == 0 {
			t.Fatalf("derived: %s removed %+v", all, d.Removed)
		}
		if _, err := s.SharePreview(ctx, opa, in.ID, reporting.ShareRequest{TLP: "green"}); code(err) != apperr.CodeForbidden {
			t.Fatalf("partner deriving: %v", err)
		}
		// The report changes: the old preview is not released.
		c.Summary = known("保守用端末でマルウェアを検知。")
		if _, err := s.Save(ctx, sup, in.ID, reporting.Edit{Content: &c}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ShareRelease(ctx, sup, in.ID, reporting.ShareRequest{TLP: "green", Token: d.Token, Collection: "exchange"}); code(err) != apperr.CodeConflict {
			t.Fatalf("stale token: %v", err)
		}
		d, _ = s.SharePreview(ctx, sup, in.ID, reporting.ShareRequest{TLP: "green"})
		job, err := s.ShareRelease(ctx, sup, in.ID, reporting.ShareRequest{TLP: "green", Token: d.Token, Collection: "exchange"})
		if err != nil || job.Accepted == 0 || job.Rejected != 0 {
			t.Fatalf("release: %v %+v", err, job)
		}
	})
}

func TestExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.svc
		rep, nco, npa := w.P("op-a-reporter"), w.P("nco-analyst"), w.P("npa-analyst")
		c := report.Content{Class: known(report.ClassDDoS), Aware: known(at("2026-11-30T09:00:00Z")), Summary: known("DDoS <script>x</script>"),
			DDoS: known(report.DDoS{Technique: "T1498", PeakGbps: 42})}
		in, err := s.Create(ctx, rep, reporting.NewIncident{Title: "DDoS on the customer portal", Content: &c})
		if err != nil {
			t.Fatal(err)
		}
		subs, err := s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{})
		if err != nil {
			t.Fatal(err)
		}
		html, err := s.Print(ctx, rep, in.ID, "jp-acd", "prompt", "", "en")
		if err != nil || !strings.Contains(string(html), in.Ref) || strings.Contains(string(html), "<script>x") {
			t.Fatalf("print: %v", err)
		}
		// The receiver prints what it received, exactly.
		if html, err := s.Print(ctx, nco, in.ID, "", "", subs[0].ID, "ja"); err != nil || !strings.Contains(string(html), subs[0].SHA256) {
			t.Fatalf("receiver print: %v", err)
		}
		if _, err := s.Print(ctx, npa, in.ID, "", "", subs[0].ID, "ja"); code(err) != apperr.CodeNotFound {
			t.Fatalf("police print: %v", err)
		}
		b, err := s.ExportSTIX(ctx, nco, in.ID, "amber")
		if err != nil || !strings.Contains(string(b), `"type": "bundle"`) && !strings.Contains(string(b), `"type":"bundle"`) {
			t.Fatalf("stix: %v %s", err, b)
		}
		x, err := s.ExportJSON(ctx, rep, in.ID)
		if err != nil || len(x.Versions) != 1 || x.View.Role != reporting.RoleReporter {
			t.Fatalf("json: %v %+v", err, x)
		}
	})
}

// TestEntitlement runs every read path for every kind of principal: the
// reporting organisation reads everything, the receivers what was
// submitted to them (never a later draft), everyone else nothing, not even
// that the report exists. Platform administrators are not entitled either.
func TestEntitlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		s := w.svc
		rep := w.P("op-a-reporter")
		c := report.Content{Class: known(report.ClassMalwareInfection), Aware: known(at("2026-11-30T09:00:00Z")), Summary: known("submitted text")}
		in, err := s.Create(ctx, rep, reporting.NewIncident{Title: "Malware", Content: &c})
		if err != nil {
			t.Fatal(err)
		}
		subs, err := s.Submit(ctx, rep, in.ID, reporting.SubmitRequest{})
		if err != nil {
			t.Fatal(err)
		}
		c.Summary = known("DRAFT-SECRET not submitted")
		if _, err := s.Save(ctx, rep, in.ID, reporting.Edit{Content: &c, Title: ptr("DRAFT-TITLE")}); err != nil {
			t.Fatal(err)
		}
		type read struct {
			name string
			fn   func(p *auth.Principal) (any, error)
		}
		reads := []read{
			{"get", func(p *auth.Principal) (any, error) { return s.Get(ctx, p, in.ID) }},
			{"version", func(p *auth.Principal) (any, error) { return s.Version(ctx, p, in.ID, 1) }},
			{"diff", func(p *auth.Principal) (any, error) { return s.Diff(ctx, p, in.ID, 1, 1) }},
			{"submission", func(p *auth.Principal) (any, error) { return s.Submission(ctx, p, in.ID, subs[0].ID) }},
			{"print", func(p *auth.Principal) (any, error) {
				b, err := s.Print(ctx, p, in.ID, "", "", "", "en")
				return string(b), err
			}},
			{"stix", func(p *auth.Principal) (any, error) {
				b, err := s.ExportSTIX(ctx, p, in.ID, "amber")
				return string(b), err
			}},
			{"json", func(p *auth.Principal) (any, error) { return s.ExportJSON(ctx, p, in.ID) }},
		}
		cases := []struct {
			user   string
			access string // all | submitted | none
		}{
			{"op-a-reporter", "all"}, {"op-a-viewer", "all"}, {"op-a-legal", "all"},
			{"nco-analyst", "submitted"}, {"nco-admin", "submitted"}, {"min-analyst", "submitted"},
			{"npa-analyst", "none"}, {"op-b-admin", "none"}, {"sup-admin", "none"}, {"ven-admin", "none"},
			{"isac-analyst", "none"}, {"platform", "none"},
		}
		check := func(t *testing.T) {
			for _, tc := range cases {
				p := w.P(tc.user)
				if tc.user == "min-analyst" && subs[1].Recipient != p.Org.ID && subs[0].Recipient != p.Org.ID {
					t.Fatalf("the ministry is not a recipient")
				}
				for _, r := range reads {
					if r.name == "submission" && tc.access == "submitted" && subs[0].Recipient != p.Org.ID {
						continue // the other receiver's copy
					}
					got, err := r.fn(p)
					switch tc.access {
					case "none":
						if code(err) != apperr.CodeNotFound {
							t.Errorf("%s %s: %v, want not found", tc.user, r.name, err)
						}
					default:
						if err != nil {
							t.Errorf("%s %s: %v", tc.user, r.name, err)
							continue
						}
						b, _ := json.Marshal(got)
						if tc.access == "submitted" && (strings.Contains(string(b), "DRAFT-SECRET") || strings.Contains(string(b), "DRAFT-TITLE")) {
							t.Errorf("%s %s: a receiver sees the unsubmitted draft", tc.user, r.name)
						}
					}
				}
				ls, err := s.List(ctx, p, reporting.Query{Received: true})
				if err != nil {
					t.Errorf("%s received list: %v", tc.user, err)
				}
				if (len(ls) == 1) != (tc.access == "submitted") {
					t.Errorf("%s received list: %d", tc.user, len(ls))
				}
				own, err := s.List(ctx, p, reporting.Query{})
				if (err == nil && len(own) == 1) != (tc.access == "all") {
					t.Errorf("%s own list: %d %v", tc.user, len(own), err)
				}
			}
		}
		check(t)
		// Refuting with the draft pending: the retraction reaches the
		// receivers, the draft does not.
		if _, err := s.Refute(ctx, rep, in.ID, "a test"); err != nil {
			t.Fatal(err)
		}
		check(t)
		v, err := s.Get(ctx, w.P("nco-analyst"), in.ID)
		if err != nil || v.Incident.State != incident.Refuted || v.Incident.Content.Summary.Value != "submitted text" || len(v.Submissions) != 2 {
			t.Fatalf("after refute: %v %+v", err, v)
		}
	})
}

func ptr[T any](v T) *T { return &v }
