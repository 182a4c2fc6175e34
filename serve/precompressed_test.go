//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestPrecompressedAndCaching: variants are sent only when accepted and
// true to the original; the versioned module is immutable, everything
// else revalidates with an ETag.
func TestPrecompressedAndCaching(t *testing.T) {
	web := t.TempDir()
	wasm := bytes.Repeat([]byte("\x00asm module bytes "), 1000)
	js := bytes.Repeat([]byte("console.log(1);"), 500)
	files := map[string][]byte{
		"app.wasm":        wasm,
		"app.wasm.gz":     gzipBytes(wasm), // as build.go writes it
		"app.js":          js,
		"app.js.br":       []byte("pretend brotli"),
		"app.js.gz":       gzipBytes([]byte("stale: not app.js")),
		"spice_auto.html": []byte("<!doctype html>"),
	}
	old := time.Now().Add(-time.Hour)
	for name, b := range files {
		p := filepath.Join(web, name)
		os.WriteFile(p, b, 0o644)
		os.Chtimes(p, old, old)
	}
	// build.go writes app.wasm.gz before app.wasm: times prove nothing.
	os.Chtimes(filepath.Join(web, "app.wasm"), old.Add(time.Second), old.Add(time.Second))
	sum := sha256.Sum256(wasm)
	version := hex.EncodeToString(sum[:8])

	tp := startProxy(t, "127.0.0.1:1", func(c *config) { c.web = web })
	// DisableCompression: send Accept-Encoding ourselves and see the raw
	// response.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(path, accept string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", tp.srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	tests := []struct {
		path, accept      string
		encoding, cache   string
		body              []byte
		contentType, vary string
	}{
		{"/app.wasm", "gzip", "gzip", "no-cache", files["app.wasm.gz"], "application/wasm", "Accept-Encoding"},
		{"/app.wasm", "", "", "no-cache", wasm, "application/wasm", "Accept-Encoding"},
		{"/app.wasm", "gzip;q=0, br", "", "no-cache", wasm, "application/wasm", "Accept-Encoding"},
		{"/app.wasm?v=" + version, "gzip", "gzip", "public, max-age=31536000, immutable", files["app.wasm.gz"], "application/wasm", "Accept-Encoding"},
		{"/app.wasm?v=0123456789abcdef", "", "", "no-cache", wasm, "application/wasm", "Accept-Encoding"}, // another build's version
		{"/app.js", "gzip, deflate, br", "br", "no-cache", files["app.js.br"], "text/javascript; charset=utf-8", "Accept-Encoding"},
		{"/app.js", "gzip", "", "no-cache", js, "text/javascript; charset=utf-8", "Accept-Encoding"}, // the .gz is not app.js
		{"/app.wasm.gz", "gzip", "", "no-cache", files["app.wasm.gz"], "application/gzip", ""},       // a file of its own
		{"/spice_auto.html", "br", "", "no-cache", files["spice_auto.html"], "text/html; charset=utf-8", "Accept-Encoding"},
	}
	for _, tt := range tests {
		resp, body := fetch(tt.path, tt.accept)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Encoding") != tt.encoding || h.Get("Cache-Control") != tt.cache ||
			!bytes.Equal(body, tt.body) || h.Get("Content-Type") != tt.contentType || h.Get("Vary") != tt.vary {
			t.Errorf("%s (Accept-Encoding %q): %d, encoding %q, cache %q, type %q, vary %q, %d bytes; want encoding %q, cache %q, type %q, vary %q, %d bytes",
				tt.path, tt.accept, resp.StatusCode, h.Get("Content-Encoding"), h.Get("Cache-Control"), h.Get("Content-Type"), h.Get("Vary"), len(body),
				tt.encoding, tt.cache, tt.contentType, tt.vary, len(tt.body))
		}
	}
	// Revalidation: the ETag answers 304, per encoding.
	resp, _ := fetch("/app.js", "br")
	tag := resp.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	if resp, _ := fetch("/app.js", "br", "If-None-Match", tag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the br ETag: %d, want 304", resp.StatusCode)
	}
	if resp, _ := fetch("/app.js", "", "If-None-Match", tag); resp.StatusCode != http.StatusOK {
		t.Errorf("the br ETag matched the identity response: %d", resp.StatusCode)
	}
	if resp, _ := fetch("/spice_auto.html", ""); resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("the page has no Referrer-Policy: its URL holds the token")
	}
	// A new build: the version changes, the old URL no longer matches.
	wasm2 := append(wasm, "v2"...)
	os.WriteFile(filepath.Join(web, "app.wasm"), wasm2, 0o644)
	if resp, body := fetch("/app.wasm?v="+version, "gzip"); resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Cache-Control") != "no-cache" || !bytes.Equal(body, wasm2) {
		t.Errorf("after a rebuild without a new .gz: encoding %q, cache %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
	}
}

func TestAcceptedEncodings(t *testing.T) {
	got := acceptedEncodings([]string{"gzip;q=0.5, BR ; q=1", "deflate;q=0", "identity"})
	if !got["gzip"] || !got["br"] || got["deflate"] || !got["identity"] {
		t.Fatalf("%v", got)
	}
}
