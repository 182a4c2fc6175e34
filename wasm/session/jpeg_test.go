package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/codec/codectest"
	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
	"spiceweb/wasm/spice"
)

// mjpegFrames reads a recorded MJPEG stream of codec/jpeg's testdata
// (frames after the first lack their Huffman tables).
func mjpegFrames(t *testing.T, name string) [][]byte {
	t.Helper()
	dir := filepath.Join("..", "codec", "jpeg", "testdata", name)
	list, err := codectest.ReadList(filepath.Join(dir, "manifest"), "seed", "mae")
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for _, e := range list {
		b, err := os.ReadFile(filepath.Join(dir, e.Name))
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, b)
	}
	return frames
}

// completeFrames returns the frames made standalone and Go's decode of
// each: what every way of decoding must produce.
func completeFrames(t *testing.T, frames [][]byte) (jfifs [][]byte, want []*raster.Image) {
	t.Helper()
	var s jpeg.Stream
	for i, f := range frames {
		j, err := s.Complete(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		img := &raster.Image{}
		if err := jpeg.Decode(j, img); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		jfifs = append(jfifs, bytes.Clone(j))
		want = append(want, img)
	}
	return jfifs, want
}

// fakeClock advances only when a fake decoder says so.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// fakeJPEG is an external decoder that decodes with Go and takes cost
// per pixel on the fake clock; it can be told to fail.
type fakeJPEG struct {
	name  string
	clock *fakeClock
	cost  func(w, h int) time.Duration
	// busy, when set, is the part of cost the calling thread is busy
	// (JPEGThreadTime); the rest another thread decodes.
	busy     func(w, h int) time.Duration
	lastBusy time.Duration
	fail     func(call int) error
	calls    int
	jfifs    [][]byte // what it was given, in order
}

func (f *fakeJPEG) Name() string { return f.name }

func (f *fakeJPEG) ThreadTime() time.Duration { return f.lastBusy }

func (f *fakeJPEG) DecodeJPEG(ctx context.Context, jfif []byte, dst *raster.Image) error {
	f.calls++
	f.jfifs = append(f.jfifs, bytes.Clone(jfif))
	f.clock.t = f.clock.t.Add(f.cost(dst.W, dst.H))
	f.lastBusy = f.cost(dst.W, dst.H)
	if f.busy != nil {
		f.lastBusy = f.busy(dst.W, dst.H)
	}
	if f.fail != nil {
		if err := f.fail(f.calls); err != nil {
			clear(dst.Pix) // garbage left behind must not show
			return err
		}
	}
	w, h := dst.W, dst.H
	if err := jpeg.Decode(jfif, dst); err != nil {
		return err
	}
	if dst.W != w || dst.H != h {
		return fmt.Errorf("decoded %dx%d into %dx%d", dst.W, dst.H, w, h)
	}
	return nil
}

type logRec struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRec) log(level, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, level+": "+msg)
	l.mu.Unlock()
}

func (l *logRec) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.lines {
		if strings.Contains(m, s) {
			out = append(out, m)
		}
	}
	return out
}

// testChooser returns a chooser over ext whose Go decoder costs goCost
// on clock.
func testChooser(clock *fakeClock, goCost func(w, h int) time.Duration, logs *logRec, ext ...JPEGDecoder) *jpegChooser {
	c := newJPEGChooser(ext, logs.log)
	c.now = clock.now
	c.goDecode = func(jfif []byte, dst *raster.Image) error {
		clock.t = clock.t.Add(goCost(dst.W, dst.H))
		return jpeg.Decode(jfif, dst)
	}
	return c
}

// streamOf returns n complete frames of a recorded stream, repeating its
// frames (complete, they decode in any order), and Go's decode of each.
func streamOf(t *testing.T, name string, n int) ([][]byte, []*raster.Image) {
	t.Helper()
	jfifs, want := completeFrames(t, mjpegFrames(t, name))
	var js [][]byte
	var ws []*raster.Image
	for i := range n {
		js, ws = append(js, jfifs[i%len(jfifs)]), append(ws, want[i%len(want)])
	}
	return js, ws
}

func perFrame(d time.Duration) func(w, h int) time.Duration {
	return func(int, int) time.Duration { return d }
}

