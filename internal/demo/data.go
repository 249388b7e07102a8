package demo

import "sakimori/internal/org"

// The demo's organisations, users and supply-chain links. Government bodies
// carry their real names; every company is fictional. Telephone numbers
// use unassigned blocks and mail addresses the reserved .example domain.

type orgSpec struct {
	org.Organisation
	Users []userSpec
}

type userSpec struct {
	Email string
	Name  string
	Roles []org.Role
	Title string // what the person does, for the printed table
}

type linkSpec struct {
	Supplier, Customer, Description string
}

func contact(name, phone, email string) org.Contact {
	return org.Contact{Name: name, Phone: phone, Email: email, Hours: "24/7"}
}

func o(slug string, kind org.Kind, sector org.Sector, ja, en string, c org.Contact, users ...userSpec) orgSpec {
	return orgSpec{Organisation: org.Organisation{Slug: slug, Kind: kind, Sector: sector,
		Name: org.Names{JA: ja, EN: en}, Contact: c}, Users: users}
}

func u(email, name, title string, roles ...org.Role) userSpec {
	return userSpec{Email: email, Name: name, Title: title, Roles: roles}
}

// Orgs is the demo's directory, in creation order.
var Orgs = []orgSpec{
	// Government.
	o("nco", org.KindGovernment, org.SectorNone, "国家サイバー統括室", "National Cybersecurity Office",
		contact("24時間対応窓口 / 24/7 duty desk", "+81 3 0000 0101", "duty@nco.example"),
		u("platform-admin@nco.example", "田中 誠", "platform administrator", org.RolePlatformAdmin, org.RoleOrgAdmin),
		u("analyst@nco.example", "佐藤 由美", "threat analyst", org.RoleAnalyst),
		u("lead-analyst@nco.example", "中島 陽子", "senior threat analyst (reviews alerts)", org.RoleAnalyst)),
	o("meti", org.KindSectorMinistry, org.SectorNone, "経済産業省", "Ministry of Economy, Trade and Industry",
		contact("サイバーセキュリティ課 当直 / Cybersecurity Division duty officer", "+81 3 0000 0201", "cyber-duty@meti.example"),
		u("analyst@meti.example", "鈴木 健太", "sector analyst (electricity, gas)", org.RoleAnalyst)),
	o("npa", org.KindLawEnforcement, org.SectorNone, "警察庁", "National Police Agency",
		contact("サイバー警察局 当直 / Cyber Affairs Bureau duty officer", "+81 3 0000 0301", "cyber-duty@npa.example"),
		u("analyst@npa.example", "高橋 翔", "investigator", org.RoleAnalyst)),
	o("oversight-commission", org.KindOversight, org.SectorNone, "サイバー通信情報監理委員会",
		"Cyber Communications Information Oversight Commission",
		contact("事務局 / Secretariat", "+81 3 0000 0401", "secretariat@oversight.example"),
		u("auditor@oversight.example", "伊藤 直子", "auditor", org.RoleAuditor),
		u("admin@oversight.example", "渡辺 修", "secretariat administrator", org.RoleOrgAdmin)),

	// Critical-infrastructure operators (fictional).
	o("toto-electric", org.KindOperator, org.SectorElectricity, "東都電力株式会社", "Toto Electric Power Co., Inc.",
		contact("CSIRT当番 / CSIRT duty officer", "+81 3 0000 1101", "csirt@toto-electric.example"),
		u("admin@toto-electric.example", "小林 美咲", "CSIRT lead", org.RoleOrgAdmin),
		u("analyst@toto-electric.example", "山本 大輔", "SOC analyst", org.RoleAnalyst),
		u("reporter@toto-electric.example", "中村 愛", "incident reporter", org.RoleReporter),
		u("legal@toto-electric.example", "加藤 隆", "legal department", org.RoleApproverLegal),
		u("pr@toto-electric.example", "吉田 彩", "public relations", org.RoleApproverPR),
		u("exec@toto-electric.example", "山田 浩一", "CISO", org.RoleApproverExec),
		u("viewer@toto-electric.example", "松本 陽菜", "OT engineer (read only)", org.RoleViewer)),
	o("kanto-chuo-railway", org.KindOperator, org.SectorRailway, "関東中央鉄道株式会社", "Kanto Chuo Railway Co., Ltd.",
		contact("情報システム部 当直 / IT duty officer", "+81 3 0000 1201", "security@kanto-chuo-railway.example"),
		u("admin@kanto-chuo-railway.example", "井上 剛", "security manager", org.RoleOrgAdmin, org.RoleReporter)),
	o("towa-mirai-bank", org.KindOperator, org.SectorFinance, "株式会社東和みらい銀行", "Towa Mirai Bank, Ltd.",
		contact("CSIRT / CSIRT", "+81 3 0000 1301", "csirt@towa-mirai-bank.example"),
		u("admin@towa-mirai-bank.example", "木村 恵", "CSIRT lead", org.RoleOrgAdmin),
		u("reporter@towa-mirai-bank.example", "林 拓也", "incident reporter", org.RoleReporter),
		u("exec@towa-mirai-bank.example", "清水 秀樹", "executive officer", org.RoleApproverExec)),
	o("hokusei-telecom", org.KindOperator, org.SectorTelecom, "北星テレコム株式会社", "Hokusei Telecom Corporation",
		contact("NOC/SOC 24時間窓口 / NOC/SOC 24/7", "+81 3 0000 1401", "soc@hokusei-telecom.example"),
		u("admin@hokusei-telecom.example", "森 健二", "SOC manager", org.RoleOrgAdmin, org.RoleAnalyst)),
	o("wangan-gas", org.KindOperator, org.SectorGas, "湾岸ガス株式会社", "Wangan Gas Co., Ltd.",
		contact("保安・情報セキュリティ当直 / Safety and security duty officer", "+81 45 000 1501", "security@wangan-gas.example"),
		u("admin@wangan-gas.example", "池田 真理", "information security officer", org.RoleOrgAdmin, org.RoleReporter)),

	// Vendors (fictional).
	o("kasumi-networks", org.KindVendor, org.SectorNone, "霞ネットワークス株式会社", "Kasumi Networks Inc.",
		contact("PSIRT / PSIRT", "+81 3 0000 2101", "psirt@kasumi-networks.example"),
		u("psirt@kasumi-networks.example", "橋本 涼", "PSIRT lead (VPN appliances)", org.RoleOrgAdmin, org.RoleAnalyst)),
	o("kagiya-software", org.KindVendor, org.SectorNone, "鍵屋ソフトウェア株式会社", "Kagiya Software Co., Ltd.",
		contact("製品セキュリティ窓口 / Product security desk", "+81 6 0000 2201", "security@kagiya-software.example"),
		u("psirt@kagiya-software.example", "石川 学", "product security (authentication servers)", org.RoleOrgAdmin)),

	// Suppliers and SMEs (fictional).
	o("shinkawa-system", org.KindSupplier, org.SectorNone, "有限会社新川システム保守", "Shinkawa System Maintenance Ltd.",
		contact("代表 / Main line", "+81 3 0000 3101", "info@shinkawa-system.example"),
		u("admin@shinkawa-system.example", "前田 聡", "managing director", org.RoleOrgAdmin, org.RoleReporter)),
	o("kitahama-data", org.KindSupplier, org.SectorNone, "株式会社北浜データサービス", "Kitahama Data Service Co., Ltd.",
		contact("運用センター / Operations centre", "+81 6 0000 3201", "ops@kitahama-data.example"),
		u("admin@kitahama-data.example", "藤田 優子", "operations manager", org.RoleOrgAdmin, org.RoleReporter)),
	o("maruei-control", org.KindSupplier, org.SectorNone, "丸栄制御工業株式会社", "Maruei Control Engineering Co., Ltd.",
		contact("保守窓口 / Maintenance desk", "+81 48 000 3301", "support@maruei-control.example"),
		u("admin@maruei-control.example", "岡田 浩", "field maintenance lead", org.RoleOrgAdmin, org.RoleReporter)),

	// Sector ISAC (fictional).
	o("energy-isac", org.KindISAC, org.SectorElectricity, "日本エネルギーISAC", "Japan Energy ISAC",
		contact("事務局 / Secretariat", "+81 3 0000 4101", "secretariat@energy-isac.example"),
		u("analyst@energy-isac.example", "村上 沙織", "ISAC analyst", org.RoleAnalyst)),
}

// Links are the demo's supply chain.
var Links = []linkSpec{
	{"kasumi-networks", "toto-electric", "SSL-VPN装置の供給・保守 / SSL-VPN appliances and maintenance"},
	{"kasumi-networks", "hokusei-telecom", "SSL-VPN装置の供給 / SSL-VPN appliances"},
	{"kagiya-software", "towa-mirai-bank", "統合認証サーバ / Authentication servers"},
	{"kagiya-software", "kanto-chuo-railway", "統合認証サーバ / Authentication servers"},
	{"shinkawa-system", "toto-electric", "制御系ネットワークのVPN運用受託 / Operates the control-network VPN"},
	{"kitahama-data", "towa-mirai-bank", "勘定系バッチ処理の運用受託 / Operates core-banking batch jobs"},
	{"maruei-control", "kanto-chuo-railway", "運行管理システムの保守 / Maintains the traffic management system"},
	{"maruei-control", "wangan-gas", "SCADAの保守 / Maintains the SCADA system"},
}
