package reporting

import (
	"context"
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

// NewIncident is what starts an incident.
type NewIncident struct {
	OrgID      string `json:"org_id,omitempty"`
	TemplateID string `json:"template_id,omitempty"`
	Title      string `json:"title"`
	// Content, when given, replaces the template's content.
	Content *report.Content `json:"content,omitempty"`
	Clocks  incident.Clocks `json:"clocks"`
	Regimes []string        `json:"regimes,omitempty"` // override the template's / settings' regimes
	Note    string          `json:"note,omitempty"`
}

// Create starts an incident of p's organisation, from a template when
// one is named.
func (s *Service) Create(ctx context.Context, p *auth.Principal, n NewIncident) (*incident.Incident, error) {
	if n.OrgID == "" {
		n.OrgID = p.ActingOrgID()
	}
	if err := s.authorizeOwn(p, auth.ActReportWrite, n.OrgID); err != nil {
		return nil, err
	}
	st, err := s.DB.ReportingSettings(ctx, n.OrgID)
	if err != nil {
		return nil, err
	}
	in := &incident.Incident{OrgID: n.OrgID, Title: n.Title, State: incident.Draft, Flow: st.Flow, Clocks: n.Clocks,
		CreatedBy: actorID(p), InfoRequests: []incident.InfoRequest{}, Links: []incident.Link{}, Partners: []string{}}
	regimes := st.Regimes
	if n.TemplateID != "" {
		t, err := s.Template(ctx, p, n.TemplateID)
		if err != nil {
			return nil, apperr.Invalid("template_id", "no template %q in your organisation", n.TemplateID)
		}
		in.TemplateID, in.Content, in.DefaultTLP = t.ID, t.Content, t.DefaultTLP
		if t.OwnFlow || len(t.Flow.Steps) > 0 {
			in.Flow = t.Flow
		}
		if len(t.Regimes) > 0 {
			regimes = t.Regimes
		}
		if in.Title == "" && t.Title != "" {
			in.Title = t.Title
		}
	}
	if n.Content != nil {
		in.Content = *n.Content
	}
	if len(n.Regimes) > 0 {
		regimes = n.Regimes
	}
	o, err := s.DB.GetOrg(ctx, n.OrgID)
	if err != nil {
		return nil, err
	}
	if len(regimes) == 0 && o.Kind == org.KindOperator {
		regimes = []string{"jp-acd"}
	}
	all, err := s.regimesOf(st)
	if err != nil {
		return nil, err
	}
	for i, id := range regimes {
		if _, ok := regime.Find(all, id); !ok {
			return nil, apperr.Invalid("regimes["+itoa(i)+"]", "no regime %q", id)
		}
		rep := incident.ReportableUndecided
		if id == "jp-acd" && o.Kind == org.KindOperator {
			rep = incident.ReportableYes
		}
		in.Regimes = append(in.Regimes, incident.RegimeChoice{Regime: id, Reportable: rep})
	}
	if in.Regimes == nil {
		in.Regimes = []incident.RegimeChoice{}
	}
	if in.Flow.Steps == nil {
		in.Flow.Steps = []incident.ApprovalKind{}
	}
	if in.Flow.Mode == "" {
		in.Flow.Mode = "parallel"
	}
	if in.Recipients, err = s.recipients(ctx, o, st); err != nil {
		return nil, err
	}
	if err := in.Validate(s.now()); err != nil {
		return nil, err
	}
	if err := s.checkContent(ctx, in); err != nil {
		return nil, err
	}
	v := &incident.Version{Title: in.Title, Content: in.Content, SavedBy: actorName(p), Note: n.Note}
	ev := event(p, "created", "", false)
	if in.TemplateID != "" {
		ev.Text = "from template " + in.TemplateID
	}
	if err := s.DB.CreateIncident(ctx, p.Actor(), in, v, []incident.Event{ev}); err != nil {
		return nil, err
	}
	return forReporter(in), nil
}

// checkContent checks the references of the content: computers of the
// organisation's registry, partners and the supplier linked to it.
func (s *Service) checkContent(ctx context.Context, in *incident.Incident) error {
	if err := s.checkComputers(ctx, in.OrgID, "content.computers.value", in.Content.Computers.Value); err != nil {
		return err
	}
	_, err := s.partners(ctx, in)
	return err
}

// partners are the linked organisations the report also goes to: the
// content's partners and the supplier where it happened, each with a
// confirmed supply-chain link to the reporter.
func (s *Service) partners(ctx context.Context, in *incident.Incident) ([]string, error) {
	c := &in.Content
	want := slices.Clone(c.Partners.Value)
	if c.AtSupplier.Value != "" {
		want = append(want, c.AtSupplier.Value)
	}
	if len(want) == 0 {
		return []string{}, nil
	}
	linked, err := s.DB.LinkedOrgIDs(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, ref := range want {
		field := "content.partners.value[" + itoa(i) + "]"
		if i >= len(c.Partners.Value) {
			field = "content.at_supplier.value"
		}
		o, err := s.DB.GetOrg(ctx, ref)
		if err != nil || !slices.Contains(linked, o.ID) {
			return nil, apperr.Invalid(field, "%q is not an organisation with a confirmed supply-chain link to yours", ref)
		}
		if !slices.Contains(out, o.ID) {
			out = append(out, o.ID)
		}
	}
	return out, nil
}

// Query filters List.
type Query struct {
	States []incident.State `json:"states,omitempty"`
	Q      string           `json:"q,omitempty"`
	// Received lists reports submitted to p's organisation instead of its
	// own.
	Received bool `json:"received,omitempty"`
	Limit    int  `json:"limit,omitempty"`
}

// List returns p's organisation's incidents, or those submitted to it.
func (s *Service) List(ctx context.Context, p *auth.Principal, q Query) ([]incident.Incident, error) {
	me := p.ActingOrgID()
	if me == "" {
		return nil, apperr.Invalid("org", "choose the organisation to act for")
	}
	sq := store.IncidentQuery{States: q.States, Q: q.Q, Limit: q.Limit}
	if q.Received {
		if err := auth.Authorize(p, auth.ActReportRead, auth.Target{}); err != nil {
			return nil, err
		}
		sq.Recipient = me
	} else {
		if err := s.authorizeOwn(p, auth.ActReportRead, me); err != nil {
			return nil, err
		}
		sq.OrgID = me
	}
	ins, err := s.DB.ListIncidents(ctx, sq)
	if err != nil {
		return nil, err
	}
	if !q.Received {
		for i := range ins {
			forReporter(&ins[i])
		}
	}
	if q.Received && len(ins) > 0 {
		// One query for the submissions to p's organisation of every
		// listed incident.
		ids := make([]string, len(ins))
		for i := range ins {
			ids[i] = ins[i].ID
		}
		all, err := s.DB.Submissions(ctx, store.SubmissionQuery{Recipient: me, IncidentIDs: ids, Limit: 10000})
		if err != nil {
			return nil, err
		}
		by := map[string][]incident.Submission{}
		for _, x := range all {
			by[x.IncidentID] = append(by[x.IncidentID], x)
		}
		for i := range ins {
			v, err := s.receivedViewOf(p, &ins[i], me, by[ins[i].ID])
			if err != nil {
				return nil, err
			}
			ins[i] = *v
		}
	}
	return ins, nil
}

// receivedView is the incident as a receiver or partner sees it: the
// content, title and clocks of the latest submission to it; no approvals,
// flow, drafts or template; triage and links for the government only.
func (s *Service) receivedView(ctx context.Context, p *auth.Principal, in *incident.Incident, me string) (*incident.Incident, error) {
	subs, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentID: in.ID, Recipient: me})
	if err != nil {
		return nil, err
	}
	return s.receivedViewOf(p, in, me, subs)
}

