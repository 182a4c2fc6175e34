package session

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"spiceweb/wasm/raster/rastertest"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// TestReplayXspiceDesktop replays a session recorded from Xspice (flat
// colour, a photo-like image, an xterm; see e2e/record_test.go, which
// re-records it) and requires the final screen to equal the X
// framebuffer recorded with it, pixel for pixel.
func TestReplayXspiceDesktop(t *testing.T) {
	dir := filepath.Join("testdata", "xspice-desktop")
	r, err := spicetest.LoadReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink()
	c := New(Config{Dial: r.Dial, Sink: sink})
	sink.client = c
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-r.Done(spice.ChannelID{Type: spice.ChannelDisplay}):
	case err := <-done:
		t.Fatalf("session ended before the display stream was replayed: %v", err)
	case <-ctx.Done():
		t.Fatal("the display stream was not consumed")
	}
	// The client has read the whole stream; it presents once it has
	// handled the last message. Poll for the expected picture.
	want, err := rastertest.LoadPNG(filepath.Join(dir, "want.png"))
	if err != nil {
		t.Fatal(err)
	}
	diff := "nothing presented"
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		sink.mu.Lock()
		if sink.img != nil {
			diff = rastertest.Diff(sink.img, want, 0)
		}
		sink.mu.Unlock()
		if diff == "" {
			break
		}
	}
	cancel()
	<-done
	if diff != "" {
		t.Error(diff)
	}
}
