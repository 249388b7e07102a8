package match

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/netip"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
	"sakimori/internal/stix/pattern"
)

// Snapshot file format (version 1), all integers little-endian:
//
//	"SKMSET1\n"
//	body:
//	  uvarint number of metas, then each: string id, string name,
//	    byte TLP, varint confidence, varint score, varint modified (Unix
//	    ns, MinInt64 for none), varint valid_until (likewise)
//	  for each kind in Kinds order: uvarint count, then each value:
//	    uvarint meta index, then the value: IPv4 4 bytes, IPv6 16,
//	    CIDR4 4 + prefix length byte, CIDR6 16 + 1, domain/URL/e-mail
//	    string, hashes their binary digest
//	  (string = uvarint length + bytes)
//	trailer: uint64 body length, uint32 CRC-32C of the body
//
// Tables are rebuilt on reading, so the file does not depend on this
// process's hash seed or table layout.
const snapshotMagic = "SKMSET1\n"

// SnapshotContentType is the media type of a snapshot served over HTTP.
const SnapshotContentType = "application/vnd.sakimori.set"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

type countingWriter struct {
	w   *bufio.Writer
	n   int64
	crc uint32
	buf []byte
}

func (c *countingWriter) write(p []byte) {
	c.crc = crc32.Update(c.crc, crcTable, p)
	c.n += int64(len(p))
	c.w.Write(p) // errors surface at Flush
}

func (c *countingWriter) uvarint(x uint64) {
	c.buf = binary.AppendUvarint(c.buf[:0], x)
	c.write(c.buf)
}

func (c *countingWriter) varint(x int64) {
	c.buf = binary.AppendVarint(c.buf[:0], x)
	c.write(c.buf)
}

func (c *countingWriter) str(s string) {
	c.uvarint(uint64(len(s)))
	c.write([]byte(s))
}

// WriteTo writes the set in the snapshot format ReadSet reads.
func (s *Set) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString(snapshotMagic); err != nil {
		return 0, err
	}
	c := &countingWriter{w: bw}
	c.uvarint(uint64(len(s.metas)))
	for i := range s.metas {
		m := &s.metas[i]
		c.str(m.id)
		c.str(m.name)
		c.write([]byte{byte(m.tlp)})
		c.varint(int64(m.confidence))
		c.varint(int64(m.score))
		c.varint(m.modified)
		c.varint(m.validUntil)
	}
	var v [17]byte
	for _, k := range Kinds {
		c.uvarint(uint64(s.Count(k)))
		for ref := range s.Refs(k) {
			c.uvarint(uint64(s.metaOf(ref)))
			i := refIdx(ref)
			switch k {
			case KindIPv4:
				binary.BigEndian.PutUint32(v[:], s.ip4.key(i))
				c.write(v[:4])
			case KindIPv6:
				binary.BigEndian.PutUint64(v[:], s.ip6.e[i].hi)
				binary.BigEndian.PutUint64(v[8:], s.ip6.e[i].lo)
				c.write(v[:16])
			case KindCIDR4, KindCIDR6:
				p := s.cidr[k-KindCIDR4].pfx[i]
				b := p.Addr().AsSlice()
				c.write(append(b, byte(p.Bits())))
			default:
				t := &s.strs[k]
				key := t.key(t.e[i].off)
				if t.fixed == 0 {
					c.uvarint(uint64(len(key)))
				}
				c.write(key)
			}
		}
	}
	var tr [12]byte
	binary.LittleEndian.PutUint64(tr[:], uint64(c.n))
	binary.LittleEndian.PutUint32(tr[8:], c.crc)
	bw.Write(tr[:])
	n := int64(len(snapshotMagic)) + c.n + 12
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return n, nil
}

