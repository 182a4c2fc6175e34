package session

import (
	"context"
	"errors"
	"slices"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// stream is a video stream: frames replace the dest rectangle of a
// surface, clipped to the stream's region (channel-display.c
// stream_display_frame, sw_canvas.c canvas_put_image).
type stream struct {
	surfaceID uint32
	codec     uint8
	topDown   bool
	dest      raster.Rect
	clip      []raster.Rect // nil: no clip beyond dest
	video     *videoStream  // the stream's decoder and presenter (display_video.go); nil once failed
	report    streamReport
	id        uint32
	frames    int    // arrived
	late      int    // frames that arrived after their time
	lastMM    uint32 // the last frame's mm-time
	// shown, dropped and the causes of drops count pictures of video;
	// guarded by display.statsMu.
	shown, dropped, noPicture, decodedLate int
}

func clipRects(c *spice.Clip, dst []raster.Rect) []raster.Rect {
	if c.Type != spice.ClipTypeRects {
		return nil
	}
	dst = dst[:0]
	if dst == nil {
		dst = []raster.Rect{} // non-nil: an empty list clips everything
	}
	for _, r := range c.Rects {
		dst = append(dst, rect(r))
	}
	return dst
}

func (d *display) streamCreate(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamCreate
	if err := m.Decode(body); err != nil {
		return err
	}
	if m.ID >= spice.MaxNumStreams {
		return errors.New("stream id " + errfmt.Int(m.ID) + " out of range")
	}
	if d.surfaces[m.SurfaceID] == nil {
		return errors.New("stream " + errfmt.Int(m.ID) + " on unknown surface " + errfmt.Int(m.SurfaceID))
	}
	if old := d.streams[m.ID]; old != nil {
		d.closeStream(old)
	}
	st := &stream{
		surfaceID: m.SurfaceID,
		codec:     m.CodecType,
		topDown:   m.Flags&spice.StreamFlagTopDown != 0,
		dest:      rect(m.Dest),
		clip:      clipRects(&m.Clip, nil),
		id:        m.ID,
	}
	d.streams[m.ID] = st
	d.count(func(s *VideoStats) { s.Streams++; s.Codec = m.CodecType })
	d.c.log("debug", "display: video stream "+errfmt.Int(m.ID)+", codec "+errfmt.Int(m.CodecType)+", "+
		errfmt.Int(m.SrcWidth)+"x"+errfmt.Int(m.SrcHeight)+" into "+rectText(rect(m.Dest)))
	// A stream this client cannot decode is reported, not an error: the
	// server then sends the area as images and the session goes on.
	var err error
	switch {
	case !slices.Contains(d.c.videoCodecs(), m.CodecType):
		err = errors.New("codec " + errfmt.Int(m.CodecType) + " was not advertised")
	case raster.CheckSize(int(m.SrcWidth), int(m.SrcHeight)) != nil:
		err = errors.New("frames of " + errfmt.Int(m.SrcWidth) + "x" + errfmt.Int(m.SrcHeight) + " are too large")
	case m.CodecType == spice.VideoCodecMJPEG:
		mj := newMJPEGStream(d, m.ID)
		mj.stale = d.openVideo(ctx, st, m.ID, mj, "the MJPEG decoder").stale
	default:
		var vs VideoStream
		if vs, err = d.openDecoder(m.CodecType, int(m.SrcWidth), int(m.SrcHeight)); err == nil {
			d.openVideo(ctx, st, m.ID, vs, d.c.cfg.VideoDecoder.Name())
		}
	}
	if err != nil {
		d.videoFailed(st, m.ID, err)
	}
	return nil
}

// closeStream stops a stream's decoding and logs what became of its
// frames.
func (d *display) closeStream(st *stream) {
	if st.video != nil {
		st.video.close()
		st.video = nil
	}
	d.statsMu.Lock()
	shown, dropped, noPicture, decodedLate := st.shown, st.dropped, st.noPicture, st.decodedLate
	d.statsMu.Unlock()
	d.c.log("info", "display: video stream "+errfmt.Int(st.id)+" ("+codecName(st.codec)+") ended: "+errfmt.Int(st.frames)+
		" frames, "+errfmt.Int(shown)+" shown, "+errfmt.Int(dropped)+" dropped ("+errfmt.Int(st.late)+" arrived late, "+
		errfmt.Int(decodedLate)+" decoded after their time, "+errfmt.Int(noPicture)+" without a picture)")
}

// unknownStream warns, once per kind, of a message for a stream that does
// not exist (never created, or destroyed): a server out of step, or one
// testing the client; the message is dropped and the screen goes on.
func (d *display) unknownStream(what string, id uint32) {
	key := "stream " + what
	if !d.warned[key] {
		d.warned[key] = true
		d.c.log("warn", "display: "+what+" for unknown stream "+errfmt.Int(id)+" dropped")
	}
}

// rectText spells r as fmt's %v spells the struct: "{x0 y0 x1 y1}".
func rectText(r raster.Rect) string {
	return "{" + errfmt.Int(r.X0) + " " + errfmt.Int(r.Y0) + " " + errfmt.Int(r.X1) + " " + errfmt.Int(r.Y1) + "}"
}

func (d *display) streamData(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamData
	if err := m.Decode(body); err != nil {
		return err
	}
	st := d.streams[m.ID]
	if st == nil {
		d.unknownStream("data", m.ID)
		return nil
	}
	return d.streamFrame(ctx, st, m.ID, m.MultiMediaTime, m.Data, st.dest)
}

func (d *display) streamDataSized(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamDataSized
	if err := m.Decode(body); err != nil {
		return err
	}
	st := d.streams[m.ID]
	if st == nil {
		d.unknownStream("data", m.ID)
		return nil
	}
	return d.streamFrame(ctx, st, m.ID, m.MultiMediaTime, m.Data, rect(m.Dest))
}

// streamFrame hands one frame to the stream's decoder; its presenter
// draws the picture into dest at the frame's mm-time, scaled with NEAREST
// as canvas_put_image does (display_video.go).
func (d *display) streamFrame(ctx context.Context, st *stream, id uint32, mm uint32, data []byte, dest raster.Rect) error {
	d.reportFrame(st, id, mm)
	st.frames++
	if st.report.invalid || st.video == nil {
		d.countStream(st, func(s *VideoStats) { s.Dropped++ })
		return nil // reported undecodable; the server moves to images
	}
	if err := st.video.frame(data, mm, dest); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.countStream(st, func(s *VideoStats) { s.Dropped++ })
		d.videoFailed(st, id, err)
	}
	return nil
}

