//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"spiceweb/wasm/raster"
)

// XspiceOptions configures StartXspice. The zero value is a 1024x768
// desktop without a password and with the server's default compression.
type XspiceOptions struct {
	// Password sets --password; empty means --disable-ticketing.
	Password string
	// ImageCompression is --image-compression: off, auto_glz, auto_lz,
	// quic, glz or lz. Empty leaves the server default (auto_glz).
	ImageCompression string
	// JPEGWANCompression and ZlibGLZWANCompression are
	// --jpeg-wan-compression and --zlib-glz-wan-compression: auto, never or
	// always. Empty leaves the server default.
	JPEGWANCompression    string
	ZlibGLZWANCompression string
	// Width and Height set the only mode of the screen; default 1024x768.
	// It must be a mode the spiceqxl driver offers (640x480, 800x600,
	// 1024x768, 1280x1024, ...); StartXspice fails the test otherwise.
	Width, Height int
	// DisableSurfaces sets EnableSurfaces "False" in the driver config, so
	// X clients draw straight to the primary surface and the server can
	// detect video streams.
	DisableSurfaces bool
	// ServerMouse leaves the driver's pointer device out of the config:
	// it is what registers the SPICE tablet, without which the server
	// offers server mouse mode only and sends the pointer's moves on the
	// cursor channel (client mode sends only shapes). Moves then come
	// from xdotool alone: the driver's relative mouse does nothing.
	ServerMouse bool
	// ExtraArgs are appended to the Xspice command line (for example
	// --streaming-video all, --deferred-fps 10, --numheads 2).
	ExtraArgs []string
	// VDAgent runs the guest agent (spice-vdagentd and spice-vdagent, see
	// vdagent.go) on the display: clipboard, resize, file transfer into
	// Xspice.AgentDir.
	VDAgent bool
	// AudioFIFODir, when set, makes the server offer a playback channel
	// fed from the FIFOs in that directory (see AudioFIFO). It goes in
	// Xspice's environment as XSPICE_PLAYBACK_FIFO_DIR: the
	// --audio-fifo-dir flag is ignored when --config is given.
	AudioFIFODir string
	// AgentMouse sets SpiceAgentMouse "True": with the guest agent
	// connected, the server hands client-mode pointer positions to the
	// agent (which moves the pointer itself) instead of the driver's
	// tablet.
	AgentMouse bool
	// AudioOpus turns on the server's playback compression
	// (XSPICE_PLAYBACK_COMPRESSION, off by default in Xspice): a client
	// that announces Opus then gets Opus instead of RAW.
	AudioOpus bool
}

// Xspice is a running Xspice server: an X server whose screen is served
// over SPICE on 127.0.0.1:Port.
type Xspice struct {
	Display    string // ":N", for DISPLAY and -display
	DisplayNum int
	Port       int    // SPICE port on 127.0.0.1
	Password   string // the SPICE ticket, "" when ticketing is disabled
	Width      int
	Height     int
	ConfigPath string
	XorgLog    string // Xorg's -logfile
	AgentDir   string // with VDAgent: where the agent saves received files
	Proc       *Proc  // the Xspice wrapper; its log holds stdout and stderr

	t testing.TB
}

// xorgConfig is the configuration from shared/test-servers.md. Every buffer
// size is explicit: Debian's spiceqxl driver does not apply its documented
// defaults and, without them, computes a 0 KB frame buffer and aborts.
// FrameBufferSize (MiB) must hold the screen at 4 bytes per pixel.
const xorgConfig = `Section "Device"
    Identifier "XSPICE"
    Driver "spiceqxl"
    Option "SpiceAddr" "127.0.0.1"
    Option "NumHeads" "1"
    Option "EnableImageCache" "True"
    Option "EnableFallbackCache" "True"
    Option "EnableSurfaces" "%s"
    Option "SurfaceBufferSize" "128"
    Option "CommandBufferSize" "128"
    Option "FrameBufferSize" "%d"
    Option "SpiceAgentMouse" "False"
EndSection
Section "InputDevice"
    Identifier "XSPICE POINTER"
    Driver     "xspice pointer"
EndSection
Section "InputDevice"
    Identifier "XSPICE KEYBOARD"
    Driver     "xspice keyboard"
EndSection
Section "Monitor"
    Identifier "Configured Monitor"
EndSection
Section "Screen"
    Identifier "XSPICE Screen"
    Monitor    "Configured Monitor"
    Device     "XSPICE"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Modes "%dx%d"
    EndSubSection
EndSection
Section "ServerLayout"
    Identifier "XSPICE Example"
    Screen "XSPICE Screen"
    InputDevice "XSPICE KEYBOARD"
    InputDevice "XSPICE POINTER"
EndSection
Section "ServerFlags"
    Option "AutoAddDevices" "False"
    Option "DontVTSwitch" "True"
EndSection
`

// xorgPointer is the pointer device's section of xorgConfig.
const xorgPointer = `Section "InputDevice"
    Identifier "XSPICE POINTER"
    Driver     "xspice pointer"
EndSection
`

