//go:build linux

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClientVideoCodecs: Xspice streams an animation with one GStreamer
// encoder at a time (--video-codecs gstreamer:X); the client in Chromium
// (a secure context: 127.0.0.1) must advertise the codec, get a stream of
// it, show its frames through WebCodecs, and once the animation is gone
// the screen must equal the framebuffer.
func TestClientVideoCodecs(t *testing.T) {
	animate := Tool{"animate", "/usr/bin/animate", "imagemagick"}
	Require(t, append(clientTools, animate)...)
	for _, tc := range []struct {
		name  string
		codec int    // spice.VideoCodec*
		query string // page parameters
	}{{"vp8", 2, ""}, {"vp9", 4, ""}, {"h264", 3, ""},
		// The client on the page instead of in a worker: WebCodecs and
		// the pictures' copies on the page's event loop.
		{"vp8", 2, "&worker=0"}} {
		label := tc.name
		if tc.query != "" {
			label += "-page"
		}
		t.Run(label, func(t *testing.T) {
			x := StartXspice(t, XspiceOptions{DisableSurfaces: true,
				ExtraArgs: []string{"--streaming-video", "all", "--video-codecs", "gstreamer:" + tc.name}})
			x.SetRootColor("#336633")
			x.MouseMove(pointerAt)
			s := StartServe(t, x.Port)
			b := StartBrowser(t, BrowserOptions{})
			openClient(t, b, s.URL, s.Port, tc.query, "connected")
			if tc.query != "" {
				if mode := Eval[string](b, `SpiceWeb.pageConsole.stats().then((s) => s && s.mode)`); mode != "page" {
					t.Fatalf("the client runs in mode %q with %s, want page", mode, tc.query)
				}
			}
			prefs := codecPrefs(t, b)
			t.Logf("%s", prefs)
			if !strings.Contains(prefs, tc.name) {
				t.Skipf("this Chromium cannot decode %s through WebCodecs here (%q)", tc.name, prefs)
			}
			var frames []string
			for i := range 12 {
				p, _ := Plasma(t, 240, 180, 100+i)
				frames = append(frames, p)
			}
			anim := x.Start("animate", animate, append([]string{"-delay", "4", "-geometry", "+200+150"}, frames...)...)
			want := fmt.Sprintf("codec %d,", tc.codec)
			err := waitUntil(t.Context(), 60*time.Second, "a "+tc.name+" video stream", nil, func(ctx context.Context) error {
				for _, m := range b.Console() {
					if strings.Contains(m.Text, "display: video stream") && strings.Contains(m.Text, want) {
						return nil
					}
				}
				return fmt.Errorf("no %s stream yet", tc.name)
			})
			if err != nil {
				t.Fatalf("e2e: %v", err)
			}
			time.Sleep(5 * time.Second) // frames through WebCodecs
			if err := anim.Stop(); err != nil {
				t.Logf("stopping animate: %v", err)
			}
			WaitImagesMatch(t, "after-"+tc.name, 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
			ended := regexp.MustCompile(`video stream \d+ \(` + tc.name + `\) ended: (\d+) frames, (\d+) shown, (\d+) dropped`)
			// The server ends a stream a while after its last frame.
			err = waitUntil(t.Context(), 30*time.Second, "the stream's end", nil, func(ctx context.Context) error {
				for _, m := range b.Console() {
					if ended.MatchString(m.Text) {
						return nil
					}
				}
				return fmt.Errorf("the stream has not ended")
			})
			if err != nil {
				t.Errorf("e2e: %v", err)
			}
			var arrived, shown, dropped int
			for _, m := range b.Console() {
				if g := ended.FindStringSubmatch(m.Text); g != nil {
					a, _ := strconv.Atoi(g[1])
					sh, _ := strconv.Atoi(g[2])
					dr, _ := strconv.Atoi(g[3])
					arrived, shown, dropped = arrived+a, shown+sh, dropped+dr
				}
				for _, bad := range []string{"cannot be decoded", "WebCodecs:"} {
					if strings.Contains(m.Text, bad) {
						t.Errorf("the client failed a stream: %s", m.Text)
					}
				}
			}
			t.Logf("%s: %d frames arrived, %d shown, %d dropped", tc.name, arrived, shown, dropped)
			for _, m := range b.Console() {
				// Why frames were dropped, and the server's latency changes.
				if ended.MatchString(m.Text) || strings.Contains(m.Text, "moved mm-time") {
					t.Logf("%s", m.Text)
				}
			}
			if shown < 25 {
				t.Errorf("%d %s pictures shown over 5 s of a 25 fps animation (%d arrived, %d dropped), want at least 25", shown, tc.name, arrived, dropped)
			}
		})
	}
}

// TestClientVideoInsecure: the page on plain http under a name that is
// not loopback (an insecure context: no WebCodecs) advertises MJPEG
// alone; Xspice, which would rather send VP8, streams MJPEG, and the
// stream plays: its frames reach the canvas, and once the animation is
// gone the screen equals the framebuffer.
func TestClientVideoInsecure(t *testing.T) {
	animate := Tool{"animate", "/usr/bin/animate", "imagemagick"}
	Require(t, append(clientTools, animate)...)
	x := StartXspice(t, XspiceOptions{DisableSurfaces: true,
		ExtraArgs: []string{"--streaming-video", "all", "--video-codecs", "gstreamer:vp8;spice:mjpeg"}})
	x.SetRootColor("#336633")
	x.MouseMove(pointerAt)
	s := StartServe(t, x.Port)
	b := StartBrowser(t, BrowserOptions{Flags: []string{"host-resolver-rules=MAP console.test 127.0.0.1"}})
	b.Navigate(fmt.Sprintf("http://console.test:%d/spice_auto.html?port=%d", s.Port, s.Port))
	waitState(t, b, "connected")
	if Eval[bool](b, `window.isSecureContext || typeof VideoDecoder !== "undefined"`) {
		t.Fatal("http://console.test is a secure context with WebCodecs: the test needs an insecure one")
	}
	prefs := codecPrefs(t, b)
	if !strings.HasSuffix(strings.TrimSpace(strings.SplitN(prefs, "(", 2)[0]), "preferred first: mjpeg") {
		t.Errorf("an insecure page advertised %q, want MJPEG alone", prefs)
	}
	var frames []string
	for i := range 12 {
		p, _ := Plasma(t, 240, 180, 100+i)
		frames = append(frames, p)
	}
	anim := x.Start("animate", animate, append([]string{"-delay", "4", "-geometry", "+200+150"}, frames...)...)
	start, end := watchVideo(t, b, anim, "an MJPEG video stream")
	if end.Codec != "mjpeg" || end.Failed != 0 {
		t.Errorf("stream codec %q, %d failed; want MJPEG, none failed", end.Codec, end.Failed)
	}
	if n := end.Presented - start.Presented; n < 25 {
		t.Errorf("%d MJPEG pictures reached the canvas over 5 s of a 25 fps animation, want at least 25", n)
	}
	WaitImagesMatch(t, "after-insecure-mjpeg", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
}

// videoCounts are the parts of the page's stats().video the video tests
// read.
type videoCounts struct {
	Codec     string `json:"codec"`
	Streams   int    `json:"streams"`
	Frames    int    `json:"frames"`
	Shown     int    `json:"shown"`
	Dropped   int    `json:"dropped"`
	Presented int    `json:"presented"`
	Failed    int    `json:"failed"`
}

// watchVideo waits for a video stream (what) on p's page, lets it play
// for 5 s, stops anim (the X client playing it) and returns the page's
// counts at the start and the end of the 5 s.
func watchVideo(t *testing.T, p Page, anim *Proc, what string) (start, end videoCounts) {
	t.Helper()
	stats := func() videoCounts {
		return Eval[videoCounts](p, `SpiceWeb.pageConsole.stats().then((s) => s.video)`)
	}
	err := waitUntil(t.Context(), 60*time.Second, what, nil, func(ctx context.Context) error {
		if start = stats(); start.Streams == 0 || start.Frames == 0 {
			return fmt.Errorf("no stream yet (%+v)", start)
		}
		return nil
	})
	if err != nil {
		anim.Stop()
		t.Fatalf("e2e: %v", err)
	}
	time.Sleep(5 * time.Second)
	end = stats()
	if err := anim.Stop(); err != nil {
		t.Logf("stopping animate: %v", err)
	}
	t.Logf("over 5 s: %d frames arrived, %d presented; %+v", end.Frames-start.Frames, end.Presented-start.Presented, end)
	return start, end
}

// codecPrefs waits for the page's log line listing the video codecs the
// display channel advertises, preferred first, and returns it.
func codecPrefs(t *testing.T, b Page) string {
	t.Helper()
	return codecPrefsSince(t, b, 0)
}

// codecPrefsSince is codecPrefs for a browser that opened pages before:
// only its console lines from the before'th on count.
func codecPrefsSince(t *testing.T, b Page, before int) string {
	t.Helper()
	var prefs string
	err := waitUntil(t.Context(), 30*time.Second, "the display channel's codec list", nil, func(ctx context.Context) error {
		for _, text := range b.ConsoleTexts()[before:] {
			if strings.Contains(text, "video codecs, preferred first") {
				prefs = text
				return nil
			}
		}
		return fmt.Errorf("not logged yet")
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	return prefs
}
