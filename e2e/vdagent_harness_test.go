//go:build linux

package e2e

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHarnessXspiceVDAgent proves the agent part of the harness: with
// VDAgent the wrapper starts (the --config/--vdagent crash is worked
// around), spice-vdagentd runs with -X and spice-vdagent with the save
// directory, and the clipboard helpers round-trip text on the display.
func TestHarnessXspiceVDAgent(t *testing.T) {
	Require(t, append(append([]Tool{}, xspiceTools...), AgentTools...)...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{VDAgent: true})

	// Both agents run in the wrapper's process group, with our flags.
	var daemon, agent string
	err := waitUntil(t.Context(), startTimeout, "spice-vdagentd and spice-vdagent", x.Proc, func(context.Context) error {
		daemon, agent = "", ""
		for _, cmd := range groupCmdlines(x.Proc.Pid()) {
			switch {
			case strings.HasPrefix(cmd, ToolVDAgentd.Path+" "):
				daemon = cmd
			case strings.HasPrefix(cmd, ToolVDAgent.Path+" "):
				agent = cmd
			}
		}
		if daemon == "" || agent == "" {
			return errString("daemon " + strconv.Quote(daemon) + ", agent " + strconv.Quote(agent))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(daemon, " -X ") {
		t.Errorf("spice-vdagentd runs without -X: %s", daemon)
	}
	if !strings.Contains(agent, " -f "+x.AgentDir+" ") {
		t.Errorf("spice-vdagent runs without -f %s: %s", x.AgentDir, agent)
	}

	const text = "harness clipboard ✓\nline 2"
	x.SetClipboard("UTF8_STRING", []byte(text))
	err = waitUntil(t.Context(), 10*time.Second, "xclip to own the clipboard", nil, func(ctx context.Context) error {
		got, err := x.ClipboardText(ctx)
		if err != nil {
			return err
		}
		if got != text {
			return errString("clipboard " + strconv.Quote(got))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w, h, err := x.ScreenSize(t.Context())
	if err != nil || w != x.Width || h != x.Height {
		t.Errorf("xdpyinfo: %dx%d, %v; want %dx%d", w, h, err, x.Width, x.Height)
	}
	if w, h, err := x.XrandrCurrent(t.Context()); err != nil || w != x.Width || h != x.Height {
		t.Errorf("xrandr: %dx%d, %v; want %dx%d", w, h, err, x.Width, x.Height)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// groupCmdlines returns the command lines (arguments joined by spaces, with
// a trailing space) of the processes in process group pgid.
func groupCmdlines(pgid int) []string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !inGroup(pid, pgid) {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(b) == 0 {
			continue
		}
		out = append(out, strings.ReplaceAll(string(b), "\x00", " "))
	}
	return out
}