// receivedViewOf is receivedView given the submissions to me.
func (s *Service) receivedViewOf(p *auth.Principal, in *incident.Incident, me string, subs []incident.Submission) (*incident.Incident, error) {
	out := *in
	out.Approval, out.Flow, out.TemplateID, out.Resume, out.CreatedBy = nil, incident.Flow{Steps: []incident.ApprovalKind{}}, "", "", ""
	out.Content, out.Version, out.SubmittedVersion = report.Content{}, 0, 0
	out.Regimes = []incident.RegimeChoice{}
	if !p.IsGovernment() || len(subs) > 0 && subs[0].Partner {
		out.Triage, out.Links = incident.Triage{}, []incident.Link{}
	}
	out.InfoRequests = slices.DeleteFunc(slices.Clone(in.InfoRequests), func(r incident.InfoRequest) bool { return r.FromOrg != me })
	for _, x := range subs {
		out.Acknowledged = out.Acknowledged || x.AckedAt != nil
	}
	// The content is that of the latest report (a retraction carries none).
	for i := len(subs) - 1; i >= 0; i-- {
		if subs[i].Kind == incident.KindRetraction {
			continue
		}
		b, err := decodeBody(subs[i].Body)
		if err != nil {
			return nil, err
		}
		out.Title, out.Content, out.Clocks, out.Version, out.SubmittedVersion = b.Title, b.Content, b.Clocks, b.Version, b.Version
		break
	}
	return &out, nil
}

