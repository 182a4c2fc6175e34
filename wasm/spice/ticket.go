package spice

import (
	"crypto/rsa"
	"crypto/sha1"
	"encoding/asn1"
	"io"
	"math/big"
)

// MaxPasswordLen is SPICE_MAX_PASSWORD_LENGTH: the server's buffer holds 60
// bytes, the terminating NUL included in what is encrypted.
const MaxPasswordLen = 60

// ErrPasswordTooLong is returned for passwords the server cannot accept.
var ErrPasswordTooLong = FormatError("password longer than 60 bytes")

// EncryptTicket encrypts password for the server's public key: RSA-OAEP
// with SHA-1 and an empty label over the password and a NUL, always 128
// bytes (reds.cpp reds_handle_ticket). An empty password is still sent.
func EncryptTicket(pubKeyDER []byte, password string, random io.Reader) ([]byte, error) {
	if len(password) > MaxPasswordLen {
		return nil, ErrPasswordTooLong
	}
	pub, err := parseRSAPublicKey(pubKeyDER)
	if err != nil {
		return nil, err
	}
	msg := append([]byte(password), 0)
	return rsa.EncryptOAEP(sha1.New(), random, pub, msg, nil)
}

// parseRSAPublicKey decodes a DER SubjectPublicKeyInfo holding an RSA key.
// It is written against encoding/asn1 instead of calling crypto/x509, which
// would add about a megabyte of certificate code to the wasm binary.
func parseRSAPublicKey(der []byte) (*rsa.PublicKey, error) {
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
	if key.N.Sign() <= 0 || key.E < 3 || key.N.BitLen() > 4096 {
		return nil, FormatError("link reply: unusable RSA public key")
	}
	return &rsa.PublicKey{N: key.N, E: key.E}, nil
}
