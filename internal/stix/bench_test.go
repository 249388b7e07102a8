package stix

import "testing"

// BenchmarkValidateIndicator measures validating one typical indicator
// (common properties, a TLP marking, a STIX pattern), parse excluded.
func BenchmarkValidateIndicator(b *testing.B) {
	o, err := Parse([]byte(validObjects["indicator"]))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseValidateIndicator measures the whole path from JSON bytes.
func BenchmarkParseValidateIndicator(b *testing.B) {
	data := []byte(validObjects["indicator"])
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		o, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if err := Validate(o); err != nil {
			b.Fatal(err)
		}
	}
}
