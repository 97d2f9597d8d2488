package overview

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
)

// slots is an open-addressing hash index from keys to record indexes. A
// slot holds 32 bits of the key's hash and the record's index plus one
// (zero: empty); the records hold the keys. A lookup touches the slot array,
// 8 bytes a slot, and then the record it was going to update anyway, where a
// map would also touch its own copy of the key.
type slots struct {
	s []uint64
	n int
}

// probe returns the first slot position for hash h, and the mask to step
// with.
func (x *slots) probe(h uint32) (uint32, uint32) {
	if len(x.s) == 0 {
		x.s = make([]uint64, 1024)
	}
	mask := uint32(len(x.s) - 1)
	return h & mask, mask
}

// put stores record i under hash h; the caller has checked the key is
// absent.
func (x *slots) put(h uint32, i int32) {
	if (x.n+1)*4 > len(x.s)*3 {
		x.grow()
	}
	p, mask := x.probe(h)
	for x.s[p] != 0 {
		p = (p + 1) & mask
	}
	x.s[p] = uint64(h)<<32 | uint64(uint32(i)+1)
	x.n++
}

func (x *slots) grow() {
	old := x.s
	x.s = make([]uint64, max(1024, 2*len(old)))
	mask := uint32(len(x.s) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		p := uint32(v>>32) & mask
		for x.s[p] != 0 {
			p = (p + 1) & mask
		}
		x.s[p] = v
	}
}

// slotAt decodes a slot: its hash bits and record index (-1: empty).
func slotAt(v uint64) (uint32, int32) { return uint32(v >> 32), int32(uint32(v)) - 1 }

// seed keys the hash of one analysis, so that a capture cannot be crafted
// to make its keys collide.
type seed [5]uint64

func newSeed() *seed {
	var b [40]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	var s seed
	for i := range s {
		s[i] = binary.LittleEndian.Uint64(b[8*i:]) | 1
	}
	return &s
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hashPair hashes two 16-byte addresses and a 64-bit tail (ports,
// protocol) with a seeded multiply-mix (wyhash's construction).
func (s *seed) hashPair(a, b *[16]byte, tail uint64) uint32 {
	h := mix(binary.LittleEndian.Uint64(a[:8])^s[0], binary.LittleEndian.Uint64(a[8:])^s[1]) ^
		mix(binary.LittleEndian.Uint64(b[:8])^s[2], binary.LittleEndian.Uint64(b[8:])^s[3]) ^
		mix(tail^s[4], s[0])
	return uint32(h ^ h>>32)
}
