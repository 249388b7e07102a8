package export

import (
	"io"
	"net/netip"
	"strconv"
	"testing"

	"sakimori/internal/marking"
	"sakimori/internal/match"
)

func benchInds(n int) []match.Indicator {
	out := make([]match.Indicator, 0, n)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			a := netip.AddrFrom4([4]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
			out = append(out, ind(match.KindIPv4, a.String(), idA, marking.TLPGreen))
		} else {
			out = append(out, ind(match.KindDomain, "d"+strconv.Itoa(i)+".example", idB, marking.TLPAmber))
		}
	}
	return out
}

// BenchmarkWrite: 100k indicators (half IPv4, half domains) per op.
func BenchmarkWrite(b *testing.B) {
	inds := benchInds(100_000)
	for _, f := range []Format{FormatTXT, FormatCSV, FormatNFT, FormatRPZ, FormatSuricata, FormatSTIX, FormatMISPFeed} {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if _, err := Write(io.Discard, f, inds, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
