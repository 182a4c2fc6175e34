package session

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// inputsServer serves main (client mouse mode when client is true) and an
// inputs channel whose received messages go to got, formatted.
func inputsServer(t *testing.T, client bool) (*spicetest.Server, chan string, chan *spicetest.ServerChannel) {
	srv := spicetest.NewServer(t)
	got := make(chan string, 100)
	linked := make(chan *spicetest.ServerChannel, 1)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			mode := uint32(spice.MouseModeServer)
			if client {
				mode = spice.MouseModeClient
			}
			ch.Send(spice.MsgTypeMainInit, mainInitBody(srv.SessionID, mode, mode))
			ch.Expect(t, spice.MsgcTypeMainAttachChannels, 5*time.Second)
			ch.Send(spice.MsgTypeMainChannelsList, channelsListBody(spice.ChannelID{Type: spice.ChannelInputs}))
			drain(ch)
		case spice.ChannelInputs:
			ch.Send(spice.MsgTypeInputsInit, body{}.u16(0))
			linked <- ch
			for {
				typ, b, err := ch.Recv()
				if err != nil {
					return
				}
				got <- formatInput(typ, b)
			}
		default:
			drain(ch)
		}
	}
	srv.Start()
	return srv, got, linked
}

func formatInput(t spice.MsgType, b []byte) string {
	le32 := func(o int) uint32 { return binary.LittleEndian.Uint32(b[o:]) }
	le16 := func(o int) uint16 { return binary.LittleEndian.Uint16(b[o:]) }
	switch t {
	case spice.MsgcTypeInputsKeyDown:
		return fmt.Sprintf("down %x", le32(0))
	case spice.MsgcTypeInputsKeyUp:
		return fmt.Sprintf("up %x", le32(0))
	case spice.MsgcTypeInputsMousePosition:
		return fmt.Sprintf("pos %d,%d b%d d%d", le32(0), le32(4), le16(8), b[10])
	case spice.MsgcTypeInputsMouseMotion:
		return fmt.Sprintf("motion %d,%d b%d", int32(le32(0)), int32(le32(4)), le16(8))
	case spice.MsgcTypeInputsMousePress:
		return fmt.Sprintf("press %d b%d", b[0], le16(1))
	case spice.MsgcTypeInputsMouseRelease:
		return fmt.Sprintf("release %d b%d", b[0], le16(1))
	}
	return fmt.Sprintf("msg %d %x", t, b)
}

// collect reads n messages or fails.
func collect(t *testing.T, got chan string, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		select {
		case s := <-got:
			out = append(out, s)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d of %d messages: %q", len(out), n, out)
		}
	}
	return out
}

// quiet checks that nothing more arrives for a moment.
func quiet(t *testing.T, got chan string) {
	t.Helper()
	select {
	case s := <-got:
		t.Errorf("unexpected message %q", s)
	case <-time.After(200 * time.Millisecond):
	}
}

