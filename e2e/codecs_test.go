//go:build linux

package e2e

import (
	"context"
	"fmt"
	"image"
	"math"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/raster"
)

// codecCase is one server compression setting and what must show.
type codecCase struct {
	name string
	opts XspiceOptions
	// query is added to the page URL (the client's preferred compression).
	query string
	// want lists image types the client must have decoded (from its
	// "display: decoding X images" debug log).
	want []string
	// maxMeanError is 0 for lossless settings (exact equality); for lossy
	// ones, the largest mean absolute difference per channel allowed.
	maxMeanError float64
}

var codecCases = []codecCase{
	{name: "off", opts: XspiceOptions{ImageCompression: "off"}, want: []string{"BITMAP"}},
	{name: "quic", opts: XspiceOptions{ImageCompression: "quic"}, want: []string{"QUIC"}},
	{name: "lz", opts: XspiceOptions{ImageCompression: "lz"}, want: []string{"LZ_RGB"}},
	{name: "glz", opts: XspiceOptions{ImageCompression: "glz"}, want: []string{"GLZ_RGB"}},
	{name: "auto_lz", opts: XspiceOptions{ImageCompression: "auto_lz"}, want: []string{"LZ_RGB"}},
	{name: "auto_glz", opts: XspiceOptions{ImageCompression: "auto_glz"}, want: []string{"GLZ_RGB"}},
	{name: "lz4", opts: XspiceOptions{}, query: "&compression=lz4", want: []string{"LZ4"}},
	{name: "zlib_glz", opts: XspiceOptions{ImageCompression: "glz", ZlibGLZWANCompression: "always"}, want: []string{"ZLIB_GLZ_RGB"}},
	// Xspice's images all have an alpha channel, so its lossy images come
	// as JPEG_ALPHA (a JPEG plus an LZ alpha plane).
	{name: "jpeg", opts: XspiceOptions{ImageCompression: "auto_glz", JPEGWANCompression: "always"}, want: []string{"JPEG_ALPHA"}, maxMeanError: 2},
}

// TestClientCodecs runs the client in Chromium against Xspice once per
// compression setting, on a desktop with flat colour, text and a photo:
// the canvas must equal the framebuffer for lossless settings and stay
// within a mean error for lossy ones, and the client must have decoded the
// image types the setting is about.
func TestClientCodecs(t *testing.T) {
	Require(t, clientTools...)
	t.Parallel()
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := StartXspice(t, tc.opts)
			desktop(t, x)
			s := StartServe(t, x.Port)
			b := StartBrowser(t, BrowserOptions{})
			openClient(t, b, s.URL, s.Port, tc.query, "connected")
			// Draw after connecting too, so images flow to a live client
			// (the first screen alone is often one big LZ image).
			img, _ := Plasma(t, 200, 150, 11)
			x.ShowImage(img, image.Pt(600, 60))
			x.XTerm(XTermOptions{Text: "codec " + tc.name + ": ABCDEFGHIJKLMNOPQRSTUVWXYZ", At: image.Pt(60, 600), Cols: 50, Rows: 3})
			x.MouseMove(pointerAt)
			ignore := PointerBox(pointerAt, 24)
			if tc.maxMeanError == 0 {
				WaitImagesMatch(t, "codec-"+tc.name, 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), ignore)
			} else {
				waitMeanError(t, b, x, tc.maxMeanError, ignore)
			}
			for _, typ := range tc.want {
				if !sawImageType(b, typ) {
					t.Errorf("the client never decoded a %s image under %s", typ, tc.name)
				}
			}
		})
	}
}

func sawImageType(b *Browser, typ string) bool {
	for _, m := range b.Console() {
		if strings.Contains(m.Text, "decoding "+typ+" images") {
			return true
		}
	}
	return false
}

