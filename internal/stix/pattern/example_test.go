package pattern_test

import (
	"errors"
	"fmt"

	"sakimori/internal/stix/pattern"
)

func ExampleParse() {
	p, err := pattern.Parse("[ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value = 'Evil.example.']")
	if err != nil {
		panic(err)
	}
	x := p.Atoms()
	for _, a := range x.Atoms {
		fmt.Println(a)
	}
	fmt.Println("complete:", x.Complete)
	// Output:
	// cidr4 198.51.100.0/24 (ipv4-addr:value) exact
	// domain evil.example (domain-name:value) exact
	// complete: true
}

func ExampleParse_error() {
	_, err := pattern.Parse("[file:name = 'x'")
	fmt.Println(err)
	var pe *pattern.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Pos)
	}
	// Output:
	// pattern: at 16: expected ']' after comparison, or AND/OR to join another comparison, found end of pattern
	// 16
}

func ExamplePattern_String() {
	p := pattern.MustParse("([file:hashes.'MD5' == 'cead3f77f6cda6ec00f57d76c9a6879f'] AND ([file:name<>'a.exe'])) WITHIN 300.0 SECONDS")
	fmt.Println(p)
	// Output:
	// ([file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:name != 'a.exe']) WITHIN 300 SECONDS
}

func ExamplePattern_Atoms() {
	p := pattern.MustParse("[network-traffic:dst_ref.value = '203.0.113.5' AND network-traffic:dst_port = 443] AND " +
		"[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F' OR file:name LIKE '%.scr']")
	x := p.Atoms()
	for _, a := range x.Atoms {
		fmt.Println(a)
	}
	fmt.Println("complete:", x.Complete)
	// Output:
	// ipv4 203.0.113.5 dst:443 (network-traffic:dst_ref.value)
	// sha256 aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f (file:hashes.'SHA-256')
	// complete: true
}
