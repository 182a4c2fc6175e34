package replay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"spiceweb/wasm/spice"
)

// The connection's time limits; variables so that tests can shorten them.
var (
	// linkTimeout bounds the link stage: from the connection's start
	// until the client's ticket has arrived.
	linkTimeout = 10 * time.Second
	// writeTimeout bounds one write to the client: a client that stops
	// reading is dropped rather than held on to.
	writeTimeout = 30 * time.Second
)

// batchSlack lets messages due within it go out with the one being
// written: one write instead of several for a burst.
const batchSlack = 2 * time.Millisecond

// deadliner is what net.Conn adds to io.ReadWriteCloser that Serve uses.
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// ErrNotRecorded is returned by Serve for a link to a channel the
// recording does not have; the client was told so (CHANNEL_NOT_AVAILABLE).
var ErrNotRecorded = errors.New("replay: channel not recorded")

// ErrBadConnectionID is returned by Serve for a channel linked with
// another session id than the recorded one; the client was told so
// (BAD_CONNECTION_ID).
var ErrBadConnectionID = errors.New("replay: link with another session id than the recording's")

// Serve plays the recording to one connection until the client closes it
// or ctx ends, and closes conn. It returns nil when the client closed the
// connection after a complete link, else why the connection ended. conn
// may be a net.Conn, whose deadlines then bound the link and each write;
// otherwise Serve closes conn when they pass.
func (r *Recording) Serve(ctx context.Context, conn io.ReadWriteCloser) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer conn.Close()
	// Reads and writes block; closing the connection is what unblocks
	// them when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c := &player{rec: r, conn: conn, ctx: ctx, cancel: cancel}
	c.dl, _ = conn.(deadliner)
	tr, err := c.link()
	if err != nil {
		return err
	}
	go c.readClient(tr)
	err = c.play(tr)
	if cause := context.Cause(ctx); cause != nil {
		err = cause
	}
	if errors.Is(err, errClientClosed) {
		return nil
	}
	return err
}

var errClientClosed = errors.New("client closed the connection")

// player serves one connection.
type player struct {
	rec    *Recording
	conn   io.ReadWriteCloser
	dl     deadliner // nil if conn has no deadlines
	ctx    context.Context
	cancel context.CancelCauseFunc

	start   time.Time  // when the client's link message arrived: the recording's time 0
	mini    bool       // mini headers, as this client and the recorded server agree
	nameCap bool       // main channel: the client takes NAME
	wmu     sync.Mutex // guards writes, serial and buf
	serial  uint64
	buf     []byte
}