// waitMeanError waits until the canvas is within maxMean of the
// framebuffer (mean absolute difference per colour channel).
func waitMeanError(t *testing.T, b *Browser, x *Xspice, maxMean float64, ignore image.Rectangle) {
	t.Helper()
	var last float64
	err := waitUntil(t.Context(), 30*time.Second, "lossy canvas to be close", nil, func(ctx context.Context) error {
		got, err := b.CanvasErr(ctx, screen)
		if err != nil {
			return err
		}
		want, err := FramebufferErr(ctx, x.Display)
		if err != nil {
			return err
		}
		if got.W != want.W || got.H != want.H {
			return fmt.Errorf("size %dx%d, want %dx%d", got.W, got.H, want.W, want.H)
		}
		last = meanError(got, want, ignore)
		if last > maxMean {
			return fmt.Errorf("mean error %.3f, want <= %.3f", last, maxMean)
		}
		return nil
	})
	if err != nil {
		t.Errorf("e2e: %v", err)
		return
	}
	t.Logf("mean absolute error per channel: %.3f (limit %.3f)", last, maxMean)
}

func meanError(got, want *raster.Image, ignore image.Rectangle) float64 {
	var sum, n float64
	for y := 0; y < got.H; y++ {
		g, w := got.Row(y), want.Row(y)
		for x := 0; x < got.W; x++ {
			if image.Pt(x, y).In(ignore) {
				continue
			}
			for c := 0; c < 3; c++ {
				sum += math.Abs(float64(g[x*4+c]) - float64(w[x*4+c]))
				n++
			}
		}
	}
	return sum / n
}

// TestClientVideoStream: an animation on an Xspice without off-screen
// surfaces makes the server stream it as MJPEG video; the client must
// decode the stream, having measured every way it has (Go and the
// browser's decoders) and chosen one, without a decoder failing, and once
// the animation is gone the screen must equal the framebuffer again.
func TestClientVideoStream(t *testing.T) {
	animate := Tool{"animate", "/usr/bin/animate", "imagemagick"}
	Require(t, append(clientTools, animate)...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{DisableSurfaces: true, ExtraArgs: []string{"--streaming-video", "all", "--video-codecs", "spice:mjpeg"}})
	x.SetRootColor("#336633")
	x.MouseMove(pointerAt)
	s := StartServe(t, x.Port)
	b := StartBrowser(t, BrowserOptions{})
	// MJPEG first: with GStreamer's encoders installed the server would
	// otherwise stream VP8, which this client prefers (video_test.go).
	openClient(t, b, s.URL, s.Port, "&videocodecs=mjpeg", "connected")

	// Frames of a changing photo-like picture.
	var frames []string
	for i := range 12 {
		p, _ := Plasma(t, 240, 180, 100+i)
		frames = append(frames, p)
	}
	anim := x.Start("animate", animate, append([]string{"-delay", "4", "-geometry", "+200+150"}, frames...)...)
	err := waitUntil(t.Context(), 30*time.Second, "a video stream", nil, func(ctx context.Context) error {
		for _, m := range b.Console() {
			if strings.Contains(m.Text, "display: video stream") {
				return nil
			}
		}
		return fmt.Errorf("no stream yet")
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	// The display channel times Go's decoder against the browser's on the
	// first frames and logs which it keeps, with the figures; in this
	// secure context (127.0.0.1) the browser offers ImageDecoder and
	// createImageBitmap.
	var verdict string
	err = waitUntil(t.Context(), 30*time.Second, "the MJPEG decoder choice", nil, func(ctx context.Context) error {
		for _, m := range b.Console() {
			if strings.Contains(m.Text, "MJPEG 240x180 frames decoded by") {
				verdict = m.Text
				return nil
			}
		}
		return fmt.Errorf("no choice logged yet")
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	t.Logf("%s", verdict)
	for _, way := range []string{"Go ", "ImageDecoder ", "createImageBitmap "} {
		if !strings.Contains(verdict, way) {
			t.Errorf("the client did not measure %q: %s", way, verdict)
		}
	}
	time.Sleep(time.Second) // frames through the chosen decoder
	if err := anim.Stop(); err != nil {
		t.Logf("stopping animate: %v", err)
	}
	WaitImagesMatch(t, "after-video", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
	for _, m := range b.Console() {
		for _, bad := range []string{"dropping undecodable frame", "could not decode", "no longer decoded"} {
			if strings.Contains(m.Text, bad) {
				t.Errorf("the client dropped frames or a decoder failed: %s", m.Text)
			}
		}
	}
}
