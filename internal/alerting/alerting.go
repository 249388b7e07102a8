// Package alerting is the alert service (issue #7): drafting (from a
// correlation cluster in one step), review, publication to targeted
// recipients, acknowledgements, and the government's view of who has and
// has not acknowledged.
//
// Who sees what: government organisations see every alert (drafts
// included) and its recipients; any other organisation sees a published or
// withdrawn alert when it is one of its recipients or the alert is
// TLP:CLEAR, and then only the published content without the issuer's
// working notes (targeting, linked incidents, reviews, source object ids,
// cluster). A non-recipient never learns that an AMBER or RED alert exists
// (not found, not forbidden).
package alerting

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/store"
)

// Service is the alert service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// Events receives alert.published/updated/withdrawn/acknowledged after
	// each change commits (event.Nop when push is not configured).
	Events event.Publisher
	// Now is the clock for overdue decisions; tests may replace it.
	Now func() time.Time
	// Intel, when set, receives each published alert's STIX in a
	// collection of its own for its recipients (release.go).
	Intel *intel.Service
}

// New returns an alert service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log, Events: event.Nop{}, Now: time.Now}
}

// View is an alert as one principal sees it.
type View struct {
	*alert.Alert
	// Recipient is the viewer's organisation's recipient row, if any.
	Recipient *alert.Recipient `json:"recipient,omitempty"`
	// Warnings are non-fatal problems of the working content (government).
	Warnings []alert.Warning `json:"warnings,omitempty"`
	// Issuer: the viewer is government and sees the working content.
	Issuer bool `json:"issuer"`
	// ClusterRef is the ref (CL-2026-0001) of the cluster the alert was
	// drafted from, for the government (Get only).
	ClusterRef string `json:"cluster_ref,omitempty"`
}

func isGov(p *auth.Principal) bool {
	return p.IsSystem() || p.IsGovernment()
}

func actingOrg(p *auth.Principal) (string, error) {
	id := p.ActingOrgID()
	if id == "" {
		return "", apperr.Invalid("org", "choose the organisation to act for")
	}
	return id, nil
}

func userID(p *auth.Principal) string {
	if p != nil && p.User != nil {
		return p.User.ID
	}
	return ""
}

func userName(p *auth.Principal) string { return p.Actor().Name }

// visibleTLP is the TLP that decides who sees an alert: the stricter of
// the working and the published content's.
func visibleTLP(a *alert.Alert) marking.TLP {
	t := a.TLP
	if a.Published != nil {
		t = marking.Stricter(t, a.Published.TLP)
	}
	return t
}