// decodeAll runs jfifs through c and requires every frame to come out as
// Go decodes it, whichever way decoded it.
func decodeAll(t *testing.T, c *jpegChooser, jfifs [][]byte, want []*raster.Image) {
	t.Helper()
	var dst raster.Image
	for i, j := range jfifs {
		if err := c.decode(context.Background(), j, want[i].W, want[i].H, &dst); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if d := rastertest.Diff(&dst, want[i], 0); d != "" {
			t.Fatalf("frame %d: %s", i, d)
		}
	}
}

func TestJPEGChooserTakesTurnsThenKeepsFastest(t *testing.T) {
	jfifs, want := streamOf(t, "mjpeg-xspice-320x240", 30)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	fast := &fakeJPEG{name: "fast", clock: clock, cost: perFrame(time.Millisecond)}
	slow := &fakeJPEG{name: "slow", clock: clock, cost: perFrame(2 * time.Millisecond)}
	c := testChooser(clock, perFrame(4*time.Millisecond), logs, slow, fast)
	decodeAll(t, c, jfifs, want)

	// Go, slow and fast take turns until each has jpegWarmup+jpegSamples
	// frames; fast does the rest.
	measured := jpegWarmup + jpegSamples
	if slow.calls != measured {
		t.Errorf("slow decoded %d frames, want %d (its turns while measuring)", slow.calls, measured)
	}
	if wantFast := len(jfifs) - 2*measured; fast.calls != wantFast {
		t.Errorf("fast decoded %d frames, want %d", fast.calls, wantFast)
	}
	for i, j := range slow.jfifs {
		if !bytes.Equal(j, jfifs[3*i+1]) { // Go, slow, fast, Go, ...
			t.Errorf("slow's call %d got another frame than the %dth: turns are not in order", i, 3*i+1)
		}
	}
	got := logs.matching("decoded by")
	if len(got) != 1 || !strings.Contains(got[0], "320x240 frames decoded by fast") ||
		!strings.Contains(got[0], "median of 5: Go 4.00 ms, slow 2.00 ms, fast 1.00 ms") {
		t.Errorf("log %q, want one line naming fast and each way's median", got)
	}
}

func TestJPEGChooserGoWins(t *testing.T) {
	jfifs, want := streamOf(t, "mjpeg-xspice-320x240", 30)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	ext := &fakeJPEG{name: "browser", clock: clock, cost: perFrame(3 * time.Millisecond)}
	c := testChooser(clock, perFrame(time.Millisecond), logs, ext)
	decodeAll(t, c, jfifs, want)
	if ext.calls != jpegWarmup+jpegSamples {
		t.Errorf("the slower external decoder decoded %d frames, want only its %d turns", ext.calls, jpegWarmup+jpegSamples)
	}
	if got := logs.matching("decoded by Go"); len(got) != 1 {
		t.Errorf("logs %q, want one saying Go decodes", logs.lines)
	}
}

// A browser decoder that takes longer than Go by the clock but keeps the
// thread busy for less of it (another thread decodes) is chosen: what the
// client pays is its own thread's time.
func TestJPEGChooserThreadTime(t *testing.T) {
	jfifs, want := streamOf(t, "mjpeg-xspice-320x240", 30)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	ext := &fakeJPEG{name: "browser", clock: clock, cost: perFrame(5 * time.Millisecond), busy: perFrame(500 * time.Microsecond)}
	c := testChooser(clock, perFrame(3*time.Millisecond), logs, ext)
	decodeAll(t, c, jfifs, want)
	if got := logs.matching("decoded by browser"); len(got) != 1 ||
		!strings.Contains(got[0], "thread time per frame, median of 5: Go 3.00 ms, browser 0.50 ms (5.00 ms wall)") {
		t.Errorf("logs %q, want the browser chosen on its thread time, with both figures", logs.lines)
	}
	if wantCalls := len(jfifs) - (jpegWarmup + jpegSamples); ext.calls != wantCalls {
		t.Errorf("browser decoded %d frames, want %d", ext.calls, wantCalls)
	}
}

