//go:build !js

package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStaticFiles(t *testing.T) {
	web := t.TempDir()
	gz := []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0x02, 0xff, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	files := map[string][]byte{
		"spice_auto.html":     []byte("<!doctype html><title>x</title>"),
		"app.js":              []byte("(()=>{})();"),
		"app.js.map":          []byte("{}"),
		"wasm_exec.js":        []byte("'use strict';"),
		"app.wasm":            []byte("\x00asm\x01\x00\x00\x00"),
		"app.wasm.gz":         gz,
		"style.css":           []byte("body{}"),
		"img/logo.svg":        []byte("<svg/>"),
		"blob.unknownext":     []byte("?"),
		".hidden":             []byte("secret"),
		"img/.git/config":     []byte("secret"),
		"no-extension-at-all": []byte("x"),
	}
	for name, b := range files {
		os.MkdirAll(filepath.Join(web, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(web, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(t.TempDir(), "outside.txt")
	os.WriteFile(outside, []byte("outside"), 0o644)
	os.Symlink(outside, filepath.Join(web, "escape.txt"))

	tp := startProxy(t, "127.0.0.1:1", func(c *config) { c.web = web })
	tests := []struct {
		path   string
		status int
		ctype  string
		body   []byte
	}{
		{"/spice_auto.html?host=h&port=1", 200, "text/html; charset=utf-8", files["spice_auto.html"]},
		{"/app.js", 200, "text/javascript; charset=utf-8", files["app.js"]},
		{"/app.js.map", 200, "application/json", files["app.js.map"]},
		{"/wasm_exec.js", 200, "text/javascript; charset=utf-8", files["wasm_exec.js"]},
		{"/app.wasm", 200, "application/wasm", files["app.wasm"]},
		{"/app.wasm.gz", 200, "application/gzip", gz},
		{"/style.css", 200, "text/css; charset=utf-8", files["style.css"]},
		{"/img/logo.svg", 200, "image/svg+xml", files["img/logo.svg"]},
		{"/blob.unknownext", 200, "application/octet-stream", files["blob.unknownext"]},
		{"/missing.js", 404, "", nil},
		{"/img", 404, "", nil},
		{"/img/", 404, "", nil},
		{"/.hidden", 404, "", nil},
		{"/img/.git/config", 404, "", nil},
		{"/../app.js", 200, "text/javascript; charset=utf-8", files["app.js"]}, // cleaned to /app.js
		{"/escape.txt", 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tp.srv.URL+tt.path, nil)
			// Ask for gzip explicitly: the transport then leaves the body
			// alone, and the server must still not add Content-Encoding.
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding %q, want none", ce)
			}
			if !bytes.Equal(body, tt.body) {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff header")
			}
		})
	}

	t.Run("root redirects to the page with its query", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(tp.srv.URL + "/?host=h&token=x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/spice_auto.html?host=h&token=x" {
			t.Fatalf("status %d, Location %q", resp.StatusCode, loc)
		}
		os.WriteFile(filepath.Join(web, "index.html"), []byte("index"), 0o644)
		resp, err = client.Get(tp.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "index" {
			t.Fatalf("with index.html, / served %q", body)
		}
	})

	t.Run("HEAD and POST", func(t *testing.T) {
		resp, err := http.Head(tp.srv.URL + "/app.wasm.gz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.ContentLength != int64(len(gz)) {
			t.Fatalf("HEAD: status %d, length %d", resp.StatusCode, resp.ContentLength)
		}
		resp, err = http.Post(tp.srv.URL+"/app.js", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("POST: status %d", resp.StatusCode)
		}
	})
}

func TestWebDirMissing(t *testing.T) {
	if _, _, err := newHandler(config{web: filepath.Join(t.TempDir(), "nope"), target: "127.0.0.1:1"}, nil); err == nil {
		t.Fatal("no error for a missing web directory")
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-target", "127.0.0.1:5900", "-allow-origin", "a.example, https://b.example", "-allow-origin=*"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:8080" || c.web != "dist" || c.target != "127.0.0.1:5900" || strings.Join(c.origins, "|") != "a.example|https://b.example|*" {
		t.Fatalf("config %+v", c)
	}
	for _, args := range [][]string{{"-target", "nohostport"}, {"-target", "h:1", "extra"},
		{"-target", "h:1", "-replay", "dir"}, {"-record", "dir"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q): no error", args)
		}
	}
	// No target: a replay, of -replay's directory or of the built-in demo.
	for _, args := range [][]string{{}, {"-replay", "caps"}} {
		if c, err := parseFlags(args, io.Discard); err != nil || c.routing() != "replay" {
			t.Errorf("parseFlags(%q) = %+v, %v; want a replay", args, c, err)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestPageURL(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/spice_auto.html",
		"0.0.0.0:80":     "http://127.0.0.1:80/spice_auto.html",
		"[::]:9000":      "http://127.0.0.1:9000/spice_auto.html",
		"[::1]:9000":     "http://[::1]:9000/spice_auto.html",
	}
	for in, want := range tests {
		addr, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := pageURL(addr); got != want {
			t.Errorf("pageURL(%s) = %s, want %s", in, got, want)
		}
	}
}