// View is one incident as p sees it.
type View struct {
	Incident    *incident.Incident    `json:"incident"`
	Role        string                `json:"role"` // reporter | receiver | partner
	Org         *org.Organisation     `json:"org"`  // the reporting organisation
	Timeline    []regime.Due          `json:"timeline"`
	Submissions []incident.Submission `json:"submissions"`
	Versions    []VersionInfo         `json:"versions"`
	Events      []incident.Event      `json:"events"`
	Can         Can                   `json:"can"`
}

// VersionInfo is one version in a view.
type VersionInfo struct {
	N         int       `json:"version"`
	SavedAt   time.Time `json:"saved_at"`
	SavedBy   string    `json:"saved_by"`
	Note      string    `json:"note,omitempty"`
	Submitted bool      `json:"submitted"`
}

// Can says which actions p may take on the incident now (controls shown).
type Can struct {
	Edit            bool                    `json:"edit"`
	RequestApproval bool                    `json:"request_approval"`
	Approve         []incident.ApprovalKind `json:"approve"`
	Withdraw        bool                    `json:"withdraw"`
	Submit          bool                    `json:"submit"`
	Emergency       bool                    `json:"emergency"`
	Close           bool                    `json:"close"`
	Refute          bool                    `json:"refute"`
	Reopen          bool                    `json:"reopen"`
	Share           bool                    `json:"share"`
	Receive         bool                    `json:"receive"` // acknowledge, triage, request information, feedback
	Comment         bool                    `json:"comment"`
}

// Get returns the incident as p sees it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*View, error) {
	in, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	o, err := s.DB.GetOrg(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	v := &View{Role: role, Org: o, Incident: in}
	if role == RoleReporter {
		forReporter(in)
	}
	evs, err := s.DB.IncidentEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	me := p.ActingOrgID()
	gov := p.IsGovernment()
	if role == RoleReporter {
		subs, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentID: id})
		if err != nil {
			return nil, err
		}
		v.Submissions = subs
		vs, err := s.DB.IncidentVersions(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, x := range vs {
			v.Versions = append(v.Versions, VersionInfo{N: x.N, SavedAt: x.SavedAt, SavedBy: x.SavedBy, Note: x.Note,
				Submitted: slices.ContainsFunc(subs, func(s incident.Submission) bool { return s.Version == x.N })})
		}
		v.Events = slices.DeleteFunc(evs, func(e incident.Event) bool { return e.GovOnly })
		if v.Timeline, err = s.timeline(ctx, in, subs); err != nil {
			return nil, err
		}
		v.Can = s.can(p, in)
	} else {
		subs, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentID: id, Recipient: me})
		if err != nil {
			return nil, err
		}
		v.Submissions = subs
		if v.Incident, err = s.receivedView(ctx, p, in, me); err != nil {
			return nil, err
		}
		seen := map[int]bool{}
		for _, x := range subs {
			if !seen[x.Version] && x.Kind != incident.KindRetraction {
				seen[x.Version] = true
				v.Versions = append(v.Versions, VersionInfo{N: x.Version, SavedAt: x.SubmittedAt, SavedBy: x.SubmittedBy, Submitted: true})
			}
		}
		govOrg := map[string]bool{} // organisation id -> government, read once each
		government := func(id string) bool {
			g, ok := govOrg[id]
			if !ok {
				o, err := s.DB.GetOrg(ctx, id)
				g = err == nil && o.Kind.IsGovernment()
				govOrg[id] = g
			}
			return g
		}
		v.Events = slices.DeleteFunc(evs, func(e incident.Event) bool {
			if e.GovOnly {
				return !(gov && role == RoleReceiver)
			}
			if !e.Shared {
				return true
			}
			// Shared events between the reporter and one receiver (an
			// information request, feedback) are not shown to the others.
			return e.OrgID != in.OrgID && e.OrgID != me && !(gov && role == RoleReceiver && government(e.OrgID))
		})
		v.Can = Can{Receive: role == RoleReceiver && auth.Can(p, auth.ActReportReceive, auth.Target{}), Comment: role == RoleReceiver && auth.Can(p, auth.ActReportReceive, auth.Target{})}
		v.Timeline = []regime.Due{}
	}
	if v.Versions == nil {
		v.Versions = []VersionInfo{}
	}
	if v.Submissions == nil {
		v.Submissions = []incident.Submission{}
	}
	return v, nil
}

