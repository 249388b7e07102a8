package demo

// What the role home pages (issue #8) need to show something in every
// section, added after SeedAnalysis:
//
//   - ALR-2 (toto-electric sees it in "alerts to acknowledge"): a phishing
//     campaign impersonating a grid operator's maintenance contractor,
//     TLP:AMBER, high, addressed to the electricity sector and due in 48 h;
//     drafted and submitted by analyst@nco.example, approved by
//     lead-analyst@nco.example, published, and acknowledged by no one.
//   - ALR-3 (analyst@nco.example sees it in "alerts to review"): an alert
//     drafted and submitted for review by lead-analyst@nco.example and not
//     reviewed yet (an alert is reviewed within its issuing organisation).
//   - E (towa-mirai-bank): a DDoS outage of internet banking that reached
//     the bank's Frankfurt branch, so both Japan's Active Cyber Defense
//     (jp-acd) and the EU's DORA (eu-dora) apply; approved by the
//     executive and submitted as the jp-acd prompt report and the DORA
//     initial notification. Its next deadlines (the jp-acd written report,
//     the DORA intermediate report) count down on the bank's home pages.
//   - F (kanto-chuo-railway): C2 traffic from the traffic-management
//     maintenance line, submitted two days ago; the NCO acknowledged it and
//     asked for the affected hosts with a day to answer, and the railway
//     has not answered: the answer is overdue (the NCO's home page) and
//     waiting (the railway's).
//
// The information service refuses a question due in the past, so F is
// written as history.go writes the past: with the store's clock and the
// reporting service's clock set back to each moment (F's service has no
// observers and no sharing service: nothing it does reaches shared
// objects, whose clock must only move forward).
//
// Idempotent: each item is found by its title and added only when missing.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

// Titles of the home-page items (SeedHome finds them by title).
const (
	AlertPhishingEN = "Phishing e-mails impersonating a grid operator's maintenance contractor"
	AlertReviewEN   = "Scans for industrial cellular routers left with their default passwords"
	IncidentE       = "インターネットバンキングへの DDoS 攻撃（フランクフルト支店の決済サービスに波及） / DDoS on internet banking, reaching the Frankfurt branch's payment services"
	IncidentF       = "運行管理システム保守回線からの C2 通信 / C2 traffic from the traffic-management maintenance line"
)

// Home are the services SeedHome uses.
type Home struct {
	Reporting *reporting.Service
	Alerting  *alerting.Service
}

