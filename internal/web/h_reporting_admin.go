package web

// The peacetime side of incident reporting (issue #5) and the
// government's triage queue: an organisation's reporting settings (the
// approval flow, the regimes that apply, offsets of editable stages,
// recipients, internal domains, holidays, the webhook and the reminder
// lead time), its report templates, its deadline reminders, and the
// queue of reports submitted to a government organisation. Every read and
// write goes through reporting.Service; these handlers translate forms
// into service calls and results into pages.

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

func init() {
	for k, v := range map[string]string{
		"flow_mode":           "rep.field.flow_mode",
		"flow_steps":          "rep.field.flow_steps",
		"default_regimes":     "rep.field.default_regimes",
		"recipients":          "rep.field.recipients",
		"internal_domains":    "rep.field.internal_domains",
		"holidays":            "rep.field.holidays",
		"webhook_url":         "rep.field.webhook_url",
		"webhook_secret":      "rep.field.webhook_secret",
		"remind_before_hours": "rep.field.remind_before_hours",
		"offsets":             "rep.field.offsets",
		"tpl_name":            "rep.field.tpl_name",
		"tpl_description":     "rep.field.tpl_description",
		"tpl_title":           "rep.field.tpl_title",
		"own_flow":            "rep.field.own_flow",
		"default_tlp":         "rep.field.default_tlp",
		"contacts":            "rep.field.contacts",
		"logs":                "rep.field.logs",
		"computers":           "rep.field.computers",
		"other_systems":       "rep.field.other_systems",
		"share_with":          "rep.field.share_with",
		"triage_state":        "rep.field.triage_state",
		"severity":            "rep.field.severity",
		"mine":                "rep.field.mine",
		"incident_title":      "rep.field.incident_title",
	} {
		fieldLabels[k] = v
	}
	// The offset inputs of editable stages: offset.<regime>/<stage>.<unit>.
	if builtins, err := regime.Builtin(); err == nil {
		for _, r := range builtins {
			for _, st := range r.Stages {
				for _, u := range offsetUnits {
					if st.Editable {
						fieldLabels["offset."+r.ID+"/"+st.ID+"."+u] = "rep.field.offsets"
					}
				}
			}
		}
	}
	for k, v := range map[string]string{
		"reporting_settings_saved": "rep.done.settings_saved",
		"template_created":         "rep.done.template_created",
		"template_saved":           "rep.done.template_saved",
		"template_deleted":         "rep.done.template_deleted",
	} {
		doneMessages[k] = v
	}
}

// reportingAdminRoutes registers the report templates, reporting settings
// and the government's triage pages (issue #5).
func (s *server) reportingAdminRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Reporting == nil {
		return
	}
	mux.Handle("GET /reporting/settings", s.user(s.repSettings))
	mux.Handle("POST /reporting/settings", s.user(s.repSettingsSave))
	mux.Handle("GET /reporting/templates", s.user(s.repTemplates))
	mux.Handle("GET /reporting/templates/new", s.user(s.repTemplateNew))
	mux.Handle("POST /reporting/templates/new", s.bigForm(s.repTemplateCreate))
	mux.Handle("GET /reporting/templates/{id}", s.user(s.repTemplateEdit))
	mux.Handle("POST /reporting/templates/{id}", s.bigForm(s.repTemplateUpdate))
	mux.Handle("POST /reporting/templates/{id}/delete", s.user(s.repTemplateDelete))
	mux.Handle("GET /reporting/reminders", s.user(s.repReminders))
	mux.Handle("GET /triage", s.user(s.triage))
}

// reportingAdminNav adds this file's sections to the navigation: the
// triage queue for government organisations, the reporting settings and
// templates for operators and suppliers (the links follow the policy; the
// service decides).
func (s *server) reportingAdminNav(rq *req, items []navItem) []navItem {
	p := rq.P
	if s.opt.Reporting == nil || len(items) < 2 || p == nil || p.Org == nil {
		return items
	}
	var extra []navItem
	switch {
	case p.Org.Kind.IsGovernment():
		extra = append(extra, navItem{Path: "/triage", Label: "rep.nav.triage"})
	case p.Org.Kind == org.KindOperator || p.Org.Kind == org.KindSupplier:
		extra = append(extra, navItem{Path: "/reporting/settings", Label: "rep.nav.settings"},
			navItem{Path: "/reporting/templates", Label: "rep.nav.templates"})
	}
	return insertNav(rq, items, extra...)
}

func (s *server) repNow() time.Time {
	if s.opt.Reporting.Now != nil {
		return s.opt.Reporting.Now()
	}
	return time.Now()
}

// ---- labels ---------------------------------------------------------------------

