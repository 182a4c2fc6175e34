package session

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// fakeVideo is a VideoDecoder whose pictures are solid: frame data's
// first byte after the VP8 key-frame header picks the colour. It answers
// each Decode with one picture, unless told to fail or to hold pictures.
type fakeVideo struct {
	codecs  []uint8
	openErr error
	silent  bool // its streams never give a picture

	mu      sync.Mutex
	streams []*fakeVideoStream
}

func (f *fakeVideo) Name() string    { return "fake" }
func (f *fakeVideo) Codecs() []uint8 { return f.codecs }
func (f *fakeVideo) Open(codec uint8, w, h int) (VideoStream, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	s := &fakeVideoStream{w: w, h: h, out: make(chan fakePicture, 64), closed: make(chan struct{}), silent: f.silent}
	f.mu.Lock()
	f.streams = append(f.streams, s)
	f.mu.Unlock()
	return s, nil
}

type fakePicture struct {
	seq   int64
	color byte
	err   error
}

type fakeVideoStream struct {
	w, h      int
	out       chan fakePicture
	closed    chan struct{}
	closeOnce sync.Once
	failAt    int64 // seq whose picture is a decoder error; 0 for none
	keys      []bool
	silent    bool
}

func (s *fakeVideoStream) Decode(data []byte, key bool, seq int64) error {
	s.keys = append(s.keys, key)
	if s.silent || len(data) == 0 {
		return nil
	}
	p := fakePicture{seq: seq, color: data[len(data)-1]}
	if seq == s.failAt {
		p.err = errors.New("fake: decoding error")
	}
	s.out <- p
	return nil
}

func (s *fakeVideoStream) Next(ctx context.Context, dst *raster.Image) (int64, error) {
	select {
	case p := <-s.out:
		if p.err != nil {
			return 0, p.err
		}
		if err := dst.Resize(s.w, s.h); err != nil {
			return 0, err
		}
		for i := range dst.Pix {
			dst.Pix[i] = p.color
		}
		return p.seq, nil
	case <-s.closed:
		return 0, errors.New("fake: closed")
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (s *fakeVideoStream) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// vp8Frame is a frame fakeVideo paints in colour c; key frames carry
// VP8's start code so that video.KeyFrame accepts them.
func vp8Frame(key bool, c byte) []byte {
	if key {
		return []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0x00, 0x10, 0x00, c}
	}
	return []byte{0x31, 0x04, 0x00, c}
}

// videoTestDisplay is display channel 0 with a 64x64 primary surface and
// a send queue the test reads.
func videoTestDisplay(t *testing.T, cfg Config) (*display, *channel) {
	t.Helper()
	c := New(cfg)
	t.Cleanup(c.caches.close)
	ch := &channel{client: c, id: display0, conn: discardConn{}, out: newSendQueue()}
	ch.frame.Mini = true
	d := newDisplay(c, ch)
	c.screen = d
	handleOK(t, d, spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, 64, 64, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary))
	return d, ch
}

func handleOK(t *testing.T, d *display, typ spice.MsgType, b []byte) {
	t.Helper()
	if err := d.handle(context.Background(), typ, b); err != nil {
		t.Fatalf("%v: %v", typ, err)
	}
}

// frameOK hands a STREAM_DATA to d and waits for its picture: the
// stream's presenter draws it, or the decoder's failure is reported.
func frameOK(t *testing.T, d *display, b []byte) {
	t.Helper()
	handleOK(t, d, spice.MsgTypeDisplayStreamData, b)
	d.settleVideo()
}

func videoCreateBody(id uint32, codec uint8, x, y int32, w, h uint32) []byte {
	return body{}.u32(0).u32(id).u8(spice.StreamFlagTopDown).u8(codec).u64(0).u32(w).u32(h).u32(w).u32(h).
		rectLTRB(x, y, x+int32(w), y+int32(h)).u8(spice.ClipTypeNone)
}

func videoDataBody(id, mm uint32, frame []byte) []byte {
	return append(body{}.u32(id).u32(mm).u32(uint32(len(frame))), frame...)
}