// load returns the alert and the viewer's recipient row when p may see it,
// and not found otherwise (so a non-recipient does not learn it exists).
func (s *Service) load(ctx context.Context, p *auth.Principal, id string) (*alert.Alert, *alert.Recipient, error) {
	if err := auth.Authorize(p, auth.ActAlertRead, auth.Target{}); err != nil {
		return nil, nil, err
	}
	a, err := s.DB.Alert(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var mine *alert.Recipient
	if o := p.ActingOrgID(); o != "" {
		rs, err := s.DB.AlertRecipientsOf(ctx, o, []string{a.ID})
		if err != nil {
			return nil, nil, err
		}
		if r, ok := rs[a.ID]; ok {
			mine = &r
		}
	}
	if isGov(p) {
		return a, mine, nil
	}
	if (a.State == alert.Published || a.State == alert.Withdrawn) && a.Published != nil &&
		(mine != nil || visibleTLP(a) == marking.TLPClear) {
		return a, mine, nil
	}
	return nil, nil, apperr.NotFound("alert", id)
}

// recipientView is what a non-government reader sees: the published
// content without the issuer's working notes.
func recipientView(a *alert.Alert) *alert.Alert {
	v := &alert.Alert{ID: a.ID, Ref: a.Ref, OrgID: a.OrgID, State: a.State, Rev: a.Rev, UpdatedAt: a.UpdatedAt, PublishedAt: a.PublishedAt}
	if a.Published != nil {
		v.Content = *a.Published
	}
	v.Content.Incidents, v.Content.Targeting = nil, alert.Targeting{}
	v.Content.Indicators = slices.Clone(v.Content.Indicators)
	for i := range v.Content.Indicators {
		v.Content.Indicators[i].SourceID = ""
	}
	for _, pub := range a.Publications {
		v.Publications = append(v.Publications, alert.Publication{N: pub.N, At: pub.At, Changes: pub.Changes})
	}
	if a.Withdrawal != nil {
		v.Withdrawal = &alert.Withdrawal{At: a.Withdrawal.At, Reason: a.Withdrawal.Reason}
	}
	v.Published = nil
	return v
}

func (s *Service) view(p *auth.Principal, a *alert.Alert, mine *alert.Recipient) *View {
	if isGov(p) {
		return &View{Alert: a, Recipient: mine, Warnings: a.Content.Warnings(), Issuer: true}
	}
	return &View{Alert: recipientView(a), Recipient: mine}
}

// Get returns an alert as p sees it (id or ref).
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*View, error) {
	a, mine, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v := s.view(p, a, mine)
	if v.Issuer && a.ClusterID != "" {
		v.ClusterRef = a.ClusterID
		if c, err := s.DB.GetCluster(ctx, a.ClusterID); err == nil {
			v.ClusterRef = c.Ref
		}
	}
	return v, nil
}

// Query filters List.
type Query struct {
	State alert.State
	// Mine: alerts issued by the viewer's organisation (government).
	Mine bool
	// Addressed: alerts addressed to the viewer's organisation.
	Addressed bool
	// Unacked: alerts the viewer's organisation has not acknowledged yet.
	Unacked   bool
	ClusterID string
	Limit     int
}

// List returns the alerts p may see that match q, each with p's recipient
// row.
func (s *Service) List(ctx context.Context, p *auth.Principal, q Query) ([]View, error) {
	if err := auth.Authorize(p, auth.ActAlertRead, auth.Target{}); err != nil {
		return nil, err
	}
	if q.State != "" && !q.State.Valid() {
		return nil, apperr.Invalid("state", "use draft, in_review, published or withdrawn")
	}
	o := p.ActingOrgID()
	sq := store.AlertQuery{ClusterID: q.ClusterID, Limit: q.Limit}
	if q.State != "" {
		sq.States = []alert.State{q.State}
	}
	gov := isGov(p)
	if !gov {
		if o == "" {
			return nil, apperr.Invalid("org", "choose the organisation to act for")
		}
		sq.Visible = o
		if q.ClusterID != "" {
			return []View{}, nil // clusters are the government's
		}
	}
	if q.Mine && gov {
		sq.Issuer = o
	}
	if q.Addressed || q.Unacked {
		if o == "" {
			return []View{}, nil
		}
		sq.Recipient = o
		sq.Unacked = q.Unacked
		if gov && len(sq.States) == 0 {
			sq.States = []alert.State{alert.Published, alert.Withdrawn}
		}
	}
	as, err := s.DB.ListAlerts(ctx, sq)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(as))
	for i := range as {
		ids[i] = as[i].ID
	}
	mine := map[string]alert.Recipient{}
	if o != "" && len(ids) > 0 {
		if mine, err = s.DB.AlertRecipientsOf(ctx, o, ids); err != nil {
			return nil, err
		}
	}
	out := make([]View, 0, len(as))
	for i := range as {
		a := &as[i]
		var r *alert.Recipient
		if x, ok := mine[a.ID]; ok {
			r = &x
		}
		if !gov && (a.Published == nil || r == nil && visibleTLP(a) != marking.TLPClear) {
			continue // defence in depth: the query already filtered
		}
		v := s.view(p, a, r)
		v.Warnings = nil
		out = append(out, *v)
	}
	return out, nil
}

