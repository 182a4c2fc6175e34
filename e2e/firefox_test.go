//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The client in Firefox ESR (Debian's firefox-esr), driven over WebDriver
// BiDi (firefox.go). Everything else in e2e runs in Chromium only; these
// tests cover what differs: OffscreenCanvas in a worker, WebCodecs,
// secure contexts, input events, and what Firefox logs.

// TestFirefoxDriver checks the driver itself on a blank page: values and
// errors of evaluations, promises (one that never settles blocks nothing
// after it), canvas reads, what the console
// collects, and that evaluations, unlike a click, give the page no user
// activation (puppeteer's own evaluate would).
func TestFirefoxDriver(t *testing.T) {
	requireFirefox(t)
	t.Parallel()
	f := StartFirefox(t, FirefoxOptions{AllowConsoleErrors: true})
	f.Navigate("about:blank")
	if got := Eval[int](f, `new Promise((r) => setTimeout(() => r(6 * 7), 10))`); got != 42 {
		t.Errorf("awaited promise: %d, want 42", got)
	}
	if got := Eval[map[string]any](f, `({a: "x", b: [1, 2]})`); fmt.Sprint(got) != "map[a:x b:[1 2]]" {
		t.Errorf("object: %v", got)
	}
	if _, err := EvalErr[int](t.Context(), f, `undefined`); !errors.Is(err, chromedp.ErrJSUndefined) {
		t.Errorf("undefined as int: %v, want ErrJSUndefined", err)
	}
	if _, err := EvalErr[int](t.Context(), f, `null`); !errors.Is(err, chromedp.ErrJSNull) {
		t.Errorf("null as int: %v, want ErrJSNull", err)
	}
	if v, err := EvalErr[[]int](t.Context(), f, `null`); err != nil || v != nil {
		t.Errorf("null as slice: %v, %v", v, err)
	}
	if _, err := EvalErr[int](t.Context(), f, `Promise.reject(new Error("nope"))`); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("rejected promise: %v, want its error", err)
	}
	// An evaluation that never settles, given up on, holds up nothing.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	if _, err := EvalErr[int](ctx, f, `new Promise(() => {})`); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a promise that never settles: %v, want the deadline", err)
	}
	cancel()
	if got := Eval[string](f, `"next"`); got != "next" {
		t.Errorf("after a stuck evaluation: %q", got)
	}
	checkCanvasReader(t, f)

	Eval[bool](f, `(console.info("firefox-driver info"), console.error("firefox-driver error"),
		setTimeout(() => { throw new Error("firefox-driver uncaught"); }), true)`)
	err := waitUntil(t.Context(), 10*time.Second, "the console messages", nil, func(ctx context.Context) error {
		var seen []string
		for _, m := range f.Console() {
			seen = append(seen, m.Type+" "+m.Text)
		}
		all := strings.Join(seen, "\n")
		for _, w := range []string{"info firefox-driver info", "error firefox-driver error", "exception Error: firefox-driver uncaught"} {
			if !strings.Contains(all, w) {
				return fmt.Errorf("no %q in:\n%s", w, all)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	if n := len(f.ConsoleErrors()); n != 2 {
		t.Errorf("%d console errors, want 2 (the error and the exception): %v", n, f.ConsoleErrors())
	}

	if Eval[bool](f, `navigator.userActivation.hasBeenActive`) {
		t.Error("the page has had user activation from evaluations alone")
	}
	if err := f.Click(5, 5); err != nil {
		t.Fatal(err)
	}
	if !Eval[bool](f, `navigator.userActivation.hasBeenActive`) {
		t.Error("a click gave the page no user activation")
	}
}

// TestFirefoxConsole: behind Debian's websockify, the client in Firefox
// connects to Xspice, its canvas equals the X framebuffer, typing reaches
// an xterm, and nothing is logged as an error; once in the worker (where
// Firefox, like Chromium, runs it by default) and once on the page
// (?worker=0).
func TestFirefoxConsole(t *testing.T) {
	Require(t, clientTools...)
	requireFirefox(t)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	desktop(t, x)
	typed := filepath.Join(t.TempDir(), "typed.txt")
	// An xterm whose shell copies what is typed to a file, line by line.
	p := x.Start("xterm-cat", ToolXterm, "-title", "cat", "-geometry", "40x5+100+330", "-e", "sh", "-c", "stty -echo; cat > "+typed)
	win := &Window{ID: x.WaitWindow("cat", p), Title: "cat", Proc: p}
	rect := x.WindowRect(win)
	// X's own autorepeat would add letters when a release arrives late.
	x.Run(ToolXset, "r", "off")

	ws := StartWebsockify(t, Site(t), x.Port)
	f := StartFirefox(t, FirefoxOptions{})
	var want string
	for _, tc := range []struct{ mode, query, text string }{
		// ' and / open Firefox's Quick Find on a page that lets them
		// through.
		{"worker", "", "Hello from Firefox 42! It's a/b."},
		{"page", "&worker=0", "And ~again~ (page) 'quoted' /slash"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			// 1:1, so that page pixels are guest pixels for the click.
			start := time.Now()
			openClient(t, f, ws.URL, ws.Port, "&scaling=down"+tc.query, "connected")
			t.Logf("connected %v after navigating; module load (ms since navigation): %v", time.Since(start).Round(time.Millisecond),
				Eval[map[string]any](f, `SpiceWeb.pageConsole.stats().then((s) => s.load)`))
			wantMode(t, f, tc.mode)
			if !WaitImagesMatch(t, "firefox-"+tc.mode, 30*time.Second, CanvasSource(f, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24)) {
				return
			}
			// Without a window manager X sends keys to the window under
			// the pointer: put the guest's pointer there through the page.
			o := canvasOrigin(t, f)
			center := image.Pt((rect.Min.X+rect.Max.X)/2, (rect.Min.Y+rect.Max.Y)/2)
			if err := f.Click(float64(o.X+center.X), float64(o.Y+center.Y)); err != nil {
				t.Fatal(err)
			}
			if err := f.Focus(screen); err != nil {
				t.Fatal(err)
			}
			if err := f.TypeUS(tc.text + "\r"); err != nil {
				t.Fatal(err)
			}
			want += tc.text + "\n"
			var got []byte
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if got, _ = os.ReadFile(typed); string(got) == want {
					break
				}
			}
			if string(got) != want {
				t.Fatalf("the guest received %q, want %q", got, want)
			}
			// Back where the comparisons leave it out (xdotool --sync
			// waits 15 s for a move to where the pointer already is).
			x.MouseMove(pointerAt)
		})
	}
}

// TestFirefoxPassword: in Firefox, a refused password brings up the
// password form and the page does not retry; the right one typed into the
// form and Enter connect, and the screen equals the framebuffer.
func TestFirefoxPassword(t *testing.T) {
	Require(t, clientTools...)
	requireFirefox(t)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{Password: "corr3ct horse"})
	desktop(t, x)
	ws := StartWebsockify(t, Site(t), x.Port)
	f := StartFirefox(t, FirefoxOptions{})
	openClient(t, f, ws.URL, ws.Port, "&password=wrong", "auth-failed")
	wantPasswordForm(t, f)
	if err := f.Focus("#password"); err != nil {
		t.Fatal(err)
	}
	// Enter submits the form; the page connects again in the same
	// worker, on the same canvas (Firefox refused the canvas's second
	// getContext there, and the page stayed "connecting").
	if err := f.TypeUS(x.Password + "\r"); err != nil {
		t.Fatal(err)
	}
	waitState(t, f, "connected")
	WaitImagesMatch(t, "firefox-password", 30*time.Second, CanvasSource(f, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
}

// TestFirefoxVideo: Xspice streams an animation (--streaming-video all,
// VP8 or MJPEG); in Firefox the stream's pictures reach the canvas and,
// once the animation is gone, the screen equals the X framebuffer:
//   - mjpeg-page: on 127.0.0.1 (a secure context) with ?videocodecs=mjpeg,
//     the client on the page (?worker=0);
//   - vp8: on 127.0.0.1 with the page's own codec list, VP8 through
//     Firefox's WebCodecs (the test logs what isConfigSupported said for
//     each codec the client probes);
//   - insecure-mjpeg: on plain http under a name that is not loopback
//     (network.dns.localDomains maps console.test to loopback): no
//     WebCodecs, MJPEG alone advertised, and MJPEG played.
func TestFirefoxVideo(t *testing.T) {
	animate := Tool{"animate", "/usr/bin/animate", "imagemagick"}
	Require(t, append(clientTools, animate)...)
	requireFirefox(t)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{DisableSurfaces: true,
		ExtraArgs: []string{"--streaming-video", "all", "--video-codecs", "gstreamer:vp8;spice:mjpeg"}})
	x.SetRootColor("#336633")
	x.MouseMove(pointerAt)
	var frames []string
	for i := range 12 {
		p, _ := Plasma(t, 240, 180, 100+i)
		frames = append(frames, p)
	}
	s := StartServe(t, x.Port)
	f := StartFirefox(t, FirefoxOptions{Prefs: map[string]any{"network.dns.localDomains": "console.test"}})

	for _, tc := range []struct {
		name, url, codec string
		secure           bool
	}{
		{"mjpeg-page", fmt.Sprintf("%sspice_auto.html?host=127.0.0.1&port=%d&videocodecs=mjpeg&worker=0", s.URL, s.Port), "mjpeg", true},
		{"vp8", fmt.Sprintf("%sspice_auto.html?host=127.0.0.1&port=%d", s.URL, s.Port), "vp8", true},
		{"insecure-mjpeg", fmt.Sprintf("http://console.test:%d/spice_auto.html?port=%d", s.Port, s.Port), "mjpeg", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.ConsoleTexts())
			if err := f.NavigateErr(tc.url); err != nil {
				t.Fatal(err)
			}
			waitState(t, f, "connected")
			if strings.Contains(tc.url, "worker=0") {
				wantMode(t, f, "page")
			} else {
				wantMode(t, f, "worker")
			}
			ctx := Eval[map[string]any](f, `({secure: isSecureContext, VideoDecoder: typeof VideoDecoder, ImageDecoder: typeof ImageDecoder, origin: location.origin})`)
			t.Logf("page: %v", ctx)
			if ctx["secure"] != tc.secure {
				t.Fatalf("isSecureContext %v, want %v", ctx["secure"], tc.secure)
			}
			if tc.secure {
				// What Firefox says of each codec string the client probes
				// (wasm/jsbridge/video_js.go videoCodecStrings).
				probe := Eval[map[string]bool](f, `(async () => {
					const out = {};
					for (const codec of ["vp8", "avc1.640028", "vp09.00.40.08", "hev1.1.6.L120.90"]) {
						try { out[codec] = (await VideoDecoder.isConfigSupported({codec, optimizeForLatency: true})).supported; }
						catch (e) { out[codec + " (" + e.name + ")"] = false; }
					}
					return out;
				})()`)
				t.Logf("VideoDecoder.isConfigSupported: %v", probe)
			} else if ctx["VideoDecoder"] != "undefined" {
				t.Errorf("an insecure page has VideoDecoder")
			}
			prefs := codecPrefsSince(t, f, before)
			t.Logf("%s", prefs)
			if !tc.secure && !strings.HasSuffix(strings.TrimSpace(prefs), "preferred first: mjpeg") {
				t.Errorf("an insecure page advertised %q, want MJPEG alone", prefs)
			}

			anim := x.Start("animate", animate, append([]string{"-delay", "4", "-geometry", "+200+150"}, frames...)...)
			start, end := watchVideo(t, f, anim, "a video stream")
			if end.Codec != tc.codec || end.Failed != 0 {
				t.Errorf("stream codec %q, %d failed; want %s, none failed", end.Codec, end.Failed, tc.codec)
			}
			if n := end.Presented - start.Presented; n < 25 {
				t.Errorf("%d pictures reached the canvas over 5 s of a 25 fps animation, want at least 25", n)
			}
			WaitImagesMatch(t, "firefox-after-"+tc.name, 30*time.Second, CanvasSource(f, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
			for _, text := range f.ConsoleTexts()[before:] {
				if strings.Contains(text, "cannot be decoded") || strings.Contains(text, "WebCodecs:") {
					t.Errorf("the client failed a stream: %s", text)
				}
			}
		})
	}
}

// TestFirefoxSound: with Firefox's own autoplay policy the page's speaker
// first says sound is blocked, a click lets it play, and a tone from
// Xspice's playback FIFO plays through the Web Audio graph without an
// error: Opus through WebCodecs' AudioDecoder and the AudioWorklet player
// on 127.0.0.1; RAW through the page's scheduled player on an insecure
// page (http://console.test: no AudioWorklet, no WebCodecs). What the
// graph outputs is not checked here: the audio tap of audiotap.go is
// Chromium's (TestAudioPlayback). Firefox runs with its mock audio
// backend (firefoxPrefs): the machines have no sound device.
func TestFirefoxSound(t *testing.T) {
	Require(t, xspiceTools...)
	requireFirefox(t)
	t.Parallel()
	for _, tc := range []struct {
		name, host    string
		opus          bool
		codec, player string
	}{
		{"opus-worklet", "127.0.0.1", true, "opus", "worklet"},
		{"raw-insecure", "console.test", false, "raw", "scheduled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fifoDir := t.TempDir()
			x := StartXspice(t, XspiceOptions{AudioFIFODir: fifoDir, AudioOpus: tc.opus, Width: 640, Height: 480})
			s := StartServe(t, x.Port)
			f := StartFirefox(t, FirefoxOptions{Prefs: map[string]any{"network.dns.localDomains": "console.test"}})
			f.Navigate(fmt.Sprintf("http://%s:%d/spice_auto.html?port=%d", tc.host, s.Port, s.Port))
			waitState(t, f, "connected")
			if secure := Eval[bool](f, `isSecureContext`); secure != (tc.host == "127.0.0.1") {
				t.Fatalf("isSecureContext %v on %s", secure, tc.host)
			}
			f.WaitJS(`SpiceWeb.pageConsole.playback.state !== "off"`, 20*time.Second)
			// Firefox blocks sound until a gesture, as Chromium does.
			f.WaitJS(`document.getElementById("sound").dataset.state === "blocked"`, 10*time.Second)
			if err := f.Click(5, 5); err != nil {
				t.Fatal(err)
			}
			f.WaitJS(`document.getElementById("sound").dataset.state === "idle"`, 10*time.Second)

			fifo := NewAudioFIFO(t, fifoDir, sigRate)
			tone := Stereo16(append(Tone(sigRate, 3*sigRate, sigToneHz, sigAmp), make([]float64, sigRate/2)...), sigRight)
			played := make(chan error, 1)
			go func() {
				_, err := fifo.Play(t.Context(), tone)
				played <- err
			}()
			f.WaitJS(`SpiceWeb.pageConsole.playback.state === "playing"`, 20*time.Second)
			pd := Eval[map[string]any](f, `SpiceWeb.pageConsole.playback`)
			t.Logf("playback: %v", pd)
			if pd["codec"] != tc.codec || pd["player"] != tc.player || pd["rate"] != float64(sigRate) || pd["channels"] != 2.0 {
				t.Errorf("playback %v: want codec %s, player %s, 48 kHz stereo", pd, tc.codec, tc.player)
			}
			time.Sleep(time.Second)
			a := Eval[map[string]any](f, `SpiceWeb.pageConsole.stats().then((s) => s && s.audio)`)
			t.Logf("audio stats: %v", a)
			if err := <-played; err != nil {
				t.Fatal(err)
			}
			// Underruns are only logged: one in a while is the load of a
			// shared 2-core machine, not the browser.
			if a["batches"] == 0.0 {
				t.Errorf("audio stats %v: nothing reached the player", a)
			}
		})
	}
}

