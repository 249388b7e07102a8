package web

// Alerts (注意喚起, issue #7, docs/alerts.md). /alerts is the inbox of a
// recipient organisation (with acknowledge buttons) and the issuer list of
// the government; /alerts/new drafts (?cluster=ID pre-fills from a
// correlation cluster); /alerts/{id} shows the alert in the viewer's
// language with the acknowledgement form for recipients and, for the
// government, the review and publication steps, the publish preview and
// the recipient table (who has and has not acknowledged). The alert
// service decides every step: a non-recipient never sees an AMBER or RED
// alert (404).

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
)

func init() {
	for k, v := range map[string]string{
		"alert_created": "al.done.created", "alert_saved": "al.done.saved", "alert_submitted": "al.done.submitted",
		"alert_reviewed": "al.done.reviewed", "alert_published": "al.done.published", "alert_withdrawn": "al.done.withdrawn",
		"alert_acked": "al.done.acked",
	} {
		doneMessages[k] = v
	}
	for k, v := range map[string]string{
		"title.ja": "al.field.title_ja", "title.en": "al.field.title_en", "summary.ja": "al.field.summary_ja", "summary.en": "al.field.summary_en",
		"severity": "al.field.severity", "tlp": "al.field.tlp", "recommended_actions": "al.field.actions", "actions_en": "al.field.actions_en",
		"cves": "al.field.cves", "indicators": "al.field.indicators", "products": "al.field.products", "incidents": "al.field.incidents",
		"targeting": "al.field.targeting", "targeting.sectors": "al.field.sectors", "targeting.orgs": "al.field.orgs", "due_at": "al.field.due_at",
		"rev": "al.field.rev", "comment": "al.field.comment", "reason": "al.field.reason", "ack_state": "al.field.ack_state", "ack_actions": "al.field.ack_actions",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
}

// alertRoutes registers alert pages (drafting, review, acknowledgement) (issue #7).
func (s *server) alertRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	mux.Handle("GET /alerts", s.user(s.alertList))
	mux.Handle("GET /alerts/new", s.user(s.alertNew))
	mux.Handle("POST /alerts/new", s.user(s.alertCreate))
	mux.Handle("GET /alerts/{id}", s.user(s.alertDetail))
	mux.Handle("GET /alerts/{id}/edit", s.user(s.alertEdit))
	mux.Handle("POST /alerts/{id}/edit", s.user(s.alertSave))
	mux.Handle("POST /alerts/{id}/submit", s.user(s.alertStep("submit")))
	mux.Handle("POST /alerts/{id}/review", s.user(s.alertStep("review")))
	mux.Handle("POST /alerts/{id}/publish", s.user(s.alertStep("publish")))
	mux.Handle("POST /alerts/{id}/withdraw", s.user(s.alertStep("withdraw")))
	mux.Handle("POST /alerts/{id}/ack", s.user(s.alertAck))
	mux.Handle("GET /alerts/{id}/stix", s.user(s.alertSTIX))
}

// alertNav adds this file's sections to the navigation.
func (s *server) alertNav(rq *req, items []navItem) []navItem {
	if s.opt.Alerting == nil || len(items) < 2 || rq.P == nil || !auth.Can(rq.P, auth.ActAlertRead, auth.Target{}) {
		return items
	}
	return insertNav(rq, items, navItem{Path: "/alerts", Label: "al.nav"})
}

// alertKey is a catalogue key built from a prefix and a value; the keys
// are listed in alertKeys (every one is in both catalogues).
func alertKey(prefix, value string) string {
	k := prefix + value
	if !slices.Contains(alertKeys, k) {
		return "al.unknown"
	}
	return k
}

var alertKeys = []string{
	"al.state.draft", "al.state.in_review", "al.state.published", "al.state.withdrawn",
	"al.sev.info", "al.sev.low", "al.sev.medium", "al.sev.high", "al.sev.critical",
	"al.ack.pending", "al.ack.acknowledged", "al.ack.actioned", "al.ack.not_affected",
	"al.target.everyone", "al.target.exposed", "al.target.sighted", "al.target.supply_chain",
	"al.target.everyone.desc", "al.target.exposed.desc", "al.target.sighted.desc", "al.target.supply_chain.desc",
	"al.reason.everyone", "al.reason.org", "al.reason.exposed", "al.reason.sighted", "al.reason.supply_chain", "al.reason.sector",
	"al.reason.everyone.short", "al.reason.org.short", "al.reason.exposed.short", "al.reason.sighted.short", "al.reason.supply_chain.short", "al.reason.sector.short",
}