// ReadSet reads a snapshot WriteTo wrote. A file that is not one, is
// truncated, fails its checksum or holds an invalid value is an error
// (apperr invalid) whose field names the part that is wrong.
func ReadSet(r io.Reader) (*Set, error) {
	var magic [len(snapshotMagic)]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != snapshotMagic {
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, err
		}
		return nil, apperr.Invalid("header", "not a sakimori indicator set snapshot (no %q header)", snapshotMagic[:7])
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(data) < 12 {
		return nil, apperr.Invalid("trailer", "snapshot truncated (no trailer)")
	}
	body, tr := data[:len(data)-12], data[len(data)-12:]
	if n := binary.LittleEndian.Uint64(tr); n != uint64(len(body)) {
		return nil, apperr.Invalid("trailer", "snapshot truncated or padded: body is %d bytes, trailer says %d", len(body), n)
	}
	if crc := crc32.Checksum(body, crcTable); crc != binary.LittleEndian.Uint32(tr[8:]) {
		return nil, apperr.Invalid("checksum", "snapshot corrupt: CRC-32C mismatch")
	}
	d := &decoder{b: body}
	nm := d.uvarint("metas")
	if d.err == nil && nm > uint64(len(d.b)) {
		d.fail("metas", "count %d larger than the file", nm)
	}
	b := newBuilder()
	metas := make([]meta, 0, min(nm, 1<<20))
	for i := 0; d.err == nil && uint64(i) < nm; i++ {
		f := fmt.Sprintf("metas[%d]", i)
		m := meta{id: d.str(f + ".id"), name: d.str(f + ".name")}
		tlp := d.bytes(f+".tlp", 1)
		if d.err != nil {
			break
		}
		if m.tlp = marking.TLP(tlp[0]); m.tlp > marking.TLPRed {
			d.fail(f+".tlp", "unknown TLP %d", tlp[0])
		}
		m.confidence = int32(d.varint(f + ".confidence"))
		m.score = int32(d.varint(f + ".score"))
		m.modified = d.varint(f + ".modified")
		m.validUntil = d.varint(f + ".valid_until")
		metas = append(metas, m)
	}
	// Metas are appended as they are (not deduplicated) so that indices
	// in the file stay valid.
	b.metas, b.metaBatch = metas, make([]int32, len(metas))
	for _, k := range Kinds {
		f := "values." + k.String()
		cnt := d.uvarint(f)
		if d.err == nil && cnt > uint64(len(d.b)) {
			d.fail(f, "count %d larger than the file", cnt)
		}
		for i := 0; d.err == nil && uint64(i) < cnt; i++ {
			mi := d.uvarint(f)
			if d.err == nil && mi >= uint64(len(metas)) {
				d.cur, d.curIdx = f, i
				d.fail("", "meta index %d out of range (%d metas)", mi, len(metas))
			}
			if d.err != nil {
				break
			}
			d.cur, d.curIdx = f, i
			if msg := d.value(b, k, int32(mi)); msg != "" {
				d.fail("", "%s", msg)
			}
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("body", "%d bytes after the last value", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return b.finish(), nil
}

type decoder struct {
	b      []byte
	err    error
	cur    string // the list being read, for errors in its values
	curIdx int
}

func (d *decoder) fail(field, format string, args ...any) {
	if field == "" {
		field = fmt.Sprintf("%s[%d]", d.cur, d.curIdx)
	}
	if d.err == nil {
		d.err = apperr.Invalid(field, format, args...)
	}
}

func (d *decoder) uvarint(f string) uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(f, "truncated or bad number")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) varint(f string) int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(f, "truncated or bad number")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) bytes(f string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail(f, "truncated")
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str(f string) string {
	n := d.uvarint(f)
	if n > uint64(len(d.b)) {
		d.fail(f, "truncated")
		return ""
	}
	return string(d.bytes(f, int(n)))
}

// value reads one value of kind k and stages it; it returns what is wrong
// with it.
func (d *decoder) value(b *builder, k Kind, m int32) string {
	switch k {
	case KindIPv4:
		p := d.bytes("", 4)
		if p == nil {
			return ""
		}
		b.ip4 = append(b.ip4, u4Entry{key: binary.BigEndian.Uint32(p), meta: m})
	case KindIPv6:
		p := d.bytes("", 16)
		if p == nil {
			return ""
		}
		a := netip.AddrFrom16([16]byte(p))
		if a.Is4In6() {
			return "IPv4-mapped address stored as IPv6"
		}
		b.addAddr(a, m)
	case KindCIDR4, KindCIDR6:
		n := 4
		if k == KindCIDR6 {
			n = 16
		}
		p := d.bytes("", n+1)
		if p == nil {
			return ""
		}
		a, _ := netip.AddrFromSlice(p[:n])
		pfx := netip.PrefixFrom(a, int(p[n]))
		if !pfx.IsValid() || pfx.Masked() != pfx || pfx.IsSingleIP() || a.Is4In6() {
			return "not a canonical CIDR block"
		}
		b.cidr[k-KindCIDR4] = append(b.cidr[k-KindCIDR4], pfxEntry{p: pfx, meta: m})
	case KindDomain, KindURL, KindEmail:
		s := d.str("")
		if d.err != nil {
			return ""
		}
		var norm string
		var err error
		switch k {
		case KindDomain:
			if validDomain(s) {
				norm = s
			} else {
				norm, err = pattern.NormalizeDomain(s)
			}
		case KindURL:
			norm, err = pattern.NormalizeURL(s)
		case KindEmail:
			norm, err = pattern.NormalizeEmail(s)
		}
		if err != nil {
			return err.Error()
		}
		if norm != s {
			return "value not normalised"
		}
		b.addStr(k, []byte(s), m)
	default:
		p := d.bytes("", hashSize(k))
		if p == nil {
			return ""
		}
		b.addStr(k, p, m)
	}
	return ""
}
