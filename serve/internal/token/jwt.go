package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	_ "crypto/sha256" // the hashes the algorithms name
	_ "crypto/sha512"
)

// alg is one JWS algorithm (RFC 7518 section 3) this package verifies.
type alg struct {
	hash crypto.Hash // 0 for EdDSA
	kind string      // "HMAC", "RSA", "PSS", "P-256", "P-384", "P-521", "Ed25519"
}

// algs are those jwcrypto accepts by default (jws.default_allowed_algs)
// that the standard library can verify: all but ES256K. "none" is not
// among them.
var algs = map[string]alg{
	"HS256": {crypto.SHA256, "HMAC"}, "HS384": {crypto.SHA384, "HMAC"}, "HS512": {crypto.SHA512, "HMAC"},
	"RS256": {crypto.SHA256, "RSA"}, "RS384": {crypto.SHA384, "RSA"}, "RS512": {crypto.SHA512, "RSA"},
	"PS256": {crypto.SHA256, "PSS"}, "PS384": {crypto.SHA384, "PSS"}, "PS512": {crypto.SHA512, "PSS"},
	"ES256": {crypto.SHA256, "P-256"}, "ES384": {crypto.SHA384, "P-384"}, "ES512": {crypto.SHA512, "P-521"},
	"EdDSA": {0, "Ed25519"},
}

// fits reports whether a may be used with k.
func (a alg) fits(k *Key) bool {
	switch a.kind {
	case "HMAC":
		return k.secret != nil
	case "RSA", "PSS":
		return k.rsa != nil
	case "Ed25519":
		return k.ed != nil
	default:
		return k.ec != nil && k.ec.Curve.Params().Name == a.kind
	}
}

// Verify checks a JWT (JWS compact serialization) against key at time now
// and returns the target its claims name. It follows websockify's
// JWTTokenApi with jwcrypto: the signature must verify with the key and
// an algorithm that fits it; the registered claims iss, sub, jti and typ
// must be strings and exp, nbf and iat numbers when present; a token is
// refused when now is past exp or before nbf (websockify's own check, no
// leeway); host and port name the target.
//
// An encrypted token (JWE, jwe.go) is decrypted with the same key and
// must hold a signed token, verified as above.
func Verify(key *Key, tok string, now time.Time) (Target, error) {
	if tok == "" || len(tok) > MaxTokenLen {
		return Target{}, refuse(ReasonMalformed, "empty or oversized token")
	}
	switch strings.Count(tok, ".") {
	case 2:
	case 4:
		inner, err := decryptJWE(key, tok)
		if err != nil {
			return Target{}, err
		}
		if strings.Count(inner, ".") != 2 {
			return Target{}, refuse(ReasonMalformed, "a JWE must hold a signed token (JWS)")
		}
		return Verify(key, inner, now)
	default:
		return Target{}, refuse(ReasonMalformed, "not a JWT (want header.payload.signature)")
	}
	h64, rest, _ := strings.Cut(tok, ".")
	p64, s64, _ := strings.Cut(rest, ".")
	hdr, err := decodeObject(h64)
	if err != nil {
		return Target{}, refuse(ReasonMalformed, "header: "+err.Error())
	}
	a, err := checkHeader(hdr, key)
	if err != nil {
		return Target{}, err
	}
	sig, err := b64(s64)
	if err != nil {
		return Target{}, refuse(ReasonMalformed, "signature: "+err.Error())
	}
	if err := a.verify(key, tok[:len(h64)+1+len(p64)], sig); err != nil {
		return Target{}, refuse(ReasonSignature, err.Error())
	}
	// Only now, with the signature verified, are the claims read.
	claims, err := decodeObject(p64)
	if err != nil {
		return Target{}, refuse(ReasonMalformed, "claims: "+err.Error())
	}
	return checkClaims(claims, now)
}

func checkHeader(hdr map[string]any, key *Key) (alg, error) {
	name, ok := hdr["alg"].(string)
	if !ok {
		return alg{}, refuse(ReasonAlgorithm, "no alg in the header")
	}
	a, ok := algs[name]
	if !ok {
		return alg{}, refuse(ReasonAlgorithm, fmt.Sprintf("algorithm %.20q is not accepted", name))
	}
	if !a.fits(key) {
		return alg{}, refuse(ReasonAlgorithm, fmt.Sprintf("algorithm %s does not fit the key (%v)", name, key))
	}
	if _, ok := hdr["enc"]; ok {
		return alg{}, refuse(ReasonMalformed, "enc in a signed token's header")
	}
	// crit names extensions the verifier must understand (RFC 7515
	// 4.1.11); this one understands none. b64:false (RFC 7797) would
	// change what is signed.
	if _, ok := hdr["crit"]; ok {
		return alg{}, refuse(ReasonMalformed, "crit header: no extensions are supported")
	}
	if v, ok := hdr["b64"]; ok && v != true {
		return alg{}, refuse(ReasonMalformed, "unencoded payloads (b64) are not supported")
	}
	return a, nil
}