var (
	repStateKeys = func() map[incident.State]string {
		m := map[incident.State]string{}
		for _, st := range incident.States {
			m[st] = "rep.state." + string(st)
		}
		return m
	}()
	repClassKeys = func() map[report.EventClass]string {
		m := map[report.EventClass]string{}
		for _, c := range report.EventClasses {
			m[c] = "rep.class." + string(c)
		}
		return m
	}()
	repSeverityKeys = map[string]string{"low": "rep.severity.low", "medium": "rep.severity.medium", "high": "rep.severity.high", "critical": "rep.severity.critical"}
	repStatusKeys   = map[string]string{"new": "rep.triage.new", "triaged": "rep.triage.triaged", "monitoring": "rep.triage.monitoring", "done": "rep.triage.done"}
	repCertainty    = map[regime.Certainty]string{
		regime.CertaintyEnacted: "rep.certainty.enacted", regime.CertaintyOrdinancePending: "rep.certainty.ordinance-pending",
		regime.CertaintyRulePending: "rep.certainty.rule-pending", regime.CertaintyGuidance: "rep.certainty.guidance",
		regime.CertaintyCustom: "rep.certainty.custom",
	}
	repApprovalKeys = map[incident.ApprovalKind]string{incident.ApproveLegal: "rep.approval.legal", incident.ApprovePR: "rep.approval.pr",
		incident.ApproveExec: "rep.approval.exec"}
	repReminderKeys = map[string]string{"due_soon": "rep.reminder.due_soon", "overdue": "rep.reminder.overdue"}
	repShareKeys    = map[string]string{"nco": "rep.share.nco", "council": "rep.share.council", "sector": "rep.share.sector"}
	repTLPs         = []string{"", "clear", "green", "amber", "amber+strict", "red"}
)

var (
	unitKeys = map[string]string{"months": "rep.unit.months", "days": "rep.unit.days", "hours": "rep.unit.hours",
		"business_days": "rep.unit.business_days"}
	unitNameKeys = map[string]string{"months": "rep.unitname.months", "days": "rep.unitname.days", "hours": "rep.unitname.hours",
		"business_days": "rep.unitname.business_days"}
	triggerKeys = map[regime.TriggerKind]string{
		regime.TriggerAwareness: "rep.trigger.awareness", regime.TriggerDetection: "rep.trigger.detection",
		regime.TriggerOccurrence: "rep.trigger.occurrence", regime.TriggerClassification: "rep.trigger.classification",
		regime.TriggerReasonableBelief: "rep.trigger.reasonable_belief", regime.TriggerRansomPayment: "rep.trigger.ransom_payment",
		regime.TriggerPreviousSubmission: "rep.trigger.previous_submission", regime.TriggerNotification: "rep.trigger.notification",
	}
	repApprovalDescKeys = map[incident.ApprovalKind]string{incident.ApproveLegal: "rep.approval.legal.desc",
		incident.ApprovePR: "rep.approval.pr.desc", incident.ApproveExec: "rep.approval.exec.desc"}
)

// offsetUnits are the components of a regime.Offset, as input suffixes.
var offsetUnits = []string{"months", "days", "hours", "business_days"}

func offsetGet(o regime.Offset, unit string) int {
	switch unit {
	case "months":
		return o.Months
	case "days":
		return o.Days
	case "hours":
		return o.Hours
	}
	return o.BusinessDays
}

func offsetSet(o *regime.Offset, unit string, v int) {
	switch unit {
	case "months":
		o.Months = v
	case "days":
		o.Days = v
	case "hours":
		o.Hours = v
	default:
		o.BusinessDays = v
	}
}

// offsetText renders an offset in the user's language.
func offsetText(rq *req, o regime.Offset) string {
	var parts []string
	for _, u := range offsetUnits {
		if n := offsetGet(o, u); n != 0 {
			parts = append(parts, rq.T(unitKeys[u], n))
		}
	}
	if len(parts) == 0 {
		return rq.T(unitKeys["hours"], 0)
	}
	return strings.Join(parts, " ")
}

func triggerText(rq *req, t regime.Trigger) string {
	s := label(rq, triggerKeys, t.Kind)
	if t.AfterStage != "" {
		s += " (" + t.AfterStage + ")"
	}
	return s
}

// lines splits a textarea into its non-blank lines.

// flowOptions and the flow read from a form: steps are checkboxes with an
// optional order number each (order_legal, ...); unnumbered steps keep
// the listed order after the numbered ones.
func flowOptions(rq *req) []option {
	var os []option
	for _, k := range incident.ApprovalKinds {
		os = append(os, option{Value: string(k), Label: label(rq, repApprovalKeys, k), Desc: label(rq, repApprovalDescKeys, k)})
	}
	return os
}

func modeOptions(rq *req) []option {
	return []option{{Value: "parallel", Label: rq.T("rep.mode.parallel")}, {Value: "sequential", Label: rq.T("rep.mode.sequential")}}
}