// A way too slow by the clock to keep up with a stream is not chosen,
// however little it keeps the thread busy.
func TestJPEGChooserTooSlowForAStream(t *testing.T) {
	jfifs, want := streamOf(t, "mjpeg-xspice-320x240", 30)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	ext := &fakeJPEG{name: "browser", clock: clock, cost: perFrame(jpegMaxWall + time.Millisecond), busy: perFrame(100 * time.Microsecond)}
	c := testChooser(clock, perFrame(3*time.Millisecond), logs, ext)
	decodeAll(t, c, jfifs, want)
	if got := logs.matching("decoded by Go"); len(got) != 1 {
		t.Errorf("logs %q, want Go chosen", logs.lines)
	}
	if ext.calls != jpegWarmup+jpegSamples {
		t.Errorf("browser decoded %d frames, want only its %d turns", ext.calls, jpegWarmup+jpegSamples)
	}
}

// Each frame size is measured on its own: here Go wins on small frames
// and the external decoder on large ones.
func TestJPEGChooserPerSize(t *testing.T) {
	small, smallWant := streamOf(t, "mjpeg-xspice-320x240", 20)
	large, largeWant := streamOf(t, "mjpeg-xspice-640x480", 20)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	// The external decoder has a fixed round trip; Go costs by the pixel.
	ext := &fakeJPEG{name: "browser", clock: clock, cost: func(w, h int) time.Duration { return 2*time.Millisecond + time.Duration(w*h) }}
	c := testChooser(clock, func(w, h int) time.Duration { return time.Duration(w*h) * 10 }, logs, ext)
	// Interleave the two streams.
	for i := range max(len(small), len(large)) {
		if i < len(small) {
			decodeAll(t, c, small[i:i+1], smallWant[i:i+1])
		}
		if i < len(large) {
			decodeAll(t, c, large[i:i+1], largeWant[i:i+1])
		}
	}
	if got := logs.matching("320x240 frames decoded by Go"); len(got) != 1 {
		t.Errorf("small frames: logs %q, want Go chosen", logs.lines)
	}
	if got := logs.matching("640x480 frames decoded by browser"); len(got) != 1 {
		t.Errorf("large frames: logs %q, want the browser chosen", logs.lines)
	}
}

func TestJPEGChooserFallsBackToGo(t *testing.T) {
	jfifs, want := streamOf(t, "mjpeg-xspice-320x240", 16)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	broken := &fakeJPEG{name: "broken", clock: clock, cost: perFrame(0),
		fail: func(int) error { return errors.New("the browser said no") }}
	c := testChooser(clock, perFrame(time.Millisecond), logs, broken)
	decodeAll(t, c, jfifs, want) // every frame right: Go decoded the failed ones
	if broken.calls != jpegMaxFailures {
		t.Errorf("the failing decoder was tried %d times, want %d", broken.calls, jpegMaxFailures)
	}
	if got := logs.matching("the browser said no"); len(got) != 1 {
		t.Errorf("logs %q, want the first failure logged once", logs.lines)
	}
	if got := logs.matching("no longer decoded with it"); len(got) != 1 {
		t.Errorf("logs %q, want the decoder turned off", logs.lines)
	}
}

// A failure now and then does not turn a decoder off, and a decoder that
// fails after it was chosen is replaced by measuring the others again.
func TestJPEGChooserIntermittentFailures(t *testing.T) {
	jfifs, want := streamOf(t, "mjpeg-xspice-320x240", 50)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	// Every other frame fails while measuring, none for a while after,
	// then every one.
	flaky := &fakeJPEG{name: "flaky", clock: clock, cost: perFrame(time.Millisecond),
		fail: func(call int) error {
			if call%2 == 0 && call < 12 || call > 30 {
				return errors.New("flake")
			}
			return nil
		}}
	c := testChooser(clock, perFrame(5*time.Millisecond), logs, flaky)
	decodeAll(t, c, jfifs, want)
	if got := logs.matching("decoded by flaky"); len(got) != 1 {
		t.Errorf("logs %q, want flaky chosen despite every other frame failing", logs.lines)
	}
	if got := logs.matching("no longer decoded with it"); len(got) != 1 {
		t.Errorf("logs %q, want flaky turned off once it failed %d frames in a row", logs.lines, jpegMaxFailures)
	}
	if got := logs.matching("decoded by Go"); len(got) != 1 {
		t.Errorf("logs %q, want Go chosen after flaky was turned off", logs.lines)
	}
}