func (s *Service) authWrite(p *auth.Principal, act auth.Action) (string, error) {
	if err := auth.Authorize(p, act, auth.Target{OrgID: p.ActingOrgID()}); err != nil {
		return "", err
	}
	if !isGov(p) {
		return "", apperr.Forbidden("alerts are drafted, reviewed and published by government analysts")
	}
	return actingOrg(p)
}

func prepare(c *alert.Content) error {
	if c.Severity == "" {
		c.Severity = alert.Medium
	}
	if c.TLP == marking.TLPInvalid {
		c.TLP = marking.TLPAmber
	}
	if err := c.Normalize(); err != nil {
		return err
	}
	return c.Validate()
}

// Create stores a new draft issued by p's organisation.
func (s *Service) Create(ctx context.Context, p *auth.Principal, c alert.Content, clusterID string) (*View, error) {
	o, err := s.authWrite(p, auth.ActAlertWrite)
	if err != nil {
		return nil, err
	}
	if err := prepare(&c); err != nil {
		return nil, err
	}
	a := &alert.Alert{OrgID: o, ClusterID: strings.TrimSpace(clusterID), Content: c, CreatedBy: userID(p)}
	if a.CreatedBy == "" {
		a.CreatedBy = userName(p)
	}
	if err := s.DB.CreateAlert(ctx, p.Actor(), a); err != nil {
		return nil, err
	}
	return s.view(p, a, nil), nil
}

func checkRev(a *alert.Alert, rev int) error {
	if rev != 0 && rev != a.Rev {
		return apperr.Conflict("rev", "the alert changed since revision %d (it is at %d): reload it and apply your change again", rev, a.Rev)
	}
	return nil
}

// step runs one lifecycle step on alert id for a government principal.
func (s *Service) step(ctx context.Context, p *auth.Principal, act auth.Action, id string, rev int, fn func(a *alert.Alert) (*store.AlertChange, error)) (*alert.Alert, error) {
	if _, err := s.authWrite(p, act); err != nil {
		return nil, err
	}
	cur, err := s.DB.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.DB.UpdateAlert(ctx, cur.ID, func(a *alert.Alert) (*store.AlertChange, error) {
		if err := issuer(p, a); err != nil {
			return nil, err
		}
		if err := checkRev(a, rev); err != nil {
			return nil, err
		}
		return fn(a)
	})
}

// issuer refuses changes by another government organisation than the
// alert's issuer (a system principal without an organisation is trusted).
func issuer(p *auth.Principal, a *alert.Alert) error {
	if o := p.ActingOrgID(); o != "" && o != a.OrgID {
		return apperr.Forbidden("only the issuing organisation's analysts change, review and publish its alerts")
	}
	return nil
}