// SeedHome adds the home pages' items, idempotently, and says what it
// added. Run it after SeedAnalysis (which adds the demo's first alert only
// to a store without alerts) and SeedExposure.
func SeedHome(ctx context.Context, h Home) (string, error) {
	var parts []string
	for _, step := range []func(context.Context, Home) (string, error){seedPhishingAlert, seedReviewAlert, seedIncidentE, seedIncidentF} {
		s, err := step(ctx, h)
		if err != nil {
			return "", err
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "nothing new", nil
	}
	return strings.Join(parts, "; "), nil
}

// principal is the demo user email acting for their organisation.
func principal(ctx context.Context, db *store.DB, email string) (*auth.Principal, error) {
	u, err := db.GetUser(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("demo: user %s: %w", email, err)
	}
	o, err := db.GetOrg(ctx, u.OrgID)
	if err != nil {
		return nil, fmt.Errorf("demo: organisation of %s: %w", email, err)
	}
	return &auth.Principal{User: u, Org: o, SourceAddr: Actor}, nil
}

// alertExists reports whether the store has an alert whose English title
// is title.
func alertExists(ctx context.Context, svc *alerting.Service, title string) (bool, error) {
	vs, err := svc.List(ctx, auth.System(Actor), alerting.Query{Limit: 1000})
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(vs, func(v alerting.View) bool { return v.Title.EN == title }), nil
}

func phishingAlert(due time.Time) alert.Content {
	return alert.Content{Severity: alert.High, TLP: marking.TLPAmber,
		Title: alert.Text{JA: "電力会社の保守委託先を装うフィッシングメールについて", EN: AlertPhishingEN},
		Summary: alert.Text{
			JA: "11月下旬から、電力事業者の制御系保守を請け負う委託先を装い、「定期保守作業の日程調整」「リモート保守用 VPN 証明書の更新」を件名とするメールが複数の電力事業者に届いています。" +
				"本文のリンク先は正規の保守ポータルを模した偽サイトで、保守用アカウントの ID・パスワードとワンタイムパスワードを入力させます。窃取された認証情報は、SSL-VPN 経由の不正アクセスに使われるおそれがあります。",
			EN: "Since late November, several electricity operators have received e-mails that pretend to come from the contractors maintaining their control systems, with subjects such as \"scheduling of periodic maintenance\" and \"renewal of the remote-maintenance VPN certificate\". " +
				"The link leads to a fake copy of the contractor's maintenance portal that asks for the maintenance account's ID, password and one-time password. Stolen credentials may be used to log in through the SSL-VPN."},
		Actions: []alert.Text{
			{JA: "添付の送信元アドレスとドメインをメールゲートウェイとプロキシで遮断し、過去 14 日間の受信・アクセス履歴を確認してください。",
				EN: "Block the attached sender address and domain at the mail gateway and the proxy, and search the last 14 days of mail and proxy logs for them."},
			{JA: "保守委託先に、メールで届いた作業依頼・証明書更新の依頼を、契約上の連絡経路（電話など）で確認するよう周知してください。",
				EN: "Ask your maintenance contractors to confirm any work or certificate-renewal request received by e-mail through the contractual channel (e.g. by telephone)."},
			{JA: "リンク先で認証情報を入力した利用者がいた場合は、保守用アカウントのパスワードを変更し、SSL-VPN のログイン履歴を確認してください。",
				EN: "If anyone entered credentials on the site, change the maintenance account's password and review the SSL-VPN login history."},
		},
		Indicators: []alert.Indicator{
			{Value: "maint-portal-grid.example.net", Note: "偽の保守ポータル / fake maintenance portal"},
			{Value: "support@maint-portal-grid.example.net", Note: "送信元 / sender"},
		},
		Targeting: alert.Targeting{Sectors: []org.Sector{org.SectorElectricity}},
		DueAt:     &due,
	}
}

// seedPhishingAlert: ALR-2, published and waiting for toto-electric's
// acknowledgement.
func seedPhishingAlert(ctx context.Context, h Home) (string, error) {
	if h.Alerting == nil {
		return "", nil
	}
	if ok, err := alertExists(ctx, h.Alerting, AlertPhishingEN); err != nil || ok {
		return "", err
	}
	db := h.Alerting.DB
	author, err := principal(ctx, db, "analyst@nco.example")
	if err != nil {
		return "", err
	}
	reviewer, err := principal(ctx, db, "lead-analyst@nco.example")
	if err != nil {
		return "", err
	}
	due := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	v, err := h.Alerting.Create(ctx, author, phishingAlert(due), "")
	if err != nil {
		return "", fmt.Errorf("demo: phishing alert: %w", err)
	}
	if v, err = h.Alerting.Submit(ctx, author, v.ID, v.Rev); err != nil {
		return "", fmt.Errorf("demo: phishing alert submit: %w", err)
	}
	if v, err = h.Alerting.Review(ctx, reviewer, v.ID, v.Rev, true, "指標と推奨対策を確認しました。送信元ドメインは登録から 10 日以内です。 / Checked the indicators and actions; the sender domain was registered less than 10 days ago."); err != nil {
		return "", fmt.Errorf("demo: phishing alert review: %w", err)
	}
	v, pv, err := h.Alerting.Publish(ctx, author, v.ID, v.Rev)
	if err != nil {
		return "", fmt.Errorf("demo: phishing alert publish: %w", err)
	}
	return fmt.Sprintf("alert %s published to %d organisations (none acknowledged)", v.Ref, len(pv.Recipients)), nil
}

// seedReviewAlert: ALR-3, drafted by the NCO's lead analyst and waiting
// for another NCO analyst's review (an alert is reviewed within its
// issuing organisation).
func seedReviewAlert(ctx context.Context, h Home) (string, error) {
	if h.Alerting == nil {
		return "", nil
	}
	if ok, err := alertExists(ctx, h.Alerting, AlertReviewEN); err != nil || ok {
		return "", err
	}
	lead, err := principal(ctx, h.Alerting.DB, "lead-analyst@nco.example")
	if err != nil {
		return "", err
	}
	c := alert.Content{Severity: alert.Medium, TLP: marking.TLPGreen,
		Title: alert.Text{JA: "初期パスワードのままの産業用モバイルルータを狙う探索について", EN: AlertReviewEN},
		Summary: alert.Text{
			JA: "ガス・電力分野の遠隔監視に使われる産業用モバイルルータの管理画面に対し、初期パスワードでのログインを試みる探索が増えています。ログインに成功すると、設定の変更や監視データの改ざんに悪用されるおそれがあります。",
			EN: "Scans that try to log in to the management interface of industrial cellular routers, used for remote monitoring in the gas and electricity sectors, with their default passwords are increasing. A successful login could be used to change the configuration or tamper with monitoring data."},
		Actions: []alert.Text{
			{JA: "遠隔監視用ルータの管理画面をインターネットから到達できないようにし、初期パスワードを変更してください。",
				EN: "Make the routers' management interfaces unreachable from the internet and change their default passwords."},
		},
		Indicators: []alert.Indicator{{Value: "203.0.113.145", Note: "探索元 / scanning source"}},
		Targeting:  alert.Targeting{Sectors: []org.Sector{org.SectorGas, org.SectorElectricity}},
	}
	v, err := h.Alerting.Create(ctx, lead, c, "")
	if err != nil {
		return "", fmt.Errorf("demo: alert for review: %w", err)
	}
	if v, err = h.Alerting.Submit(ctx, lead, v.ID, v.Rev); err != nil {
		return "", fmt.Errorf("demo: alert for review, submit: %w", err)
	}
	return fmt.Sprintf("alert %s in review", v.Ref), nil
}

// incidentExists reports whether organisation orgID has an incident titled
// title.
func incidentExists(ctx context.Context, db *store.DB, orgID, title string) (bool, error) {
	ins, err := db.ListIncidents(ctx, store.IncidentQuery{OrgID: orgID, Limit: 1000})
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ins, func(in incident.Incident) bool { return in.Title == title }), nil
}