// After c.recheck frames the ways within jpegRecheckWithin of the chosen
// one are measured again, the others not, and a new winner takes over.
func TestJPEGChooserRechecks(t *testing.T) {
	const recheck = 20
	jfifs, want := streamOf(t, "mjpeg-xspice-320x240", 100)
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	cost := time.Millisecond
	a := &fakeJPEG{name: "a", clock: clock, cost: func(int, int) time.Duration { return cost }}
	b := &fakeJPEG{name: "b", clock: clock, cost: perFrame(1500 * time.Microsecond)}
	far := &fakeJPEG{name: "far", clock: clock, cost: perFrame(10 * time.Millisecond)}
	c := testChooser(clock, perFrame(2500*time.Microsecond), logs, a, b, far)
	c.recheck = recheck
	measured := jpegWarmup + jpegSamples
	n := 4*measured + recheck
	decodeAll(t, c, jfifs[:n], want[:n])
	if got := logs.matching("decoded by a"); len(got) != 1 || !strings.HasPrefix(got[0], "info:") {
		t.Fatalf("logs %q, want a chosen", logs.lines)
	}
	cost = 2 * time.Millisecond // a got slower
	farCalls := far.calls
	decodeAll(t, c, jfifs[n:], want[n:])
	if far.calls != farCalls {
		t.Errorf("far (4x slower than the choice) was measured again: %d calls, had %d", far.calls, farCalls)
	}
	if got := logs.matching("info: display: MJPEG 320x240 frames decoded by b"); len(got) != 1 {
		t.Errorf("logs %q, want b chosen after the recheck, once at info level", logs.lines)
	}
	if got := logs.matching("debug: display: MJPEG 320x240 frames decoded by b"); len(got) == 0 {
		t.Errorf("logs %q, want the next recheck, which keeps b, at debug level", logs.lines)
	}
}

// A frame no decoder can read is dropped without blaming the external
// decoder.
func TestJPEGChooserBadFrame(t *testing.T) {
	jfifs, _ := completeFrames(t, mjpegFrames(t, "mjpeg-xspice-320x240"))
	bad := bytes.Clone(jfifs[1][:len(jfifs[1])/2]) // the scan cut short
	clock := &fakeClock{t: time.Unix(0, 0)}
	logs := &logRec{}
	ext := &fakeJPEG{name: "browser", clock: clock, cost: perFrame(time.Millisecond)}
	c := testChooser(clock, perFrame(2*time.Millisecond), logs, ext)
	var dst raster.Image
	for i := range 2 * jpegMaxFailures {
		if err := c.decode(context.Background(), bad, 320, 240, &dst); err == nil {
			t.Fatalf("attempt %d: a truncated frame decoded", i)
		}
	}
	if c.ways[1].off || len(logs.matching("could not decode")) != 0 {
		t.Errorf("bad frames were blamed on the external decoder: %q", logs.lines)
	}
}

// blockingJPEG waits for its context, as the browser decoder does while
// the browser has not answered.
type blockingJPEG struct{}

func (blockingJPEG) Name() string { return "blocking" }
func (blockingJPEG) DecodeJPEG(ctx context.Context, jfif []byte, dst *raster.Image) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestJPEGChooserCancel(t *testing.T) {
	jfifs, _ := completeFrames(t, mjpegFrames(t, "mjpeg-xspice-320x240"))
	c := newJPEGChooser([]JPEGDecoder{blockingJPEG{}}, (&logRec{}).log)
	c.ways[0].off = true // only the blocking way is left (Go's is never off outside tests)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var dst raster.Image
	if err := c.decode(ctx, jfifs[0], 320, 240, &dst); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("decode while the session ends: %v, want the context's error", err)
	}
}

// streamCreateBody starts MJPEG stream id on surface 0, w x h frames into
// the rectangle at (x, y).
func streamCreateBody(id uint32, flags uint8, x, y int32, w, h uint32) []byte {
	return body{}.u32(0).u32(id).u8(flags).u8(spice.VideoCodecMJPEG).u64(0).u32(w).u32(h).u32(w).u32(h).
		rectLTRB(x, y, x+int32(w), y+int32(h)).u8(spice.ClipTypeNone)
}

