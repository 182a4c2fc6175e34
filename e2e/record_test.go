//go:build linux

package e2e

import (
	"context"
	"image"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"spiceweb/spicecap"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
	"spiceweb/wasm/session"
	"spiceweb/wasm/spice/spicetest"
)

// EnvRecord names the directory TestRecordSessionFixture writes to; the
// test is skipped without it. The session replay test
// (wasm/session/replay_test.go) reads wasm/session/testdata/xspice-desktop:
//
//	SPICEWEB_RECORD=$PWD/wasm/session/testdata/xspice-desktop go test ./e2e -run RecordSessionFixture
const EnvRecord = "SPICEWEB_RECORD"

// lastFrame is a session.Sink that keeps a copy of the primary surface.
type lastFrame struct {
	mu     sync.Mutex
	img    *raster.Image
	first  chan struct{}
	client *session.Client // set after session.New; Invalidate presents at once
}

func (s *lastFrame) State(session.State, string) {}
func (s *lastFrame) Log(string, string)          {}
func (s *lastFrame) MouseMode(uint32)            {}
func (s *lastFrame) Resize(int, int)             {}
func (s *lastFrame) Invalidate()                 { s.client.Present(s.show) }
func (s *lastFrame) show(img *raster.Image, _ []image.Rectangle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.img == nil || s.img.W != img.W || s.img.H != img.H {
		s.img, _ = raster.NewImage(img.W, img.H)
	}
	copy(s.img.Pix, img.Pix)
}
func (s *lastFrame) FirstFrame()                   { close(s.first) }
func (s *lastFrame) Cursor(*session.CursorShape)   {}
func (s *lastFrame) CursorPosition(int, int, bool) {}

// TestRecordSessionFixture records a whole session with a native client
// against Xspice showing known content, and the X framebuffer it must
// produce, as a fixture for the replay test. It checks the recorded
// client's final picture against the framebuffer before writing anything.
func TestRecordSessionFixture(t *testing.T) {
	dir := os.Getenv(EnvRecord)
	if dir == "" {
		t.Skipf("set %s=DIR to record a session fixture", EnvRecord)
	}
	Require(t, append(append([]Tool{}, xspiceTools...), xclientTools...)...)
	x := StartXspice(t, XspiceOptions{Width: 640, Height: 480})
	x.SetRootColor("#3366cc")
	img, _ := Plasma(t, 160, 120, 21)
	x.ShowImage(img, image.Pt(20, 20))
	x.XTerm(XTermOptions{Text: "replayed session 0123456789", Cols: 30, Rows: 4, At: image.Pt(240, 200)})
	x.MouseMove(image.Pt(630, 470))

	tmp := t.TempDir()
	dial := func(ctx context.Context) (io.ReadWriteCloser, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(x.Port)))
	}
	sink := &lastFrame{first: make(chan struct{})}
	c := session.New(session.Config{Sink: sink, Dial: spicetest.RecordingDialer(tmp, dial)})
	sink.client = c
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-sink.first:
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	}
	time.Sleep(3 * time.Second) // the screen is static: let everything arrive
	cancel()
	<-done

	want := x.Framebuffer()
	sink.mu.Lock()
	got := sink.img
	sink.mu.Unlock()
	pointer := PointerBox(image.Pt(630, 470), 24)
	if !CompareImages(t, "recorded", got, want, pointer) {
		t.Fatal("the recorded client did not reach the framebuffer; not writing a fixture")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := spicetest.RemoveCaptures(dir); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(tmp, "*"+spicecap.Ext))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(n)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The golden is the framebuffer with the pointer box taken from what
	// the client drew (Xspice paints the pointer into what it sends).
	for y := pointer.Min.Y; y < pointer.Max.Y && y < want.H; y++ {
		for xx := max(pointer.Min.X, 0); xx < pointer.Max.X && xx < want.W; xx++ {
			copy(want.Row(y)[xx*4:xx*4+4], got.Row(y)[xx*4:xx*4+4])
		}
	}
	if err := rastertest.SavePNG(filepath.Join(dir, "want.png"), want); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d captures and want.png to %s", len(names), dir)
}
