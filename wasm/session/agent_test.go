package session

import (
	"bytes"
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
	"spiceweb/wasm/vdagent"
)

// A scripted agent behind a scripted main channel: the tests play the
// server and the guest agent, and check what the client sends.

// agentRec is a recSink that also records agent events.
type agentRec struct {
	*recSink
	mu      sync.Mutex
	changed chan struct{}
	states  []AgentState
	clips   []ClipboardData
	files   map[int][]string // "state sent/total message"
}

func newAgentRec() *agentRec {
	return &agentRec{recSink: newRecSink(), changed: make(chan struct{}), files: map[int][]string{}}
}

func (s *agentRec) ev(f func()) {
	s.mu.Lock()
	f()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}
func (s *agentRec) Agent(a AgentState)        { s.ev(func() { s.states = append(s.states, a) }) }
func (s *agentRec) Clipboard(d ClipboardData) { s.ev(func() { s.clips = append(s.clips, d) }) }
func (s *agentRec) FileProgress(id int, st FileState, sent, total int64, msg string) {
	s.ev(func() {
		s.files[id] = append(s.files[id], st.String()+" "+itoa64(sent)+"/"+itoa64(total)+" "+msg)
	})
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

func (s *agentRec) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (s *agentRec) lastAgent() AgentState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.states) == 0 {
		return AgentState{}
	}
	return s.states[len(s.states)-1]
}

// fakeAgent plays the main channel with an agent behind it.
type fakeAgent struct {
	t  *testing.T
	ch *spicetest.ServerChannel

	msgs chan vdagent.Incoming // complete agent messages from the client (data copied)
	r    vdagent.Reader

	mu          sync.Mutex
	granted     int // tokens given to the client
	received    int // AGENT_DATA received
	returned    int // tokens the client gave back (AGENT_TOKEN)
	clientStart uint32
	pieceErr    string // first chunking violation
	sizes       []int  // bytes of each AGENT_DATA received
	caps        vdagent.Caps
}

// serveAgent runs the main channel: INIT with the agent connected and
// tokens, the channel list (empty), then reads the client.
func serveAgent(t *testing.T, srv *spicetest.Server, tokens uint32, caps vdagent.Caps) chan *fakeAgent {
	out := make(chan *fakeAgent, 1)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		if ch.Type != spice.ChannelMain {
			drain(ch)
			return
		}
		fa := &fakeAgent{t: t, ch: ch, msgs: make(chan vdagent.Incoming, 1024), granted: int(tokens), caps: caps}
		init := body{}.u32(srv.SessionID).u32(1).u32(3).u32(1).u32(1).u32(tokens).u32(0).u32(0)
		ch.Send(spice.MsgTypeMainInit, init)
		out <- fa
		fa.read()
	}
	return out
}

func (fa *fakeAgent) read() {
	for {
		typ, b, err := fa.ch.Recv()
		if err != nil {
			close(fa.msgs)
			return
		}
		switch typ {
		case spice.MsgcTypeMainAttachChannels:
			fa.ch.Send(spice.MsgTypeMainChannelsList, channelsListBody())
		case spice.MsgcTypeMainAgentStart:
			fa.mu.Lock()
			fa.clientStart = binary.LittleEndian.Uint32(b)
			fa.mu.Unlock()
		case spice.MsgcTypeMainAgentToken:
			fa.mu.Lock()
			fa.returned += int(binary.LittleEndian.Uint32(b))
			fa.mu.Unlock()
		case spice.MsgcTypeMainAgentData:
			fa.mu.Lock()
			fa.received++
			fa.sizes = append(fa.sizes, len(b))
			if fa.received > fa.granted && fa.pieceErr == "" {
				fa.pieceErr = "client sent AGENT_DATA past its tokens"
			}
			if len(b) > vdagent.MaxDataSize && fa.pieceErr == "" {
				fa.pieceErr = "AGENT_DATA of " + strconv.Itoa(len(b)) + " bytes"
			}
			fa.mu.Unlock()
			done := 0
			fa.r.Feed(b, func(in vdagent.Incoming) error {
				done++
				if fa.r.Pending() {
					fa.mu.Lock()
					if fa.pieceErr == "" {
						fa.pieceErr = "an AGENT_DATA spans two agent messages"
					}
					fa.mu.Unlock()
				}
				in.Data = bytes.Clone(in.Data)
				fa.msgs <- in
				return nil
			})
			// Bytes after a completed message in the same piece mean a
			// piece spanned two messages.
			if done > 0 && fa.r.Pending() {
				fa.mu.Lock()
				if fa.pieceErr == "" {
					fa.pieceErr = "an AGENT_DATA spans two agent messages"
				}
				fa.mu.Unlock()
			}
		}
	}
}

