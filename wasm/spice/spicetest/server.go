package spicetest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spiceweb/wasm/spice"
)

// Server is a scripted SPICE server on a loopback port, for tests of the
// client session: it performs the real link stage (RSA key, ticket check,
// capabilities, mini header) and hands each linked channel to Handle.
type Server struct {
	Password  string
	SessionID uint32
	// Handle runs in its own goroutine per linked channel. When it
	// returns, the connection closes.
	Handle func(c *ServerChannel)
	// LinkResult, when set, decides the link result per channel instead
	// of the password check.
	LinkResult func(t spice.ChannelType) spice.LinkErr
	// ChannelCaps are the server's channel capabilities per type.
	ChannelCaps map[spice.ChannelType]spice.Caps
	// Accept, when set, sees every accepted connection before the link
	// stage; n counts connections from 1. Returning false ends the
	// connection without linking. A broken server (one that never answers
	// the link) is an Accept that reads until the client gives up.
	Accept func(n int, c net.Conn) bool

	t        testing.TB
	ln       net.Listener
	key      *rsa.PrivateKey
	der      []byte
	wg       sync.WaitGroup
	accepted atomic.Int32

	mu    sync.Mutex
	conns map[net.Conn]bool // open connections, closed when the test ends
}

var (
	keyOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// NewServer starts a server; it stops when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, ln: ln, key: rsaKey, der: der, SessionID: 0x5eed, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		ln.Close()
		// A handler blocked reading a client that never hangs up would
		// otherwise keep the test from ending.
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// Start accepts connections; call it after setting the fields.
func (s *Server) Start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			n := int(s.accepted.Add(1))
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					c.Close()
					s.mu.Lock()
					delete(s.conns, c)
					s.mu.Unlock()
				}()
				if s.Accept != nil && !s.Accept(n, c) {
					return
				}
				ch, err := s.link(c)
				if err != nil {
					s.t.Logf("spicetest: link: %v", err)
					return
				}
				if s.Handle != nil {
					s.Handle(ch)
				}
			}()
		}
	}()
}

// Accepted is the number of TCP connections the server has accepted.
func (s *Server) Accepted() int { return int(s.accepted.Load()) }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Dial connects to the server; it has the signature of session.Dialer.
func (s *Server) Dial(ctx context.Context) (io.ReadWriteCloser, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.Addr())
}

// ServerChannel is one linked channel seen from the server.
type ServerChannel struct {
	Type         spice.ChannelType
	ID           uint8
	ConnectionID uint32
	CommonCaps   spice.Caps // the client's
	ChannelCaps  spice.Caps
	Conn         net.Conn

	wmu   sync.Mutex
	frame spice.Frame
	rfr   spice.Frame
}