// sentReports parses the STREAM_REPORTs in the channel's send queue
// (mini headers: u16 type, u32 size).
func sentReports(t *testing.T, ch *channel) []spice.MsgcDisplayStreamReport {
	t.Helper()
	ch.out.mu.Lock()
	b := slices.Clone(ch.out.pending)
	ch.out.mu.Unlock()
	var out []spice.MsgcDisplayStreamReport
	for len(b) >= 6 {
		typ := binary.LittleEndian.Uint16(b)
		n := int(binary.LittleEndian.Uint32(b[2:]))
		msg := b[6 : 6+n]
		b = b[6+n:]
		if spice.MsgType(typ) != spice.MsgcTypeDisplayStreamReport {
			continue
		}
		var r spice.MsgcDisplayStreamReport
		u := func(i int) uint32 { return binary.LittleEndian.Uint32(msg[4*i:]) }
		r.StreamID, r.UniqueID, r.StartFrameMMTime, r.EndFrameMMTime = u(0), u(1), u(2), u(3)
		r.NumFrames, r.NumDrops, r.LastFrameDelay, r.AudioDelay = u(4), u(5), int32(u(6)), u(7)
		out = append(out, r)
	}
	return out
}

// pixelAt is the colour byte at (x, y) of the primary surface.
func pixelAt(d *display, x, y int) byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.primary.Row(y)[x*4]
}

func TestVideoCodecsAdvertised(t *testing.T) {
	c := New(Config{VideoDecoder: &fakeVideo{codecs: []uint8{spice.VideoCodecVP8, spice.VideoCodecH264, 99}},
		VideoCodecs: []uint8{spice.VideoCodecH264, spice.VideoCodecVP9}})
	if got, want := c.videoCodecs(), []uint8{spice.VideoCodecH264, spice.VideoCodecVP8, spice.VideoCodecMJPEG}; !bytes.Equal(got, want) {
		t.Errorf("preferred order %v, want %v (the user's first where decodable, then the decoder's, then MJPEG)", got, want)
	}
	caps := displayCaps(c)
	for k, cp := range videoCodecCaps {
		want := k != spice.VideoCodecVP9 && k != spice.VideoCodecH265
		if caps.Has(cp) != want {
			t.Errorf("codec %d advertised %v, want %v", k, caps.Has(cp), want)
		}
	}
	if !caps.Has(spice.DisplayCapStreamReport) || !caps.Has(spice.DisplayCapPrefVideoCodecType) {
		t.Error("STREAM_REPORT or PREF_VIDEO_CODEC_TYPE not advertised")
	}
	// Without a decoder (an insecure context has no WebCodecs): MJPEG only.
	caps = displayCaps(New(Config{}))
	if !caps.Has(spice.DisplayCapCodecMJPEG) || caps.Has(spice.DisplayCapCodecVP8) || caps.Has(spice.DisplayCapCodecH264) {
		t.Error("without a video decoder, codecs besides MJPEG are advertised")
	}
}

