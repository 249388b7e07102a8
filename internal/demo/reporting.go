package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

// The demo's incident reports (issue #5): reporting settings and a
// peacetime template of Toto Electric, and four incidents at different
// points of their lifecycle.
//
//   - A (toto-electric): unauthorised access through the OT remote-
//     maintenance gateway's SSL-VPN (CVE-2024-21762), approved by legal and
//     the CISO, submitted as the jp-acd prompt report, acknowledged by the
//     NCO ("NCO-2026-1187"), with an open information request about the
//     intrusion path, triaged high (SeedAnalysis links it to its cluster); a
//     fourth version is being drafted.
//   - B (towa-mirai-bank): traces of ransomware precursors, awaiting the
//     executive's approval; the bank's own 6 h prompt-report rule makes
//     the deadline due soon.
//   - C (shinkawa-system): an infected maintenance PC of the supplier that
//     runs Toto Electric's control-network VPN, reported to the NCO and to
//     Toto Electric as a linked partner.
//   - D (wangan-gas): suspicious communication reported and then refuted as
//     a false positive (a retraction went to every receiver).

// ReportingResult counts what SeedReporting added.
type ReportingResult struct {
	Settings, Templates, Incidents, Submissions int
}

func (r ReportingResult) String() string {
	return fmt.Sprintf("%d reporting settings, %d report templates, %d incident reports, %d submissions",
		r.Settings, r.Templates, r.Incidents, r.Submissions)
}

// Titles of the demo incidents (SeedReporting finds them by title).
const (
	IncidentA = "SSL-VPN装置経由の不正アクセス（制御系リモート保守ゲートウェイ） / Unauthorised access through the SSL-VPN gateway"
	IncidentB = "ランサムウェア前兆の痕跡（業務端末） / Ransomware precursor traces on office PCs"
	IncidentC = "保守用端末のマルウェア感染（東都電力様向け保守業務） / Malware on a maintenance PC used for Toto Electric"
	IncidentD = "SCADA保守回線の不審通信 / Suspicious traffic on the SCADA maintenance line"
)

// TemplateVPN is the name of Toto Electric's demo template.
const TemplateVPN = "VPN装置への不正アクセス（速報）"

