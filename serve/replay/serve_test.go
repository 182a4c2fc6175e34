package replay

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/raster/rastertest"
	"spiceweb/wasm/spice"
)

// fixture is a session recorded from Xspice by our native client (see
// e2e/record_test.go), with the framebuffer it must show.
var fixture = filepath.Join("..", "..", "wasm", "session", "testdata", "xspice-desktop")

// TestServeXspiceFixture: our client, linking as it always does, shows the
// recorded Xspice desktop pixel for pixel, and hears the name and the
// notice the replay adds.
func TestServeXspiceFixture(t *testing.T) {
	rec, err := Load(os.DirFS(fixture), Options{Name: "a recording", Notice: "input does nothing"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := rastertest.LoadPNG(filepath.Join(fixture, "want.png"))
	if err != nil {
		t.Fatal(err)
	}
	dial, _ := serveTo(t, rec)
	v := watch(t, dial)
	var diff string
	waitFor(t, 20*time.Second, "the recorded desktop", func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		diff = "nothing presented"
		if v.img != nil {
			diff = rastertest.Diff(v.img, want, 0)
		}
		return diff == ""
	})
	v.mu.Lock()
	defer v.mu.Unlock()
	if !slices.Equal(v.names, []string{"a recording"}) || !slices.Equal(v.notices, []string{"input does nothing"}) {
		t.Errorf("names %q, notices %q", v.names, v.notices)
	}
}

// TestServeLoops: the synthetic screen goes A, then B at 300 ms, and after
// the hold starts again at A, pass after pass.
func TestServeLoops(t *testing.T) {
	rec := loadSynthetic(t, Options{Hold: 200 * time.Millisecond})
	if rec.Period != 500*time.Millisecond {
		t.Fatalf("period %v, want 500ms (the display's 300 ms and the hold)", rec.Period)
	}
	dial, _ := serveTo(t, rec)
	v := watch(t, dial)
	want := []uint32{colourA, colourB, colourA, colourB, colourA, colourB}
	waitFor(t, 10*time.Second, "three passes A, B", func() bool {
		c, _ := v.snapshot()
		return len(c) >= len(want)
	})
	if c, _ := v.snapshot(); !slices.Equal(c[:len(want)], want) {
		t.Fatalf("colours shown %06x, want %06x", c, want)
	}
}

// TestServeLoopResets reads the wire: a later pass starts with the
// messages that undo the last one and skips the primary surface's
// creation, one period after the first.
func TestServeLoopResets(t *testing.T) {
	rec := loadSynthetic(t, Options{Hold: 200 * time.Millisecond})
	dial, _ := serveTo(t, rec)
	conn, res := rawLink(t, dial, spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelDisplay, CommonCaps: commonCaps})
	if res != spice.LinkErrOK {
		t.Fatalf("link result %v", res)
	}
	start := time.Now()
	f := spice.Frame{Mini: true}
	var types []spice.MsgType
	var secondPass time.Duration
	for len(types) < 6+7 {
		typ, _, err := f.ReadMessage(conn)
		if err != nil {
			t.Fatal(err)
		}
		if len(types) == 6 {
			secondPass = time.Since(start)
		}
		types = append(types, typ)
	}
	want := []spice.MsgType{
		spice.MsgTypeSetAck, spice.MsgTypeDisplaySurfaceCreate, spice.MsgTypeDisplayDrawFill, spice.MsgTypeDisplayMark,
		spice.MsgTypeDisplaySurfaceCreate, spice.MsgTypeDisplayDrawFill,
		// The second pass: off-screen surface 5 destroyed, caches emptied,
		// then the recording without the primary's SURFACE_CREATE.
		spice.MsgTypeDisplaySurfaceDestroy, spice.MsgTypeDisplayInvalAllPixmaps, spice.MsgTypeDisplayInvalAllPalettes,
		spice.MsgTypeSetAck, spice.MsgTypeDisplayDrawFill, spice.MsgTypeDisplayMark, spice.MsgTypeDisplaySurfaceCreate,
	}
	if !slices.Equal(types, want) {
		t.Fatalf("messages %v\nwant %v", types, want)
	}
	if secondPass < 450*time.Millisecond || secondPass > 2*time.Second {
		t.Errorf("second pass began %v after the link, want about the 500 ms period", secondPass)
	}
}

