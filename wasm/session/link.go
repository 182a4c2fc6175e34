package session

import (
	"context"
	"errors"
	"io"
	"time"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/ticket"
)

// linkTimeout bounds the link stage of one channel, from its connection
// opening. A server that accepts the connection and then says nothing
// must not leave the page at "Connecting…": spice-server answers at once,
// and ten seconds leaves a loaded host room while the user still gets an
// answer within fifteen.
const linkTimeout = 10 * time.Second

// dialTimeout bounds opening one connection. It is separate from and
// longer than linkTimeout because a proxy opening a websocket can be slow
// for reasons that are no fault of the server: Debian's websockify forks
// a process per connection, and on a loaded 2-core machine the later
// channels' sockets were seen opening 5 to 14 s after the main one.
const dialTimeout = 30 * time.Second

// startTimeout bounds the wait, once the main channel is linked, for the
// server's INIT and channel list: a server that links and then stays
// silent gets the same clear end as one that never answers the link.
// spice-server sends INIT as soon as the link completes (reds.c
// reds_handle_main_link, before its network test) and the list as soon as
// it is asked.
const startTimeout = 10 * time.Second

// LinkError is a refusal by the server during the link stage.
type LinkError struct {
	Channel spice.ChannelType
	Code    spice.LinkErr
}

func (e *LinkError) Error() string {
	return e.Channel.String() + " channel: server refused the link: " + e.Code.String()
}

// ErrAuth reports a refused password (PERMISSION_DENIED). It is final: the
// user must give another password, the client does not retry.
var ErrAuth = errors.New("the server refused the password")

// ErrProxyRefused reports a connection that closed before the server sent
// a single byte. Behind nova's or websockify's proxy this is how a bad or
// expired token, or a disallowed Origin, looks from the browser.
var ErrProxyRefused = errors.New("the console proxy refused the connection: the console link may have expired or this page's origin is not allowed")

// countingReader remembers whether anything was read, to tell a proxy
// refusal (nothing at all) from a server that hung up mid-handshake.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// link performs the link stage on conn for channel id and returns the
// linked channel. connID is 0 for main, the session id otherwise.
// ctx carries the link deadline (dialAndLink).
func (c *Client) link(ctx context.Context, conn io.ReadWriteCloser, id spice.ChannelID, connID uint32, caps spice.Caps) (*channel, error) {
	// Reads below block; closing the connection is how they are unblocked
	// on timeout or cancellation.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	common := spice.Caps(nil).
		With(spice.CommonCapProtocolAuthSelection).
		With(spice.CommonCapAuthSpice).
		With(spice.CommonCapMiniHeader)
	mess := spice.LinkMess{ConnectionID: connID, ChannelType: id.Type, ChannelID: id.ID,
		CommonCaps: common, ChannelCaps: caps}
	if _, err := conn.Write(mess.AppendLink(nil)); err != nil {
		// Nothing has come from the server yet: a socket already closed
		// by the proxy is a refusal too.
		return nil, c.linkIOError(ctx, id, err, true)
	}
	cr := &countingReader{r: conn}
	reply, err := spice.ReadLinkReply(cr)
	if err != nil {
		return nil, c.linkIOError(ctx, id, err, cr.n == 0)
	}
	if reply.Error != spice.LinkErrOK {
		return nil, linkErr(id, reply.Error)
	}
	if reply.CommonCaps.Has(spice.CommonCapProtocolAuthSelection) {
		if !reply.CommonCaps.Has(spice.CommonCapAuthSpice) {
			return nil, errors.New(id.Type.String() + " channel: the server requires SASL authentication, which this client does not support")
		}
		if _, err := conn.Write(spice.AppendAuthMechanism(nil, spice.CommonCapAuthSpice)); err != nil {
			return nil, c.linkIOError(ctx, id, err, false)
		}
	}
	random := c.cfg.Random
	if random == nil {
		random = defaultRandom
	}
	if random == nil {
		return nil, errors.New("no random source for the ticket")
	}
	tk, err := ticket.Encrypt(reply.PubKey, c.cfg.Password, random)
	if err != nil {
		return nil, errfmt.Wrap(id.Type.String()+" channel", err)
	}
	if _, err := conn.Write(tk); err != nil {
		return nil, c.linkIOError(ctx, id, err, false)
	}
	result, err := spice.ReadLinkResult(cr)
	if err != nil {
		// Some servers close instead of answering a bad ticket.
		return nil, c.linkIOError(ctx, id, err, false)
	}
	if result != spice.LinkErrOK {
		return nil, linkErr(id, result)
	}
	ch := &channel{client: c, id: id, conn: conn, r: newBufferedReader(conn), out: newSendQueue(),
		commonCaps: reply.CommonCaps, channelCaps: reply.ChannelCaps}
	mini := reply.CommonCaps.Has(spice.CommonCapMiniHeader)
	ch.frame.Mini, ch.rframe.Mini = mini, mini
	return ch, nil
}

func linkErr(id spice.ChannelID, code spice.LinkErr) error {
	if code == spice.LinkErrPermissionDenied {
		return ErrAuth
	}
	return &LinkError{Channel: id.Type, Code: code}
}

func (c *Client) linkIOError(ctx context.Context, id spice.ChannelID, err error, nothingRead bool) error {
	if timedOut(ctx) {
		if nothingRead {
			return errors.New(id.Type.String() + " channel: the server did not answer within " + c.linkTimeout.String())
		}
		return errors.New(id.Type.String() + " channel: the server did not complete the link within " + c.linkTimeout.String())
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if nothingRead && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe)) {
		return ErrProxyRefused
	}
	return errfmt.Wrap(id.Type.String()+" channel: connection lost during the handshake", err)
}
