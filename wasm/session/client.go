// Package session runs a SPICE session: it links the channels over
// connections it is given, keeps their state machines, decodes the display
// stream into raster surfaces and sends input. It knows nothing of the
// browser: connections come from a Dialer, pixels and events go to a Sink.
package session

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// Dialer opens a new connection to the SPICE server, one per channel (in
// the browser a websocket to the proxy, natively a TCP connection). ctx
// is cancelled when the dial timeout passes; it carries no deadline.
type Dialer func(ctx context.Context) (io.ReadWriteCloser, error)

// Config is what a session needs.
type Config struct {
	Dial     Dialer
	Password string
	Sink     Sink
	// PreferredCompression, when not zero, is sent to display channels
	// whose server supports PREF_COMPRESSION.
	PreferredCompression spice.ImageCompression
	// Random is the cryptographic random source for the ticket; natively
	// crypto/rand by default, in the browser crypto.getRandomValues.
	Random io.Reader
	// Prepare, when set, hears that the session will dial n more
	// connections soon (when the main channel's INIT gives the session
	// id), so that the transport can open them while the channel list is
	// on its way instead of one by one after it.
	Prepare func(n int)
	// ImageHook, when set, sees every image the display channel parses
	// before it is decoded (recording tools use it). It must not retain
	// img.Data beyond the call.
	ImageHook func(channel uint8, img *spice.Image)
	// JPEGDecoders are decoders outside Go (the browser's) for MJPEG video
	// frames. Each display channel times them against Go's own decoder on
	// the first frames of each size and uses the fastest; without any, Go's
	// decodes every frame.
	JPEGDecoders []JPEGDecoder
	// Audio plays the playback channel and records for the record
	// channel (audio.go); nil turns sound off, and the session then does
	// not open those channels.
	Audio AudioDevice
	// VideoDecoder decodes VP8, VP9, H.264 and H.265 streams outside Go
	// (video.go); without it only MJPEG is advertised.
	VideoDecoder VideoDecoder
	// VideoCodecs is the user's order of preference of video codecs
	// (spice.VideoCodec*), sent to servers with PREF_VIDEO_CODEC_TYPE;
	// codecs this client cannot decode are left out. Empty: the cheapest
	// to decode first.
	VideoCodecs []uint8
}

// State is the session's state as shown to the user.
type State int

const (
	StateConnecting State = iota
	StateConnected
	StateAuthFailed
	StateDisconnected
)

func (s State) String() string {
	return [...]string{"connecting", "connected", "auth-failed", "disconnected"}[s]
}

// Client is one SPICE session.
type Client struct {
	cfg Config

	mu        sync.Mutex
	channels  map[spice.ChannelID]*channel
	inputs    *inputs
	agent     *agent // the main channel's guest agent, once linked
	sessionID uint32
	mouseMode uint32

	mm mmClock // the server's mm-time (mmclock.go)

	videoOnce     sync.Once
	decoderCodecs []uint8 // cfg.VideoDecoder.Codecs(), asked once

	caches *caches  // shared by every display channel of the session
	screen *display // display channel 0
	scr    screens  // every display channel's monitors on the canvas (monitors.go)
	sound  sound    // multimedia clock and sound channels (sound.go)

	// surfacePixels are the pixels of every display channel's surfaces,
	// against surfaceBudget (sessionSurfacePixels; tests lower it).
	surfacePixels atomic.Int64
	surfaceBudget int64

	// dialTimeout, linkTimeout, startTimeout and waitForChannelsLimit
	// are the package constants; tests shorten them.
	dialTimeout, linkTimeout, startTimeout, waitForChannelsLimit time.Duration

	wg sync.WaitGroup
}

// New returns a client for cfg. Call Run to connect.
func New(cfg Config) *Client {
	if cfg.Sink == nil {
		cfg.Sink = nopSink{}
	}
	c := &Client{cfg: cfg, channels: map[spice.ChannelID]*channel{}, caches: newCaches(),
		dialTimeout: dialTimeout, linkTimeout: linkTimeout, startTimeout: startTimeout, waitForChannelsLimit: waitForChannelsLimit,
		surfaceBudget: sessionSurfacePixels}
	c.scr.log = c.log
	return c
}

func (c *Client) log(level, msg string) { c.cfg.Sink.Log(level, msg) }

// Run connects, runs the session until it ends, and reports why. It
// returns ErrAuth for a refused password, ErrProxyRefused when the proxy
// closed before the server answered, context.Canceled after Disconnect or
// cancellation, and the first channel error otherwise.
func (c *Client) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Readers block in the connections; closing them is what ends the
	// session when ctx is done or a channel fails.
	stop := context.AfterFunc(ctx, c.closeAll)
	defer stop()
	c.cfg.Sink.State(StateConnecting, "Connecting…")

	err := c.runMain(ctx, cancel)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause // a child channel failed first; that is the real reason
	}
	cancel(err)
	c.closeAll()
	c.wg.Wait()
	c.caches.close()

	switch {
	case errors.Is(err, ErrAuth):
		c.cfg.Sink.State(StateAuthFailed, "The server refused the password.")
	case errors.Is(err, context.Canceled):
		c.cfg.Sink.State(StateDisconnected, "Disconnected.")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		err = errors.New("the server closed the connection")
		c.cfg.Sink.State(StateDisconnected, "The server closed the connection.")
	default:
		c.cfg.Sink.State(StateDisconnected, err.Error())
	}
	return err
}

