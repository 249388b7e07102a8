package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// incidentWorld is an operator, a second operator, the NCO and a partner.
type incidentWorld struct {
	op, op2, nco, partner *org.Organisation
}

func newIncidentWorld(t *testing.T, db *store.DB) incidentWorld {
	return incidentWorld{
		op:      mustCreateOrg(t, db, newOrg("op", org.KindOperator, org.SectorElectricity)),
		op2:     mustCreateOrg(t, db, newOrg("op2", org.KindOperator, org.SectorGas)),
		nco:     mustCreateOrg(t, db, newOrg("nco", org.KindGovernment, "")),
		partner: mustCreateOrg(t, db, newOrg("partner", org.KindSupplier, "")),
	}
}

func mustCreateIncident(t *testing.T, db *store.DB, orgID, title string) *incident.Incident {
	t.Helper()
	in := &incident.Incident{OrgID: orgID, Title: title, CreatedBy: "u1"}
	in.Content.Summary.Value = "summary of " + title
	v := &incident.Version{Title: title, Content: in.Content, SavedBy: "u1"}
	if err := db.CreateIncident(context.Background(), cli, in, v, []incident.Event{{ActorName: "alice", Kind: "created"}}); err != nil {
		t.Fatalf("CreateIncident %s: %v", title, err)
	}
	return in
}

func incidentIDs(ins []incident.Incident) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.Ref
	}
	return out
}

// submit adds one submission to recipient and returns it.
func submit(t *testing.T, db *store.DB, id, recipient string, partner bool) *incident.Submission {
	t.Helper()
	s := &incident.Submission{Recipient: recipient, Partner: partner, Regime: "jp-acd", Stage: "prompt", Kind: incident.KindReport, Version: 1, SubmittedBy: "u1", Body: json.RawMessage(`{"title":"x"}`)}
	if _, err := db.UpdateIncident(context.Background(), id, func(in *incident.Incident) (*store.IncidentChange, error) {
		in.State, in.SubmittedVersion = incident.Submitted, in.Version
		return &store.IncidentChange{Submissions: []*incident.Submission{s}}, nil
	}); err != nil {
		t.Fatalf("submit: %v", err)
	}
	return s
}

