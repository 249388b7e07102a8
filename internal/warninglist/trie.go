package warninglist

import (
	"math/bits"
	"net/netip"
	"slices"
)

// prefixTrie finds every stored network that contains an address or a
// network. It is a multibit trie with a stride of 8 bits (one node per
// octet) whose nodes keep the networks ending inside them in a complete
// binary tree numbered as in Knuth's ART ("allotment routing table"):
// a network of local length l (0..8) and top bits v has index (1<<l)|v, so
// the networks containing an octet o are found at index 256|o and its
// ancestors (index>>1, >>2, ... 1). Nodes are sparse: bitmaps say which
// indices and which children exist, and the values are stored compactly in
// index order (found with a popcount).
//
// A lookup visits at most one node per octet (4 for IPv4, 16 for IPv6) and
// tests at most 9 bits in each. Full-length networks (single addresses),
// which make up most entries of real lists, are kept in hash maps instead,
// so the trie holds only the (usually few) real networks.
//
// Values are heads of reference chains (see index.chains).
type prefixTrie struct {
	root   artNode
	hosts4 map[uint32]int32   // full-length IPv4 entries
	hosts6 map[[16]byte]int32 // full-length IPv6 entries
}

type artNode struct {
	pfx      [8]uint64 // bit i set: a network with index i ends here
	pfxHeads []int32   // chain heads, in index order
	kid      [4]uint64 // bit o set: child for octet o exists
	kids     []*artNode
}

func newPrefixTrie() *prefixTrie {
	return &prefixTrie{hosts4: map[uint32]int32{}, hosts6: map[[16]byte]int32{}}
}

func hasBit(b []uint64, i uint) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// rank is the number of set bits of b below i.
func rank(b []uint64, i uint) int {
	n := 0
	w := int(i >> 6)
	for j := 0; j < w; j++ {
		n += bits.OnesCount64(b[j])
	}
	return n + bits.OnesCount64(b[w]&(1<<(i&63)-1))
}

// insert stores a value for network p (masked): update receives the
// current chain head (-1 if p is new) and returns the new one.
func (t *prefixTrie) insert(p netip.Prefix, update func(head int32) int32) {
	a := p.Addr()
	if p.Bits() == a.BitLen() {
		if a.Is4() {
			k := v4key(a)
			h, ok := t.hosts4[k]
			if !ok {
				h = -1
			}
			t.hosts4[k] = update(h)
		} else {
			k := a.As16()
			h, ok := t.hosts6[k]
			if !ok {
				h = -1
			}
			t.hosts6[k] = update(h)
		}
		return
	}
	var addr [16]byte
	if a.Is4() {
		a4 := a.As4()
		copy(addr[:], a4[:])
	} else {
		addr = a.As16()
	}
	L := p.Bits()
	n := &t.root
	d := 0
	if L > 0 {
		d = (L - 1) / 8
	}
	for i := 0; i < d; i++ {
		o := uint(addr[i])
		r := rank(n.kid[:], o)
		if !hasBit(n.kid[:], o) {
			n.kid[o>>6] |= 1 << (o & 63)
			n.kids = slices.Insert(n.kids, r, &artNode{})
		}
		n = n.kids[r]
	}
	l := uint(L - 8*d)
	idx := uint(1)<<l | uint(addr[d])>>(8-l)
	r := rank(n.pfx[:], idx)
	if !hasBit(n.pfx[:], idx) {
		n.pfx[idx>>6] |= 1 << (idx & 63)
		n.pfxHeads = slices.Insert(n.pfxHeads, r, -1)
	}
	n.pfxHeads[r] = update(n.pfxHeads[r])
}

// lookup appends to out the chain heads of every stored network that
// contains p (that is, whose length is at most p.Bits() and which contains
// p's address), from the shortest network to the longest.
func (t *prefixTrie) lookup(p netip.Prefix, out []int32) []int32 {
	a := p.Addr()
	maxBits := p.Bits()
	var addr [16]byte
	n := 16
	if a.Is4() {
		a4 := a.As4()
		copy(addr[:], a4[:])
		n = 4
	} else {
		addr = a.As16()
	}
	node := &t.root
	for d := 0; d < n; d++ {
		l := maxBits - 8*d
		if l < 0 {
			break
		}
		if l > 8 {
			l = 8
		}
		o := uint(addr[d])
		if len(node.pfxHeads) > 0 {
			idx := uint(1)<<uint(l) | o>>(8-uint(l))
			var found [9]int32
			k := 0
			for i := idx; i >= 1; i >>= 1 {
				if hasBit(node.pfx[:], i) {
					found[k] = node.pfxHeads[rank(node.pfx[:], i)]
					k++
				}
			}
			for k > 0 { // ancestors were found longest first
				k--
				out = append(out, found[k])
			}
		}
		if maxBits <= 8*(d+1) || !hasBit(node.kid[:], o) {
			break
		}
		node = node.kids[rank(node.kid[:], o)]
	}
	if maxBits == a.BitLen() {
		var h int32
		var ok bool
		if a.Is4() {
			h, ok = t.hosts4[v4key(a)]
		} else {
			h, ok = t.hosts6[a.As16()]
		}
		if ok {
			out = append(out, h)
		}
	}
	return out
}

func v4key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
