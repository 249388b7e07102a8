package reportexport

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/report"
)

// PrintData is what a printable report shows. Regime and Stage are
// optional (the stage's required fields are checked when given);
// Submission is given when the document prints what was submitted (else
// it is marked DRAFT). Lang is "ja" (default) or "en".
type PrintData struct {
	Incident   *incident.Incident
	Org        *org.Organisation
	Content    report.Content
	Version    int
	Regime     *regime.Regime
	Stage      *regime.Stage
	Submission *incident.Submission
	Lang       string
	Now        time.Time
}

//go:embed print.html
var printHTML string

var printTmpl = template.Must(template.New("print").Parse(printHTML))

// RenderPrint writes a self-contained printable A4 HTML document of a
// report (inline CSS, no script, no external assets): the header, the
// content laid out by report.JapanSections with each field's state,
// confidence, as-of time (JST) and source, the block of the ministries'
// common form for the event class, and the stage's missing required
// fields.
func RenderPrint(w io.Writer, d PrintData) error {
	if d.Incident == nil {
		return apperr.Invalid("incident", "is required")
	}
	if d.Org == nil {
		return apperr.Invalid("org", "is required")
	}
	lang := d.Lang
	switch lang {
	case "", "ja":
		lang = "ja"
	case "en":
	default:
		return apperr.Invalid("lang", "must be ja or en")
	}
	c := d.Content
	c.Normalize()
	p := printPage{Lang: lang, Title: d.Incident.Title, Ref: d.Incident.Ref, Version: d.Version,
		OrgJA: d.Org.Name.JA, OrgEN: d.Org.Name.EN, Generated: jst(d.Now)}
	if p.Version == 0 {
		p.Version = d.Incident.Version
	}
	if l, ok := sectorLabels[d.Org.Sector]; ok {
		p.Sector = l.in(lang)
	}
	p.Contact = contactInfo(d.Org.Contact)
	t := func(ja, en string) string { return label{ja, en}.in(lang) }
	p.L = map[string]string{
		"ref": t("整理番号", "Reference"), "org": t("事業者名", "Organisation"), "sector": t("業種", "Sector"),
		"contact": t("緊急連絡先", "Emergency contact"), "regime": t("報告制度", "Regime"), "stage": t("報告段階", "Stage"),
		"due": t("期限の基準", "Due"), "version": t("版", "Version"), "submitted": t("提出日時", "Submitted"),
		"generated": t("作成日時", "Printed"), "draft": t("DRAFT 下書き（未提出）", "DRAFT (not submitted)"),
		"recipient": t("提出先", "Recipient"),
		"missing":   "未記入の必須項目 / Missing required fields", "complete": t("この段階の必須項目はすべて記入済みです。", "All fields required at this stage are given."),
		"form": t("様式別項目", "Form-specific items"),
	}
	if d.Regime != nil {
		p.Regime = labelOf(d.Regime.Name).in(lang)
	}
	if d.Stage != nil {
		p.HasStage = true
		p.Stage = labelOf(d.Stage.Name).in(lang)
		p.Due = dueBasis(*d.Stage, lang)
		for _, f := range c.Missing(d.Stage.Required) {
			l, ok := fieldLabels[f]
			if !ok {
				l = label{f, f}
			}
			p.Missing = append(p.Missing, printLabel{l.in(lang), l.other(lang), f})
		}
	}
	if s := d.Submission; s != nil {
		p.Submitted = jst(s.SubmittedAt)
		p.SHA256 = s.SHA256
		p.Recipient = s.Recipient
	}
	for _, s := range report.JapanSections {
		sec := printSection{Title: label{s.JA, s.EN}.in(lang), Other: label{s.JA, s.EN}.other(lang)}
		for _, f := range s.Fields {
			sec.Rows = append(sec.Rows, row(&c, f, lang))
		}
		p.Sections = append(p.Sections, sec)
	}
	if c.Class.Value != "" {
		form := c.Class.Value.Form()
		fl := formLabels[form]
		p.Form = &printSection{Title: fl.in(lang), Other: fl.other(lang)}
		for _, f := range report.FormFields[form] {
			p.Form.Rows = append(p.Form.Rows, row(&c, f, lang))
		}
	}
	return printTmpl.Execute(w, p)
}

type printPage struct {
	Lang, Title, Ref, OrgJA, OrgEN, Sector, Contact string
	Regime, Stage, Due                              string
	HasStage                                        bool
	Version                                         int
	Submitted, SHA256, Recipient, Generated         string
	Missing                                         []printLabel
	Sections                                        []printSection
	Form                                            *printSection
	L                                               map[string]string
}

