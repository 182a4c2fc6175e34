//go:build linux

package e2e

import (
	"encoding/binary"
	"image"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// TestClientVideoBadInput: a scripted server sends the page's real
// WebCodecs decoder a garbage VP8 bitstream, and the display channel
// messages about streams that a broken server could send: data for a
// stream never created, a codec the client did not advertise, an absurd
// frame size, frames for a destroyed stream. Each bad stream must be
// reported invalid (STREAM_REPORT with no frames and all dropped, which
// makes spice-server send the area as images), nothing of it may reach
// the screen, and a draw sent after all of it must be shown: the rest of
// the screen goes on and nothing hangs. (The native tests in
// wasm/session/display_video_hostile_test.go cover the same with a fake
// decoder, and more cases.)
func TestClientVideoBadInput(t *testing.T) {
	Require(t, browserTools...)
	t.Parallel()
	const (
		desk  = 0x204060
		final = 0x00ff00
	)
	srv := spicetest.NewServer(t)
	var mu sync.Mutex
	var invalid []uint32 // unique ids of the invalid-stream reports
	var codecs []uint8   // the codecs the page advertised
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			serveMainList(t, ch, srv.SessionID, display0)
			drainServer(ch)
		case spice.ChannelDisplay:
			for k, c := range map[uint8]int{spice.VideoCodecMJPEG: spice.DisplayCapCodecMJPEG, spice.VideoCodecVP8: spice.DisplayCapCodecVP8,
				spice.VideoCodecH264: spice.DisplayCapCodecH264, spice.VideoCodecVP9: spice.DisplayCapCodecVP9, spice.VideoCodecH265: spice.DisplayCapCodecH265} {
				if ch.ChannelCaps.Has(c) {
					mu.Lock()
					codecs = append(codecs, k)
					mu.Unlock()
				}
			}
			ch.Expect(t, spice.MsgcTypeDisplayInit, 10*time.Second)
			go func() {
				for {
					typ, body, err := ch.Recv()
					if err != nil {
						return
					}
					if typ == spice.MsgcTypeDisplayStreamReport && len(body) >= 24 {
						le := binary.LittleEndian
						if le.Uint32(body[16:]) == 0 && le.Uint32(body[20:]) == spice.StreamReportInvalidDrops {
							mu.Lock()
							invalid = append(invalid, le.Uint32(body[4:]))
							mu.Unlock()
						}
					}
				}
			}()
			serveDisplayBadVideo(ch, desk, final)
			<-t.Context().Done()
		}
	}
	s, b := scriptedPage(t, srv)
	openClient(t, b, s.URL, s.Port, "", "connected")
	waitScreen(t, b, 4, 4, final, 30*time.Second)
	// Nothing of the bad streams on the screen: their areas keep the
	// desktop, and the draw that followed the garbage frame is there.
	for _, p := range []image.Point{{20, 20}, {60, 60}, {120, 20}, {20, 120}} {
		if !screenShows(t.Context(), b, p.X, p.Y, desk) {
			t.Errorf("the screen at %v is not the desktop's #%06x: a bad stream drew there", p, desk)
		}
	}
	waitScreen(t, b, 205, 205, 0xff0000, 5*time.Second)
	mu.Lock()
	t.Logf("the page advertised codecs %v", codecs)
	if !slices.Contains(codecs, spice.VideoCodecVP8) {
		t.Errorf("the page did not advertise VP8 (codecs %v): the garbage frame never reached WebCodecs", codecs)
	}
	mu.Unlock()
	want := []uint32{11, 12, 13}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(invalid)
		mu.Unlock()
		slices.Sort(got)
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("invalid-stream reports for unique ids %v, want %v (garbage VP8, a codec never advertised, an absurd size)", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := status(b); Eval[string](b, `document.body.dataset.state`) != "connected" {
		t.Errorf("the session did not survive the bad streams: %q", st)
	}
	var logged []string
	for _, m := range b.Console() {
		if strings.Contains(m.Text, "cannot be decoded") || strings.Contains(m.Text, "unknown stream") {
			logged = append(logged, m.Text)
		}
		if strings.Contains(m.Text, "internal error") || m.IsException() {
			t.Errorf("console: %s", m.Text)
		}
	}
	t.Logf("the page logged:\n%s", strings.Join(logged, "\n"))
	if len(logged) < 4 {
		t.Errorf("%d warnings about bad streams in the console, want one per stream reported and one for data of unknown streams", len(logged))
	}
}

// serveDisplayBadVideo plays the display channel of TestClientVideoBadInput.
func serveDisplayBadVideo(ch *spicetest.ServerChannel, desk, final uint32) {
	serveScreen(ch, 320, 240, desk)
	// A VP8 key frame whose header is right (start code, 64x64) and
	// whose first partition claims more bytes than the frame holds:
	// the decoder fails on it.
	garbage := append([]byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00, 0x40, 0x00}, make([]byte, 40)...)
	for i := 10; i < len(garbage); i++ {
		garbage[i] = byte(i * 37)
	}
	ch.Send(spice.MsgTypeDisplayStreamCreate, spicetest.StreamCreate(0, 1, spice.VideoCodecVP8, 64, 64, image.Rect(16, 16, 80, 80)))
	ch.Send(spice.MsgTypeDisplayStreamActivateReport, spicetest.StreamActivateReport(1, 11, 10, 1000))
	ch.Send(spice.MsgTypeDisplayStreamData, spicetest.StreamData(1, 0, garbage))
	// A draw waits for the stream's picture, which fails.
	ch.Send(spice.MsgTypeDisplayDrawFill, spicetest.DrawFill(0, image.Rect(200, 200, 210, 210), 0xff0000))
	ch.Send(spice.MsgTypeDisplayStreamData, spicetest.StreamData(1, 0, garbage))
	// Data for a stream never created.
	ch.Send(spice.MsgTypeDisplayStreamData, spicetest.StreamData(5, 0, garbage))
	// A codec the page did not advertise (no browser decodes codec 9).
	ch.Send(spice.MsgTypeDisplayStreamCreate, spicetest.StreamCreate(0, 2, 9, 64, 64, image.Rect(100, 16, 164, 80)))
	ch.Send(spice.MsgTypeDisplayStreamActivateReport, spicetest.StreamActivateReport(2, 12, 10, 1000))
	ch.Send(spice.MsgTypeDisplayStreamData, spicetest.StreamData(2, 0, garbage))
	// Frames larger than any surface.
	ch.Send(spice.MsgTypeDisplayStreamCreate, spicetest.StreamCreate(0, 3, spice.VideoCodecMJPEG, 70000, 70000, image.Rect(16, 100, 80, 164)))
	ch.Send(spice.MsgTypeDisplayStreamActivateReport, spicetest.StreamActivateReport(3, 13, 10, 1000))
	ch.Send(spice.MsgTypeDisplayStreamData, spicetest.StreamData(3, 0, garbage))
	// Frames for a stream already destroyed.
	ch.Send(spice.MsgTypeDisplayStreamCreate, spicetest.StreamCreate(0, 4, spice.VideoCodecVP8, 64, 64, image.Rect(100, 100, 164, 164)))
	ch.Send(spice.MsgTypeDisplayStreamDestroy, binary.LittleEndian.AppendUint32(nil, 4))
	ch.Send(spice.MsgTypeDisplayStreamData, spicetest.StreamData(4, 0, garbage))
	ch.Send(spice.MsgTypeDisplayDrawFill, spicetest.DrawFill(0, image.Rect(0, 0, 8, 8), final))
}
