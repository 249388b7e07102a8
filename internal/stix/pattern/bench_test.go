package pattern

import (
	"fmt"
	"strings"
	"testing"
)

// benchPatterns are typical indicator patterns: single IOCs (most shared
// indicators), a multi-IOC OR list as in the APT1 report, a hash pair, an
// e-mail pattern with regular expressions, and a qualified sequence.
var benchPatterns = []struct{ name, src string }{
	{"ipv4", "[ipv4-addr:value = '198.51.100.7']"},
	{"sha256", "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"},
	{"or-list", "[domain-name:value = 'microsofta.byinter.net' OR domain-name:value = 'microsoftb.byinter.net' OR domain-name:value = 'microsoftc.byinter.net' OR domain-name:value = 'microsofte.byinter.net' OR ipv4-addr:value = '113.10.246.30' OR ipv4-addr:value = '219.90.112.203' OR ipv4-addr:value = '202.65.220.64' OR ipv4-addr:value = '75.126.95.138' OR ipv4-addr:value = '219.90.112.197' OR ipv4-addr:value = '202.65.222.45' OR ipv4-addr:value = '98.126.148.114']"},
	{"hash-pair", "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"},
	{"email-regex", "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']"},
	{"qualified", "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR ([network-traffic:dst_ref.value = '192.168.122.83' AND network-traffic:dst_port IN (443, 8443)] FOLLOWEDBY [file:name = 'x.exe']) WITHIN 300 SECONDS"},
}

func BenchmarkParse(b *testing.B) {
	for _, bp := range benchPatterns {
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bp.src)))
			for b.Loop() {
				if _, err := Parse(bp.src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkString(b *testing.B) {
	for _, bp := range benchPatterns {
		p := MustParse(bp.src)
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.String()
			}
		})
	}
}

func BenchmarkAtoms(b *testing.B) {
	for _, bp := range benchPatterns {
		p := MustParse(bp.src)
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Atoms()
			}
		})
	}
}

// BenchmarkParseLarge parses one pattern listing 1,000 addresses, the shape
// of bulk block-list indicators, and extracts its atoms.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[ipv4-addr:value IN (")
	for i := range 1000 {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "'10.1.%d.%d'", i/256, i%256)
	}
	sb.WriteString(")]")
	src := sb.String()
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		p, err := Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(p.Atoms().Atoms); n != 1000 {
			b.Fatalf("%d atoms", n)
		}
	}
}
