//go:build linux

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The guest agent on Xspice: Debian's spice-vdagent (spice-vdagentd, the
// system daemon that talks to the X server's virtio port, and
// spice-vdagent, the per-session agent that owns the clipboard, resizes the
// screen with XRandR and saves received files), started by the Xspice
// wrapper when XspiceOptions.VDAgent is set.
//
// Three things stop it from working out of the box here (shared/
// test-servers.md): the wrapper script raises NameError with --vdagent and
// --config together (its temp_dir is only set when it writes the config
// itself), so we run a copy with temp_dir defined; spice-vdagentd needs -X
// (no logind or ConsoleKit on these machines, without it the agent never
// reaches the server); spice-vdagent disables file transfer unless it has
// a save directory (-f). The last two go through --vdagentd-exec and
// --vdagent-exec, pointing at two-line wrappers that add the flags.

var (
	ToolVDAgent  = Tool{"spice-vdagent", "/usr/bin/spice-vdagent", "spice-vdagent"}
	ToolVDAgentd = Tool{"spice-vdagentd", "/usr/sbin/spice-vdagentd", "spice-vdagent"}
	ToolXclip    = Tool{"xclip", "/usr/bin/xclip", "xclip"}
	ToolXrandr   = Tool{"xrandr", "/usr/bin/xrandr", "x11-xserver-utils"}

	vdagentTools = []Tool{ToolVDAgent, ToolVDAgentd}
	// AgentTools are what the agent tests use on the display besides Xspice.
	AgentTools = []Tool{ToolVDAgent, ToolVDAgentd, ToolXclip, ToolXrandr, ToolXdpyinfo}
)

// xspiceScriptFix is the line the wrapper's copy gets before its first use
// of temp_dir, so that --vdagent works with --config.
const xspiceScriptFix = "temp_dir = None\n"

// vdagentSetup writes the patched wrapper and the two agent wrappers into
// dir and returns the script to run instead of ToolXspice.Path, and the
// arguments that enable the agent. Files the agent receives land in
// saveDir.
func vdagentSetup(dir, saveDir string) (script string, args []string, err error) {
	src, err := os.ReadFile(ToolXspice.Path)
	if err != nil {
		return "", nil, err
	}
	// The first "if args.auto:" is the only place temp_dir is set; define
	// it just before.
	const anchor = "\nif args.auto:\n"
	i := strings.Index(string(src), anchor)
	if i < 0 {
		return "", nil, fmt.Errorf("%s: no %q line to patch before (the script changed?)", ToolXspice.Path, strings.TrimSpace(anchor))
	}
	patched := string(src[:i+1]) + xspiceScriptFix + string(src[i+1:])
	script = filepath.Join(dir, "Xspice")
	if err := os.WriteFile(script, []byte(patched), 0o755); err != nil {
		return "", nil, err
	}
	vdagentd := filepath.Join(dir, "spice-vdagentd")
	vdagent := filepath.Join(dir, "spice-vdagent")
	// -X: no session integration. -f/-o: save received files to saveDir
	// and do not try to open a file manager.
	for _, w := range []struct{ path, body string }{
		{vdagentd, "#!/bin/sh\nexec " + ToolVDAgentd.Path + " -X \"$@\"\n"},
		{vdagent, "#!/bin/sh\nexec " + ToolVDAgent.Path + " -f " + shellQuote([]string{saveDir}) + " -o 0 \"$@\"\n"},
	} {
		if err := os.WriteFile(w.path, []byte(w.body), 0o755); err != nil {
			return "", nil, err
		}
	}
	return script, []string{"--vdagent", "--vdagentd-exec", vdagentd, "--vdagent-exec", vdagent}, nil
}

// ClipboardText returns the text on the display's CLIPBOARD selection
// (xclip -o). An empty selection is an error.
func (x *Xspice) ClipboardText(ctx context.Context) (string, error) {
	out, err := runCmd(ctx, x.Env(), ToolXclip.Path, "-selection", "clipboard", "-o")
	return string(out), err
}