func waitLinked(t *testing.T, linked chan *spicetest.ServerChannel, c *Client) *spicetest.ServerChannel {
	t.Helper()
	var ch *spicetest.ServerChannel
	select {
	case ch = <-linked:
	case <-time.After(10 * time.Second):
		t.Fatal("inputs channel never linked")
	}
	for deadline := time.Now().Add(5 * time.Second); c.input() == nil; {
		if time.Now().After(deadline) {
			t.Fatal("client never set up inputs")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return ch
}

func TestInputsKeys(t *testing.T) {
	srv, got, linked := inputsServer(t, true)
	c, _, _, _ := run(t, srv, "")
	waitLinked(t, linked, c)

	if c.Key("NoSuchKey", true) {
		t.Error("unknown code reported as sent")
	}
	c.Key("KeyA", true)
	c.Key("KeyA", true) // typematic repeat
	c.Key("KeyA", false)
	c.Key("KeyA", false)   // release without press: dropped
	c.Key("ArrowUp", true) // E0 48
	c.Key("ControlLeft", true)
	c.ReleaseAll() // releases ArrowUp and ControlLeft, in any order
	c.CtrlAltDel()

	out := collect(t, got, 13)
	want := []string{"down 1e", "down 1e", "up 9e", "down 48e0", "down 1d"}
	if strings.Join(out[:5], ";") != strings.Join(want, ";") {
		t.Errorf("keys %q, want %q", out[:5], want)
	}
	rel := out[5:7]
	if !(rel[0] == "up c8e0" && rel[1] == "up 9d" || rel[0] == "up 9d" && rel[1] == "up c8e0") {
		t.Errorf("ReleaseAll sent %q", rel)
	}
	cad := []string{"down 1d", "down 38", "down 53e0", "up d3e0", "up b8", "up 9d"}
	if strings.Join(out[7:], ";") != strings.Join(cad, ";") {
		t.Errorf("Ctrl-Alt-Del %q, want %q", out[7:], cad)
	}
	quiet(t, got)
}

func TestInputsClientMouseThrottled(t *testing.T) {
	srv, got, linked := inputsServer(t, true)
	c, _, _, _ := run(t, srv, "")
	ch := waitLinked(t, linked, c)
	for deadline := time.Now().Add(5 * time.Second); c.currentMouseMode() != spice.MouseModeClient; {
		if time.Now().After(deadline) {
			t.Fatal("never in client mouse mode")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Eight positions fill two bunches; the next ones wait for an ack and
	// only the latest survives.
	for i := range 12 {
		c.MousePosition(i, 100+i)
	}
	out := collect(t, got, 8)
	if out[7] != "pos 7,107 b0 d0" {
		t.Errorf("8th position %q", out[7])
	}
	quiet(t, got)
	ch.Send(spice.MsgTypeInputsMouseMotionAck, nil)
	if s := collect(t, got, 1)[0]; s != "pos 11,111 b0 d0" {
		t.Errorf("after ack: %q, want the latest position", s)
	}

	// Buttons are never throttled and carry the resulting mask.
	c.MouseButton(0, true)
	c.MouseButton(2, true)
	c.MouseButton(0, false)
	c.Wheel(-2)
	c.MouseButton(2, false)
	out = collect(t, got, 8)
	want := []string{"press 1 b1", "press 3 b5", "release 1 b4", "press 4 b12", "release 4 b4", "press 4 b12", "release 4 b4", "release 3 b0"}
	if strings.Join(out, ";") != strings.Join(want, ";") {
		t.Errorf("buttons %q, want %q", out, want)
	}
	// Server-mode motion is ignored in client mode.
	c.MouseMotion(5, 5)
	quiet(t, got)
}

func TestInputsServerMouseAccumulates(t *testing.T) {
	srv, got, linked := inputsServer(t, false)
	c, _, _, _ := run(t, srv, "")
	ch := waitLinked(t, linked, c)
	for range 8 {
		c.MouseMotion(1, -1)
	}
	collect(t, got, 8)
	c.MouseMotion(3, 4)
	c.MouseMotion(10, 20)
	quiet(t, got)
	// A click flushes the pending motion first, even while throttled.
	c.MouseButton(1, true)
	out := collect(t, got, 2)
	if out[0] != "motion 13,24 b0" || out[1] != "press 2 b2" {
		t.Errorf("got %q", out)
	}
	ch.Send(spice.MsgTypeInputsMouseMotionAck, nil)
	ch.Send(spice.MsgTypeInputsMouseMotionAck, nil)
	ch.Send(spice.MsgTypeInputsMouseMotionAck, nil)
	time.Sleep(100 * time.Millisecond)
	c.MouseMotion(-2, 0)
	if s := collect(t, got, 1)[0]; s != "motion -2,0 b2" {
		t.Errorf("after acks: %q", s)
	}
}
