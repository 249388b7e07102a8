package report

// Section is one part of a rendered report: its title in Japanese and
// English and the fields it shows, in order.
type Section struct {
	ID     string   `json:"id"`
	JA     string   `json:"ja"`
	EN     string   `json:"en"`
	Fields []string `json:"fields"`
}

// JapanSections lays the content out as Japan's report items under the
// Active Cyber Defense law (報告の区分, 事業者の概要, 事象の概要, the
// affected critical computers, 技術的な事項, 対応に関する事項, その他特記事項).
// Every field of Content appears in exactly one section (tested). The
// reporting entity's legal details and 24/7 contact (事業者の概要) come from
// the organisation's record and the contacts field.
var JapanSections = []Section{
	{"category", "報告の区分", "Category of report", []string{"class"}},
	{"entity", "事業者の概要", "Reporting entity", []string{"contacts", "at_supplier", "partners", "partner_impact"}},
	{"event", "事象の概要", "Summary of the event", []string{"summary", "occurred", "detected", "aware", "impact", "overseas", "cross_border"}},
	{"computers", "特定重要電子計算機", "Affected critical computers", []string{"computers", "other_systems"}},
	{"technical", "技術的な事項", "Technical details", []string{"technique", "attack_techniques", "intrusion_path", "iocs", "exploited_vulnerabilities", "ransom", "ddos", "logs"}},
	{"response", "対応に関する事項", "Response", []string{"containment", "recovery", "recovery_estimate", "others_notified"}},
	{"other", "その他特記事項", "Other remarks", []string{"root_cause"}},
}

// FormFields are the fields each of the ministries' common forms (since
// October 2025) asks for beyond the common items: DDoS, ransomware, and
// other attacks.
var FormFields = map[string][]string{
	"ddos":                  {"ddos", "impact", "containment"},
	"ransomware_or_malware": {"ransom", "intrusion_path", "iocs", "attack_techniques", "exploited_vulnerabilities"},
	"other":                 {"technique", "attack_techniques", "intrusion_path", "iocs"},
}