// expect returns the next agent message of type t from the client,
// skipping others.
func (fa *fakeAgent) expect(t vdagent.MsgType) vdagent.Message {
	fa.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case in, ok := <-fa.msgs:
			if !ok {
				fa.t.Fatalf("connection closed waiting for %v", t)
			}
			if in.Type != t {
				continue
			}
			m := vdagent.New(t)
			if err := m.Decode(in.Data, fa.caps); err != nil {
				fa.t.Fatalf("%v: %v", t, err)
			}
			return m
		case <-deadline:
			fa.t.Fatalf("no %v from the client", t)
			return nil
		}
	}
}

// none checks that no message of type t arrives within d.
func (fa *fakeAgent) none(t vdagent.MsgType, d time.Duration) {
	fa.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case in := <-fa.msgs:
			if in.Type == t {
				fa.t.Fatalf("unexpected %v from the client", t)
			}
		case <-deadline:
			return
		}
	}
}

// send sends an agent message to the client, cut into AGENT_DATA of the
// given sizes (the rest in one).
func (fa *fakeAgent) send(m vdagent.Message, cuts ...int) {
	b := vdagent.AppendMessage(nil, m, fa.caps)
	for _, c := range cuts {
		c = min(c, len(b))
		fa.ch.Send(spice.MsgTypeMainAgentData, b[:c])
		b = b[c:]
	}
	if len(b) > 0 {
		fa.ch.Send(spice.MsgTypeMainAgentData, b)
	}
}

func (fa *fakeAgent) grant(n int) {
	fa.mu.Lock()
	fa.granted += n
	fa.mu.Unlock()
	fa.ch.Send(spice.MsgTypeMainAgentToken, body{}.u32(uint32(n)))
}

func (fa *fakeAgent) check() {
	fa.t.Helper()
	fa.mu.Lock()
	defer fa.mu.Unlock()
	if fa.pieceErr != "" {
		fa.t.Error(fa.pieceErr)
	}
}

var linuxAgentCaps = vdagent.Caps(nil).With(vdagent.CapMonitorsConfig).With(vdagent.CapReply).
	With(vdagent.CapClipboardByDemand).With(vdagent.CapClipboardSelection).With(vdagent.CapGuestLineendLF).
	With(vdagent.CapMaxClipboard).With(vdagent.CapClipboardNoReleaseOnRegrab).With(vdagent.CapClipboardGrabSerial)

// startAgent runs a client against a fake agent that has announced caps.
func startAgent(t *testing.T, tokens uint32, caps vdagent.Caps) (*Client, *agentRec, *fakeAgent) {
	t.Helper()
	srv := spicetest.NewServer(t)
	fas := serveAgent(t, srv, tokens, caps)
	srv.Start()
	sink := newAgentRec()
	c := New(Config{Dial: srv.Dial, Sink: sink})
	sink.client = c
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	fa := <-fas
	ann := fa.expect(vdagent.MsgAnnounceCapabilities).(*vdagent.AnnounceCapabilities)
	if !ann.Request {
		t.Error("the client's first ANNOUNCE_CAPABILITIES does not request the agent's")
	}
	fa.send(&vdagent.AnnounceCapabilities{Request: true, Caps: caps})
	fa.expect(vdagent.MsgAnnounceCapabilities) // the answer to our request
	sink.wait(t, "agent state with caps", func() bool {
		return len(sink.states) > 0 && sink.states[len(sink.states)-1].Clipboard == caps.Has(vdagent.CapClipboardByDemand) &&
			sink.states[len(sink.states)-1].Connected
	})
	return c, sink, fa
}

