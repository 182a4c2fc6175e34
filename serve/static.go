//go:build !js

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
)

// contentTypes fixes the types of the files the build produces, so they do
// not depend on the host's /etc/mime.types. .gz is served as the gzip file
// it is, never as Content-Encoding: the page inflates app.wasm.gz itself.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".wasm":  "application/wasm",
	".gz":    "application/gzip",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
	".woff2": "font/woff2",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// static serves the files of one directory: no listings, no dot files,
// nothing outside the directory (os.Root also refuses symlinks that lead
// out of it).
type static struct {
	root  *os.Root
	cache variantCache
}

func newStatic(dir string) (*static, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("web directory %s: %w (build it with: go run build.go)", dir, err)
	}
	return &static{root: root}, nil
}

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := path.Clean("/" + r.URL.Path)
	if name == "/" {
		if _, err := s.root.Stat("index.html"); err == nil {
			name = "/index.html"
		} else {
			// The page nova and spice-html5 users know; keep the query,
			// it carries host, port, token and password.
			target := "/spice_auto.html"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
	}
	for elem := range strings.SplitSeq(name[1:], "/") {
		if strings.HasPrefix(elem, ".") {
			http.NotFound(w, r)
			return
		}
	}
	f, err := s.root.Open(name[1:])
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		// Not found, or a path escaping the root: both look the same.
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasSuffix(name, ".html") {
		// The page's URL carries the token and maybe the password.
		h.Set("Referrer-Policy", "no-referrer")
	}
	if v := r.URL.Query().Get("v"); v != "" && v == s.cache.version(s.root, name, fi) {
		// A versioned URL (the page asks for app.wasm?v=<hash>) whose
		// version is this file's: it can never change.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Builds overwrite files in place: make browsers revalidate,
		// which the ETag answers with 304.
		h.Set("Cache-Control", "no-cache")
	}
	body, bfi, encoding := s.cache.variant(s.root, r, name, fi)
	if body != nil {
		defer body.Close()
		h.Set("Content-Encoding", encoding)
		f, fi = body, bfi
	}
	if !strings.HasSuffix(name, ".gz") && !strings.HasSuffix(name, ".br") {
		h.Add("Vary", "Accept-Encoding")
	}
	h.Set("ETag", etag(fi, encoding))
	http.ServeContent(w, r, name, fi.ModTime(), f)
}
