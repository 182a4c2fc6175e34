package ticket

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

var keys = func() map[int]*rsa.PrivateKey {
	m := map[int]*rsa.PrivateKey{}
	for _, bits := range []int{1024, 2048} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		m[bits] = k
	}
	return m
}()

func TestSHA1(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for n := range 300 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		split := r.IntN(n + 1)
		if got, want := sha1Sum(b[:split], b[split:]), sha1.Sum(b); got != want {
			t.Fatalf("%d bytes: %x, want %x", n, got, want)
		}
	}
}

func TestModExp(t *testing.T) {
	r := mrand.New(mrand.NewPCG(3, 4))
	randBig := func(bytes int) *big.Int {
		b := make([]byte, bytes)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return new(big.Int).SetBytes(b)
	}
	for _, size := range []int{4, 5, 64, 128, 129, 256} {
		for range 20 {
			n := randBig(size)
			n.SetBit(n, 0, 1)
			n.SetBit(n, size*8-1, 1)
			x := new(big.Int).Mod(randBig(size), n)
			e := r.Uint32() | 1
			want := new(big.Int).Exp(x, big.NewInt(int64(e)), n)
			limbs := (size + 3) / 4
			m := newMontgomery(natFromBytes(n.Bytes(), limbs))
			got := new(big.Int).SetBytes(m.exp(natFromBytes(x.Bytes(), limbs), e).bytes(size))
			if got.Cmp(want) != 0 {
				t.Fatalf("%d-byte modulus: %v^%d mod %v = %v, want %v", size, x, e, n, got, want)
			}
		}
	}
}

func TestEncryptDecryptsWithCryptoRSA(t *testing.T) {
	for bits, key := range keys {
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if bits == 1024 && len(der) != 162 {
			t.Fatalf("1024-bit DER key is %d bytes, the wire carries 162", len(der))
		}
		for _, pw := range []string{"", "secret", strings.Repeat("x", MaxPasswordLen), "päss wörd"} {
			ct, err := Encrypt(der, pw, rand.Reader)
			if err != nil {
				t.Fatalf("%d bits, %q: %v", bits, pw, err)
			}
			if len(ct) != bits/8 {
				t.Fatalf("%d bits: ticket is %d bytes", bits, len(ct))
			}
			got, err := rsa.DecryptOAEP(sha1.New(), nil, key, ct, nil)
			if err != nil {
				t.Fatalf("%d bits, %q: crypto/rsa cannot decrypt: %v", bits, pw, err)
			}
			if want := append([]byte(pw), 0); !bytes.Equal(got, want) {
				t.Fatalf("decrypted %q, want %q", got, want)
			}
		}
	}
}

func TestEncryptErrors(t *testing.T) {
	der, _ := x509.MarshalPKIXPublicKey(&keys[1024].PublicKey)
	if _, err := Encrypt(der, strings.Repeat("x", MaxPasswordLen+1), rand.Reader); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("long password: %v", err)
	}
	for name, key := range map[string][]byte{
		"empty":        nil,
		"truncated":    der[:len(der)-3],
		"trailing":     append(append([]byte{}, der...), 0),
		"garbage":      bytes.Repeat([]byte{0x30}, 162),
		"wrong OID":    bytes.Replace(der, rsaOID, []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x02}, 1),
		"long length":  {0x30, 0x84, 0x00, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0},
		"huge length":  {0x30, 0x84, 0xff, 0xff, 0xff, 0xff},
		"zero-len tag": {0x30, 0x80},
	} {
		if _, err := Encrypt(key, "pw", rand.Reader); err == nil {
			t.Errorf("%s key: no error", name)
		}
	}
}

func FuzzEncrypt(f *testing.F) {
	for _, k := range keys {
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		ct, err := Encrypt(der, "pw", rand.Reader)
		if err == nil {
			n, _, _ := parsePublicKey(der)
			if len(ct) != len(n) {
				t.Fatalf("ticket %d bytes for a %d-byte modulus", len(ct), len(n))
			}
		}
	})
}
