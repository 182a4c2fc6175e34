//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The site and the serve binary are built once per test binary into a
// directory under the OS temp dir; CleanupBuilds removes it (TestMain).
var (
	buildOnce sync.Once
	buildDir  string
	siteDir   string
	serveBin  string
	buildErr  error
)

// moduleRoot is the repository root: the e2e package's parent directory.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return filepath.Dir(wd), nil
}

func build() {
	root, err := moduleRoot()
	if err != nil {
		buildErr = err
		return
	}
	buildDir, err = os.MkdirTemp("", "spiceweb-e2e-build-")
	if err != nil {
		buildErr = err
		return
	}
	siteDir = filepath.Join(buildDir, "site")
	serveBin = filepath.Join(buildDir, "serve")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{"run", "build.go", "-o", siteDir},
		{"build", "-o", serveBin, "./serve"},
	} {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go %v: %v\n%s", args, err, out)
			return
		}
	}
}

// Site returns the directory of the built client site (build.go output).
func Site(t testing.TB) string {
	t.Helper()
	buildOnce.Do(build)
	if buildErr != nil {
		t.Fatalf("e2e: building the site: %v", buildErr)
	}
	return siteDir
}

// CleanupBuilds removes what Site built; call it from TestMain.
func CleanupBuilds() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// Serve is a running instance of the project's own server (serve/).
type Serve struct {
	Port int
	URL  string // "http://127.0.0.1:Port/"
	Proc *Proc
}

// StartServe runs serve/ on a free loopback port, serving the built site
// and proxying websockets to 127.0.0.1:target. Extra arguments are passed
// on (for example -record DIR).
func StartServe(t testing.TB, target int, extraArgs ...string) *Serve {
	t.Helper()
	site := Site(t)
	s := &Serve{Port: FreePort(t)}
	s.URL = fmt.Sprintf("http://127.0.0.1:%d/", s.Port)
	args := append([]string{"-listen", "127.0.0.1:" + strconv.Itoa(s.Port), "-web", site,
		"-target", "127.0.0.1:" + strconv.Itoa(target)}, extraArgs...)
	p, err := startProc(t, procSpec{name: "serve", path: serveBin, args: args, deathSig: syscall.SIGKILL})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	s.Proc = p
	WaitListen(t, s.Port, p, startTimeout)
	return s
}