func flowFromForm(rq *req, f *form) incident.Flow {
	fl := incident.Flow{Mode: f.Get("flow_mode"), Steps: []incident.ApprovalKind{}}
	type step struct {
		k     incident.ApprovalKind
		order int
	}
	var steps []step
	for i, k := range incident.ApprovalKinds {
		if !f.Checked("flow_steps", string(k)) {
			continue
		}
		order := 100 + i
		if o := strings.TrimSpace(f.Get("order_" + string(k))); o != "" {
			n, err := strconv.Atoi(o)
			if err != nil || n < 1 || n > 9 {
				f.invalid("flow_steps", rq.T("rep.reason.order"))
			} else {
				order = n
			}
		}
		steps = append(steps, step{k, order})
	}
	slices.SortStableFunc(steps, func(a, b step) int { return cmp.Compare(a.order, b.order) })
	for _, st := range steps {
		fl.Steps = append(fl.Steps, st.k)
	}
	return fl
}

func flowValues(v url.Values, fl incident.Flow) {
	v.Set("flow_mode", cmp.Or(fl.Mode, "parallel"))
	for i, k := range fl.Steps {
		v.Add("flow_steps", string(k))
		v.Set("order_"+string(k), strconv.Itoa(i+1))
	}
}

// flowRemap maps the service's flow fields to the form's inputs.
var flowRemap = map[string]string{"flow.mode": "flow_mode", "flow.steps": "flow_steps", "flow": "flow_steps", "regimes": "default_regimes"}

// ---- settings -----------------------------------------------------------------------

type stageView struct {
	ID, Name, Offset, Trigger, Notes string
	Required                         []string
	AtMost                           []string
	Conditional                      []string
	Editable                         bool
	Inputs                           []offsetInput
}

type offsetInput struct {
	Name, ID, Unit string
	Value          string
}

type regimeView struct {
	ID, Name, AltName, Jurisdiction, Certainty, CertaintyClass, Citation, URL, Notes string
	Custom, Selected                                                                 bool
	Stages                                                                           []stageView
}

type settingsData struct {
	Form              *form
	CanEdit           bool
	ModeOptions       []option
	StepOptions       []option
	Regimes           []regimeView
	RegimeOptions     []option
	RecipientOptions  []option
	SecretSet         bool
	SecretKnown       bool
	ApprovalKinds     []incident.ApprovalKind
	RecipientsDefault bool
}

// regimeViews describes the regimes for the page: what each demands; the
// offsets of editable stages become inputs named offset.<regime>/<stage>.<unit>.
func (s *server) regimeViews(rq *req, f *form, all []regime.Regime, selected func(string) bool) []regimeView {
	builtins, _ := regime.Builtin()
	var out []regimeView
	for _, r := range all {
		b, isBuiltin := regime.Find(builtins, r.ID)
		rv := regimeView{ID: r.ID, Name: regimeName(rq, r), Jurisdiction: r.Jurisdiction,
			Certainty: label(rq, repCertainty, r.Certainty), Citation: r.LegalSource.Citation, URL: r.LegalSource.URL, Notes: r.NotesText().In(rq.lang),
			Custom: !isBuiltin, Selected: selected(r.ID)}
		if alt := map[bool]string{true: r.Name.JA, false: r.Name.EN}[rq.lang == "en"]; alt != rv.Name {
			rv.AltName = alt
		}
		rv.CertaintyClass = "badge ok"
		if r.Certainty != regime.CertaintyEnacted {
			rv.CertaintyClass = "badge pending"
		}
		for _, st := range r.Stages {
			sv := stageView{ID: st.ID, Name: textIn(rq, st.Name, st.ID), Offset: offsetText(rq, st.Offset),
				Trigger: triggerText(rq, st.Trigger), Notes: st.NotesText().In(rq.lang), Required: st.Required}
			if st.EndOfDay {
				sv.Offset += " " + rq.T("rep.end_of_day")
			}
			for _, c := range st.AtMost {
				sv.AtMost = append(sv.AtMost, rq.T("rep.at_most", offsetText(rq, c.Offset), triggerText(rq, c.Trigger)))
			}
			for _, c := range st.OffsetIf {
				cond := rq.T("rep.offset_if", c.Condition, offsetText(rq, c.Offset))
				if n := c.NoteText().In(rq.lang); n != "" {
					cond += rq.T("rep.offset_if_note", n)
				}
				sv.Conditional = append(sv.Conditional, cond)
			}
			if bst, ok := b.Stage(st.ID); isBuiltin && ok && bst.Editable {
				sv.Editable = true
				for _, u := range offsetUnits {
					if offsetGet(bst.Offset, u) == 0 && offsetGet(st.Offset, u) == 0 && !(bst.Offset.IsZero() && u == "hours") {
						continue
					}
					name := "offset." + r.ID + "/" + st.ID + "." + u
					v := strconv.Itoa(offsetGet(st.Offset, u))
					if f != nil && f.Values.Has(name) {
						v = f.Get(name)
					}
					sv.Inputs = append(sv.Inputs, offsetInput{Name: name, ID: inputID(name), Unit: label(rq, unitNameKeys, u), Value: v})
				}
			}
			rv.Stages = append(rv.Stages, sv)
		}
		out = append(out, rv)
	}
	return out
}