// Frames stamped ahead of the clock are shown at their time; a draw that
// follows them sees the last one even before its time.
func TestVideoFramesTimedAndSettledBeforeDraws(t *testing.T) {
	fv := &fakeVideo{codecs: []uint8{spice.VideoCodecVP8}}
	d, _ := videoTestDisplay(t, Config{VideoDecoder: fv})
	d.c.setMMTime(1000)
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(3, spice.VideoCodecVP8, 8, 8, 16, 16))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(3, 1100, vp8Frame(true, 0x40)))
	time.Sleep(20 * time.Millisecond)
	if got := pixelAt(d, 10, 10); got != 0 {
		t.Fatalf("a frame due in 100 ms of the clock was shown before (pixel %#x)", got)
	}
	d.c.setMMTime(1100)
	deadline := time.Now().Add(5 * time.Second)
	for pixelAt(d, 10, 10) != 0x40 {
		if time.Now().After(deadline) {
			t.Fatal("a frame due now was not shown within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	// Due in 2 s: shown early only because a draw follows.
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(3, 3100, vp8Frame(false, 0x80)))
	time.Sleep(20 * time.Millisecond)
	if got := pixelAt(d, 10, 10); got != 0x40 {
		t.Fatalf("a frame due in 2 s was shown at once (pixel %#x)", got)
	}
	handleOK(t, d, spice.MsgTypeDisplayCopyBits, body{}.displayBase(0, 40, 40, 56, 56).u32(8).u32(8))
	if got := pixelAt(d, 44, 44); got != 0x80 {
		t.Fatalf("COPY_BITS after the frame copied %#x, want the frame's 0x80", got)
	}
	if got := pixelAt(d, 5, 5); got != 0 {
		t.Fatalf("outside the stream: %#x", got)
	}
	st := d.c.VideoStats()
	if st.Frames != 2 || st.Shown != 2 || st.Dropped != 0 || st.Codec != spice.VideoCodecVP8 {
		t.Errorf("stats %+v, want 2 frames shown, none dropped, VP8", st)
	}
	handleOK(t, d, spice.MsgTypeDisplayStreamDestroy, body{}.u32(3))
	if got := fv.streams[0].keys; !slices.Equal(got, []bool{true, false}) {
		t.Errorf("key flags handed to the decoder %v, want [true false]", got)
	}
	select {
	case <-fv.streams[0].closed:
	default:
		t.Error("STREAM_DESTROY left the decoder open")
	}
}

// Late frames are dropped and counted, but the latest is drawn before a
// draw that follows; reports say so as spice-gtk's do: a run of three
// late frames sends one before the window is full.
func TestVideoLateFramesDroppedAndReported(t *testing.T) {
	fv := &fakeVideo{codecs: []uint8{spice.VideoCodecVP8}}
	d, ch := videoTestDisplay(t, Config{VideoDecoder: fv})
	d.c.setMMTime(50000)
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(1, spice.VideoCodecVP8, 0, 0, 16, 16))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(1).u32(77).u32(100).u32(60000))
	for i := range 3 {
		handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(1, uint32(40000+i), vp8Frame(i == 0, byte(0x10+i))))
	}
	handleOK(t, d, spice.MsgTypeDisplayDrawFill, drawFillBody(0, 40, 40, 41, 41, 0xffffff))
	st := d.c.VideoStats()
	if st.Late != 3 || st.Shown != 1 || st.Dropped != 2 {
		t.Errorf("stats %+v, want 3 late frames, 2 dropped, the last shown because a draw followed", st)
	}
	if got := pixelAt(d, 4, 4); got != 0x12 {
		t.Errorf("pixel %#x after the draw, want the last frame's 0x12", got)
	}
	reps := sentReports(t, ch)
	if len(reps) != 1 {
		t.Fatalf("%d reports sent, want 1 after three late frames: %+v", len(reps), reps)
	}
	r := reps[0]
	if r.StreamID != 1 || r.UniqueID != 77 || r.NumFrames != 3 || r.NumDrops != 3 || r.StartFrameMMTime != 40000 ||
		r.EndFrameMMTime != 40002 || r.LastFrameDelay > -9000 || r.AudioDelay != spice.StreamReportNoAudio {
		t.Errorf("report %+v", r)
	}
}

// A stream the client cannot decode is reported invalid once reports are
// on, and the session goes on; so is one whose decoder fails.
func TestVideoUndecodableStreamsReported(t *testing.T) {
	fv := &fakeVideo{codecs: []uint8{spice.VideoCodecVP8}}
	d, ch := videoTestDisplay(t, Config{VideoDecoder: fv})
	d.c.setMMTime(0)
	// H.264 was not advertised.
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(2, spice.VideoCodecH264, 0, 0, 16, 16))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(2).u32(5).u32(10).u32(1000))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, 0, []byte{0, 0, 0, 1, 0x65, 1}))
	// An absurd size.
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(4, spice.VideoCodecVP8, 0, 0, 1<<20, 1<<20))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(4).u32(6).u32(10).u32(1000))
	// A decoder that fails on the second frame, which is garbage anyway.
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(6, spice.VideoCodecVP8, 0, 0, 16, 16))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(6).u32(7).u32(10).u32(1000))
	fv.streams[0].failAt = 2
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(6, 0, vp8Frame(true, 1)))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(6, 0, []byte{0xff, 0xff, 0xff, 0xff}))
	handleOK(t, d, spice.MsgTypeDisplayDrawFill, drawFillBody(0, 40, 40, 41, 41, 0xffffff))
	// Data for streams that never were, or are gone, is dropped.
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(9, 0, vp8Frame(true, 1)))
	handleOK(t, d, spice.MsgTypeDisplayStreamDestroy, body{}.u32(6))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(6, 0, vp8Frame(true, 1)))
	var invalid []uint32
	for _, r := range sentReports(t, ch) {
		if r.NumFrames == 0 && r.NumDrops == spice.StreamReportInvalidDrops {
			invalid = append(invalid, r.UniqueID)
		}
	}
	if !slices.Equal(invalid, []uint32{5, 6, 7}) {
		t.Errorf("invalid-stream reports for unique ids %v, want [5 6 7]", invalid)
	}
	if st := d.c.VideoStats(); st.Failed != 3 {
		t.Errorf("stats %+v, want 3 failed streams", st)
	}
}