// SeedReporting adds the demo's reporting settings, template and
// incidents, acting as the demo users. It is idempotent: settings already
// configured, a template or an incident with the same name or title are
// left alone, so a second run adds nothing. Run it after SeedExposure: an
// incident names the registered computer when it exists.
func SeedReporting(ctx context.Context, svc *reporting.Service) (ReportingResult, error) {
	var res ReportingResult
	db := svc.DB
	as := func(email string) (*auth.Principal, error) { return principal(ctx, db, email) }
	orgID := func(slug string) (string, error) {
		o, err := db.GetOrg(ctx, slug)
		if err != nil {
			return "", fmt.Errorf("demo: organisation %s: %w", slug, err)
		}
		return o.ID, nil
	}
	nco, meti := "", ""
	var err error
	if nco, err = orgID("nco"); err != nil {
		return res, err
	}
	if meti, err = orgID("meti"); err != nil {
		return res, err
	}
	now := time.Now().UTC()
	ago := func(h float64) *time.Time {
		t := now.Add(-time.Duration(h * float64(time.Hour))).Truncate(time.Minute)
		return &t
	}
	known := func(conf report.Confidence, src string) report.Meta {
		return report.Meta{State: report.StateKnown, Confidence: conf, AsOf: ago(0), Source: src}
	}

	// ---- settings ----
	for _, s := range []struct {
		admin string
		st    incident.Settings
	}{
		{"admin@toto-electric.example", incident.Settings{
			Flow:    incident.Flow{Mode: "sequential", Steps: []incident.ApprovalKind{incident.ApproveLegal, incident.ApproveExec}},
			Regimes: []string{"jp-acd", "jp-appi"}, Recipients: []string{nco, meti},
			InternalDomains: []string{"corp.toto-electric.example"}, RemindBeforeHours: 12}},
		{"admin@wangan-gas.example", incident.Settings{Regimes: []string{"jp-acd"}, Recipients: []string{nco, meti}}},
		{"admin@towa-mirai-bank.example", incident.Settings{
			Flow:    incident.Flow{Mode: "sequential", Steps: []incident.ApprovalKind{incident.ApproveExec}},
			Regimes: []string{"jp-acd"}, Recipients: []string{nco},
			// The bank's rule: the first report within 6 h of awareness,
			// stricter than the 72 h default until the ordinance is final.
			Offsets: map[string]regime.Offset{"jp-acd/prompt": {Hours: 6}}}},
	} {
		p, err := as(s.admin)
		if err != nil {
			return res, err
		}
		cur, err := db.ReportingSettings(ctx, p.Org.ID)
		if err != nil {
			return res, err
		}
		if len(cur.Regimes) > 0 || len(cur.Recipients) > 0 || len(cur.Flow.Steps) > 0 {
			continue // configured already (by an earlier run or by hand)
		}
		st := s.st
		st.OrgID = p.Org.ID
		if err := svc.PutSettings(ctx, p, &st); err != nil {
			return res, fmt.Errorf("demo: reporting settings of %s: %w", p.Org.Slug, err)
		}
		res.Settings++
	}

	// ---- Toto Electric's template ----
	toto, err := as("reporter@toto-electric.example")
	if err != nil {
		return res, err
	}
	contacts := report.Field[[]report.Contact]{Value: []report.Contact{
		{Name: "CSIRT当番 / CSIRT duty officer", Role: "24時間窓口 / 24/7 desk", Phone: "+81 3 0000 1101", Email: "csirt@toto-electric.example", H24: true},
		{Name: "中村 愛", Role: "インシデント報告担当 / incident reporter", Email: "reporter@toto-electric.example"},
	}, Meta: known(report.Confirmed, "社内規程 / internal procedure")}
	logs := report.Field[[]report.LogPreservation]{Value: []report.LogPreservation{
		{Log: "SSL-VPN 認証ログ / SSL-VPN authentication logs", RetainedUntil: "保存期間1年 / kept 1 year"},
		{Log: "ファイアウォール通信ログ / firewall traffic logs", RetainedUntil: "保存期間6か月 / kept 6 months"},
		{Log: "EDR テレメトリ / EDR telemetry", RetainedUntil: "保存期間90日 / kept 90 days"},
	}, Meta: known(report.Confirmed, "ログ保全手順 / log preservation procedure")}
	tpls, err := svc.Templates(ctx, toto, toto.Org.ID)
	if err != nil {
		return res, err
	}
	tplID := ""
	for _, t := range tpls {
		if t.Name == TemplateVPN {
			tplID = t.ID
		}
	}
	if tplID == "" {
		t := &incident.Template{Name: TemplateVPN, Title: "VPN装置への不正アクセス",
			Description: "SSL-VPN 装置への不正アクセスの速報用。連絡先とログの保全状況を記入済み。 / For the prompt report of unauthorised access to an SSL-VPN appliance: contacts and logs kept are filled in.",
			Content:     report.Content{Class: report.Field[report.EventClass]{Value: report.ClassUnauthorisedAccess, Meta: known(report.Likely, "テンプレート / template")}, Contacts: contacts, Logs: logs},
			Regimes:     []string{"jp-acd", "jp-appi"}, DefaultTLP: "amber"}
		if err := svc.PutTemplate(ctx, toto, t); err != nil {
			return res, fmt.Errorf("demo: template: %w", err)
		}
		tplID = t.ID
		res.Templates++
	}

	// exists reports whether organisation orgID has an incident titled title.
	exists := func(orgID, title string) (bool, error) {
		ins, err := db.ListIncidents(ctx, store.IncidentQuery{OrgID: orgID, Limit: 1000})
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(ins, func(in incident.Incident) bool { return in.Title == title }), nil
	}
	// computer returns the field of the organisation's computer ref,
	// withheld when the registry does not have it.
	computer := func(orgID, ref string) (report.Field[[]string], error) {
		cs, _, err := db.ListComputers(ctx, store.ComputerQuery{OrgID: orgID, Ref: ref, Limit: 1})
		if err != nil {
			return report.Field[[]string]{}, err
		}
		if len(cs) == 0 {
			return report.Field[[]string]{Meta: report.Meta{State: report.StateWithheld}}, nil
		}
		return report.Field[[]string]{Value: []string{cs[0].ID}, Meta: known(report.Confirmed, "重要電子計算機届出 / registry")}, nil
	}
	submitted := func(subs []incident.Submission, err error) error {
		res.Submissions += len(subs)
		return err
	}

	// ---- A: Toto Electric's SSL-VPN intrusion ----
	if ok, err := exists(toto.Org.ID, IncidentA); err != nil {
		return res, err
	} else if !ok {
		legal, err := as("legal@toto-electric.example")
		if err != nil {
			return res, err
		}
		exec, err := as("exec@toto-electric.example")
		if err != nil {
			return res, err
		}
		ncoP, err := as("analyst@nco.example")
		if err != nil {
			return res, err
		}
		comp, err := computer(toto.Org.ID, "TE-FG-02")
		if err != nil {
			return res, err
		}
		edr := known(report.Confirmed, "EDR / SOC 分析 / EDR and SOC analysis")
		c := report.Content{
			Class:     report.Field[report.EventClass]{Value: report.ClassUnauthorisedAccess, Meta: edr},
			Summary:   report.Field[string]{Value: "第二給電所の制御系リモート保守ゲートウェイ (FortiOS 7.2.4) の SSL-VPN に対し、未修正の脆弱性 CVE-2024-21762 を悪用した不正アクセスを確認。保守用アカウントで内部セグメントへの接続が試みられた。変電所監視制御システムへの到達は現時点で確認されていない。 / Unauthorised access to the SSL-VPN of the OT remote-maintenance gateway (FortiOS 7.2.4) exploiting the unpatched CVE-2024-21762; a maintenance account was used to try to reach internal segments. No access to the substation SCADA has been found so far.", Meta: edr},
			Occurred:  report.Field[*time.Time]{Value: ago(34), Meta: known(report.Likely, "VPN 認証ログ / VPN authentication log")},
			Detected:  report.Field[*time.Time]{Value: ago(31), Meta: known(report.Confirmed, "SOC アラート / SOC alert")},
			Aware:     report.Field[*time.Time]{Value: ago(30), Meta: known(report.Confirmed, "CSIRT 判断 / CSIRT decision")},
			Computers: comp,
			Contacts:  contacts, Logs: logs,
		}
		in, err := svc.Create(ctx, toto, reporting.NewIncident{TemplateID: tplID, Title: IncidentA, Content: &c, Note: "初動 / first facts"})
		if err != nil {
			return res, fmt.Errorf("demo: incident A: %w", err)
		}
		res.Incidents++
		c.Impact = report.Field[report.Impact]{Value: report.Impact{Level: "minor", Services: "リモート保守 / remote maintenance (停止中 / suspended)", PersonalData: false}, Meta: edr}
		c.Techniques = report.Field[[]string]{Value: []string{"T1190", "T1078"}, Meta: edr}
		c.Technique = report.Field[string]{Value: "公開アプリケーションの脆弱性悪用 (T1190) の後、窃取した保守用アカウントで正規ログイン (T1078) / Exploitation of a public-facing application (T1190), then valid accounts (T1078)", Meta: edr}
		c.Vulns = report.Field[[]report.ExploitedVuln]{Value: []report.ExploitedVuln{{CVE: "CVE-2024-21762", Product: "Fortinet FortiOS", Version: "7.2.4"}}, Meta: known(report.Confirmed, "ベンダ解析 / vendor analysis")}
		c.IOCs = report.Field[[]report.IOC]{Value: []report.IOC{
			{Type: "ipv4", Value: "203.0.113.47", Comment: "攻撃元 / exploitation source"},
			{Type: "ipv4", Value: "198.51.100.23", Comment: "不正ログイン元 / login source"},
			{Type: "domain", Value: "update-fortinet-cdn.example.net", Comment: "C2 候補 / suspected C2"},
		}, Meta: known(report.Likely, "FW ログ / firewall log")}
		c.Containment = report.Field[report.Progress]{Value: "in_progress", Meta: edr}
		if _, err := svc.Save(ctx, toto, in.ID, reporting.Edit{Content: &c, Note: "影響範囲と IOC / impact and IOCs"}); err != nil {
			return res, fmt.Errorf("demo: incident A: %w", err)
		}
		c.Overseas = report.Field[bool]{Value: false, Meta: edr}
		c.OthersNotified = report.Field[[]report.OtherNotified]{Value: []report.OtherNotified{{Party: "vendor", Reference: "FortiGuard TAC 2026-11-29"}}, Meta: edr}
		if _, err := svc.Save(ctx, toto, in.ID, reporting.Edit{Content: &c, Note: "速報提出版 / version for the prompt report"}); err != nil {
			return res, fmt.Errorf("demo: incident A: %w", err)
		}
		if _, err := svc.SetRegimes(ctx, toto, in.ID, []incident.RegimeChoice{{Regime: "jp-acd", Reportable: incident.ReportableYes},
			{Regime: "jp-appi", Reportable: incident.ReportableNo, Reason: "個人データの漏えい等は確認されていない / no personal data affected"}}); err != nil {
			return res, fmt.Errorf("demo: incident A: %w", err)
		}
		if _, err := svc.RequestApproval(ctx, toto, in.ID, "速報の承認をお願いします / please approve the prompt report"); err != nil {
			return res, err
		}
		if _, err := svc.Decide(ctx, legal, in.ID, incident.ApproveLegal, true, "顧客情報の記載なし、提出可 / no customer data, may be submitted"); err != nil {
			return res, err
		}
		if _, err := svc.Decide(ctx, exec, in.ID, incident.ApproveExec, true, "承認 / approved"); err != nil {
			return res, err
		}
		subs, err := svc.Submit(ctx, toto, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}}})
		if err := submitted(subs, err); err != nil {
			return res, fmt.Errorf("demo: incident A: %w", err)
		}
		for _, s := range subs {
			if s.Recipient == nco {
				if _, err := svc.Acknowledge(ctx, ncoP, in.ID, s.ID, "NCO-2026-1187"); err != nil {
					return res, err
				}
			}
		}
		due := now.Add(48 * time.Hour).Truncate(time.Hour)
		if _, err := svc.RequestInfo(ctx, ncoP, in.ID, reporting.InfoRequestInput{
			Question: "侵入経路（保守用アカウントの認証情報の入手経路を含む）と、内部セグメントでの横展開の有無を報告してください。 / Report the intrusion path (including how the maintenance account's credentials were obtained) and whether there was lateral movement.",
			Fields:   []string{"intrusion_path", "partner_impact"}, Due: &due}); err != nil {
			return res, err
		}
		if _, err := svc.SetTriage(ctx, ncoP, in.ID, incident.Triage{Severity: "high", Status: "triaged", Assignee: ncoP.User.ID,
			Note: "同一 IOC を他の電力事業者でも観測 / same IOCs seen at another electricity operator"}); err != nil {
			return res, err
		}
		// Version 4: the answer to the information request, being drafted.
		c.IntrusionPath = report.Field[string]{Value: "CVE-2024-21762 の悪用で装置上の設定ファイルを取得し、保守用アカウントの認証情報を入手したとみられる（調査中）。 / The configuration was read through CVE-2024-21762 and the maintenance account's credentials taken from it (under investigation).", Meta: known(report.Possible, "フォレンジック中間報告 / interim forensics")}
		if _, err := svc.Save(ctx, toto, in.ID, reporting.Edit{Content: &c, Note: "情報提供依頼への回答案 / draft answer to the NCO's request"}); err != nil {
			return res, fmt.Errorf("demo: incident A: %w", err)
		}
	}

	// ---- B: the bank's ransomware precursor, awaiting the executive ----
	bank, err := as("reporter@towa-mirai-bank.example")
	if err != nil {
		return res, err
	}
	if ok, err := exists(bank.Org.ID, IncidentB); err != nil {
		return res, err
	} else if !ok {
		edr := known(report.Likely, "EDR アラート / EDR alert")
		c := report.Content{
			Class:     report.Field[report.EventClass]{Value: report.ClassMalwareExecutionTraces, Meta: edr},
			Summary:   report.Field[string]{Value: "本店の業務端末2台で、ランサムウェア攻撃の前段で使われるツール (Cobalt Strike ビーコン、AdFind) の実行痕跡を EDR が検知。暗号化は発生していない。勘定系への影響なし。 / EDR found execution traces of ransomware precursor tools (Cobalt Strike beacon, AdFind) on two office PCs at the head office. Nothing was encrypted; the core banking system is not affected.", Meta: edr},
			Detected:  report.Field[*time.Time]{Value: ago(3.5), Meta: known(report.Confirmed, "EDR アラート / EDR alert")},
			Aware:     report.Field[*time.Time]{Value: ago(3), Meta: known(report.Confirmed, "CSIRT 判断 / CSIRT decision")},
			Computers: report.Field[[]string]{Meta: report.Meta{State: report.StateWithheld}},
			Impact:    report.Field[report.Impact]{Value: report.Impact{Level: "minor", Services: "業務端末2台を隔離 / two office PCs isolated"}, Meta: edr},
			IOCs: report.Field[[]report.IOC]{Value: []report.IOC{{Type: "ipv4", Value: "198.51.100.88", Comment: "ビーコン通信先 / beacon destination"},
				{Type: "sha256", Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Comment: "ローダ / loader"}}, Meta: edr},
			Contacts: report.Field[[]report.Contact]{Value: []report.Contact{{Name: "CSIRT", Phone: "+81 3 0000 1301", Email: "csirt@towa-mirai-bank.example", H24: true}}, Meta: known(report.Confirmed, "社内規程 / internal procedure")},
			Ransom:   report.Field[report.Ransom]{Value: report.Ransom{}, Meta: edr},
		}
		in, err := svc.Create(ctx, bank, reporting.NewIncident{Title: IncidentB, Content: &c})
		if err != nil {
			return res, fmt.Errorf("demo: incident B: %w", err)
		}
		res.Incidents++
		if _, err := svc.RequestApproval(ctx, bank, in.ID, "6時間以内の第一報のため至急 / urgent: first report due within 6 h"); err != nil {
			return res, err
		}
	}

	// ---- C: the supplier's infected maintenance PC ----
	sup, err := as("admin@shinkawa-system.example")
	if err != nil {
		return res, err
	}
	if ok, err := exists(sup.Org.ID, IncidentC); err != nil {
		return res, err
	} else if !ok {
		totoID := toto.Org.ID
		linked, err := db.LinkedOrgIDs(ctx, sup.Org.ID)
		if err != nil {
			return res, err
		}
		meta := known(report.Likely, "ウイルス対策ソフト / antivirus")
		c := report.Content{
			Class:         report.Field[report.EventClass]{Value: report.ClassMalwareInfection, Meta: meta},
			Summary:       report.Field[string]{Value: "東都電力様の制御系ネットワーク VPN 運用に使う保守用ノート PC 1台で情報窃取型マルウェアを検知。当該 PC は隔離済み。保守用アカウントの認証情報が窃取された可能性がある。 / An information stealer was found on a maintenance laptop used to operate Toto Electric's control-network VPN. The laptop is isolated; the maintenance account's credentials may have been stolen.", Meta: meta},
			Detected:      report.Field[*time.Time]{Value: ago(40), Meta: meta},
			Aware:         report.Field[*time.Time]{Value: ago(36), Meta: meta},
			PartnerImpact: report.Field[string]{Value: "東都電力様の保守用 VPN アカウントのパスワード変更を依頼済み / asked Toto Electric to change the maintenance VPN account's password", Meta: meta},
			Contacts:      report.Field[[]report.Contact]{Value: []report.Contact{{Name: "前田 聡", Role: "代表取締役 / managing director", Phone: "+81 3 0000 3101", Email: "admin@shinkawa-system.example"}}, Meta: known(report.Confirmed, "")},
		}
		if slices.Contains(linked, totoID) {
			c.Partners = report.Field[[]string]{Value: []string{totoID}, Meta: known(report.Confirmed, "保守契約 / maintenance contract")}
		}
		in, err := svc.Create(ctx, sup, reporting.NewIncident{Title: IncidentC, Content: &c})
		if err != nil {
			return res, fmt.Errorf("demo: incident C: %w", err)
		}
		res.Incidents++
		if err := submitted(svc.Submit(ctx, sup, in.ID, reporting.SubmitRequest{Note: "取引先 (東都電力様) にも共有します / also shared with our customer Toto Electric"})); err != nil {
			return res, fmt.Errorf("demo: incident C: %w", err)
		}
	}

	// ---- D: Wangan Gas's false positive ----
	gas, err := as("admin@wangan-gas.example")
	if err != nil {
		return res, err
	}
	if ok, err := exists(gas.Org.ID, IncidentD); err != nil {
		return res, err
	} else if !ok {
		comp, err := computer(gas.Org.ID, "WG-RA-01")
		if err != nil {
			return res, err
		}
		meta := known(report.Possible, "IDS アラート / IDS alert")
		c := report.Content{
			Class:     report.Field[report.EventClass]{Value: report.ClassSuspiciousCommunication, Meta: meta},
			Summary:   report.Field[string]{Value: "SCADA 保守用リモートアクセス装置から海外 IP アドレスへの定期的な通信を IDS が検知。 / The IDS saw periodic traffic from the SCADA maintenance remote-access appliance to a foreign IP address.", Meta: meta},
			Detected:  report.Field[*time.Time]{Value: ago(55), Meta: meta},
			Aware:     report.Field[*time.Time]{Value: ago(54), Meta: meta},
			Computers: comp,
			Impact:    report.Field[report.Impact]{Value: report.Impact{Level: "none"}, Meta: meta},
			IOCs:      report.Field[[]report.IOC]{Value: []report.IOC{{Type: "ipv4", Value: "203.0.113.200"}}, Meta: meta},
			Contacts:  report.Field[[]report.Contact]{Value: []report.Contact{{Name: "保安・情報セキュリティ当直 / duty officer", Phone: "+81 45 000 1501", Email: "security@wangan-gas.example", H24: true}}, Meta: known(report.Confirmed, "")},
		}
		in, err := svc.Create(ctx, gas, reporting.NewIncident{Title: IncidentD, Content: &c})
		if err != nil {
			return res, fmt.Errorf("demo: incident D: %w", err)
		}
		res.Incidents++
		if err := submitted(svc.Submit(ctx, gas, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}}})); err != nil {
			return res, fmt.Errorf("demo: incident D: %w", err)
		}
		before, err := db.Submissions(ctx, store.SubmissionQuery{IncidentID: in.ID})
		if err != nil {
			return res, err
		}
		if _, err := svc.Refute(ctx, gas, in.ID, "誤検知: 通信先は保守業者 (丸栄制御工業) の海外拠点の正規の監視サーバだった / false positive: the destination is the maintenance contractor's legitimate monitoring server abroad"); err != nil {
			return res, err
		}
		after, err := db.Submissions(ctx, store.SubmissionQuery{IncidentID: in.ID})
		if err != nil {
			return res, err
		}
		res.Submissions += len(after) - len(before)
	}
	return res, nil
}