// TestServeLinkRefusals: what spice-server would answer a link the
// recording cannot serve.
func TestServeLinkRefusals(t *testing.T) {
	rec := loadSynthetic(t, Options{})
	dial, errs := serveTo(t, rec)
	for _, tc := range []struct {
		name string
		m    spice.LinkMess
		want spice.LinkErr
		err  error
	}{
		{"channel not recorded", spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelCursor, CommonCaps: commonCaps}, spice.LinkErrChannelNotAvailable, ErrNotRecorded},
		{"display 1 not recorded", spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelDisplay, ChannelID: 1, CommonCaps: commonCaps}, spice.LinkErrChannelNotAvailable, ErrNotRecorded},
		{"other session", spice.LinkMess{ConnectionID: 1234, ChannelType: spice.ChannelDisplay, CommonCaps: commonCaps}, spice.LinkErrBadConnectionID, ErrBadConnectionID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, got := rawLink(t, dial, tc.m)
			if got != tc.want {
				t.Errorf("link error %v, want %v", got, tc.want)
			}
			if err := <-errs; !errors.Is(err, tc.err) {
				t.Errorf("Serve returned %v, want %v", err, tc.err)
			}
			if _, err := conn.Read(make([]byte, 1)); err == nil {
				t.Error("the connection stays open after the refusal")
			}
		})
	}
	// The main channel takes any connection id, as spice-server's does.
	if _, res := rawLink(t, dial, spice.LinkMess{ConnectionID: 77, ChannelType: spice.ChannelMain, CommonCaps: commonCaps}); res != spice.LinkErrOK {
		t.Errorf("main channel with connection id 77: %v", res)
	}
}

// TestServeFullHeaders: a client without mini headers gets the recorded
// messages framed with serials, without the padding of the network-test
// PING, and a NAME only if it takes one.
func TestServeFullHeaders(t *testing.T) {
	rec := loadSynthetic(t, Options{Name: "demo", Notice: "a recording"})
	dial, _ := serveTo(t, rec)
	caps := spice.Caps(nil).With(spice.CommonCapAuthSpice) // no auth selection, no mini header
	conn, res := rawLink(t, dial, spice.LinkMess{ChannelType: spice.ChannelMain, CommonCaps: caps})
	if res != spice.LinkErrOK {
		t.Fatalf("link result %v", res)
	}
	var got []spice.MsgType
	for serial := uint64(1); serial <= 4; serial++ {
		var hdr [spice.FullHeaderSize]byte
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			t.Fatal(err)
		}
		if s := binary.LittleEndian.Uint64(hdr[:]); s != serial {
			t.Errorf("serial %d, want %d", s, serial)
		}
		body := make([]byte, binary.LittleEndian.Uint32(hdr[10:]))
		if _, err := io.ReadFull(conn, body); err != nil {
			t.Fatal(err)
		}
		typ := spice.MsgType(binary.LittleEndian.Uint16(hdr[8:]))
		switch typ {
		case spice.MsgTypeNotify:
			var n spice.MsgNotify
			if err := n.Decode(body); err != nil || n.Message != "a recording" || n.Severity != spice.NotifySeverityInfo || n.Visibility != spice.NotifyVisibilityHigh {
				t.Errorf("NOTIFY %+v, %v", n, err)
			}
		case spice.MsgTypePing:
			if len(body) != pingKeep {
				t.Errorf("PING body %d bytes, want %d", len(body), pingKeep)
			}
		}
		got = append(got, typ)
	}
	want := []spice.MsgType{spice.MsgTypeMainInit, spice.MsgTypeNotify, spice.MsgTypePing, spice.MsgTypeMainChannelsList}
	if !slices.Equal(got, want) {
		t.Errorf("messages %v, want %v (no NAME: the client did not announce MainCapNameAndUUID)", got, want)
	}
}

// TestServeMotionAck: the inputs channel acknowledges motion in bunches,
// as a server does, and nothing else the client sends.
func TestServeMotionAck(t *testing.T) {
	rec := loadSynthetic(t, Options{})
	dial, _ := serveTo(t, rec)
	conn, res := rawLink(t, dial, spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelInputs, CommonCaps: commonCaps})
	if res != spice.LinkErrOK {
		t.Fatalf("link result %v", res)
	}
	f := spice.Frame{Mini: true}
	var out []byte
	for range 9 {
		out = f.AppendMessage(out, &spice.MsgcInputsMousePosition{X: 5, Y: 6})
		out = f.AppendMessage(out, &spice.MsgcInputsKeyDown{Code: 0x1e})
	}
	go conn.Write(out)
	var got []spice.MsgType
	for len(got) < 3 {
		typ, _, err := f.ReadMessage(conn)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, typ)
	}
	want := []spice.MsgType{spice.MsgTypeInputsInit, spice.MsgTypeInputsMouseMotionAck, spice.MsgTypeInputsMouseMotionAck}
	if !slices.Equal(got, want) {
		t.Errorf("messages %v, want %v (INIT, then one ACK per %d motion messages)", got, want, spice.InputMotionAckBunch)
	}
}