// textIn picks a regime text in the user's language (the other one, or
// def, when it is missing).
func textIn(rq *req, t regime.Text, def string) string {
	if rq.lang == "en" {
		return cmp.Or(t.EN, t.JA, def)
	}
	return cmp.Or(t.JA, t.EN, def)
}

func regimeName(rq *req, r regime.Regime) string { return textIn(rq, r.Name, r.ID) }

func (s *server) regimeOptions(rq *req, all []regime.Regime) []option {
	var os []option
	for _, r := range all {
		os = append(os, option{Value: r.ID, Label: regimeName(rq, r) + " (" + r.ID + ")"})
	}
	return os
}

// govOptions lists the government organisations reports may go to, by id.
func (s *server) govOptions(rq *req) ([]option, error) {
	var os []option
	for _, k := range []org.Kind{org.KindGovernment, org.KindSectorMinistry, org.KindLawEnforcement, org.KindDefense} {
		err := s.eachOrgOfKind(rq, k, func(o *org.Organisation) {
			os = append(os, option{Value: o.ID, Label: o.Name.In(rq.lang), Desc: rq.T("kind." + string(o.Kind))})
		})
		if err != nil {
			return nil, err
		}
	}
	return os, nil
}

func settingsValues(st *incident.Settings) url.Values {
	v := url.Values{}
	flowValues(v, st.Flow)
	v["default_regimes"] = slices.Clone(st.Regimes)
	v["recipients"] = slices.Clone(st.Recipients)
	v.Set("internal_domains", strings.Join(st.InternalDomains, "\n"))
	v.Set("holidays", strings.Join(st.Holidays, "\n"))
	v.Set("webhook_url", st.WebhookURL)
	if len(st.Custom) > 0 {
		if b, err := json.MarshalIndent(st.Custom, "", "  "); err == nil {
			v.Set("custom_regimes", string(b))
		}
	}
	if st.RemindBeforeHours != 0 {
		v.Set("remind_before_hours", strconv.Itoa(st.RemindBeforeHours))
	}
	return v
}

// customRegimes reads the organisation's own regimes: a JSON array of
// regime documents in the format of the shipped ones (docs/regimes.md).
// Each is checked as regime.Parse checks it; the first error names the
// regime and its field.
func customRegimes(rq *req, f *form) []regime.Regime {
	raw := strings.TrimSpace(f.Get("custom_regimes"))
	if raw == "" {
		return nil
	}
	var docs []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &docs); err != nil {
		f.invalid("custom_regimes", rq.T("rep.reason.custom_json"))
		return nil
	}
	out := make([]regime.Regime, 0, len(docs))
	for i, d := range docs {
		r, err := regime.Parse(d)
		if err != nil {
			msg := err.Error()
			if ae := apperr.As(err); ae != nil {
				msg = cmp.Or(ae.Field, "-") + ": " + ae.Message
			}
			f.invalid("custom_regimes", rq.T("rep.reason.custom_regime", i+1, msg))
			return nil
		}
		out = append(out, r)
	}
	return out
}

