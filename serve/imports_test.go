//go:build !js

package main

import (
	"go/build"
	"path"
	"strings"
	"testing"
)

// TestNoTestPackages keeps test support out of the server: no package
// serve links, its own or the module's, is a test helper (spicetest,
// rastertest, codectest), which would bring fakes into production and let
// production code lean on them.
func TestNoTestPackages(t *testing.T) {
	seen := map[string]bool{}
	var walk func(pkg, dir string)
	walk = func(pkg, dir string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		p, err := build.Default.Import(pkg, dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, "spiceweb/") {
				continue
			}
			if strings.HasSuffix(path.Base(imp), "test") {
				t.Errorf("%s imports %s, a test package", pkg, imp)
			}
			walk(imp, p.Dir)
		}
	}
	walk(".", ".")
	if !seen["spiceweb/serve/replay"] || !seen["spiceweb/spicecap"] {
		t.Fatalf("the walk missed packages serve uses (saw %d): it checks nothing", len(seen))
	}
}
