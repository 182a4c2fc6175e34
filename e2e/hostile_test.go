//go:build linux

package e2e

import (
	"encoding/binary"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// TestClientHostileServer: a server that links properly and then sends a
// malformed message must not break the page: the user sees what happened,
// the client survives, and Reconnect works.
func TestClientHostileServer(t *testing.T) {
	Require(t, browserTools...)
	t.Parallel()
	srv := spicetest.NewServer(t)
	var conns atomic.Int32
	srv.Handle = func(ch *spicetest.ServerChannel) {
		if ch.Type != spice.ChannelMain {
			return
		}
		conns.Add(1)
		init := binary.LittleEndian.AppendUint32(nil, srv.SessionID)
		for range 7 {
			init = binary.LittleEndian.AppendUint32(init, 1)
		}
		ch.Send(spice.MsgTypeMainInit, init)
		// A channel list claiming a billion entries in eight bytes.
		ch.Send(spice.MsgTypeMainChannelsList, binary.LittleEndian.AppendUint32(nil, 1e9))
		for {
			if _, _, err := ch.Recv(); err != nil {
				return
			}
		}
	}
	srv.Start()
	_, portStr, _ := net.SplitHostPort(srv.Addr())
	port, _ := strconv.Atoi(portStr)
	s := StartServe(t, port)
	b := StartBrowser(t, BrowserOptions{})

	for attempt := 1; attempt <= 2; attempt++ {
		if attempt == 1 {
			openClient(t, b, s.URL, s.Port, "", "disconnected")
		} else {
			if !Eval[bool](b, `!document.getElementById("reconnect").hidden`) {
				t.Fatal("no Reconnect button after the session failed")
			}
			Eval[bool](b, `(document.getElementById("reconnect").click(), true)`)
			b.WaitJS(`document.body.dataset.state === "connecting"`, 10*time.Second)
			waitState(t, b, "disconnected")
		}
		msg := Eval[string](b, `document.getElementById("status").textContent`)
		t.Logf("attempt %d: the page says %q", attempt, msg)
		if !strings.Contains(msg, "invalid format") || !strings.Contains(msg, "main") {
			t.Errorf("attempt %d: status %q does not say what went wrong", attempt, msg)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("server saw %d main channels, want 2 (one per attempt)", n)
	}
	for _, m := range b.Console() {
		if strings.Contains(m.Text, "internal error") || m.IsException() {
			t.Errorf("console: %s", m.Text)
		}
	}
}