var alertStateClasses = map[alert.State]string{alert.Draft: "badge off", alert.InReview: "badge pending", alert.Published: "badge ok", alert.Withdrawn: "badge denied"}
var recipientStateClasses = map[alert.RecipientState]string{alert.Pending: "badge pending", alert.Acknowledged: "badge ok", alert.Actioned: "badge ok", alert.NotAffected: "badge off"}

type alertRow struct {
	alerting.View
	Title, StateLabel, StateClass, SevLabel, MyState, MyClass string
	TLPBadge                                                  tlpBadge
	CanAck                                                    bool
}

func (s *server) alertRowOf(rq *req, v alerting.View) alertRow {
	r := alertRow{View: v, Title: v.Alert.Title.In(rq.lang), StateLabel: rq.T(alertKey("al.state.", string(v.State))), StateClass: alertStateClasses[v.State],
		SevLabel: rq.T(alertKey("al.sev.", string(v.Severity))), TLPBadge: badgeOf(v.TLP)}
	if v.Recipient != nil {
		r.MyState, r.MyClass = rq.T(alertKey("al.ack.", string(v.Recipient.State))), recipientStateClasses[v.Recipient.State]
		r.CanAck = v.State == alert.Published && v.Recipient.State == alert.Pending && auth.Can(rq.P, auth.ActAlertAck, auth.Target{OrgID: rq.P.ActingOrgID()})
	}
	return r
}

type alertListData struct {
	Form         *form
	Rows         []alertRow
	Gov, CanNew  bool
	StateOptions []option
}

func (s *server) alertList(w http.ResponseWriter, rq *req) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	q := rq.URL.Query()
	f := newForm(q)
	gov := rq.P.IsGovernment()
	d := alertListData{Form: f, Gov: gov, CanNew: gov && auth.Can(rq.P, auth.ActAlertWrite, auth.Target{OrgID: rq.P.ActingOrgID()})}
	d.StateOptions = []option{{Value: "", Label: rq.T("al.state.any")}}
	for _, st := range alert.States {
		d.StateOptions = append(d.StateOptions, option{Value: string(st), Label: rq.T(alertKey("al.state.", string(st)))})
	}
	aq := alerting.Query{State: alert.State(q.Get("state")), Unacked: q.Get("unacked") == "1", Addressed: q.Get("addressed") == "1", Mine: q.Get("mine") == "1",
		ClusterID: q.Get("cluster"), Limit: 500}
	if aq.State != "" && !aq.State.Valid() {
		f.invalid("state", rq.T("reason.unknown_value"))
		aq.State = ""
	}
	vs, err := s.opt.Alerting.List(rq.Context(), rq.P, aq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	for _, v := range vs {
		d.Rows = append(d.Rows, s.alertRowOf(rq, v))
	}
	status := http.StatusOK
	if f.Failed() {
		status = http.StatusBadRequest
	}
	s.render(w, rq, status, "alerts", d)
}

// ---- the form ----------------------------------------------------------

const srcSep = " #src="