func (s *Service) can(p *auth.Principal, in *incident.Incident) Can {
	write := s.authorizeOwn(p, auth.ActReportWrite, in.OrgID) == nil
	c := Can{Approve: []incident.ApprovalKind{}}
	c.Edit = write && in.State.Editable()
	c.RequestApproval = write && in.State.Editable() && in.State != incident.Approved && len(in.Flow.Steps) > 0
	c.Withdraw = write && in.State == incident.InApproval
	c.Submit = write && (in.State == incident.Approved || len(in.Flow.Steps) == 0 && in.State.Editable())
	c.Emergency = write && in.State.Open() && !c.Submit
	c.Close = write && in.SubmittedVersion > 0 && in.State.Open() && in.State != incident.InApproval
	c.Refute = write && in.State.Open()
	c.Reopen = write && !in.State.Open()
	c.Share = s.authorizeOwn(p, auth.ActReportShare, in.OrgID) == nil && in.State != incident.Refuted
	c.Comment = write
	if in.State == incident.InApproval && in.Approval != nil && s.authorizeOwn(p, auth.ActReportApprove, in.OrgID) == nil {
		for _, k := range incident.ApprovalKinds {
			if (p.IsSystem() || p.Has(k.Role())) && in.Approval.Next(k) >= 0 {
				c.Approve = append(c.Approve, k)
			}
		}
	}
	return c
}