// computerField is the report field naming the organisation's registered
// computer ref, withheld when the registry does not have it.
func computerField(ctx context.Context, db *store.DB, orgID, ref string, meta report.Meta) (report.Field[[]string], error) {
	cs, _, err := db.ListComputers(ctx, store.ComputerQuery{OrgID: orgID, Ref: ref, Limit: 1})
	if err != nil {
		return report.Field[[]string]{}, err
	}
	if len(cs) == 0 {
		return report.Field[[]string]{Meta: report.Meta{State: report.StateWithheld}}, nil
	}
	return report.Field[[]string]{Value: []string{cs[0].ID}, Meta: meta}, nil
}

// seedIncidentE: the bank's incident under jp-acd and eu-dora, submitted.
func seedIncidentE(ctx context.Context, h Home) (string, error) {
	svc := h.Reporting
	if svc == nil {
		return "", nil
	}
	db := svc.DB
	bank, err := principal(ctx, db, "reporter@towa-mirai-bank.example")
	if err != nil {
		return "", err
	}
	if ok, err := incidentExists(ctx, db, bank.Org.ID, IncidentE); err != nil || ok {
		return "", err
	}
	exec, err := principal(ctx, db, "exec@towa-mirai-bank.example")
	if err != nil {
		return "", err
	}
	now := time.Now().UTC().Truncate(time.Minute)
	ago := func(h float64) *time.Time {
		t := now.Add(-time.Duration(h * float64(time.Hour)))
		return &t
	}
	known := func(conf report.Confidence, src string) report.Meta {
		return report.Meta{State: report.StateKnown, Confidence: conf, AsOf: ago(0), Source: src}
	}
	soc := known(report.Confirmed, "SOC / 回線事業者 / SOC and upstream provider")
	comp, err := computerField(ctx, db, bank.Org.ID, "TMB-FG-01", known(report.Confirmed, "重要電子計算機届出 / registry"))
	if err != nil {
		return "", err
	}
	c := report.Content{
		Class: report.Field[report.EventClass]{Value: report.ClassDDoS, Meta: soc},
		Summary: report.Field[string]{Value: "インターネットバンキングの入口 (TMB-FG-01) に最大 180 Gbps の DDoS 攻撃を受け、約 2 時間にわたりログインできない状態となった。" +
			"同じ入口を使うフランクフルト支店の法人向け決済サービス (SEPA 送金の受付) も停止した。情報漏えいは確認されていない。 / " +
			"A DDoS of up to 180 Gbps on the internet-banking entry point (TMB-FG-01) kept customers from logging in for about two hours. " +
			"The Frankfurt branch's corporate payment service (SEPA transfer intake), behind the same entry point, was also down. No data was leaked.", Meta: soc},
		Occurred:  report.Field[*time.Time]{Value: ago(6), Meta: soc},
		Detected:  report.Field[*time.Time]{Value: ago(5.75), Meta: known(report.Confirmed, "監視アラート / monitoring alert")},
		Aware:     report.Field[*time.Time]{Value: ago(5.5), Meta: known(report.Confirmed, "CSIRT 判断 / CSIRT decision")},
		Computers: comp,
		Impact: report.Field[report.Impact]{Value: report.Impact{Level: "significant",
			Services: "インターネットバンキング (約 2 時間停止)、フランクフルト支店の法人向け決済 (約 1.5 時間停止) / internet banking (down about 2 h), the Frankfurt branch's corporate payments (down about 1.5 h)"}, Meta: soc},
		Overseas:    report.Field[bool]{Value: true, Meta: soc},
		CrossBorder: report.Field[bool]{Value: true, Meta: known(report.Confirmed, "フランクフルト支店 / Frankfurt branch")},
		IOCs: report.Field[[]report.IOC]{Value: []report.IOC{{Type: "ipv4", Value: "192.0.2.77", Comment: "攻撃元の一つ（ボットネット） / one of the sources (botnet)"}},
			Meta: known(report.Likely, "回線事業者 / upstream provider")},
		Containment: report.Field[report.Progress]{Value: "done", Meta: soc},
		Contacts: report.Field[[]report.Contact]{Value: []report.Contact{
			{Name: "CSIRT", Phone: "+81 3 0000 1301", Email: "csirt@towa-mirai-bank.example", H24: true},
			{Name: "Frankfurt branch ICT risk", Role: "DORA 報告担当 / DORA reporting", Email: "ict-risk.frankfurt@towa-mirai-bank.example"},
		}, Meta: known(report.Confirmed, "社内規程 / internal procedure")},
	}
	in, err := svc.Create(ctx, bank, reporting.NewIncident{Title: IncidentE, Content: &c, Regimes: []string{"jp-acd", "eu-dora"},
		// Classified as a major ICT-related incident under DORA an hour
		// after awareness: the initial notification is due 4 h later.
		Clocks: incident.Clocks{Classified: ago(4.5)}, Note: "初動 / first facts"})
	if err != nil {
		return "", fmt.Errorf("demo: incident E: %w", err)
	}
	if _, err := svc.SetRegimes(ctx, bank, in.ID, []incident.RegimeChoice{{Regime: "jp-acd", Reportable: incident.ReportableYes},
		{Regime: "eu-dora", Reportable: incident.ReportableYes, Reason: "フランクフルト支店の決済サービスが停止し、重大な ICT 関連インシデントに該当 / the Frankfurt branch's payment service was down: a major ICT-related incident"}}); err != nil {
		return "", fmt.Errorf("demo: incident E: %w", err)
	}
	if _, err := svc.RequestApproval(ctx, bank, in.ID, "速報と DORA 初期通知の承認をお願いします / please approve the prompt report and the DORA initial notification"); err != nil {
		return "", fmt.Errorf("demo: incident E: %w", err)
	}
	if _, err := svc.Decide(ctx, exec, in.ID, incident.ApproveExec, true, "承認 / approved"); err != nil {
		return "", fmt.Errorf("demo: incident E: %w", err)
	}
	subs, err := svc.Submit(ctx, bank, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}, {Regime: "eu-dora", Stage: "initial"}}})
	if err != nil {
		return "", fmt.Errorf("demo: incident E: %w", err)
	}
	return fmt.Sprintf("a bank's report under jp-acd and eu-dora submitted (%d submissions)", len(subs)), nil
}

