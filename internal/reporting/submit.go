package reporting

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/store"
)

// Body is the document submitted to a receiver, kept exactly as sent.
type Body struct {
	Format    string          `json:"format"` // "sakimori-incident-report/1"
	Incident  string          `json:"incident"`
	Ref       string          `json:"ref"`
	Title     string          `json:"title"`
	Reporter  Reporter        `json:"reporter"`
	Recipient string          `json:"recipient"`
	Regime    string          `json:"regime,omitempty"`
	Stage     string          `json:"stage,omitempty"`
	Kind      string          `json:"kind"`
	Version   int             `json:"version"`
	Submitted time.Time       `json:"submitted_at"`
	By        string          `json:"submitted_by"`
	Emergency bool            `json:"emergency"`
	Reason    string          `json:"reason,omitempty"` // emergency or retraction reason
	Note      string          `json:"note,omitempty"`
	Content   report.Content  `json:"content"`
	Clocks    incident.Clocks `json:"clocks"`
	Concluded bool            `json:"concluded"`
}

// BodyFormat names the submission document format.
const BodyFormat = "sakimori-incident-report/1"

// Reporter is the reporting entity's legal details and 24/7 contact.
type Reporter struct {
	ID      string      `json:"id"`
	Slug    string      `json:"slug"`
	Name    org.Names   `json:"name"`
	Kind    org.Kind    `json:"kind"`
	Sector  org.Sector  `json:"sector,omitempty"`
	Contact org.Contact `json:"emergency_contact"`
}

func decodeBody(raw []byte) (*Body, error) {
	var b Body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("reporting: submission body: %w", err)
	}
	return &b, nil
}

// Target is a regime's stage a submission fulfils.
type Target struct {
	Regime string `json:"regime"`
	Stage  string `json:"stage"`
}