// timeline computes the deadlines of every regime chosen for the
// incident and not decided as not reportable.
func (s *Service) timeline(ctx context.Context, in *incident.Incident, subs []incident.Submission) ([]regime.Due, error) {
	or, err := s.orgRegimes(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	return TimelineOf(in, subs, or.all, or.hol, s.now()), nil
}

// orgRegimes are an organisation's regimes (with its offsets) and
// holidays: what its deadlines are computed from.
type orgRegimes struct {
	all []regime.Regime
	hol regime.Holidays
}

func (s *Service) orgRegimes(ctx context.Context, orgID string) (*orgRegimes, error) {
	st, err := s.DB.ReportingSettings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	all, err := s.regimesOf(st)
	if err != nil {
		return nil, err
	}
	hol, err := regime.NewHolidays(st.Holidays...)
	if err != nil {
		return nil, err
	}
	return &orgRegimes{all, hol}, nil
}

// TimelineOf computes the deadlines of every regime chosen for the
// incident and not decided as not reportable, soonest first, with the
// organisation's regimes (RegimesOf) and holidays.
func TimelineOf(in *incident.Incident, subs []incident.Submission, all []regime.Regime, hol regime.Holidays, now time.Time) []regime.Due {
	out := []regime.Due{}
	for _, ch := range in.Regimes {
		if ch.Reportable == incident.ReportableNo {
			continue
		}
		r, ok := regime.Find(all, ch.Regime)
		if !ok {
			continue
		}
		f := in.Facts(ch, subs)
		if regime.CheckFacts(f) != nil {
			continue
		}
		out = append(out, r.Timeline(f, report.JST, hol, now)...)
	}
	regime.SortDues(out)
	return out
}

// Deadlines returns the timelines of several of p's organisation's own
// incidents (a list page's next-deadline column), reading the settings
// once and every submission in one query. Incidents of other
// organisations are left out.
func (s *Service) Deadlines(ctx context.Context, p *auth.Principal, ins []incident.Incident) (map[string][]regime.Due, error) {
	me := p.ActingOrgID()
	if err := s.authorizeOwn(p, auth.ActReportRead, me); err != nil {
		return nil, err
	}
	return s.deadlines(ctx, ins, me)
}

// deadlines computes the timelines of incidents (of organisation only,
// when given; settings are read once per organisation).
func (s *Service) deadlines(ctx context.Context, ins []incident.Incident, only string) (map[string][]regime.Due, error) {
	out := map[string][]regime.Due{}
	var ids []string
	for _, in := range ins {
		if only == "" || in.OrgID == only {
			ids = append(ids, in.ID)
		}
	}
	subs := map[string][]incident.Submission{}
	for lo := 0; lo < len(ids); lo += 500 {
		all, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentIDs: ids[lo:min(lo+500, len(ids))], Limit: 10000})
		if err != nil {
			return nil, err
		}
		for _, x := range all {
			subs[x.IncidentID] = append(subs[x.IncidentID], x)
		}
	}
	cache := map[string]*orgRegimes{}
	for i := range ins {
		in := &ins[i]
		if only != "" && in.OrgID != only {
			continue
		}
		or := cache[in.OrgID]
		if or == nil {
			var err error
			if or, err = s.orgRegimes(ctx, in.OrgID); err != nil {
				return nil, err
			}
			cache[in.OrgID] = or
		}
		out[in.ID] = TimelineOf(in, subs[in.ID], or.all, or.hol, s.now())
	}
	return out, nil
}

// Timeline returns the incident's deadlines (the reporting organisation
// only).
func (s *Service) Timeline(ctx context.Context, p *auth.Principal, id string) ([]regime.Due, error) {
	in, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if role != RoleReporter {
		return []regime.Due{}, nil // as in Get: deadlines are the reporter's
	}
	subs, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentID: id})
	if err != nil {
		return nil, err
	}
	return s.timeline(ctx, in, subs)
}

// Edit is a change of an incident by its organisation. Nil fields stay.
type Edit struct {
	Title     *string          `json:"title,omitempty"`
	Content   *report.Content  `json:"content,omitempty"`
	Clocks    *incident.Clocks `json:"clocks,omitempty"`
	Concluded *bool            `json:"concluded,omitempty"`
	Note      string           `json:"note,omitempty"`
	// Rev, when set, must be the incident's current rev (someone else's
	// change in between is a conflict, not lost).
	Rev int `json:"rev,omitempty"`
}