// seedIncidentF: the railway's report with the NCO's overdue question.
func seedIncidentF(ctx context.Context, h Home) (string, error) {
	if h.Reporting == nil {
		return "", nil
	}
	db := h.Reporting.DB
	rail, err := principal(ctx, db, "admin@kanto-chuo-railway.example")
	if err != nil {
		return "", err
	}
	if ok, err := incidentExists(ctx, db, rail.Org.ID, IncidentF); err != nil || ok {
		return "", err
	}
	nco, err := principal(ctx, db, "analyst@nco.example")
	if err != nil {
		return "", err
	}
	// The past, on the store's clock and the service's.
	realNow := db.Now
	defer func() { db.Now = realNow }()
	now := realNow().UTC().Truncate(time.Minute)
	aware := now.Add(-52 * time.Hour)
	var clock time.Time
	at := func(t time.Time) { clock = t }
	db.Now = func() time.Time { return clock }
	svc := reporting.New(db, h.Reporting.Log)
	svc.Now = func() time.Time { return clock }

	at(aware.Add(40 * time.Minute))
	asOf := aware
	meta := report.Meta{State: report.StateKnown, Confidence: report.Likely, AsOf: &asOf, Source: "IDS / プロキシログ / IDS and proxy logs"}
	comp, err := computerField(ctx, db, rail.Org.ID, "KCR-GW-01", report.Meta{State: report.StateKnown, Confidence: report.Confirmed, AsOf: &asOf, Source: "重要電子計算機届出 / registry"})
	if err != nil {
		return "", err
	}
	detected, occurred := aware.Add(-90*time.Minute), aware.Add(-20*time.Hour)
	c := report.Content{
		Class: report.Field[report.EventClass]{Value: report.ClassSuspiciousCommunication, Meta: meta},
		Summary: report.Field[string]{Value: "運行管理システムの保守回線に接続された制御系ゲートウェイ (KCR-GW-01) から、KasumiGate ローダーの C2 として共有されている 198.51.100.23 への定期的な HTTPS 通信を IDS が検知。列車運行への影響はない。 / " +
			"The IDS saw periodic HTTPS traffic from the control-system gateway on the traffic-management maintenance line (KCR-GW-01) to 198.51.100.23, shared as a C2 of the KasumiGate loader. Train operations are not affected.", Meta: meta},
		Occurred:  report.Field[*time.Time]{Value: &occurred, Meta: meta},
		Detected:  report.Field[*time.Time]{Value: &detected, Meta: meta},
		Aware:     report.Field[*time.Time]{Value: &asOf, Meta: meta},
		Computers: comp,
		Impact:    report.Field[report.Impact]{Value: report.Impact{Level: "none", Services: "なし（保守回線を遮断中） / none (maintenance line cut off)"}, Meta: meta},
		IOCs:      report.Field[[]report.IOC]{Value: []report.IOC{{Type: "ipv4", Value: "198.51.100.23", Comment: "C2 (KasumiGate)"}}, Meta: meta},
		Contacts: report.Field[[]report.Contact]{Value: []report.Contact{{Name: "情報システム部 当直 / IT duty officer", Phone: "+81 3 0000 1201",
			Email: "security@kanto-chuo-railway.example", H24: true}}, Meta: report.Meta{State: report.StateKnown, Confidence: report.Confirmed, AsOf: &asOf}},
	}
	in, err := svc.Create(ctx, rail, reporting.NewIncident{Title: IncidentF, Content: &c})
	if err != nil {
		return "", fmt.Errorf("demo: incident F: %w", err)
	}
	at(aware.Add(3 * time.Hour))
	subs, err := svc.Submit(ctx, rail, in.ID, reporting.SubmitRequest{Targets: []reporting.Target{{Regime: "jp-acd", Stage: "prompt"}}})
	if err != nil {
		return "", fmt.Errorf("demo: incident F: %w", err)
	}
	at(aware.Add(4 * time.Hour))
	for _, s := range subs {
		if s.Recipient == nco.Org.ID {
			if _, err := svc.Acknowledge(ctx, nco, in.ID, s.ID, "NCO-2026-1192"); err != nil {
				return "", fmt.Errorf("demo: incident F: %w", err)
			}
		}
	}
	at(aware.Add(5 * time.Hour))
	due := aware.Add(29 * time.Hour) // a day to answer; a day ago now
	if _, err := svc.RequestInfo(ctx, nco, in.ID, reporting.InfoRequestInput{
		Question: "C2 と通信した端末の一覧（ホスト名、IP アドレス、通信の期間）と、運行管理ネットワーク内部への到達の有無を報告してください。 / " +
			"Report the hosts that talked to the C2 (host name, IP address, period of the traffic) and whether the traffic reached inside the traffic-management network.",
		Fields: []string{"intrusion_path", "partner_impact"}, Due: &due}); err != nil {
		return "", fmt.Errorf("demo: incident F: %w", err)
	}
	return fmt.Sprintf("a railway's report with the NCO's question overdue since %s", due.In(report.JST).Format("2006-01-02 15:04 MST")), nil
}