// formOf renders alert content as form values.
func (s *server) formOf(rq *req, c *alert.Content, clusterID string, rev int) url.Values {
	v := url.Values{}
	v.Set("title.ja", c.Title.JA)
	v.Set("title.en", c.Title.EN)
	v.Set("summary.ja", c.Summary.JA)
	v.Set("summary.en", c.Summary.EN)
	v.Set("severity", string(c.Severity))
	if c.TLP.Valid() {
		v.Set("tlp", c.TLP.Name())
	}
	var ja, en, inds, prods, orgs []string
	for _, a := range c.Actions {
		ja, en = append(ja, alertOneLine(a.JA)), append(en, alertOneLine(a.EN))
	}
	v.Set("recommended_actions", strings.Join(ja, "\n"))
	v.Set("actions_en", strings.TrimRight(strings.Join(en, "\n"), "\n"))
	v.Set("cves", strings.Join(c.CVEs, "\n"))
	for _, in := range c.Indicators {
		line := in.Pattern
		if in.SourceID != "" {
			line += srcSep + in.SourceID
		}
		inds = append(inds, line)
	}
	v.Set("indicators", strings.Join(inds, "\n"))
	for _, p := range c.Products {
		var parts []string
		if p.CPE != "" {
			parts = []string{p.CPE}
		} else {
			parts = []string{p.Vendor, p.Product}
		}
		if len(p.Versions) > 0 || len(p.CVEs) > 0 {
			parts = append(parts, strings.Join(p.Versions, ","))
		}
		if len(p.CVEs) > 0 {
			parts = append(parts, strings.Join(p.CVEs, ","))
		}
		prods = append(prods, strings.Join(parts, " / "))
	}
	v.Set("products", strings.Join(prods, "\n"))
	v.Set("incidents", strings.Join(c.Incidents, "\n"))
	t := c.Targeting
	for k, on := range map[string]bool{"everyone": t.Everyone, "exposed": t.Exposed, "sighted": t.Sighted, "supply_chain": t.SupplyChain} {
		if on {
			v.Add("targeting", k)
		}
	}
	for _, sec := range t.Sectors {
		v.Add("targeting.sectors", string(sec))
	}
	for _, id := range t.Orgs {
		if o, err := s.svc.GetOrg(rq.Context(), rq.P, id); err == nil {
			orgs = append(orgs, o.Slug)
		} else {
			orgs = append(orgs, id)
		}
	}
	v.Set("targeting.orgs", strings.Join(orgs, "\n"))
	if c.DueAt != nil {
		v.Set("due_at", c.DueAt.In(jst).Format("2006-01-02T15:04"))
	}
	if clusterID != "" {
		v.Set("cluster_id", clusterID)
	}
	if rev > 0 {
		v.Set("rev", strconv.Itoa(rev))
	}
	return v
}

func alertOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func alertLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func alertSplit(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\t' || r == '\r' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// contentOf reads alert content from the form; problems the form itself
// can name (a TLP, a date, an organisation) are recorded on f.
func (s *server) contentOf(rq *req, f *form) alert.Content {
	c := alert.Content{Severity: alert.Severity(f.Get("severity")),
		Title:   alert.Text{JA: f.Get("title.ja"), EN: f.Get("title.en")},
		Summary: alert.Text{JA: f.Get("summary.ja"), EN: f.Get("summary.en")},
		CVEs:    alertSplit(f.Get("cves")), Incidents: alertLines(f.Get("incidents"))}
	if t, err := marking.ParseTLP(f.Get("tlp")); err == nil {
		c.TLP = t
	} else {
		f.invalid("tlp", rq.T("reason.unknown_value"))
	}
	ja := strings.Split(strings.ReplaceAll(f.Get("recommended_actions"), "\r\n", "\n"), "\n")
	en := strings.Split(strings.ReplaceAll(f.Get("actions_en"), "\r\n", "\n"), "\n")
	for i, a := range ja {
		t := alert.Text{JA: strings.TrimSpace(a)}
		if i < len(en) {
			t.EN = strings.TrimSpace(en[i])
		}
		if t.JA != "" || t.EN != "" {
			c.Actions = append(c.Actions, t)
		}
	}
	for _, l := range alertLines(f.Get("indicators")) {
		in := alert.Indicator{}
		if i := strings.LastIndex(l, srcSep); i >= 0 {
			in.SourceID, l = strings.TrimSpace(l[i+len(srcSep):]), strings.TrimSpace(l[:i])
		}
		if strings.HasPrefix(l, "[") {
			in.Pattern = l
		} else {
			in.Value = l
		}
		c.Indicators = append(c.Indicators, in)
	}
	for _, l := range alertLines(f.Get("products")) {
		// "cpe:2.3:... [/ versions [/ CVEs]]" or "vendor / product [/ versions [/ CVEs]]".
		parts := strings.Split(l, " / ")
		if len(parts) == 1 && !strings.HasPrefix(l, "cpe:") {
			parts = strings.Split(l, "/")
		}
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		var p alert.Product
		var rest []string
		if strings.HasPrefix(parts[0], "cpe:") {
			p.CPE, rest = parts[0], parts[1:]
		} else {
			p.Vendor = parts[0]
			if len(parts) > 1 {
				p.Product, rest = parts[1], parts[2:]
			}
		}
		if len(rest) >= 1 {
			p.Versions = alertSplit(rest[0])
		}
		if len(rest) >= 2 {
			p.CVEs = alertSplit(rest[1])
		}
		c.Products = append(c.Products, p)
	}
	t := &c.Targeting
	t.Everyone, t.Exposed, t.Sighted, t.SupplyChain = f.Checked("targeting", "everyone"), f.Checked("targeting", "exposed"), f.Checked("targeting", "sighted"), f.Checked("targeting", "supply_chain")
	for _, sec := range f.Values["targeting.sectors"] {
		t.Sectors = append(t.Sectors, org.Sector(sec))
	}
	for _, ref := range alertSplit(f.Get("targeting.orgs")) {
		o, err := s.svc.GetOrg(rq.Context(), rq.P, ref)
		if err != nil {
			f.invalid("targeting.orgs", rq.T("al.reason.no_org", ref))
			continue
		}
		t.Orgs = append(t.Orgs, o.ID)
	}
	if v := strings.TrimSpace(f.Get("due_at")); v != "" {
		d, err := time.ParseInLocation("2006-01-02T15:04", v, jst)
		if err != nil {
			if d, err = time.ParseInLocation(time.DateOnly, v, jst); err == nil {
				d = d.Add(24*time.Hour - time.Minute)
			}
		}
		if err != nil {
			f.invalid("due_at", rq.T("reason.date"))
		} else {
			d = d.UTC()
			c.DueAt = &d
		}
	}
	return c
}

type alertFormData struct {
	Form                         *form
	Edit                         bool
	ID, Ref, Action, ClusterID   string
	SeverityOptions, TLPOptions  []option
	TargetOptions, SectorOptions []option
	Warnings                     []alert.Warning
	Published                    bool
}

func (s *server) alertForm(w http.ResponseWriter, rq *req, status int, f *form, v *alerting.View) {
	d := alertFormData{Form: f, Action: "/alerts/new", ClusterID: f.Get("cluster_id")}
	if v != nil {
		d.Edit, d.ID, d.Ref, d.Action, d.Warnings, d.Published = true, v.ID, v.Ref, "/alerts/"+url.PathEscape(v.ID)+"/edit", alertWarnings(rq, v.Warnings), v.Published != nil
		rq.here = "/alerts/" + url.PathEscape(v.ID) + "/edit"
	} else {
		rq.here = "/alerts/new"
		if d.ClusterID != "" {
			rq.here += "?cluster=" + url.QueryEscape(d.ClusterID)
		}
	}
	for _, sv := range alert.Severities {
		d.SeverityOptions = append(d.SeverityOptions, option{Value: string(sv), Label: rq.T(alertKey("al.sev.", string(sv)))})
	}
	for _, t := range marking.TLPs {
		d.TLPOptions = append(d.TLPOptions, option{Value: t.Name(), Label: t.String()})
	}
	for _, k := range []string{"everyone", "exposed", "sighted", "supply_chain"} {
		d.TargetOptions = append(d.TargetOptions, option{Value: k, Label: rq.T(alertKey("al.target.", k)), Desc: rq.T(alertKey("al.target.", k+".desc"))})
	}
	for _, sec := range org.Sectors {
		d.SectorOptions = append(d.SectorOptions, option{Value: string(sec), Label: rq.T("sector." + string(sec))})
	}
	s.render(w, rq, status, "alert_form", d)
}

func (s *server) alertNew(w http.ResponseWriter, rq *req) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	if !rq.P.IsGovernment() || !auth.Can(rq.P, auth.ActAlertWrite, auth.Target{OrgID: rq.P.ActingOrgID()}) {
		s.errorPage(w, rq, apperr.Forbidden("alerts are drafted by government analysts"))
		return
	}
	c := &alert.Content{Severity: alert.Medium, TLP: marking.TLPAmber}
	clusterID := ""
	if id := strings.TrimSpace(rq.URL.Query().Get("cluster")); id != "" {
		a, err := s.opt.Alerting.ProposeFromCluster(rq.Context(), rq.P, id)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		c, clusterID = &a.Content, a.ClusterID
	}
	s.alertForm(w, rq, http.StatusOK, newForm(s.formOf(rq, c, clusterID, 0)), nil)
}

