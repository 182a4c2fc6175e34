package replay

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"image"
	"io"
	"net"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"spiceweb/spicecap"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// capRec is one record of a capture written by a test.
type capRec struct {
	dir  spicecap.Direction
	at   time.Duration
	data []byte
}

// capBytes encodes records in the capture format (see package spicecap),
// with stamps the test chooses.
func capBytes(recs []capRec) []byte {
	b := []byte(spicecap.Magic)
	for _, r := range recs {
		b = append(b, byte(r.dir))
		b = binary.LittleEndian.AppendUint32(b, uint32(r.at/time.Microsecond))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r.data)))
		b = append(b, r.data...)
	}
	return b
}

var (
	keyOnce sync.Once
	pubKey  []byte
)

// testPubKey is an RSA-1024 public key as a server sends it in its link
// reply, so that clients can encrypt their ticket.
func testPubKey(t testing.TB) []byte {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
		pubKey, err = x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			panic(err)
		}
	})
	if len(pubKey) != spice.TicketPubkeySize {
		t.Fatalf("public key is %d bytes, want %d", len(pubKey), spice.TicketPubkeySize)
	}
	return pubKey
}

// sent is a server message at a time after the link, for recChannel.
type sent struct {
	at   time.Duration
	typ  spice.MsgType
	body []byte
}

// commonCaps are what our client and spice-server both announce.
var commonCaps = spice.Caps(nil).With(spice.CommonCapProtocolAuthSelection).With(spice.CommonCapAuthSpice).With(spice.CommonCapMiniHeader)

// recChannel records one channel as a proxy would have seen it: the
// client's link at 1 ms, the server's reply, the ticket, the result, then
// msgs, each in a record of its own stamped 1 ms + at.
func recChannel(t testing.TB, id spice.ChannelID, connID uint32, clientCaps spice.Caps, msgs []sent) []byte {
	t.Helper()
	const t0 = time.Millisecond
	link := (&spice.LinkMess{ConnectionID: connID, ChannelType: id.Type, ChannelID: id.ID, CommonCaps: commonCaps, ChannelCaps: clientCaps}).AppendLink(nil)
	reply := (&spice.LinkReply{PubKey: testPubKey(t), CommonCaps: commonCaps}).AppendLink(nil)
	recs := []capRec{
		{spicecap.ClientToServer, t0, link[:10]}, // a link message split over two reads
		{spicecap.ClientToServer, t0, link[10:]},
		{spicecap.ServerToClient, t0, reply},
		{spicecap.ClientToServer, t0, append(spice.AppendAuthMechanism(nil, spice.CommonCapAuthSpice), make([]byte, spice.TicketSize)...)},
		{spicecap.ServerToClient, t0, spice.AppendLinkResult(nil, spice.LinkErrOK)},
	}
	for _, m := range msgs {
		b := binary.LittleEndian.AppendUint16(nil, uint16(m.typ))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(m.body)))
		recs = append(recs, capRec{spicecap.ServerToClient, t0 + m.at, append(b, m.body...)})
	}
	return capBytes(recs)
}

const testSession = 0x5eed

var (
	mainID    = spice.ChannelID{Type: spice.ChannelMain}
	displayID = spice.ChannelID{Type: spice.ChannelDisplay}
	inputsID  = spice.ChannelID{Type: spice.ChannelInputs}
)

// Colours of the synthetic desktop, x8r8g8b8.
const (
	colourA = 0x00336699
	colourB = 0x00cc3300
)

// synthetic is a recorded session: a 64x48 screen that is colour A, turns
// B at 300 ms and stays so; an off-screen surface created and never
// destroyed; the main channel with a network-test PING.
func synthetic(t testing.TB) fstest.MapFS {
	t.Helper()
	screen := image.Rect(0, 0, 64, 48)
	mainMsgs := []sent{
		{0, spice.MsgTypeMainInit, spicetest.MainInit(testSession)},
		{time.Millisecond, spice.MsgTypePing, append(spicetest.Ping(1, 99), make([]byte, 256<<10)...)},
		{20 * time.Millisecond, spice.MsgTypeMainChannelsList, spicetest.ChannelsList(displayID, inputsID)},
	}
	displayMsgs := []sent{
		{0, spice.MsgTypeSetAck, spicetest.SetAck(1, 20)},
		{0, spice.MsgTypeDisplaySurfaceCreate, spicetest.SurfaceCreate(0, 64, 48, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)},
		{time.Millisecond, spice.MsgTypeDisplayDrawFill, spicetest.DrawFill(0, screen, colourA)},
		{time.Millisecond, spice.MsgTypeDisplayMark, nil},
		{2 * time.Millisecond, spice.MsgTypeDisplaySurfaceCreate, spicetest.SurfaceCreate(5, 8, 8, spice.SurfaceFmt32xRGB, 0)},
		{300 * time.Millisecond, spice.MsgTypeDisplayDrawFill, spicetest.DrawFill(0, screen, colourB)},
	}
	inputsMsgs := []sent{{0, spice.MsgTypeInputsInit, []byte{0, 0}}}
	return fstest.MapFS{
		"0001-1.spicecap": {Data: recChannel(t, mainID, 0, spice.Caps(nil).With(spice.MainCapNameAndUUID), mainMsgs)},
		"0002-2.spicecap": {Data: recChannel(t, displayID, testSession, nil, displayMsgs)},
		"0003-3.spicecap": {Data: recChannel(t, inputsID, testSession, nil, inputsMsgs)},
	}
}

