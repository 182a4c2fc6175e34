package session

import (
	"slices"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/spice"
)

// Bad video input (issue 9): whatever a server sends about streams, the
// stream is reported and dropped, the rest of the screen goes on, and
// nothing waits longer than its bound.

// invalidReports lists the unique ids of the invalid-stream reports sent.
func invalidReports(t *testing.T, ch *channel) []uint32 {
	t.Helper()
	var out []uint32
	for _, r := range sentReports(t, ch) {
		if r.NumFrames == 0 && r.NumDrops == spice.StreamReportInvalidDrops {
			out = append(out, r.UniqueID)
		}
	}
	return out
}

// fillWorks draws a fill at (50, 50) in colour c and checks it landed:
// the screen goes on.
func fillWorks(t *testing.T, d *display, c byte) {
	t.Helper()
	handleOK(t, d, spice.MsgTypeDisplayDrawFill, drawFillBody(0, 50, 50, 52, 52, uint32(c)*0x010101))
	if got := pixelAt(d, 50, 50); got != c {
		t.Fatalf("a fill after the bad stream left %#x, want %#x", got, c)
	}
}

// MJPEG garbage: a bad frame is dropped without touching the screen; a
// run of them reports the stream, and its later frames are not drawn
// even when they decode.
func TestVideoMJPEGGarbageReported(t *testing.T) {
	d, ch := videoTestDisplay(t, Config{})
	d.c.setMMTime(0)
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, streamCreateBody(1, spice.StreamFlagTopDown, 0, 0, 16, 8))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(1).u32(41).u32(100).u32(60000))
	garbage := [][]byte{
		{0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0xff, 0xff, 0xff, 0xff, 0x03, 0x01, 0x22, 0x00}, // SOF of 65535x65535, cut short
		{0xde, 0xad, 0xbe, 0xef},
		{},
	}
	for i, g := range garbage {
		frameOK(t, d, streamDataBody(1, g))
		if got := invalidReports(t, ch); (i < len(garbage)-1) != (len(got) == 0) {
			t.Fatalf("after %d undecodable frames, invalid reports %v; want one exactly after %d", i+1, got, mjpegBadRun)
		}
	}
	if got := pixelAt(d, 4, 4); got != 0 {
		t.Fatalf("garbage frames drew %#x into the stream's area", got)
	}
	frameOK(t, d, streamDataBody(1, smallJPEG(t, 16, 8, false)))
	if got := pixelAt(d, 4, 4); got != 0 {
		t.Errorf("a frame of a stream reported undecodable was drawn (%#x)", got)
	}
	if got := invalidReports(t, ch); !slices.Equal(got, []uint32{41}) {
		t.Errorf("invalid reports %v, want one for unique id 41", got)
	}
	if st := d.c.VideoStats(); st.Failed != 1 {
		t.Errorf("stats %+v, want 1 failed stream", st)
	}
	fillWorks(t, d, 0x77)
}

// A good MJPEG frame between bad ones ends the run: isolated bad frames
// are dropped without giving up the stream.
func TestVideoMJPEGIsolatedBadFramesTolerated(t *testing.T) {
	d, ch := videoTestDisplay(t, Config{})
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, streamCreateBody(1, spice.StreamFlagTopDown, 0, 0, 16, 8))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(1).u32(41).u32(100).u32(60000))
	good := smallJPEG(t, 16, 8, false)
	for range 4 {
		frameOK(t, d, streamDataBody(1, []byte{1, 2, 3}))
		frameOK(t, d, streamDataBody(1, []byte{1, 2, 3}))
		frameOK(t, d, streamDataBody(1, good))
	}
	if got := invalidReports(t, ch); len(got) != 0 {
		t.Errorf("invalid reports %v for a stream whose bad frames never ran to %d", got, mjpegBadRun)
	}
	if got := pixelAt(d, 4, 4); got == 0 {
		t.Error("the good frames were not drawn")
	}
}

