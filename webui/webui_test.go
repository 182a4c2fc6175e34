//go:build !js

package webui

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

// bundle runs esbuild and fails the test on any error or warning.
func bundle(t *testing.T, opts api.BuildOptions) api.BuildResult {
	t.Helper()
	opts.Bundle = true
	opts.LogLevel = api.LogLevelSilent
	res := api.Build(opts)
	msgs := append(res.Errors, res.Warnings...)
	if len(msgs) > 0 {
		for _, m := range api.FormatMessages(msgs, api.FormatMessagesOptions{Kind: api.ErrorMessage}) {
			t.Error(m)
		}
		t.FailNow()
	}
	return res
}

// bundlePage builds src/main.ts the way the build tool's release build
// does: one minified classic script for the browser.
func bundlePage(t *testing.T) []byte {
	t.Helper()
	res := bundle(t, api.BuildOptions{
		EntryPoints:       []string{"src/main.ts"},
		Format:            api.FormatIIFE,
		Platform:          api.PlatformBrowser,
		Target:            api.ES2020,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Write:             false,
		Outfile:           "app.js",
	})
	if len(res.OutputFiles) != 1 {
		t.Fatalf("esbuild wrote %d files, want 1", len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents
}

// TestTypeScriptUnits runs src/*.test.ts (node:test) under Node.
func TestTypeScriptUnits(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the TypeScript unit tests (src/*.test.ts)")
	}
	tests, err := filepath.Glob("src/*.test.ts")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no src/*.test.ts found (err %v)", err)
	}
	out := t.TempDir()
	bundle(t, api.BuildOptions{
		EntryPoints:  tests,
		Outdir:       out,
		OutExtension: map[string]string{".js": ".mjs"},
		Format:       api.FormatESModule,
		Platform:     api.PlatformNode,
		Target:       api.ES2020,
		Write:        true,
	})
	var files []string
	for _, tf := range tests {
		files = append(files, filepath.Join(out, strings.TrimSuffix(filepath.Base(tf), ".ts")+".mjs"))
	}
	cmd := exec.Command(node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test failed: %v\n%s", err, output)
	}
	if testing.Verbose() {
		t.Logf("node --test:\n%s", output)
	}
}

// TestBundle checks that the page bundles cleanly and installs its global.
func TestBundle(t *testing.T) {
	js := string(bundlePage(t))
	for _, want := range []string{"globalThis.SpiceWeb", "app.wasm.gz", "DecompressionStream"} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js does not contain %q", want)
		}
	}
}

// TestPageMarkup checks spice_auto.html against what the script expects: the
// ids page.ts looks up, wasm_exec.js before app.js, and no inline logic.
func TestPageMarkup(t *testing.T) {
	html := readFile(t, "../static/spice_auto.html")
	// The scripts that look up the page's elements by id.
	page := readFile(t, "src/page.ts") + readFile(t, "src/agentbar.ts")

	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(html, -1) {
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`get\("([^"]+)",`).FindAllStringSubmatch(page, -1) {
		if !ids[m[1]] {
			t.Errorf("spice_auto.html lacks #%s, which page.ts or agentbar.ts uses", m[1])
		}
	}

	scripts := regexp.MustCompile(`<script\b[^>]*>`).FindAllString(html, -1)
	var srcs []string
	for _, s := range scripts {
		m := regexp.MustCompile(`\ssrc="([^"]+)"`).FindStringSubmatch(s)
		if m == nil {
			t.Errorf("inline script in spice_auto.html: %s", s)
			continue
		}
		srcs = append(srcs, m[1])
	}
	if !slices.Equal(srcs, []string{"wasm_exec.js", "app.js"}) {
		t.Errorf("scripts = %q, want wasm_exec.js then app.js", srcs)
	}
	if regexp.MustCompile(`\son[a-z]+=`).MatchString(html) {
		t.Error("spice_auto.html has an inline event handler attribute")
	}
	if !strings.Contains(html, `data-spiceweb="page"`) {
		t.Error(`spice_auto.html's body lacks data-spiceweb="page", so main.ts would not run the page`)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
