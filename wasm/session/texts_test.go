package session

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// The session builds its texts without fmt (wasm/deps_test.go); these
// check the pieces it spells by hand against what fmt made of them before.
func TestTextsMatchFmt(t *testing.T) {
	check := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, fmt gives %q", got, want)
		}
	}
	for _, r := range []raster.Rect{{}, {X0: 1, Y0: 2, X1: 640, Y1: 480}, {X0: -5, Y0: -1, X1: math.MaxInt32, Y1: 0}} {
		check(rectText(r), fmt.Sprintf("%v", r))
	}
	for _, m := range []spice.MsgDisplaySurfaceCreate{{}, {SurfaceID: 3, Width: 1024, Height: 768}, {SurfaceID: math.MaxUint32, Width: math.MaxUint32, Height: 1}} {
		check(surfaceName(&m), fmt.Sprintf("surface %d (%dx%d)", m.SurfaceID, m.Width, m.Height))
	}
	for _, id := range []spice.ChannelID{{Type: spice.ChannelMain}, {Type: spice.ChannelDisplay, ID: 1}, {Type: 200, ID: 255}} {
		ch := &channel{id: id}
		want := id.Type.String()
		if id.ID != 0 {
			want = fmt.Sprintf("%s:%d", id.Type, id.ID)
		}
		check(ch.name(), want)
	}
	for _, e := range []*LinkError{{Channel: spice.ChannelDisplay, Code: spice.LinkErrBadConnectionID}, {Channel: 99, Code: 1234}} {
		check(e.Error(), fmt.Sprintf("%s channel: server refused the link: %s", e.Channel, e.Code))
	}
	var tally channelTally
	for _, ct := range []spice.ChannelType{spice.ChannelUsbredir, spice.ChannelPlayback, spice.ChannelUsbredir, 200} {
		tally.add(ct)
	}
	check(tally.String(), fmt.Sprintf("%d %s, %d %s, %d %s", 2, spice.ChannelUsbredir, 1, spice.ChannelPlayback, 1, spice.ChannelType(200)))
}

// A handler's error keeps its identity through the channel's prefix, as
// it did through fmt.Errorf's %w, and a handler's panic becomes an error
// naming the channel.
func TestChannelErrorTexts(t *testing.T) {
	newChannel := func() *channel {
		f := spice.Frame{Mini: true}
		msg := f.AppendMessage(nil, &spice.MsgcRaw{MsgType: 302, Body: []byte{1, 2}})
		ch := &channel{id: spice.ChannelID{Type: spice.ChannelDisplay, ID: 2}, r: bufio.NewReader(bytes.NewReader(msg))}
		ch.rframe.Mini = true
		return ch
	}
	err := newChannel().run(t.Context(), func(context.Context, spice.MsgType, []byte) error { return fmt.Errorf("x: %w", io.ErrUnexpectedEOF) })
	if want := "display:2: message 302: x: unexpected EOF"; err == nil || err.Error() != want {
		t.Errorf("handler error became %v, want %q", err, want)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("%v does not unwrap to io.ErrUnexpectedEOF", err)
	}
	var fe spice.FormatError
	err = newChannel().run(t.Context(), func(context.Context, spice.MsgType, []byte) error { return spice.FormatError("bad rect") })
	if !errors.As(err, &fe) || fe != "bad rect" {
		t.Errorf("errors.As(%v) found %q, want the handler's FormatError", err, string(fe))
	}
	err = newChannel().run(t.Context(), func(context.Context, spice.MsgType, []byte) error { panic("boom") })
	if want := "display:2: internal error: boom"; err == nil || err.Error() != want {
		t.Errorf("handler panic became %v, want %q", err, want)
	}
	err = newChannel().run(t.Context(), func(_ context.Context, _ spice.MsgType, b []byte) error { _ = b[5]; return nil })
	if want := "display:2: internal error: runtime error: index out of range [5] with length 2"; err == nil || err.Error() != want {
		t.Errorf("handler panic became %v, want %q", err, want)
	}
}