// loadSynthetic loads the synthetic recording with opts.
func loadSynthetic(t testing.TB, opts Options) *Recording {
	t.Helper()
	rec, err := Load(synthetic(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// servePipe serves rec until ctx ends on one end of a pipe, the way serve
// does for a websocket, and returns the other end; done receives what
// Serve returned.
func servePipe(ctx context.Context, rec *Recording) (client net.Conn, done <-chan error) {
	client, server := net.Pipe()
	ch := make(chan error, 1)
	go func() { ch <- rec.Serve(ctx, server) }()
	return client, ch
}

// served waits up to 5 s for what Serve returned on done; if it has not
// returned by then, the test fails with what.
func served(t testing.TB, done <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal(what)
		return nil
	}
}

// serveTo serves rec to connections made by the returned dialer, as
// servePipe does, until the test ends. errs receives what Serve returned
// for each.
func serveTo(t testing.TB, rec *Recording) (dial func(context.Context) (io.ReadWriteCloser, error), errs <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 64)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return func(context.Context) (io.ReadWriteCloser, error) {
		client, done := servePipe(ctx, rec)
		wg.Go(func() {
			err := <-done
			select {
			case ch <- err:
			default:
			}
		})
		return client, nil
	}, ch
}

// viewer is a session.Sink (and InfoSink) that keeps the last presented
// screen and the colours of pixel (1,1) in the order they were shown.
type viewer struct {
	mu      sync.Mutex
	client  *session.Client
	img     *raster.Image
	frames  int
	colours []uint32 // pixel (1,1) per present, when it changed
	names   []string
	notices []string
	logs    []string
	states  []string
}

func (v *viewer) State(s session.State, m string) {
	v.mu.Lock()
	v.states = append(v.states, s.String()+": "+m)
	v.mu.Unlock()
}
func (v *viewer) Log(l, m string) {
	v.mu.Lock()
	v.logs = append(v.logs, l+": "+m)
	v.mu.Unlock()
}
func (v *viewer) MouseMode(uint32) {}
func (v *viewer) Resize(int, int)  {}
func (v *viewer) Invalidate()      { v.client.Present(v.show) }
func (v *viewer) show(img *raster.Image, _ []image.Rectangle) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.img == nil || v.img.W != img.W || v.img.H != img.H {
		v.img, _ = raster.NewImage(img.W, img.H)
	}
	copy(v.img.Pix, img.Pix)
	v.frames++
	p := img.Row(1)[4:8]
	c := uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
	if n := len(v.colours); n == 0 || v.colours[n-1] != c {
		v.colours = append(v.colours, c)
	}
}
func (v *viewer) FirstFrame()                   {}
func (v *viewer) Cursor(*session.CursorShape)   {}
func (v *viewer) CursorPosition(int, int, bool) {}
func (v *viewer) GuestName(name string)         { v.mu.Lock(); v.names = append(v.names, name); v.mu.Unlock() }
func (v *viewer) Notice(message string) {
	v.mu.Lock()
	v.notices = append(v.notices, message)
	v.mu.Unlock()
}
func (v *viewer) snapshot() (colours []uint32, frames int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]uint32(nil), v.colours...), v.frames
}

// watch runs our client against dial until the test ends.
func watch(t testing.TB, dial func(context.Context) (io.ReadWriteCloser, error)) *viewer {
	v := &viewer{}
	c := session.New(session.Config{Dial: dial, Sink: v, Password: "anything"})
	v.client = c
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		select {
		case err := <-done:
			t.Errorf("the client ended during the test: %v", err)
			return
		default:
		}
		cancel()
		select {
		case <-done: // whatever it says: it was told to stop
		case <-time.After(10 * time.Second):
			t.Error("client did not stop")
		}
	})
	return v
}

// waitFor polls cond every 10 ms until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
	}
}

// rawLink links to the replay as a bare client would and returns the
// connection and its framing, for tests that read the wire.
func rawLink(t testing.TB, dial func(context.Context) (io.ReadWriteCloser, error), m spice.LinkMess) (io.ReadWriteCloser, spice.LinkErr) {
	t.Helper()
	conn, _ := dial(context.Background())
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write(m.AppendLink(nil)); err != nil {
		t.Fatal(err)
	}
	reply, err := spice.ReadLinkReply(conn)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Error != spice.LinkErrOK {
		return conn, reply.Error
	}
	if m.CommonCaps.Has(spice.CommonCapProtocolAuthSelection) {
		conn.Write(spice.AppendAuthMechanism(nil, spice.CommonCapAuthSpice))
	}
	conn.Write(bytes.Repeat([]byte{0xa5}, spice.TicketSize))
	res, err := spice.ReadLinkResult(conn)
	if err != nil {
		t.Fatal(err)
	}
	return conn, res
}
