package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of the verification tests: after the jwcrypto
// fixtures' nbf (2000) and before their exp (2100).
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func mustKey(t testing.TB, data []byte) *Key {
	t.Helper()
	k, err := ParseKey(data)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return k
}

func reasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// TestJwcryptoTokens: tokens minted by jwcrypto, websockify's JWT
// library, against the key files in the forms websockify reads; serve
// must reach websockify's own verdict (testdata/jwcrypto/gen.py ran
// websockify's JWTTokenApi.lookup on each).
func TestJwcryptoTokens(t *testing.T) {
	dir := filepath.Join("testdata", "jwcrypto")
	b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Key, Alg, Token, Reason string
		Websockify              *string
		ServeDiffers            string `json:"serve_differs"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 25 {
		t.Fatalf("only %d fixtures", len(cases))
	}
	for _, c := range cases {
		if c.ServeDiffers != "" {
			// Where serve is stricter on purpose: it must refuse.
			c.Websockify = nil
		}
		keys := []string{c.Key}
		if strings.HasSuffix(c.Key, ".pem") && !strings.HasSuffix(c.Key, "-private.pem") && !strings.Contains(c.Alg, "+") {
			// The private key file works too (its public half).
			keys = append(keys, strings.TrimSuffix(c.Key, ".pem")+"-private.pem")
		}
		for _, kf := range keys {
			data, err := os.ReadFile(filepath.Join(dir, kf))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Verify(mustKey(t, data), c.Token, testNow)
			switch {
			case c.Websockify != nil && err != nil:
				t.Errorf("%s %s: refused (%v); websockify accepts it as %s", kf, c.Alg, err, *c.Websockify)
			case c.Websockify != nil && got.String() != *c.Websockify:
				t.Errorf("%s %s: target %s; websockify says %s", kf, c.Alg, got, *c.Websockify)
			case c.Websockify == nil && err == nil:
				t.Errorf("%s %s: accepted as %s; websockify refuses it", kf, c.Alg, got)
			case c.Websockify == nil && string(reasonOf(err)) != c.Reason:
				t.Errorf("%s %s: refused with %v, want reason %s", kf, c.Alg, err, c.Reason)
			}
		}
	}
}

// signer signs a JWS signing input.
type signer func(input string) []byte

func hmacSigner(h crypto.Hash, secret []byte) signer {
	return func(in string) []byte {
		m := hmac.New(h.New, secret)
		io.WriteString(m, in)
		return m.Sum(nil)
	}
}

func rsaSigner(k *rsa.PrivateKey, h crypto.Hash, pss bool) signer {
	return func(in string) []byte {
		d := h.New()
		io.WriteString(d, in)
		var sig []byte
		var err error
		if pss {
			sig, err = rsa.SignPSS(rand.Reader, k, h, d.Sum(nil), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, d.Sum(nil))
		}
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func ecSigner(k *ecdsa.PrivateKey, h crypto.Hash) signer {
	return func(in string) []byte {
		d := h.New()
		io.WriteString(d, in)
		r, s, err := ecdsa.Sign(rand.Reader, k, d.Sum(nil))
		if err != nil {
			panic(err)
		}
		n := (k.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*n)
		r.FillBytes(sig[:n])
		s.FillBytes(sig[n:])
		return sig
	}
}

func enc(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// makeJWT builds header.claims.signature; header and claims are JSON
// values or, as strings, raw JSON text.
func makeJWT(header, claims any, sign signer) string {
	part := func(v any) string {
		if s, ok := v.(string); ok {
			return base64.RawURLEncoding.EncodeToString([]byte(s))
		}
		return enc(v)
	}
	in := part(header) + "." + part(claims)
	var sig []byte
	if sign != nil {
		sig = sign(in)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

type m = map[string]any

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestVerify(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	hsKey := &Key{secret: secret}
	rsaPriv, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaDER, _ := x509.MarshalPKIXPublicKey(&rsaPriv.PublicKey)
	rsaPEM := pemOf("PUBLIC KEY", rsaDER)
	rsaKey := mustKey(t, rsaPEM)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p256DER, _ := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	p256Key := mustKey(t, pemOf("PUBLIC KEY", p256DER))
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edKey := &Key{ed: edPub}

	hs := hmacSigner(crypto.SHA256, secret)
	ok := m{"host": "10.0.0.5", "port": 5900}
	future, past := testNow.Add(time.Hour).Unix(), testNow.Add(-time.Hour).Unix()
	tests := []struct {
		name   string
		key    *Key
		tok    string
		target string // "" when refused
		reason Reason
	}{
		{"HS256", hsKey, makeJWT(m{"alg": "HS256", "typ": "JWT"}, ok, hs), "10.0.0.5:5900", ""},
		{"HS512", hsKey, makeJWT(m{"alg": "HS512"}, ok, hmacSigner(crypto.SHA512, secret)), "10.0.0.5:5900", ""},
		{"RS256", rsaKey, makeJWT(m{"alg": "RS256"}, ok, rsaSigner(rsaPriv, crypto.SHA256, false)), "10.0.0.5:5900", ""},
		{"PS256", rsaKey, makeJWT(m{"alg": "PS256"}, ok, rsaSigner(rsaPriv, crypto.SHA256, true)), "10.0.0.5:5900", ""},
		{"ES256", p256Key, makeJWT(m{"alg": "ES256"}, ok, ecSigner(p256, crypto.SHA256)), "10.0.0.5:5900", ""},
		{"EdDSA", edKey, makeJWT(m{"alg": "EdDSA"}, ok, func(in string) []byte { return ed25519.Sign(edPriv, []byte(in)) }), "10.0.0.5:5900", ""},
		{"port as string", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "vm.example", "port": "5901"}, hs), "vm.example:5901", ""},
		{"IPv6 host", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "fd00::7", "port": 5900}, hs), "[fd00::7]:5900", ""},
		{"exp and nbf in range", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "exp": future, "nbf": past, "iat": past}, hs), "h:1", ""},
		{"fractional exp", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "exp": float64(future) + 0.5}, hs), "h:1", ""},
		{"unknown claims and headers ignored", hsKey, makeJWT(m{"alg": "HS256", "kid": "k1", "x": 1}, m{"host": "h", "port": 1, "vm": "x", "aud": []any{"a", 1}}, hs), "h:1", ""},

		// The algorithm.
		{"alg none", hsKey, makeJWT(m{"alg": "none"}, ok, nil), "", ReasonAlgorithm},
		{"alg None", hsKey, makeJWT(m{"alg": "None"}, ok, nil), "", ReasonAlgorithm},
		{"alg none with a signature", hsKey, makeJWT(m{"alg": "none"}, ok, hs), "", ReasonAlgorithm},
		{"no alg", hsKey, makeJWT(m{"typ": "JWT"}, ok, hs), "", ReasonAlgorithm},
		{"alg not a string", hsKey, makeJWT(m{"alg": 256}, ok, hs), "", ReasonAlgorithm},
		{"alg unknown", hsKey, makeJWT(m{"alg": "HS1"}, ok, hs), "", ReasonAlgorithm},
		{"ES256K unsupported", p256Key, makeJWT(m{"alg": "ES256K"}, ok, ecSigner(p256, crypto.SHA256)), "", ReasonAlgorithm},
		// Algorithm confusion: an HMAC made with the public key's text or
		// bytes, as a verifier that lets the token pick the algorithm
		// would accept.
		{"HS256 keyed with the public PEM", rsaKey, makeJWT(m{"alg": "HS256"}, ok, hmacSigner(crypto.SHA256, rsaPEM)), "", ReasonAlgorithm},
		{"HS256 keyed with the public DER", rsaKey, makeJWT(m{"alg": "HS256"}, ok, hmacSigner(crypto.SHA256, rsaDER)), "", ReasonAlgorithm},
		{"RS256 against an HMAC key", hsKey, makeJWT(m{"alg": "RS256"}, ok, rsaSigner(rsaPriv, crypto.SHA256, false)), "", ReasonAlgorithm},
		{"ES256 against RSA", rsaKey, makeJWT(m{"alg": "ES256"}, ok, ecSigner(p256, crypto.SHA256)), "", ReasonAlgorithm},
		{"ES384 against P-256", p256Key, makeJWT(m{"alg": "ES384"}, ok, ecSigner(p384, crypto.SHA384)), "", ReasonAlgorithm},
		{"EdDSA against an HMAC key", hsKey, makeJWT(m{"alg": "EdDSA"}, ok, func(in string) []byte { return ed25519.Sign(edPriv, []byte(in)) }), "", ReasonAlgorithm},

		// The signature.
		{"wrong secret", hsKey, makeJWT(m{"alg": "HS256"}, ok, hmacSigner(crypto.SHA256, []byte("another secret, as long as the 1st"))), "", ReasonSignature},
		{"other RSA key", rsaKey, makeJWT(m{"alg": "RS256"}, ok, rsaSigner(mustRSA(t), crypto.SHA256, false)), "", ReasonSignature},
		{"PS256 signed as RS256", rsaKey, makeJWT(m{"alg": "PS256"}, ok, rsaSigner(rsaPriv, crypto.SHA256, false)), "", ReasonSignature},
		{"empty signature", hsKey, makeJWT(m{"alg": "HS256"}, ok, nil), "", ReasonSignature},
		{"ES256 signature too short", p256Key, makeJWT(m{"alg": "ES256"}, ok, func(string) []byte { return make([]byte, 63) }), "", ReasonSignature},
		{"ES256 zero signature", p256Key, makeJWT(m{"alg": "ES256"}, ok, func(string) []byte { return make([]byte, 64) }), "", ReasonSignature},
		{"embedded jwk header is not trusted", p256Key, makeJWT(m{"alg": "ES256", "jwk": m{"kty": "EC"}}, ok, ecSigner(mustEC(t), crypto.SHA256)), "", ReasonSignature},
		{"tampered claims", hsKey, tamper(makeJWT(m{"alg": "HS256"}, ok, hs), m{"host": "10.0.0.6", "port": 5900}), "", ReasonSignature},

		// The shape.
		{"JWE garbage", hsKey, "a.b.c.d.e", "", ReasonMalformed},
		{"two parts", hsKey, "a.b", "", ReasonMalformed},
		{"empty", hsKey, "", "", ReasonMalformed},
		{"oversized", hsKey, strings.Repeat("a", MaxTokenLen+1), "", ReasonMalformed},
		{"padded header", hsKey, "eyJhbGciOiJIUzI1NiJ9=." + strings.SplitN(makeJWT(m{"alg": "HS256"}, ok, hs), ".", 2)[1], "", ReasonMalformed},
		{"header not JSON", hsKey, makeJWT("{alg:HS256}", ok, hs), "", ReasonMalformed},
		{"header a list", hsKey, makeJWT(`["HS256"]`, ok, hs), "", ReasonMalformed},
		{"header with trailing data", hsKey, makeJWT(`{"alg":"HS256"}{}`, ok, hs), "", ReasonMalformed},
		{"header null", hsKey, makeJWT(`null`, ok, hs), "", ReasonMalformed},
		{"crit", hsKey, makeJWT(m{"alg": "HS256", "crit": []string{"exp"}}, ok, hs), "", ReasonMalformed},
		{"b64 false", hsKey, makeJWT(m{"alg": "HS256", "b64": false, "crit": []string{"b64"}}, ok, hs), "", ReasonMalformed},
		{"enc in a JWS", hsKey, makeJWT(m{"alg": "HS256", "enc": "A256GCM"}, ok, hs), "", ReasonMalformed},
		{"claims not JSON", hsKey, makeJWT(m{"alg": "HS256"}, "host=h", hs), "", ReasonMalformed},
		{"claims NaN", hsKey, makeJWT(m{"alg": "HS256"}, `{"host":"h","port":1,"exp":NaN}`, hs), "", ReasonMalformed},

		// The claims.
		{"expired", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "exp": past}, hs), "", ReasonExpired},
		{"expired a second ago", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "exp": testNow.Unix() - 1}, hs), "", ReasonExpired},
		{"not yet valid", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "nbf": future}, hs), "", ReasonNotYetValid},
		{"exp null", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "exp": nil}, hs), "", ReasonClaims},
		{"exp a string", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "exp": "4102444800"}, hs), "", ReasonClaims},
		{"exp overflows", hsKey, makeJWT(m{"alg": "HS256"}, `{"host":"h","port":1,"exp":1e999}`, hs), "", ReasonClaims},
		{"nbf true", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "nbf": true}, hs), "", ReasonClaims},
		{"iat a string", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "iat": "x"}, hs), "", ReasonClaims},
		{"iss a number", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "iss": 7}, hs), "", ReasonClaims},
		{"aud a number", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1, "aud": 7}, hs), "", ReasonClaims},
		{"no host", hsKey, makeJWT(m{"alg": "HS256"}, m{"port": 1}, hs), "", ReasonClaims},
		{"host a number", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": 10, "port": 1}, hs), "", ReasonClaims},
		{"host with a path", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "evil.example/x", "port": 1}, hs), "", ReasonClaims},
		{"host with user info", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "a@b", "port": 1}, hs), "", ReasonClaims},
		{"host with a zone", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "fe80::1%eth0", "port": 1}, hs), "", ReasonClaims},
		{"host empty", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "", "port": 1}, hs), "", ReasonClaims},
		{"no port", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h"}, hs), "", ReasonClaims},
		{"port 0", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 0}, hs), "", ReasonClaims},
		{"port too big", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 65536}, hs), "", ReasonClaims},
		{"port fractional", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 5900.5}, hs), "", ReasonClaims},
		{"port negative", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": -1}, hs), "", ReasonClaims},
		{"port a list", hsKey, makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": []int{1}}, hs), "", ReasonClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Verify(tt.key, tt.tok, testNow)
			if tt.target != "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.String() != tt.target {
					t.Fatalf("target %s, want %s", got, tt.target)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted as %s", got)
			}
			if r := reasonOf(err); r != tt.reason {
				t.Fatalf("refused with %v (reason %q), want reason %q", err, r, tt.reason)
			}
			if strings.Contains(err.Error(), tt.tok) && tt.tok != "" {
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEC(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// tamper replaces a token's claims and keeps its signature.
func tamper(tok string, claims m) string {
	p := strings.Split(tok, ".")
	p[1] = enc(claims)
	return strings.Join(p, ".")
}

func TestParseKey(t *testing.T) {
	rsaPriv := mustRSA(t)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(rsaPriv)
	pkix, _ := x509.MarshalPKIXPublicKey(&rsaPriv.PublicKey)
	ec := mustEC(t)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p224DER, _ := x509.MarshalPKIXPublicKey(&p224.PublicKey)
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1, 2, 3}})
	tests := []struct {
		name string
		data []byte
		want string // Key.String(), or "error: <substring>"
	}{
		{"PKIX public", pemOf("PUBLIC KEY", pkix), "RSA-2048 public key"},
		{"PKCS#1 public", pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaPriv.PublicKey)), "RSA-2048 public key"},
		{"PKCS#8 private", pemOf("PRIVATE KEY", pkcs8), "RSA-2048 private key"},
		{"PKCS#1 private", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaPriv)), "RSA-2048 private key"},
		{"SEC1 private after EC PARAMETERS", append(pemOf("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}), pemOf("EC PRIVATE KEY", sec1)...), "ECDSA P-256 public key"},
		{"certificate", pemOf("CERTIFICATE", selfSigned(t, ec)), "ECDSA P-256 public key"},
		{"private key preferred over a certificate", append(pemOf("CERTIFICATE", selfSigned(t, ec)), pemOf("PRIVATE KEY", pkcs8)...), "RSA-2048 private key"},
		{"HMAC k", []byte("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"), "HMAC secret (34 bytes)"},
		{"HMAC k with a newline", []byte("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA\n"), "HMAC secret (34 bytes)"},
		{"HMAC k padded, standard alphabet", []byte("+/+/"), "HMAC secret (3 bytes)"},
		{"empty", []byte(" \n"), "error: empty"},
		{"JSON JWK", []byte(`{"kty":"oct","k":"c2VjcmV0"}`), "error: JSON"},
		{"not base64", []byte("my secret passphrase!"), "error: neither PEM nor"},
		{"encrypted private key", encrypted, "error: encrypted"},
		{"PKCS#8 encrypted", pemOf("ENCRYPTED PRIVATE KEY", []byte{1}), "error: encrypted"},
		{"corrupt PEM", pemOf("PUBLIC KEY", []byte("garbage")), "error: PEM PUBLIC KEY"},
		{"PEM without a key", pemOf("X509 CRL", []byte{1}), "error: no key"},
		{"PEM header only", []byte("-----BEGIN PUBLIC KEY-----\nAAAA"), "error: no key"},
		{"P-224", pemOf("PUBLIC KEY", p224DER), "error: unsupported ECDSA curve"},
		{"too big", make([]byte, MaxKeyFileSize+1), "error: larger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.data)
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil {
					t.Fatalf("got %v, want an error", k)
				}
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q does not say %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.String() != tt.want {
				t.Fatalf("key %v, want %s", k, tt.want)
			}
		})
	}
}

func selfSigned(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: testNow, NotAfter: testNow.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestJWTKeyFile: the key file is followed like websockify's (which
// reads it on every lookup); an unusable file fails closed.
func TestJWTKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jwt.key")
	k1 := []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY") // 32 bytes
	k2 := []byte("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA")
	if err := os.WriteFile(path, k1, 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &strings.Builder{}
	j, err := OpenJWT(path, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	clock := testNow
	j.now = func() time.Time { return clock }
	tok := func(k []byte) string {
		secret, _ := base64.RawURLEncoding.DecodeString(string(k))
		return makeJWT(m{"alg": "HS256"}, m{"host": "h", "port": 1}, hmacSigner(crypto.SHA256, secret))
	}
	if _, err := j.Lookup(tok(k1)); err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) {
		// A new modification time, as a rotation has.
		os.WriteFile(path, b, 0o600)
		clock = clock.Add(2 * rescanEvery)
		os.Chtimes(path, clock, clock)
	}
	write(k2)
	if _, err := j.Lookup(tok(k1)); reasonOf(err) != ReasonSignature {
		t.Fatalf("old key after rotation: %v, want %s", err, ReasonSignature)
	}
	if _, err := j.Lookup(tok(k2)); err != nil {
		t.Fatalf("new key after rotation: %v", err)
	}
	write([]byte("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"))
	if _, err := j.Lookup(tok(k2)); reasonOf(err) != ReasonNoKey {
		t.Fatalf("broken key file: %v, want %s", err, ReasonNoKey)
	}
	os.Remove(path)
	clock = clock.Add(2 * rescanEvery)
	if _, err := j.Lookup(tok(k2)); reasonOf(err) != ReasonNoKey {
		t.Fatalf("missing key file: %v, want %s", err, ReasonNoKey)
	}
	write(k1)
	j.Reload()
	if _, err := j.Lookup(tok(k1)); err != nil {
		t.Fatalf("restored key: %v", err)
	}
	if strings.Contains(logs.String(), string(k1)) || strings.Contains(logs.String(), string(k2)) {
		t.Errorf("the log shows a key:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "every token is refused") {
		t.Errorf("the log does not report the broken key file:\n%s", logs)
	}
}

// TestJWERefusals: encrypted tokens that must not pass, made from the
// jwcrypto fixtures.
func TestJWERefusals(t *testing.T) {
	dir := filepath.Join("testdata", "jwcrypto")
	var cases []struct{ Key, Alg, Token string }
	b, _ := os.ReadFile(filepath.Join(dir, "tokens.json"))
	json.Unmarshal(b, &cases)
	find := func(alg string) string {
		for _, c := range cases {
			if c.Alg == alg {
				return c.Token
			}
		}
		t.Fatalf("no fixture %s", alg)
		return ""
	}
	key := func(name string) *Key {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return mustKey(t, data)
	}
	hs, rsaPriv, rsaPub := key("hs256.key"), key("rsa-private.pem"), key("rsa.pem")
	dirGCM, kw, oaep := find("dir+A256GCM"), find("A256KW+A256GCM"), find("RSA-OAEP+A256GCM")
	other := &Key{secret: []byte("ffffffffffffffffffffffffffffffff")}
	flip := func(tok string, part int) string {
		p := strings.Split(tok, ".")
		b, _ := base64.RawURLEncoding.DecodeString(p[part])
		b[len(b)/2] ^= 1
		p[part] = base64.RawURLEncoding.EncodeToString(b)
		return strings.Join(p, ".")
	}
	header := func(tok string, h m) string {
		p := strings.Split(tok, ".")
		p[0] = enc(h)
		return strings.Join(p, ".")
	}
	tests := []struct {
		name   string
		key    *Key
		tok    string
		reason Reason
	}{
		{"dir with another secret", other, dirGCM, ReasonSignature},
		{"key wrap with another secret", other, kw, ReasonSignature},
		{"tampered ciphertext", hs, flip(dirGCM, 3), ReasonSignature},
		{"tampered tag", hs, flip(kw, 4), ReasonSignature},
		{"tampered wrapped key", hs, flip(kw, 1), ReasonSignature},
		{"header changed (it is authenticated)", hs, header(dirGCM, m{"alg": "dir", "enc": "A256GCM", "kid": "x"}), ReasonSignature},
		{"RSA-OAEP with the public key only", rsaPub, oaep, ReasonAlgorithm},
		{"RSA-OAEP against an HMAC key", hs, oaep, ReasonAlgorithm},
		{"dir against an RSA key", rsaPriv, dirGCM, ReasonAlgorithm},
		{"unknown enc", hs, header(dirGCM, m{"alg": "dir", "enc": "A256CTR"}), ReasonAlgorithm},
		{"unknown alg", hs, header(dirGCM, m{"alg": "PBES2-HS256+A128KW", "enc": "A256GCM"}), ReasonAlgorithm},
		{"zip", hs, header(dirGCM, m{"alg": "dir", "enc": "A256GCM", "zip": "DEF"}), ReasonMalformed},
		{"dir with a 16-byte content key", hs, header(dirGCM, m{"alg": "dir", "enc": "A128GCM"}), ReasonAlgorithm},
	}
	for _, tt := range tests {
		_, err := Verify(tt.key, tt.tok, testNow)
		if r := reasonOf(err); r != tt.reason {
			t.Errorf("%s: %v (reason %q), want reason %q", tt.name, err, r, tt.reason)
		}
	}
}

func TestAESKeyUnwrap(t *testing.T) {
	// RFC 3394 section 4.6: 256-bit key data with a 256-bit KEK.
	kek, _ := hex.DecodeString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
	wrapped, _ := hex.DecodeString("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
	want, _ := hex.DecodeString("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
	got, err := aesKeyUnwrap(kek, wrapped)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("unwrap = %x, %v", got, err)
	}
	wrapped[3] ^= 1
	if _, err := aesKeyUnwrap(kek, wrapped); err == nil {
		t.Fatal("a corrupted key unwrapped")
	}
}
