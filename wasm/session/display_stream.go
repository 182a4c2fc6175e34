package session

import (
	"context"
	"errors"

	"spiceweb/wasm/codec/jpeg"
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
	mjpeg     jpeg.Stream   // tables carried from frame to frame
	warned    bool
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
	d.streams[m.ID] = &stream{
		surfaceID: m.SurfaceID,
		codec:     m.CodecType,
		topDown:   m.Flags&spice.StreamFlagTopDown != 0,
		dest:      rect(m.Dest),
		clip:      clipRects(&m.Clip, nil),
	}
	d.c.log("debug", "display: video stream "+errfmt.Int(m.ID)+", codec "+errfmt.Int(m.CodecType)+", "+
		errfmt.Int(m.SrcWidth)+"x"+errfmt.Int(m.SrcHeight)+" into "+rectText(rect(m.Dest)))
	if m.CodecType != spice.VideoCodecMJPEG {
		// Only MJPEG is advertised, so no server should do this.
		d.c.log("warn", "stream "+errfmt.Int(m.ID)+" uses codec "+errfmt.Int(m.CodecType)+", which this client cannot decode")
	}
	return nil
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
		return errors.New("data for unknown stream " + errfmt.Int(m.ID))
	}
	return d.streamFrame(ctx, st, m.ID, m.Data, st.dest)
}

func (d *display) streamDataSized(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamDataSized
	if err := m.Decode(body); err != nil {
		return err
	}
	st := d.streams[m.ID]
	if st == nil {
		return errors.New("data for unknown stream " + errfmt.Int(m.ID))
	}
	return d.streamFrame(ctx, st, m.ID, m.Data, rect(m.Dest))
}

// streamFrame decodes one frame and puts it into dest, scaled with
// NEAREST as canvas_put_image does. The frame is made a complete JPEG
// (tables from earlier frames put in), so that the browser's decoders,
// which keep nothing between images, can decode it too.
func (d *display) streamFrame(ctx context.Context, st *stream, id uint32, data []byte, dest raster.Rect) error {
	if st.codec != spice.VideoCodecMJPEG {
		return nil
	}
	s := d.surfaces[st.surfaceID]
	if s == nil {
		return errors.New("stream " + errfmt.Int(id) + ": surface " + errfmt.Int(st.surfaceID) + " is gone")
	}
	frame := &d.streamBuf
	jfif, err := st.mjpeg.Complete(data)
	var w, h int
	if err == nil {
		w, h, err = jpeg.DecodeConfig(jfif)
	}
	if err == nil {
		err = d.jpegs.decode(ctx, jfif, w, h, frame)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// A bad frame is dropped; the next key frame repairs the picture.
		if !st.warned {
			st.warned = true
			d.c.log("warn", "stream "+errfmt.Int(id)+": dropping undecodable frame: "+err.Error())
		}
		return nil
	}
	if !st.topDown {
		d.rowTmp = flipRows(frame, d.rowTmp)
	}
	s.Copy(raster.Area{Box: dest, Clip: st.clip}, frame, frame.Bounds(), raster.RopCopy, raster.ScaleNearest)
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
		return errors.New("clip for unknown stream " + errfmt.Int(m.ID))
	}
	st.clip = clipRects(&m.Clip, st.clip)
	return nil
}

func (d *display) streamDestroy(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayStreamDestroy
	if err := m.Decode(body); err != nil {
		return err
	}
	delete(d.streams, m.ID)
	return nil
}

func (d *display) streamDestroyAll(ctx context.Context, body []byte) error {
	clear(d.streams)
	return nil
}
