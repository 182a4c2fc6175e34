package spice

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

// testKey is generated once: 1024-bit, like the server's.
var testKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
}()

func TestEncryptTicketDecryptsWithCryptoRSA(t *testing.T) {
	der, err := x509.MarshalPKIXPublicKey(&testKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(der) != TicketPubkeySize {
		t.Fatalf("DER key is %d bytes, the wire carries %d", len(der), TicketPubkeySize)
	}
	for _, pw := range []string{"", "secret", strings.Repeat("x", MaxPasswordLen), "päss wörd"} {
		ct, err := EncryptTicket(der, pw, rand.Reader)
		if err != nil {
			t.Fatalf("%q: %v", pw, err)
		}
		if len(ct) != TicketSize {
			t.Fatalf("%q: ticket is %d bytes, want %d", pw, len(ct), TicketSize)
		}
		got, err := rsa.DecryptOAEP(sha1.New(), nil, testKey, ct, nil)
		if err != nil {
			t.Fatalf("%q: crypto/rsa cannot decrypt: %v", pw, err)
		}
		if want := append([]byte(pw), 0); !bytes.Equal(got, want) {
			t.Fatalf("decrypted %q, want %q", got, want)
		}
	}
}

func TestEncryptTicketErrors(t *testing.T) {
	der, _ := x509.MarshalPKIXPublicKey(&testKey.PublicKey)
	if _, err := EncryptTicket(der, strings.Repeat("x", MaxPasswordLen+1), rand.Reader); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("long password: %v", err)
	}
	for name, key := range map[string][]byte{
		"empty":     nil,
		"truncated": der[:len(der)-3],
		"garbage":   bytes.Repeat([]byte{0x30}, 162),
		"trailing":  append(append([]byte{}, der...), 0),
	} {
		if _, err := EncryptTicket(key, "pw", rand.Reader); err == nil {
			t.Errorf("%s key: no error", name)
		}
	}
}

func FuzzParseRSAPublicKey(f *testing.F) {
	der, _ := x509.MarshalPKIXPublicKey(&testKey.PublicKey)
	f.Add(der)
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := parseRSAPublicKey(b); err == nil {
			if _, err := encryptOAEP(k, []byte{0}, rand.Reader); err != nil && k.n.BitLen() >= 1024 {
				t.Fatalf("usable key failed: %v", err)
			}
		}
	})
}
