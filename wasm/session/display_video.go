package session

import (
	"context"
	"errors"
	"sync"
	"time"

	"spiceweb/wasm/codec/video"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// Video streams: VP8, VP9, H.264 and H.265 decoded outside Go (a
// VideoDecoder), MJPEG by the display's JPEG decoders (display_mjpeg.go).
//
// Sequencing with draws: frames are handed to the decoder as they arrive,
// and each picture is drawn into the surface at its mm-time by the
// stream's presenter goroutine (spice-gtk's rule: a picture whose time
// has passed is dropped and counted). The server's order must still hold
// for what follows a frame: a later draw or COPY_BITS has to see it. So
// before the display channel handles any message other than stream data
// (display.handle calls settleVideo), every stream's frames handed over
// are drawn at once, early if need be, and the message waits for that.
// During plain playback nothing else arrives and pictures keep their
// time; a draw costs the wait for the decoder's pictures still to come.

const (
	// videoMaxPending bounds the frames handed to a decoder whose
	// pictures have not come back: past it the display channel waits
	// (a decoder falling behind slows the channel down, and the server
	// sees it in the reports), rather than memory growing.
	videoMaxPending = 32
	// videoSettleTimeout bounds a wait for a decoder's pictures; a
	// decoder that has not answered by then is taken as failed.
	videoSettleTimeout = 3 * time.Second
	// videoMaxAhead is how far ahead of the clock a frame may be stamped
	// and still be waited for; beyond it the clocks disagree and the
	// picture is shown as soon as it is decoded.
	videoMaxAhead = 3 * time.Second
	// reportDropSeqLimit: a run of this many late frames sends the
	// report before its window is full (spice-gtk
	// STREAM_REPORT_DROP_SEQ_LEN_LIMIT).
	reportDropSeqLimit = 3
)

// VideoStats counts what the display channels did with video frames.
type VideoStats struct {
	Codec   uint8 // of the last stream created
	Streams int   // created
	Frames  int   // arrived
	Shown   int   // drawn into the surface
	Dropped int   // late, or without a picture (the latest frame, dropped as late and drawn when a draw needs it, counts as shown)
	Failed  int   // streams reported undecodable
	// Late are frames that arrived after their mm-time.
	Late int
	// Presented are the pictures of frames shown (Shown, and MJPEG
	// frames) that Present handed to the screen, and PresentLatency[ms]
	// how many waited that long from ready to presented (video_latency.go).
	Presented      int
	PresentLatency [LatencyBuckets]int
	// Of the dropped: NoPicture, frames the decoder gave no picture
	// for; DecodedLate, frames whose time passed before their picture
	// could be shown (frames that arrived Late among them; MJPEG frames
	// are then not decoded at all).
	NoPicture, DecodedLate int
	// Margin[i] counts frames that arrived (i - MarginOffset) *
	// MarginStep ahead of the clock (negative: late), clamped to the ends.
	Margin [MarginBuckets]int
	// GapPeak is the longest time between the stamps of two successive
	// frames of a stream, in ms: the longest the source itself stood
	// still (see TakeVideoPeak).
	GapPeak int
	// PendingPeak is the most frames one stream's decoder held without a
	// picture at once (bounded by videoMaxPending); see TakeVideoPeak.
	PendingPeak int
}

// VideoStats returns the counts of display channel 0.
func (c *Client) VideoStats() VideoStats {
	c.mu.Lock()
	d := c.screen
	c.mu.Unlock()
	if d == nil {
		return VideoStats{}
	}
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	return d.stats
}

// countStream counts for the channel and for st's end-of-stream log.
func (d *display) countStream(st *stream, f func(s *VideoStats)) {
	d.statsMu.Lock()
	before := d.stats
	f(&d.stats)
	st.shown += d.stats.Shown - before.Shown
	st.dropped += d.stats.Dropped - before.Dropped
	st.noPicture += d.stats.NoPicture - before.NoPicture
	st.decodedLate += d.stats.DecodedLate - before.DecodedLate
	d.statsMu.Unlock()
}

func (d *display) count(f func(s *VideoStats)) {
	d.statsMu.Lock()
	f(&d.stats)
	d.statsMu.Unlock()
}

// streamReport is a stream's STREAM_REPORT state (spice-gtk
// display_update_stream_report).
type streamReport struct {
	active    bool
	uniqueID  uint32
	window    uint32
	timeout   time.Duration
	frames    uint32
	drops     uint32
	dropRun   int
	startMM   uint32
	startTime time.Time
	// invalid: the stream cannot be decoded; said once reports are on.
	invalid, invalidSent bool
}

// videoPending is a frame handed to the decoder.
type videoPending struct {
	seq  int64
	mm   uint32
	dest raster.Rect
}

// videoStream is the decoding side of a stream in a VideoStream.
type videoStream struct {
	d       *display
	st      *stream
	id      uint32
	dec     VideoStream
	decoder string // dec's name in errors
	cancel  context.CancelFunc
	done    chan struct{} // the presenter ended

	mu      sync.Mutex
	cond    *sync.Cond
	pending []videoPending
	drawing bool // the presenter holds a picture not yet drawn or dropped
	flush   bool // draw pictures now, not at their time
	failed  error
	seq     int64
	keyed   bool // a key frame was handed over
	// unshown is the last picture's frame when it was dropped as late;
	// its picture is still in pic. A settle draws it: what follows must
	// see the stream's latest frame.
	unshown *videoPending
	wake    chan struct{}

	pic raster.Image // the presenter's
}

// openDecoder opens the decoder outside Go for a stream of codec.
func (d *display) openDecoder(codec uint8, w, h int) (VideoStream, error) {
	dec := d.c.cfg.VideoDecoder
	if dec == nil {
		return nil, errors.New("no video decoder")
	}
	return dec.Open(codec, w, h)
}

// openVideo starts st's presenter over dec; decoder names dec in errors.
func (d *display) openVideo(ctx context.Context, st *stream, id uint32, dec VideoStream, decoder string) *videoStream {
	pctx, cancel := context.WithCancel(ctx)
	v := &videoStream{d: d, st: st, id: id, dec: dec, decoder: decoder, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	v.cond = sync.NewCond(&v.mu)
	st.video = v
	go v.present(pctx)
	return v
}

// stale says whether frame seq, handed over and without a picture yet,
// would be dropped as late once decoded: its time has passed and a later
// frame waits (waitFor drops it then, settling or not).
func (v *videoStream) stale(seq int64) bool {
	now, ok := v.d.c.MMTime()
	if !ok {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for i, p := range v.pending {
		if p.seq == seq {
			return i+1 < len(v.pending) && mmDiff(p.mm, now) < 0
		}
	}
	return false
}

// close ends the stream's decoding; pictures not drawn are dropped.
func (v *videoStream) close() {
	v.cancel()
	v.dec.Close()
	v.mu.Lock()
	if v.failed == nil {
		v.failed = errors.New("stream closed")
	}
	v.cond.Broadcast()
	v.mu.Unlock()
}

// frame hands one frame to the decoder. Called with d.mu held.
func (v *videoStream) frame(data []byte, mm uint32, dest raster.Rect) error {
	key := true // every MJPEG frame is a whole picture
	if v.st.codec != spice.VideoCodecMJPEG {
		var err error
		if key, err = video.KeyFrame(video.Codec(v.st.codec), data); err != nil {
			return err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.failed != nil {
		return v.failed
	}
	if !v.keyed && !key {
		// A decoder cannot start on a delta frame; the server sends a key
		// frame first, so this is a server that lost one.
		v.d.countStream(v.st, func(s *VideoStats) { s.Dropped++ })
		return nil
	}
	v.keyed = true
	deadline := time.Now().Add(videoSettleTimeout)
	for len(v.pending) >= videoMaxPending && v.failed == nil {
		// The presenter may wait for d.mu to draw before it takes the
		// next picture: let it (lock order: d.mu, then v.mu).
		v.d.mu.Unlock()
		ok := v.waitUntil(deadline)
		v.mu.Unlock()
		v.d.mu.Lock()
		v.mu.Lock()
		if !ok {
			return errors.New("decoder stopped answering")
		}
	}
	if v.failed != nil {
		return v.failed
	}
	v.seq++
	if err := v.dec.Decode(data, key, v.seq); err != nil {
		return err
	}
	v.pending = append(v.pending, videoPending{seq: v.seq, mm: mm, dest: dest})
	v.d.notePending(len(v.pending))
	return nil
}

// waitUntil waits on v.cond (v.mu held) until a broadcast or the
// deadline; false once the deadline has passed.
func (v *videoStream) waitUntil(deadline time.Time) bool {
	left := time.Until(deadline)
	if left <= 0 {
		return false
	}
	t := time.AfterFunc(left, func() {
		v.mu.Lock()
		v.cond.Broadcast()
		v.mu.Unlock()
	})
	v.cond.Wait()
	t.Stop()
	return time.Now().Before(deadline)
}

// settle draws every picture of the frames handed over, now. Called
// without d.mu (the presenter takes it to draw). It reports an error if
// the decoder failed or did not answer in time.
func (v *videoStream) settle() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.pending) == 0 && !v.drawing && v.unshown == nil {
		return v.failed
	}
	v.flush = true
	defer func() { v.flush = false }()
	select {
	case v.wake <- struct{}{}:
	default:
	}
	// The bound is on the decoder's silence, not on the whole wait: a
	// decoder that gives pictures, however slowly (a loaded machine), is
	// waited for; one that gives none for videoSettleTimeout has failed.
	deadline := time.Now().Add(videoSettleTimeout)
	left := len(v.pending)
	for (len(v.pending) > 0 || v.drawing) && v.failed == nil {
		if n := len(v.pending); n < left {
			left, deadline = n, time.Now().Add(videoSettleTimeout)
		}
		if !v.waitUntil(deadline) && len(v.pending) >= left {
			v.failed = errors.New(v.decoder + " gave no picture for " +
				errfmt.Int(len(v.pending)) + " frames in " + videoSettleTimeout.String())
			v.cond.Broadcast()
			break
		}
	}
	if p := v.unshown; p != nil && v.failed == nil {
		// Nothing else touches pic now: the presenter waits in Next for a
		// frame only this goroutine can hand over.
		v.unshown = nil
		v.d.countStream(v.st, func(s *VideoStats) { s.Dropped--; s.DecodedLate-- })
		v.draw(p, time.Now())
	}
	return v.failed
}

// present is the stream's presenter: it takes the decoder's pictures in
// order and draws each at its frame's mm-time.
func (v *videoStream) present(ctx context.Context) {
	defer close(v.done)
	d := v.d
	for {
		seq, err := v.dec.Next(ctx, &v.pic)
		decoded := time.Now()
		v.mu.Lock()
		if errors.Is(err, ErrNoPicture) || err == errStale {
			late := err == errStale
			for len(v.pending) > 0 && v.pending[0].seq <= seq {
				v.pending = v.pending[1:]
				d.countStream(v.st, func(s *VideoStats) {
					s.Dropped++
					if late {
						s.DecodedLate++
					} else {
						s.NoPicture++
					}
				})
			}
			v.cond.Broadcast()
			v.mu.Unlock()
			continue
		}
		if err != nil {
			if v.failed == nil {
				v.failed = err
			}
			v.cond.Broadcast()
			v.mu.Unlock()
			return
		}
		var p videoPending
		found := false
		for len(v.pending) > 0 && v.pending[0].seq <= seq {
			x := v.pending[0]
			v.pending = v.pending[1:]
			if x.seq == seq {
				p, found = x, true
			} else {
				d.countStream(v.st, func(s *VideoStats) { s.Dropped++; s.NoPicture++ })
			}
		}
		v.drawing = found
		v.cond.Broadcast()
		v.mu.Unlock()
		if !found {
			continue // a picture for no frame handed over: not ours to show
		}
		ready := decoded
		if now, ok := d.c.MMTime(); ok {
			if ahead := time.Duration(mmDiff(p.mm, now)) * time.Millisecond; ahead > 0 && ahead <= videoMaxAhead {
				ready = decoded.Add(ahead) // held for its time, which is no delay
			}
		}
		show := v.waitFor(ctx, p.mm)
		if ctx.Err() != nil {
			return
		}
		if show {
			v.draw(&p, ready)
		} else {
			d.countStream(v.st, func(s *VideoStats) { s.Dropped++; s.DecodedLate++ })
		}
		v.mu.Lock()
		v.unshown = nil
		if !show {
			v.unshown = &p
		}
		v.drawing = false
		v.cond.Broadcast()
		v.mu.Unlock()
	}
}

// waitFor waits until the clock reaches mm, or a settle asks for the
// picture now, and says whether to show it: not when its time had passed
// already (spice-gtk drops such frames), unless a settle waits for it and
// it is the stream's latest.
func (v *videoStream) waitFor(ctx context.Context, mm uint32) bool {
	for {
		now, ok := v.d.c.MMTime()
		if !ok {
			return true
		}
		ahead := time.Duration(mmDiff(mm, now)) * time.Millisecond
		v.mu.Lock()
		flush, last := v.flush, len(v.pending) == 0
		v.mu.Unlock()
		if ahead < 0 {
			// Late. The latest frame is shown anyway when a draw waits
			// for it (settle draws it then).
			return flush && last
		}
		if flush {
			return true
		}
		if ahead == 0 || ahead > videoMaxAhead {
			return true
		}
		t := time.NewTimer(ahead)
		select {
		case <-t.C:
			// Due now. Timers fire late by a little, so checking the
			// clock again would call most frames late by a millisecond
			// and drop them: a frame is late only if it was when it
			// arrived (spice-gtk decides when it schedules, too).
			return true
		case <-v.wake:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

// draw puts the presenter's picture into the stream's surface, clipped,
// and tells the sink.
func (v *videoStream) draw(p *videoPending, ready time.Time) {
	d := v.d
	d.mu.Lock()
	if d.streams[v.id] != v.st {
		d.mu.Unlock()
		return // destroyed meanwhile
	}
	s := d.surfaces[v.st.surfaceID]
	if s != nil {
		pic := &v.pic
		if !v.st.topDown {
			// Bottom-up streams: the decoder's picture is as encoded, the
			// frame's top row last (canvas_put_image's flip).
			d.rowTmp = flipRows(pic, d.rowTmp)
		}
		s.Copy(raster.Area{Box: p.dest, Clip: v.st.clip}, pic, pic.Bounds(), raster.RopCopy, raster.ScaleNearest)
		d.countStream(v.st, func(s *VideoStats) { s.Shown++ })
		if now := time.Now(); ready.After(now) {
			ready = now // shown early: a settle wanted it
		}
		d.drawnPicture(v.st.surfaceID, ready)
	}
	invalidate := !d.invalidated && d.primary != nil && !d.primary.Damage.Empty()
	if invalidate {
		d.invalidated = true
	}
	d.mu.Unlock()
	if invalidate { // every display channel's monitors are on the canvas (monitors.go)
		d.c.cfg.Sink.Invalidate()
	}
}

// settleVideo draws every stream's pending pictures before a message
// that must see them. Streams whose decoder failed are reported to the
// server and stop being decoded.
func (d *display) settleVideo() {
	d.mu.Lock()
	var vs []*videoStream
	for _, st := range d.streams {
		if st.video != nil {
			vs = append(vs, st.video)
		}
	}
	d.mu.Unlock()
	for _, v := range vs {
		if err := v.settle(); err != nil {
			d.mu.Lock()
			if d.streams[v.id] == v.st && v.st.video == v {
				d.videoFailed(v.st, v.id, err)
			}
			d.mu.Unlock()
		}
	}
}

// videoFailed stops decoding st and tells the server (once reports are
// on) that the client cannot decode it, so that it sends the area as
// images. Called with d.mu held.
func (d *display) videoFailed(st *stream, id uint32, err error) {
	if st.video != nil {
		st.video.close()
		st.video = nil
	}
	if st.report.invalid {
		return
	}
	st.report.invalid = true
	d.count(func(s *VideoStats) { s.Failed++ })
	d.c.log("warn", "display: stream "+errfmt.Int(id)+" ("+codecName(st.codec)+") cannot be decoded: "+err.Error())
	d.sendInvalidReport(st, id)
}

func (d *display) sendInvalidReport(st *stream, id uint32) {
	r := &st.report
	if !r.active || r.invalidSent {
		return
	}
	r.invalidSent = true
	// spice-gtk display_stream_report_invalid: no frames, all dropped.
	err := d.ch.send(&spice.MsgcDisplayStreamReport{StreamID: id, UniqueID: r.uniqueID,
		NumFrames: 0, NumDrops: spice.StreamReportInvalidDrops, AudioDelay: spice.StreamReportNoAudio})
	if err != nil {
		d.c.log("warn", "display: stream report: "+err.Error())
	}
}

func codecName(k uint8) string {
	for n, v := range VideoCodecNames {
		if v == k {
			return n
		}
	}
	return "codec " + errfmt.Int(k)
}

// streamActivateReport turns reports on for a stream.
func (d *display) streamActivateReport(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamActivateReport
	if err := m.Decode(body); err != nil {
		return err
	}
	st := d.streams[m.StreamID]
	if st == nil {
		d.unknownStream("report activation", m.StreamID)
		return nil
	}
	r := &st.report
	r.active, r.uniqueID, r.window = true, m.UniqueID, max(m.MaxWindowSize, 1)
	r.timeout = time.Duration(m.TimeoutMS) * time.Millisecond
	r.frames, r.drops, r.dropRun = 0, 0, 0
	if r.invalid {
		d.sendInvalidReport(st, m.StreamID)
	}
	return nil
}

// reportFrame counts a frame that arrived, and sends the report when its
// window is full, its time is up or frames keep arriving late
// (spice-gtk display_update_stream_report, with latency the frame's
// mm-time minus the clock's at arrival).
func (d *display) reportFrame(st *stream, id uint32, mm uint32) {
	now, ok := d.c.MMTime()
	latency := int32(0)
	if ok {
		latency = mmDiff(mm, now)
	}
	if latency < 0 {
		st.late++
	}
	gap := int32(0)
	if st.frames > 0 {
		gap = mmDiff(mm, st.lastMM)
	}
	st.lastMM = mm
	d.count(func(s *VideoStats) {
		s.GapPeak = max(s.GapPeak, int(gap))
		s.Frames++
		if latency < 0 {
			s.Late++
		}
		if ok {
			s.Margin[marginBucket(latency)]++
		}
	})
	r := &st.report
	if !r.active || r.invalid {
		return
	}
	t := time.Now()
	if r.frames == 0 {
		r.startMM, r.startTime = mm, t
	}
	r.frames++
	if latency < 0 {
		r.drops++
		r.dropRun++
	} else {
		r.dropRun = 0
	}
	if r.frames < r.window && t.Sub(r.startTime) < r.timeout && r.dropRun < reportDropSeqLimit {
		return
	}
	// The sound's delay from arrival to speaker lets the server time
	// video against it (spice-gtk fills audio_delay the same way).
	audioDelay := uint32(spice.StreamReportNoAudio)
	if ad, ok := d.c.PlaybackDelay(); ok {
		audioDelay = uint32(ad / time.Millisecond)
	}
	err := d.ch.send(&spice.MsgcDisplayStreamReport{StreamID: id, UniqueID: r.uniqueID,
		StartFrameMMTime: r.startMM, EndFrameMMTime: mm, NumFrames: r.frames, NumDrops: r.drops,
		LastFrameDelay: latency, AudioDelay: audioDelay})
	if err != nil {
		d.c.log("warn", "display: stream report: "+err.Error())
	}
	r.frames, r.drops, r.dropRun = 0, 0, 0
}
