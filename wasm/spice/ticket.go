package spice

import (
	"crypto/sha1"
	"encoding/asn1"
	"encoding/binary"
	"io"
	"math/big"
)

// MaxPasswordLen is SPICE_MAX_PASSWORD_LENGTH: the server's buffer holds 60
// bytes, the terminating NUL included in what is encrypted.
const MaxPasswordLen = 60

// ErrPasswordTooLong is returned for passwords the server cannot accept.
var ErrPasswordTooLong = FormatError("password longer than 60 bytes")

// rsaPublicKey is the part of an RSA key encryption needs.
type rsaPublicKey struct {
	n *big.Int
	e int
}

// EncryptTicket encrypts password for the server's public key: RSA-OAEP
// with SHA-1, MGF1-SHA-1 and an empty label over the password and a NUL
// (reds.cpp reds_handle_ticket), as many bytes as the modulus (128 for
// the server's 1024-bit key). An empty password is still sent.
//
// OAEP is written here (RFC 8017 section 7.1.1) over math/big instead of
// calling crypto/rsa, whose FIPS module adds about 150 KB to the
// compressed wasm. Only public-key encryption is done, so the constant-time
// concerns of decryption and signing do not arise; the tests check the
// result by decrypting with crypto/rsa.
func EncryptTicket(pubKeyDER []byte, password string, random io.Reader) ([]byte, error) {
	if len(password) > MaxPasswordLen {
		return nil, ErrPasswordTooLong
	}
	pub, err := parseRSAPublicKey(pubKeyDER)
	if err != nil {
		return nil, err
	}
	return encryptOAEP(pub, append([]byte(password), 0), random)
}

func encryptOAEP(pub *rsaPublicKey, msg []byte, random io.Reader) ([]byte, error) {
	const hLen = sha1.Size
	k := (pub.n.BitLen() + 7) / 8
	if len(msg) > k-2*hLen-2 {
		return nil, FormatError("public key too small for the ticket")
	}
	// EM = 0x00 || maskedSeed || maskedDB, DB = lHash || PS || 0x01 || M.
	em := make([]byte, k)
	seed := em[1 : 1+hLen]
	db := em[1+hLen:]
	lHash := sha1.Sum(nil)
	copy(db, lHash[:])
	db[len(db)-len(msg)-1] = 1
	copy(db[len(db)-len(msg):], msg)
	if _, err := io.ReadFull(random, seed); err != nil {
		return nil, err
	}
	mgf1XOR(db, seed)
	mgf1XOR(seed, db)

	m := new(big.Int).SetBytes(em)
	c := m.Exp(m, big.NewInt(int64(pub.e)), pub.n)
	return c.FillBytes(make([]byte, k)), nil
}

// mgf1XOR xors out with MGF1-SHA1(seed) (RFC 8017 appendix B.2.1).
func mgf1XOR(out, seed []byte) {
	var counter [4]byte
	buf := make([]byte, 0, len(seed)+4)
	for done := 0; done < len(out); {
		h := sha1.Sum(append(append(buf[:0], seed...), counter[:]...))
		for i := 0; i < len(h) && done < len(out); i++ {
			out[done] ^= h[i]
			done++
		}
		binary.BigEndian.PutUint32(counter[:], binary.BigEndian.Uint32(counter[:])+1)
	}
}

// parseRSAPublicKey decodes a DER SubjectPublicKeyInfo holding an RSA key.
// It is written against encoding/asn1 instead of calling crypto/x509, which
// would add about a megabyte of certificate code to the wasm binary.
func parseRSAPublicKey(der []byte) (*rsaPublicKey, error) {
	var spki struct {
		Algorithm struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}
		Key asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &spki); err != nil || len(rest) != 0 {
		return nil, FormatError("link reply: public key is not DER SubjectPublicKeyInfo")
	}
	if !spki.Algorithm.OID.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}) {
		return nil, UnsupportedError("public key algorithm " + spki.Algorithm.OID.String())
	}
	var key struct {
		N *big.Int
		E int
	}
	if rest, err := asn1.Unmarshal(spki.Key.RightAlign(), &key); err != nil || len(rest) != 0 {
		return nil, FormatError("link reply: bad RSA public key")
	}
	if key.N.Sign() <= 0 || key.E < 3 || key.E&1 == 0 || key.N.BitLen() < 512 || key.N.BitLen() > 4096 {
		return nil, FormatError("link reply: unusable RSA public key")
	}
	return &rsaPublicKey{n: key.N, e: key.E}, nil
}