func TestAgentHandshakeAndTokens(t *testing.T) {
	c, sink, fa := startAgent(t, 3, linuxAgentCaps)
	fa.expect(vdagent.MsgMaxClipboard) // the agent has CapMaxClipboard
	fa.mu.Lock()
	if fa.clientStart != agentWindow {
		t.Errorf("AGENT_START grants %d tokens, want %d", fa.clientStart, agentWindow)
	}
	fa.mu.Unlock()
	if s := sink.lastAgent(); s != (AgentState{Connected: true, Clipboard: true, ClipboardImages: true, Resize: true, Files: true}) {
		t.Errorf("agent state %+v", s)
	}

	// The client spent its 3 tokens (caps request, caps answer,
	// MAX_CLIPBOARD). A 10 KB clipboard answer waits for tokens.
	text := strings.Repeat("0123456789", 1000)
	c.SetClipboard(ClipboardData{Text: text})
	fa.grant(1)
	grab := fa.expect(vdagent.MsgClipboardGrab).(*vdagent.ClipboardGrab)
	if grab.Serial != 0 || len(grab.Types) != 1 || grab.Types[0] != vdagent.ClipboardUTF8Text {
		t.Errorf("grab %+v", grab)
	}
	fa.send(&vdagent.ClipboardRequest{DataType: vdagent.ClipboardUTF8Text})
	fa.none(vdagent.MsgClipboard, 200*time.Millisecond)
	fa.mu.Lock()
	if fa.received != fa.granted {
		t.Errorf("client sent %d AGENT_DATA with %d tokens", fa.received, fa.granted)
	}
	fa.mu.Unlock()
	fa.grant(2) // 10 KB + headers: 5 pieces
	fa.none(vdagent.MsgClipboard, 100*time.Millisecond)
	fa.grant(3)
	cb := fa.expect(vdagent.MsgClipboard).(*vdagent.Clipboard)
	if string(cb.Data) != text {
		t.Errorf("clipboard: %d bytes", len(cb.Data))
	}

	// Our window: after 16 AGENT_DATA from the server, 16 tokens come back.
	for range agentTokenBatch {
		fa.send(&vdagent.Reply{Acked: vdagent.MsgDisplayConfig, Error: 1})
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fa.mu.Lock()
		r := fa.returned
		fa.mu.Unlock()
		if r == agentTokenBatch {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client returned %d tokens after %d AGENT_DATA", r, agentTokenBatch)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fa.check()
}

func TestAgentGuestClipboard(t *testing.T) {
	caps := linuxAgentCaps.With(vdagent.CapGuestLineendCRLF)
	_, sink, fa := startAgent(t, 100, caps)
	// PRIMARY (an X11 text selection) is not fetched.
	fa.send(&vdagent.ClipboardGrab{Selection: vdagent.SelectionPrimary, Serial: 0, Types: []vdagent.ClipboardType{vdagent.ClipboardUTF8Text}})
	fa.none(vdagent.MsgClipboardRequest, 100*time.Millisecond)
	// A grab with a stale serial is discarded (crossed grabs).
	fa.send(&vdagent.ClipboardGrab{Serial: 5, Types: []vdagent.ClipboardType{vdagent.ClipboardUTF8Text}})
	fa.none(vdagent.MsgClipboardRequest, 100*time.Millisecond)
	// Text is preferred to PNG, and asked for at once.
	fa.send(&vdagent.ClipboardGrab{Serial: 0, Types: []vdagent.ClipboardType{vdagent.ClipboardImagePNG, vdagent.ClipboardUTF8Text}})
	req := fa.expect(vdagent.MsgClipboardRequest).(*vdagent.ClipboardRequest)
	if req.DataType != vdagent.ClipboardUTF8Text || req.Selection != vdagent.SelectionClipboard {
		t.Fatalf("request %+v", req)
	}
	// The answer arrives in odd pieces; CRLF becomes LF.
	fa.send(&vdagent.Clipboard{DataType: vdagent.ClipboardUTF8Text, Data: []byte("one\r\ntwo\r\n")}, 3, 19, 1)
	sink.wait(t, "clipboard text", func() bool { return len(sink.clips) == 1 })
	if d := sink.clips[0]; d.Image || d.Text != "one\ntwo\n" {
		t.Errorf("clipboard %+v", d)
	}
	// PNG only: PNG is asked for and passed on as is.
	png := []byte("\x89PNG fake")
	fa.send(&vdagent.ClipboardGrab{Serial: 1, Types: []vdagent.ClipboardType{vdagent.ClipboardImageBMP, vdagent.ClipboardImagePNG}})
	if req := fa.expect(vdagent.MsgClipboardRequest).(*vdagent.ClipboardRequest); req.DataType != vdagent.ClipboardImagePNG {
		t.Fatalf("request %+v", req)
	}
	fa.send(&vdagent.Clipboard{DataType: vdagent.ClipboardImagePNG, Data: png})
	sink.wait(t, "clipboard image", func() bool { return len(sink.clips) == 2 })
	if d := sink.clips[1]; !d.Image || !bytes.Equal(d.PNG, png) {
		t.Errorf("clipboard %+v", d)
	}
	fa.check()
}

func TestAgentClientClipboardCRLF(t *testing.T) {
	caps := linuxAgentCaps.With(vdagent.CapGuestLineendCRLF)
	c, _, fa := startAgent(t, 100, caps)
	if !c.SetClipboard(ClipboardData{Text: "a\nb\r\nc"}) {
		t.Fatal("SetClipboard refused")
	}
	fa.expect(vdagent.MsgClipboardGrab)
	// A request for a type we do not hold gets an empty answer.
	fa.send(&vdagent.ClipboardRequest{DataType: vdagent.ClipboardImagePNG})
	if cb := fa.expect(vdagent.MsgClipboard).(*vdagent.Clipboard); len(cb.Data) != 0 || cb.DataType != vdagent.ClipboardImagePNG {
		t.Errorf("answer for PNG: %+v", cb)
	}
	fa.send(&vdagent.ClipboardRequest{DataType: vdagent.ClipboardUTF8Text})
	if cb := fa.expect(vdagent.MsgClipboard).(*vdagent.Clipboard); string(cb.Data) != "a\r\nb\r\nc" {
		t.Errorf("text for a CRLF guest: %q", cb.Data)
	}
	// Empty text releases our grab; a second one sends nothing.
	c.SetClipboard(ClipboardData{})
	fa.expect(vdagent.MsgClipboardRelease)
	c.SetClipboard(ClipboardData{})
	fa.none(vdagent.MsgClipboardRelease, 100*time.Millisecond)
	// Past the limit: refused.
	if c.SetClipboard(ClipboardData{Text: strings.Repeat("x", vdagent.DefaultMaxClipboard+1)}) {
		t.Error("a clipboard past the limit was accepted")
	}
	fa.check()
}

func TestAgentMonitorsOneInFlight(t *testing.T) {
	c, _, fa := startAgent(t, 100, linuxAgentCaps)
	c.SetDisplaySize(803, 601)
	c.SetDisplaySize(1000, 700)
	c.SetDisplaySize(1283, 719)
	mc := fa.expect(vdagent.MsgMonitorsConfig).(*vdagent.MonitorsConfig)
	if len(mc.Monitors) != 1 || mc.Monitors[0].Width != 800 || mc.Monitors[0].Height != 600 || mc.Monitors[0].Depth != 32 {
		t.Fatalf("first config %+v", mc)
	}
	fa.none(vdagent.MsgMonitorsConfig, 200*time.Millisecond)
	fa.send(&vdagent.Reply{Acked: vdagent.MsgMonitorsConfig, Error: vdagent.ReplySuccess})
	mc = fa.expect(vdagent.MsgMonitorsConfig).(*vdagent.MonitorsConfig)
	if mc.Monitors[0].Width != 1280 || mc.Monitors[0].Height != 712 {
		t.Fatalf("second config %+v, want the latest size 1280x712", mc.Monitors[0])
	}
	fa.send(&vdagent.Reply{Acked: vdagent.MsgMonitorsConfig, Error: vdagent.ReplySuccess})
	fa.none(vdagent.MsgMonitorsConfig, 200*time.Millisecond)
	// Tiny sizes are raised to what guests take.
	for _, tc := range []struct{ w, h, gw, gh int }{
		{10, 10, 320, 200}, {1927, 1081, 1920, 1080}, {99999, 100, 8192, 200},
	} {
		if gw, gh := GuestSize(tc.w, tc.h); gw != tc.gw || gh != tc.gh {
			t.Errorf("GuestSize(%d, %d) = %d, %d; want %d, %d", tc.w, tc.h, gw, gh, tc.gw, tc.gh)
		}
	}
	for _, sz := range [][2]int{{7680, 4320}, {8192, 8192}, {3000, 8000}} {
		gw, gh := GuestSize(sz[0], sz[1])
		if gw*gh > raster.MaxPixels || gw%8 != 0 || gh%8 != 0 || gw*sz[1]/sz[0] < gh-16 || gw*sz[1]/sz[0] > gh+16 {
			t.Errorf("GuestSize(%d, %d) = %d, %d: past the pixel limit, not multiples of 8 or not the same shape", sz[0], sz[1], gw, gh)
		}
	}
	fa.check()
}

// countingFile is a FileSource that records how far it has been read.
type countingFile struct {
	mu   sync.Mutex
	data []byte
	read int64 // end of the furthest read
	fail bool
}

func (f *countingFile) Size() int64 { return int64(len(f.data)) }
func (f *countingFile) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return 0, errString("disk gone")
	}
	f.read = max(f.read, off+int64(len(p)))
	return copy(p, f.data[off:]), nil
}

