package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSyscallJSOnlyInBridge keeps the browser out of the core: only
// wasm/jsbridge and this command may import syscall/js, so that every
// other package builds and tests natively.
func TestSyscallJSOnlyInBridge(t *testing.T) {
	fset := token.NewFileSet()
	found := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p != "syscall/js" {
				continue
			}
			found++
			if path != "main.go" && filepath.Dir(path) != "jsbridge" {
				t.Errorf("%s imports syscall/js; only wasm/jsbridge may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no file imports syscall/js: the walk found nothing, so this test checks nothing")
	}
}