type printLabel struct{ Title, Other, Name string }

type printSection struct {
	Title, Other string
	Rows         []printRow
}

type printRow struct {
	Name, Label, Other string
	Value              string
	State, StateClass  string
	Meta               []string // state, confidence, as-of, source with their labels
	Known              bool
}

func labelOf(t regime.Text) label {
	l := label{t.JA, t.EN}
	if l.JA == "" {
		l.JA = l.EN
	}
	if l.EN == "" {
		l.EN = l.JA
	}
	return l
}

var triggerLabels = map[regime.TriggerKind]label{
	regime.TriggerAwareness: {"認知", "awareness"}, regime.TriggerDetection: {"検知", "detection"},
	regime.TriggerOccurrence: {"発生", "occurrence"}, regime.TriggerClassification: {"重大性の判定", "classification"},
	regime.TriggerReasonableBelief: {"合理的な確信", "reasonable belief"}, regime.TriggerRansomPayment: {"身代金の支払", "ransom payment"},
	regime.TriggerPreviousSubmission: {"前回の提出", "the previous submission"}, regime.TriggerNotification: {"通知の提出", "the notification"},
}

// dueBasis renders a stage's clock: "72 h after awareness", "認知から 72 h".
func dueBasis(s regime.Stage, lang string) string {
	tl, ok := triggerLabels[s.Trigger.Kind]
	if !ok {
		tl = label{string(s.Trigger.Kind), string(s.Trigger.Kind)}
	}
	if s.Trigger.AfterStage != "" {
		tl.JA += "（" + s.Trigger.AfterStage + "）"
		tl.EN += " (" + s.Trigger.AfterStage + ")"
	}
	out := s.Offset.String() + " after " + tl.EN
	if lang == "ja" {
		out = tl.JA + "から" + offsetJA(s.Offset)
	}
	if s.EndOfDay {
		out += label{"（当日末まで）", " (end of day)"}.in(lang)
	}
	return out
}

// jst renders a time in Japan Standard Time: "2026-11-30 19:00 JST".
func jst(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(report.JST).Format("2006-01-02 15:04 MST")
}

func row(c *report.Content, name, lang string) printRow {
	l, ok := fieldLabels[name]
	if !ok {
		l = label{name, name}
	}
	m := fieldMeta(c, name)
	r := printRow{Name: name, Label: l.in(lang), Other: l.other(lang), Known: m.State == report.StateKnown}
	t := func(ja, en string) string { return label{ja, en}.in(lang) }
	if sl, ok := stateLabels[m.State]; ok {
		r.State = sl.in(lang)
		r.Meta = append(r.Meta, t("状態", "State")+": "+r.State)
	}
	switch m.State {
	case report.StateKnown:
		r.StateClass = "state-known"
		if cl, ok := confidenceLabels[m.Confidence]; ok {
			r.Meta = append(r.Meta, t("確度", "Confidence")+": "+cl.in(lang))
		}
		r.Value = fieldText(c, name, lang)
	case report.StateWithheld:
		r.StateClass = "state-withheld"
	default:
		r.StateClass = "state-nyk"
	}
	if m.AsOf != nil {
		r.Meta = append(r.Meta, t("時点", "As of")+": "+jst(*m.AsOf))
	}
	if m.Source != "" {
		r.Meta = append(r.Meta, t("情報源", "Source")+": "+m.Source)
	}
	return r
}

