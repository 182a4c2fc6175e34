package token

import (
	"crypto"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: token files never panic, every entry has a valid target,
// and an error's line number is within the file.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/tokenfile/tokens.txt"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("a: h:1\nb: [::1]:2\n# c\n"))
	f.Add([]byte(": :\n:\t:\x00: \n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		entries, errs := Parse(src)
		lines := strings.Count(string(src), "\n") + 1
		for _, e := range errs {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("error on line %d of %d", e.Line, lines)
			}
		}
		for tok, target := range entries {
			if tok == "" || target.Port == 0 {
				t.Fatalf("entry %q: %v", tok, target)
			}
			if _, err := ParseTarget(target.Host, "1"); err != nil {
				t.Fatalf("entry %q: host %q: %v", tok, target.Host, err)
			}
		}
	})
}

// FuzzVerify: arbitrary tokens against each kind of key never panic, and
// a refusal always carries a reason. Seeds are the jwcrypto fixtures.
func FuzzVerify(f *testing.F) {
	dir := filepath.Join("testdata", "jwcrypto")
	var keys []*Key
	for _, name := range []string{"hs256.key", "rsa-private.pem", "p256.pem", "p384.pem", "ed25519.pem"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		k, err := ParseKey(b)
		if err != nil {
			f.Fatal(err)
		}
		keys = append(keys, k)
	}
	var cases []struct{ Token string }
	if b, err := os.ReadFile(filepath.Join(dir, "tokens.json")); err == nil {
		json.Unmarshal(b, &cases)
	}
	for _, c := range cases {
		f.Add(c.Token)
	}
	f.Add(makeJWT(m{"alg": "none"}, m{"host": "h", "port": 1}, nil))
	f.Add(makeJWT(m{"alg": "HS256"}, `{"host":"h","port":1e3,"exp":1e99}`, hmacSigner(crypto.SHA256, []byte("k"))))
	f.Fuzz(func(t *testing.T, tok string) {
		for _, k := range keys {
			target, err := Verify(k, tok, testNow)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Reason == "" {
					t.Fatalf("error without a reason: %v", err)
				}
				continue
			}
			if target.Port == 0 || target.Host == "" {
				t.Fatalf("accepted with target %v", target)
			}
		}
	})
}

// FuzzParseKey: key files never panic; a key is usable or an error.
func FuzzParseKey(f *testing.F) {
	for _, name := range []string{"hs256.key", "rsa.pem", "rsa-private.pem", "p256-private.pem", "ed25519.pem"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "jwcrypto", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseKey(data)
		if (k == nil) == (err == nil) {
			t.Fatalf("key %v and error %v", k, err)
		}
		if k != nil {
			_ = k.String()
		}
	})
}