// TestServeManyViewers: several clients at once each get their own
// replay, from the start.
func TestServeManyViewers(t *testing.T) {
	rec := loadSynthetic(t, Options{Hold: 200 * time.Millisecond})
	dial, _ := serveTo(t, rec)
	var viewers []*viewer
	for i := range 6 {
		viewers = append(viewers, watch(t, dial))
		if i == 2 {
			time.Sleep(150 * time.Millisecond) // late arrivals start from the beginning too
		}
	}
	for i, v := range viewers {
		waitFor(t, 10*time.Second, "each viewer sees A, B, A", func() bool {
			c, _ := v.snapshot()
			return len(c) >= 3
		})
		if c, _ := v.snapshot(); !slices.Equal(c[:3], []uint32{colourA, colourB, colourA}) {
			t.Errorf("viewer %d saw %06x, want A, B, A", i, c)
		}
	}
}

// TestServeHostileClients: bad links end with an error, quickly, and
// never make the replay allocate what the client claims.
func TestServeHostileClients(t *testing.T) {
	defer func(d time.Duration) { linkTimeout = d }(linkTimeout)
	linkTimeout = 300 * time.Millisecond
	rec := loadSynthetic(t, Options{})
	link := (&spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelInputs, CommonCaps: commonCaps}).AppendLink(nil)
	for _, tc := range []struct {
		name string
		send []byte
		keep bool   // keep the connection open after sending
		want string // in Serve's error
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), true, "bad magic"},
		{"silent", nil, true, "did not complete within 300ms"},
		{"half a link", link[:20], true, "did not complete within 300ms"},
		{"no ticket", link, true, "did not complete within 300ms"},
		{"gone during the link", link, false, "replay: "},
		{"sasl", append(link, 2, 0, 0, 0), true, "auth mechanism 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, done := servePipe(context.Background(), rec)
			go io.Copy(io.Discard, client)
			go func() {
				client.Write(tc.send)
				if !tc.keep {
					client.Close()
				}
			}()
			if err := served(t, done, "Serve did not return"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Serve returned %v, want an error mentioning %q", err, tc.want)
			}
			client.Close()
		})
	}

	// A linked client may announce messages of any size: they are
	// skipped as they stream by, and the connection goes on.
	t.Run("huge message", func(t *testing.T) {
		dial, _ := serveTo(t, rec)
		conn, res := rawLink(t, dial, spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelInputs, CommonCaps: commonCaps})
		if res != spice.LinkErrOK {
			t.Fatal(res)
		}
		f := spice.Frame{Mini: true}
		if _, _, err := f.ReadMessage(conn); err != nil { // INPUTS_INIT
			t.Fatal(err)
		}
		hdr := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint16(nil, 999), 1<<30)
		go func() {
			conn.Write(hdr)
			conn.Write(make([]byte, 1<<20)) // a MiB of the GiB announced, then motion that must not count
			out := f.AppendMessage(nil, &spice.MsgcInputsMousePosition{})
			conn.Write(out)
		}()
		conn.(net.Conn).SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if _, _, err := f.ReadMessage(conn); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read %v, want nothing before the deadline", err)
		}
	})
}

// TestServeStopsReaders: a client that links and never reads is dropped
// once a write waits too long; cancelling ctx ends a connection at once.
func TestServeStopsReaders(t *testing.T) {
	defer func(d time.Duration) { writeTimeout = d }(writeTimeout)
	writeTimeout = 300 * time.Millisecond
	rec := loadSynthetic(t, Options{})
	client, done := servePipe(context.Background(), rec)
	client.Write((&spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelDisplay, CommonCaps: commonCaps}).AppendLink(nil))
	if _, err := spice.ReadLinkReply(client); err != nil {
		t.Fatal(err)
	}
	client.Write(append(spice.AppendAuthMechanism(nil, spice.CommonCapAuthSpice), make([]byte, spice.TicketSize)...))
	if _, err := spice.ReadLinkResult(client); err != nil {
		t.Fatal(err)
	}
	if err := served(t, done, "a client that does not read was kept"); !errors.Is(err, errWriteTimeout) {
		t.Errorf("Serve returned %v, want errWriteTimeout", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	client, done = servePipe(ctx, rec)
	go io.Copy(io.Discard, client)
	client.Write((&spice.LinkMess{ChannelType: spice.ChannelMain, CommonCaps: commonCaps}).AppendLink(nil))
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := served(t, done, "Serve did not return after cancel"); !errors.Is(err, context.Canceled) {
		t.Errorf("Serve returned %v after cancel, want context.Canceled", err)
	}
}
