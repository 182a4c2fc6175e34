package ticket

import (
	"encoding/binary"
	"math/bits"
)

// nat is a non-negative integer in little-endian 32-bit limbs.
type nat []uint32

// natFromBytes reads a big-endian byte string into k limbs.
func natFromBytes(b []byte, k int) nat {
	z := make(nat, k)
	for i := 0; i < len(b); i++ {
		j := len(b) - 1 - i // byte position from the least significant end
		z[j/4] |= uint32(b[i]) << (8 * (j % 4))
	}
	return z
}

// bytes writes z big-endian into exactly n bytes.
func (z nat) bytes(n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n; i++ {
		j := n - 1 - i
		if j/4 < len(z) {
			out[i] = byte(z[j/4] >> (8 * (j % 4)))
		}
	}
	return out
}

// cmp compares limb slices of equal length.
func (z nat) cmp(y nat) int {
	for i := len(z) - 1; i >= 0; i-- {
		if z[i] != y[i] {
			if z[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// sub sets z = z - y and returns the borrow.
func (z nat) sub(y nat) uint32 {
	var borrow uint32
	for i := range z {
		z[i], borrow = bits.Sub32(z[i], y[i], borrow)
	}
	return borrow
}

// montgomery holds an odd modulus n of k limbs and what Montgomery
// multiplication needs: -n⁻¹ mod 2³² and R² mod n, R = 2^(32k).
type montgomery struct {
	n     nat
	n0inv uint32
	rr    nat
}

func newMontgomery(n nat) *montgomery {
	k := len(n)
	// Newton's iteration for n⁻¹ mod 2³²: each step doubles the correct bits.
	inv := n[0]
	for range 5 {
		inv *= 2 - n[0]*inv
	}
	m := &montgomery{n: n, n0inv: -inv}
	// R² mod n by doubling 1, 2·32k times, reducing as it goes.
	r := make(nat, k+1)
	r[0] = 1
	nn := append(append(nat{}, n...), 0)
	for range 2 * 32 * k {
		var carry uint32
		for i := range r {
			r[i], carry = r[i]<<1|carry, r[i]>>31
		}
		if r.cmp(nn) >= 0 {
			r.sub(nn)
		}
	}
	m.rr = r[:k]
	return m
}

// mul returns a·b·R⁻¹ mod n (CIOS Montgomery multiplication), for a, b < n.
func (m *montgomery) mul(a, b nat) nat {
	k := len(m.n)
	t := make(nat, k+2)
	for i := 0; i < k; i++ {
		// t += a[i]·b
		var c uint32
		for j := 0; j < k; j++ {
			hi, lo := bits.Mul32(a[i], b[j])
			lo, cc := bits.Add32(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add32(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		var cc uint32
		t[k], cc = bits.Add32(t[k], c, 0)
		t[k+1] += cc
		// t += q·n with q chosen so the low limb becomes 0, then t >>= 32.
		q := t[0] * m.n0inv
		c = 0
		for j := 0; j < k; j++ {
			hi, lo := bits.Mul32(q, m.n[j])
			lo, cc := bits.Add32(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add32(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		t[k], cc = bits.Add32(t[k], c, 0)
		t[k+1] += cc
		copy(t, t[1:])
		t[k+1] = 0
	}
	z := t[:k]
	if t[k] != 0 || z.cmp(m.n) >= 0 {
		z.sub(m.n)
	}
	return append(nat(nil), z...)
}

// exp returns x^e mod n for x < n.
func (m *montgomery) exp(x nat, e uint32) nat {
	xm := m.mul(x, m.rr) // x·R mod n
	one := make(nat, len(m.n))
	one[0] = 1
	acc := m.mul(one, m.rr) // R mod n: 1 in Montgomery form
	for i := 31; i >= 0; i-- {
		acc = m.mul(acc, acc)
		if e>>i&1 != 0 {
			acc = m.mul(acc, xm)
		}
	}
	return m.mul(acc, one) // out of Montgomery form
}

// be32 reads up to 4 big-endian bytes.
func be32(b []byte) uint32 {
	var buf [4]byte
	copy(buf[4-len(b):], b)
	return binary.BigEndian.Uint32(buf[:])
}