// StartXspice starts Xspice on a free display and a free loopback port and
// returns once the X server answers xdpyinfo and the SPICE port listens
// (checked with ss, never by connecting). It is stopped, and its display
// lock released, when the test ends.
func StartXspice(t testing.TB, opts XspiceOptions) *Xspice {
	t.Helper()
	Require(t, xspiceTools...)
	if opts.Width == 0 || opts.Height == 0 {
		opts.Width, opts.Height = 1024, 768
	}
	dir := t.TempDir()
	x := &Xspice{
		DisplayNum: FreeDisplay(t),
		Port:       FreePort(t),
		Password:   opts.Password,
		Width:      opts.Width,
		Height:     opts.Height,
		ConfigPath: filepath.Join(dir, "xspice.conf"),
		XorgLog:    filepath.Join(dir, "xorg.log"),
		t:          t,
	}
	x.Display = ":" + strconv.Itoa(x.DisplayNum)

	surfaces := "True"
	if opts.DisableSurfaces {
		surfaces = "False"
	}
	// Round the frame buffer up to whole MiB, with one spare.
	fbMiB := opts.Width*opts.Height*4>>20 + 2
	conf := fmt.Sprintf(xorgConfig, surfaces, max(fbMiB, 16), opts.Width, opts.Height)
	if opts.AgentMouse {
		conf = strings.Replace(conf, `Option "SpiceAgentMouse" "False"`, `Option "SpiceAgentMouse" "True"`, 1)
	}
	if opts.ServerMouse {
		conf = strings.Replace(conf, xorgPointer, "", 1)
		conf = strings.Replace(conf, `    InputDevice "XSPICE POINTER"`+"\n", "", 1)
	}
	if err := os.WriteFile(x.ConfigPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}

	args := []string{"--port", strconv.Itoa(x.Port)}
	if opts.Password != "" {
		args = append(args, "--password", opts.Password)
	} else {
		args = append(args, "--disable-ticketing")
	}
	for _, o := range []struct{ flag, v string }{
		{"--image-compression", opts.ImageCompression},
		{"--jpeg-wan-compression", opts.JPEGWANCompression},
		{"--zlib-glz-wan-compression", opts.ZlibGLZWANCompression},
	} {
		if o.v != "" {
			args = append(args, o.flag, o.v)
		}
	}
	script := ToolXspice.Path
	if opts.VDAgent {
		Require(t, vdagentTools...)
		x.AgentDir = filepath.Join(dir, "received")
		if err := os.Mkdir(x.AgentDir, 0o755); err != nil {
			t.Fatal(err)
		}
		var agentArgs []string
		var err error
		if script, agentArgs, err = vdagentSetup(dir, x.AgentDir); err != nil {
			t.Fatalf("e2e: vdagent: %v", err)
		}
		args = append(args, agentArgs...)
	}
	args = append(args, opts.ExtraArgs...)
	args = append(args, "--config", x.ConfigPath, "-logfile", x.XorgLog, "-nolisten", "tcp", x.Display)

	p, err := startProc(t, procSpec{
		name: "xspice",
		path: script,
		args: args,
		env:  xspiceEnv(opts),
		// If the test binary dies without cleanups (go test -timeout), the
		// wrapper gets SIGINT: Python raises KeyboardInterrupt, which the
		// script catches, and its exit handler kills Xorg. Not SIGTERM: the
		// script's SIGTERM handler waits for Xorg while its main thread
		// already does and deadlocks, leaving the wrapper behind.
		deathSig: syscall.SIGINT,
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	x.Proc = p
	p.beforeStop = x.stopXorg
	t.Cleanup(func() {
		if t.Failed() {
			reportLogs(t, x.XorgLog)
		}
	})

	ctx := t.Context()
	var info []byte
	err = waitUntil(ctx, startTimeout, "Xspice display "+x.Display, p, func(ctx context.Context) error {
		info, err = runCmd(ctx, nil, ToolXdpyinfo.Path, "-display", x.Display)
		return err
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	// Xorg falls back to another mode when the requested one is not in the
	// driver's list (48x32 came up as 1024x768), so check.
	want := fmt.Sprintf("dimensions:    %dx%d pixels", x.Width, x.Height)
	if !strings.Contains(string(info), want) {
		t.Fatalf("e2e: Xspice %s did not take mode %dx%d (not a mode the spiceqxl driver offers?); xdpyinfo: %s",
			x.Display, x.Width, x.Height, dimensionsLine(info))
	}
	WaitListen(t, x.Port, p, startTimeout)
	return x
}

func xspiceEnv(opts XspiceOptions) []string {
	env := []string{"XSPICE_ADDR=127.0.0.1"}
	if opts.AudioFIFODir != "" {
		env = append(env, "XSPICE_PLAYBACK_FIFO_DIR="+opts.AudioFIFODir)
	}
	if opts.AudioOpus {
		env = append(env, "XSPICE_PLAYBACK_COMPRESSION=1")
	}
	return env
}

func dimensionsLine(info []byte) string {
	for _, line := range strings.Split(string(info), "\n") {
		if strings.Contains(line, "dimensions:") {
			return strings.TrimSpace(line)
		}
	}
	return "no dimensions line"
}

// stopXorg asks Xorg itself to exit before its wrapper is signalled: the
// wrapper answers SIGTERM with SIGKILL to Xorg, which would leave the
// display's lock file and socket behind.
func (x *Xspice) stopXorg() {
	lock := fmt.Sprintf("/tmp/.X%d-lock", x.DisplayNum)
	data, err := os.ReadFile(lock)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 || !inGroup(pid, x.Proc.Pid()) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(stopGrace)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(lock); os.IsNotExist(err) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inGroup reports whether pid belongs to process group pgid, so that a
// stale lock file can never make us signal someone else's process.
func inGroup(pid, pgid int) bool {
	g, err := syscall.Getpgid(pid)
	return err == nil && g == pgid
}

// Env is the environment for X clients of this server.
func (x *Xspice) Env() []string { return []string{"DISPLAY=" + x.Display} }

// Framebuffer grabs the server's screen (see FramebufferErr).
func (x *Xspice) Framebuffer() *raster.Image {
	x.t.Helper()
	return Framebuffer(x.t, x.Display)
}