type errString string

func (e errString) Error() string { return string(e) }

func TestAgentFileTransfer(t *testing.T) {
	c, sink, fa := startAgent(t, 100, linuxAgentCaps)
	data := make([]byte, 300<<10+7)
	for i := range data {
		data[i] = byte(i * 7)
	}
	src := &countingFile{data: data}
	c.SendFile(7, src, "dir/evil\x01name.bin")
	c.SendFile(8, &countingFile{data: []byte("second")}, "b")
	st := fa.expect(vdagent.MsgFileXferStart).(*vdagent.FileXferStart)
	if st.Name != "dir_evil_name.bin" || st.Size != uint64(len(data)) {
		t.Errorf("start %+v", st)
	}
	// Nothing is read before the agent says it can take data.
	time.Sleep(50 * time.Millisecond)
	src.mu.Lock()
	if src.read != 0 {
		t.Errorf("read %d bytes before CAN_SEND_DATA", src.read)
	}
	src.mu.Unlock()
	fa.send(&vdagent.FileXferStatus{ID: st.ID, Result: vdagent.XferCanSendData})
	// With the window stuck (100 tokens granted, ~96 left: 196 KB),
	// reading stops: what was read and not sent stays within two pieces.
	time.Sleep(300 * time.Millisecond)
	src.mu.Lock()
	fa.mu.Lock()
	ahead := src.read - int64(fa.received-4)*vdagent.MaxDataSize
	fa.mu.Unlock()
	src.mu.Unlock()
	if ahead > 2*filePiece {
		t.Errorf("read %d bytes ahead of what the window let out", ahead)
	}
	fa.grant(1000)
	var got []byte
	for len(got) < len(data) {
		d := fa.expect(vdagent.MsgFileXferData).(*vdagent.FileXferData)
		if d.ID != st.ID {
			t.Fatalf("data for %d", d.ID)
		}
		got = append(got, d.Data...)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("file data differs")
	}
	// 307207 bytes: 4 full pieces of 65504 (128 AGENT_DATA of 2048) and
	// 45191 bytes (45223 with headers: 22 of 2048 and one of 167).
	fa.mu.Lock()
	full, other := 0, 0
	for _, n := range fa.sizes {
		if n == vdagent.MaxDataSize {
			full++
		} else if n > 200 {
			other++
		}
	}
	fa.mu.Unlock()
	t.Logf("AGENT_DATA from the client: %d of 2048 bytes, %d others over 200 bytes", full, other)
	if full != 128+22 || other != 0 {
		t.Errorf("file data in %d full AGENT_DATA and %d others over 200 bytes, want 150 and 0", full, other)
	}
	fa.send(&vdagent.FileXferStatus{ID: st.ID, Result: vdagent.XferSuccess})
	// The second file follows; the agent refuses it for space.
	st2 := fa.expect(vdagent.MsgFileXferStart).(*vdagent.FileXferStart)
	if st2.ID == st.ID || st2.Name != "b" {
		t.Errorf("second start %+v", st2)
	}
	fa.send(&vdagent.FileXferStatus{ID: 999, Result: vdagent.XferSuccess}) // never started: ignored
	fa.send(&vdagent.FileXferStatus{ID: st2.ID, Result: vdagent.XferNotEnoughSpace, Detail: binary.LittleEndian.AppendUint64(nil, 3)})
	sink.wait(t, "both transfers to end", func() bool {
		return len(sink.files[7]) > 0 && strings.HasPrefix(sink.files[7][len(sink.files[7])-1], "done") &&
			len(sink.files[8]) > 0 && strings.HasPrefix(sink.files[8][len(sink.files[8])-1], "failed")
	})
	sink.mu.Lock()
	defer sink.mu.Unlock()
	ev := sink.files[7]
	if ev[0] != "queued 0/307207 " || ev[len(ev)-1] != "done 307207/307207 " {
		t.Errorf("events of file 7: %q", ev)
	}
	if last := sink.files[8][len(sink.files[8])-1]; last != "failed 0/6 not enough space in the guest (3 bytes free, 6 bytes needed)" {
		t.Errorf("file 8 ends %q", last)
	}
	fa.check()
}