// Edit changes the working content of a draft, or of a published alert (an
// update recipients see when it is published again). rev is required.
func (s *Service) Edit(ctx context.Context, p *auth.Principal, id string, rev int, fn func(c *alert.Content) error) (*View, error) {
	if rev <= 0 {
		return nil, apperr.Invalid("rev", "give the revision you edited (optimistic concurrency)")
	}
	a, err := s.step(ctx, p, auth.ActAlertWrite, id, rev, func(a *alert.Alert) (*store.AlertChange, error) {
		switch a.State {
		case alert.Draft, alert.Published:
		case alert.InReview:
			return nil, apperr.Conflict("state", "the alert is in review: a reviewer sends it back before it is edited")
		default:
			return nil, apperr.Conflict("state", "a withdrawn alert is not edited")
		}
		c := a.Content
		c.Products, c.Indicators, c.Actions = slices.Clone(c.Products), slices.Clone(c.Indicators), slices.Clone(c.Actions)
		if err := fn(&c); err != nil {
			return nil, err
		}
		if err := prepare(&c); err != nil {
			return nil, err
		}
		a.Content = c
		return &store.AlertChange{Audit: []audit.Entry{p.Actor().Event("alert.edit", "alert", a.ID, audit.OutcomeSuccess, "ref="+a.Ref)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(p, a, nil), nil
}

// Submit sends a draft for review.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, id string, rev int) (*View, error) {
	a, err := s.step(ctx, p, auth.ActAlertWrite, id, rev, func(a *alert.Alert) (*store.AlertChange, error) {
		if a.State != alert.Draft {
			return nil, apperr.Conflict("state", "only a draft is submitted for review (it is %s)", a.State)
		}
		if a.Targeting.Empty() {
			return nil, apperr.Invalid("targeting", "say who receives the alert before submitting it")
		}
		a.State, a.Approved, a.SubmittedBy = alert.InReview, false, userID(p)
		return &store.AlertChange{Audit: []audit.Entry{p.Actor().Event("alert.submit", "alert", a.ID, audit.OutcomeSuccess, "ref="+a.Ref)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(p, a, nil), nil
}

// Review approves an alert in review, or sends it back to draft with a
// comment. The author (creator or submitter) does not review their own.
func (s *Service) Review(ctx context.Context, p *auth.Principal, id string, rev int, approve bool, comment string) (*View, error) {
	comment = strings.TrimSpace(comment)
	a, err := s.step(ctx, p, auth.ActAlertReview, id, rev, func(a *alert.Alert) (*store.AlertChange, error) {
		if a.State != alert.InReview {
			return nil, apperr.Conflict("state", "only an alert in review is reviewed (it is %s)", a.State)
		}
		if u := userID(p); u != "" && (u == a.SubmittedBy || u == a.CreatedBy) {
			return nil, apperr.Forbidden("another government analyst reviews the alert, not its author")
		}
		if !approve && comment == "" {
			return nil, apperr.Invalid("comment", "say why the alert is sent back")
		}
		if len(comment) > alert.MaxActionText {
			return nil, apperr.Invalid("comment", "longer than %d bytes", alert.MaxActionText)
		}
		a.Reviews = append(a.Reviews, alert.Review{By: userID(p), ByName: userName(p), At: s.Now().UTC(), Approve: approve, Comment: comment})
		action := "alert.approve"
		if approve {
			a.Approved = true
		} else {
			a.State, a.Approved, action = alert.Draft, false, "alert.send_back"
		}
		return &store.AlertChange{Audit: []audit.Entry{p.Actor().Event(action, "alert", a.ID, audit.OutcomeSuccess, "ref="+a.Ref)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.view(p, a, nil), nil
}

// Preview is the recipient list publishing would produce.
type Preview struct {
	Recipients []alert.Recipient `json:"recipients"`
	// Counts are recipients per reason kind (everyone, sector, exposed,
	// sighted, supply_chain, org).
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
	// New are the recipients not addressed yet (all of them before the
	// first publication).
	New int `json:"new"`
	// Changes are what recipients will see changed (an update).
	Changes []string `json:"changes,omitempty"`
}

func (s *Service) resolve(ctx context.Context, a *alert.Alert) ([]alert.Recipient, error) {
	c := &a.Content
	q := store.AlertTargetQuery{Everyone: c.Targeting.Everyone, Sectors: c.Targeting.Sectors, Orgs: c.Targeting.Orgs,
		Exposed: c.Targeting.Exposed, CVEs: c.AllCVEs(), Sighted: c.Targeting.Sighted, SupplyChain: c.Targeting.SupplyChain, Exclude: a.OrgID}
	for _, p := range c.Products {
		v, pr := p.Key()
		q.Products = append(q.Products, store.AlertProduct{Vendor: v, Product: pr, Versions: p.Versions})
	}
	for _, in := range c.Indicators {
		if in.SourceID != "" {
			q.SourceIDs = append(q.SourceIDs, in.SourceID)
		}
		q.Atoms = append(q.Atoms, in.Atoms()...)
	}
	return s.DB.ResolveAlertTargets(ctx, q)
}

func (s *Service) preview(ctx context.Context, a *alert.Alert) (*Preview, error) {
	rs, err := s.resolve(ctx, a)
	if err != nil {
		return nil, err
	}
	old, err := s.DB.AlertRecipients(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, r := range old {
		have[r.OrgID] = true
	}
	pv := &Preview{Recipients: rs, Counts: map[string]int{}, Total: len(have)}
	for _, r := range rs {
		kinds := map[string]bool{}
		for _, x := range r.Reasons {
			kinds[alert.ReasonKind(x)] = true
		}
		for k := range kinds {
			pv.Counts[k]++
		}
		if !have[r.OrgID] {
			pv.New++
			pv.Total++
		}
	}
	if a.Published != nil {
		pv.Changes = alert.Changes(a.Published, &a.Content)
	}
	return pv, nil
}

// Preview resolves the recipients publishing alert id now would address.
func (s *Service) Preview(ctx context.Context, p *auth.Principal, id string) (*Preview, error) {
	if _, err := s.authWrite(p, auth.ActAlertWrite); err != nil {
		return nil, err
	}
	a, err := s.DB.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.preview(ctx, a)
}

// Publish publishes an approved alert in review, or republishes a
// published alert whose working content changed (an update: recipients
// are re-resolved and only ever added).
func (s *Service) Publish(ctx context.Context, p *auth.Principal, id string, rev int) (*View, *Preview, error) {
	if _, err := s.authWrite(p, auth.ActAlertWrite); err != nil {
		return nil, nil, err
	}
	cur, err := s.DB.Alert(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkRev(cur, rev); err != nil {
		return nil, nil, err
	}
	pv, err := s.preview(ctx, cur)
	if err != nil {
		return nil, nil, err
	}
	kind := event.AlertPublished
	a, err := s.DB.UpdateAlert(ctx, cur.ID, func(a *alert.Alert) (*store.AlertChange, error) {
		if err := issuer(p, a); err != nil {
			return nil, err
		}
		if err := checkRev(a, rev); err != nil {
			return nil, err
		}
		if err := checkRev(a, cur.Rev); err != nil {
			return nil, err
		}
		now := s.Now().UTC()
		var changes []string
		switch {
		case a.State == alert.InReview && a.Approved:
		case a.State == alert.InReview:
			return nil, apperr.Conflict("state", "another government analyst approves the alert before it is published")
		case a.State == alert.Published:
			changes = alert.Changes(a.Published, &a.Content)
			if len(changes) == 0 && pv.New == 0 {
				return nil, apperr.Conflict("state", "nothing changed since the last publication")
			}
			kind = event.AlertUpdated
		default:
			return nil, apperr.Conflict("state", "only an approved alert in review, or a published alert with changes, is published (it is %s)", a.State)
		}
		if len(pv.Recipients) == 0 && a.State != alert.Published {
			return nil, apperr.Invalid("targeting", "the targeting addresses no organisation")
		}
		if err := a.Content.Validate(); err != nil {
			return nil, err
		}
		pub := a.Content
		a.Published = &pub
		a.State, a.Approved = alert.Published, false
		if a.PublishedAt == nil {
			a.PublishedAt = &now
		}
		a.Publications = append(a.Publications, alert.Publication{N: len(a.Publications) + 1, At: now, By: userName(p), Changes: changes})
		return &store.AlertChange{Recipients: pv.Recipients, Publish: true, Audit: []audit.Entry{p.Actor().Event(string(kind), "alert", a.ID, audit.OutcomeSuccess,
			"ref="+a.Ref+" recipients="+itoa(len(pv.Recipients))+" changes="+strings.Join(changes, ","))}}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	s.publishEvent(ctx, kind, a)
	v := s.view(p, a, nil)
	v.Warnings = append(v.Warnings, s.release(ctx, p, a, cur.Published)...)
	return v, pv, nil
}

// Withdraw withdraws a published alert with a reason.
func (s *Service) Withdraw(ctx context.Context, p *auth.Principal, id string, rev int, reason string) (*View, error) {
	reason = strings.TrimSpace(reason)
	a, err := s.step(ctx, p, auth.ActAlertWrite, id, rev, func(a *alert.Alert) (*store.AlertChange, error) {
		if a.State != alert.Published {
			return nil, apperr.Conflict("state", "only a published alert is withdrawn (it is %s)", a.State)
		}
		if reason == "" {
			return nil, apperr.Invalid("reason", "say why the alert is withdrawn")
		}
		if len(reason) > alert.MaxActionText {
			return nil, apperr.Invalid("reason", "longer than %d bytes", alert.MaxActionText)
		}
		a.State = alert.Withdrawn
		a.Withdrawal = &alert.Withdrawal{At: s.Now().UTC(), By: userName(p), Reason: reason}
		return &store.AlertChange{Audit: []audit.Entry{p.Actor().Event("alert.withdraw", "alert", a.ID, audit.OutcomeSuccess, "ref="+a.Ref)}}, nil
	})
	if err != nil {
		return nil, err
	}
	s.publishEvent(ctx, event.AlertWithdrawn, a)
	v := s.view(p, a, nil)
	v.Warnings = append(v.Warnings, s.release(ctx, p, a, nil)...)
	return v, nil
}

// Ack records p's organisation's answer to an alert addressed to it.
func (s *Service) Ack(ctx context.Context, p *auth.Principal, id string, st alert.RecipientState, actions string) (*alert.Recipient, error) {
	a, mine, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	o, err := actingOrg(p)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, auth.ActAlertAck, auth.Target{OrgID: o}); err != nil {
		return nil, err
	}
	if mine == nil {
		return nil, apperr.Forbidden("the alert is not addressed to your organisation")
	}
	if !slices.Contains(alert.AckStates, st) {
		return nil, apperr.Invalid("state", "use acknowledged, actioned or not_affected")
	}
	actions = strings.TrimSpace(actions)
	if len(actions) > alert.MaxText {
		return nil, apperr.Invalid("actions", "longer than %d bytes", alert.MaxText)
	}
	by := userID(p)
	if by == "" {
		by = userName(p)
	}
	r, err := s.DB.AckAlert(ctx, p.Actor(), a.ID, o, st, actions, by)
	if err != nil {
		return nil, err
	}
	s.emit(ctx, &event.Event{Kind: event.AlertAcked, At: s.Now().UTC(), Subject: a.ID, Audience: event.Audience{Orgs: []string{a.OrgID}},
		Data: event.Data(map[string]any{"id": a.ID, "ref": a.Ref, "org_id": o, "state": st})})
	return r, nil
}

// Table is the issuer's view of an alert's recipients.
type Table struct {
	Rows   []Row          `json:"recipients"`
	Counts map[string]int `json:"counts"` // per state, and "total", "overdue"
	DueAt  *time.Time     `json:"due_at,omitempty"`
}

// Row is one recipient with whether its answer is overdue.
type Row struct {
	alert.Recipient
	Overdue bool `json:"overdue"`
}

// Recipients returns the recipient table of an alert (government only).
func (s *Service) Recipients(ctx context.Context, p *auth.Principal, id string) (*Table, error) {
	if err := auth.Authorize(p, auth.ActAlertRecipients, auth.Target{}); err != nil {
		return nil, err
	}
	if !isGov(p) {
		return nil, apperr.Forbidden("an alert's recipients are visible to the government")
	}
	a, err := s.DB.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	rs, err := s.DB.AlertRecipients(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	due := a.DueAt
	if a.Published != nil {
		due = a.Published.DueAt
	}
	t := &Table{Rows: make([]Row, 0, len(rs)), Counts: map[string]int{"total": len(rs), "pending": 0, "acknowledged": 0, "actioned": 0, "not_affected": 0, "overdue": 0}, DueAt: due}
	now := s.Now()
	for _, r := range rs {
		row := Row{Recipient: r}
		t.Counts[string(r.State)]++
		if r.State == alert.Pending && due != nil && now.After(*due) && a.State == alert.Published {
			row.Overdue = true
			t.Counts["overdue"]++
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// eventData is what every member of an alert event's audience may see.
func eventData(a *alert.Alert) map[string]any {
	c := a.Content
	if a.Published != nil {
		c = *a.Published
	}
	d := map[string]any{"id": a.ID, "ref": a.Ref, "title": c.Title, "severity": c.Severity, "tlp": c.TLP, "state": a.State}
	if n := len(a.Publications); n > 0 {
		d["publication"] = n
		if ch := a.Publications[n-1].Changes; len(ch) > 0 && a.State == alert.Published {
			d["changes"] = ch
		}
	}
	if a.Withdrawal != nil {
		d["reason"] = a.Withdrawal.Reason
	}
	return d
}

func (s *Service) publishEvent(ctx context.Context, kind event.Kind, a *alert.Alert) {
	rs, err := s.DB.AlertRecipients(ctx, a.ID)
	if err != nil {
		s.Log.Warn("alert event: recipients", "alert", a.ID, "err", err)
		return
	}
	orgs := make([]string, 0, len(rs))
	for _, r := range rs {
		orgs = append(orgs, r.OrgID)
	}
	s.emit(ctx, &event.Event{Kind: kind, At: s.Now().UTC(), Subject: a.ID, Audience: event.Audience{Gov: true, Orgs: orgs}, Data: event.Data(eventData(a))})
}

func (s *Service) emit(ctx context.Context, ev *event.Event) {
	if s.Events == nil {
		return
	}
	if err := s.Events.Publish(ctx, ev); err != nil {
		s.Log.Warn("alert event not published", "kind", ev.Kind, "subject", ev.Subject, "err", err)
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}

// Patch is a partial change of an alert's working content: fields left
// out (nil) stay. ClearDueAt removes the due date.
type Patch struct {
	Rev        int                `json:"rev"`
	Severity   *alert.Severity    `json:"severity,omitempty"`
	TLP        *marking.TLP       `json:"tlp,omitempty"`
	Title      *alert.Text        `json:"title,omitempty"`
	Summary    *alert.Text        `json:"summary,omitempty"`
	Actions    *[]alert.Text      `json:"recommended_actions,omitempty"`
	Products   *[]alert.Product   `json:"products,omitempty"`
	CVEs       *[]string          `json:"cves,omitempty"`
	Indicators *[]alert.Indicator `json:"indicators,omitempty"`
	Incidents  *[]string          `json:"incidents,omitempty"`
	Targeting  *alert.Targeting   `json:"targeting,omitempty"`
	DueAt      *time.Time         `json:"due_at,omitempty"`
	ClearDueAt bool               `json:"clear_due_at,omitempty"`
}

// Apply changes c by the patch.
func (pt *Patch) Apply(c *alert.Content) error {
	if pt.Severity != nil {
		c.Severity = *pt.Severity
	}
	if pt.TLP != nil {
		c.TLP = *pt.TLP
	}
	if pt.Title != nil {
		c.Title = *pt.Title
	}
	if pt.Summary != nil {
		c.Summary = *pt.Summary
	}
	if pt.Actions != nil {
		c.Actions = *pt.Actions
	}
	if pt.Products != nil {
		c.Products = *pt.Products
	}
	if pt.CVEs != nil {
		c.CVEs = *pt.CVEs
	}
	if pt.Indicators != nil {
		c.Indicators = *pt.Indicators
	}
	if pt.Incidents != nil {
		c.Incidents = *pt.Incidents
	}
	if pt.Targeting != nil {
		c.Targeting = *pt.Targeting
	}
	if pt.DueAt != nil {
		t := pt.DueAt.UTC()
		c.DueAt = &t
	}
	if pt.ClearDueAt {
		c.DueAt = nil
	}
	return nil
}
