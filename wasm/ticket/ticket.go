package ticket

import (
	"io"
	"strconv"
)

// MaxPasswordLen is SPICE_MAX_PASSWORD_LENGTH: the server's buffer holds 60
// bytes, the terminating NUL included in what is encrypted.
const MaxPasswordLen = 60

// FormatError reports an unusable public key.
type FormatError string

func (e FormatError) Error() string { return "ticket: invalid format: " + string(e) }

// UnsupportedError reports a key this package does not handle.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "ticket: unsupported: " + string(e) }

// ErrPasswordTooLong is returned for passwords the server cannot accept.
var ErrPasswordTooLong = FormatError("password longer than " + strconv.Itoa(MaxPasswordLen) + " bytes")

// Encrypt encrypts password for the server's public key (DER
// SubjectPublicKeyInfo from the link reply) with RSA-OAEP, SHA-1, MGF1-SHA-1
// and an empty label. The result has as many bytes as the modulus: 128 for
// the server's 1024-bit key. An empty password is still sent (a lone NUL).
// random must be a cryptographic source (crypto/rand, or the browser's
// crypto.getRandomValues).
func Encrypt(pubKeyDER []byte, password string, random io.Reader) ([]byte, error) {
	if len(password) > MaxPasswordLen {
		return nil, ErrPasswordTooLong
	}
	nb, e, err := parsePublicKey(pubKeyDER)
	if err != nil {
		return nil, err
	}
	if len(nb) < 64 || len(nb) > 512 || nb[len(nb)-1]&1 == 0 || e < 3 || e&1 == 0 {
		return nil, FormatError("unusable RSA public key")
	}
	msg := append([]byte(password), 0)
	k := len(nb)
	const hLen = sha1Size
	if len(msg) > k-2*hLen-2 {
		return nil, FormatError("public key too small for the ticket")
	}
	// EM = 0x00 || maskedSeed || maskedDB, DB = lHash || PS || 0x01 || M.
	em := make([]byte, k)
	seed := em[1 : 1+hLen]
	db := em[1+hLen:]
	lHash := sha1Sum()
	copy(db, lHash[:])
	db[len(db)-len(msg)-1] = 1
	copy(db[len(db)-len(msg):], msg)
	if _, err := io.ReadFull(random, seed); err != nil {
		return nil, err
	}
	mgf1XOR(db, seed)
	mgf1XOR(seed, db)

	limbs := (k + 3) / 4
	mod := newMontgomery(natFromBytes(nb, limbs))
	c := mod.exp(natFromBytes(em, limbs), e)
	return c.bytes(k), nil
}

// mgf1XOR xors out with MGF1-SHA1(seed) (RFC 8017 appendix B.2.1).
func mgf1XOR(out, seed []byte) {
	var counter [4]byte
	for done := 0; done < len(out); {
		h := sha1Sum(seed, counter[:])
		done += copyXOR(out[done:], h[:])
		for i := 3; i >= 0; i-- {
			counter[i]++
			if counter[i] != 0 {
				break
			}
		}
	}
}

func copyXOR(dst, src []byte) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] ^= src[i]
	}
	return n
}