// fieldText renders a field's value as plain text (lines joined by \n).
func fieldText(c *report.Content, name, lang string) string {
	t := func(ja, en string) string { return label{ja, en}.in(lang) }
	yes := func(b bool) string {
		if b {
			return t("はい", "yes")
		}
		return t("いいえ", "no")
	}
	tm := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return jst(*p)
	}
	progress := func(p report.Progress) string {
		if l, ok := progressLabels[p]; ok {
			return l.in(lang)
		}
		return string(p)
	}
	var lines []string
	add := func(k, v string) {
		if v != "" {
			lines = append(lines, k+": "+v)
		}
	}
	switch name {
	case "class":
		if l, ok := classLabels[c.Class.Value]; ok {
			prec := ""
			if c.Class.Value.Precursor() {
				prec = t("（特定侵害事象の原因となり得る事象）", " (precursor)")
			}
			return l.in(lang) + prec
		}
		return string(c.Class.Value)
	case "summary":
		return c.Summary.Value
	case "occurred":
		return tm(c.Occurred.Value)
	case "detected":
		return tm(c.Detected.Value)
	case "aware":
		return tm(c.Aware.Value)
	case "computers":
		return strings.Join(c.Computers.Value, "\n")
	case "other_systems":
		return c.OtherSystems.Value
	case "impact":
		v := c.Impact.Value
		add(t("サービス", "Services"), v.Services)
		if v.Users > 0 {
			add(t("影響利用者数", "Users affected"), strconv.Itoa(v.Users))
		}
		add(t("データの種類", "Data categories"), strings.Join(v.DataCategories, ", "))
		if l, ok := levelLabels[v.Level]; ok {
			add(t("影響度", "Level"), l.in(lang))
		}
		add(t("個人データ", "Personal data"), yes(v.PersonalData))
	case "technique":
		return c.Technique.Value
	case "attack_techniques":
		return strings.Join(c.Techniques.Value, ", ")
	case "intrusion_path":
		return c.IntrusionPath.Value
	case "iocs":
		for _, i := range c.IOCs.Value {
			s := i.Type + " " + i.Value
			if i.Comment != "" {
				s += " (" + i.Comment + ")"
			}
			lines = append(lines, s)
		}
	case "logs":
		for _, l := range c.Logs.Value {
			s := l.Log
			if l.RetainedUntil != "" {
				s += t(" — 保存期限 ", " — kept until ") + l.RetainedUntil
			}
			lines = append(lines, s)
		}
	case "partners":
		return strings.Join(c.Partners.Value, "\n")
	case "partner_impact":
		return c.PartnerImpact.Value
	case "ransom":
		v := c.Ransom.Value
		add(t("ランサムウェア", "Ransomware"), yes(v.Ransomware))
		add(t("身代金の要求", "Ransom demanded"), yes(v.Demanded))
		add(t("身代金の支払", "Ransom paid"), yes(v.Paid))
		add(t("脅迫文", "Ransom note"), v.Note)
		add(t("暗号化ファイルの拡張子", "Encrypted file extension"), v.FileExtension)
		add(t("脅迫の手口", "Extortion"), v.Extortion)
	case "ddos":
		v := c.DDoS.Value
		add(t("手法", "Technique"), v.Technique)
		if v.PeakGbps > 0 {
			add(t("最大通信量", "Peak"), strconv.FormatFloat(v.PeakGbps, 'f', -1, 64)+" Gbps")
		}
		if v.PeakPps > 0 {
			add(t("最大パケット数", "Peak packets"), strconv.FormatFloat(v.PeakPps, 'f', -1, 64)+" pps")
		}
		if v.Minutes > 0 {
			add(t("継続時間", "Duration"), fmt.Sprintf(t("%d 分", "%d minutes"), v.Minutes))
		}
		add(t("緩和策", "Mitigation"), v.Mitigation)
	case "overseas":
		return yes(c.Overseas.Value)
	case "at_supplier":
		return c.AtSupplier.Value
	case "cross_border":
		return yes(c.CrossBorder.Value)
	case "exploited_vulnerabilities":
		for _, v := range c.Vulns.Value {
			s := strings.TrimSpace(v.Product + " " + v.Version)
			if v.CVE != "" {
				s = v.CVE + " (" + s + ")"
			}
			lines = append(lines, s)
		}
	case "others_notified":
		for _, o := range c.OthersNotified.Value {
			s := o.Party
			if o.At != "" {
				s += " " + o.At
			}
			if o.Reference != "" {
				s += " (" + o.Reference + ")"
			}
			lines = append(lines, s)
		}
	case "containment":
		return progress(c.Containment.Value)
	case "recovery":
		return progress(c.Recovery.Value)
	case "recovery_estimate":
		return c.RecoveryEstimate.Value
	case "root_cause":
		return c.RootCause.Value
	case "contacts":
		for _, ct := range c.Contacts.Value {
			parts := []string{ct.Name}
			for _, s := range []string{ct.Role, ct.Phone, ct.Email} {
				if s != "" {
					parts = append(parts, s)
				}
			}
			if ct.H24 {
				parts = append(parts, t("24時間対応", "24/7"))
			}
			lines = append(lines, strings.Join(parts, ", "))
		}
	}
	return strings.Join(lines, "\n")
}

// offsetJA renders an offset in Japanese: "72時間", "30日", "1か月", "2営業日".
func offsetJA(o regime.Offset) string {
	var b strings.Builder
	for _, p := range []struct {
		n    int
		unit string
	}{{o.Months, "か月"}, {o.Days, "日"}, {o.Hours, "時間"}, {o.BusinessDays, "営業日"}} {
		if p.n != 0 {
			b.WriteString(strconv.Itoa(p.n) + p.unit)
		}
	}
	if b.Len() == 0 {
		return "0時間"
	}
	return b.String()
}