// link runs the link stage and returns the channel's recording.
func (c *player) link() (*track, error) {
	deadline := time.Now().Add(linkTimeout)
	if c.dl != nil {
		c.dl.SetReadDeadline(deadline)
		c.dl.SetWriteDeadline(deadline)
	} else {
		t := time.AfterFunc(linkTimeout, func() {
			c.cancel(fmt.Errorf("replay: the link did not complete within %v: %w", linkTimeout, os.ErrDeadlineExceeded))
		})
		defer t.Stop()
	}
	mess, err := spice.ReadLinkMess(c.conn)
	if err != nil {
		return nil, c.linkErr("the client's link message", err)
	}
	start := time.Now()
	id := spice.ChannelID{Type: mess.ChannelType, ID: mess.ChannelID}
	tr := c.rec.tracks[id]
	switch {
	case tr == nil:
		c.conn.Write((&spice.LinkReply{Error: spice.LinkErrChannelNotAvailable}).AppendLink(nil))
		return nil, fmt.Errorf("%w: %v channel %d", ErrNotRecorded, id.Type, id.ID)
	case id.Type != spice.ChannelMain && mess.ConnectionID != c.rec.SessionID:
		c.conn.Write((&spice.LinkReply{Error: spice.LinkErrBadConnectionID}).AppendLink(nil))
		return nil, fmt.Errorf("%w: %v channel with %#x, recorded %#x", ErrBadConnectionID, id.Type, mess.ConnectionID, c.rec.SessionID)
	}
	if _, err := c.conn.Write(tr.reply); err != nil {
		return nil, c.linkErr("writing the link reply", err)
	}
	if mess.CommonCaps.Has(spice.CommonCapProtocolAuthSelection) && tr.serverComm.Has(spice.CommonCapProtocolAuthSelection) {
		var b [4]byte
		if _, err := io.ReadFull(c.conn, b[:]); err != nil {
			return nil, c.linkErr("the client's auth mechanism", err)
		}
		if mech := binary.LittleEndian.Uint32(b[:]); mech != spice.CommonCapAuthSpice {
			c.conn.Write(spice.AppendLinkResult(nil, spice.LinkErrInvalidData))
			return nil, fmt.Errorf("replay: the client asked for auth mechanism %d; a recording takes SPICE tickets only", mech)
		}
	}
	// The ticket is the password encrypted with the recorded key under
	// random padding: it is accepted unread.
	if _, err := io.ReadFull(c.conn, make([]byte, spice.TicketSize)); err != nil {
		return nil, c.linkErr("the client's ticket", err)
	}
	if _, err := c.conn.Write(tr.result); err != nil {
		return nil, c.linkErr("writing the link result", err)
	}
	if c.dl != nil {
		c.dl.SetReadDeadline(time.Time{})
		c.dl.SetWriteDeadline(time.Time{})
	}
	c.mini = mess.CommonCaps.Has(spice.CommonCapMiniHeader) && tr.serverComm.Has(spice.CommonCapMiniHeader)
	c.nameCap = mess.ChannelCaps.Has(spice.MainCapNameAndUUID)
	c.start = start
	return tr, nil
}

func (c *player) linkErr(what string, err error) error {
	if cause := context.Cause(c.ctx); cause != nil {
		return cause
	}
	if timedOut(err) {
		return fmt.Errorf("replay: %s: the link did not complete within %v: %w", what, linkTimeout, err)
	}
	return fmt.Errorf("replay: %s: %w", what, err)
}

// readClient reads and drops what the client sends, acknowledging motion
// on the inputs channel, until the connection fails.
func (c *player) readClient(tr *track) {
	hdrSize := spice.FullHeaderSize
	if c.mini {
		hdrSize = spice.MiniHeaderSize
	}
	hdr := make([]byte, hdrSize)
	motion := 0
	for {
		if _, err := io.ReadFull(c.conn, hdr); err != nil {
			c.cancel(clientErr(err))
			return
		}
		var t spice.MsgType
		var size uint32
		if c.mini {
			t, size = spice.MsgType(binary.LittleEndian.Uint16(hdr)), binary.LittleEndian.Uint32(hdr[2:])
		} else {
			t, size = spice.MsgType(binary.LittleEndian.Uint16(hdr[8:])), binary.LittleEndian.Uint32(hdr[10:])
		}
		// Skipped, not read into memory: the size may say anything.
		if _, err := io.CopyN(io.Discard, c.conn, int64(size)); err != nil {
			c.cancel(clientErr(err))
			return
		}
		if tr.id.Type == spice.ChannelInputs && (t == spice.MsgcTypeInputsMouseMotion || t == spice.MsgcTypeInputsMousePosition) {
			if motion++; motion%spice.InputMotionAckBunch == 0 {
				if err := c.write([]message{{typ: spice.MsgTypeInputsMouseMotionAck}}); err != nil {
					c.cancel(err)
					return
				}
			}
		}
	}
}

func clientErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errClientClosed
	}
	return fmt.Errorf("replay: reading from the client: %w", err)
}

