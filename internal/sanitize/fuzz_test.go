package sanitize

import (
	"strings"
	"testing"
)

func checkInvariants(t *testing.T, in string, opt Options) {
	t.Helper()
	out, fs := Text(in, opt)
	var b strings.Builder
	pos := 0
	for i, f := range fs {
		if f.Start < 0 || f.End > len(in) || f.Start >= f.End {
			t.Fatalf("finding %d %+v outside input of %d bytes", i, f, len(in))
		}
		if f.Start < pos {
			t.Fatalf("finding %d %+v overlaps or is out of order (previous end %d)", i, f, pos)
		}
		if in[f.Start:f.End] != f.Original {
			t.Fatalf("finding %d original %q != input span %q", i, f.Original, in[f.Start:f.End])
		}
		b.WriteString(in[pos:f.Start])
		b.WriteString(f.Replacement)
		pos = f.End
	}
	b.WriteString(in[pos:])
	if b.String() != out {
		t.Fatalf("output is not the input with findings replaced:\n got %q\nwant %q", out, b.String())
	}
	_ = Preview(in, fs)
}

func FuzzText(f *testing.F) {
	seeds := []string{
		"",
		"担当: 山田太郎 (taro.yamada@corp.example.co.jp, 03-1234-5678)",
		"〒100-0005 東京都千代田区丸の内1-2-3 丸の内ビル5階",
		"C2 203.0.113.5, 10.0.0.1, fe80::1%eth0, 2001:db8::1 SRV-FS01 password=abc123",
		"Mr. John Smith, 1200 Market Street, Suite 400, San Francisco, CA 94103 $1.2M",
		"C:\\Users\\yamada\\x CORP\\suzuki 4111 1111 1111 1111 00:1A:2B:3C:4D:5E",
		"株式会社サンプル商事 ミナト物流株式会社 Acme Widgets Inc. 約1億2,000万円",
		"\xff\xfe山田\x00様 ::: 1.2.3.4.5 ０３－１２３４－５６７８",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	opt := Options{MaskNames: []string{"Globex", "ミナト物流"}, InternalDomains: []string{"corp.example.co.jp"}, Keep: []string{"evil.example"}}
	f.Fuzz(func(t *testing.T, s string) {
		checkInvariants(t, s, opt)
		checkInvariants(t, s, Options{})
	})
}