func TestAgentFileCancelAndAgentGone(t *testing.T) {
	c, sink, fa := startAgent(t, 100, linuxAgentCaps)
	c.SendFile(1, &countingFile{data: make([]byte, 1<<20)}, "big")
	c.SendFile(2, &countingFile{data: []byte("x")}, "queued")
	c.SendFile(3, &countingFile{data: []byte("y")}, "also queued")
	st := fa.expect(vdagent.MsgFileXferStart).(*vdagent.FileXferStart)
	fa.send(&vdagent.FileXferStatus{ID: st.ID, Result: vdagent.XferCanSendData})
	fa.expect(vdagent.MsgFileXferData)
	c.CancelFile(2) // queued: just dropped
	c.CancelFile(1) // running: the agent hears it
	// The status waits behind the rest of the DATA message already
	// started, which waits for tokens: the server's window refills.
	fa.grant(100)
	status := fa.expect(vdagent.MsgFileXferStatus).(*vdagent.FileXferStatus)
	if status.ID != st.ID || status.Result != vdagent.XferCancelled {
		t.Errorf("status to the agent %+v", status)
	}
	st3 := fa.expect(vdagent.MsgFileXferStart).(*vdagent.FileXferStart)
	if st3.Name != "also queued" {
		t.Errorf("next start %+v", st3)
	}
	// The agent goes away mid-transfer: the file fails, the state resets.
	fa.ch.Send(spice.MsgTypeMainAgentDisconnected, body{}.u32(0))
	sink.wait(t, "file 3 to fail", func() bool {
		ev := sink.files[3]
		return len(ev) > 0 && strings.HasPrefix(ev[len(ev)-1], "failed")
	})
	sink.mu.Lock()
	if ev := sink.files[3]; !strings.Contains(ev[len(ev)-1], "the guest agent disconnected") {
		t.Errorf("file 3: %q", ev)
	}
	for _, id := range []int{1, 2} {
		if ev := sink.files[id]; !strings.HasPrefix(ev[len(ev)-1], "cancelled") {
			t.Errorf("file %d: %q", id, ev)
		}
	}
	sink.mu.Unlock()
	if s := sink.lastAgent(); s != (AgentState{}) {
		t.Errorf("state after disconnect %+v", s)
	}
	// Without an agent: refused at once, with the reason.
	c.SendFile(4, &countingFile{data: []byte("z")}, "z")
	sink.wait(t, "file 4 to fail", func() bool { return len(sink.files[4]) > 0 })
	if ev := sink.files[4]; ev[0] != "failed 0/1 the guest agent is not connected" {
		t.Errorf("file 4: %q", ev)
	}
	if c.SetClipboard(ClipboardData{Text: "x"}) || c.SetDisplaySize(800, 600) {
		t.Error("clipboard or resize accepted without an agent")
	}
	// The agent comes back (with new tokens) and the handshake restarts.
	fa.ch.Send(spice.MsgTypeMainAgentConnectedTokens, body{}.u32(10))
	fa.expect(vdagent.MsgAnnounceCapabilities)
}