// SubmitRequest is a submission of the current version.
type SubmitRequest struct {
	// Targets are the regimes' stages this submission fulfils; none: an
	// update (or the first report) not tied to a stage.
	Targets []Target `json:"targets"`
	Final   bool     `json:"final"`
	// Emergency submits without (complete) approval; Reason is required
	// and recorded in the audit trail.
	Emergency bool   `json:"emergency"`
	Reason    string `json:"reason,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Submit sends the current version to every receiver (and linked
// partner), once per target stage, and keeps each document as sent.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, id string, req SubmitRequest) ([]incident.Submission, error) {
	cur, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if role != RoleReporter {
		return nil, apperr.Forbidden("only the reporting organisation submits its report")
	}
	o, err := s.DB.GetOrg(ctx, cur.OrgID)
	if err != nil {
		return nil, err
	}
	all, err := s.Regimes(ctx, p, cur.OrgID)
	if err != nil {
		return nil, err
	}
	partners, err := s.partners(ctx, cur)
	if err != nil {
		return nil, err
	}
	req.Reason, req.Note = strings.TrimSpace(req.Reason), strings.TrimSpace(req.Note)
	if req.Emergency && req.Reason == "" {
		return nil, apperr.Invalid("reason", "an emergency submission without full approval needs a reason")
	}
	if err := checkLen("reason", req.Reason, 2000); err != nil {
		return nil, err
	}
	if err := checkLen("note", req.Note, 5000); err != nil {
		return nil, err
	}
	var made []*incident.Submission // filled in by the store (ids, digests)
	_, err = s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		approved := in.State == incident.Approved && in.Approval != nil && in.Approval.Version == in.Version
		noFlow := len(in.Flow.Steps) == 0 && in.State.Editable()
		switch {
		case !in.State.Open():
			return nil, apperr.Conflict("state", "the report is %s: reopen it first", in.State)
		case req.Emergency:
		case approved, noFlow:
		case in.State == incident.InApproval:
			return nil, apperr.Conflict("state", "the report awaits approval: submit once approved, or as an emergency submission with a reason")
		default:
			return nil, apperr.Conflict("state", "version %d is not approved: request approval first, or submit as an emergency with a reason", in.Version)
		}
		// Every target must be a stage of a regime that applies, with its
		// required fields given.
		for i, t := range req.Targets {
			ch := slices.IndexFunc(in.Regimes, func(c incident.RegimeChoice) bool { return c.Regime == t.Regime })
			if ch < 0 || in.Regimes[ch].Reportable != incident.ReportableYes {
				return nil, apperr.Invalid("targets["+itoa(i)+"].regime", "%s is not decided as reportable for this incident", t.Regime)
			}
			r, _ := regime.Find(all, t.Regime)
			st, ok := r.Stage(t.Stage)
			if !ok {
				return nil, apperr.Invalid("targets["+itoa(i)+"].stage", "%s has no stage %q", t.Regime, t.Stage)
			}
			if miss := in.Content.Missing(st.Required); len(miss) > 0 {
				return nil, apperr.Invalid("content."+miss[0], "required by %s stage %s (%s) and not given; missing: %s",
					t.Regime, t.Stage, st.Name.EN, strings.Join(miss, ", "))
			}
		}
		now := s.now()
		kind := incident.KindReport
		switch {
		case req.Final:
			kind = incident.KindFinal
		case len(req.Targets) == 0 && in.SubmittedVersion > 0:
			kind = incident.KindUpdate
		}
		body := func(recipient string, t Target, k string) json.RawMessage {
			return marshal(Body{Format: BodyFormat, Incident: in.ID, Ref: in.Ref, Title: in.Title, Recipient: recipient,
				Reporter: Reporter{ID: o.ID, Slug: o.Slug, Name: o.Name, Kind: o.Kind, Sector: o.Sector, Contact: o.Contact},
				Regime:   t.Regime, Stage: t.Stage, Kind: k, Version: in.Version, Submitted: now, By: actorName(p),
				Emergency: req.Emergency && !approved, Reason: req.Reason, Note: req.Note, Content: in.Content, Clocks: in.Clocks,
				Concluded: in.Concluded})
		}
		ch := &store.IncidentChange{}
		targets := req.Targets
		if len(targets) == 0 {
			targets = []Target{{}}
		}
		emergency := req.Emergency && !approved
		for _, t := range targets {
			for _, r := range in.Recipients {
				ch.Submissions = append(ch.Submissions, &incident.Submission{Recipient: r, Regime: t.Regime, Stage: t.Stage, Kind: kind,
					Version: in.Version, SubmittedAt: now, SubmittedBy: actorName(p), Emergency: emergency, Body: body(r, t, kind)})
			}
		}
		for _, r := range partners {
			ch.Submissions = append(ch.Submissions, &incident.Submission{Recipient: r, Partner: true, Kind: kind,
				Version: in.Version, SubmittedAt: now, SubmittedBy: actorName(p), Emergency: emergency, Body: body(r, Target{}, kind)})
		}
		in.Partners = partners
		var what []string
		for _, t := range req.Targets {
			what = append(what, t.Regime+"/"+t.Stage)
		}
		text := fmt.Sprintf("%s of version %d to %d receiver(s)", kind, in.Version, len(ch.Submissions))
		if len(what) > 0 {
			text += " for " + strings.Join(what, ", ")
		}
		evKind := "submitted"
		action := "incident.submit"
		if emergency {
			evKind, action = "emergency_submitted", "incident.submit.emergency"
			text += " without full approval: " + req.Reason
			in.Emergency = true
			if in.Approval != nil && in.Approval.Outcome == incident.Pending {
				in.Approval.Outcome = incident.Withdraw
			}
		}
		ch.Events = append(ch.Events, event(p, evKind, text+noteSuffix(req.Note), true))
		ch.Audit = append(ch.Audit, p.Actor().Event(action, "incident", in.ID, audit.OutcomeSuccess, text))
		for i := range in.InfoRequests {
			r := &in.InfoRequests[i]
			if r.State == "open" {
				r.State, r.AnsweredAt, r.AnswerVersion = "answered", &now, in.Version
			}
		}
		switch {
		case req.Final:
			in.State = incident.Final
		case in.SubmittedVersion == 0:
			in.State = incident.Submitted
		default:
			in.State = incident.Updated
		}
		in.SubmittedVersion, in.Approval, in.Resume = in.Version, nil, ""
		made = ch.Submissions
		return ch, nil
	})
	if err != nil {
		return nil, err
	}
	stored := make([]incident.Submission, len(made))
	for i, x := range made {
		stored[i] = *x
	}
	s.notifyAsync(cur.OrgID, "incident.submitted", map[string]any{"incident": id, "ref": cur.Ref, "submissions": len(stored)})
	return stored, nil
}

// Acknowledge records a receiver's acknowledgement of a submission to it,
// with the authority's reference.
func (s *Service) Acknowledge(ctx context.Context, p *auth.Principal, id, submissionID, authorityRef string) (*incident.Incident, error) {
	authorityRef = strings.TrimSpace(authorityRef)
	if authorityRef == "" {
		return nil, apperr.Invalid("authority_ref", "give the authority's reference for the report")
	}
	if err := checkLen("authority_ref", authorityRef, 200); err != nil {
		return nil, err
	}
	me := p.ActingOrgID()
	sub, err := s.DB.Submission(ctx, submissionID)
	if err != nil || sub.IncidentID != id || sub.Recipient != me {
		return nil, apperr.NotFound("submission", submissionID)
	}
	return s.receive(ctx, p, id, func(in *incident.Incident) (*store.IncidentChange, error) {
		if in.State == incident.Submitted || in.State == incident.Updated {
			in.State = incident.Acknowledged
		}
		return &store.IncidentChange{
			Acks:   []store.Ack{{SubmissionID: submissionID, AuthorityRef: authorityRef, By: actorName(p)}},
			Events: []incident.Event{event(p, "acknowledged", fmt.Sprintf("receipt of version %d acknowledged, reference %s", sub.Version, authorityRef), true)},
			Audit:  []audit.Entry{p.Actor().Event("incident.acknowledge", "incident", in.ID, audit.OutcomeSuccess, "submission="+submissionID+" ref="+authorityRef)},
		}, nil
	})
}

// InfoRequestInput is a receiver's request for more information.
type InfoRequestInput struct {
	Question string     `json:"question"`
	Fields   []string   `json:"fields,omitempty"`
	Due      *time.Time `json:"due,omitempty"`
}

// RequestInfo asks the reporter for more information; the reporter sees
// it as a task until the next submission answers it.
func (s *Service) RequestInfo(ctx context.Context, p *auth.Principal, id string, r InfoRequestInput) (*incident.Incident, error) {
	r.Question = strings.TrimSpace(r.Question)
	if r.Question == "" {
		return nil, apperr.Invalid("question", "is required")
	}
	if err := checkLen("question", r.Question, 5000); err != nil {
		return nil, err
	}
	names := report.FieldNames()
	for i, f := range r.Fields {
		if !slices.Contains(names, f) {
			return nil, apperr.Invalid("fields["+itoa(i)+"]", "%q is not a report field", f)
		}
	}
	now := s.now()
	if r.Due != nil && !r.Due.After(now) {
		return nil, apperr.Invalid("due", "must be in the future")
	}
	var orgID, ref string
	in, err := s.receive(ctx, p, id, func(in *incident.Incident) (*store.IncidentChange, error) {
		if !in.State.Open() {
			return nil, apperr.Conflict("state", "the report is %s", in.State)
		}
		req := incident.InfoRequest{ID: store.NewID(), FromOrg: p.ActingOrgID(), Question: r.Question, Fields: r.Fields, Due: r.Due,
			State: "open", CreatedBy: actorName(p), CreatedAt: now}
		in.InfoRequests = append(in.InfoRequests, req)
		switch in.State {
		case incident.Submitted, incident.Acknowledged, incident.Updated, incident.Final:
			in.State = incident.InfoRequested
		}
		orgID, ref = in.OrgID, in.Ref
		text := r.Question
		if r.Due != nil {
			text += " (due " + r.Due.In(report.JST).Format("2006-01-02 15:04 MST") + ")"
		}
		return &store.IncidentChange{
			Events: []incident.Event{event(p, "info_requested", text, true)},
			Audit:  []audit.Entry{p.Actor().Event("incident.request_info", "incident", in.ID, audit.OutcomeSuccess, "request="+req.ID)},
		}, nil
	})
	if err == nil {
		s.notifyAsync(orgID, "incident.info_requested", map[string]any{"incident": id, "ref": ref, "question": r.Question})
	}
	return in, err
}

// Comment kinds.
var commentKinds = []string{"feedback", "advice", "comment"}

// Comment adds feedback or advice (receivers) or a comment (the reporter
// or a receiver) to the incident's shared history.
func (s *Service) Comment(ctx context.Context, p *auth.Principal, id, kind, text string) (*incident.Incident, error) {
	text = strings.TrimSpace(text)
	if !slices.Contains(commentKinds, kind) {
		return nil, apperr.Invalid("kind", "must be feedback, advice or comment")
	}
	if text == "" {
		return nil, apperr.Invalid("text", "is required")
	}
	if err := checkLen("text", text, 10000); err != nil {
		return nil, err
	}
	_, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	fn := func(in *incident.Incident) (*store.IncidentChange, error) {
		return &store.IncidentChange{
			Events: []incident.Event{event(p, kind, text, true)},
			Audit:  []audit.Entry{p.Actor().Event("incident."+kind, "incident", in.ID, audit.OutcomeSuccess, "")},
		}, nil
	}
	if role == RoleReporter {
		if kind != "comment" {
			return nil, apperr.Invalid("kind", "feedback and advice come from the receivers")
		}
		return s.update(ctx, p, id, auth.ActReportWrite, fn)
	}
	return s.receive(ctx, p, id, fn)
}

// SetTriage records the government's triage of a received report.
func (s *Service) SetTriage(ctx context.Context, p *auth.Principal, id string, t incident.Triage) (*incident.Incident, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if t.Assignee != "" {
		u, err := s.DB.GetUser(ctx, t.Assignee)
		if err != nil || u.OrgID != p.ActingOrgID() || u.Disabled {
			return nil, apperr.Invalid("assignee", "%q is not an active user of your organisation", t.Assignee)
		}
		t.Assignee, t.AssigneeName = u.ID, u.DisplayName
	}
	return s.receive(ctx, p, id, func(in *incident.Incident) (*store.IncidentChange, error) {
		now := s.now()
		t.UpdatedBy, t.UpdatedAt = actorName(p), &now
		in.Triage = t
		text := fmt.Sprintf("severity %s, %s", orDash(t.Severity), t.Status)
		if t.AssigneeName != "" {
			text += ", assigned to " + t.AssigneeName
		}
		ev := event(p, "triaged", text, false)
		ev.GovOnly = true
		return &store.IncidentChange{Events: []incident.Event{ev},
			Audit: []audit.Entry{p.Actor().Event("incident.triage", "incident", in.ID, audit.OutcomeSuccess, text)}}, nil
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// AddLink ties a received report to a correlation cluster, an alert, a
// shared object or another incident (the government's view).
func (s *Service) AddLink(ctx context.Context, p *auth.Principal, id string, l incident.Link) (*incident.Incident, error) {
	l.Ref, l.Note = strings.TrimSpace(l.Ref), strings.TrimSpace(l.Note)
	if !slices.Contains(incident.LinkKinds, l.Kind) {
		return nil, apperr.Invalid("kind", "must be cluster, alert, object or incident")
	}
	if l.Ref == "" {
		return nil, apperr.Invalid("ref", "is required")
	}
	if err := checkLen("ref", l.Ref, 300); err != nil {
		return nil, err
	}
	if err := checkLen("note", l.Note, 2000); err != nil {
		return nil, err
	}
	// A cluster or an alert must exist; the link keeps its ref
	// (CL-2026-0001, ALR-2026-0001), whichever of id or ref was given.
	// Only government analysts learn whether one exists.
	if err := auth.Authorize(p, auth.ActReportReceive, auth.Target{}); err != nil {
		return nil, err
	}
	switch l.Kind {
	case "cluster":
		c, err := s.DB.GetCluster(ctx, l.Ref)
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return nil, apperr.Invalid("ref", "no correlation cluster %q", l.Ref)
		}
		if err != nil {
			return nil, err
		}
		l.Ref = c.Ref
	case "alert":
		a, err := s.DB.Alert(ctx, l.Ref)
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return nil, apperr.Invalid("ref", "no alert %q", l.Ref)
		}
		if err != nil {
			return nil, err
		}
		if l.Ref = a.Ref; l.Ref == "" {
			l.Ref = a.ID
		}
	case "object":
		if typ, _, ok := strings.Cut(l.Ref, "--"); !ok || typ == "" {
			return nil, apperr.Invalid("ref", "must be a STIX id (type--uuid)")
		}
	}
	return s.receive(ctx, p, id, func(in *incident.Incident) (*store.IncidentChange, error) {
		if slices.ContainsFunc(in.Links, func(x incident.Link) bool { return x.Kind == l.Kind && x.Ref == l.Ref }) {
			return nil, apperr.Conflict("ref", "already linked to %s %s", l.Kind, l.Ref)
		}
		l.By, l.At = p.ActingOrgID(), s.now()
		in.Links = append(in.Links, l)
		ev := event(p, "linked", l.Kind+" "+l.Ref+noteSuffix(l.Note), false)
		ev.GovOnly = true
		return &store.IncidentChange{Events: []incident.Event{ev}}, nil
	})
}

// Close ends a submitted report: nothing more to report.
func (s *Service) Close(ctx context.Context, p *auth.Principal, id, note string) (*incident.Incident, error) {
	return s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		if in.SubmittedVersion == 0 || !in.State.Open() || in.State == incident.InApproval {
			return nil, apperr.Conflict("state", "only a submitted, open report is closed (this one is %s); refute a false positive instead", in.State)
		}
		if slices.ContainsFunc(in.InfoRequests, func(r incident.InfoRequest) bool { return r.State == "open" }) {
			return nil, apperr.Conflict("info_requests", "answer the open information requests first")
		}
		in.State, in.Concluded = incident.Closed, true
		return &store.IncidentChange{Events: []incident.Event{event(p, "closed", note, true)},
			Audit: []audit.Entry{p.Actor().Event("incident.close", "incident", in.ID, audit.OutcomeSuccess, note)}}, nil
	})
}

// Refute marks the incident a false positive; every receiver of an
// earlier submission gets a retraction notice.
func (s *Service) Refute(ctx context.Context, p *auth.Principal, id, reason string) (*incident.Incident, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Invalid("reason", "say why the incident is a false positive")
	}
	if err := checkLen("reason", reason, 5000); err != nil {
		return nil, err
	}
	cur, _, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	o, err := s.DB.GetOrg(ctx, cur.OrgID)
	if err != nil {
		return nil, err
	}
	prev, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentID: id})
	if err != nil {
		return nil, err
	}
	// What each receiver last received (title and version).
	type sent struct {
		Version int
		Title   string
	}
	last := map[string]sent{}
	for _, x := range prev {
		if x.Kind == incident.KindRetraction {
			continue
		}
		b, err := decodeBody(x.Body)
		if err != nil {
			return nil, err
		}
		last[x.Recipient] = sent{Version: x.Version, Title: b.Title}
	}
	return s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		if !in.State.Open() {
			return nil, apperr.Conflict("state", "the report is already %s", in.State)
		}
		now := s.now()
		ch := &store.IncidentChange{}
		seen := map[string]bool{}
		for _, x := range prev {
			if seen[x.Recipient] {
				continue
			}
			seen[x.Recipient] = true
			// The retraction names the report as last submitted to this
			// receiver and carries no content: a draft written since must
			// not reach it this way.
			ch.Submissions = append(ch.Submissions, &incident.Submission{Recipient: x.Recipient, Partner: x.Partner, Kind: incident.KindRetraction,
				Version: last[x.Recipient].Version, SubmittedAt: now, SubmittedBy: actorName(p),
				Body: marshal(Body{Format: BodyFormat, Incident: in.ID, Ref: in.Ref, Title: last[x.Recipient].Title, Recipient: x.Recipient,
					Reporter: Reporter{ID: o.ID, Slug: o.Slug, Name: o.Name, Kind: o.Kind, Sector: o.Sector, Contact: o.Contact},
					Kind:     incident.KindRetraction, Version: last[x.Recipient].Version, Submitted: now, By: actorName(p), Reason: reason,
					Concluded: true})})
		}
		in.State, in.Reason, in.Concluded = incident.Refuted, reason, true
		if in.Approval != nil && in.Approval.Outcome == incident.Pending {
			in.Approval.Outcome = incident.Withdraw
		}
		ch.Events = []incident.Event{event(p, "refuted", fmt.Sprintf("false positive: %s (retraction sent to %d receiver(s))", reason, len(ch.Submissions)), true)}
		ch.Audit = []audit.Entry{p.Actor().Event("incident.refute", "incident", in.ID, audit.OutcomeSuccess, reason)}
		return ch, nil
	})
}

// Reopen reopens a closed or refuted incident when new facts arrive.
func (s *Service) Reopen(ctx context.Context, p *auth.Principal, id, reason string) (*incident.Incident, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Invalid("reason", "say what new facts reopen the incident")
	}
	return s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		if in.State.Open() {
			return nil, apperr.Conflict("state", "the report is %s, not closed or refuted", in.State)
		}
		in.State, in.Concluded, in.Reason = incident.Reopened, false, ""
		return &store.IncidentChange{Events: []incident.Event{event(p, "reopened", reason, true)},
			Audit: []audit.Entry{p.Actor().Event("incident.reopen", "incident", in.ID, audit.OutcomeSuccess, reason)}}, nil
	})
}

// FieldChange is one field that differs between two versions.
type FieldChange struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Diff compares two versions field by field (title and every content
// field, value and meta). Receivers compare only versions submitted to
// them.
func (s *Service) Diff(ctx context.Context, p *auth.Principal, id string, from, to int) ([]FieldChange, error) {
	a, err := s.Version(ctx, p, id, from)
	if err != nil {
		return nil, apperr.Prefix(err, "from")
	}
	b, err := s.Version(ctx, p, id, to)
	if err != nil {
		return nil, err
	}
	return diff(a, b), nil
}

func diff(a, b *incident.Version) []FieldChange {
	out := []FieldChange{}
	if a.Title != b.Title {
		out = append(out, FieldChange{Field: "title", Before: marshal(a.Title), After: marshal(b.Title)})
	}
	var ma, mb map[string]json.RawMessage
	_ = json.Unmarshal(marshal(a.Content), &ma)
	_ = json.Unmarshal(marshal(b.Content), &mb)
	for _, name := range append(report.FieldNames(), "share_with") {
		if string(ma[name]) != string(mb[name]) {
			out = append(out, FieldChange{Field: name, Before: ma[name], After: mb[name]})
		}
	}
	return out
}

// Version returns version n of the incident's content. Receivers get only
// versions submitted to them, as submitted.
func (s *Service) Version(ctx context.Context, p *auth.Principal, id string, n int) (*incident.Version, error) {
	_, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if role == RoleReporter {
		return s.DB.IncidentVersion(ctx, id, n)
	}
	subs, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentID: id, Recipient: p.ActingOrgID()})
	if err != nil {
		return nil, err
	}
	for i := len(subs) - 1; i >= 0; i-- {
		if subs[i].Version == n && subs[i].Kind != incident.KindRetraction {
			b, err := decodeBody(subs[i].Body)
			if err != nil {
				return nil, err
			}
			return &incident.Version{IncidentID: id, N: n, Title: b.Title, Content: b.Content, SavedBy: b.By, SavedAt: b.Submitted}, nil
		}
	}
	return nil, apperr.NotFound("version", itoa(n))
}

// Submission returns one submission, exactly as sent, to the reporter or
// its recipient.
func (s *Service) Submission(ctx context.Context, p *auth.Principal, id, subID string) (*incident.Submission, error) {
	_, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	sub, err := s.DB.Submission(ctx, subID)
	if err != nil || sub.IncidentID != id || role != RoleReporter && sub.Recipient != p.ActingOrgID() {
		return nil, apperr.NotFound("submission", subID)
	}
	return sub, nil
}
