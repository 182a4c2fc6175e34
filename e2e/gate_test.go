//go:build linux

package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// gateTB records what Require does instead of stopping the test.
type gateTB struct {
	testing.TB
	skipped, fatal string
}

func (g *gateTB) Helper() {}
func (g *gateTB) Skip(args ...any) {
	if g.skipped == "" && g.fatal == "" { // the real ones stop the test
		g.skipped = fmt.Sprint(args...)
	}
}
func (g *gateTB) Skipf(format string, args ...any) { g.Skip(fmt.Sprintf(format, args...)) }
func (g *gateTB) Fatalf(format string, args ...any) {
	if g.fatal == "" && g.skipped == "" {
		g.fatal = fmt.Sprintf(format, args...)
	}
}

func TestRequire(t *testing.T) {
	if testing.Short() {
		t.Skip("Require's -short behaviour would hide the cases")
	}
	missing := Tool{"nothing", "/nonexistent/spiceweb-tool", "spiceweb-missing-pkg"}
	present := Tool{"sh", "/bin/sh", "dash"}
	tests := []struct {
		mode      string
		tools     []Tool
		wantSkip  string
		wantFatal string
	}{
		{"", []Tool{present}, "", ""},
		{"", []Tool{present, missing}, "/nonexistent/spiceweb-tool (Debian packages spiceweb-missing-pkg); run scripts/install-deps.sh", ""},
		{"require", []Tool{missing}, "", "scripts/install-deps.sh as root [SPICEWEB_E2E=require]"},
		{"require", []Tool{present}, "", ""},
		{"skip", []Tool{present}, "disabled by SPICEWEB_E2E=skip", ""},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Setenv(EnvMode, tt.mode)
			g := &gateTB{TB: t}
			Require(g, tt.tools...)
			if !strings.Contains(g.skipped, tt.wantSkip) || (tt.wantSkip == "") != (g.skipped == "") {
				t.Errorf("skipped %q, want %q", g.skipped, tt.wantSkip)
			}
			if !strings.Contains(g.fatal, tt.wantFatal) || (tt.wantFatal == "") != (g.fatal == "") {
				t.Errorf("fatal %q, want %q", g.fatal, tt.wantFatal)
			}
		})
	}
}