// Messages for streams that never were, ids out of range, and streams
// already destroyed are dropped with one warning per kind; an absurd size
// and a codec nobody advertised are reported at creation, for MJPEG too.
func TestVideoBadStreamMessages(t *testing.T) {
	sink := newRecSink()
	fv := &fakeVideo{codecs: []uint8{spice.VideoCodecVP8}}
	d, ch := videoTestDisplay(t, Config{VideoDecoder: fv, Sink: sink})
	d.c.setMMTime(0)
	for _, id := range []uint32{7, spice.MaxNumStreams, 1 << 31} {
		handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(id, 0, vp8Frame(true, 1)))
		handleOK(t, d, spice.MsgTypeDisplayStreamDataSized, body{}.u32(id).u32(0).u32(16).u32(16).rectLTRB(0, 0, 16, 16).u32(4).u8(1).u8(2).u8(3).u8(4))
		handleOK(t, d, spice.MsgTypeDisplayStreamClip, body{}.u32(id).u8(spice.ClipTypeNone))
		handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(id).u32(1).u32(10).u32(1000))
		handleOK(t, d, spice.MsgTypeDisplayStreamDestroy, body{}.u32(id))
	}
	// An id out of range cannot be created: that is a protocol error.
	if err := d.handle(t.Context(), spice.MsgTypeDisplayStreamCreate, videoCreateBody(spice.MaxNumStreams, spice.VideoCodecVP8, 0, 0, 16, 16)); err == nil {
		t.Error("STREAM_CREATE with an id out of range accepted")
	}
	// Reported at creation: MJPEG of an absurd size, a codec never
	// advertised (H.264 here), one SPICE does not know, and VP8 frames
	// larger than any surface.
	for i, c := range []struct {
		codec uint8
		w, h  uint32
	}{{spice.VideoCodecMJPEG, 1 << 20, 1 << 20}, {spice.VideoCodecH264, 16, 16}, {99, 16, 16}, {spice.VideoCodecVP8, 70000, 16}} {
		id := uint32(10 + i)
		handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(id, c.codec, 0, 0, c.w, c.h))
		handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(id).u32(100+id).u32(10).u32(1000))
		handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(id, 0, smallJPEG(t, 16, 16, false)))
	}
	if got := invalidReports(t, ch); !slices.Equal(got, []uint32{110, 111, 112, 113}) {
		t.Errorf("invalid reports %v, want [110 111 112 113]", got)
	}
	if len(fv.streams) != 0 {
		t.Errorf("%d decoders opened for streams that were reported", len(fv.streams))
	}
	if got := pixelAt(d, 4, 4); got != 0 {
		t.Errorf("a reported stream drew %#x", got)
	}
	fillWorks(t, d, 0x55)
	// A destroyed stream's frames, after it showed one.
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(3, spice.VideoCodecVP8, 20, 20, 8, 8))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(3, 0, vp8Frame(true, 0x30)))
	handleOK(t, d, spice.MsgTypeDisplayStreamDestroy, body{}.u32(3))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(3, 0, vp8Frame(true, 0x40)))
	fillWorks(t, d, 0x66)
	if got := pixelAt(d, 22, 22); got != 0x30 {
		t.Errorf("stream area shows %#x, want the last frame before STREAM_DESTROY (0x30)", got)
	}
	var warned []string
	sink.mu.Lock()
	for _, l := range sink.logs {
		if strings.Contains(l, "unknown stream") {
			warned = append(warned, l)
		}
	}
	sink.mu.Unlock()
	// One warning per kind: data (plain and sized share it), clip,
	// report activation; STREAM_DESTROY of nothing is harmless.
	if len(warned) != 3 {
		t.Errorf("%d warnings about unknown streams, want one per kind (3): %q", len(warned), warned)
	}
}

// A decoder that takes frames and never answers: the draw that follows
// waits at most videoSettleTimeout, the stream is reported, and the draw
// happens.
func TestVideoSilentDecoderReported(t *testing.T) {
	fv := &fakeVideo{codecs: []uint8{spice.VideoCodecVP8}, silent: true}
	d, ch := videoTestDisplay(t, Config{VideoDecoder: fv})
	d.c.setMMTime(0)
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(2, spice.VideoCodecVP8, 0, 0, 16, 16))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(2).u32(9).u32(10).u32(1000))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, 0, vp8Frame(true, 1)))
	t0 := time.Now()
	fillWorks(t, d, 0x44)
	if took := time.Since(t0); took < videoSettleTimeout || took > videoSettleTimeout+2*time.Second {
		t.Errorf("the draw after a silent decoder's frame waited %v, want about %v", took, videoSettleTimeout)
	}
	if got := invalidReports(t, ch); !slices.Equal(got, []uint32{9}) {
		t.Errorf("invalid reports %v, want [9]", got)
	}
	// Later frames of the stream are dropped without waiting.
	t0 = time.Now()
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, 0, vp8Frame(false, 2)))
	fillWorks(t, d, 0x45)
	if took := time.Since(t0); took > time.Second {
		t.Errorf("a reported stream's frame and a draw took %v", took)
	}
}
