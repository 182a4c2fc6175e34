package session

import (
	"bufio"
	"context"
	"errors"
	"io"
	"sync"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// handler processes one message of a channel type. body aliases the read
// buffer and is only valid during the call.
type handler func(ctx context.Context, t spice.MsgType, body []byte) error

// channel is one linked SPICE channel: its connection, framing, and the
// base-channel duties every channel has (ack window, ping, notify, wait for
// channels, message lists). Reads happen on the goroutine running run;
// sends may come from any goroutine and are written in batches by out.
type channel struct {
	client *Client
	id     spice.ChannelID
	conn   io.ReadWriteCloser
	r      bufferedReader // reads conn

	commonCaps  spice.Caps // the server's
	channelCaps spice.Caps

	out   *sendQueue
	frame spice.Frame // its Mini field is fixed after linking; serial is guarded by out.mu

	rframe    spice.Frame
	ackWindow uint32
	ackLeft   uint32

	progress progress // messages processed, for WAIT_FOR_CHANNELS

	unknown map[spice.MsgType]bool // logged once each
}

// send frames one message and queues it; it goes out with whatever else
// the channel sends before the writer next runs.
func (ch *channel) send(m spice.ClientMessage) error {
	return ch.out.add(func(dst []byte) []byte { return ch.frame.AppendMessage(dst, m) })
}

// run reads and dispatches messages until the connection fails or ctx ends.
// A panic while handling a message (a bug the input found) becomes an
// error that ends the session: in the browser an unrecovered panic would
// kill the whole client, and the page could not even say what happened.
func (ch *channel) run(ctx context.Context, h handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New(ch.name() + ": internal error: " + errfmt.Value(r))
		}
	}()
	for {
		t, body, err := ch.rframe.ReadMessage(ch.r)
		if err != nil {
			return err
		}
		// The ack counts top-level messages, a LIST counting once. It goes
		// out before the message is handled, as spice-gtk does, so a handler
		// that waits (WAIT_FOR_CHANNELS, a GLZ image from another channel)
		// never holds back the server's window.
		if ch.ackWindow > 0 {
			ch.ackLeft--
			if ch.ackLeft == 0 {
				ch.ackLeft = ch.ackWindow
				if err := ch.send(&spice.MsgcAck{}); err != nil {
					return err
				}
			}
		}
		if err := ch.dispatch(ctx, t, body, h); err != nil {
			return err
		}
		ch.progress.advance()
	}
}

func (ch *channel) dispatch(ctx context.Context, t spice.MsgType, body []byte, h handler) error {
	switch t {
	case spice.MsgTypeSetAck:
		var m spice.MsgSetAck
		if err := m.Decode(body); err != nil {
			return err
		}
		ch.ackWindow, ch.ackLeft = m.Window, m.Window
		return ch.send(&spice.MsgcAckSync{Generation: m.Generation})
	case spice.MsgTypePing:
		var m spice.MsgPing
		if err := m.Decode(body); err != nil {
			return err
		}
		return ch.send(&spice.MsgcPong{ID: m.ID, Timestamp: m.Timestamp})
	case spice.MsgTypeNotify:
		var m spice.MsgNotify
		if err := m.Decode(body); err != nil {
			return err
		}
		level := "info"
		switch m.Severity {
		case spice.NotifySeverityWarn:
			level = "warn"
		case spice.NotifySeverityError:
			level = "error"
		}
		ch.client.log(level, ch.name()+": server notice: "+m.Message)
		ch.client.serverNotice(&m)
		return nil
	case spice.MsgTypeDisconnecting:
		var m spice.MsgDisconnecting
		if err := m.Decode(body); err != nil {
			return err
		}
		ch.client.log("info", ch.name()+": server is disconnecting: "+m.Reason.String())
		return nil
	case spice.MsgTypeWaitForChannels:
		var m spice.MsgWaitForChannels
		if err := m.Decode(body); err != nil {
			return err
		}
		return ch.client.waitFor(ctx, m.Waits)
	case spice.MsgTypeList:
		subs, err := spice.ParseList(body)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if err := ch.dispatch(ctx, s.Type, s.Body, h); err != nil {
				return err
			}
		}
		return nil
	case spice.MsgTypeMigrate, spice.MsgTypeMigrateData:
		ch.client.log("warn", ch.name()+": server asked for migration, which this client does not support")
		return nil
	}
	err := h(ctx, t, body)
	if errors.Is(err, errUnknownMessage) {
		if ch.unknown == nil {
			ch.unknown = map[spice.MsgType]bool{}
		}
		if !ch.unknown[t] {
			ch.unknown[t] = true
			ch.client.log("debug", ch.name()+": skipping unhandled message type "+errfmt.Int(t)+" ("+errfmt.Int(len(body))+" bytes)")
		}
		return nil
	}
	if err != nil {
		return errfmt.Wrap(ch.name()+": message "+errfmt.Int(t), err)
	}
	return nil
}

func (ch *channel) name() string {
	if ch.id.ID == 0 {
		return ch.id.Type.String()
	}
	return ch.id.Type.String() + ":" + errfmt.Int(ch.id.ID)
}

// bufferedReader is a reader that knows how much it holds: the browser
// websocket transport, or a bufio.Reader around a plain connection.
type bufferedReader interface {
	io.Reader
	Buffered() int
}

func newBufferedReader(conn io.Reader) bufferedReader {
	if br, ok := conn.(bufferedReader); ok {
		return br
	}
	return bufio.NewReaderSize(conn, 64<<10)
}

// errUnknownMessage is returned by handlers for types they do not handle;
// the message is skipped (it was already read whole) and logged once.
var errUnknownMessage = errors.New("unknown message type")

// progress counts processed messages and lets other channels wait for a
// count (WAIT_FOR_CHANNELS). With the mini header there are no serials on
// the wire; both sides number messages from 1 implicitly.
type progress struct {
	mu    sync.Mutex
	count uint64
	wake  chan struct{} // closed on advance when someone waits
}

func (p *progress) advance() {
	p.mu.Lock()
	p.count++
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
	p.mu.Unlock()
}

// wait blocks until count >= n or ctx ends.
func (p *progress) wait(ctx context.Context, n uint64) error {
	for {
		p.mu.Lock()
		if p.count >= n {
			p.mu.Unlock()
			return nil
		}
		if p.wake == nil {
			p.wake = make(chan struct{})
		}
		w := p.wake
		p.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
