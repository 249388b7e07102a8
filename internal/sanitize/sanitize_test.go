package sanitize

import (
	"fmt"
	"strings"
	"testing"
)

var testOpt = Options{MaskNames: []string{"Globex", "ミナト物流"}, InternalDomains: []string{"corp.example.co.jp"}}

func findingKinds(fs []Finding) map[string]Kind {
	m := map[string]Kind{}
	for _, f := range fs {
		m[f.Original] = f.Kind
	}
	return m
}

func TestDetectsEachKind(t *testing.T) {
	cases := []struct {
		text, value string
		kind        Kind
	}{
		{"担当: 山田太郎 まで", "山田太郎", KindPersonName},
		{"経理部の佐藤様に連絡", "佐藤", KindPersonName},
		{"高橋課長が承認", "高橋", KindPersonName},
		{"Contact: Mr. John Smith today", "John Smith", KindPersonName},
		{"Name: Jane Doe.", "Jane Doe", KindPersonName},
		{"mail taro.yamada@example.co.jp now", "taro.yamada@example.co.jp", KindEmail},
		{"call 03-1234-5678.", "03-1234-5678", KindPhone},
		{"call 090-1234-5678.", "090-1234-5678", KindPhone},
		{"call +81-3-1234-5678.", "+81-3-1234-5678", KindPhone},
		{"送付先 〒100-0005 東京都", "〒100-0005", KindPostalCode},
		{"所在地 東京都千代田区丸の内1-2-3 にて", "東京都千代田区丸の内1-2-3", KindPostalAddress},
		{"at 1200 Market Street, San Francisco, CA 94103.", "1200 Market Street, San Francisco, CA 94103", KindPostalAddress},
		{"顧客番号: C-0012345 の", "C-0012345", KindCustomerID},
		{"口座番号 1234567 へ", "1234567", KindAccountNumber},
		{"card 4111 1111 1111 1111.", "4111 1111 1111 1111", KindCardNumber},
		{"IBAN DE89 3704 0044 0532 0130 00 was used", "DE89 3704 0044 0532 0130 00", KindAccountNumber},
		{"被害額 1,234万円 と", "1,234万円", KindMoney},
		{"被害額 5億円。", "5億円", KindMoney},
		{"loss of ¥1,234,567.", "¥1,234,567", KindMoney},
		{"demand of $1.2M.", "$1.2M", KindMoney},
		{"cost USD 1,200,000 total", "USD 1,200,000", KindMoney},
		{"cost EUR 50,000 total", "EUR 50,000", KindMoney},
		{"partner Globex said", "Globex", KindOrganization},
		{"委託先 株式会社サンプル商事 から", "株式会社サンプル商事", KindOrganization},
		{"委託先 サンプル商事株式会社 から", "サンプル商事株式会社", KindOrganization},
		{"vendor Acme Widgets Co., Ltd. said", "Acme Widgets Co., Ltd.", KindOrganization},
		{"host fs01.corp.example.co.jp down", "fs01.corp.example.co.jp", KindInternalHost},
		{"host SRV-FS01 down", "SRV-FS01", KindInternalHost},
		{"host nas01.local down", "nas01.local", KindInternalHost},
		{"from 10.1.2.3 to", "10.1.2.3", KindPrivateIP},
		{"from 172.16.0.1 to", "172.16.0.1", KindPrivateIP},
		{"from 192.168.1.1 to", "192.168.1.1", KindPrivateIP},
		{"from 100.64.1.1 to", "100.64.1.1", KindPrivateIP},
		{"from 169.254.1.1 to", "169.254.1.1", KindPrivateIP},
		{"from 127.0.0.1 to", "127.0.0.1", KindPrivateIP},
		{"from fd00::1 to", "fd00::1", KindPrivateIP},
		{"from fe80::1 to", "fe80::1", KindPrivateIP},
		{"MAC 00:1A:2B:3C:4D:5E seen", "00:1A:2B:3C:4D:5E", KindMAC},
		{`ran C:\Users\yamada\a.exe`, "yamada", KindUserName},
		{"password=Summer2025! set", "Summer2025!", KindSecret},
		{"パスワード: P@ssw0rd123 を", "P@ssw0rd123", KindSecret},
		{"key AKIAIOSFODNN7EXAMPLE leaked", "AKIAIOSFODNN7EXAMPLE", KindSecret},
		{"api_key=0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef", KindSecret},
	}
	for _, c := range cases {
		_, fs := Text(c.text, testOpt)
		if k, ok := findingKinds(fs)[c.value]; !ok || k != c.kind {
			t.Errorf("%q: want %s %q, got %v", c.text, c.kind, c.value, fs)
		}
	}
}

