//go:build linux

package e2e

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// EnvMode is the environment variable that decides what a missing tool
// means: "require" fails the test, "skip" (or "off") skips every e2e test,
// anything else skips only tests whose tools are missing.
const EnvMode = "SPICEWEB_E2E"

// Tool is an external program (or installed file) a helper needs, with the
// Debian package that provides it. Paths are absolute so that a stand-in
// earlier on PATH (a sandbox's convert, a user's chromium wrapper) is never
// picked up by mistake.
type Tool struct {
	Name    string
	Path    string
	Package string
}

// The tools the helpers use. scripts/install-deps.sh installs exactly these
// packages; keep the two lists in step.
var (
	ToolXspice     = Tool{"Xspice", "/usr/bin/Xspice", "xserver-xspice"}
	ToolXorg       = Tool{"Xorg", "/usr/bin/Xorg", "xserver-xorg-core"}
	ToolChromium   = Tool{"chromium", "/usr/bin/chromium", "chromium"}
	ToolWebsockify = Tool{"websockify", "/usr/bin/websockify", "websockify"}
	ToolQEMU       = Tool{"qemu-system-x86_64", "/usr/bin/qemu-system-x86_64", "qemu-system-x86"}
	ToolXterm      = Tool{"xterm", "/usr/bin/xterm", "xterm"}
	ToolXsetroot   = Tool{"xsetroot", "/usr/bin/xsetroot", "x11-xserver-utils"}
	ToolXset       = Tool{"xset", "/usr/bin/xset", "x11-xserver-utils"}
	ToolXdpyinfo   = Tool{"xdpyinfo", "/usr/bin/xdpyinfo", "x11-utils"}
	ToolXwd        = Tool{"xwd", "/usr/bin/xwd", "x11-apps"}
	ToolXdotool    = Tool{"xdotool", "/usr/bin/xdotool", "xdotool"}
	ToolConvert    = Tool{"convert", "/usr/bin/convert", "imagemagick"}
	ToolDisplay    = Tool{"display", "/usr/bin/display", "imagemagick"}
	ToolSS         = Tool{"ss", "/bin/ss", "iproute2"}
	ToolSpiceHTML5 = Tool{"spice-html5", SpiceHTML5Dir + "/spice_auto.html", "spice-html5"}
	ToolFirefox    = Tool{"firefox-esr", "/usr/bin/firefox-esr", "firefox-esr"}
	// ToolNode runs the Firefox driver (e2e/firefox/driver.mjs); its node
	// packages are checked by requireFirefox.
	ToolNode = Tool{"node", "/usr/bin/node", "nodejs"}
)

// SpiceHTML5Dir is where Debian's spice-html5 package installs the client
// we replace; serve it with StartWebsockify for side-by-side runs.
const SpiceHTML5Dir = "/usr/share/spice-html5"

// Tools needed by each kind of helper; Start* functions check their own set.
var (
	xspiceTools  = []Tool{ToolXspice, ToolXorg, ToolXdpyinfo, ToolSS}
	xclientTools = []Tool{ToolXsetroot, ToolXterm, ToolXwd, ToolXdotool, ToolConvert, ToolDisplay}
	qemuTools    = []Tool{ToolQEMU, ToolSS}
	wsTools      = []Tool{ToolWebsockify, ToolSS}
	browserTools = []Tool{ToolChromium}
	firefoxTools = []Tool{ToolFirefox, ToolNode}
)

// Require skips (or, under SPICEWEB_E2E=require, fails) t unless every tool
// is installed. Call it at the top of a test to skip before starting
// anything; the Start* helpers call it with their own tools too.
func Require(t testing.TB, tools ...Tool) {
	t.Helper()
	mode := strings.ToLower(os.Getenv(EnvMode))
	required := mode == "require"
	if !required && (mode == "skip" || mode == "off") {
		t.Skipf("end-to-end tests disabled by %s=%s", EnvMode, mode)
	}
	if !required && testing.Short() {
		t.Skip("end-to-end tests skipped in -short mode")
	}
	var missing []string
	pkgs := map[string]bool{}
	for _, tool := range tools {
		if _, err := os.Stat(tool.Path); err != nil {
			missing = append(missing, tool.Path)
			pkgs[tool.Package] = true
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("end-to-end tools missing: %s (Debian packages %s); run scripts/install-deps.sh as root",
		strings.Join(missing, ", "), strings.Join(slices.Sorted(maps.Keys(pkgs)), " "))
	if required {
		t.Fatalf("%s [%s=require]", msg, EnvMode)
	}
	t.Skip(msg)
}