func (s *server) alertCreate(w http.ResponseWriter, rq *req) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	f := newForm(rq.PostForm)
	c := s.contentOf(rq, f)
	if f.Failed() {
		if !rq.P.IsGovernment() {
			s.errorPage(w, rq, apperr.Forbidden("alerts are drafted by government analysts"))
			return
		}
		s.alertForm(w, rq, http.StatusBadRequest, f, nil)
		return
	}
	v, err := s.opt.Alerting.Create(rq.Context(), rq.P, c, f.Get("cluster_id"))
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeInvalid {
			s.alertForm(w, rq, s.apply(rq, f, err, nil), f, nil)
			return
		}
		s.errorPage(w, rq, err)
		return
	}
	redirect(w, rq, "/alerts/"+url.PathEscape(v.ID), "alert_created")
}

func (s *server) alertEdit(w http.ResponseWriter, rq *req) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	v, err := s.opt.Alerting.Get(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	if !v.Issuer || !auth.Can(rq.P, auth.ActAlertWrite, auth.Target{OrgID: rq.P.ActingOrgID()}) {
		s.errorPage(w, rq, apperr.Forbidden("alerts are edited by government analysts"))
		return
	}
	s.alertForm(w, rq, http.StatusOK, newForm(s.formOf(rq, &v.Content, v.ClusterID, v.Rev)), v)
}

func (s *server) alertSave(w http.ResponseWriter, rq *req) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	v, err := s.opt.Alerting.Get(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	c := s.contentOf(rq, f)
	rev, _ := strconv.Atoi(f.Get("rev"))
	if f.Failed() {
		if !v.Issuer {
			s.errorPage(w, rq, apperr.Forbidden("alerts are edited by government analysts"))
			return
		}
		s.alertForm(w, rq, http.StatusBadRequest, f, v)
		return
	}
	nv, err := s.opt.Alerting.Edit(rq.Context(), rq.P, v.ID, rev, func(cc *alert.Content) error {
		*cc = c
		return nil
	})
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.CodeInvalid, apperr.CodeConflict:
			s.alertForm(w, rq, s.apply(rq, f, err, nil), f, v)
		default:
			s.errorPage(w, rq, err)
		}
		return
	}
	redirect(w, rq, "/alerts/"+url.PathEscape(nv.ID), "alert_saved")
}

// ---- the detail page ----------------------------------------------------

type recipientRow struct {
	alerting.Row
	Name, SectorName, StateLabel, StateClass string
	Reasons                                  []string
}

type alertData struct {
	alertRow
	V                         *alerting.View
	Summary                   []string // its lines
	Actions                   []string
	Lang                      string
	Preview                   *alerting.Preview
	PreviewRows               []recipientRow
	PreviewCounts             []option
	Table                     *alerting.Table
	Rows                      []recipientRow
	AckForm, StepForm         *form
	AckOptions                []option
	CanWrite, CanReview, Mine bool
	CanSubmit, CanPublish     bool
	CanWithdraw, CanEdit      bool
	Republish                 bool
	Warnings                  []alert.Warning // in the user's language
}

