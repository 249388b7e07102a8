package warninglist

import "testing"

func TestAtomKind(t *testing.T) {
	for k, want := range map[string]Kind{"ipv4": KindIP, "ipv6": KindIP, "cidr4": KindCIDR, "cidr6": KindCIDR, "domain": KindDomain,
		"url": KindURL, "email": KindEmail, "md5": KindMD5, "sha256": KindSHA256, "sha512": KindSHA512} {
		if got, ok := AtomKind(k); !ok || got != want {
			t.Errorf("AtomKind(%q) = %q %v, want %q", k, got, ok, want)
		}
	}
	for _, k := range []string{"technique", "cve", "malware", "", "mac"} {
		if got, ok := AtomKind(k); ok {
			t.Errorf("AtomKind(%q) = %q, want none", k, got)
		}
	}
}