// The counters stats() reports: pictures presented and how long they
// waited for Present, the source's worst gap, the decoder's queue peak;
// the peaks restart when taken.
func TestVideoPresentCounters(t *testing.T) {
	fv := &fakeVideo{codecs: []uint8{spice.VideoCodecVP8}}
	d, _ := videoTestDisplay(t, Config{VideoDecoder: fv})
	d.c.setMMTime(1000)
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, videoCreateBody(1, spice.VideoCodecVP8, 0, 0, 16, 16))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(1, 1050, vp8Frame(true, 0x10)))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(1, 1130, vp8Frame(false, 0x11)))
	// Both due later: a draw settles them into the surface early.
	handleOK(t, d, spice.MsgTypeDisplayDrawFill, drawFillBody(0, 40, 40, 41, 41, 0xffffff))
	time.Sleep(30 * time.Millisecond)
	shown := 0
	if !d.c.Present(func(*raster.Image, []image.Rectangle) { shown++ }) || shown != 1 {
		t.Fatalf("Present showed %d times, want once", shown)
	}
	st := d.c.VideoStats()
	total := 0
	for _, n := range st.PresentLatency {
		total += n
	}
	if st.Presented != 2 || total != 2 {
		t.Errorf("presented %d, latency histogram holds %d; want both frames", st.Presented, total)
	}
	if n := slices.IndexFunc(st.PresentLatency[:], func(n int) bool { return n > 0 }); n < 20 || n >= LatencyBuckets-1 {
		t.Errorf("the first picture waited in bucket %d ms, want about the 30 ms the test slept", n)
	}
	if pending, gap := d.c.TakeVideoPeak(); pending < 1 || gap != 80 {
		t.Errorf("peaks: %d frames pending, gap %d ms; want at least 1 and 80", pending, gap)
	}
	if pending, gap := d.c.TakeVideoPeak(); pending != 0 || gap != 0 {
		t.Errorf("peaks after taking them: %d, %d; want 0, 0", pending, gap)
	}
	// Nothing drawn since: a second Present counts nothing.
	d.c.Present(func(*raster.Image, []image.Rectangle) {})
	if got := d.c.VideoStats().Presented; got != 2 {
		t.Errorf("presented %d after an empty Present, want 2", got)
	}
}