// alertWarningKeys translate the alert service's warnings (it speaks
// English); a warning not listed is shown as it is.
var alertWarningKeys = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^no English text: English-speaking readers will see the Japanese$`), "al.warn.no_english"},
	{regexp.MustCompile(`^no targeting: publishing needs at least one recipient$`), "al.warn.no_targeting"},
	{regexp.MustCompile(`^the indicators were not released for export and TAXII: (.*)$`), "al.warn.not_released"},
}

// alertWarnings are ws with each field named by its label and each
// message in the user's language.
func alertWarnings(rq *req, ws []alert.Warning) []alert.Warning {
	out := make([]alert.Warning, 0, len(ws))
	for _, w := range ws {
		if l := fieldLabels[w.Field]; l != "" {
			w.Field = rq.T(l)
		}
		for _, k := range alertWarningKeys {
			if m := k.re.FindStringSubmatch(w.Message); m != nil {
				var args []any
				for _, a := range m[1:] {
					args = append(args, a)
				}
				w.Message = rq.T(k.key, args...)
				break
			}
		}
		out = append(out, w)
	}
	return out
}

func (s *server) reasonLabels(rq *req, rs []string) []string {
	var out []string
	for _, r := range rs {
		k, arg, _ := strings.Cut(r, ":")
		switch k {
		case "sector":
			out = append(out, rq.T("al.reason.sector", rq.T("sector."+arg)))
		case "exposed", "sighted", "supply_chain":
			out = append(out, rq.T(alertKey("al.reason.", k)))
		default:
			out = append(out, rq.T(alertKey("al.reason.", k)))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (s *server) recipientRows(rq *req, rows []alerting.Row) []recipientRow {
	var out []recipientRow
	for _, r := range rows {
		sec := "—" // an organisation outside the sectors (a supplier, a vendor)
		if r.Sector != "" {
			sec = rq.T("sector." + r.Sector)
		}
		name := r.OrgName.JA
		if rq.lang == "en" && r.OrgName.EN != "" {
			name = r.OrgName.EN
		}
		if name == "" {
			name = r.OrgID
		}
		out = append(out, recipientRow{Row: r, Name: name, SectorName: sec, StateLabel: rq.T(alertKey("al.ack.", string(r.State))),
			StateClass: recipientStateClasses[r.State], Reasons: s.reasonLabels(rq, r.Reasons)})
	}
	return out
}

func (s *server) alertDetail(w http.ResponseWriter, rq *req) {
	s.alertPage(w, rq, http.StatusOK, nil, nil)
}

func (s *server) alertPage(w http.ResponseWriter, rq *req, status int, ackForm, stepForm *form) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	ctx := rq.Context()
	v, err := s.opt.Alerting.Get(ctx, rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := alertData{alertRow: s.alertRowOf(rq, *v), V: v, Summary: alertLines(v.Alert.Summary.In(rq.lang)), Lang: rq.lang,
		Warnings: alertWarnings(rq, v.Warnings)}
	for _, a := range v.Actions {
		d.Actions = append(d.Actions, a.In(rq.lang))
	}
	for _, st := range alert.AckStates {
		d.AckOptions = append(d.AckOptions, option{Value: string(st), Label: rq.T(alertKey("al.ack.", string(st)))})
	}
	if ackForm == nil {
		vals := url.Values{"ack_state": {string(alert.Acknowledged)}}
		if v.Recipient != nil && v.Recipient.State != alert.Pending {
			vals = url.Values{"ack_state": {string(v.Recipient.State)}, "ack_actions": {v.Recipient.Actions}}
		}
		ackForm = newForm(vals)
	}
	if stepForm == nil {
		stepForm = newForm(nil)
	}
	d.AckForm, d.StepForm = ackForm, stepForm
	if v.Issuer {
		o := rq.P.ActingOrgID()
		d.CanWrite = o == v.OrgID && auth.Can(rq.P, auth.ActAlertWrite, auth.Target{OrgID: o})
		me := ""
		if rq.P.User != nil {
			me = rq.P.User.ID
		}
		d.Mine = me != "" && (me == v.CreatedBy || me == v.SubmittedBy)
		d.CanReview = v.State == alert.InReview && !d.Mine && o == v.OrgID && auth.Can(rq.P, auth.ActAlertReview, auth.Target{OrgID: o})
		d.CanEdit = d.CanWrite && (v.State == alert.Draft || v.State == alert.Published)
		d.CanSubmit = d.CanWrite && v.State == alert.Draft
		d.CanWithdraw = d.CanWrite && v.State == alert.Published
		d.Republish = v.State == alert.Published
		d.CanPublish = d.CanWrite && (v.State == alert.InReview && v.Approved || v.State == alert.Published)
		if d.CanPublish || d.CanSubmit || d.CanReview {
			if pv, err := s.opt.Alerting.Preview(ctx, rq.P, v.ID); err == nil && (v.State != alert.Published || pv.New > 0 || len(pv.Changes) > 0) {
				d.Preview = pv
				rows := make([]alerting.Row, len(pv.Recipients))
				for i, r := range pv.Recipients {
					rows[i] = alerting.Row{Recipient: r}
				}
				d.PreviewRows = s.recipientRows(rq, rows)
				for _, k := range []string{"everyone", "sector", "exposed", "sighted", "supply_chain", "org"} {
					if n := pv.Counts[k]; n > 0 {
						d.PreviewCounts = append(d.PreviewCounts, option{Value: strconv.Itoa(n), Label: rq.T(alertKey("al.reason.", k+".short"))})
					}
				}
			}
		}
		if v.State == alert.Published || v.State == alert.Withdrawn {
			t, err := s.opt.Alerting.Recipients(ctx, rq.P, v.ID)
			if err != nil {
				s.errorPage(w, rq, err)
				return
			}
			d.Table, d.Rows = t, s.recipientRows(rq, t.Rows)
		}
	}
	rq.here = "/alerts/" + url.PathEscape(v.ID)
	s.render(w, rq, status, "alert", d)
}

// alertStep runs a lifecycle step posted from the detail page.
func (s *server) alertStep(step string) handlerFunc {
	return func(w http.ResponseWriter, rq *req) {
		if s.opt.Alerting == nil {
			s.errorPage(w, rq, apperr.ErrNotFound)
			return
		}
		ctx, id := rq.Context(), rq.PathValue("id")
		f := newForm(rq.PostForm)
		rev, _ := strconv.Atoi(f.Get("rev"))
		var err error
		done := ""
		switch step {
		case "submit":
			_, err = s.opt.Alerting.Submit(ctx, rq.P, id, rev)
			done = "alert_submitted"
		case "review":
			_, err = s.opt.Alerting.Review(ctx, rq.P, id, rev, f.Get("decision") == "approve", f.Get("comment"))
			done = "alert_reviewed"
		case "publish":
			_, _, err = s.opt.Alerting.Publish(ctx, rq.P, id, rev)
			done = "alert_published"
		case "withdraw":
			_, err = s.opt.Alerting.Withdraw(ctx, rq.P, id, rev, f.Get("reason"))
			done = "alert_withdrawn"
		}
		if err != nil {
			switch apperr.CodeOf(err) {
			case apperr.CodeInvalid, apperr.CodeConflict:
				status := s.apply(rq, f, err, nil)
				s.alertPage(w, rq, status, nil, f)
			default:
				s.errorPage(w, rq, err)
			}
			return
		}
		redirect(w, rq, "/alerts/"+url.PathEscape(id), done)
	}
}

func (s *server) alertAck(w http.ResponseWriter, rq *req) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	f := newForm(rq.PostForm)
	id := rq.PathValue("id")
	st, err := alert.ParseAckState(f.Get("ack_state"))
	if err == nil {
		_, err = s.opt.Alerting.Ack(rq.Context(), rq.P, id, st, f.Get("ack_actions"))
	}
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.CodeInvalid, apperr.CodeConflict:
			status := s.apply(rq, f, err, map[string]string{"state": "ack_state", "actions": "ack_actions"})
			s.alertPage(w, rq, status, f, nil)
		default:
			s.errorPage(w, rq, err)
		}
		return
	}
	back := "/alerts/" + url.PathEscape(id)
	if f.Get("from") == "list" {
		back = "/alerts"
	}
	redirect(w, rq, back, "alert_acked")
}

func (s *server) alertSTIX(w http.ResponseWriter, rq *req) {
	if s.opt.Alerting == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	v, err := s.opt.Alerting.Get(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	b, err := s.opt.Alerting.Export(rq.Context(), rq.P, v.ID)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	incDownload(w, "application/stix+json;version=2.1", v.Ref+".stix.json", b)
}