// ClipboardTargets lists the types the CLIPBOARD owner offers (TARGETS).
func (x *Xspice) ClipboardTargets(ctx context.Context) ([]string, error) {
	out, err := runCmd(ctx, x.Env(), ToolXclip.Path, "-selection", "clipboard", "-o", "-t", "TARGETS")
	return strings.Fields(string(out)), err
}

// ClipboardData returns the CLIPBOARD selection converted to target (for
// example "image/png").
func (x *Xspice) ClipboardData(ctx context.Context, target string) ([]byte, error) {
	return runCmd(ctx, x.Env(), ToolXclip.Path, "-selection", "clipboard", "-o", "-t", target)
}

// SetClipboard makes an X client on the display own the CLIPBOARD with
// data of type target ("UTF8_STRING" for text, "image/png"), as a user's
// copy in a guest application does. The owner (xclip in the foreground)
// runs until another client takes the selection or the test ends.
func (x *Xspice) SetClipboard(target string, data []byte) *Proc {
	x.t.Helper()
	Require(x.t, ToolXclip)
	f := filepath.Join(x.t.TempDir(), "clip")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		x.t.Fatal(err)
	}
	// -quiet keeps xclip in the foreground (and so in our process group);
	// it serves any number of requests until it loses the selection.
	return x.Start("xclip", ToolXclip, "-selection", "clipboard", "-t", target, "-quiet", "-i", f)
}

// ScreenSize asks the X server for its current screen size (xdpyinfo).
func (x *Xspice) ScreenSize(ctx context.Context) (w, h int, err error) {
	out, err := runCmd(ctx, nil, ToolXdpyinfo.Path, "-display", x.Display)
	if err != nil {
		return 0, 0, err
	}
	m := regexp.MustCompile(`dimensions:\s+(\d+)x(\d+) pixels`).FindSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("xdpyinfo: no dimensions line")
	}
	w, _ = strconv.Atoi(string(m[1]))
	h, _ = strconv.Atoi(string(m[2]))
	return w, h, nil
}

// XrandrCurrent returns the "current W x H" of xrandr's first screen line.
func (x *Xspice) XrandrCurrent(ctx context.Context) (w, h int, err error) {
	out, err := runCmd(ctx, x.Env(), ToolXrandr.Path, "--current")
	if err != nil {
		return 0, 0, err
	}
	m := regexp.MustCompile(`current (\d+) x (\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("xrandr: no current size in %q", firstLine(out))
	}
	w, _ = strconv.Atoi(string(m[1]))
	h, _ = strconv.Atoi(string(m[2]))
	return w, h, nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}

// WaitScreenSize waits until both xdpyinfo and xrandr report w x h.
func (x *Xspice) WaitScreenSize(w, h int, timeout time.Duration) error {
	return waitUntil(x.t.Context(), timeout, fmt.Sprintf("screen size %dx%d", w, h), x.Proc, func(ctx context.Context) error {
		gw, gh, err := x.ScreenSize(ctx)
		if err != nil {
			return err
		}
		rw, rh, err := x.XrandrCurrent(ctx)
		if err != nil {
			return err
		}
		if gw != w || gh != h || rw != w || rh != h {
			return fmt.Errorf("xdpyinfo %dx%d, xrandr %dx%d", gw, gh, rw, rh)
		}
		return nil
	})
}

// AgentFile waits until the agent has saved a file named name of size
// bytes in its save directory and returns its SHA-256 in hex. The size
// alone does not say the transfer finished (the file was seen at its full
// size while the page was still sending): call it after the client
// reported the transfer done.
func (x *Xspice) AgentFile(name string, size int64, timeout time.Duration) (string, error) {
	path := filepath.Join(x.AgentDir, name)
	err := waitUntil(x.t.Context(), timeout, "agent file "+name, x.Proc, func(context.Context) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if fi.Size() != size {
			return fmt.Errorf("%d of %d bytes", fi.Size(), size)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
