// Package reporting is the incident-reporting service (issue #5). Every
// surface (API, CLI, dashboard) calls it with the acting principal: it
// authorises, runs the lifecycle (draft → approval → submission →
// acknowledgement / information requests → updates → final → closed; or
// refuted, and reopened), keeps what was submitted to each receiver
// immutable, computes every applicable regime's deadlines on one timeline,
// sends reminders (in-app and webhook), and gives each reader exactly what
// it is entitled to: the reporting organisation sees its reports; a
// government receiver or a linked partner sees only what was submitted to
// it (no drafts, no approvals); triage and analysis links are the
// government's alone.
package reporting

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	events "sakimori/internal/event"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/store"
	"sakimori/internal/webhook"
)

// Service is the incident-reporting service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// Intel is the sharing service sanitised STIX is released into (nil:
	// release is unavailable).
	Intel *intel.Service
	// Webhook delivers reminders and report events to organisations'
	// webhooks (nil: in-app reminders only).
	Webhook *webhook.Sender
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// Events receives report.status events after each state change
	// commits (nil: none are published).
	Events events.Publisher
	// Observers learn of submitted and refuted reports (the correlation
	// engine); see Observer.
	Observers []Observer

	webhooks sync.WaitGroup // deliveries in flight (notifyAsync)
}

// New returns a service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Roles of a reader towards one incident.
const (
	RoleReporter = "reporter" // the reporting organisation
	RoleReceiver = "receiver" // a government organisation it was submitted to
	RolePartner  = "partner"  // a linked organisation it was submitted to
)

func actorName(p *auth.Principal) string {
	if p != nil && p.User != nil {
		if p.User.DisplayName != "" {
			return p.User.DisplayName
		}
		return p.User.Email
	}
	if p != nil && p.System != "" {
		return p.System
	}
	return "anonymous"
}

func actorID(p *auth.Principal) string {
	if p != nil && p.User != nil {
		return p.User.ID
	}
	return ""
}

// event is an incident event by p.
func event(p *auth.Principal, kind, text string, shared bool) incident.Event {
	return incident.Event{ActorID: actorID(p), ActorName: actorName(p), OrgID: p.ActingOrgID(), Kind: kind, Shared: shared, Text: text}
}

// load returns the incident and p's role towards it. Anyone else gets
// not found, so the existence of a report is not revealed.
func (s *Service) load(ctx context.Context, p *auth.Principal, id string) (*incident.Incident, string, error) {
	if p == nil || p.User == nil && !p.IsSystem() {
		return nil, "", apperr.ErrUnauthenticated
	}
	in, err := s.DB.Incident(ctx, id)
	if err != nil {
		return nil, "", err
	}
	role, err := s.roleOf(ctx, p, in)
	if err != nil {
		return nil, "", err
	}
	return in, role, nil
}