// flipRows turns m upside down, using tmp as a one-row buffer, which it
// returns grown for the next call.
func flipRows(m *raster.Image, tmp []byte) []byte {
	if cap(tmp) < m.W*4 {
		tmp = make([]byte, m.W*4)
	}
	tmp = tmp[:m.W*4]
	for y0, y1 := 0, m.H-1; y0 < y1; y0, y1 = y0+1, y1-1 {
		a, b := m.Row(y0), m.Row(y1)
		copy(tmp, a)
		copy(a, b)
		copy(b, tmp)
	}
	return tmp
}

func (d *display) streamClip(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamClip
	if err := m.Decode(body); err != nil {
		return err
	}
	st := d.streams[m.ID]
	if st == nil {
		d.unknownStream("clip", m.ID)
		return nil
	}
	st.clip = clipRects(&m.Clip, st.clip)
	return nil
}

func (d *display) streamDestroy(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamDestroy
	if err := m.Decode(body); err != nil {
		return err
	}
	if st := d.streams[m.ID]; st != nil {
		d.closeStream(st)
	}
	delete(d.streams, m.ID)
	return nil
}

func (d *display) streamDestroyAll(ctx context.Context, body []byte) error {
	for _, st := range d.streams {
		d.closeStream(st)
	}
	clear(d.streams)
	return nil
}
