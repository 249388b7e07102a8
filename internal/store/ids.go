package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

var ids struct {
	sync.Mutex
	ms     uint64 // timestamp of the last id
	ra, rb uint64 // its 12-bit rand_a and 62-bit rand_b fields
}

// NewID returns a UUIDv7 (RFC 9562): time-ordered, so keyset pagination by
// id follows creation order, and random enough to be unguessable. Within one
// process ids are strictly increasing even inside one millisecond (or when
// the clock steps back): the random part then grows by a random amount
// (RFC 9562 section 6.2, method 2).
func NewID() string {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic("store: crypto/rand failed: " + err.Error())
	}
	ms := uint64(time.Now().UnixMilli())
	ids.Lock()
	var ra, rb uint64
	if ms > ids.ms {
		ra = uint64(binary.BigEndian.Uint16(r[0:2])) & 0xfff
		rb = binary.BigEndian.Uint64(r[8:16]) & (1<<62 - 1)
	} else {
		ms = ids.ms
		ra, rb = ids.ra, ids.rb+1+uint64(binary.BigEndian.Uint32(r[2:6]))
		if rb >= 1<<62 {
			rb -= 1 << 62
			if ra++; ra > 0xfff {
				ms, ra = ms+1, 0
			}
		}
	}
	ids.ms, ids.ra, ids.rb = ms, ra, rb
	ids.Unlock()

	var b [16]byte
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], ms)
	copy(b[0:6], t[2:8])
	binary.BigEndian.PutUint16(b[6:8], uint16(0x7000|ra))
	binary.BigEndian.PutUint64(b[8:16], 0x8000000000000000|rb)
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