// Save changes the incident; a changed title or content is a new
// version. A change after approval needs approval again.
func (s *Service) Save(ctx context.Context, p *auth.Principal, id string, e Edit) (*incident.Incident, error) {
	var pre *incident.Incident
	if e.Content != nil {
		cur, _, err := s.load(ctx, p, id)
		if err != nil {
			return nil, err
		}
		pre = cur
	}
	return s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		if e.Rev != 0 && e.Rev != in.Rev {
			return nil, apperr.Conflict("rev", "the report was changed by someone else since you loaded it (rev %d, now %d): reload and apply your change again", e.Rev, in.Rev)
		}
		if !in.State.Editable() {
			return nil, apperr.Conflict("state", "a report %s cannot be changed%s", in.State, map[bool]string{true: ": withdraw the approval request first", false: ": reopen it first"}[in.State == incident.InApproval])
		}
		oldTitle, oldContent := in.Title, marshal(in.Content)
		if e.Title != nil {
			in.Title = *e.Title
		}
		if e.Content != nil {
			in.Content = *e.Content
		}
		if e.Clocks != nil {
			in.Clocks = *e.Clocks
		}
		if e.Concluded != nil {
			in.Concluded = *e.Concluded
		}
		if err := in.Validate(s.now()); err != nil {
			return nil, err
		}
		if pre != nil {
			if err := s.checkContent(ctx, in); err != nil {
				return nil, err
			}
		}
		ch := &store.IncidentChange{}
		if in.Title != oldTitle || string(marshal(in.Content)) != string(oldContent) {
			in.Version++
			ch.Version = &incident.Version{N: in.Version, Title: in.Title, Content: in.Content, SavedBy: actorName(p), Note: e.Note}
			ch.Events = append(ch.Events, event(p, "saved", fmt.Sprintf("version %d", in.Version)+noteSuffix(e.Note), false))
			if in.State == incident.Approved {
				// The approval was of the previous version.
				in.State, in.Approval = in.Resume, nil
				ch.Events = append(ch.Events, event(p, "approval_void", "the approved version changed: approval needed again", false))
			}
		}
		return ch, nil
	})
}

func noteSuffix(n string) string {
	if n == "" {
		return ""
	}
	return ": " + n
}

// SetRegimes records which regimes apply to the incident and why.
func (s *Service) SetRegimes(ctx context.Context, p *auth.Principal, id string, choices []incident.RegimeChoice) (*incident.Incident, error) {
	in0, _, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	all, err := s.Regimes(ctx, p, in0.OrgID)
	if err != nil {
		return nil, err
	}
	for i, c := range choices {
		if _, ok := regime.Find(all, c.Regime); !ok {
			return nil, apperr.Invalid("regimes["+itoa(i)+"].regime", "no regime %q", c.Regime)
		}
	}
	return s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		if !in.State.Open() {
			return nil, apperr.Conflict("state", "the report is %s: reopen it first", in.State)
		}
		now := s.now()
		old := map[string]incident.RegimeChoice{}
		for _, c := range in.Regimes {
			old[c.Regime] = c
		}
		var texts []string
		for i := range choices {
			c := &choices[i]
			o, had := old[c.Regime]
			if !had || o.Reportable != c.Reportable || o.Reason != c.Reason || !slices.Equal(o.Conditions, c.Conditions) {
				c.DecidedBy, c.DecidedAt = actorName(p), &now
				texts = append(texts, fmt.Sprintf("%s: %s%s", c.Regime, c.Reportable, noteSuffix(c.Reason)))
			} else {
				c.DecidedBy, c.DecidedAt = o.DecidedBy, o.DecidedAt
			}
		}
		in.Regimes = choices
		if err := in.Validate(now); err != nil {
			return nil, err
		}
		ch := &store.IncidentChange{}
		if len(texts) > 0 {
			ch.Events = []incident.Event{event(p, "reportability", strings.Join(texts, "; "), false)}
			ch.Audit = []audit.Entry{p.Actor().Event("incident.reportability", "incident", in.ID, audit.OutcomeSuccess, strings.Join(texts, "; "))}
		}
		return ch, nil
	})
}

// RequestApproval puts the current version into the organisation's
// approval flow.
func (s *Service) RequestApproval(ctx context.Context, p *auth.Principal, id, note string) (*incident.Incident, error) {
	return s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		if len(in.Flow.Steps) == 0 {
			return nil, apperr.Conflict("flow", "no approval is configured for this report: submit it")
		}
		if !in.State.Editable() || in.State == incident.Approved {
			return nil, apperr.Conflict("state", "a report %s cannot be put into approval", in.State)
		}
		a := &incident.Approval{Version: in.Version, Mode: in.Flow.Mode, Outcome: incident.Pending, RequestedBy: actorName(p), RequestedAt: s.now()}
		for _, k := range in.Flow.Steps {
			a.Steps = append(a.Steps, incident.Step{Kind: k, Decision: incident.Pending})
		}
		in.Approval, in.Resume, in.State = a, in.State, incident.InApproval
		return &store.IncidentChange{Events: []incident.Event{event(p, "approval_requested", fmt.Sprintf("version %d (%s: %s)", in.Version, a.Mode, kindsText(in.Flow.Steps))+noteSuffix(note), false)}}, nil
	})
}

