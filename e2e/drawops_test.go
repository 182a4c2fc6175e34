//go:build linux

package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/session"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// TestDrawOpsXspiceWorkload runs X clients that use RENDER (antialiased
// xterm text through Xft, xclock -render, rendercheck's blends) and core
// text against Xspice, with a native client that advertises
// DisplayCapComposite, and checks that the client's screen equals the X
// framebuffer. It logs which draw messages the server sent, which is how
// the report on what Xspice sends (no COMPOSITE, TEXT or STROKE: its QXL
// driver turns composite off when built as Xspice and never emits the
// other two) was measured.
func TestDrawOpsXspiceWorkload(t *testing.T) {
	Require(t, append(append([]Tool{}, xspiceTools...), xclientTools...)...)
	x := StartXspice(t, XspiceOptions{Width: 640, Height: 480})
	x.SetRootColor("#224466")

	tmp := t.TempDir()
	dial := func(ctx context.Context) (io.ReadWriteCloser, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(x.Port)))
	}
	sink := &lastFrame{first: make(chan struct{})}
	c := session.New(session.Config{Sink: sink, Dial: spicetest.RecordingDialer(tmp, dial)})
	sink.client = c
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-sink.first:
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	}

	// Core-font text, then Xft (RENDER glyphs) text.
	x.XTerm(XTermOptions{Text: "core font text 0123", Cols: 24, Rows: 2, At: image.Pt(10, 10)})
	title := uniqueTitle("xft")
	script := `printf 'Xft text: RENDER glyphs'; printf '\033[?25l'; exec sleep infinity`
	p := x.Start("xterm-xft", ToolXterm, "-title", title, "-geometry", "30x2+10+60", "-fa", "DejaVu Sans Mono", "-fs", "11",
		"-fg", "black", "-bg", "white", "-bw", "0", "+sb", "-xrm", "XTerm*cursorBlink: false", "-e", "sh", "-c", script)
	x.MoveWindow(&Window{ID: x.WaitWindow(title, p), Title: title, Proc: p}, image.Pt(10, 60))
	// An antialiased analogue clock that does not tick during the test.
	clockTitle := uniqueTitle("xclock")
	cp := x.Start("xclock", Tool{"xclock", "/usr/bin/xclock", "x11-apps"}, "-render", "-analog", "-update", "3600",
		"-geometry", "120x120+400+10", "-title", clockTitle)
	x.MoveWindow(&Window{ID: x.WaitWindow(clockTitle, cp), Title: clockTitle, Proc: cp}, image.Pt(400, 10))
	// rendercheck composites through RENDER with many operators and
	// formats in its own window, then exits.
	rc := x.Start("rendercheck", Tool{"rendercheck", "/usr/bin/rendercheck", "x11-apps"}, "-t", "blend", "-o", "over,add,in,atop", "-f", "a8r8g8b8,x8r8g8b8,a8")
	waitExit(t, rc, 40*time.Second)
	x.MouseMove(image.Pt(630, 470))
	time.Sleep(3 * time.Second) // the screen is static now: let everything arrive
	cancel()
	<-done

	want := x.Framebuffer()
	sink.mu.Lock()
	got := sink.img
	sink.mu.Unlock()
	if !CompareImages(t, "drawops", got, want, PointerBox(image.Pt(630, 470), 24)) {
		t.Error("the client's screen differs from the X framebuffer")
	}
	counts := displayMessageCounts(t, tmp)
	if len(counts) == 0 {
		t.Fatal("no display channel messages were recorded")
	}
	var names []string
	for typ, n := range counts {
		names = append(names, fmt.Sprintf("%d×%d", typ, n))
	}
	sort.Strings(names)
	t.Logf("display messages by type: %s", strings.Join(names, " "))
	for _, typ := range []spice.MsgType{spice.MsgTypeDisplayDrawComposite, spice.MsgTypeDisplayDrawText, spice.MsgTypeDisplayDrawStroke} {
		t.Logf("type %d: %d messages", typ, counts[typ])
	}
}

// waitExit waits for p to end by itself, up to limit.
func waitExit(t *testing.T, p *Proc, limit time.Duration) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(limit):
		t.Logf("%s still running after %v; going on", p.Name, limit)
	}
}

// displayMessageCounts parses the server side of the display channel's
// capture: link header and reply, the 4-byte link result, then messages
// with mini headers (type u16, size u32).
func displayMessageCounts(t *testing.T, dir string) map[spice.MsgType]int {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*"+spicetest.CapExt))
	counts := map[spice.MsgType]int{}
	for _, name := range names {
		client, server, err := spicetest.ReadCapStreams(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(client) < 22 || spice.ChannelType(client[20]) != spice.ChannelDisplay || len(server) < 16 {
			continue
		}
		off := 16 + int(binary.LittleEndian.Uint32(server[12:])) + 4
		for off+6 <= len(server) {
			typ := spice.MsgType(binary.LittleEndian.Uint16(server[off:]))
			size := int(binary.LittleEndian.Uint32(server[off+2:]))
			off += 6 + size
			if off > len(server) {
				break // the capture ended mid-message
			}
			if typ == spice.MsgTypeList {
				continue // sub-messages are not counted apart
			}
			counts[typ]++
		}
	}
	return counts
}
