package sanitize

import (
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Priorities for overlap resolution: a higher priority wins over a longer
// span of a lower one.
const (
	prioSecret   = 100
	prioEmail    = 90
	prioUser     = 85
	prioIP       = 80
	prioCard     = 75
	prioHost     = 70
	prioLabelled = 65 // values after a label such as 口座番号: or Customer ID:
	prioPhone    = 60
	prioAddress  = 55
	prioMoney    = 50
	prioMasked   = 45 // caller-supplied organisation names
	prioOrg      = 45
	prioPerson   = 30
)

// rule is a regular expression whose whole match (group 0) or a group is the
// sensitive span; check may reject a match.
type rule struct {
	kind  Kind
	prio  int
	re    *regexp.Regexp
	group int
	check func(s string, start, end int) bool
}

const (
	digitClass = `[0-9０-９]`
	dashClass  = `[-－‐−ー–]`
)

var (
	reIPv4 = regexp.MustCompile(`\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?`)
	reIPv6 = regexp.MustCompile(`[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?(?:/\d{1,3})?`)
	reCard = regexp.MustCompile(`\d(?:[ -]?\d){12,18}`)
	reURL  = regexp.MustCompile(`(?i)\b(?:h[tx]{2}ps?|ftp)://[^\s<>"'」）)]+`)
	reHash = regexp.MustCompile(`\b[0-9A-Fa-f]{32,128}\b`)
	// reUNC finds the host of \\HOST\share paths.
	reUNC = regexp.MustCompile(`\\\\([A-Za-z0-9][A-Za-z0-9.-]*)\\`)
)

// rules are compiled on first use (about 60 ms), not at program start:
// binaries that link the package but sanitise nothing do not pay for them.
var (
	rules     []rule
	rulesOnce sync.Once
)

func add(k Kind, prio int, expr string, group int, check func(string, int, int) bool) {
	rules = append(rules, rule{kind: k, prio: prio, re: regexp.MustCompile(expr), group: group, check: check})
}

func compileRules() {
	// Secrets.
	add(KindSecret, prioSecret, `-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`, 0, nil)
	add(KindSecret, prioSecret, `\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, 0, nil)
	add(KindSecret, prioSecret, `\bgh[pousr]_[A-Za-z0-9]{30,}\b`, 0, nil)
	add(KindSecret, prioSecret, `\bxox[abposr]-[A-Za-z0-9-]{10,}`, 0, nil)
	add(KindSecret, prioSecret, `\bsk_(?:live|test)_[A-Za-z0-9]{16,}\b`, 0, nil)
	add(KindSecret, prioSecret, `\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, 0, nil)
	add(KindSecret, prioSecret, `(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{12,}=*)`, 1, nil)
	add(KindSecret, prioSecret, `(?i)\b(?:password|passwd|pwd|passphrase|pass|secret|client[_-]?secret|secret[_-]?key|(?:access|refresh|auth|api|session)?[_-]?token|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|private[_-]?key|psk|pre-shared key|shared secret|community(?: string)?|aws_secret_access_key)["']?\s*(?:[:=]|\bis\b|\bwas\b)\s*["']?([^\s"',;)」]{3,})`, 1, secretValue)
	add(KindSecret, prioSecret, `(?:パスワード|パスフレーズ|暗証番号|事前共有鍵|共有鍵|APIキー|アクセスキー|シークレット|トークン|認証コード|コミュニティ名)\s*(?:[:：=]|は|[（(「])\s*[「"']?([!-~]{3,})`, 1, jpSecretValue)
	add(KindSecret, prioSecret, `(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@`, 1, nil)

	// E-mail.
	add(KindEmail, prioEmail, `[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}`, 0, nil)

	// User names in paths and accounts.
	add(KindUserName, prioUser, `(?i)\b[A-Z]:\\(?:Users|Documents and Settings)\\([^\\/:*?"<>|\s]+)`, 1, notGenericUser)
	add(KindUserName, prioUser, `(?:/home|/Users)/([A-Za-z][A-Za-z0-9._-]*)`, 1, notGenericUser)
	add(KindUserName, prioUser, `\b[A-Za-z][A-Za-z0-9-]{1,14}\\([A-Za-z][A-Za-z0-9._-]{0,30}[A-Za-z0-9_])`, 1, domainUser)
	add(KindUserName, prioUser, `(?i)(?:\bservice account|\baccount|アカウント)\s*["'「]?([a-z][a-z0-9-]*[_.][a-z0-9._-]*[a-z0-9])`, 1, notGenericUser)
	add(KindUserName, prioUser, `(?i)\b(?:user ?name|user|login|account name|sAMAccountName|UPN)\s*[:=]\s*["']?([A-Za-z][A-Za-z0-9._\\-]{1,63})`, 1, notGenericUser)
	add(KindUserName, prioUser, `(?i)\b(?:user ?name|login id|account name)\s+["']?([a-z][a-z0-9._-]{1,63}[a-z0-9])`, 1, notGenericUser)
	add(KindUserName, prioUser, `(?i)\buser\s+["']?([a-z][a-z0-9]*[_.][a-z0-9._]*[a-z0-9])`, 1, notGenericUser)
	add(KindUserName, prioUser, `(?:ユーザー?名|ユーザー?ID|アカウント名|ログインID)\s*[:：=は]\s*[「"']?([A-Za-z][A-Za-z0-9._\\-]{1,63})`, 1, notGenericUser)

	// MAC addresses.
	add(KindMAC, prioIP, `\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b`, 0, nil)
	add(KindMAC, prioIP, `\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b`, 0, nil)

	// Internal host names.
	add(KindInternalHost, prioHost, `(?i)\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:local|internal|lan|corp|intra|intranet|localdomain|home\.arpa)\b`, 0, notDomainContinued)
	add(KindInternalHost, prioHost, `\b(?:SRV|SVR|SV|DC|FS|WS|PC|NAS|DB|APP|AP|WEB|MAIL|EXCH|EX|AD|FILE|HOST|VM|ESX|ESXI|PRX|PROXY|JUMP|BASTION|BKUP|BACKUP|RDS|TS|CTX|SQL|WSUS|SCCM|NB|LT|DT|VDI|HV|HYPERV|FW|VPN|GW|CL)[A-Z]*-?[A-Z0-9]*\d{1,4}[A-Z]?\b`, 0, singleLabelHost)
	add(KindInternalHost, prioHost, `\b[A-Z][A-Z0-9]{1,12}(?:-[A-Z0-9]{1,12}){1,4}\b`, 0, singleLabelHost)
	add(KindInternalHost, prioHost, `\b[A-Z]{2,10}\d{2,4}[A-Z]?\b`, 0, embeddedHostRole)
	add(KindInternalHost, prioHost, `\b(?:srv|svr|fs|dc|db|web|mail|app|nas|ad|radius|ldap|dns|ntp|proxy|prx|vpn|fw|gw|esx|esxi|vm|ws|pc|sql|jump|bastion|backup|bkup|log|siem|file|print|exch)\d{2,3}[a-z]?\b`, 0, lowerHost)
	add(KindInternalHost, prioHost, `\b[a-z][a-z0-9]*(?:-[a-z0-9]+)*-(?:app|db|web|srv|svr|sv|fs|dc|sync|mail|ap|gw|fw|vpn|nas|bk|bkup|backup|file|jump|proxy|prx|mon|dns|ntp|ad|ws|pc|host|node|vm|esx|sql|api|cache|lb|edge|portal|wsus|log|siem|ldap|auth|radius|ftp|sftp|print|prt|erp|crm|hr)\d{1,3}[a-z]?\b`, 0, lowerHost)
	add(KindInternalHost, prioHost, `(?i)(?:host ?name|computer ?name|device name|ホスト名|端末名|コンピュータ名|コンピューター名|機器名)\s*[:：=は]\s*[「"']?([A-Za-z0-9][A-Za-z0-9.-]{1,62})`, 1, nil)

	// Postal codes.
	add(KindPostalCode, prioLabelled, `〒\s?`+digitClass+`{3}`+dashClass+`?`+digitClass+`{4}`, 0, nil)
	add(KindPostalCode, prioLabelled, `(?i)(?:郵便番号|zip(?: code)?|postal code|postcode)\s*[:：]?\s*(\d{3}-?\d{4}|\d{5}(?:-\d{4})?)`, 1, nil)

	// Account and customer numbers after a label.
	add(KindAccountNumber, prioLabelled, `(?i)(?:口座番号|口座|account (?:number|no\.?|#)|acct\.? ?(?:no\.?|#|number)?|IBAN|bank account)\s*[:：#]?\s*((?:普通|当座|savings|checking)?\s*[0-9０-９A-Z][0-9０-９ -]{5,30}[0-9０-９])`, 1, nil)
	add(KindCustomerID, prioLabelled, `(?i)(?:顧客(?:番号|ID|コード|No\.?)|お客様番号|会員(?:番号|ID)|契約者?番号|利用者ID|お客さま番号|customer (?:id|number|no\.?|#|code)|client (?:id|number)|member(?:ship)? (?:id|number|no\.?)|contract (?:number|no\.?)|subscriber (?:id|number)|policy (?:number|no\.?)|MRN|patient (?:id|number|no\.?)|患者(?:番号|ID)|カルテ番号|診察券番号)s?\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9-]{3,30})`, 1, hasDigit)
	add(KindCustomerID, prioLabelled, `\b(?:CUST|CUS|CID|CST|KYK|MBR|MEM|ACCT|ACC|USR|CLT)-?\d{4,}\b`, 0, nil)

	// Phone numbers.
	add(KindPhone, prioPhone, `(?:\+81|＋８１)[-\s(（]?`+digitClass+`{1,4}[-\s)）]?`+digitClass+`{1,4}[-\s]?`+digitClass+`{3,4}`, 0, phoneBoundary)
	add(KindPhone, prioPhone, `[0０]`+digitClass+`{1,4}`+dashClass+digitClass+`{1,4}`+dashClass+digitClass+`{3,4}`, 0, phoneBoundary)
	add(KindPhone, prioPhone, `[0０]`+digitClass+`{1,4}[(（]`+digitClass+`{1,4}[)）]`+digitClass+`{3,4}`, 0, phoneBoundary)
	add(KindPhone, prioPhone, `\(0\d{1,4}\)\s?\d{1,4}-\d{4}`, 0, phoneBoundary)
	add(KindPhone, prioPhone, `\b0[5789]0\d{8}\b|\b0\d{9}\b`, 0, phoneBoundary)
	add(KindPhone, prioPhone, `\+\d{1,3}[-\s.]?\(?\d{1,4}\)?[-\s.]\d{2,4}[-\s.]\d{3,4}(?:[-\s.]\d{2,4})?`, 0, phoneBoundary)
	add(KindPhone, prioPhone, `\(\d{3}\)\s?\d{3}[-.]\d{4}|\b\d{3}[-.]\d{3}[-.]\d{4}\b`, 0, phoneBoundary)
	add(KindPhone, prioPhone, `(?i)(?:tel|phone|電話(?:番号)?|携帯|内線|FAX|mobile|ext\.?)\s*[:：.]?\s*(\+?[0-9０-９][0-9０-９()（）\s-]{2,18}[0-9０-９])`, 1, phoneBoundary)

	// Postal addresses.
	pref := `(?:東京都|北海道|大阪府|京都府|\p{Han}{2,3}県)`
	city := `[\p{Han}\p{Katakana}ヶケのノ]{1,8}?[市区町村郡]`
	num := `[0-9０-９一二三四五六七八九十]+`
	addr := `(?:` + pref + `[\p{Han}\p{Katakana}\p{Hiragana}ヶケのノ]{1,8}?[市区町村郡]|` + city + `)` + `(?:[\p{Han}\p{Katakana}ヶケのノ]{1,8}?[市区町村])?[\p{Han}\p{Katakana}\p{Hiragana}ヶケのノー]{0,12}?(?:(?:` + num + `(?:丁目|番地|番|号|` + dashClass + `|の))+[0-9０-９]+(?:番地|号|番)?|[0-9０-９]+(?:番地|番|号))` +
		`(?:[ 　]?[\p{Katakana}\p{Han}ーのA-Za-zＡ-Ｚ0-9]{1,20}(?:ビル|ビルディング|タワー|マンション|ハイツ|荘|棟)(?:[ 　]?[0-9０-９]+(?:階|F|号室))?)?`
	add(KindPostalAddress, prioAddress, addr, 0, nil)
	street := `(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Lane|Ln\.?|Way|Court|Ct\.?|Place|Pl\.?|Parkway|Pkwy\.?|Square|Sq\.?|Terrace|Highway|Hwy\.?)`
	add(KindPostalAddress, prioAddress, `\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,4}`+street+`(?:,?\s*(?:Suite|Ste\.?|Apt\.?|Unit|Floor|Fl\.?|#)\s*[A-Za-z0-9-]+)?(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})?(?:,?\s*(?:[A-Z]{2}\s+)?\d{5,6}(?:-\d{4})?\b)?`, 0, nil)
	add(KindPostalAddress, prioAddress, `\b\d{1,4}(?:-\d{1,4}){1,3},?\s+[A-Z][a-z]+(?:[- ][A-Za-z]+)*(?:,\s*[A-Z][a-z]+-(?:ku|shi|cho|machi|gun|ken|to|fu)){1,3}(?:,\s*[A-Z][a-z]+(?:-(?:to|fu|ken))?)?(?:,?\s+\d{3}-\d{4})?`, 0, nil)

	// Money.
	add(KindMoney, prioMoney, `[¥￥$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:[KMB]\b|million|billion|thousand|万|億))?`, 0, nil)
	add(KindMoney, prioMoney, `(?:US\$|USD|EUR|JPY|GBP|CHF|AUD|CAD|SGD)\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:[KMB]\b|million|billion|thousand))?`, 0, nil)
	add(KindMoney, prioMoney, `\b\d[\d,]*(?:\.\d+)?\s?(?:million|billion|thousand|[KMB])?\s?(?:USD|EUR|JPY|GBP|dollars|euros|yen|BTC|XMR|bitcoins?)\b`, 0, nil)
	add(KindMoney, prioMoney, `(?:約|およそ)?`+`(?:`+digitClass+`[0-9０-９,，.]*(?:兆|億|万|千))*`+digitClass+`[0-9０-９,，.]*(?:兆|億|万|千)?\s?(?:円|ドル|ユーロ|ビットコイン|BTC)`, 0, nil)
	add(KindMoney, prioMoney, `(?:`+digitClass+`[0-9０-９,，.]*(?:兆|億|千万|百万|万|千))+(?:`+digitClass+`[0-9０-９,，.]*)?\s?(?:円|ドル|ユーロ)`, 0, nil)

	add(KindMoney, prioMoney, `(?i)\b(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|a|half a|several)\s+)?(?:hundred|thousand|million|billion)\s+(?:US\s+|U\.S\.\s+)?(?:dollars|euros|yen|pounds|USD|EUR|JPY)\b`, 0, nil)

	// Organisations by legal form.
	jpName := `[\p{Han}\p{Katakana}ー・A-Za-zＡ-Ｚａ-ｚ0-9０-９&＆]`
	add(KindOrganization, prioOrg, `(?:株式会社|有限会社|合同会社|合資会社|一般社団法人|一般財団法人|公益社団法人|公益財団法人|医療法人|学校法人|社会福祉法人|\(株\)|（株）|\(有\)|（有）)[ 　]?\p{Hiragana}{0,6}`+jpName+`{1,20}`, 0, nil)
	add(KindOrganization, prioOrg, jpName+`{1,20}(?:株式会社|有限会社|合同会社|合資会社|\(株\)|（株）|\(有\)|（有）)`, 0, nil)
	add(KindOrganization, prioOrg, `\b(?:(?:[A-Z][A-Za-z0-9&'-]*|&)\s+){0,3}[A-Z][A-Za-z0-9&'-]*,?\s+(?:Co\.,?\s*Ltd\.?|Co\.|Inc\.?|Corp\.?|Corporation|LLC|L\.L\.C\.|LLP|Pte\.?\s+Ltd\.?|Pty\.?\s+Ltd\.?|Ltd\.?|Limited|GmbH|K\.K\.|S\.A\.|S\.p\.A\.|B\.V\.|N\.V\.|plc|AG|Holdings)`, 0, nil)

	add(KindOrganization, prioOrg, `\b(?:[A-Z][A-Za-z&'-]*\s+){1,4}(?:Authority|Agency|Association|Foundation|Institute|University|Hospital|Bank|Council|Cooperative)\b`, 0, nil)

	// Person names (Western).
	add(KindPersonName, prioPerson, `\b([A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-zA-Z'-]+)\s*(?:[(<（]|,)\s*[A-Za-z0-9._%+-]+@`, 1, notJobTitle)
	add(KindPersonName, prioPerson, `\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+([A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+)?)`, 1, nil)
	add(KindPersonName, prioPerson, `(?i:name|full name|contact|contact person|reporter|reported by|prepared by|analyst|point of contact|poc|owner|assignee|author|approved by|submitted by|signed|cc|attn|from|to|employee|staff|manager|ciso|cio|cto)(?:\s[^:\n]{0,30})?\s*[:：]\s*([A-Z][a-z'-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-zA-Z'-]+){1,2})`, 1, nil)

	// Person names (Japanese) after a label.
	add(KindPersonName, prioPerson, `(?:担当者?|氏名|報告者|連絡者|連絡担当者?|責任者|名前|作成者|記入者|発見者|対応者|承認者|代表者|申請者|送信者|差出人|宛先|被害者|従業員)(?:\s*名)?\s*[:：]\s*(?:[\p{Han}\p{Katakana}ー]{1,12}[部課室局係所センター][ 　])?(\p{Han}{1,4}(?:[ 　]\p{Han}{1,4})?|[\p{Katakana}ー]{2,}(?:[・ 　][\p{Katakana}ー]{2,})?)`, 1, jpNameEnd)
}

func hasDigit(s string, a, b int) bool { return strings.ContainsAny(s[a:b], "0123456789") }

var stopWords = toSet(strings.Fields("and or the a an is was are were be to of in on for with by as at from that this it its not no must can will may should used shown set field value same new old"))

func secretValue(s string, a, b int) bool {
	raw := s[a:b]
	if strings.Trim(raw, ".,:;!?`'\"()[]{}<>*-_=#/\\|~") == "" || strings.HasPrefix(raw, "`") {
		return false
	}
	before := strings.ToLower(strings.TrimRight(s[:a], " \t\"'"))
	if strings.HasSuffix(before, " is") || strings.HasSuffix(before, " was") {
		// "the password is shown": after is/was only a secret-looking value counts.
		if strings.Trim(raw, "abcdefghijklmnopqrstuvwxyz") == "" {
			return false
		}
	}
	if stopWords[strings.ToLower(raw)] {
		return false
	}
	v := strings.ToLower(raw)
	switch v {
	case "none", "null", "n/a", "redacted", "unknown", "不明", "なし", "***", "changed", "reset", "expired":
		return false
	}
	return !strings.HasPrefix(v, "[")
}

var genericUsers = map[string]bool{
	"public": true, "default": true, "all users": true, "default user": true, "administrator": true,
	"admin": true, "root": true, "guest": true, "system": true, "localsystem": true, "networkservice": true,
	"localservice": true, "%username%": true, "$user": true, "<user>": true, "user": true, "*": true,
}

func notGenericUser(s string, a, b int) bool {
	v := strings.ToLower(s[a:b])
	if stopWords[v] {
		return false
	}
	return !genericUsers[v] && !strings.HasPrefix(v, "%") && !strings.HasPrefix(v, "[")
}

// notDomainContinued rejects "x.local" when it continues as "x.local.evil.com".
func notDomainContinued(s string, a, b int) bool {
	if b < len(s) && s[b] == '.' && b+1 < len(s) && isAlnum(s[b+1]) {
		return false
	}
	if b < len(s) && s[b] == '-' {
		return false
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Prefixes of upper-case hyphenated tokens that are identifiers, not hosts.
var notHostPrefixes = map[string]bool{
	"CVE": true, "CWE": true, "CAPEC": true, "JVN": true, "JVNDB": true, "GHSA": true, "TLP": true,
	"RFC": true, "ISO": true, "IEC": true, "SHA": true, "AES": true, "RSA": true, "MD": true, "UTF": true,
	"APT": true, "UNC": true, "FIN": true, "TA": true, "MS": true, "KB": true, "ATT": true, "HTTP": true,
	"TLS": true, "SSL": true, "IPV": true, "CIS": true, "NIST": true, "SP": true, "PCI": true, "DSS": true,
	"COVID": true, "ISMS": true, "INC": true, "REQ": true, "SR": true, "CASE": true, "TICKET": true,
	"JPCERT": true, "IR": true, "ID": true, "DDOS": true, "NCO": true, "NISC": true, "GDPR": true,
	"NIS": true, "DORA": true, "CIRCIA": true, "HMAC": true, "ECDSA": true, "ED": true, "X": true,
	"WPA": true, "IEEE": true, "MITRE": true, "ATTACK": true, "S": true, "G": true, "T": true, "M": true,
	"REF": true, "IOC": true, "TTP": true, "FY": true, "Q": true, "JIS": true, "JST": true, "UTC": true,
	"GMT": true, "RDP": true, "SMB": true, "SSH": true, "DNS": true, "VPN": true, "MFA": true, "LOCKBIT": true,
	"BLACKCAT": true, "AKIRA": true, "PHOBOS": true, "EMOTET": true, "QAKBOT": true, "COBALT": true,
	"TROJAN": true, "WIN": true, "WIN32": true, "WIN64": true, "HEUR": true, "EXP": true, "MAL": true,
	"PS": true, "PSIRT": true, "PA": true, "SA": true, "FORTIOS": true, "PAN": true,
	"CTI": true, "SOC": true, "CSIRT": true, "SIRT": true, "NTP": true, "UDP": true, "TCP": true, "ICMP": true,
	"SYN": true, "ACK": true, "GRE": true, "IKE": true, "IKEV": true, "SAML": true, "OAUTH": true, "AWS": true,
	"ABC": true, "DOC": true, "REV": true, "VER": true, "V": true, "R": true, "P": true, "N": true,
}

func singleLabelHost(s string, a, b int) bool {
	tok := s[a:b]
	if !strings.ContainsAny(tok, "0123456789") {
		return false
	}
	first := tok
	if i := strings.IndexByte(tok, '-'); i >= 0 {
		first = tok[:i]
	}
	first = strings.TrimRight(first, "0123456789")
	if notHostPrefixes[first] || notHostPrefixes[tok] {
		return false
	}
	// All-digit segments after the first (dates, version numbers, ids like
	// ABC-2025-001) and a letters-only first segment with one numeric segment
	// look like identifiers; a host needs letters and digits mixed or a known
	// prefix.
	if a > 0 && (s[a-1] == '.' || s[a-1] == '-' || s[a-1] == '/' || s[a-1] == '_' || s[a-1] == '\\' && !(a > 1 && s[a-2] == '\\')) {
		return false
	}
	if b < len(s) && (s[b] == '.' && b+1 < len(s) && isAlnum(s[b+1]) || s[b] == '-' || s[b] == '_') {
		return false
	}
	segs := strings.Split(tok, "-")
	if len(segs) >= 2 {
		allNum := true
		for _, sg := range segs[1:] {
			if strings.Trim(sg, "0123456789") != "" {
				allNum = false
			}
		}
		// e.g. "ABC-2025-0001": a reference number; "SRV-01" has a host prefix.
		if allNum && !hostPrefix(segs[0]) && !(len(segs) == 2 && len(segs[1]) <= 3 && segs[1][0] == '0') {
			return false
		}
	}
	return true
}

var hostPrefixRe = regexp.MustCompile(`^(?:SRV|SVR|SV|DC|FS|WS|PC|NAS|DB|APP|AP|WEB|MAIL|EXCH|EX|AD|FILE|HOST|VM|ESX|ESXI|PRX|PROXY|JUMP|BASTION|BKUP|BACKUP|RDS|TS|CTX|SQL|WSUS|SCCM|NB|LT|DT|VDI|HV|HYPERV|FW|GW|CL|HQ|OSK|TKY|NGY|FUK|SPR)[A-Z]*\d*$`)

func hostPrefix(seg string) bool { return hostPrefixRe.MatchString(seg) }

func phoneBoundary(s string, a, b int) bool {
	if a > 0 {
		c := s[a-1]
		if c >= '0' && c <= '9' || c == '.' || c == '/' || c == ':' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' {
			return false
		}
	}
	if b < len(s) {
		c := s[b]
		if c >= '0' && c <= '9' || c == '/' || c == '-' || c == '.' && b+1 < len(s) && s[b+1] >= '0' && s[b+1] <= '9' {
			return false
		}
	}
	// Dates such as 2025-01-15 never start with 0; times and versions are
	// excluded by the boundary checks above.
	return true
}

// romajiGiven rejects "Yamada said" style matches where the second word is an
// ordinary English word (crudely: it must not be a common word).
func romajiGiven(s string, a, b int) bool {
	i := strings.LastIndexAny(s[a:b], " \t\n")
	w := strings.ToLower(s[a+i+1 : b])
	switch w {
	case "corporation", "group", "holdings", "bank", "motor", "electric", "city", "prefecture", "station", "branch", "office", "the", "and":
		return false
	}
	return true
}

func isHan(r rune) bool      { return unicode.Is(unicode.Han, r) || r == '々' }
func isKatakana(r rune) bool { return unicode.Is(unicode.Katakana, r) || r == 'ー' }

// jpNameEnd rejects a Japanese name match that continues as a word (e.g. the
// start of "情報システム部").
func jpNameEnd(s string, a, b int) bool {
	r, _ := utf8.DecodeRuneInString(s[b:])
	if b < len(s) && (isHan(r) || isKatakana(r)) {
		return false
	}
	v := s[a:b]
	for _, w := range nonNames {
		if strings.Contains(v, w) {
			return false
		}
	}
	return true
}

// detect runs every detector over s.
func (st *state) detect(s string) []cand {
	rulesOnce.Do(compileRules)
	var cs []cand
	for _, r := range rules {
		for _, m := range r.re.FindAllStringSubmatchIndex(s, -1) {
			a, b := m[2*r.group], m[2*r.group+1]
			if a < 0 || a >= b {
				continue
			}
			if r.check != nil && !r.check(s, a, b) {
				continue
			}
			cs = append(cs, cand{kind: r.kind, start: a, end: b, prio: r.prio})
		}
	}
	cs = append(cs, detectIPs(s)...)
	cs = append(cs, detectCards(s)...)
	for _, m := range reUNC.FindAllStringSubmatchIndex(s, -1) {
		cs = append(cs, cand{kind: KindInternalHost, start: m[2], end: m[3], prio: prioHost})
	}
	cs = append(cs, st.hosts.find(s)...)
	cs = append(cs, st.masker.find(s)...)
	cs = append(cs, detectJPNames(s)...)
	cs = append(cs, detectWesternNames(s)...)
	cs = append(cs, detectIBANs(s)...)
	cs = append(cs, detectPasswordLike(s)...)
	cs = trimOrgs(s, cs)
	cs = propagateNames(s, cs)
	cs = dropIOCEmails(s, cs)
	return protectIOCs(s, cs)
}

// protectIOCs drops candidates that would cut into a public IOC: hashes, and
// the parts of URLs that are not credentials, internal hosts or private
// addresses.
func protectIOCs(s string, cs []cand) []cand {
	var spans [][2]int
	for _, m := range reHash.FindAllStringIndex(s, -1) {
		spans = append(spans, [2]int{m[0], m[1]})
	}
	for _, m := range reURL.FindAllStringIndex(s, -1) {
		spans = append(spans, [2]int{m[0], m[1]})
	}
	out := cs[:0]
	for _, c := range cs {
		drop := false
		switch c.kind {
		case KindSecret, KindEmail, KindInternalHost, KindPrivateIP, KindUserName:
		default:
			for _, sp := range spans {
				if c.start < sp[1] && sp[0] < c.end {
					drop = true
					break
				}
			}
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

var orgLead = map[string]bool{"The": true, "A": true, "An": true, "Our": true, "Its": true, "At": true, "From": true,
	"By": true, "With": true, "And": true, "To": true, "Of": true, "For": true, "In": true, "On": true, "Both": true,
	"Vendor": true, "Supplier": true, "Partner": true, "Contractor": true, "Customer": true, "Subsidiary": true, "Via": true}

// trimOrgs removes leading function words from English organisation matches.
func trimOrgs(s string, cs []cand) []cand {
	for i, c := range cs {
		if c.kind != KindOrganization || c.prio != prioOrg {
			continue
		}
		for {
			v := s[c.start:c.end]
			sp := strings.IndexAny(v, " \t\n")
			if sp <= 0 || !orgLead[v[:sp]] {
				break
			}
			c.start += sp
			for c.start < c.end && (s[c.start] == ' ' || s[c.start] == '\t' || s[c.start] == '\n') {
				c.start++
			}
		}
		cs[i] = c
	}
	return cs
}

func detectIPs(s string) []cand {
	var cs []cand
	for _, m := range reIPv4.FindAllStringIndex(s, -1) {
		a, b := m[0], m[1]
		if a > 0 && (s[a-1] >= '0' && s[a-1] <= '9' || s[a-1] == '.') {
			continue
		}
		if b < len(s) && (s[b] >= '0' && s[b] <= '9' || s[b] == '.' && b+1 < len(s) && s[b+1] >= '0' && s[b+1] <= '9') {
			continue
		}
		ipText := s[a:b]
		if i := strings.IndexByte(ipText, '/'); i >= 0 {
			ipText = ipText[:i]
		}
		ip, err := netip.ParseAddr(ipText)
		if err != nil || !specialUse(ip) {
			continue
		}
		cs = append(cs, cand{kind: KindPrivateIP, start: a, end: b, prio: prioIP})
	}
	for _, m := range reIPv6.FindAllStringIndex(s, -1) {
		a, b := m[0], m[1]
		if a > 0 && (isAlnum(s[a-1]) || s[a-1] == ':') {
			continue
		}
		t := s[a:b]
		// Trim a trailing sentence colon or dot.
		for strings.HasSuffix(t, ".") || strings.HasSuffix(t, ":") && !strings.HasSuffix(t, "::") {
			t = t[:len(t)-1]
		}
		ipText := t
		if i := strings.IndexByte(ipText, '/'); i >= 0 {
			ipText = ipText[:i]
		}
		ip, err := netip.ParseAddr(ipText)
		if err != nil || !ip.Is6() || ip.Is4In6() || !specialUse(ip) {
			continue
		}
		cs = append(cs, cand{kind: KindPrivateIP, start: a, end: a + len(t), prio: prioIP})
	}
	return cs
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// specialUse reports private and special-use addresses that identify the
// operator's own network. Documentation ranges (192.0.2.0/24 etc.) are
// treated as public, since reports use them for IOCs.
func specialUse(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || cgnat.Contains(ip)
}

func detectCards(s string) []cand {
	var cs []cand
	for _, m := range reCard.FindAllStringIndex(s, -1) {
		a, b := m[0], m[1]
		if a > 0 && (isAlnum(s[a-1]) || s[a-1] == '.' || s[a-1] == '-') {
			continue
		}
		if b < len(s) && (isAlnum(s[b]) || s[b] == '-' || s[b] == '.' && b+1 < len(s) && s[b+1] >= '0' && s[b+1] <= '9') {
			continue
		}
		var digits []byte
		for i := a; i < b; i++ {
			if s[i] >= '0' && s[i] <= '9' {
				digits = append(digits, s[i])
			}
		}
		if len(digits) < 13 || len(digits) > 19 || !luhn(digits) {
			continue
		}
		cs = append(cs, cand{kind: KindCardNumber, start: a, end: b, prio: prioCard})
	}
	return cs
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// domainMatcher finds the caller's internal domains and names below them.
type domainMatcher struct{ re *regexp.Regexp }

func newDomainMatcher(domains []string) *domainMatcher {
	var alts []string
	for _, d := range domains {
		d = strings.Trim(strings.TrimSpace(d), ".")
		if d != "" {
			alts = append(alts, regexp.QuoteMeta(d))
		}
	}
	if len(alts) == 0 {
		return &domainMatcher{}
	}
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	return &domainMatcher{re: regexp.MustCompile(`(?i)(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*(?:` + strings.Join(alts, "|") + `)`)}
}

func (d *domainMatcher) find(s string) []cand {
	if d.re == nil {
		return nil
	}
	var cs []cand
	for _, m := range d.re.FindAllStringIndex(s, -1) {
		a, b := m[0], m[1]
		if a > 0 && (isAlnum(s[a-1]) || s[a-1] == '-' || s[a-1] == '.') {
			continue
		}
		if !notDomainContinued(s, a, b) || b < len(s) && isAlnum(s[b]) {
			continue
		}
		cs = append(cs, cand{kind: KindInternalHost, start: a, end: b, prio: prioHost + 1})
	}
	return cs
}

// nameMasker finds the caller's organisation names.
type nameMasker struct{ re *regexp.Regexp }

func newNameMasker(names []string) *nameMasker {
	var alts []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n != "" {
			alts = append(alts, regexp.QuoteMeta(n))
		}
	}
	if len(alts) == 0 {
		return &nameMasker{}
	}
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	return &nameMasker{re: regexp.MustCompile(`(?i)(?:` + strings.Join(alts, "|") + `)`)}
}

func (n *nameMasker) find(s string) []cand {
	if n.re == nil {
		return nil
	}
	var cs []cand
	for _, m := range n.re.FindAllStringIndex(s, -1) {
		a, b := m[0], m[1]
		// Whole words only for ASCII names.
		if a > 0 && isAlnum(s[a-1]) && isAlnum(s[a]) || b < len(s) && isAlnum(s[b]) && isAlnum(s[b-1]) {
			continue
		}
		cs = append(cs, cand{kind: KindOrganization, start: a, end: b, prio: prioMasked})
	}
	return cs
}

var hostRoleRe = regexp.MustCompile(`SRV|SVR|FS|DC|DB|WS|PC|NAS|ESX|VM|WEB|MAIL|BK|PRX|GW|FW|JMP|JUMP|VDI|RDS`)

// embeddedHostRole accepts tokens like OSKFS02 whose letters contain a
// server-role abbreviation.
func embeddedHostRole(s string, a, b int) bool {
	tok := s[a:b]
	i := strings.IndexAny(tok, "0123456789")
	if i < 2 || notHostPrefixes[tok[:i]] {
		return false
	}
	return hostRoleRe.MatchString(tok[:i]) && singleLabelHost(s, a, b)
}

// domainUser accepts DOMAIN\user unless it is a piece of a file path.
func domainUser(s string, a, b int) bool {
	ds := strings.LastIndexByte(s[:a], '\\')
	d := ds
	for d > 0 && (isAlnum(s[d-1]) || s[d-1] == '-') {
		d--
	}
	if d > 0 {
		switch s[d-1] {
		case '\\', '/', ':', '.', '%', '$':
			return false
		}
	}
	if b < len(s) && (s[b] == '\\' || s[b] == '/') {
		return false
	}
	return notGenericUser(s, a, b)
}

func jpSecretValue(s string, a, b int) bool {
	if !secretValue(s, a, b) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[b:])
	return b >= len(s) || !(isHan(r) || isKatakana(r) || unicode.Is(unicode.Hiragana, r))
}

var reIBAN = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`)

// detectIBANs finds IBANs with a valid ISO 7064 mod-97 check.
func detectIBANs(s string) []cand {
	var cs []cand
	for _, m := range reIBAN.FindAllStringIndex(s, -1) {
		v := strings.ReplaceAll(s[m[0]:m[1]], " ", "")
		if len(v) < 15 || len(v) > 34 {
			continue
		}
		r := v[4:] + v[:4]
		mod := 0
		for i := 0; i < len(r); i++ {
			c := r[i]
			switch {
			case c >= '0' && c <= '9':
				mod = (mod*10 + int(c-'0')) % 97
			case c >= 'A' && c <= 'Z':
				mod = (mod*100 + int(c-'A'+10)) % 97
			}
		}
		if mod == 1 {
			cs = append(cs, cand{kind: KindAccountNumber, start: m[0], end: m[1], prio: prioCard})
		}
	}
	return cs
}

var (
	rePasswordLine = regexp.MustCompile(`(?i)password|passphrase|passwd|credential|パスワード|認証情報|暗証`)
	reComplexToken = regexp.MustCompile(`[A-Za-z0-9!@#$%^&*?~+=_]{8,40}`)
)

// detectPasswordLike finds password-like tokens (letters, digits and a
// symbol) on lines that talk about passwords: "its password was Backup2023!".
func detectPasswordLike(s string) []cand {
	var cs []cand
	lineStart := 0
	for lineStart <= len(s) {
		end := strings.IndexByte(s[lineStart:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += lineStart
		}
		line := s[lineStart:end]
		if rePasswordLine.MatchString(line) {
			for _, m := range reComplexToken.FindAllStringIndex(line, -1) {
				a, b := lineStart+m[0], lineStart+m[1]
				if a > 0 && (isAlnum(s[a-1]) || strings.IndexByte("./\\:-@", s[a-1]) >= 0) {
					continue
				}
				if b < len(s) && (isAlnum(s[b]) || strings.IndexByte("./\\:-@", s[b]) >= 0 && b+1 < len(s) && isAlnum(s[b+1])) {
					continue
				}
				t := s[a:b]
				if strings.ContainsAny(t, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
					strings.ContainsAny(t, "0123456789") && strings.ContainsAny(t, "!@#$%^&*?~+=") {
					cs = append(cs, cand{kind: KindSecret, start: a, end: b, prio: prioSecret - 1})
				}
			}
		}
		lineStart = end + 1
	}
	return cs
}

// reIOCEmailContext marks an e-mail address as an attacker's (an IOC to keep)
// when the words just before it say so.
var reIOCEmailContext = regexp.MustCompile(`(?i)(?:sender|sent from address|reply-to|return-path|came from|返信先|差出人|送信元(?:アドレス)?|forward(?:ing|ed)?(?: mail)? to|転送先|attacker'?s?|攻撃者の|phishing|フィッシング|spoofed|詐称|from the address)\W{0,3}(?:address|アドレス|mail|メール)?[^\n@]{0,6}$`)

// dropIOCEmails keeps attackers' e-mail addresses, which are IOCs.
func dropIOCEmails(s string, cs []cand) []cand {
	out := cs[:0]
	for _, c := range cs {
		if c.kind == KindEmail {
			from := c.start - 60
			if from < 0 {
				from = 0
			}
			for from < c.start && !utf8.RuneStart(s[from]) {
				from++
			}
			if reIOCEmailContext.MatchString(s[from:c.start]) {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// propagateNames masks later standalone mentions of a detected person's name
// parts ("Ryan" after "Ryan Cooper", "山田" after "山田 太郎").
func propagateNames(s string, cs []cand) []cand {
	seen := map[string]bool{}
	var parts []string
	for _, c := range cs {
		if c.kind != KindPersonName {
			continue
		}
		v := s[c.start:c.end]
		var ps []string
		if f := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '　' || r == '・' }); len(f) > 1 {
			ps = f
		} else if n := longestSurnameAt(v, 0); n > 0 && n < len(v) && utf8.RuneCountInString(v[:n]) >= 2 {
			ps = []string{v[:n]}
		}
		for _, p := range ps {
			if utf8.RuneCountInString(p) < 2 || len(p) < 3 && p[0] < 0x80 || seen[p] {
				continue
			}
			if p[0] < 0x80 && (p[0] < 'A' || p[0] > 'Z' || strings.HasSuffix(p, ".")) {
				continue
			}
			seen[p] = true
			parts = append(parts, p)
		}
	}
	for _, p := range parts {
		for _, o := range occurrencesOf(s, p) {
			a, b := o[0], o[1]
			if p[0] < 0x80 {
				if a > 0 && isAlnum(s[a-1]) || b < len(s) && isAlnum(s[b]) {
					continue
				}
			} else {
				pr, _ := utf8.DecodeLastRuneInString(s[:a])
				nr, _ := utf8.DecodeRuneInString(s[b:])
				if a > 0 && isHan(pr) || b < len(s) && isHan(nr) {
					continue
				}
			}
			cs = append(cs, cand{kind: KindPersonName, start: a, end: b, prio: prioPerson - 1})
		}
	}
	return cs
}

func occurrencesOf(s, v string) [][2]int {
	var out [][2]int
	for i := 0; ; {
		j := strings.Index(s[i:], v)
		if j < 0 {
			return out
		}
		out = append(out, [2]int{i + j, i + j + len(v)})
		i += j + len(v)
	}
}

// lowerHost accepts lower-case host names such as wms-app01 unless they are
// a label of a longer domain name.
func lowerHost(s string, a, b int) bool {
	if a > 0 && (s[a-1] == '.' || s[a-1] == '/' || s[a-1] == '@' || s[a-1] == '-') {
		return false
	}
	return notDomainContinued(s, a, b)
}

var jobWords = toSet(strings.Fields("Engineer Manager Officer Analyst Lead Director Head Security Operations Team Department Division Desk Center Centre Support Service Services Group Unit Office Administrator Specialist Consultant Counsel Legal"))

// notJobTitle rejects "Security Engineer, name@..." taken for a person.
func notJobTitle(s string, a, b int) bool {
	for _, w := range strings.Fields(s[a:b]) {
		if jobWords[w] {
			return false
		}
	}
	return true
}