func kindsText(ks []incident.ApprovalKind) string {
	var out []string
	for _, k := range ks {
		out = append(out, string(k))
	}
	return strings.Join(out, ", ")
}

// Decide records p's decision on the approval step of kind k.
func (s *Service) Decide(ctx context.Context, p *auth.Principal, id string, k incident.ApprovalKind, approve bool, comment string) (*incident.Incident, error) {
	if !slices.Contains(incident.ApprovalKinds, k) {
		return nil, apperr.Invalid("kind", "must be legal, pr or exec")
	}
	if !p.IsSystem() && !p.Has(k.Role()) {
		return nil, apperr.Forbidden("the %s approval is decided by a user with the %s role", k, k.Role())
	}
	comment = strings.TrimSpace(comment)
	if !approve && comment == "" {
		return nil, apperr.Invalid("comment", "say why the report is rejected")
	}
	if err := checkLen("comment", comment, 5000); err != nil {
		return nil, err
	}
	return s.update(ctx, p, id, auth.ActReportApprove, func(in *incident.Incident) (*store.IncidentChange, error) {
		if in.State != incident.InApproval || in.Approval == nil {
			return nil, apperr.Conflict("state", "the report is not awaiting approval (it is %s)", in.State)
		}
		i := in.Approval.Next(k)
		if i < 0 {
			if slices.ContainsFunc(in.Approval.Steps, func(s incident.Step) bool { return s.Kind == k && s.Decision == incident.Pending }) {
				return nil, apperr.Conflict("kind", "the approvals are sequential: an earlier step decides first")
			}
			return nil, apperr.Conflict("kind", "no pending %s approval on this report", k)
		}
		now := s.now()
		st := &in.Approval.Steps[i]
		st.By, st.ByName, st.At, st.Comment = actorID(p), actorName(p), &now, comment
		ch := &store.IncidentChange{}
		if approve {
			st.Decision = incident.Approve
			ch.Events = append(ch.Events, event(p, "approved", fmt.Sprintf("%s approval of version %d", k, in.Approval.Version)+noteSuffix(comment), false))
			if !slices.ContainsFunc(in.Approval.Steps, func(s incident.Step) bool { return s.Decision != incident.Approve }) {
				in.Approval.Outcome, in.State = incident.Approve, incident.Approved
				ch.Events = append(ch.Events, event(p, "approval_complete", fmt.Sprintf("version %d may be submitted", in.Approval.Version), false))
			}
		} else {
			st.Decision = incident.Reject
			in.Approval.Outcome, in.State = incident.Reject, in.Resume
			ch.Events = append(ch.Events, event(p, "rejected", fmt.Sprintf("%s rejected version %d: %s", k, in.Approval.Version, comment), false))
		}
		ch.Audit = []audit.Entry{p.Actor().Event("incident.approval", "incident", in.ID, audit.OutcomeSuccess,
			fmt.Sprintf("kind=%s decision=%s version=%d", k, st.Decision, in.Approval.Version))}
		return ch, nil
	})
}

// WithdrawApproval ends the approval round without a decision.
func (s *Service) WithdrawApproval(ctx context.Context, p *auth.Principal, id string) (*incident.Incident, error) {
	return s.update(ctx, p, id, auth.ActReportWrite, func(in *incident.Incident) (*store.IncidentChange, error) {
		if in.State != incident.InApproval || in.Approval == nil {
			return nil, apperr.Conflict("state", "the report is not awaiting approval")
		}
		in.Approval.Outcome, in.State = incident.Withdraw, in.Resume
		return &store.IncidentChange{Events: []incident.Event{event(p, "approval_withdrawn", "", false)}}, nil
	})
}

func checkLen(field, s string, max int) error {
	if len([]rune(s)) > max {
		return apperr.Invalid(field, "at most %d characters", max)
	}
	return nil
}