func streamDataBody(id uint32, frame []byte) []byte {
	return append(body{}.u32(id).u32(0).u32(uint32(len(frame))), frame...)
}

// The display channel hands the external decoder complete frames in
// order, and what it decodes lands in the surface, where later draws read
// it: a COPY_BITS of the video area must copy exactly the frame.
func TestStreamFramesThroughExternalDecoder(t *testing.T) {
	frames := mjpegFrames(t, "mjpeg-xspice-320x240")
	jfifs, want := completeFrames(t, frames)
	logs := &logRec{}
	clock := &fakeClock{t: time.Unix(0, 0)}
	ext := &fakeJPEG{name: "browser", clock: clock, cost: perFrame(time.Millisecond)}
	c := New(Config{JPEGDecoders: []JPEGDecoder{ext}})
	defer c.caches.close()
	d := newDisplay(c, &channel{client: c, conn: discardConn{}})
	d.jpegs.log = logs.log
	d.jpegs.now = clock.now
	d.jpegs.goDecode = func(jfif []byte, dst *raster.Image) error {
		clock.t = clock.t.Add(3 * time.Millisecond)
		return jpeg.Decode(jfif, dst)
	}
	ctx := context.Background()
	handle := func(typ spice.MsgType, b []byte) {
		t.Helper()
		if err := d.handle(ctx, typ, b); err != nil {
			t.Fatalf("%v: %v", typ, err)
		}
	}
	handle(spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, 800, 600, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary))
	handle(spice.MsgTypeDisplayStreamCreate, streamCreateBody(5, spice.StreamFlagTopDown, 40, 30, 320, 240))
	area := func(s *raster.Surface, x, y int) *raster.Image {
		m, _ := raster.NewImage(320, 240)
		for r := range 240 {
			copy(m.Row(r), s.Row(y + r)[x*4:(x+320)*4])
		}
		return m
	}
	for i, f := range frames {
		handle(spice.MsgTypeDisplayStreamData, streamDataBody(5, f))
		d.settleVideo()
		if d := rgbDiff(area(d.primary, 40, 30), want[i]); d != "" {
			t.Fatalf("frame %d in the surface: %s", i, d)
		}
	}
	if ext.calls == 0 || len(logs.matching("decoded by browser")) != 1 {
		t.Fatalf("the external decoder was not chosen: %d calls, logs %q", ext.calls, logs.lines)
	}
	for k, j := range ext.jfifs {
		if _, _, err := jpeg.DecodeConfig(j); err != nil {
			t.Errorf("call %d: not a complete JPEG: %v", k, err)
		}
	}
	// The last frame came from the external decoder; copy it elsewhere.
	if !bytes.Equal(ext.jfifs[len(ext.jfifs)-1], jfifs[len(jfifs)-1]) {
		t.Fatal("the last frame was not decoded by the external decoder")
	}
	handle(spice.MsgTypeDisplayStreamDestroy, body{}.u32(5))
	handle(spice.MsgTypeDisplayCopyBits, body{}.displayBase(0, 400, 300, 720, 540).u32(40).u32(30))
	if d := rgbDiff(area(d.primary, 400, 300), want[len(want)-1]); d != "" {
		t.Errorf("COPY_BITS of the last frame: %s", d)
	}
}

// rgbDiff compares colour only: the surface is xRGB, its fourth byte is
// not the frame's alpha.
func rgbDiff(got, want *raster.Image) string {
	g, w := *got, *want
	g.Pix, w.Pix = bytes.Clone(g.Pix), bytes.Clone(w.Pix)
	for i := 3; i < len(g.Pix); i += 4 {
		g.Pix[i], w.Pix[i] = 0, 0
	}
	return rastertest.Diff(&g, &w, 0)
}

func TestMedian(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var ds []time.Duration
		for _, x := range v {
			ds = append(ds, time.Duration(x)*time.Millisecond)
		}
		return ds
	}
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{ms(3), 3 * time.Millisecond},
		{ms(5, 1, 4, 2, 3), 3 * time.Millisecond},
		{ms(9, 9, 1, 1, 5), 5 * time.Millisecond},
		{ms(4, 1, 3, 2), 2500 * time.Microsecond},
	} {
		in := append([]time.Duration(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("median reordered its input: %v, was %v", tc.in, in)
		}
	}
}