var errSignature = errors.New("signature does not verify")

func (a alg) verify(k *Key, input string, sig []byte) error {
	var digest []byte
	if a.hash != 0 {
		h := a.hash.New()
		io.WriteString(h, input)
		digest = h.Sum(nil)
	}
	switch a.kind {
	case "HMAC":
		m := hmac.New(a.hash.New, k.secret)
		io.WriteString(m, input)
		if !hmac.Equal(m.Sum(nil), sig) {
			return errSignature
		}
	case "RSA":
		if rsa.VerifyPKCS1v15(k.rsa, a.hash, digest, sig) != nil {
			return errSignature
		}
	case "PSS":
		if rsa.VerifyPSS(k.rsa, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
			return errSignature
		}
	case "Ed25519":
		if !ed25519.Verify(k.ed, []byte(input), sig) {
			return errSignature
		}
	default:
		// RFC 7518 3.4: R and S as fixed-width big-endian integers.
		n := (k.ec.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*n {
			return fmt.Errorf("ECDSA signature is %d bytes, want %d", len(sig), 2*n)
		}
		r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
		if !ecdsa.Verify(k.ec, digest, r, s) {
			return errSignature
		}
	}
	return nil
}

func checkClaims(c map[string]any, now time.Time) (Target, error) {
	for _, name := range []string{"iss", "sub", "jti", "typ"} {
		if v, ok := c[name]; ok && v != nil {
			if _, ok := v.(string); !ok {
				return Target{}, refuse(ReasonClaims, name+" is not a string")
			}
		}
	}
	if v, ok := c["aud"]; ok && v != nil {
		switch v.(type) {
		case string, []any:
		default:
			return Target{}, refuse(ReasonClaims, "aud is not a string or a list")
		}
	}
	if v, ok := c["iat"]; ok && v != nil {
		if _, err := numericDate(v); err != nil {
			return Target{}, refuse(ReasonClaims, "iat: "+err.Error())
		}
	}
	t := float64(now.UnixNano()) / 1e9
	// websockify compares whenever the claim is present, so null fails
	// too.
	if v, ok := c["nbf"]; ok {
		nbf, err := numericDate(v)
		if err != nil {
			return Target{}, refuse(ReasonClaims, "nbf: "+err.Error())
		}
		if t < nbf {
			return Target{}, refuse(ReasonNotYetValid, fmt.Sprintf("not valid before %s", unixTime(nbf)))
		}
	}
	if v, ok := c["exp"]; ok {
		exp, err := numericDate(v)
		if err != nil {
			return Target{}, refuse(ReasonClaims, "exp: "+err.Error())
		}
		if t > exp {
			return Target{}, refuse(ReasonExpired, fmt.Sprintf("expired at %s", unixTime(exp)))
		}
	}
	host, ok := c["host"].(string)
	if !ok {
		return Target{}, refuse(ReasonClaims, "no host claim (a string)")
	}
	var port string
	switch p := c["port"].(type) {
	case json.Number:
		port = p.String()
	case string:
		port = p
	default:
		return Target{}, refuse(ReasonClaims, "no port claim (a number or a string)")
	}
	target, err := ParseTarget(host, port)
	if err != nil {
		return Target{}, refuse(ReasonClaims, err.Error())
	}
	return target, nil
}

func numericDate(v any) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errors.New("not a number")
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errors.New("not a finite number")
	}
	return f, nil
}

func unixTime(f float64) string {
	if f > 1e11 || f < -1e11 {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return time.Unix(int64(f), 0).UTC().Format(time.RFC3339)
}

// b64 decodes unpadded base64url, the only form RFC 7515 allows.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// decodeObject decodes a base64url JSON object, numbers kept as
// json.Number so exp and port keep their exact text.
func decodeObject(s string) (map[string]any, error) {
	b, err := b64(s)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, errors.New("not a JSON object")
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}