func (s *Service) roleOf(ctx context.Context, p *auth.Principal, in *incident.Incident) (string, error) {
	if p.IsSystem() && (p.Org == nil || p.Org.ID == in.OrgID) {
		return RoleReporter, nil
	}
	me := p.ActingOrgID()
	if me == in.OrgID {
		if err := auth.Authorize(p, auth.ActReportRead, auth.Target{OrgID: in.OrgID}); err != nil {
			return "", err
		}
		return RoleReporter, nil
	}
	if me == "" {
		return "", apperr.NotFound("incident", in.ID)
	}
	subs, err := s.DB.Submissions(ctx, store.SubmissionQuery{IncidentID: in.ID, Recipient: me, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(subs) == 0 {
		return "", apperr.NotFound("incident", in.ID)
	}
	if err := auth.Authorize(p, auth.ActReportRead, auth.Target{}); err != nil {
		return "", err
	}
	if subs[0].Partner {
		return RolePartner, nil
	}
	return RoleReceiver, nil
}

// write loads incident id for a change by the reporting organisation.
func (s *Service) authorizeOwn(p *auth.Principal, a auth.Action, orgID string) error {
	if p.IsSystem() {
		return nil
	}
	return auth.Authorize(p, a, auth.Target{OrgID: orgID})
}

// update runs fn on incident id for p, which must be of the reporting
// organisation and allowed action a.
func (s *Service) update(ctx context.Context, p *auth.Principal, id string, a auth.Action, fn func(in *incident.Incident) (*store.IncidentChange, error)) (*incident.Incident, error) {
	in, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if role != RoleReporter {
		return nil, apperr.Forbidden("only the reporting organisation changes its report")
	}
	if err := s.authorizeOwn(p, a, in.OrgID); err != nil {
		return nil, err
	}
	out, err := s.commit(ctx, id, fn)
	if err != nil {
		return nil, err
	}
	return forReporter(out), nil
}

// forReporter removes what only the government sees (triage, analysis
// links) from the reporting organisation's copy.
func forReporter(in *incident.Incident) *incident.Incident {
	in.Triage, in.Links = incident.Triage{}, []incident.Link{}
	return in
}

// receive runs fn on incident id for a government receiver p.
func (s *Service) receive(ctx context.Context, p *auth.Principal, id string, fn func(in *incident.Incident) (*store.IncidentChange, error)) (*incident.Incident, error) {
	_, role, err := s.load(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if role != RoleReceiver {
		return nil, apperr.Forbidden("only the government organisations the report was submitted to handle it")
	}
	if err := auth.Authorize(p, auth.ActReportReceive, auth.Target{}); err != nil {
		return nil, err
	}
	in, err := s.commit(ctx, id, fn)
	if err != nil {
		return nil, err
	}
	// The receiver gets its own view back, never the stored row (which
	// holds the reporter's current draft).
	return s.receivedView(ctx, p, in, p.ActingOrgID())
}

// ---- settings, regimes, templates --------------------------------------------

// Settings returns an organisation's reporting settings (the webhook
// secret only for its administrators).
func (s *Service) Settings(ctx context.Context, p *auth.Principal, orgID string) (*incident.Settings, error) {
	if orgID == "" {
		orgID = p.ActingOrgID()
	}
	if err := s.authorizeOwn(p, auth.ActReportRead, orgID); err != nil {
		return nil, err
	}
	st, err := s.DB.ReportingSettings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if !p.IsSystem() && !auth.Can(p, auth.ActReportSettings, auth.Target{OrgID: orgID}) {
		st.WebhookSecret = ""
	}
	return st, nil
}

// PutSettings replaces an organisation's reporting settings.
func (s *Service) PutSettings(ctx context.Context, p *auth.Principal, st *incident.Settings) error {
	if st.OrgID == "" {
		st.OrgID = p.ActingOrgID()
	}
	if err := s.authorizeOwn(p, auth.ActReportSettings, st.OrgID); err != nil {
		return err
	}
	if err := st.Flow.Validate("flow"); err != nil {
		return err
	}
	custom := map[string]bool{}
	for i := range st.Custom {
		r := &st.Custom[i]
		if r.Certainty == "" {
			r.Certainty = regime.CertaintyCustom
		}
		if err := r.Validate(); err != nil {
			return apperr.Prefix(err, "custom["+itoa(i)+"]")
		}
		if _, ok := builtin(r.ID); ok {
			return apperr.Invalid("custom["+itoa(i)+"].id", "%s is a built-in regime; choose another id", r.ID)
		}
		if custom[r.ID] {
			return apperr.Invalid("custom["+itoa(i)+"].id", "%s is defined twice", r.ID)
		}
		custom[r.ID] = true
	}
	all, err := s.regimesOf(st)
	if err != nil {
		return err
	}
	for i, id := range st.Regimes {
		if _, ok := regime.Find(all, id); !ok {
			return apperr.Invalid("regimes["+itoa(i)+"]", "no regime %q", id)
		}
	}
	for key := range st.Offsets {
		rid, sid, _ := strings.Cut(key, "/")
		r, ok := regime.Find(all, rid)
		if !ok {
			return apperr.Invalid("offsets."+key, "no regime %q", rid)
		}
		if st2, ok := r.Stage(sid); !ok || !st2.Editable && !custom[rid] {
			return apperr.Invalid("offsets."+key, "no editable stage %q in %s", sid, rid)
		}
	}
	for i, d := range st.InternalDomains {
		d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
		if d == "" || strings.ContainsAny(d, " /:@") || !strings.Contains(d, ".") {
			return apperr.Invalid("internal_domains["+itoa(i)+"]", "%q is not a DNS domain", st.InternalDomains[i])
		}
		st.InternalDomains[i] = d
	}
	if _, err := regime.NewHolidays(st.Holidays...); err != nil {
		return err
	}
	for i, id := range st.Recipients {
		o, err := s.DB.GetOrg(ctx, id)
		if err != nil || !o.Kind.IsGovernment() {
			return apperr.Invalid("recipients["+itoa(i)+"]", "%q is not a government organisation", id)
		}
		st.Recipients[i] = o.ID
	}
	if st.WebhookURL != "" {
		if err := webhook.ValidateURL(st.WebhookURL); err != nil {
			return err
		}
		if st.WebhookSecret == "" {
			// Keep the stored secret when the form leaves it blank.
			old, err := s.DB.ReportingSettings(ctx, st.OrgID)
			if err != nil {
				return err
			}
			st.WebhookSecret = old.WebhookSecret
		}
		if st.WebhookSecret == "" {
			return apperr.Invalid("webhook_secret", "a webhook needs a signing secret")
		}
	}
	if st.RemindBeforeHours < 0 || st.RemindBeforeHours > 24*30 {
		return apperr.Invalid("remind_before_hours", "must be between 0 and 720")
	}
	return s.DB.PutReportingSettings(ctx, p.Actor(), st)
}

// builtinRegimes parses the shipped regimes once; callers clone before
// changing.
var builtinRegimes = sync.OnceValues(regime.Builtin)

func builtin(id string) (regime.Regime, bool) {
	all, err := builtinRegimes()
	if err != nil {
		return regime.Regime{}, false
	}
	return regime.Find(all, id)
}

// regimesOf returns the built-in regimes and the organisation's own, with
// its offsets applied to editable stages.
func (s *Service) regimesOf(st *incident.Settings) ([]regime.Regime, error) {
	return RegimesOf(st)
}

// RegimesOf is the regimes of an organisation with settings st: the
// built-in ones with its offsets, and its own (a new slice: the caller
// may change it).
func RegimesOf(st *incident.Settings) ([]regime.Regime, error) {
	all, err := builtinRegimes()
	if err != nil {
		return nil, err
	}
	all = append(slices.Clone(all), st.Custom...)
	for key, off := range st.Offsets {
		rid, sid, _ := strings.Cut(key, "/")
		for i := range all {
			if all[i].ID != rid {
				continue
			}
			r := all[i]
			if st2, ok := r.Stage(sid); ok && !st2.Editable {
				// Own regimes may change any stage.
				for j := range r.Stages {
					if r.Stages[j].ID == sid {
						r.Stages = slices.Clone(r.Stages)
						r.Stages[j].Editable = true
					}
				}
			}
			nr, err := r.WithStageOffset(sid, off)
			if err != nil {
				return nil, apperr.Prefix(err, "offsets."+key)
			}
			all[i] = nr
		}
	}
	return all, nil
}

// Regimes lists the regimes an organisation may apply (built-in and its
// own, with its offsets).
func (s *Service) Regimes(ctx context.Context, p *auth.Principal, orgID string) ([]regime.Regime, error) {
	if orgID == "" {
		orgID = p.ActingOrgID()
	}
	st, err := s.DB.ReportingSettings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return s.regimesOf(st)
}

// Templates lists an organisation's report templates.
func (s *Service) Templates(ctx context.Context, p *auth.Principal, orgID string) ([]incident.Template, error) {
	if orgID == "" {
		orgID = p.ActingOrgID()
	}
	if err := s.authorizeOwn(p, auth.ActReportRead, orgID); err != nil {
		return nil, err
	}
	return s.DB.Templates(ctx, orgID)
}

// Template returns one template of p's organisation.
func (s *Service) Template(ctx context.Context, p *auth.Principal, id string) (*incident.Template, error) {
	t, err := s.DB.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.IsSystem() && t.OrgID != p.ActingOrgID() {
		return nil, apperr.NotFound("template", id)
	}
	return t, nil
}

// PutTemplate creates (no id) or replaces a template.
func (s *Service) PutTemplate(ctx context.Context, p *auth.Principal, t *incident.Template) error {
	if t.OrgID == "" {
		t.OrgID = p.ActingOrgID()
	}
	if err := s.authorizeOwn(p, auth.ActReportWrite, t.OrgID); err != nil {
		return err
	}
	if err := t.Validate(s.now()); err != nil {
		return err
	}
	st, err := s.DB.ReportingSettings(ctx, t.OrgID)
	if err != nil {
		return err
	}
	all, err := s.regimesOf(st)
	if err != nil {
		return err
	}
	for i, id := range t.Regimes {
		if _, ok := regime.Find(all, id); !ok {
			return apperr.Invalid("regimes["+itoa(i)+"]", "no regime %q", id)
		}
	}
	if err := s.checkComputers(ctx, t.OrgID, "content.computers", t.Content.Computers.Value); err != nil {
		return err
	}
	return s.DB.PutTemplate(ctx, p.Actor(), t)
}

// DeleteTemplate deletes a template of p's organisation.
func (s *Service) DeleteTemplate(ctx context.Context, p *auth.Principal, id string) error {
	t, err := s.Template(ctx, p, id)
	if err != nil {
		return err
	}
	if err := s.authorizeOwn(p, auth.ActReportWrite, t.OrgID); err != nil {
		return err
	}
	return s.DB.DeleteTemplate(ctx, p.Actor(), t.OrgID, id)
}

// checkComputers checks that ids are critical computers of the
// organisation's registry.
func (s *Service) checkComputers(ctx context.Context, orgID, field string, ids []string) error {
	for i, id := range ids {
		c, err := s.DB.GetComputer(ctx, id)
		if err != nil || c.OrgID != orgID {
			return apperr.Invalid(field+"["+itoa(i)+"]", "%q is not a critical computer notified by the organisation", id)
		}
	}
	return nil
}

// recipients are the government organisations an organisation reports to:
// its settings' choice, or every government organisation (the NCO) and
// the sector ministries of its sector.
func (s *Service) recipients(ctx context.Context, o *org.Organisation, st *incident.Settings) ([]string, error) {
	if len(st.Recipients) > 0 {
		return slices.Clone(st.Recipients), nil
	}
	var out []string
	for _, k := range []org.Kind{org.KindGovernment, org.KindSectorMinistry} {
		os, _, err := s.DB.ListOrgs(ctx, store.OrgFilter{Kind: k, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, g := range os {
			if k == org.KindGovernment || g.Sector != "" && g.Sector == o.Sector {
				out = append(out, g.ID)
			}
		}
	}
	if len(out) == 0 {
		return nil, apperr.Invalid("recipients", "no government organisation to report to: set the recipients in the reporting settings")
	}
	return out, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// marshal is json.Marshal for documents the service builds itself.
func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("reporting: marshal: " + err.Error())
	}
	return b
}