func TestIncidentCreateGetList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		w := newIncidentWorld(t, db)

		a := mustCreateIncident(t, db, w.op.ID, "Ransomware at plant")
		if a.ID == "" || a.Ref != "INC-2026-0001" || a.Version != 1 || a.Rev != 1 || a.State != incident.Draft || !a.CreatedAt.Equal(now) || !a.UpdatedAt.Equal(now) {
			t.Fatalf("created %+v", a)
		}
		got, err := db.Incident(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Ref != a.Ref || got.Title != a.Title || got.Content.Summary.Value != "summary of Ransomware at plant" || got.OrgID != w.op.ID || got.Rev != 1 || !got.CreatedAt.Equal(now) {
			t.Fatalf("got %+v", got)
		}
		if _, err := db.Incident(ctx, "nope"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("missing incident: %v", err)
		}
		vs, err := db.IncidentVersions(ctx, a.ID)
		if err != nil || len(vs) != 1 || vs[0].N != 1 || vs[0].IncidentID != a.ID || vs[0].SavedBy != "u1" || !vs[0].SavedAt.Equal(now) || vs[0].Content.Summary.Value != "summary of Ransomware at plant" {
			t.Fatalf("versions %+v %v", vs, err)
		}
		evs, err := db.IncidentEvents(ctx, a.ID)
		if err != nil || len(evs) != 1 || evs[0].Seq != 1 || evs[0].Kind != "created" || !evs[0].At.Equal(now) {
			t.Fatalf("events %+v %v", evs, err)
		}
		if _, err := db.IncidentVersions(ctx, "nope"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("versions of a missing incident: %v", err)
		}
		if _, err := db.IncidentEvents(ctx, "nope"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("events of a missing incident: %v", err)
		}
		// Unknown organisation.
		if err := db.CreateIncident(ctx, cli, &incident.Incident{OrgID: "nope", Title: "x"}, nil, nil); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Fatalf("unknown org: %v", err)
		}
		// A given ref is kept; a duplicate ref of the organisation conflicts.
		own := &incident.Incident{OrgID: w.op.ID, Ref: "CSIRT-42", Title: "Own ref"}
		if err := db.CreateIncident(ctx, cli, own, nil, nil); err != nil || own.Ref != "CSIRT-42" {
			t.Fatalf("own ref: %v %q", err, own.Ref)
		}
		if v, err := db.IncidentVersion(ctx, own.ID, 1); err != nil || v.Title != "Own ref" {
			t.Fatalf("version built from the incident: %+v %v", v, err)
		}
		dup := &incident.Incident{OrgID: w.op.ID, Ref: "CSIRT-42", Title: "Dup"}
		if err := db.CreateIncident(ctx, cli, dup, nil, nil); apperr.CodeOf(err) != apperr.CodeConflict {
			t.Fatalf("duplicate ref: %v", err)
		}

		now = now.Add(time.Minute)
		b := mustCreateIncident(t, db, w.op.ID, "DDoS on portal")
		now = now.Add(time.Minute)
		c := mustCreateIncident(t, db, w.op2.ID, "Phishing wave")
		now = now.Add(time.Minute)
		submit(t, db, b.ID, w.nco.ID, false) // b: submitted, updated last
		submit(t, db, c.ID, w.partner.ID, true)

		for _, tc := range []struct {
			name string
			q    store.IncidentQuery
			want []string
		}{
			{"org", store.IncidentQuery{OrgID: w.op.ID}, []string{b.Ref, own.Ref, a.Ref}},
			{"org2", store.IncidentQuery{OrgID: w.op2.ID}, []string{c.Ref}},
			{"recipient nco", store.IncidentQuery{Recipient: w.nco.ID}, []string{b.Ref}},
			{"recipient partner", store.IncidentQuery{Recipient: w.partner.ID}, []string{c.Ref}},
			{"recipient op", store.IncidentQuery{Recipient: w.op.ID}, []string{}},
			{"states", store.IncidentQuery{States: []incident.State{incident.Submitted}}, []string{c.Ref, b.Ref}},
			{"states org", store.IncidentQuery{OrgID: w.op.ID, States: []incident.State{incident.Draft, incident.Closed}}, []string{own.Ref, a.Ref}},
			{"q title case", store.IncidentQuery{Q: "ddos"}, []string{b.Ref}},
			{"q ref", store.IncidentQuery{Q: "inc-2026-0001"}, []string{c.Ref, a.Ref}}, // each org's first
			{"q like chars literal", store.IncidentQuery{Q: "%"}, []string{}},
			{"limit", store.IncidentQuery{Limit: 2}, []string{c.Ref, b.Ref}},
			{"all", store.IncidentQuery{}, []string{c.Ref, b.Ref, own.Ref, a.Ref}},
		} {
			got, err := db.ListIncidents(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if refs := incidentIDs(got); !slices.Equal(refs, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, refs, tc.want)
			}
		}
		// Refs are per organisation: both organisations start at 0001.
		if c.Ref != "INC-2026-0001" || b.Ref != "INC-2026-0002" {
			t.Errorf("refs b=%s c=%s", b.Ref, c.Ref)
		}
		// Audit.
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "incident.create", ObjectID: a.ID})
		if err != nil || len(es) != 1 || es[0].Detail != "ref=INC-2026-0001 org="+w.op.ID {
			t.Fatalf("audit %+v %v", es, err)
		}
	})
}

func TestIncidentRefSequence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		w := newIncidentWorld(t, db)
		var refs []string
		for range 3 {
			refs = append(refs, mustCreateIncident(t, db, w.op.ID, "x").Ref)
		}
		refs = append(refs, mustCreateIncident(t, db, w.op2.ID, "x").Ref)
		// A hand-given ref in the pattern moves the sequence on.
		own := &incident.Incident{OrgID: w.op.ID, Ref: "INC-2026-0010", Title: "x"}
		if err := db.CreateIncident(context.Background(), cli, own, nil, nil); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, mustCreateIncident(t, db, w.op.ID, "x").Ref)
		now = now.Add(2 * time.Hour) // 2027
		refs = append(refs, mustCreateIncident(t, db, w.op.ID, "x").Ref, mustCreateIncident(t, db, w.op.ID, "x").Ref)
		want := []string{"INC-2026-0001", "INC-2026-0002", "INC-2026-0003", "INC-2026-0001", "INC-2026-0011", "INC-2027-0001", "INC-2027-0002"}
		if !slices.Equal(refs, want) {
			t.Fatalf("refs %v, want %v", refs, want)
		}
	})
}

