package demo

import (
	"context"
	"fmt"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/exposure"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/registry"
	"sakimori/internal/store"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

// The demo's critical computers and vulnerabilities: the operators'
// notified VPN appliances, authentication servers and gateways (some on
// the fictional vendors' products, some on well-known real ones), two real
// CVEs and two vulnerabilities in the fictional vendors' products, the
// exposures matching finds, one vendor request answered and turned into an
// advisory and one overdue.

type computerSpec struct {
	org string
	c   registry.Computer
}

var demoComputers = []computerSpec{
	{"toto-electric", registry.Computer{Ref: "TE-VPN-01", Name: "本店 SSL-VPN 装置 / Head-office SSL-VPN", Function: registry.FunctionVPN,
		Vendor: "Kasumi Networks", Product: "SecureGate", ProductVersion: "5.2.3", CPE: "cpe:2.3:o:kasumi_networks:securegate:*:*:*:*:*:*:*:*",
		Site: "本店データセンター (東京) / Head-office data centre, Tokyo", InternetFacing: true, Business: "一般送配電事業 / Electricity transmission and distribution",
		Equipment: "中央給電指令所システム / Central load-dispatching system", InService: "2021-04-01",
		Management: registry.ManagedOutsourced, Contractor: "有限会社新川システム保守 / Shinkawa System Maintenance Ltd.",
		Components: []registry.Component{{Name: "openssl", Version: "3.0.7", CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"},
			{Name: "openssh", Version: "9.3p1", Supplier: "OpenBSD", CPE: "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*"}}}},
	{"toto-electric", registry.Computer{Ref: "TE-FG-02", Name: "制御系リモート保守ゲートウェイ / OT remote-maintenance gateway", Function: registry.FunctionRemoteAccess,
		Vendor: "Fortinet", Product: "FortiOS", ProductVersion: "7.2.4", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
		Site: "第二給電所 (埼玉) / Second dispatching centre, Saitama", InternetFacing: true, Business: "一般送配電事業 / Electricity transmission and distribution",
		Equipment: "変電所監視制御システム / Substation SCADA", InService: "2022-10-01", Management: registry.ManagedInHouse}},
	{"toto-electric", registry.Computer{Ref: "TE-AD-01", Name: "全社認証基盤 / Corporate directory", Function: registry.FunctionAuthentication,
		Vendor: "Microsoft", Product: "Windows Server 2019", ProductVersion: "10.0.17763.5329", CPE: "cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:*:*",
		Site: "本店データセンター (東京) / Head-office data centre, Tokyo", Business: "一般送配電事業 / Electricity transmission and distribution",
		Equipment: "中央給電指令所システム / Central load-dispatching system", InService: "2020-01-15", Management: registry.ManagedInHouse}},
	{"hokusei-telecom", registry.Computer{Ref: "HT-VPN-01", Name: "保守用 SSL-VPN / Maintenance SSL-VPN", Function: registry.FunctionVPN,
		Vendor: "Kasumi Networks", Product: "SecureGate", ProductVersion: "5.3.1", CPE: "cpe:2.3:o:kasumi_networks:securegate:*:*:*:*:*:*:*:*",
		Site: "札幌ネットワークセンター / Sapporo network centre", InternetFacing: true, Business: "電気通信事業 / Telecommunications",
		Equipment: "コアネットワーク管理システム / Core network management", InService: "2023-06-01", Management: registry.ManagedInHouse}},
	{"hokusei-telecom", registry.Computer{Ref: "HT-ICS-01", Name: "リモートアクセス装置 / Remote-access gateway", Function: registry.FunctionVPN,
		Vendor: "Ivanti", Product: "Connect Secure", CPE: "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*",
		Site: "仙台データセンター / Sendai data centre", InternetFacing: true, Business: "電気通信事業 / Telecommunications",
		Equipment: "加入者管理システム / Subscriber management", InService: "2024-02-01", Management: registry.ManagedInHouse}},
	{"towa-mirai-bank", registry.Computer{Ref: "TMB-AUTH-01", Name: "統合認証サーバ / Integrated authentication server", Function: registry.FunctionAuthentication,
		Vendor: "Kagiya Software", Product: "KagiAuth", ProductVersion: "3.1.0", CPE: "cpe:2.3:a:kagiya_software:kagiauth:*:*:*:*:*:*:*:*",
		Site: "大阪本店 / Osaka head office", Business: "銀行業 / Banking", Equipment: "勘定系システム / Core banking system",
		InService: "2019-07-01", Management: registry.ManagedInHouse}},
	{"towa-mirai-bank", registry.Computer{Ref: "TMB-FG-01", Name: "インターネットバンキング境界 / Internet-banking perimeter", Function: registry.FunctionVPN,
		Vendor: "Fortinet", Product: "FortiOS", ProductVersion: "7.4.1", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
		Site: "大阪本店 / Osaka head office", InternetFacing: true, Business: "銀行業 / Banking", Equipment: "インターネットバンキング / Internet banking",
		InService: "2023-11-20", Management: registry.ManagedOutsourced, Contractor: "株式会社北浜データサービス / Kitahama Data Service Co., Ltd."}},
	{"kanto-chuo-railway", registry.Computer{Ref: "KCR-AUTH-01", Name: "運行管理系認証サーバ / Traffic-management authentication", Function: registry.FunctionAuthentication,
		Vendor: "Kagiya Software", Product: "KagiAuth", ProductVersion: "3.2.2", CPE: "cpe:2.3:a:kagiya_software:kagiauth:*:*:*:*:*:*:*:*",
		Site: "総合指令所 / Central command centre", Business: "鉄道事業 / Railway", Equipment: "運行管理システム / Traffic management system",
		InService: "2022-04-01", Management: registry.ManagedInHouse}},
	{"kanto-chuo-railway", registry.Computer{Ref: "KCR-GW-01", Name: "制御系ゲートウェイ / Control-system gateway", Function: registry.FunctionControlGateway,
		Vendor: "Cisco", Product: "IOS XE", ProductVersion: "17.9.4a", CPE: "cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*",
		Site: "総合指令所 / Central command centre", Business: "鉄道事業 / Railway", Equipment: "運行管理システム / Traffic management system",
		InService: "2023-09-01", Management: registry.ManagedOutsourced, Contractor: "丸栄制御工業株式会社 / Maruei Control Engineering Co., Ltd."}},
	{"wangan-gas", registry.Computer{Ref: "WG-RA-01", Name: "SCADA 保守用リモートアクセス / SCADA maintenance remote access", Function: registry.FunctionRemoteAccess,
		Vendor: "Ivanti", Product: "Connect Secure", ProductVersion: "22.7R2.5", CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*",
		Site: "扇島製造所 / Ogishima plant", InternetFacing: true, Business: "一般ガス導管事業 / Gas pipeline",
		Equipment: "ガス製造・供給監視システム / Gas production and supply SCADA", InService: "2024-05-10",
		Management: registry.ManagedOutsourced, Contractor: "丸栄制御工業株式会社 / Maruei Control Engineering Co., Ltd."}},
	{"wangan-gas", registry.Computer{Ref: "WG-OS-01", Name: "事務系ファイルサーバ / Office file server", Function: registry.FunctionOther,
		Vendor: "Microsoft", Product: "Windows Server 2019", ProductVersion: "10.0.17763.5458",
		Site: "本社 / Head office", Business: "一般ガス導管事業 / Gas pipeline", Equipment: "なし (汎用OS) / none (general-purpose OS)",
		Management: registry.ManagedInHouse, Excluded: true, ExclusionNote: "汎用OS製品のため指定除外 / general-purpose OS product, excluded by ordinance"}},
}

var kevDue = "2024-02-16"

var demoVulns = []vuln.Vulnerability{
	{ID: "CVE-2024-21762", Title: "FortiOS SSL-VPN out-of-bounds write (pre-authentication remote code execution)",
		Description: "A out-of-bounds write in FortiOS sslvpnd may allow a remote unauthenticated attacker to execute arbitrary code via specially crafted HTTP requests.",
		Affected: []vuln.Affected{{Vendor: "Fortinet", Product: "FortiOS", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Ranges: []version.Range{
			{StartIncluding: "7.4.0", EndExcluding: "7.4.3"}, {StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, {StartIncluding: "7.0.0", EndExcluding: "7.0.14"},
			{StartIncluding: "6.4.0", EndExcluding: "6.4.15"}, {StartIncluding: "6.2.0", EndExcluding: "6.2.16"}, {StartIncluding: "6.0.0", EndIncluding: "6.0.17"}}}},
		CVSS: &vuln.CVSS{Version: "3.1", Score: 9.8, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, Exploited: true,
		KEV:         &vuln.KEV{DateAdded: "2024-02-09", DueDate: kevDue, RequiredAction: "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable."},
		Fixes:       []vuln.Remedy{{Text: "Upgrade to FortiOS 7.4.3, 7.2.7, 7.0.14, 6.4.15 or 6.2.16 or later", URL: "https://www.fortiguard.com/psirt/FG-IR-24-015"}},
		Workarounds: []vuln.Remedy{{Text: "Disable SSL-VPN (disabling the web mode alone is not enough)"}},
		References:  []string{"https://www.fortiguard.com/psirt/FG-IR-24-015"}, CWEs: []string{"CWE-787"}, TLP: marking.TLPClear, Source: "demo"},
	{ID: "CVE-2025-0282", Title: "Ivanti Connect Secure stack-based buffer overflow (pre-authentication remote code execution)",
		Description: "A stack-based buffer overflow in Ivanti Connect Secure before 22.7R2.5 allows a remote unauthenticated attacker to achieve remote code execution.",
		Affected: []vuln.Affected{{Vendor: "Ivanti", Product: "Connect Secure", CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", Ranges: []version.Range{
			{Scheme: version.Ivanti, StartIncluding: "22.7R2", EndExcluding: "22.7R2.5"}}}},
		CVSS: &vuln.CVSS{Version: "3.1", Score: 9.0, Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H"}, Exploited: true,
		KEV:        &vuln.KEV{DateAdded: "2025-01-08", DueDate: "2025-01-15", RequiredAction: "Apply mitigations as set forth in the CISA instructions.", Ransomware: false},
		Fixes:      []vuln.Remedy{{Text: "Upgrade to Ivanti Connect Secure 22.7R2.5"}},
		References: []string{"https://forums.ivanti.com/s/article/Security-Advisory-Ivanti-Connect-Secure-Policy-Secure-ZTA-Gateways-CVE-2025-0282-CVE-2025-0283"},
		CWEs:       []string{"CWE-121"}, TLP: marking.TLPClear, Source: "demo"},
	{ID: "SKM-2026-0001", Title: "霞ネットワークス SecureGate の認証回避 (未公開) / Kasumi SecureGate authentication bypass (undisclosed)",
		Description: "政府が把握した未公開の脆弱性。SSL-VPN の認証処理に不備があり、認証前に管理機能へ到達できる。悪用を確認済み。 / " +
			"An undisclosed vulnerability known to the government: a flaw in SecureGate's SSL-VPN authentication lets an attacker reach administrative functions before authentication. Exploitation has been observed.",
		Affected: []vuln.Affected{{Vendor: "Kasumi Networks", Product: "SecureGate", CPE: "cpe:2.3:o:kasumi_networks:securegate:*:*:*:*:*:*:*:*", Ranges: []version.Range{
			{StartIncluding: "5.0.0", EndExcluding: "5.3.0"}}}},
		CVSS: &vuln.CVSS{Version: "3.1", Score: 9.1}, Exploited: true,
		Workarounds: []vuln.Remedy{{Text: "管理画面へのインターネットからのアクセスを遮断する / Block Internet access to the management interface"}},
		TLP:         marking.TLPAmber, Source: "demo"},
	{ID: "SKM-2026-0002", Title: "鍵屋ソフトウェア KagiAuth の LDAP インジェクション / Kagiya KagiAuth LDAP injection",
		Description: "KagiAuth 3.2.0 未満のログイン処理に LDAP インジェクションがあり、細工した利用者名で他の利用者として認証される可能性がある。 / " +
			"KagiAuth before 3.2.0 builds an LDAP filter from the user name unescaped: a crafted user name may authenticate as another user.",
		Affected: []vuln.Affected{{Vendor: "Kagiya Software", Product: "KagiAuth", CPE: "cpe:2.3:a:kagiya_software:kagiauth:*:*:*:*:*:*:*:*", Ranges: []version.Range{
			{EndExcluding: "3.2.0"}}}},
		CVSS: &vuln.CVSS{Version: "3.1", Score: 8.1}, CWEs: []string{"CWE-90"}, TLP: marking.TLPGreen, Source: "demo"},
}

// ExposureResult counts what SeedExposure added.
type ExposureResult struct {
	Computers, Vulns, Exposures, Notices, Requests int
}

func (r ExposureResult) String() string {
	return fmt.Sprintf("%d critical computers, %d vulnerabilities, %d exposures, %d notices, %d vendor requests",
		r.Computers, r.Vulns, r.Exposures, r.Notices, r.Requests)
}

// SeedExposure adds the demo's registry, vulnerabilities, exposures and
// vendor requests. It is idempotent: notifications of unchanged computers
// and unchanged vulnerabilities write nothing, and requests are created
// once.
func SeedExposure(ctx context.Context, svc *exposure.Service) (ExposureResult, error) {
	var res ExposureResult
	db := svc.DB
	orgs := map[string]*org.Organisation{}
	as := func(slug string) (*auth.Principal, error) {
		o, ok := orgs[slug]
		if !ok {
			var err error
			if o, err = db.GetOrg(ctx, slug); err != nil {
				return nil, fmt.Errorf("demo: organisation %s: %w", slug, err)
			}
			orgs[slug] = o
		}
		return &auth.Principal{System: Actor, Org: o}, nil
	}
	nco, err := as("nco")
	if err != nil {
		return res, err
	}
	// Vulnerabilities first, then the registry: each notification is
	// matched as it arrives, as in real operation.
	for _, v := range demoVulns {
		v := v
		v.Affected = append([]vuln.Affected(nil), v.Affected...)
		r, err := svc.PutVuln(ctx, nco, &v)
		if err != nil {
			return res, fmt.Errorf("demo: vulnerability %s: %w", v.ID, err)
		}
		if r.Changed {
			res.Vulns++
		}
	}
	ids := map[string]string{} // ref -> computer id
	for _, spec := range demoComputers {
		p, err := as(spec.org)
		if err != nil {
			return res, err
		}
		c := spec.c
		c.Components = append([]registry.Component(nil), c.Components...)
		c.OrgID = p.Org.ID
		r, err := svc.Notify(ctx, p, &c)
		if err != nil {
			return res, fmt.Errorf("demo: computer %s: %w", c.Ref, err)
		}
		ids[c.Ref] = c.ID
		if r.Changed {
			res.Computers++
		}
		if r.Match != nil {
			res.Exposures += len(r.Match.New)
			res.Notices += len(r.Match.Notices)
		}
	}
	// The bank has mitigated the FortiOS vulnerability (SSL-VPN disabled)
	// while it schedules the upgrade.
	bank, err := as("towa-mirai-bank")
	if err != nil {
		return res, err
	}
	es, err := db.ListExposures(ctx, store.ExposureQuery{ComputerID: ids["TMB-FG-01"], VulnID: "CVE-2024-21762"})
	if err != nil {
		return res, err
	}
	if len(es) == 1 && es[0].State == vuln.ExposureOpen {
		if err := svc.SetExposureState(ctx, bank, ids["TMB-FG-01"], "CVE-2024-21762", vuln.ExposureMitigated,
			"SSL-VPN を無効化済み。12月の保守窓で 7.4.3 へ更新予定 / SSL-VPN disabled; upgrade to 7.4.3 in the December maintenance window"); err != nil {
			return res, err
		}
	}
	// Vendor requests: Kasumi answered and the answer went out as an
	// advisory; Kagiya has not answered and is overdue.
	kasumi, err := as("kasumi-networks")
	if err != nil {
		return res, err
	}
	kagiya, err := as("kagiya-software")
	if err != nil {
		return res, err
	}
	type reqSpec struct {
		vulnID    string
		vendor    *auth.Principal
		questions string
		due       time.Duration
		answer    *vuln.Answer
	}
	for _, rs := range []reqSpec{
		{"SKM-2026-0001", kasumi, "影響を受ける SecureGate のバージョン、修正版の提供時期、暫定対策を教えてください。 / Which SecureGate versions are affected, when will a fix be available, and which mitigations apply?",
			7 * 24 * time.Hour, &vuln.Answer{AffectedVersions: "5.0.0 – 5.2.x", FixedVersions: "5.3.0 以降 / 5.3.0 and later",
				FixTimeline: "5.3.0 を提供済み / 5.3.0 released", Mitigations: "管理インタフェースをインターネットから遮断し、管理者パスワードを変更する / Block the management interface from the Internet and change administrator passwords",
				AdvisoryURL: "https://psirt.kasumi-networks.example/advisories/KSN-2026-004"}},
		{"SKM-2026-0002", kagiya, "KagiAuth の修正版の提供予定と、3.1 系を利用する事業者向けの回避策を教えてください。 / When will a fixed KagiAuth be available, and what workaround applies to operators on 3.1?",
			-2 * 24 * time.Hour, nil},
	} {
		have, err := db.ListRequests(ctx, store.RequestQuery{VulnID: rs.vulnID, VendorOrgID: rs.vendor.Org.ID})
		if err != nil {
			return res, err
		}
		if len(have) > 0 {
			continue
		}
		r := &vuln.Request{VulnID: rs.vulnID, VendorOrgID: rs.vendor.Org.ID, Questions: rs.questions, DueAt: time.Now().Add(rs.due)}
		if err := svc.RequestVendor(ctx, nco, r); err != nil {
			return res, fmt.Errorf("demo: vendor request %s: %w", rs.vulnID, err)
		}
		res.Requests++
		if rs.answer == nil {
			continue
		}
		if _, err := svc.ActOnRequest(ctx, rs.vendor, r.ID, exposure.RequestAction{Kind: "acknowledge"}); err != nil {
			return res, err
		}
		if _, err := svc.ActOnRequest(ctx, rs.vendor, r.ID, exposure.RequestAction{Kind: "answer", Answer: rs.answer}); err != nil {
			return res, err
		}
		ns, err := svc.Advise(ctx, nco, r.ID, "霞ネットワークスの回答を共有します。該当する事業者は速やかに 5.3.0 へ更新してください。 / "+
			"Sharing Kasumi Networks' answer: operators running an affected version should upgrade to 5.3.0 without delay.")
		if err != nil {
			return res, err
		}
		res.Notices += len(ns)
	}
	return res, nil
}