func TestAgentReadErrorAndHostDisabled(t *testing.T) {
	c, sink, fa := startAgent(t, 100, linuxAgentCaps.With(vdagent.CapFileXferDisabled))
	if s := sink.lastAgent(); s.Files {
		t.Errorf("files enabled with FILE_XFER_DISABLED: %+v", s)
	}
	c.SendFile(1, &countingFile{data: []byte("x")}, "x")
	sink.wait(t, "refusal", func() bool { return len(sink.files[1]) > 0 })
	if ev := sink.files[1]; ev[0] != "failed 0/1 the host has disabled file transfer" {
		t.Errorf("%q", ev)
	}
	fa.none(vdagent.MsgFileXferStart, 100*time.Millisecond)
}

func TestAgentFileReadError(t *testing.T) {
	c, sink, fa := startAgent(t, 100, linuxAgentCaps)
	c.SendFile(1, &countingFile{data: []byte("abc"), fail: true}, "x")
	st := fa.expect(vdagent.MsgFileXferStart).(*vdagent.FileXferStart)
	fa.send(&vdagent.FileXferStatus{ID: st.ID, Result: vdagent.XferCanSendData})
	if s := fa.expect(vdagent.MsgFileXferStatus).(*vdagent.FileXferStatus); s.Result != vdagent.XferError {
		t.Errorf("status %+v", s)
	}
	sink.wait(t, "failure", func() bool {
		ev := sink.files[1]
		return len(ev) > 0 && strings.HasPrefix(ev[len(ev)-1], "failed")
	})
	if ev := sink.files[1]; !strings.Contains(ev[len(ev)-1], "cannot read the file: disk gone") {
		t.Errorf("%q", ev)
	}
}