func TestUpdateIncident(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		w := newIncidentWorld(t, db)
		in := mustCreateIncident(t, db, w.op.ID, "Ransomware")
		now = now.Add(time.Hour)

		body := json.RawMessage(`{"ref":"INC-2026-0001","summary":"encrypted"}`)
		sum := sha256.Sum256(body)
		s1 := &incident.Submission{Recipient: w.nco.ID, Regime: "jp-acd", Stage: "prompt", Kind: incident.KindReport, Version: 2, SubmittedBy: "u1", Body: body}
		s2 := &incident.Submission{Recipient: w.partner.ID, Partner: true, Kind: incident.KindReport, Version: 2, SubmittedBy: "u1", Emergency: true, Body: body,
			SubmittedAt: now.Add(-time.Minute)}
		got, err := db.UpdateIncident(ctx, in.ID, func(cur *incident.Incident) (*store.IncidentChange, error) {
			if cur.Rev != 1 || cur.Version != 1 {
				t.Errorf("loaded %+v", cur)
			}
			cur.Title, cur.Version, cur.SubmittedVersion, cur.State = "Ransomware (update)", 2, 2, incident.Submitted
			cur.ID, cur.OrgID = "hijack", w.op2.ID // ignored
			cur.Content.Summary.Value = "encrypted"
			return &store.IncidentChange{
				Version:     &incident.Version{Title: cur.Title, Content: cur.Content, SavedBy: "u1", Note: "more facts"},
				Submissions: []*incident.Submission{s1, s2},
				Events:      []incident.Event{{ActorName: "alice", Kind: "submitted", Shared: true}, {ActorName: "alice", Kind: "note", At: now.Add(-time.Second)}},
				Audit:       []audit.Entry{cli.Event("incident.submit", "incident", cur.ID, audit.OutcomeSuccess, "version=2")},
			}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != in.ID || got.OrgID != w.op.ID || got.Rev != 2 || got.Version != 2 || got.SubmittedVersion != 2 || got.State != incident.Submitted || !got.UpdatedAt.Equal(now) || !got.CreatedAt.Equal(in.CreatedAt) {
			t.Fatalf("updated %+v", got)
		}
		stored, err := db.Incident(ctx, in.ID)
		if err != nil || stored.Rev != 2 || stored.Title != "Ransomware (update)" || stored.Content.Summary.Value != "encrypted" || stored.State != incident.Submitted || stored.Ref != in.Ref {
			t.Fatalf("stored %+v %v", stored, err)
		}
		// Submissions are filled in place.
		if s1.ID == "" || s1.IncidentID != in.ID || s1.OrgID != w.op.ID || s1.SHA256 != hex.EncodeToString(sum[:]) || !s1.SubmittedAt.Equal(now) || !s2.SubmittedAt.Equal(now.Add(-time.Minute)) {
			t.Fatalf("submission filled %+v", s1)
		}
		subs, err := db.Submissions(ctx, store.SubmissionQuery{IncidentID: in.ID})
		if err != nil || len(subs) != 2 || subs[0].ID != s2.ID || subs[1].ID != s1.ID {
			t.Fatalf("submissions %+v %v", subs, err)
		}
		if !subs[0].Partner || !subs[0].Emergency || string(subs[1].Body) != string(body) || subs[1].SHA256 != s1.SHA256 || subs[1].Stage != "prompt" || subs[1].AckedAt != nil {
			t.Fatalf("submissions read back %+v", subs)
		}
		for _, tc := range []struct {
			q    store.SubmissionQuery
			want int
		}{{store.SubmissionQuery{Recipient: w.nco.ID}, 1}, {store.SubmissionQuery{OrgID: w.op.ID}, 2}, {store.SubmissionQuery{OrgID: w.op2.ID}, 0},
			{store.SubmissionQuery{OrgID: w.op.ID, Recipient: w.partner.ID}, 1}, {store.SubmissionQuery{Limit: 1}, 1}} {
			if got, err := db.Submissions(ctx, tc.q); err != nil || len(got) != tc.want {
				t.Errorf("submissions %+v: %d %v, want %d", tc.q, len(got), err, tc.want)
			}
		}
		vs, err := db.IncidentVersions(ctx, in.ID)
		if err != nil || len(vs) != 2 || vs[1].N != 2 || vs[1].Note != "more facts" || !vs[1].SavedAt.Equal(now) || vs[1].Content.Summary.Value != "encrypted" {
			t.Fatalf("versions %+v %v", vs, err)
		}
		evs, err := db.IncidentEvents(ctx, in.ID)
		if err != nil || len(evs) != 3 || evs[1].Seq != 2 || evs[2].Seq != 3 || !evs[1].Shared || !evs[1].At.Equal(now) || !evs[2].At.Equal(now.Add(-time.Second)) {
			t.Fatalf("events %+v %v", evs, err)
		}
		if es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "incident.submit"}); err != nil || len(es) != 1 || es[0].Detail != "version=2" {
			t.Fatalf("audit %+v %v", es, err)
		}

		// Acknowledgement: once; twice conflicts; another incident's
		// submission is not found.
		now = now.Add(time.Hour)
		if _, err := db.UpdateIncident(ctx, in.ID, func(cur *incident.Incident) (*store.IncidentChange, error) {
			cur.State = incident.Acknowledged
			return &store.IncidentChange{Acks: []store.Ack{{SubmissionID: s1.ID, AuthorityRef: "NCO-123", By: "gov-user"}}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		s, err := db.Submission(ctx, s1.ID)
		if err != nil || s.AuthorityRef != "NCO-123" || s.AckedBy != "gov-user" || s.AckedAt == nil || !s.AckedAt.Equal(now) || string(s.Body) != string(body) {
			t.Fatalf("acknowledged %+v %v", s, err)
		}
		if _, err := db.Submission(ctx, "nope"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("missing submission: %v", err)
		}
		_, err = db.UpdateIncident(ctx, in.ID, func(cur *incident.Incident) (*store.IncidentChange, error) {
			return &store.IncidentChange{Acks: []store.Ack{{SubmissionID: s1.ID, AuthorityRef: "NCO-999", By: "x"}}}, nil
		})
		if apperr.CodeOf(err) != apperr.CodeConflict {
			t.Fatalf("second ack: %v", err)
		}
		other := mustCreateIncident(t, db, w.op2.ID, "other")
		_, err = db.UpdateIncident(ctx, other.ID, func(cur *incident.Incident) (*store.IncidentChange, error) {
			return &store.IncidentChange{Acks: []store.Ack{{SubmissionID: s2.ID, AuthorityRef: "P-1", By: "x"}}}, nil
		})
		if !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("ack of another incident's submission: %v", err)
		}
		if s, _ := db.Submission(ctx, s2.ID); s.AckedAt != nil || s.AuthorityRef != "" {
			t.Fatalf("failed ack wrote %+v", s)
		}

		// An error from fn, or a failing part of the change, writes
		// nothing: not the incident, version, submission, event or audit.
		before, _ := db.Incident(ctx, in.ID)
		head, _ := db.AuditHead(ctx)
		boom := errors.New("boom")
		for name, fn := range map[string]func(cur *incident.Incident) (*store.IncidentChange, error){
			"fn error": func(cur *incident.Incident) (*store.IncidentChange, error) {
				cur.Title, cur.Version = "changed", 3
				return &store.IncidentChange{Version: &incident.Version{N: 3}}, boom
			},
			"bad ack after writes": func(cur *incident.Incident) (*store.IncidentChange, error) {
				cur.Title, cur.Version = "changed", 3
				return &store.IncidentChange{
					Version:     &incident.Version{N: 3},
					Submissions: []*incident.Submission{{Recipient: w.nco.ID, Kind: incident.KindUpdate, Version: 3, Body: body}},
					Events:      []incident.Event{{Kind: "x"}},
					Audit:       []audit.Entry{cli.Event("incident.x", "incident", cur.ID, audit.OutcomeSuccess, "")},
					Acks:        []store.Ack{{SubmissionID: s1.ID, AuthorityRef: "again"}},
				}, nil
			},
			"version mismatch": func(cur *incident.Incident) (*store.IncidentChange, error) {
				cur.Version = 3
				return &store.IncidentChange{Version: &incident.Version{N: 5}}, nil
			},
			"invalid body": func(cur *incident.Incident) (*store.IncidentChange, error) {
				return &store.IncidentChange{Submissions: []*incident.Submission{{Recipient: w.nco.ID, Body: json.RawMessage(`{nope`)}}}, nil
			},
		} {
			_, err := db.UpdateIncident(ctx, in.ID, fn)
			if err == nil {
				t.Fatalf("%s: no error", name)
			}
			if name == "fn error" && err != boom {
				t.Errorf("fn error returned as %v", err)
			}
			after, _ := db.Incident(ctx, in.ID)
			if after.Rev != before.Rev || after.Title != before.Title || after.Version != before.Version {
				t.Errorf("%s: incident written: %+v", name, after)
			}
			if vs, _ := db.IncidentVersions(ctx, in.ID); len(vs) != 2 {
				t.Errorf("%s: %d versions", name, len(vs))
			}
			if subs, _ := db.Submissions(ctx, store.SubmissionQuery{IncidentID: in.ID}); len(subs) != 2 {
				t.Errorf("%s: %d submissions", name, len(subs))
			}
			if evs, _ := db.IncidentEvents(ctx, in.ID); len(evs) != 3 {
				t.Errorf("%s: %d events", name, len(evs))
			}
			if h, _ := db.AuditHead(ctx); h.Seq != head.Seq {
				t.Errorf("%s: audit moved %d -> %d", name, head.Seq, h.Seq)
			}
		}
		// nil change: only the incident.
		got, err = db.UpdateIncident(ctx, in.ID, func(cur *incident.Incident) (*store.IncidentChange, error) {
			cur.Triage.Severity = "high"
			return nil, nil
		})
		if err != nil || got.Rev != before.Rev+1 || got.Triage.Severity != "high" {
			t.Fatalf("nil change: %+v %v", got, err)
		}
		if _, err := db.UpdateIncident(ctx, "nope", func(*incident.Incident) (*store.IncidentChange, error) { return nil, nil }); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("missing incident: %v", err)
		}
		if _, err := db.IncidentVersion(ctx, in.ID, 9); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("missing version: %v", err)
		}
		// The audit chain still verifies.
		if v, err := db.VerifyAudit(ctx, nil); err != nil || v.Problem() != nil {
			t.Fatalf("verify: %v %+v", err, v.Problem())
		}
	})
}