// dialAndLink opens one channel within dialTimeout and links it within
// linkTimeout of the connection opening.
func (c *Client) dialAndLink(ctx context.Context, id spice.ChannelID, connID uint32, caps spice.Caps) (*channel, error) {
	dctx, cancel := withTimeout(ctx, c.dialTimeout)
	defer cancel()
	conn, err := c.cfg.Dial(dctx)
	if err != nil {
		if timedOut(dctx) && ctx.Err() == nil {
			return nil, errors.New(id.Type.String() + " channel: the connection did not open within " + c.dialTimeout.String())
		}
		return nil, errfmt.Wrap(id.Type.String()+" channel", err)
	}
	lctx, cancel := withTimeout(ctx, c.linkTimeout)
	defer cancel()
	ch, err := c.link(lctx, conn, id, connID, caps)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.mu.Lock()
	if err := ctx.Err(); err != nil {
		// The session is ending and closeAll may have run already: this
		// channel would never be closed.
		c.mu.Unlock()
		conn.Close()
		return nil, err
	}
	c.channels[id] = ch
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ch.out.run(conn, func() { conn.Close() })
	}()
	c.log("debug", ch.name()+" channel linked")
	return ch, nil
}

// errTimerExpired is the cause of a context ended by withTimeout's timer.
var errTimerExpired = errors.New("session: timeout expired")

// withTimeout is context.WithTimeout without its context type: that type's
// String method, which the linker keeps because the runtime prints a
// panic value through its String method, formats the deadline with
// time.Time.String and so brings all of package time's formatting into
// the wasm binary (about 16 KB). The returned context carries no
// deadline; when d passes it is cancelled with cause errTimerExpired,
// which timedOut tells apart.
func withTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	t := time.AfterFunc(d, func() { cancel(errTimerExpired) })
	return ctx, func() {
		t.Stop()
		cancel(context.Canceled)
	}
}

// timedOut reports whether ctx ended on a deadline: withTimeout's timer,
// or a deadline of a parent context (what ctx.Err() ==
// context.DeadlineExceeded meant when ctx came from context.WithTimeout).
func timedOut(ctx context.Context) bool {
	return context.Cause(ctx) == errTimerExpired || ctx.Err() == context.DeadlineExceeded
}

// startChannel links and runs a child channel in its own goroutine; its
// failure ends the session.
func (c *Client) startChannel(ctx context.Context, cancel context.CancelCauseFunc, id spice.ChannelID, caps spice.Caps,
	setup func(*channel) (handler, error)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ch, err := c.dialAndLink(ctx, id, c.sessionID, caps)
		if err == nil {
			var h handler
			if h, err = setup(ch); err == nil {
				err = channelError(ch, ch.run(ctx, h))
			}
		}
		if err != nil && ctx.Err() == nil {
			cancel(err)
		}
	}()
}

// channelError names the channel in an error from its framing, which
// knows nothing of channels; handler errors already carry the name.
func channelError(ch *channel, err error) error {
	if errors.Is(err, spice.ErrTooLarge) {
		return errfmt.Wrap(ch.name(), err)
	}
	return err
}

// closeAll closes every connection, which unblocks every reader.
func (c *Client) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.channels {
		ch.conn.Close()
		ch.out.close()
	}
}

// waitFor blocks until every named channel has processed the given number
// of messages (WAIT_FOR_CHANNELS, INVAL_ALL_PIXMAPS). A channel the client
// has not linked cannot be waited for; spice-gtk skips those too.
func (c *Client) waitFor(ctx context.Context, waits []spice.WaitForChannel) error {
	// A server asks this to keep its channels in step; one that names a
	// serial never reached would stop the channel for good, silently. So
	// the whole message waits at most waitForChannelsLimit, then the
	// channel goes on with a warning: a console out of step for a moment
	// beats a frozen one.
	wctx, cancel := context.WithTimeout(ctx, c.waitForChannelsLimit)
	defer cancel()
	for _, w := range waits {
		c.mu.Lock()
		ch := c.channels[spice.ChannelID{Type: w.ChannelType, ID: w.ChannelID}]
		c.mu.Unlock()
		if ch == nil {
			continue
		}
		if err := ch.progress.wait(wctx, w.Serial); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.log("warn", "WAIT_FOR_CHANNELS: "+ch.name()+" did not reach message "+errfmt.Int(w.Serial)+
				" in "+c.waitForChannelsLimit.String()+"; going on")
			return nil
		}
	}
	return nil
}

// waitForChannelsLimit bounds one WAIT_FOR_CHANNELS.
const waitForChannelsLimit = 10 * time.Second

type nopSink struct{}

func (nopSink) State(State, string)           {}
func (nopSink) Log(string, string)            {}
func (nopSink) MouseMode(uint32)              {}
func (nopSink) Resize(int, int)               {}
func (nopSink) Invalidate()                   {}
func (nopSink) FirstFrame()                   {}
func (nopSink) Cursor(*CursorShape)           {}
func (nopSink) CursorPosition(int, int, bool) {}