// play writes the channel's recorded messages at their times, pass after
// pass if the channel loops, then waits for the end of the connection.
func (c *player) play(tr *track) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	wait := func(due time.Time) error {
		d := time.Until(due)
		if d <= 0 {
			return nil
		}
		timer.Reset(d)
		select {
		case <-timer.C:
			return nil
		case <-c.ctx.Done():
			timer.Stop()
			return context.Cause(c.ctx)
		}
	}
	var batch []message
	flush := func() error {
		err := c.write(batch)
		batch = batch[:0]
		return err
	}
	loopUntil := c.start.Add(c.rec.opts.LoopFor)
	for pass := 0; ; pass++ {
		base := c.start.Add(time.Duration(pass) * c.rec.Period)
		if pass > 0 {
			if !tr.loops || base.After(loopUntil) {
				break
			}
			if err := wait(base); err != nil {
				return err
			}
			batch = append(batch, tr.resets...)
		}
		for i, m := range tr.msgs {
			if pass > 0 && i == tr.primarySkip {
				continue
			}
			if due := base.Add(m.at); time.Until(due) > batchSlack {
				if err := flush(); err != nil {
					return err
				}
				if err := wait(due); err != nil {
					return err
				}
			}
			batch = append(batch, m)
			if pass == 0 && tr.id.Type == spice.ChannelMain && i == tr.initIndex {
				batch = c.afterInit(batch)
			}
		}
		if err := flush(); err != nil {
			return err
		}
	}
	<-c.ctx.Done()
	return context.Cause(c.ctx)
}

// afterInit appends what the replay adds to the main channel after INIT.
func (c *player) afterInit(batch []message) []message {
	if name := c.rec.opts.Name; name != "" && c.nameCap {
		batch = append(batch, message{typ: spice.MsgTypeMainName, body: (&spice.MsgMainName{Name: name}).Encode(nil)})
	}
	if notice := c.rec.opts.Notice; notice != "" {
		batch = append(batch, message{typ: spice.MsgTypeNotify, body: (&spice.MsgNotify{
			TimeStamp:  uint64(time.Now().UnixMicro()),
			Severity:   spice.NotifySeverityInfo,
			Visibility: spice.NotifyVisibilityHigh,
			Message:    notice,
		}).Encode(nil)})
	}
	return batch
}

// write frames msgs for this client and writes them in one call.
func (c *player) write(msgs []message) error {
	if len(msgs) == 0 {
		return nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.buf[:0]
	for _, m := range msgs {
		if c.mini {
			b = binary.LittleEndian.AppendUint16(b, uint16(m.typ))
			b = binary.LittleEndian.AppendUint32(b, uint32(len(m.body)))
		} else {
			c.serial++
			b = binary.LittleEndian.AppendUint64(b, c.serial)
			b = binary.LittleEndian.AppendUint16(b, uint16(m.typ))
			b = binary.LittleEndian.AppendUint32(b, uint32(len(m.body)))
			b = binary.LittleEndian.AppendUint32(b, 0) // sub_list
		}
		b = append(b, m.body...)
	}
	if cap(b) <= maxKeptBuffer {
		c.buf = b
	}
	if c.dl != nil {
		c.dl.SetWriteDeadline(time.Now().Add(writeTimeout))
	} else {
		t := time.AfterFunc(writeTimeout, func() { c.cancel(errWriteTimeout) })
		defer t.Stop()
	}
	if _, err := c.conn.Write(b); err != nil {
		if cause := context.Cause(c.ctx); cause != nil {
			return cause
		}
		if timedOut(err) {
			return errWriteTimeout
		}
		return fmt.Errorf("replay: writing to the client: %w", err)
	}
	return nil
}

// maxKeptBuffer bounds the write buffer a connection keeps between writes;
// the first frame of a recording may need more, once.
const maxKeptBuffer = 64 << 10

var errWriteTimeout = errors.New("replay: the client stopped reading")

// timedOut reports whether err comes from a passed deadline: a net.Conn's
// (os.ErrDeadlineExceeded) or a websocket.NetConn's
// (context.DeadlineExceeded).
func timedOut(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
}