// TestFirefoxAgent: with the guest agent, in Firefox on 127.0.0.1. The
// guest follows the console's area, also when the window is resized.
// Firefox knows no clipboard permissions and writes the clipboard only
// within a few seconds of the user's click or key (transient activation);
// it reads it only after the user picks "Paste" from a menu of its own.
// So the page does not read the local clipboard by itself (and says why),
// a guest copy made while the user does nothing waits for the user's next
// click or key instead of turning writes off for the session, and a guest
// copy made right after a click is on the local clipboard. Ctrl+V in the
// console, the way the local clipboard reaches the guest in Firefox, sends
// it: Firefox fires that paste event at the page's body, not at the
// focused canvas as Chromium does.
func TestFirefoxAgent(t *testing.T) {
	Require(t, append(append([]Tool{}, clientTools...), AgentTools...)...)
	requireFirefox(t)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{VDAgent: true})
	x.SetRootColor("#336699")
	x.MouseMove(pointerAt)
	ws := StartWebsockify(t, Site(t), x.Port)
	// The page writes the clipboard only while it has focus (as Chrome
	// requires), which a headless Firefox window never has.
	f := StartFirefox(t, FirefoxOptions{EmulateFocus: true})
	f.Navigate(ws.URL + "spice_auto.html")
	f.WaitJS(`document.body.dataset.state === "connected" && (({connected, clipboard}) => connected && clipboard)(SpiceWeb.pageConsole.agent)`, 60*time.Second)
	f.WaitJS(`SpiceWeb.pageConsole.screenSize.width > 0 && getComputedStyle(document.querySelector("canvas.spiceweb-screen")).visibility === "visible"`, 30*time.Second)
	follows := func(what string) {
		t.Helper()
		a := Eval[[]int](f, `(() => { const r = document.querySelector(".spiceweb-console"); return [r.clientWidth, r.clientHeight]; })()`)
		w, h := a[0]/8*8, a[1]/8*8
		if err := x.WaitScreenSize(w, h, 20*time.Second); err != nil {
			t.Fatalf("%s: console area %dx%d: %v", what, a[0], a[1], err)
		}
		f.WaitJS(fmt.Sprintf(`(() => { const c = document.querySelector(%q); return c.width === %d && c.height === %d; })()`, screen, w, h), 20*time.Second)
		WaitImagesMatch(t, "firefox-agent-"+strings.ReplaceAll(what, " ", "-"), 20*time.Second, CanvasSource(f, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
	}
	follows("first connect")
	if err := f.SetViewport(1000, 700); err != nil {
		t.Fatal(err)
	}
	f.WaitJS(`innerWidth === 1000`, 10*time.Second)
	follows("window 1000x700")

	access := func() map[string]any { return Eval[map[string]any](f, `SpiceWeb.pageConsole.clipboardAccess`) }
	a := access()
	t.Logf("clipboard access: %v", a)
	if a["read"] != false || a["write"] != true || !strings.Contains(fmt.Sprint(a["reason"]), "asks before every clipboard read") {
		t.Errorf("clipboard access %v: want no automatic read (Firefox asks), automatic write", a)
	}

	// Copied in the guest while the user does nothing: Firefox refuses the
	// write; writing stays on, for the next gesture.
	first := "copied in the guest, unattended ✓"
	x.SetClipboard("UTF8_STRING", []byte(first))
	f.WaitJS(fmt.Sprintf(`(SpiceWeb.pageConsole.guestClipboard || {}).text === %q`, first), 20*time.Second)
	time.Sleep(500 * time.Millisecond) // the page's write is refused by now
	if a := access(); a["write"] != true {
		t.Errorf("after a guest copy with no user gesture, clipboard access %v: writing turned off", a)
	}

	// A click in the console, then a copy in the guest (as a guest
	// application's Copy would follow it): on the local clipboard.
	r := Eval[[]float64](f, `(() => { const r = document.querySelector("canvas.spiceweb-screen").getBoundingClientRect(); return [r.left + 10, r.top + 10]; })()`)
	if err := f.Click(r[0], r[1]); err != nil {
		t.Fatal(err)
	}
	second := "copied in the guest after a click ✓"
	x.SetClipboard("UTF8_STRING", []byte(second))
	f.WaitJS(fmt.Sprintf(`(SpiceWeb.pageConsole.guestClipboard || {}).text === %q`, second), 20*time.Second)
	// Reading needs a gesture too; what this page wrote itself Firefox
	// gives back without its Paste menu.
	var local string
	err := waitUntil(t.Context(), 10*time.Second, "the guest's copy on the local clipboard", nil, func(ctx context.Context) error {
		if err := f.Click(r[0], r[1]); err != nil {
			return err
		}
		var err error
		if local, err = EvalErr[string](ctx, f, `navigator.clipboard.readText()`); err != nil {
			return err
		}
		if local != second {
			return fmt.Errorf("the local clipboard holds %q", local)
		}
		return nil
	})
	if err != nil {
		t.Errorf("e2e: %v", err)
	}
	if a := access(); a["write"] != true {
		t.Errorf("clipboard access %v at the end: writing turned off", a)
	}

	// Copied locally (by this page, after a click: a user's copy in
	// another application would do), then Ctrl+V in the console.
	pasted := "pasted with Ctrl+V in Firefox ✓"
	if err := f.Click(r[0], r[1]); err != nil {
		t.Fatal(err)
	}
	Eval[bool](f, fmt.Sprintf(`navigator.clipboard.writeText(%q).then(() => true)`, pasted))
	if err := f.Focus(screen); err != nil {
		t.Fatal(err)
	}
	if err := f.Press("v", "Control"); err != nil {
		t.Fatal(err)
	}
	waitGuestClipboard(t, x, pasted)
}

// TestFirefoxMonitorWindow: two Xspice heads with monitors=windows. The
// console shows monitor 1; Firefox blocks the window the console opens by
// itself (no click came first), the console says so, and its button opens
// the window, where monitor 2 shows (its canvas drawn by the worker, from
// another window's OffscreenCanvas).
func TestFirefoxMonitorWindow(t *testing.T) {
	Require(t, multimonTools...)
	requireFirefox(t)
	t.Parallel()
	x, second := startTwoHeads(t, false)
	park := twoHeadDesktop(t, x, second)
	s := StartServe(t, x.Port)
	f := StartFirefox(t, FirefoxOptions{})
	openClient(t, f, s.URL, s.Port, "&scaling=down&monitors=windows", "connected")
	f.WaitJS(`SpiceWeb.pageConsole.monitors.list.length === 2`, 20*time.Second)
	WaitImagesMatch(t, "firefox-console-monitor-1", 30*time.Second,
		crop(CanvasSource(f, screen), image.Rect(0, 0, 1024, 768)), crop(FramebufferSource(x.Display), image.Rect(0, 0, 1024, 768)))

	state := Eval[string](f, `(() => { const w = SpiceWeb.pageConsole.monitors.windows[0]; return w ? w.state : "none"; })()`)
	t.Logf("monitor 2's window, opened by the page alone: %s", state)
	if state == "blocked" {
		text := Eval[string](f, `document.querySelector(".spiceweb-monitor-bar").textContent`)
		if !strings.Contains(text, "blocked") || !strings.Contains(text, "Open monitor 2") {
			t.Errorf("the console says %q about the blocked window", text)
		}
		r := Eval[[]float64](f, `(() => { const r = document.querySelector(".spiceweb-open-monitor").getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
		if err := f.Click(r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	f.WaitJS(`SpiceWeb.pageConsole.monitors.windows.some((w) => w.index === 1 && w.state === "open")`, 10*time.Second)
	right := image.Rect(1024, 0, 2048, 768)
	WaitImagesMatch(t, "firefox-window-monitor-2", 30*time.Second, popupCanvas(f), crop(FramebufferSource(x.Display), right), PointerBox(park, 24).Sub(right.Min))
}