// Hostile agent data: an oversized clipboard is skipped with a log line
// and the stream goes on; malformed messages are logged, not fatal.
func TestAgentHostileData(t *testing.T) {
	_, sink, fa := startAgent(t, 100, linuxAgentCaps)
	fa.send(&vdagent.ClipboardGrab{Serial: 0, Types: []vdagent.ClipboardType{vdagent.ClipboardUTF8Text}})
	fa.expect(vdagent.MsgClipboardRequest)
	big := &vdagent.Clipboard{DataType: vdagent.ClipboardUTF8Text, Data: make([]byte, vdagent.DefaultMaxClipboard+1)}
	b := vdagent.AppendMessage(nil, big, fa.caps)
	for len(b) > 0 { // as the server would forward it: 2 KB pieces
		n := min(len(b), 64<<10)
		fa.ch.Send(spice.MsgTypeMainAgentData, b[:n])
		b = b[n:]
	}
	// Malformed: a grab whose serial is cut short, an unknown type.
	hdr := func(typ vdagent.MsgType, data []byte) []byte {
		h := body{}.u32(1).u32(uint32(typ)).u64(0).u32(uint32(len(data)))
		return append(h, data...)
	}
	fa.ch.Send(spice.MsgTypeMainAgentData, hdr(vdagent.MsgClipboardGrab, []byte{0, 0, 0, 0, 1}))
	fa.ch.Send(spice.MsgTypeMainAgentData, hdr(99, []byte{1, 2, 3}))
	fa.send(&vdagent.ClipboardGrab{Serial: 1, Types: []vdagent.ClipboardType{vdagent.ClipboardUTF8Text}})
	fa.expect(vdagent.MsgClipboardRequest)
	fa.send(&vdagent.Clipboard{DataType: vdagent.ClipboardUTF8Text, Data: []byte("after")})
	sink.wait(t, "the clipboard after the skipped one", func() bool { return len(sink.clips) == 1 })
	if sink.clips[0].Text != "after" {
		t.Errorf("%+v", sink.clips)
	}
	sink.recSink.mu.Lock()
	logs := strings.Join(sink.recSink.logs, "\n")
	sink.recSink.mu.Unlock()
	for _, want := range []string{"larger than the limit", "clipboard-grab: vdagent: invalid format: message too short"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log line with %q in:\n%s", want, logs)
		}
	}
	if strings.HasPrefix(sink.lastState(), "disconnected") {
		t.Error("the session ended")
	}
}

