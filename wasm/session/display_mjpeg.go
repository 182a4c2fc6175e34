package session

import (
	"context"
	"errors"
	"sync"

	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// MJPEG streams go through the same presenter as the codecs decoded
// outside Go (display_video.go), so that their frames too are drawn at
// their mm-time, late ones dropped, and later draws see them in order.
// A frame stays compressed until the presenter asks for the next picture:
// what waits for its time is the JPEG, not its pixels (a server stamps
// frames some 400 ms ahead, a dozen frames at 30 a second), as spice-gtk's
// MJPEG decoder too decodes a frame when it is due.

// mjpegStream is the VideoStream of an MJPEG stream: Decode puts the
// tables of earlier frames into the frame and queues it; Next decodes
// with the display's jpegChooser (Go's decoder or the browser's).
type mjpegStream struct {
	d  *display
	id uint32
	// stale says whether frame seq's time has passed while a later
	// frame waits: its picture would be dropped, so it is not decoded
	// (spice-gtk's MJPEG decoder drops such frames before decoding too,
	// which is what keeps a loaded machine from falling further behind).
	stale func(seq int64) bool
	// tables is the channel goroutine's (Decode's): frames borrow the
	// tables of the frames before them, so they are completed in order.
	tables jpeg.Stream

	mu     sync.Mutex
	queue  []mjpegFrame // completed, not yet decoded
	spare  [][]byte     // buffers of decoded frames, for the next ones
	wake   chan struct{}
	closed bool
	badRun int // frames in a row that did not decode
	warned bool
}

type mjpegFrame struct {
	seq  int64
	jfif []byte
	err  error // the frame could not be completed
}

// mjpegBadRun is the run of undecodable MJPEG frames after which the
// stream is reported undecodable. A lone bad frame is only dropped:
// every MJPEG frame is whole, so the next repairs the picture.
const mjpegBadRun = 3

func newMJPEGStream(d *display, id uint32) *mjpegStream {
	return &mjpegStream{d: d, id: id, wake: make(chan struct{}, 1)}
}

func (m *mjpegStream) Decode(data []byte, key bool, seq int64) error {
	jfif, err := m.tables.Complete(data)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errStreamClosed
	}
	f := mjpegFrame{seq: seq, err: err}
	if err == nil {
		var buf []byte
		if n := len(m.spare); n > 0 {
			buf, m.spare = m.spare[n-1][:0], m.spare[:n-1]
		}
		// A copy: jfif is the frame's memory, or the tables' buffer, both
		// reused for the next frame.
		f.jfif = append(buf, jfif...)
	}
	// A frame that cannot be completed is queued too: runs of bad frames
	// are counted in the frames' order, where decoding finds the rest.
	m.queue = append(m.queue, f)
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return nil
}

// bad counts an undecodable frame (m.mu held): nil while the run is
// short (the frame is dropped: the presenter sees no picture for it),
// the error once the run says the stream cannot be decoded here.
func (m *mjpegStream) bad(err error) error {
	if !m.warned {
		m.warned = true
		m.d.c.log("warn", "stream "+errfmt.Int(m.id)+": dropping undecodable frame: "+err.Error())
	}
	m.badRun++
	if m.badRun >= mjpegBadRun {
		return errfmt.Wrap(errfmt.Int(m.badRun)+" undecodable frames in a row", err)
	}
	return nil
}

var (
	errStreamClosed = errors.New("stream closed")
	// errStale is Next's answer for a frame not decoded because its time
	// had passed and a later frame waited: dropped as late.
	errStale = errors.New("late, not decoded")
)

func (m *mjpegStream) Next(ctx context.Context, dst *raster.Image) (int64, error) {
	m.mu.Lock()
	for len(m.queue) == 0 && !m.closed {
		m.mu.Unlock()
		select {
		case <-m.wake:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		m.mu.Lock()
	}
	if m.closed {
		m.mu.Unlock()
		return 0, errStreamClosed
	}
	f := m.queue[0]
	m.queue[0] = mjpegFrame{}
	m.queue = m.queue[1:]
	m.mu.Unlock()

	err := f.err
	switch {
	case err == nil && m.stale != nil && m.stale(f.seq):
		err = errStale
	case err == nil:
		err = m.d.decodeMJPEG(ctx, f.jfif, dst)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if f.jfif != nil && len(m.spare) < 4 {
		m.spare = append(m.spare, f.jfif)
	}
	switch {
	case err == nil:
		m.badRun = 0
		return f.seq, nil
	case err == errStale:
		return f.seq, errStale
	case ctx.Err() != nil:
		return 0, ctx.Err()
	}
	if err := m.bad(err); err != nil {
		return 0, err
	}
	return f.seq, ErrNoPicture // dropped; the next frame repairs the picture
}

func (m *mjpegStream) Close() {
	m.mu.Lock()
	m.closed = true
	m.queue = nil
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// decodeMJPEG decodes one complete JPEG into dst. Streams' presenters
// take turns: the chooser times the ways of decoding one frame at a time.
func (d *display) decodeMJPEG(ctx context.Context, jfif []byte, dst *raster.Image) error {
	w, h, err := jpeg.DecodeConfig(jfif)
	if err != nil {
		return err
	}
	d.jpegMu.Lock()
	defer d.jpegMu.Unlock()
	return d.jpegs.decode(ctx, jfif, w, h, dst)
}
