//go:build linux

package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"spiceweb/serve/replay"
	"spiceweb/spicecap"
	"spiceweb/wasm/spice"
)

// EnvRecordDemo names the directory TestRecordDemo writes the demo
// recording to; the test is skipped without it. serve embeds
// serve/demo:
//
//	SPICEWEB_RECORD_DEMO=$PWD/serve/demo go test ./e2e -run RecordDemo -v
const EnvRecordDemo = "SPICEWEB_RECORD_DEMO"

// demoMaxBytes bounds the compressed recording kept in the repository.
const demoMaxBytes = 2 << 20

// TestRecordDemo records serve's built-in demo: our page in headless
// Chromium, through serve -record, watching a scripted Xspice desktop (a
// gradient, a photo that slides across the screen and back, a shell typed
// into, a pointer on its way). The scene ends as it began, so that the
// replay's loop is smooth. The server uses LZ and QUIC, not GLZ, so the
// display can loop (see serve/replay), and has no SPICE tablet, so the
// pointer's moves are recorded (server mouse mode). The captures are
// checked (they load, the display and cursor loop, they fit demoMaxBytes)
// before they replace the old ones.
func TestRecordDemo(t *testing.T) {
	out := os.Getenv(EnvRecordDemo)
	if out == "" {
		t.Skipf("set %s=DIR to record the demo", EnvRecordDemo)
	}
	Require(t, clientTools...)
	x := StartXspice(t, XspiceOptions{
		ImageCompression: "auto_lz",
		ServerMouse:      true,
		ExtraArgs:        []string{"--streaming-video", "off"},
	})
	home := t.TempDir()

	// The scene, before anyone watches.
	x.SetRootColor("#2f4f6f")
	gradient := filepath.Join(home, "gradient.png")
	if _, err := runCmd(t.Context(), nil, ToolConvert.Path, "-size", "960x64", "gradient:#12c2e9-#f64f59", "PNG24:"+gradient); err != nil {
		t.Fatal(err)
	}
	x.ShowImage(gradient, image.Pt(32, 24))
	photoPath, _ := Plasma(t, 320, 240, 11)
	photoAt := image.Pt(64, 128)
	photo := x.ShowImage(photoPath, photoAt)
	shell := x.XTerm(XTermOptions{
		Title: "demo shell",
		// A shell with nothing of this machine in its prompt or
		// environment.
		Command: []string{"env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home, "PS1=demo$ ", "TERM=xterm", "sh"},
		Font:    "9x15", Cols: 56, Rows: 16,
		FG: "#e8e8e8", BG: "#1c1f24",
		At: image.Pt(448, 400),
		// The pointer stays the desktop's black and white arrow: Xspice
		// cannot send xterm's own (an I-beam in the terminal's colours) on
		// the cursor channel, so X would paint it into the screen instead.
		Resources: []string{"XTerm*pointerMode: 0", "XTerm*pointerShape: left_ptr",
			"XTerm*pointerColor: black", "XTerm*pointerColorBackground: white"},
	})
	// The shell has the focus from the start, as it has at the end.
	x.Focus(shell)
	rest := image.Pt(700, 300)
	x.MouseMove(rest)
	time.Sleep(time.Second)

	dir := t.TempDir()
	s := StartServe(t, x.Port, "-record", dir)
	b := StartBrowser(t, BrowserOptions{})
	b.Navigate(s.URL + "spice_auto.html")
	b.WaitJS(`document.body.dataset.state === "connected" && document.querySelector("canvas.spiceweb-screen").width > 0`, 30*time.Second)
	// Xorg's root window has no pointer shape of its own (blank unless
	// -retro); an arrow makes the pointer show over the desktop, and
	// setting it now sends its shape at once, so the replay's pointer
	// shows from its first second.
	x.Run(ToolXsetroot, "-cursor_name", "left_ptr")
	time.Sleep(1500 * time.Millisecond) // the first frame, then a still moment

	glide := func(from, to image.Point, steps int, each time.Duration) {
		for i := 1; i <= steps; i++ {
			p := from.Add(to.Sub(from).Mul(i).Div(steps))
			x.Xdotool("mousemove", strconv.Itoa(p.X), strconv.Itoa(p.Y))
			time.Sleep(each)
		}
	}
	slide := func(from, to image.Point, steps int, each time.Duration) {
		for i := 1; i <= steps; i++ {
			p := from.Add(to.Sub(from).Mul(i).Div(steps))
			x.Xdotool("windowmove", photo.ID, strconv.Itoa(p.X), strconv.Itoa(p.Y))
			time.Sleep(each)
		}
	}
	typeLine := func(line string) {
		x.Xdotool("type", "--delay", "70", line)
		x.Xdotool("key", "Return")
		time.Sleep(700 * time.Millisecond)
	}

	// Into the shell, and type.
	inShell := image.Pt(640, 520)
	glide(rest, inShell, 25, 40*time.Millisecond)
	typeLine(`echo "Hello from a recorded SPICE session"`)
	typeLine("uname -sm")
	typeLine("seq -s ' ' 1 16")
	// Over to the photo, which slides across the screen and back.
	onPhoto := photoAt.Add(image.Pt(160, 120))
	glide(inShell, onPhoto, 25, 40*time.Millisecond)
	far := image.Pt(560, 96)
	slide(photoAt, far, 40, 40*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	slide(far, photoAt, 40, 40*time.Millisecond)
	// Back to the shell to tidy up, then to where the pointer started.
	glide(onPhoto, inShell, 25, 40*time.Millisecond)
	typeLine("printf '%s\\n' SPICE in the browser: Go, WebAssembly")
	time.Sleep(time.Second)
	typeLine("clear")
	glide(inShell, rest, 25, 40*time.Millisecond)
	time.Sleep(1500 * time.Millisecond)

	b.Close()
	if err := s.Proc.Stop(); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"+spicecap.Ext))
	if len(names) < 4 {
		t.Fatalf("%d captures, want main, display, inputs and cursor", len(names))
	}

	// Compress and check before replacing anything.
	zipped := map[string][]byte{}
	total := 0
	for _, n := range names {
		raw, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(raw)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		zipped[filepath.Base(n)+".gz"] = z.Bytes()
		total += z.Len()
		t.Logf("%s: %d bytes, %d compressed", filepath.Base(n), len(raw), z.Len())
	}
	check := t.TempDir()
	for n, z := range zipped {
		if err := os.WriteFile(filepath.Join(check, n), z, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := replay.Load(os.DirFS(check), replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recording: %v; %d bytes compressed", rec, total)
	if total > demoMaxBytes {
		t.Fatalf("the recording is %d bytes compressed, over the %d allowed", total, demoMaxBytes)
	}
	for _, ct := range []spice.ChannelType{spice.ChannelDisplay, spice.ChannelCursor} {
		if !rec.Loops(spice.ChannelID{Type: ct}) {
			t.Fatalf("the %v channel does not loop: %v", ct, rec)
		}
	}
	old, _ := filepath.Glob(filepath.Join(out, "*"+spicecap.Ext+".gz"))
	for _, n := range old {
		if err := os.Remove(n); err != nil {
			t.Fatal(err)
		}
	}
	for n, z := range zipped {
		if err := os.WriteFile(filepath.Join(out, n), z, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %d captures (%d bytes) to %s\n", len(zipped), total, out)
}