func TestTypeText(t *testing.T) {
	srv := spicetest.NewServer(t)
	got := make(chan []uint32, 1)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			serveMain(t, ch, srv.SessionID, spice.ChannelID{Type: spice.ChannelInputs})
		case spice.ChannelInputs:
			var codes []uint32
			ch.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			for len(codes) < 12 {
				typ, b, err := ch.Recv()
				if err != nil {
					break
				}
				if typ == spice.MsgcTypeInputsKeyDown || typ == spice.MsgcTypeInputsKeyUp {
					codes = append(codes, binary.LittleEndian.Uint32(b))
				}
			}
			got <- codes
			drain(ch)
		default:
			drain(ch)
		}
	}
	srv.Start()
	c, sink, _, _ := run(t, srv, "")
	deadline := time.Now().Add(10 * time.Second)
	for c.input() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	_ = sink
	if n := c.TypeText("aB\r\né"); n != 4 {
		t.Errorf("TypeText typed %d, want 4 (a, B, CR LF as one Enter, stop at é)", n)
	}
	codes := <-got
	// a down/up; Shift down, b down/up, Shift up; Enter down/up.
	want := []uint32{0x1e, 0x9e, 0x2a, 0x30, 0xb0, 0xaa, 0x1c, 0x9c}
	if len(codes) < len(want) {
		t.Fatalf("codes %x", codes)
	}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("codes %x, want %x", codes[:len(want)], want)
		}
	}
}

// Every AGENT_DATA of a file transfer is full: a DATA message is exactly
// fileLowWater pieces of MaxDataSize.
func TestAgentFilePiecesFull(t *testing.T) {
	m := vdagent.AppendMessage(nil, &vdagent.FileXferData{ID: 1, Data: make([]byte, filePiece)}, nil)
	if len(m) != fileLowWater*vdagent.MaxDataSize {
		t.Fatalf("a DATA message of a full piece is %d bytes, want %d", len(m), fileLowWater*vdagent.MaxDataSize)
	}
}

func TestGuestTextAndNames(t *testing.T) {
	crlf := vdagent.Caps(nil).With(vdagent.CapGuestLineendCRLF)
	for _, tc := range []struct{ in, lf, crlf string }{
		{"a\nb", "a\nb", "a\r\nb"}, {"a\r\nb\n", "a\nb\n", "a\r\nb\r\n"}, {"\r\r\n\n", "\r\n\n", "\r\r\n\r\n"}, {"", "", ""},
	} {
		if got := toGuestText(tc.in, nil); got != tc.lf {
			t.Errorf("toGuestText(%q, LF) = %q, want %q", tc.in, got, tc.lf)
		}
		if got := toGuestText(tc.in, crlf); got != tc.crlf {
			t.Errorf("toGuestText(%q, CRLF) = %q, want %q", tc.in, got, tc.crlf)
		}
	}
	if got := fromGuestText("a\r\nb\r\r\n", crlf); got != "a\nb\r\n" {
		t.Errorf("fromGuestText = %q", got)
	}
	if got := fromGuestText("a\r\n", nil); got != "a\r\n" {
		t.Errorf("fromGuestText for an LF guest = %q", got)
	}
	long := strings.Repeat("é", 200) // 400 bytes
	for _, tc := range []struct{ in, want string }{
		{"a/b\\c", "a_b_c"}, {"x\x00y\x7f", "x_y_"}, {"bad\xffutf8", "bad_utf8"}, {"..", "file"}, {"", "file"},
		{"ok name.txt", "ok name.txt"}, {long, strings.Repeat("é", 127)},
	} {
		if got := guestFileName(tc.in); got != tc.want {
			t.Errorf("guestFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
