//go:build amd64 || arm64

package match

// prefetch asks the CPU to bring the cache line at addr closer without
// waiting for it (PREFETCHT0, PRFM PLDL1KEEP): unlike a load, it does not
// hold up the instructions behind it, so a batch can have many misses in
// flight. Any address is safe, none is dereferenced.
//
//go:noescape
func prefetch(addr uintptr)