func (s *server) repSettings(w http.ResponseWriter, rq *req) {
	st, err := s.opt.Reporting.Settings(rq.Context(), rq.P, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.settingsPage(w, rq, http.StatusOK, newForm(settingsValues(st)), st)
}

func (s *server) settingsPage(w http.ResponseWriter, rq *req, status int, f *form, st *incident.Settings) {
	ctx, p := rq.Context(), rq.P
	all, err := s.opt.Reporting.Regimes(ctx, p, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	gov, err := s.govOptions(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := settingsData{Form: f, CanEdit: auth.Can(p, auth.ActReportSettings, auth.Target{OrgID: p.OrgID()}),
		ModeOptions: modeOptions(rq), StepOptions: flowOptions(rq), RegimeOptions: s.regimeOptions(rq, all), RecipientOptions: gov,
		ApprovalKinds: incident.ApprovalKinds, RecipientsDefault: len(st.Recipients) == 0}
	d.SecretKnown = d.CanEdit
	d.SecretSet = st.WebhookSecret != ""
	d.Regimes = s.regimeViews(rq, f, all, func(id string) bool { return f.Checked("default_regimes", id) })
	rq.here = "/reporting/settings"
	s.render(w, rq, status, "reporting_settings", d)
}

func (s *server) repSettingsSave(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	old, err := s.opt.Reporting.Settings(ctx, p, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	if !auth.Can(p, auth.ActReportSettings, auth.Target{OrgID: p.OrgID()}) {
		// Through the service, so that the refusal is the service's.
		err := s.opt.Reporting.PutSettings(ctx, p, old)
		s.errorPage(w, rq, cmp.Or(err, error(apperr.ErrForbidden)))
		return
	}
	f := newForm(rq.PostForm)
	st := &incident.Settings{OrgID: old.OrgID, Custom: customRegimes(rq, f), Flow: flowFromForm(rq, f),
		Regimes:         slices.DeleteFunc(slices.Clone(f.Values["default_regimes"]), func(s string) bool { return s == "" }),
		Recipients:      slices.DeleteFunc(slices.Clone(f.Values["recipients"]), func(s string) bool { return s == "" }),
		InternalDomains: nonEmptyLines(f.Get("internal_domains")), Holidays: nonEmptyLines(f.Get("holidays")),
		WebhookURL: strings.TrimSpace(f.Get("webhook_url")), WebhookSecret: f.Get("webhook_secret")}
	if st.Regimes == nil {
		st.Regimes = []string{}
	}
	if st.WebhookSecret == "" {
		st.WebhookSecret = old.WebhookSecret // blank keeps the secret
	}
	if h := strings.TrimSpace(f.Get("remind_before_hours")); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			f.invalid("remind_before_hours", rq.T("rep.reason.whole_number"))
		}
		st.RemindBeforeHours = n
	}
	// Offsets of editable stages: kept only where they differ from the
	// built-in default.
	builtins, _ := regime.Builtin()
	for _, r := range builtins {
		for _, bst := range r.Stages {
			if !bst.Editable {
				continue
			}
			key := r.ID + "/" + bst.ID
			off, given := regime.Offset{}, false
			for _, u := range offsetUnits {
				name := "offset." + key + "." + u
				if !f.Values.Has(name) {
					offsetSet(&off, u, offsetGet(bst.Offset, u))
					continue
				}
				given = true
				raw := strings.TrimSpace(f.Get(name))
				n, err := strconv.Atoi(cmp.Or(raw, "0"))
				if err != nil || n < 0 {
					f.invalid(name, rq.T("rep.reason.whole_number"))
					continue
				}
				offsetSet(&off, u, n)
			}
			if !given || off == bst.Offset {
				continue
			}
			if off.IsZero() {
				f.invalid("offset."+key+"."+cmp.Or(firstUnit(bst.Offset), "hours"), rq.T("rep.reason.offset_zero"))
				continue
			}
			if st.Offsets == nil {
				st.Offsets = map[string]regime.Offset{}
			}
			st.Offsets[key] = off
		}
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		err := s.opt.Reporting.PutSettings(ctx, p, st)
		if err == nil {
			redirect(w, rq, "/reporting/settings", "reporting_settings_saved")
			return
		}
		if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, flowRemap)
	}
	// The secret is never echoed back.
	f.Values.Del("webhook_secret")
	s.settingsPage(w, rq, status, f, old)
}

func firstUnit(o regime.Offset) string {
	for _, u := range offsetUnits {
		if offsetGet(o, u) != 0 {
			return u
		}
	}
	return ""
}

// ---- templates ----------------------------------------------------------------------

type templateRow struct {
	ID, Name, Description, Title string
	Regimes                      []string
	TLP                          string
	Contacts                     int
	Updated                      time.Time
}

type templatesData struct {
	Rows     []templateRow
	CanWrite bool
}

func (s *server) repTemplates(w http.ResponseWriter, rq *req) {
	ts, err := s.opt.Reporting.Templates(rq.Context(), rq.P, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := templatesData{CanWrite: auth.Can(rq.P, auth.ActReportWrite, auth.Target{OrgID: rq.P.OrgID()})}
	for _, t := range ts {
		d.Rows = append(d.Rows, templateRow{ID: t.ID, Name: t.Name, Description: t.Description, Title: t.Title, Regimes: t.Regimes,
			TLP: t.DefaultTLP, Contacts: len(t.Content.Contacts.Value), Updated: t.UpdatedAt})
	}
	s.render(w, rq, http.StatusOK, "reporting_templates", d)
}

type templateFormData struct {
	Form             *form
	T                *incident.Template // nil: a new template
	Action           string
	CanWrite         bool
	ModeOptions      []option
	StepOptions      []option
	ApprovalKinds    []incident.ApprovalKind
	RegimeOptions    []option
	TLPOptions       []option
	ShareOptions     []option
	ComputerOptions  []option // registered computers (nil: ids one per line)
	StartTitle       string
	Regimes          []regimeView
	ComputersAsLines bool
}

func (s *server) templateValues(t *incident.Template) url.Values {
	v := url.Values{"tpl_name": {t.Name}, "tpl_description": {t.Description}, "tpl_title": {t.Title}, "default_tlp": {t.DefaultTLP}}
	flowValues(v, t.Flow)
	if t.OwnFlow {
		v.Set("own_flow", "1")
	}
	v["default_regimes"] = slices.Clone(t.Regimes)
	v.Set("contacts", contactLines(t.Content.Contacts.Value))
	v.Set("logs", logLines(t.Content.Logs.Value))
	v["computers"] = slices.Clone(t.Content.Computers.Value)
	v.Set("computer_lines", strings.Join(t.Content.Computers.Value, "\n"))
	v.Set("other_systems", t.Content.OtherSystems.Value)
	v["share_with"] = slices.Clone(t.Content.ShareWith)
	return v
}

func (s *server) templateForm(w http.ResponseWriter, rq *req, status int, f *form, t *incident.Template) {
	ctx, p := rq.Context(), rq.P
	all, err := s.opt.Reporting.Regimes(ctx, p, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := templateFormData{Form: f, T: t, Action: "/reporting/templates/new", CanWrite: auth.Can(p, auth.ActReportWrite, auth.Target{OrgID: p.OrgID()}),
		ModeOptions: modeOptions(rq), StepOptions: flowOptions(rq), ApprovalKinds: incident.ApprovalKinds, RegimeOptions: s.regimeOptions(rq, all)}
	if t != nil {
		d.Action = "/reporting/templates/" + url.PathEscape(t.ID)
		d.StartTitle = t.Title
	}
	for _, tlp := range repTLPs {
		l := rq.T("rep.tlp.none")
		if tlp != "" {
			l = "TLP:" + strings.ToUpper(tlp)
		}
		d.TLPOptions = append(d.TLPOptions, option{Value: tlp, Label: l})
	}
	for _, sw := range report.ShareTargets {
		d.ShareOptions = append(d.ShareOptions, option{Value: sw, Label: label(rq, repShareKeys, sw)})
	}
	d.ComputersAsLines = true
	if s.opt.Exposure != nil {
		cs, _, err := s.opt.Exposure.Computers(ctx, p, store.ComputerQuery{Limit: 1000}, false)
		if err == nil {
			d.ComputersAsLines = false
			for _, c := range cs {
				d.ComputerOptions = append(d.ComputerOptions, option{Value: c.ID, Label: c.Ref + " " + c.Name, Desc: c.Product + " " + c.ProductVersion})
			}
		}
	}
	d.Regimes = s.regimeViews(rq, nil, all, func(id string) bool { return f.Checked("default_regimes", id) })
	rq.here = d.Action
	s.render(w, rq, status, "reporting_template_form", d)
}

func (s *server) repTemplateNew(w http.ResponseWriter, rq *req) {
	st, err := s.opt.Reporting.Settings(rq.Context(), rq.P, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	v := url.Values{}
	flowValues(v, st.Flow)
	v["default_regimes"] = slices.Clone(st.Regimes)
	s.templateForm(w, rq, http.StatusOK, newForm(v), nil)
}

func (s *server) repTemplateEdit(w http.ResponseWriter, rq *req) {
	t, err := s.opt.Reporting.Template(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.templateForm(w, rq, http.StatusOK, newForm(s.templateValues(t)), t)
}

// parseContacts reads contact lines into f's "contacts" field.
func parseContacts(rq *req, f *form, text string) []report.Contact {
	return parseContactsField(rq, f, "contacts", text)
}

// parseContactsField reads contact lines; a bad line (no name, a phone
// number or e-mail address that is not one) is put on f's input name with
// its line number.
func parseContactsField(rq *req, f *form, name, text string) []report.Contact {
	cs, bad := parseContactLines(text)
	if bad != nil {
		f.invalid(name, rq.T(bad.Key, bad.Line))
		return cs
	}
	// The line with a bad phone number or e-mail address (the service
	// checks them too, without the line).
	for i, c := range cs {
		if err := c.Validate(); err != nil {
			ae := apperr.As(err)
			switch ae.Field {
			case "email":
				f.invalid(name, rq.T("rep.reason.contact_email", i+1))
			case "phone":
				f.invalid(name, rq.T("rep.reason.contact_phone", i+1))
			default:
				f.invalid(name, rq.T("rep.reason.contact_line", i+1, reason(rq, ae)))
			}
			break
		}
	}
	return cs
}

// parseLogs reads kept-log lines into f's "logs" field.
func parseLogs(rq *req, f *form, text string) []report.LogPreservation {
	ls, bad := parseLogLines(text)
	if bad != nil {
		f.invalid("logs", rq.T(bad.Key, bad.Line))
	}
	return ls
}

func knownField[T any](v T) report.Field[T] {
	return report.Field[T]{Value: v, Meta: report.Meta{State: report.StateKnown, Confidence: report.Confirmed}}
}

// templateRemap maps the service's template fields to the form's inputs.
var templateRemap = map[string]string{"name": "tpl_name", "description": "tpl_description", "title": "tpl_title",
	"flow.mode": "flow_mode", "flow.steps": "flow_steps", "regimes": "default_regimes",
	"content.contacts": "contacts", "content.contacts.value": "contacts", "content.logs": "logs", "content.logs.value": "logs",
	"content.computers": "computers", "content.computers.value": "computers", "content.other_systems": "other_systems",
	"content.other_systems.value": "other_systems", "content.share_with": "share_with"}

func (s *server) templateFromForm(rq *req, f *form, t *incident.Template) {
	t.Name, t.Description, t.Title = strings.TrimSpace(f.Get("tpl_name")), strings.TrimSpace(f.Get("tpl_description")), strings.TrimSpace(f.Get("tpl_title"))
	t.Flow, t.OwnFlow = flowFromForm(rq, f), f.Get("own_flow") != ""
	if !t.OwnFlow {
		t.Flow = incident.Flow{Mode: t.Flow.Mode, Steps: []incident.ApprovalKind{}}
	}
	t.Regimes = slices.DeleteFunc(slices.Clone(f.Values["default_regimes"]), func(s string) bool { return s == "" })
	t.DefaultTLP = f.Get("default_tlp")
	c := &t.Content
	c.Contacts, c.Logs, c.Computers, c.OtherSystems = report.Field[[]report.Contact]{}, report.Field[[]report.LogPreservation]{},
		report.Field[[]string]{}, report.Field[string]{}
	if cs := parseContacts(rq, f, f.Get("contacts")); len(cs) > 0 {
		c.Contacts = knownField(cs)
	}
	if ls := parseLogs(rq, f, f.Get("logs")); len(ls) > 0 {
		c.Logs = knownField(ls)
	}
	ids := slices.DeleteFunc(slices.Clone(f.Values["computers"]), func(s string) bool { return s == "" })
	ids = append(ids, nonEmptyLines(f.Get("computer_lines"))...)
	slices.Sort(ids)
	if ids = slices.Compact(ids); len(ids) > 0 {
		c.Computers = knownField(ids)
	}
	if o := strings.TrimSpace(f.Get("other_systems")); o != "" {
		c.OtherSystems = knownField(o)
	}
	c.ShareWith = slices.DeleteFunc(slices.Clone(f.Values["share_with"]), func(s string) bool { return s == "" })
}

func (s *server) repTemplateCreate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	t := &incident.Template{}
	s.templateFromForm(rq, f, t)
	s.templateSave(w, rq, f, t, nil, "template_created")
}

func (s *server) repTemplateUpdate(w http.ResponseWriter, rq *req) {
	old, err := s.opt.Reporting.Template(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	t := *old
	s.templateFromForm(rq, f, &t)
	s.templateSave(w, rq, f, &t, old, "template_saved")
}

func (s *server) templateSave(w http.ResponseWriter, rq *req, f *form, t, old *incident.Template, done string) {
	status := http.StatusBadRequest
	if !f.Failed() {
		err := s.opt.Reporting.PutTemplate(rq.Context(), rq.P, t)
		if err == nil {
			redirect(w, rq, "/reporting/templates/"+url.PathEscape(t.ID), done)
			return
		}
		if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, templateRemap)
	}
	s.templateForm(w, rq, status, f, old)
}

func (s *server) repTemplateDelete(w http.ResponseWriter, rq *req) {
	if err := s.opt.Reporting.DeleteTemplate(rq.Context(), rq.P, rq.PathValue("id")); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	redirect(w, rq, "/reporting/templates", "template_deleted")
}

// ---- reminders ----------------------------------------------------------------------

type reminderRow struct {
	IncidentID, Regime, Stage, Kind, KindClass, Webhook, WebhookClass string
	Due, Created                                                      time.Time
	Dismissed                                                         *time.Time
}

func (s *server) repReminders(w http.ResponseWriter, rq *req) {
	rs, err := s.opt.Reporting.Reminders(rq.Context(), rq.P, 200)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	var rows []reminderRow
	for _, r := range rs {
		row := reminderRow{IncidentID: r.IncidentID, Regime: r.Regime, Stage: r.Stage, Kind: label(rq, repReminderKeys, r.Kind),
			KindClass: "badge pending", Due: r.Due, Created: r.CreatedAt, Dismissed: r.Dismissed}
		if r.Kind == "overdue" {
			row.KindClass = "badge denied"
		}
		switch {
		case r.Webhook == "":
			row.Webhook, row.WebhookClass = rq.T("rep.webhook.none"), "badge off"
		case r.Webhook == "delivered":
			row.Webhook, row.WebhookClass = rq.T("rep.webhook.delivered"), "badge ok"
		default:
			row.Webhook, row.WebhookClass = rq.T("rep.webhook.failed", strings.TrimSpace(strings.TrimPrefix(r.Webhook, "failed:"))), "badge denied"
		}
		rows = append(rows, row)
	}
	s.render(w, rq, http.StatusOK, "reporting_reminders", rows)
}

// ---- triage -------------------------------------------------------------------------

type triageRow struct {
	ID, Ref, Title, Reporter, Sector, Class, State, Severity, SeverityClass, Status, Assignee string
	SubmittedVersion                                                                          int
	Acknowledged, Overdue                                                                     bool
	OpenRequests                                                                              int
	Updated                                                                                   time.Time
}

type triageData struct {
	Form            *form
	Rows            []triageRow
	StateOptions    []option
	SeverityOptions []option
}

// triageLimit bounds the queue shown.
const triageLimit = 200

func (s *server) triage(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	q := rq.URL.Query()
	f := newForm(q)
	d := triageData{Form: f, StateOptions: []option{{Value: "", Label: rq.T("common.any")}},
		SeverityOptions: []option{{Value: "", Label: rq.T("common.any")}, {Value: "none", Label: rq.T("rep.severity.none")}}}
	for _, st := range incident.States {
		if st == incident.Draft || st == incident.InApproval || st == incident.Approved {
			continue // never seen by receivers
		}
		d.StateOptions = append(d.StateOptions, option{Value: string(st), Label: label(rq, repStateKeys, st)})
	}
	for _, sv := range incident.Severities {
		d.SeverityOptions = append(d.SeverityOptions, option{Value: sv, Label: label(rq, repSeverityKeys, sv)})
	}
	query := reporting.Query{Limit: triageLimit}
	if st := q.Get("triage_state"); st != "" {
		if !slices.Contains(incident.States, incident.State(st)) {
			f.invalid("triage_state", rq.T("reason.unknown_value"))
		} else {
			query.States = []incident.State{incident.State(st)}
		}
	}
	sev := q.Get("severity")
	if sev != "" && sev != "none" && !slices.Contains(incident.Severities, sev) {
		f.invalid("severity", rq.T("reason.unknown_value"))
	}
	if f.Failed() {
		s.render(w, rq, http.StatusBadRequest, "triage", d)
		return
	}
	ins, err := s.opt.Reporting.Queue(ctx, p, query)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n := s.orgNames(rq)
	me, now := p.OrgID(), s.repNow()
	mine := q.Get("mine") != ""
	for i := range ins {
		in := &ins[i]
		tr := in.Triage
		switch {
		case sev == "none" && tr.Severity != "":
			continue
		case sev != "" && sev != "none" && tr.Severity != sev:
			continue
		case mine && (p.User == nil || tr.Assignee != p.User.ID):
			continue
		}
		row := triageRow{ID: in.ID, Ref: in.Ref, Title: in.Title, Reporter: n.orgName(in.OrgID), Class: "—",
			State: label(rq, repStateKeys, in.State), SubmittedVersion: in.SubmittedVersion, Assignee: tr.AssigneeName, Updated: in.UpdatedAt,
			Severity: rq.T("rep.severity.none"), SeverityClass: "badge off", Status: label(rq, repStatusKeys, cmp.Or(tr.Status, "new"))}
		if o := n.org(in.OrgID); o != nil {
			row.Sector = rq.T("sector.none")
			if o.Sector != org.SectorNone {
				row.Sector = rq.T("sector." + string(o.Sector))
			}
		}
		if c := in.Content.Class.Value; c != "" {
			row.Class = label(rq, repClassKeys, c)
		}
		if tr.Severity != "" {
			row.Severity = label(rq, repSeverityKeys, tr.Severity)
			row.SeverityClass = map[string]string{"low": "badge off", "medium": "badge pending", "high": "badge denied", "critical": "badge denied"}[tr.Severity]
		}
		for _, r := range in.InfoRequests {
			if r.FromOrg == me && r.State == "open" {
				row.OpenRequests++
				row.Overdue = row.Overdue || r.Overdue(now)
			}
		}
		// Acknowledged: a submission to this organisation carries an
		// acknowledgement.
		row.Acknowledged = in.Acknowledged
		d.Rows = append(d.Rows, row)
	}
	s.render(w, rq, http.StatusOK, "triage", d)
}
