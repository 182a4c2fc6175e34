package main

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pendingFmt lists the packages still allowed to import fmt, with why.
// The check fails once one of them stops importing it, so the list only
// shrinks. It is empty: no package of the client imports fmt.
var pendingFmt = map[string]string{}

// reflectImporters are the packages in the client allowed to import
// reflect. encoding/binary does so for Read, Write and Size, which the
// client must not call (checked below); its byte-order functions need
// no reflection, and the linker drops the rest.
var reflectImporters = map[string]bool{"encoding/binary": true}

// TestWasmDepsAvoidFmtAndReflect keeps fmt and reflect out of the wasm
// client: together with internal/fmtsort, os and the String methods
// they keep alive they were about 300 KB of its code. Error texts are
// built with wasm/internal/errfmt instead.
func TestWasmDepsAvoidFmtAndReflect(t *testing.T) {
	pkgs := wasmPackages(t)
	graph := map[string][]string{}
	for path, p := range pkgs {
		graph[path] = p.imports
	}
	if len(graph["spiceweb/wasm/spice"]) == 0 || len(graph["spiceweb/wasm/codec/quic"]) == 0 {
		t.Fatalf("the import graph of ./wasm lacks the client's own packages (%d packages): this test would check nothing", len(graph))
	}
	for _, p := range depProblems(graph, "spiceweb/wasm", pendingFmt, reflectImporters) {
		t.Error(p)
	}
}

// wasmPackage is one package of the GOOS=js GOARCH=wasm build of ./wasm.
type wasmPackage struct {
	imports []string
	dir     string
	files   []string // the Go files of this build, tests excluded
}

// wasmPackages lists the packages of the GOOS=js GOARCH=wasm build of
// this directory, as go list sees them (build tags applied).
func wasmPackages(t *testing.T) map[string]wasmPackage {
	t.Helper()
	cmd := exec.Command(goTool(t), "list", "-deps", "-f",
		"{{.ImportPath}}|{{.Dir}}|{{join .GoFiles \" \"}}|{{join .Imports \" \"}}", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go list -deps .: %v\n%s", err, stderr.Bytes())
	}
	pkgs := map[string]wasmPackage{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 4 {
			t.Fatalf("go list printed %q", sc.Text())
		}
		pkgs[f[0]] = wasmPackage{dir: f[1], files: strings.Fields(f[2]), imports: strings.Fields(f[3])}
	}
	return pkgs
}

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatal("no go command in PATH or $GOROOT/bin: cannot list the wasm build's packages")
	}
	return p
}

// depProblems walks the imports from root, not following the import of
// fmt by the packages in pending, and reports every package that imports
// fmt, every importer of reflect not in allowReflect, and every pending
// package that no longer imports fmt.
func depProblems(graph map[string][]string, root string, pending map[string]string, allowReflect map[string]bool) []string {
	var problems []string
	seen := map[string]bool{root: true}
	queue := []string{root}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		for _, imp := range graph[pkg] {
			switch {
			case imp == "fmt" && pending[pkg] != "":
				continue // allowed for now, and not walked into
			case imp == "fmt":
				problems = append(problems, pkg+" imports fmt, which brings reflect and its printing into the wasm client; build the text with wasm/internal/errfmt")
			case imp == "reflect" && !allowReflect[pkg]:
				problems = append(problems, pkg+" imports reflect, which the wasm client must not link")
			}
			if !seen[imp] {
				seen[imp] = true
				queue = append(queue, imp)
			}
		}
	}
	for pkg := range pending {
		switch {
		case !seen[pkg]:
			problems = append(problems, pkg+" is not in the wasm build: remove it from pendingFmt")
		case !slices.Contains(graph[pkg], "fmt"):
			problems = append(problems, pkg+" no longer imports fmt: remove it from pendingFmt")
		}
	}
	slices.Sort(problems)
	return problems
}

func TestDepProblemsCatchesImports(t *testing.T) {
	graph := map[string][]string{
		"spiceweb/wasm":         {"spiceweb/wasm/session", "spiceweb/wasm/codec/x"},
		"spiceweb/wasm/session": {"fmt", "encoding/binary"},
		"spiceweb/wasm/codec/x": {"encoding/json", "spiceweb/wasm/spice"},
		"spiceweb/wasm/spice":   {"fmt"},
		"encoding/json":         {"reflect"},
		"encoding/binary":       {"reflect"},
		"fmt":                   {"reflect", "os"},
	}
	pending := map[string]string{"spiceweb/wasm/session": "test", "spiceweb/wasm/input": "test"}
	got := depProblems(graph, "spiceweb/wasm", pending, map[string]bool{"encoding/binary": true})
	want := []string{
		"encoding/json imports reflect, which the wasm client must not link",
		"fmt imports reflect, which the wasm client must not link",
		"spiceweb/wasm/input is not in the wasm build: remove it from pendingFmt",
		"spiceweb/wasm/spice imports fmt, which brings reflect and its printing into the wasm client; build the text with wasm/internal/errfmt",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A pending package that dropped fmt is reported, so the list shrinks.
	graph["spiceweb/wasm/session"] = []string{"encoding/binary"}
	graph["spiceweb/wasm/spice"] = nil
	graph["spiceweb/wasm/codec/x"] = []string{"spiceweb/wasm/spice"}
	delete(pending, "spiceweb/wasm/input")
	got = depProblems(graph, "spiceweb/wasm", pending, map[string]bool{"encoding/binary": true})
	want = []string{"spiceweb/wasm/session no longer imports fmt: remove it from pendingFmt"}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNoReflectiveBinaryCalls keeps encoding/binary's reflection out:
// binary.Read, Write, Size, Append, Encode and Decode walk their argument
// with reflect, which would bring it back into the binary through the one
// importer of reflect allowed above. The byte-order methods
// (binary.LittleEndian.Uint32 and friends) are what the client uses.
func TestNoReflectiveBinaryCalls(t *testing.T) {
	reflective := map[string]bool{"Read": true, "Write": true, "Size": true, "Append": true, "Encode": true, "Decode": true}
	fset := token.NewFileSet()
	files := 0
	for path, p := range wasmPackages(t) {
		if !strings.HasPrefix(path, "spiceweb/") {
			continue
		}
		for _, name := range p.files {
			file := filepath.Join(p.dir, name)
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files++
			local := ""
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == "encoding/binary" {
					local = "binary"
					if imp.Name != nil {
						local = imp.Name.Name
					}
				}
			}
			if local == "" {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == local && reflective[sel.Sel.Name] {
					t.Errorf("%s: binary.%s uses reflection; use the byte-order methods", fset.Position(sel.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
	if files < 20 {
		t.Fatalf("only %d files of the client's own packages were checked: the listing is wrong, so this test checks nothing", files)
	}
}