func TestSubmissionsImmutable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newIncidentWorld(t, db)
		in := mustCreateIncident(t, db, w.op.ID, "x")
		s := submit(t, db, in.ID, w.nco.ID, false)
		raw := store.RawDB(db)
		p := func(q string) string {
			if db.Dialect() != store.Postgres {
				return q
			}
			n := 0
			var b strings.Builder
			for _, c := range q {
				if c == '?' {
					n++
					b.WriteString("$" + string(rune('0'+n)))
					continue
				}
				b.WriteRune(c)
			}
			return b.String()
		}
		for _, tc := range []struct {
			name string
			q    string
			args []any
		}{
			{"body", "UPDATE incident_submissions SET body = ? WHERE id = ?", []any{`{"title":"forged"}`, s.ID}},
			{"sha256", "UPDATE incident_submissions SET sha256 = ? WHERE id = ?", []any{"00", s.ID}},
			{"recipient", "UPDATE incident_submissions SET recipient = ? WHERE id = ?", []any{w.partner.ID, s.ID}},
			{"version", "UPDATE incident_submissions SET version = ? WHERE id = ?", []any{7, s.ID}},
			{"kind", "UPDATE incident_submissions SET kind = ? WHERE id = ?", []any{"final", s.ID}},
			{"regime", "UPDATE incident_submissions SET regime = ? WHERE id = ?", []any{"gdpr", s.ID}},
			{"stage", "UPDATE incident_submissions SET stage = ? WHERE id = ?", []any{"final", s.ID}},
			{"submitted_at", "UPDATE incident_submissions SET submitted_at = ? WHERE id = ?", []any{time.Now().UTC().Add(time.Hour), s.ID}},
			{"submitted_by", "UPDATE incident_submissions SET submitted_by = ? WHERE id = ?", []any{"mallory", s.ID}},
			{"incident_id", "UPDATE incident_submissions SET incident_id = ? WHERE id = ?", []any{mustCreateIncident(t, db, w.op.ID, "y").ID, s.ID}},
			{"delete", "DELETE FROM incident_submissions WHERE id = ?", []any{s.ID}},
		} {
			if _, err := raw.ExecContext(ctx, p(tc.q), tc.args...); err == nil {
				t.Errorf("%s: raw change accepted", tc.name)
			}
		}
		if db.Dialect() == store.SQLite {
			if _, err := raw.ExecContext(ctx, "UPDATE incident_submissions SET emergency = 1 WHERE id = ?", s.ID); err == nil {
				t.Errorf("emergency: raw change accepted")
			}
		} else {
			if _, err := raw.ExecContext(ctx, "UPDATE incident_submissions SET emergency = true WHERE id = $1", s.ID); err == nil {
				t.Errorf("emergency: raw change accepted")
			}
			if _, err := raw.ExecContext(ctx, "TRUNCATE incident_submissions CASCADE"); err == nil {
				t.Errorf("truncate accepted")
			}
		}
		// Writing the same values is no change.
		if _, err := raw.ExecContext(ctx, p("UPDATE incident_submissions SET body = body, recipient = ? WHERE id = ?"), w.nco.ID, s.ID); err != nil {
			t.Fatalf("an update changing nothing refused: %v", err)
		}
		// The acknowledgement may be set once, directly too; then not again.
		if _, err := raw.ExecContext(ctx, p("UPDATE incident_submissions SET authority_ref = ?, acked_at = ?, acked_by = ? WHERE id = ?"), "A-1", time.Now().UTC(), "gov", s.ID); err != nil {
			t.Fatalf("first acknowledgement refused: %v", err)
		}
		if _, err := raw.ExecContext(ctx, p("UPDATE incident_submissions SET authority_ref = ? WHERE id = ?"), "A-2", s.ID); err == nil {
			t.Errorf("second acknowledgement accepted")
		}
		got, err := db.Submission(ctx, s.ID)
		if err != nil || string(got.Body) != `{"title":"x"}` || got.SHA256 != s.SHA256 || got.Recipient != w.nco.ID || got.AuthorityRef != "A-1" {
			t.Fatalf("after attempts: %+v %v", got, err)
		}
		// Through the store: acknowledging again conflicts.
		_, err = db.UpdateIncident(ctx, in.ID, func(*incident.Incident) (*store.IncidentChange, error) {
			return &store.IncidentChange{Acks: []store.Ack{{SubmissionID: s.ID, AuthorityRef: "A-3", By: "gov"}}}, nil
		})
		if apperr.CodeOf(err) != apperr.CodeConflict {
			t.Fatalf("ack of an acknowledged submission: %v", err)
		}
	})
}

func TestIncidentTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		w := newIncidentWorld(t, db)
		b := &incident.Template{OrgID: w.op.ID, Name: "b ransomware", Regimes: []string{"jp-acd"}}
		a := &incident.Template{OrgID: w.op.ID, Name: "a ddos", Flow: incident.Flow{Mode: "sequential", Steps: []incident.ApprovalKind{incident.ApproveLegal}}}
		o := &incident.Template{OrgID: w.op2.ID, Name: "other org"}
		for _, tp := range []*incident.Template{b, a, o} {
			if err := db.PutTemplate(ctx, cli, tp); err != nil {
				t.Fatal(err)
			}
		}
		if a.ID == "" || !a.CreatedAt.Equal(now) || !a.UpdatedAt.Equal(now) {
			t.Fatalf("created %+v", a)
		}
		list, err := db.Templates(ctx, w.op.ID)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].Flow.Mode != "sequential" || list[1].Regimes[0] != "jp-acd" {
			t.Fatalf("templates %+v %v", list, err)
		}
		// Update, scoped to the organisation.
		now = now.Add(time.Hour)
		upd := *a
		upd.Name, upd.CreatedAt = "c ddos", time.Time{}
		if err := db.PutTemplate(ctx, cli, &upd); err != nil {
			t.Fatal(err)
		}
		got, err := db.Template(ctx, a.ID)
		if err != nil || got.Name != "c ddos" || !got.CreatedAt.Equal(a.CreatedAt) || !got.UpdatedAt.Equal(now) {
			t.Fatalf("updated %+v %v", got, err)
		}
		if list, _ := db.Templates(ctx, w.op.ID); len(list) != 2 || list[0].ID != b.ID {
			t.Fatalf("order after rename %+v", list)
		}
		steal := *a
		steal.OrgID, steal.Name = w.op2.ID, "stolen"
		if err := db.PutTemplate(ctx, cli, &steal); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("update of another org's template: %v", err)
		}
		if err := db.DeleteTemplate(ctx, cli, w.op2.ID, a.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("delete of another org's template: %v", err)
		}
		if got, _ := db.Template(ctx, a.ID); got == nil || got.Name != "c ddos" || got.OrgID != w.op.ID {
			t.Fatalf("template changed by another org: %+v", got)
		}
		if err := db.DeleteTemplate(ctx, cli, w.op.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Template(ctx, a.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("deleted template: %v", err)
		}
		if err := db.DeleteTemplate(ctx, cli, w.op.ID, a.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		if err := db.PutTemplate(ctx, cli, &incident.Template{OrgID: "nope", Name: "x"}); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Fatalf("unknown org: %v", err)
		}
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "incident_template.", Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		want := []string{"incident_template.create", "incident_template.create", "incident_template.create", "incident_template.update", "incident_template.delete"}
		if !slices.Equal(actions, want) {
			t.Fatalf("audit %v, want %v", actions, want)
		}
	})
}

func TestReportingSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newIncidentWorld(t, db)
		s, err := db.ReportingSettings(ctx, w.op.ID)
		if err != nil || s == nil || s.OrgID != w.op.ID || len(s.Regimes) != 0 || s.WebhookURL != "" || !s.UpdatedAt.IsZero() {
			t.Fatalf("default %+v %v", s, err)
		}
		const secret = "whsec-very-secret-value"
		put := &incident.Settings{OrgID: w.op.ID, Flow: incident.Flow{Mode: "parallel", Steps: []incident.ApprovalKind{incident.ApproveLegal, incident.ApprovePR}},
			Regimes: []string{"jp-acd", "appi"}, WebhookURL: "https://hooks.example.jp/x", WebhookSecret: secret, RemindBeforeHours: 4}
		if err := db.PutReportingSettings(ctx, cli, put); err != nil {
			t.Fatal(err)
		}
		got, err := db.ReportingSettings(ctx, w.op.ID)
		if err != nil || !slices.Equal(got.Regimes, []string{"jp-acd", "appi"}) || got.WebhookSecret != secret || got.RemindBeforeHours != 4 || len(got.Flow.Steps) != 2 || got.UpdatedAt.IsZero() {
			t.Fatalf("stored %+v %v", got, err)
		}
		// Upsert replaces.
		if err := db.PutReportingSettings(ctx, cli, &incident.Settings{OrgID: w.op.ID, Regimes: []string{"gdpr"}}); err != nil {
			t.Fatal(err)
		}
		got, err = db.ReportingSettings(ctx, w.op.ID)
		if err != nil || !slices.Equal(got.Regimes, []string{"gdpr"}) || got.WebhookSecret != "" {
			t.Fatalf("replaced %+v %v", got, err)
		}
		if other, _ := db.ReportingSettings(ctx, w.op2.ID); len(other.Regimes) != 0 {
			t.Fatalf("another org's settings %+v", other)
		}
		if err := db.PutReportingSettings(ctx, cli, &incident.Settings{OrgID: "nope"}); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Fatalf("unknown org: %v", err)
		}
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "reporting.settings"})
		if err != nil || len(es) != 2 {
			t.Fatalf("audit %+v %v", es, err)
		}
		for _, e := range es {
			if strings.Contains(e.Detail, secret) || strings.Contains(e.Detail, "hooks.example.jp") {
				t.Errorf("audit detail leaks the webhook: %q", e.Detail)
			}
		}
	})
}

func TestIncidentReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		w := newIncidentWorld(t, db)
		in := mustCreateIncident(t, db, w.op.ID, "x")
		due := time.Date(2026, 3, 10, 15, 0, 0, 123456789, time.FixedZone("JST", 9*3600))
		r1 := &incident.Reminder{IncidentID: in.ID, OrgID: w.op.ID, Regime: "jp-acd", Stage: "prompt", Kind: "due_soon", Due: due}
		ok, err := db.AddReminder(ctx, r1)
		if err != nil || !ok || !r1.CreatedAt.Equal(now) {
			t.Fatalf("add: %v %v %+v", ok, err, r1)
		}
		now = now.Add(time.Minute)
		again := &incident.Reminder{IncidentID: in.ID, OrgID: w.op.ID, Regime: "jp-acd", Stage: "prompt", Kind: "due_soon", Due: due}
		if ok, err := db.AddReminder(ctx, again); err != nil || ok {
			t.Fatalf("add again: %v %v", ok, err)
		}
		r2 := &incident.Reminder{IncidentID: in.ID, OrgID: w.op.ID, Regime: "jp-acd", Stage: "prompt", Kind: "overdue", Due: due}
		if ok, err := db.AddReminder(ctx, r2); err != nil || !ok {
			t.Fatalf("add overdue: %v %v", ok, err)
		}
		if err := db.SetReminderWebhook(ctx, r1, "delivered"); err != nil || r1.Webhook != "delivered" {
			t.Fatalf("webhook: %v", err)
		}
		missing := *r1
		missing.Stage = "final"
		if err := db.SetReminderWebhook(ctx, &missing, "x"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("webhook of a missing reminder: %v", err)
		}
		list, err := db.Reminders(ctx, w.op.ID, 0)
		if err != nil || len(list) != 2 || list[0].Kind != "overdue" || list[1].Webhook != "delivered" || !list[1].Due.Equal(due.Truncate(time.Microsecond)) {
			t.Fatalf("reminders %+v %v", list, err)
		}
		if list, _ := db.Reminders(ctx, w.op.ID, 1); len(list) != 1 {
			t.Fatalf("limit: %d", len(list))
		}
		if list, _ := db.Reminders(ctx, w.op2.ID, 0); len(list) != 0 {
			t.Fatalf("another org's reminders %+v", list)
		}
		if err := db.DismissReminder(ctx, w.op2.ID, *r1); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("dismiss by another org: %v", err)
		}
		// Dismissing uses the key as given (a due in another zone is the same instant).
		if err := db.DismissReminder(ctx, w.op.ID, incident.Reminder{IncidentID: in.ID, Regime: "jp-acd", Stage: "prompt", Kind: "due_soon", Due: due.UTC()}); err != nil {
			t.Fatal(err)
		}
		if err := db.DismissReminder(ctx, w.op.ID, *r1); err != nil {
			t.Fatalf("dismiss twice: %v", err)
		}
		list, err = db.Reminders(ctx, w.op.ID, 0)
		if err != nil || len(list) != 1 || list[0].Kind != "overdue" {
			t.Fatalf("after dismiss %+v %v", list, err)
		}
		// Dismissed, it is still not added again.
		if ok, err := db.AddReminder(ctx, again); err != nil || ok {
			t.Fatalf("re-add dismissed: %v %v", ok, err)
		}
	})
}