func (s *Server) link(c net.Conn) (*ServerChannel, error) {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	var hdr [16]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	if string(hdr[:4]) != "REDQ" {
		return nil, errors.New("bad magic")
	}
	size := binary.LittleEndian.Uint32(hdr[12:])
	if size < 18 || size > 4096 {
		return nil, fmt.Errorf("bad link size %d", size)
	}
	mess := make([]byte, size)
	if _, err := io.ReadFull(c, mess); err != nil {
		return nil, err
	}
	ch := &ServerChannel{
		ConnectionID: binary.LittleEndian.Uint32(mess),
		Type:         spice.ChannelType(mess[4]),
		ID:           mess[5],
		Conn:         c,
	}
	nCommon := binary.LittleEndian.Uint32(mess[6:])
	nChannel := binary.LittleEndian.Uint32(mess[10:])
	off := binary.LittleEndian.Uint32(mess[14:])
	if uint64(off)+4*(uint64(nCommon)+uint64(nChannel)) > uint64(len(mess)) {
		return nil, errors.New("caps outside link message")
	}
	for i := uint32(0); i < nCommon; i++ {
		ch.CommonCaps = append(ch.CommonCaps, binary.LittleEndian.Uint32(mess[off+4*i:]))
	}
	for i := uint32(0); i < nChannel; i++ {
		ch.ChannelCaps = append(ch.ChannelCaps, binary.LittleEndian.Uint32(mess[off+4*(nCommon+i):]))
	}

	common := spice.Caps(nil).With(spice.CommonCapProtocolAuthSelection).With(spice.CommonCapAuthSpice).With(spice.CommonCapMiniHeader)
	chCaps := s.ChannelCaps[ch.Type]
	reply := make([]byte, 0, 16+178+4*(len(common)+len(chCaps)))
	reply = append(reply, "REDQ"...)
	reply = binary.LittleEndian.AppendUint32(reply, 2)
	reply = binary.LittleEndian.AppendUint32(reply, 2)
	reply = binary.LittleEndian.AppendUint32(reply, uint32(178+4*(len(common)+len(chCaps))))
	reply = binary.LittleEndian.AppendUint32(reply, 0)
	reply = append(reply, s.der...)
	reply = binary.LittleEndian.AppendUint32(reply, uint32(len(common)))
	reply = binary.LittleEndian.AppendUint32(reply, uint32(len(chCaps)))
	reply = binary.LittleEndian.AppendUint32(reply, 178)
	for _, w := range append(append(spice.Caps{}, common...), chCaps...) {
		reply = binary.LittleEndian.AppendUint32(reply, w)
	}
	if _, err := c.Write(reply); err != nil {
		return nil, err
	}
	var mech [4]byte
	if _, err := io.ReadFull(c, mech[:]); err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint32(mech[:]) != spice.CommonCapAuthSpice {
		return nil, fmt.Errorf("auth mechanism %d", binary.LittleEndian.Uint32(mech[:]))
	}
	ticket := make([]byte, 128)
	if _, err := io.ReadFull(c, ticket); err != nil {
		return nil, err
	}
	pw, err := rsa.DecryptOAEP(sha1.New(), nil, s.key, ticket, nil)
	result := spice.LinkErrOK
	switch {
	case err != nil || len(pw) == 0 || pw[len(pw)-1] != 0:
		result = spice.LinkErrPermissionDenied
	case string(pw[:len(pw)-1]) != s.Password:
		result = spice.LinkErrPermissionDenied
	case ch.Type != spice.ChannelMain && ch.ConnectionID != s.SessionID:
		result = spice.LinkErrBadConnectionID
	}
	if s.LinkResult != nil {
		result = s.LinkResult(ch.Type)
	}
	if _, err := c.Write(binary.LittleEndian.AppendUint32(nil, uint32(result))); err != nil {
		return nil, err
	}
	if result != spice.LinkErrOK {
		return nil, fmt.Errorf("%s: refused with %s", ch.Type, result)
	}
	mini := ch.CommonCaps.Has(spice.CommonCapMiniHeader)
	ch.frame.Mini, ch.rfr.Mini = mini, mini
	return ch, nil
}

// Send writes one server message.
func (c *ServerChannel) Send(t spice.MsgType, body []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write(c.frame.AppendMessage(nil, &spice.MsgcRaw{MsgType: t, Body: body}))
	return err
}

// AppendMessage appends one framed server message to dst, for tests that
// write many messages at once (WriteRaw) or hand-made frames.
func (c *ServerChannel) AppendMessage(dst []byte, t spice.MsgType, body []byte) []byte {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.frame.AppendMessage(dst, &spice.MsgcRaw{MsgType: t, Body: body})
}

// WriteRaw writes bytes as they are, between whole messages of Send.
func (c *ServerChannel) WriteRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.Conn.Write(b)
	return err
}

// Recv reads one client message.
func (c *ServerChannel) Recv() (spice.MsgType, []byte, error) {
	t, body, err := c.rfr.ReadMessage(c.Conn)
	if err != nil {
		return 0, nil, err
	}
	return t, append([]byte(nil), body...), nil
}

// Expect reads client messages until one of type t arrives, skipping
// ACK_SYNC, ACK and PONG; it fails the test on error or after timeout.
func (c *ServerChannel) Expect(t testing.TB, want spice.MsgType, timeout time.Duration) []byte {
	t.Helper()
	c.Conn.SetReadDeadline(time.Now().Add(timeout))
	defer c.Conn.SetReadDeadline(time.Time{})
	for {
		got, body, err := c.Recv()
		if err != nil {
			t.Errorf("%s: waiting for message %d: %v", c.Type, want, err)
			return nil
		}
		if got == want {
			return body
		}
		if got == spice.MsgcTypeAckSync || got == spice.MsgcTypeAck || got == spice.MsgcTypePong {
			continue
		}
		t.Errorf("%s: got message %d, want %d", c.Type, got, want)
		return nil
	}
}