// MJPEG frames too are shown at their mm-time: held while ahead of the
// clock, dropped when late, and a draw that follows sees the latest.
func TestVideoMJPEGFramesTimed(t *testing.T) {
	d, ch := videoTestDisplay(t, Config{})
	d.c.setMMTime(1000)
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, streamCreateBody(2, spice.StreamFlagTopDown, 8, 8, 16, 8))
	handleOK(t, d, spice.MsgTypeDisplayStreamActivateReport, body{}.u32(2).u32(43).u32(100).u32(60000))
	frame := smallJPEG(t, 16, 8, false)
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, 1100, frame))
	time.Sleep(20 * time.Millisecond)
	if got := pixelAt(d, 12, 12); got != 0 {
		t.Fatalf("an MJPEG frame due in 100 ms of the clock was shown before (pixel %#x)", got)
	}
	d.c.setMMTime(1100)
	deadline := time.Now().Add(5 * time.Second)
	for pixelAt(d, 12, 12) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("an MJPEG frame due now was not shown within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	// Late by 100 ms: dropped, unless it is the latest and a draw follows.
	d.c.setMMTime(2000)
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, 1900, frame))
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, 1901, frame))
	fillWorks(t, d, 0x55)
	if st := d.c.VideoStats(); st.Shown != 2 || st.DecodedLate != 1 {
		t.Errorf("stats %+v, want the late frame followed by another dropped, the latest shown as a draw followed", st)
	}
	// A frame that does not decode, last before the draw: nobody waits
	// for its picture, and one bad frame does not give the stream up.
	handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, 2100, []byte{0xde, 0xad}))
	fillWorks(t, d, 0x56)
	st := d.c.VideoStats()
	if st.Frames != 4 || st.Shown != 2 || st.DecodedLate != 1 || st.NoPicture != 1 || st.Failed != 0 {
		t.Errorf("stats %+v, want 4 frames: 2 shown, 1 dropped as late, 1 without a picture, none failed", st)
	}
	if got := invalidReports(t, ch); len(got) != 0 {
		t.Errorf("invalid reports %v after one bad frame", got)
	}
}

// invalidations counts Sink.Invalidate calls.
type invalidations struct {
	*recSink
	n atomic.Int32
}

func (s *invalidations) Invalidate() { s.n.Add(1) }

// A picture drawn by the presenter of a stream on a second display
// channel repaints the canvas too: every channel's monitors are on it.
func TestVideoOnSecondDisplayRepaints(t *testing.T) {
	sink := &invalidations{recSink: newRecSink()}
	c := New(Config{Sink: sink})
	t.Cleanup(c.caches.close)
	ch := &channel{client: c, id: spice.ChannelID{Type: spice.ChannelDisplay, ID: 1}, conn: discardConn{}, out: newSendQueue()}
	ch.frame.Mini = true
	d := newDisplay(c, ch)
	handleOK(t, d, spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, 64, 64, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary))
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, streamCreateBody(2, spice.StreamFlagTopDown, 8, 8, 16, 8))
	d.mu.Lock()
	d.invalidated = false // as after a presentation
	d.primary.Damage.Reset()
	d.mu.Unlock()
	before := sink.n.Load()
	handleOK(t, d, spice.MsgTypeDisplayStreamData, streamDataBody(2, smallJPEG(t, 16, 8, false)))
	deadline := time.Now().Add(5 * time.Second)
	for sink.n.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("a frame drawn on display channel 1 asked for no repaint within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// Late MJPEG frames with a later frame waiting are not decoded at all:
// their pictures would be dropped (spice-gtk's MJPEG decoder does the
// same), which keeps a loaded machine from falling further behind.
func TestVideoMJPEGLateFramesNotDecoded(t *testing.T) {
	d, _ := videoTestDisplay(t, Config{})
	var decodes atomic.Int32
	d.jpegs.goDecode = func(jfif []byte, dst *raster.Image) error {
		decodes.Add(1)
		return jpeg.Decode(jfif, dst)
	}
	d.c.setMMTime(5000)
	handleOK(t, d, spice.MsgTypeDisplayStreamCreate, streamCreateBody(2, spice.StreamFlagTopDown, 8, 8, 16, 8))
	frame := smallJPEG(t, 16, 8, false)
	// The presenter waits to decode (the first frame, if it took it yet)
	// while the others arrive.
	d.jpegMu.Lock()
	for i := range 5 {
		handleOK(t, d, spice.MsgTypeDisplayStreamData, videoDataBody(2, uint32(1000+i), frame))
	}
	d.jpegMu.Unlock()
	fillWorks(t, d, 0x55) // settles: the latest frame is drawn
	if got := pixelAt(d, 12, 12); got == 0 {
		t.Error("the latest frame was not drawn before the fill")
	}
	st := d.c.VideoStats()
	if n := decodes.Load(); n < 1 || n > 2 {
		t.Errorf("%d frames decoded, want the latest, and the first if the presenter took it before the rest came", n)
	}
	if st.Shown != 1 || st.DecodedLate != 4 || st.NoPicture != 0 {
		t.Errorf("stats %+v, want 1 shown, 4 dropped as late", st)
	}
}
