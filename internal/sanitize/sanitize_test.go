package sanitize

import (
	"strings"
	"testing"
)

func TestSmoke(t *testing.T) {
	in := `担当: 山田太郎 (taro.yamada@corp.example.co.jp, 03-1234-5678, 090-1234-5678, +81-3-1234-5678)
〒100-0005 東京都千代田区丸の内1-2-3 丸の内ビル5階 の経理部佐藤様と鈴木さん、高橋課長に連絡。
被害額は約1億2,000万円、身代金 USD 1,200,000 / $1.2M / 5億円 / €50,000。顧客番号: C-0012345、口座番号 普通 1234567。
Card 4111 1111 1111 1111. Host SRV-FS01 and DC01, fs01.corp.example.co.jp, nas.local, 10.1.2.3, 192.168.0.10/24, 100.64.1.1, fe80::1, fd12:3456::1.
C2 203.0.113.5 and 2001:db8::5, evil.example, https://evil.example/path?a=1, hash d41d8cd98f00b204e9800998ecf8427e.
MAC 00:1A:2B:3C:4D:5E. Path C:\Users\yamada\AppData\Local\Temp\x.exe. password=Summer2025! api_key=AKIAIOSFODNN7EXAMPLE
パスワード: P@ssw0rd123 CORP\suzuki
Contact: Mr. John Smith, 1200 Market Street, Suite 400, San Francisco, CA 94103. Name: Jane Doe. Acme Widgets Inc. and 株式会社サンプル商事, ミナト物流株式会社.
CVE-2024-3400, T1486, INC-2025-001, 2025-01-15 10:30:00 JST.`
	out, fs := Text(in, Options{MaskNames: []string{"Globex"}, InternalDomains: []string{"corp.example.co.jp"}})
	t.Log(out)
	t.Log(Preview(in, fs))
	for _, keep := range []string{"203.0.113.5", "2001:db8::5", "evil.example", "https://evil.example/path?a=1", "d41d8cd98f00b204e9800998ecf8427e", "CVE-2024-3400", "T1486", "2025-01-15 10:30:00"} {
		if !strings.Contains(out, keep) {
			t.Errorf("lost %q", keep)
		}
	}
}