func TestKeepsIOCs(t *testing.T) {
	iocs := []string{
		"203.0.113.5", "198.51.100.23", "8.8.8.8", "185.220.101.34", "2001:db8::5", "2a0e:97c0:3e3:2c4::7",
		"evil.example", "update-check.example-cdn.net", "https://evil.example/path?a=1&b=2",
		"hxxps://files-sync.example[.]org/upload", "d41d8cd98f00b204e9800998ecf8427e",
		"da39a3ee5e6b4b0d3255bfef95601890afd80709",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"CVE-2024-3400", "T1486", "T1021.001", "AS44477", "198.51.100.0/24",
	}
	var b strings.Builder
	for i, ioc := range iocs {
		fmt.Fprintf(&b, "IOC %d: %s\n", i, ioc)
	}
	b.WriteString("攻撃元 203.0.113.9 から evil2.example へ通信。ハッシュ 44d88612fea8a8f36de82e1278abb02f。\n")
	in := b.String()
	out, fs := Text(in, testOpt)
	for _, ioc := range iocs {
		if !strings.Contains(out, ioc) {
			t.Errorf("IOC %q removed", ioc)
		}
	}
	if len(fs) != 0 {
		t.Errorf("findings in a report of IOCs only: %v", fs)
	}
}

func TestKeepOption(t *testing.T) {
	in := "C2 at 10.9.9.9 (sinkholed lab address) and SRV-FS01"
	out, _ := Text(in, Options{Keep: []string{"10.9.9.9"}})
	if !strings.Contains(out, "10.9.9.9") || strings.Contains(out, "SRV-FS01") {
		t.Errorf("Keep not honoured: %q", out)
	}
}

func TestConsistentPlaceholders(t *testing.T) {
	in := "a@example.com, b@example.com, A@example.com, 10.0.0.1, 10.0.0.1"
	out, fs := Text(in, Options{})
	want := "[EMAIL-1], [EMAIL-2], [EMAIL-1], [PRIVATE-IP-1], [PRIVATE-IP-1]"
	if out != want {
		t.Errorf("got %q want %q (%v)", out, want, fs)
	}
	out, _ = Text("a@example.com", Options{Placeholder: func(k Kind, n int) string { return fmt.Sprintf("<%s#%d>", k, n) }})
	if out != "<email#1>" {
		t.Errorf("custom placeholder: %q", out)
	}
}

func TestFields(t *testing.T) {
	fs := []Field{
		{Path: "contacts.0.email", Value: "taro@example.co.jp"},
		{Path: "summary", Value: "taro@example.co.jp reported traffic to 203.0.113.5 from 10.0.0.8"},
		{Path: "config", Value: "set admin-port 8443; no mfa", Sensitive: true},
		{Path: "root_cause", Value: "maybe a phished password", Unconfirmed: true},
	}
	out, removed := Fields(fs, testOpt)
	if len(out) != 2 {
		t.Fatalf("out = %v", out)
	}
	if out[0].Value != "[EMAIL-1]" || out[1].Value != "[EMAIL-1] reported traffic to 203.0.113.5 from [PRIVATE-IP-1]" {
		t.Errorf("out = %+v", out)
	}
	reasons := map[string]string{}
	for _, r := range removed {
		reasons[r.Path] = r.Reason
		if len(r.Findings) == 0 {
			t.Errorf("removal %s has no findings", r.Path)
		}
	}
	if reasons["config"] != ReasonSensitive || reasons["root_cause"] != ReasonUnconfirmed || reasons["summary"] != ReasonSanitised {
		t.Errorf("reasons = %v", reasons)
	}
}

func TestPreview(t *testing.T) {
	in := "連絡先 taro@example.co.jp と 10.0.0.1"
	_, fs := Text(in, Options{})
	got := Preview(in, fs)
	want := "連絡先 ⟦EMAIL: taro@example.co.jp → [EMAIL-1]⟧ と ⟦PRIVATE-IP: 10.0.0.1 → [PRIVATE-IP-1]⟧"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestAttackerEmailKept(t *testing.T) {
	in := "差出人: billing@invoice-center.example.net、受信者 hanako@victim.example.co.jp"
	out, _ := Text(in, Options{})
	if !strings.Contains(out, "billing@invoice-center.example.net") || strings.Contains(out, "hanako@") {
		t.Errorf("got %q", out)
	}
}

func TestNoFalsePositivesOnCommonIdentifiers(t *testing.T) {
	in := "CVE-2024-3400 T1486 INC-2025-001 SHA-256 AES-256 TLS 1.3 RFC 1918 2025-01-15 10:30:00 JST ISO-27001 版 7.0.12 Windows 10 x86-64 UTF-8 HTTP/2"
	_, fs := Text(in, Options{})
	if len(fs) != 0 {
		t.Errorf("false positives: %v", fs)
	}
}

func BenchmarkText(b *testing.B) {
	cases := loadCorpus(b)
	var sb strings.Builder
	for _, c := range cases {
		sb.WriteString(c.Text)
		sb.WriteString("\n")
	}
	in := sb.String()
	opt := Options{MaskNames: []string{"Globex", "ミナト物流"}, InternalDomains: []string{"corp.example.co.jp"}}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Text(in, opt)
	}
}
