//go:build !js

package main

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxHashed bounds the files whose content the static server reads to
// check a version or a precompressed variant.
const maxHashed = 256 << 20

// variantCache remembers, per file version (modification time and size),
// its content hash and which precompressed variants match it, so each
// file is read once per build, not per request.
type variantCache struct {
	mu      sync.Mutex
	entries map[string]*fileFacts // by name
}

type fileFacts struct {
	mod     time.Time
	size    int64
	sum     []byte                 // SHA-256 of the content, nil until needed
	checked map[string]variantFact // by encoding
}

type variantFact struct {
	mod  time.Time
	size int64
	ok   bool
}

func (c *variantCache) facts(name string, fi fs.FileInfo) *fileFacts {
	if c.entries == nil {
		c.entries = map[string]*fileFacts{}
	}
	f := c.entries[name]
	if f == nil || !f.mod.Equal(fi.ModTime()) || f.size != fi.Size() {
		if len(c.entries) > 10000 {
			clear(c.entries)
		}
		f = &fileFacts{mod: fi.ModTime(), size: fi.Size(), checked: map[string]variantFact{}}
		c.entries[name] = f
	}
	return f
}

func sumReader(r io.Reader) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(r, maxHashed+1)); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

func (c *variantCache) sum(root *os.Root, name string, f *fileFacts) []byte {
	if f.sum == nil && f.size <= maxHashed {
		if fh, err := root.Open(name[1:]); err == nil {
			f.sum, _ = sumReader(fh)
			fh.Close()
		}
	}
	return f.sum
}

// version is the file's version as build.go writes it into URLs: the
// first 8 bytes of its SHA-256, in hex.
func (c *variantCache) version(root *os.Root, name string, fi fs.FileInfo) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := c.sum(root, name, c.facts(name, fi))
	if sum == nil {
		return ""
	}
	return hex.EncodeToString(sum[:8])
}

// variant opens name.br or name.gz when the client accepts that encoding
// and the file is a true copy of name: a .gz must inflate to exactly
// name's bytes (build.go writes app.wasm.gz before app.wasm, so times say
// nothing); a .br, which the standard library cannot read, must be no
// older than name. It returns nil when name should be sent as it is.
func (c *variantCache) variant(root *os.Root, r *http.Request, name string, fi fs.FileInfo) (*os.File, fs.FileInfo, string) {
	if strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".br") {
		return nil, nil, ""
	}
	accept := acceptedEncodings(r.Header.Values("Accept-Encoding"))
	for _, enc := range []string{"br", "gzip"} {
		if !accept[enc] {
			continue
		}
		ext := map[string]string{"br": ".br", "gzip": ".gz"}[enc]
		vf, err := root.Open(name[1:] + ext)
		if err != nil {
			continue
		}
		vfi, err := vf.Stat()
		if err != nil || !vfi.Mode().IsRegular() || !c.matches(root, name, fi, enc, vfi) {
			vf.Close()
			continue
		}
		return vf, vfi, enc
	}
	return nil, nil, ""
}

func (c *variantCache) matches(root *os.Root, name string, fi fs.FileInfo, enc string, vfi fs.FileInfo) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.facts(name, fi)
	if v, ok := f.checked[enc]; ok && v.mod.Equal(vfi.ModTime()) && v.size == vfi.Size() {
		return v.ok
	}
	ok := false
	switch enc {
	case "br":
		ok = !vfi.ModTime().Before(fi.ModTime())
	case "gzip":
		want := c.sum(root, name, f)
		if vf, err := root.Open(name[1:] + ".gz"); err == nil && want != nil {
			if zr, err := gzip.NewReader(vf); err == nil {
				got, err := sumReader(zr)
				ok = err == nil && string(got) == string(want)
			}
			vf.Close()
		}
	}
	f.checked[enc] = variantFact{mod: vfi.ModTime(), size: vfi.Size(), ok: ok}
	return ok
}

// acceptedEncodings reads Accept-Encoding: the codings with a q-value
// above zero.
func acceptedEncodings(values []string) map[string]bool {
	out := map[string]bool{}
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(val, 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				out[coding] = true
			}
		}
	}
	return out
}

// etag names a file version and encoding.
func etag(fi fs.FileInfo, encoding string) string {
	t := `"` + strconv.FormatInt(fi.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(fi.Size(), 36)
	if encoding != "" {
		t += "-" + encoding
	}
	return t + `"`
}
