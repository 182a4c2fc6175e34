package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// EnvArtifacts names a directory for failure artifacts, like -e2e.artifacts.
const EnvArtifacts = "SPICEWEB_E2E_ARTIFACTS"

var artifactsFlag = flag.String("e2e.artifacts", "",
	"directory for e2e failure artifacts (default $"+EnvArtifacts+", else a new directory under the system temp dir)")

// defaultArtifacts is created once per test binary, on the first failure:
// t.TempDir() is removed when the test ends, which is exactly when someone
// wants to look at the files.
var (
	defaultArtifactsOnce sync.Once
	defaultArtifacts     string
)

// ArtifactDir returns (creating it) the directory where the failing test t
// keeps logs, screenshots and image diffs: <base>/<test name>, with base
// from -e2e.artifacts, $SPICEWEB_E2E_ARTIFACTS or a fresh temp directory
// that outlives the test. It returns "" if the directory cannot be made.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	base := *artifactsFlag
	if base == "" {
		base = os.Getenv(EnvArtifacts)
	}
	if base == "" {
		defaultArtifactsOnce.Do(func() {
			defaultArtifacts, _ = os.MkdirTemp("", "spiceweb-e2e-")
		})
		base = defaultArtifacts
	}
	if base == "" {
		return ""
	}
	dir := filepath.Join(base, sanitizeName(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("e2e: artifacts: %v", err)
		return ""
	}
	return dir
}

// sanitizeName turns a (sub)test name into one path element.
func sanitizeName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '_'
	}, name)
}

// saveArtifactPNG writes img into the artifacts directory and logs where.
func saveArtifactPNG(t testing.TB, name string, img *raster.Image) string {
	t.Helper()
	dir := ArtifactDir(t)
	if dir == "" {
		return ""
	}
	path := filepath.Join(dir, name)
	if err := rastertest.SavePNG(path, img); err != nil {
		t.Logf("e2e: saving %s: %v", path, err)
		return ""
	}
	t.Logf("e2e: saved %s", path)
	return path
}
