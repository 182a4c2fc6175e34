package token

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Encrypted tokens (JWE, RFC 7516), as websockify's JWTTokenApi accepts
// them: the same key file decrypts the token and verifies the signed
// token inside it. Supported: with an HMAC key, "dir" and A128KW, A192KW,
// A256KW; with an RSA private key, RSA-OAEP and RSA-OAEP-256; contents
// A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512.
// Not supported: ECDH-ES, AES-GCM key wrap, PBES2, and compressed
// contents ("zip", a decompression bomb for no gain in a token).
//
// Inside must be a signed token (JWS) that verifies with the key.
// websockify also takes claims from a second encrypted token inside the
// first, unsigned; with an RSA key anyone holding the public key can
// make such a pair, so that is refused here.

// maxJWEPlaintext bounds a decrypted token.
const maxJWEPlaintext = MaxTokenLen

type contentEnc struct {
	keyLen int // CEK bytes
	gcm    bool
	mac    func() hash.Hash // CBC-HMAC
}

var contentEncs = map[string]contentEnc{
	"A128GCM":       {16, true, nil},
	"A192GCM":       {24, true, nil},
	"A256GCM":       {32, true, nil},
	"A128CBC-HS256": {32, false, sha256.New},
	"A192CBC-HS384": {48, false, sha512.New384},
	"A256CBC-HS512": {64, false, sha512.New},
}

// decryptJWE returns the plaintext of a compact JWE.
func decryptJWE(key *Key, tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 5 {
		return "", refuse(ReasonMalformed, "not a JWE (want five parts)")
	}
	hdr, err := decodeObject(parts[0])
	if err != nil {
		return "", refuse(ReasonMalformed, "JWE header: "+err.Error())
	}
	alg, _ := hdr["alg"].(string)
	encName, _ := hdr["enc"].(string)
	if _, ok := hdr["zip"]; ok {
		return "", refuse(ReasonMalformed, "compressed JWE contents (zip) are not supported")
	}
	if _, ok := hdr["crit"]; ok {
		return "", refuse(ReasonMalformed, "crit header: no extensions are supported")
	}
	enc, ok := contentEncs[encName]
	if !ok {
		return "", refuse(ReasonAlgorithm, fmt.Sprintf("JWE content encryption %.20q is not accepted", encName))
	}
	var bin [4][]byte
	for i, p := range parts[1:] {
		if bin[i], err = b64(p); err != nil {
			return "", refuse(ReasonMalformed, "JWE part: "+err.Error())
		}
	}
	encKey, iv, ciphertext, tag := bin[0], bin[1], bin[2], bin[3]
	cek, err := contentKey(key, alg, encKey, enc.keyLen)
	if err != nil {
		return "", err
	}
	// The additional authenticated data is the header as sent.
	aad := []byte(parts[0])
	var plain []byte
	if enc.gcm {
		plain, err = openGCM(cek, iv, ciphertext, tag, aad)
	} else {
		plain, err = openCBCHMAC(enc.mac, cek, iv, ciphertext, tag, aad)
	}
	if err != nil {
		return "", refuse(ReasonSignature, "JWE does not decrypt: "+err.Error())
	}
	if len(plain) > maxJWEPlaintext {
		return "", refuse(ReasonMalformed, "JWE contents too long")
	}
	return string(plain), nil
}

// contentKey recovers the content encryption key. Like a JWS algorithm,
// the key management algorithm must fit the key file's type.
func contentKey(key *Key, alg string, encKey []byte, keyLen int) ([]byte, error) {
	bad := func() error {
		return refuse(ReasonAlgorithm, fmt.Sprintf("JWE algorithm %.20q does not fit the key (%v)", alg, key))
	}
	switch alg {
	case "dir":
		if key.secret == nil {
			return nil, bad()
		}
		if len(encKey) != 0 {
			return nil, refuse(ReasonMalformed, `"dir" with an encrypted key`)
		}
		if len(key.secret) != keyLen {
			return nil, refuse(ReasonAlgorithm, fmt.Sprintf(`"dir" needs a %d-byte key for this content encryption, the key file has %d`, keyLen, len(key.secret)))
		}
		return key.secret, nil
	case "A128KW", "A192KW", "A256KW":
		want := map[string]int{"A128KW": 16, "A192KW": 24, "A256KW": 32}[alg]
		if key.secret == nil || len(key.secret) != want {
			return nil, bad()
		}
		cek, err := aesKeyUnwrap(key.secret, encKey)
		if err != nil || len(cek) != keyLen {
			return nil, refuse(ReasonSignature, "JWE key does not unwrap")
		}
		return cek, nil
	case "RSA-OAEP", "RSA-OAEP-256":
		if key.rsaPriv == nil {
			return nil, bad()
		}
		h := sha1.New()
		if alg == "RSA-OAEP-256" {
			h = sha256.New()
		}
		cek, err := rsa.DecryptOAEP(h, nil, key.rsaPriv, encKey, nil)
		if err != nil || len(cek) != keyLen {
			return nil, refuse(ReasonSignature, "JWE key does not decrypt")
		}
		return cek, nil
	}
	return nil, refuse(ReasonAlgorithm, fmt.Sprintf("JWE algorithm %.20q is not accepted", alg))
}

func openGCM(cek, iv, ciphertext, tag, aad []byte) ([]byte, error) {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(iv) != g.NonceSize() || len(tag) != g.Overhead() {
		return nil, errors.New("bad IV or tag length")
	}
	return g.Open(nil, iv, append(ciphertext[:len(ciphertext):len(ciphertext)], tag...), aad)
}

// openCBCHMAC is RFC 7518 5.2.2.2: the key's first half authenticates,
// the second decrypts; the tag is the first half of HMAC(aad || iv ||
// ciphertext || bit length of aad).
func openCBCHMAC(mac func() hash.Hash, cek, iv, ciphertext, tag, aad []byte) ([]byte, error) {
	half := len(cek) / 2
	m := hmac.New(mac, cek[:half])
	m.Write(aad)
	m.Write(iv)
	m.Write(ciphertext)
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(aad))*8))
	want := m.Sum(nil)[:half]
	if subtle.ConstantTimeCompare(want, tag) != 1 {
		return nil, errors.New("authentication tag does not match")
	}
	block, err := aes.NewCipher(cek[half:])
	if err != nil {
		return nil, err
	}
	if len(iv) != aes.BlockSize || len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, errors.New("bad IV or ciphertext length")
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ciphertext)
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, errors.New("bad padding")
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, errors.New("bad padding")
		}
	}
	return plain[:len(plain)-pad], nil
}

// aesKeyUnwrap is RFC 3394's key unwrap with the default IV.
func aesKeyUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 24 || len(wrapped)%8 != 0 {
		return nil, errors.New("bad wrapped key length")
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(wrapped)/8 - 1
	a := binary.BigEndian.Uint64(wrapped)
	r := make([]byte, 8*n)
	copy(r, wrapped[8:])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(b[:8], a^t)
			copy(b[8:], r[8*(i-1):8*i])
			block.Decrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8])
			copy(r[8*(i-1):8*i], b[8:])
		}
	}
	if a != 0xA6A6A6A6A6A6A6A6 {
		return nil, errors.New("integrity check failed")
	}
	return r, nil
}
