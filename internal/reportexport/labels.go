package reportexport

import (
	"sakimori/internal/org"
	"sakimori/internal/report"
)

// label is a bilingual label.
type label struct{ JA, EN string }

func (l label) in(lang string) string {
	if lang == "en" {
		return l.EN
	}
	return l.JA
}

func (l label) other(lang string) string {
	if lang == "en" {
		return l.JA
	}
	return l.EN
}

// classLabels names the event classes.
var classLabels = map[report.EventClass]label{
	report.ClassUnauthorisedAccess:      {"不正アクセス", "Unauthorised access"},
	report.ClassMalwareInfection:        {"マルウェア感染", "Malware infection"},
	report.ClassDDoS:                    {"DDoS攻撃", "DDoS attack"},
	report.ClassOtherIntrusion:          {"その他の特定侵害事象", "Other intrusion"},
	report.ClassStolenAdminCredentials:  {"管理者認証情報の窃取", "Stolen administrator credentials"},
	report.ClassMalwareExecutionTraces:  {"マルウェア実行の痕跡", "Traces of malware execution"},
	report.ClassSuspiciousCommunication: {"不審な通信", "Suspicious communication"},
	report.ClassExploitationAttempt:     {"脆弱性悪用の試み", "Exploitation attempt"},
}

// fieldLabels names the report fields (by JSON name).
var fieldLabels = map[string]label{
	"class":                     {"事象の区分", "Event class"},
	"summary":                   {"事象の概要", "Summary"},
	"occurred":                  {"発生日時", "Occurred"},
	"detected":                  {"検知日時", "Detected"},
	"aware":                     {"認知日時", "Became aware"},
	"computers":                 {"特定重要電子計算機", "Critical computers"},
	"other_systems":             {"その他の影響を受けたシステム", "Other systems"},
	"impact":                    {"影響範囲", "Impact"},
	"technique":                 {"攻撃手法", "Attack technique"},
	"attack_techniques":         {"ATT&CK テクニック", "ATT&CK techniques"},
	"intrusion_path":            {"侵入経路", "Intrusion path"},
	"iocs":                      {"IOC（侵害の痕跡）", "Indicators of compromise"},
	"logs":                      {"ログの保存状況", "Logs preserved"},
	"partners":                  {"影響が及び得る取引先", "Partners possibly affected"},
	"partner_impact":            {"取引先への影響", "Impact on partners"},
	"ransom":                    {"ランサムウェア", "Ransomware"},
	"ddos":                      {"DDoS の詳細", "DDoS details"},
	"overseas":                  {"海外拠点での発生", "Occurred overseas"},
	"at_supplier":               {"委託先・供給者での発生", "Occurred at a supplier"},
	"cross_border":              {"国外への影響", "Cross-border impact"},
	"exploited_vulnerabilities": {"悪用された脆弱性", "Exploited vulnerabilities"},
	"others_notified":           {"他機関への通報", "Others notified"},
	"containment":               {"封じ込め", "Containment"},
	"recovery":                  {"復旧", "Recovery"},
	"recovery_estimate":         {"復旧見込み", "Recovery estimate"},
	"root_cause":                {"原因", "Root cause"},
	"contacts":                  {"連絡先", "Contacts"},
}

var stateLabels = map[report.State]label{
	report.StateKnown:       {"判明", "known"},
	report.StateNotYetKnown: {"未判明", "not yet known"},
	report.StateWithheld:    {"非開示", "withheld"},
}

var confidenceLabels = map[report.Confidence]label{
	report.Confirmed: {"確認済み", "confirmed"},
	report.Likely:    {"可能性が高い", "likely"},
	report.Possible:  {"可能性あり", "possible"},
	report.Unknown:   {"不明", "unknown"},
}

var progressLabels = map[report.Progress]label{
	"not_started": {"未着手", "not started"},
	"in_progress": {"対応中", "in progress"},
	"done":        {"完了", "done"},
}

var levelLabels = map[report.ImpactLevel]label{
	"none": {"なし", "none"}, "minor": {"軽微", "minor"}, "significant": {"重大", "significant"},
	"severe": {"深刻", "severe"}, "critical": {"致命的", "critical"},
}

var formLabels = map[string]label{
	"ddos":                  {"DDoS 攻撃 様式", "DDoS form"},
	"ransomware_or_malware": {"ランサムウェア・マルウェア 様式", "Ransomware / malware form"},
	"other":                 {"その他の攻撃 様式", "Other attacks form"},
}

var sectorLabels = map[org.Sector]label{
	org.SectorElectricity: {"電力", "electricity"}, org.SectorGas: {"ガス", "gas"}, org.SectorOil: {"石油", "oil"},
	org.SectorWater: {"水道", "water"}, org.SectorRailway: {"鉄道", "railway"}, org.SectorTrucking: {"貨物自動車運送", "trucking"},
	org.SectorShipping: {"外航貨物", "shipping"}, org.SectorAviation: {"航空", "aviation"}, org.SectorAirport: {"空港", "airport"},
	org.SectorTelecom: {"電気通信", "telecommunications"}, org.SectorBroadcasting: {"放送", "broadcasting"},
	org.SectorPostal: {"郵便", "postal"}, org.SectorFinance: {"金融", "finance"}, org.SectorCreditCard: {"クレジットカード", "credit card"},
	org.SectorPort: {"港湾", "port"},
}

// stixSectors maps sectors to the STIX industry-sector-ov vocabulary.
var stixSectors = map[org.Sector]string{
	org.SectorElectricity: "energy", org.SectorGas: "energy", org.SectorOil: "energy", org.SectorWater: "water",
	org.SectorRailway: "transportation", org.SectorTrucking: "transportation", org.SectorShipping: "transportation",
	org.SectorAviation: "transportation", org.SectorAirport: "transportation", org.SectorTelecom: "telecommunications",
	org.SectorBroadcasting: "communications", org.SectorPostal: "transportation", org.SectorFinance: "financial-services",
	org.SectorCreditCard: "financial-services", org.SectorPort: "transportation",
}
