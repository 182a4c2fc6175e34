package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// MaxKeyFileSize bounds a JWT key file: PEM keys and certificates are a
// few KB.
const MaxKeyFileSize = 1 << 20

// Key is the key a JWT must be signed with: an HMAC secret or a public
// key. Its type decides which algorithms a token may use: HS* only with a
// secret, RS*/PS* only with RSA, ES256/384/512 only with the matching
// curve, EdDSA only with Ed25519. That binding is what stops algorithm
// confusion (an HS256 token "signed" with the public key's text).
type Key struct {
	secret  []byte
	rsa     *rsa.PublicKey
	rsaPriv *rsa.PrivateKey // kept only to decrypt RSA-OAEP JWEs
	ec      *ecdsa.PublicKey
	ed      ed25519.PublicKey
}

// String describes the key without revealing it.
func (k *Key) String() string {
	switch {
	case k.secret != nil:
		return fmt.Sprintf("HMAC secret (%d bytes)", len(k.secret))
	case k.rsaPriv != nil:
		return fmt.Sprintf("RSA-%d private key", k.rsa.N.BitLen())
	case k.rsa != nil:
		return fmt.Sprintf("RSA-%d public key", k.rsa.N.BitLen())
	case k.ec != nil:
		return "ECDSA " + k.ec.Curve.Params().Name + " public key"
	default:
		return "Ed25519 public key"
	}
}

// ShortSecret reports an HMAC secret shorter than RFC 7518 section 3.2
// requires for HS256 (32 bytes); such a key works but deserves a warning.
func (k *Key) ShortSecret() bool { return k.secret != nil && len(k.secret) < 32 }

// ParseKey reads a key file as websockify's JWTTokenApi does: a PEM
// private key, public key or certificate (jwcrypto's import_from_pem, in
// that order of preference; a private key yields its public half, and an
// RSA one also decrypts RSA-OAEP JWEs), and
// otherwise the whole file as a JWK "k" value: the HMAC secret in
// base64url.
//
// Unlike websockify, a file that looks like PEM but holds no usable key
// (an encrypted private key, an unsupported key type) is an error rather
// than silently becoming an HMAC secret made of the PEM text, which would
// let anyone who has the public key mint HS256 tokens. White space
// around and inside the k value is ignored and both base64 alphabets are
// accepted, as Python's decoder does; anything else is an error.
func ParseKey(data []byte) (*Key, error) {
	if len(data) > MaxKeyFileSize {
		return nil, fmt.Errorf("key file larger than %d bytes", MaxKeyFileSize)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("key file is empty")
	case bytes.Contains(trimmed, []byte("-----BEGIN")):
		return parsePEMKey(trimmed)
	case trimmed[0] == '{':
		return nil, errors.New(`key file holds JSON: websockify's JWTTokenApi (and serve) read a PEM key or the bare base64url "k" value of an HMAC key`)
	}
	secret, err := decodeK(trimmed)
	if err != nil {
		return nil, fmt.Errorf("key file is neither PEM nor a base64url HMAC secret (JWK k): %v", err)
	}
	if len(secret) == 0 {
		return nil, errors.New("HMAC secret is empty")
	}
	return &Key{secret: secret}, nil
}

func decodeK(b []byte) ([]byte, error) {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case isSpace(c):
		case c == '+':
			sb.WriteByte('-')
		case c == '/':
			sb.WriteByte('_')
		default:
			sb.WriteByte(c)
		}
	}
	s := strings.TrimRight(sb.String(), "=")
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// parsePEMKey picks, like jwcrypto, a private key if there is one, else a
// public key, else a certificate's key.
func parsePEMKey(data []byte) (*Key, error) {
	var private, public, cert any
	var firstErr error
	note := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if _, enc := b.Headers["Proc-Type"]; enc || b.Type == "ENCRYPTED PRIVATE KEY" {
			note(errors.New("encrypted private keys are not supported: give the public key"))
			continue
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "PUBLIC KEY":
			k, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			k, err = x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				k = c.PublicKey
			}
		default:
			continue // EC PARAMETERS and the like
		}
		if err != nil {
			note(fmt.Errorf("PEM %s: %v", b.Type, err))
			continue
		}
		switch b.Type {
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if private == nil {
				private = k
			}
		case "CERTIFICATE":
			if cert == nil {
				cert = k
			}
		default:
			if public == nil {
				public = k
			}
		}
	}
	for _, k := range []any{private, public, cert} {
		if k != nil {
			return publicKey(k)
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, errors.New("no key or certificate in the PEM data")
}

func publicKey(k any) (*Key, error) {
	if priv, ok := k.(*rsa.PrivateKey); ok {
		return &Key{rsa: &priv.PublicKey, rsaPriv: priv}, nil
	}
	if s, ok := k.(interface{ Public() crypto.PublicKey }); ok {
		k = s.Public()
	}
	switch k := k.(type) {
	case *rsa.PublicKey:
		return &Key{rsa: k}, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return &Key{ec: k}, nil
		}
		return nil, fmt.Errorf("unsupported ECDSA curve %s (want P-256, P-384 or P-521)", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return &Key{ed: k}, nil
	}
	return nil, fmt.Errorf("unsupported key type %T (want RSA, ECDSA or Ed25519)", k)
}
