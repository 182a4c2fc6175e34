package session

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

var playbackID = spice.ChannelID{Type: spice.ChannelPlayback}

// sendMsg sends a message built by its own Encode.
func sendMsg(ch *spicetest.ServerChannel, t spice.MsgType, m interface{ Encode([]byte) []byte }) {
	ch.Send(t, m.Encode(nil))
}

// pcmPacket is a RAW packet of n stereo frames: left counts up from
// first, right is its negative.
func pcmPacket(first, n int) []byte {
	b := make([]byte, 0, 4*n)
	for i := range n {
		v := int16((first + i) % 30000)
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
		b = binary.LittleEndian.AppendUint16(b, uint16(-v))
	}
	return b
}

// TestPlaybackRaw: the server's RAW stream reaches the output sample for
// sample, the state follows MODE, START, VOLUME, MUTE, LATENCY and STOP,
// and the client announced what it supports.
func TestPlaybackRaw(t *testing.T) {
	dev := newFakeAudio(false)
	caps := make(chan spice.Caps, 1)
	const packets = 60
	srv := soundServer(t, map[spice.ChannelType]func(*spicetest.ServerChannel){
		spice.ChannelPlayback: func(ch *spicetest.ServerChannel) {
			caps <- ch.ChannelCaps
			sendMsg(ch, spice.MsgTypePlaybackMode, &spice.MsgPlaybackMode{Time: 1, Mode: spice.AudioDataModeRaw})
			sendMsg(ch, spice.MsgTypePlaybackStart, &spice.MsgPlaybackStart{Channels: 2, Format: spice.AudioFmtS16, Frequency: 48000, Time: 1000})
			sendMsg(ch, spice.MsgTypePlaybackVolume, &spice.MsgAudioVolume{Volume: []uint16{0x8000, 0x8000}})
			sendMsg(ch, spice.MsgTypePlaybackLatency, &spice.MsgPlaybackLatency{LatencyMS: 150})
			select {
			case <-dev.opened:
			case <-time.After(5 * time.Second):
				t.Error("the output never reported")
				return
			}
			for i := range packets {
				sendMsg(ch, spice.MsgTypePlaybackData, &spice.MsgPlaybackData{Time: uint32(1000 + 10*i), Data: pcmPacket(480*i, 480)})
				time.Sleep(10 * time.Millisecond)
			}
			sendMsg(ch, spice.MsgTypePlaybackMute, &spice.MsgAudioMute{Mute: 1})
			sendMsg(ch, spice.MsgTypePlaybackStop, &spice.MsgPlaybackStop{})
			drain(ch)
		},
	}, playbackID, spice.ChannelID{Type: spice.ChannelInputs})
	sink, done := startClient(t, srv, func(c *Client) { c.cfg.Audio = dev })

	var got spice.Caps
	select {
	case got = <-caps:
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the playback channel was not linked")
	}
	if !got.Has(spice.PlaybackCapVolume) || !got.Has(spice.PlaybackCapLatency) || got.Has(spice.PlaybackCapOpus) || got.Has(spice.PlaybackCapCELT051) {
		t.Errorf("playback caps %v: want volume and latency, no Opus (the device has none), no CELT", got)
	}
	waitFor(t, "STOP", 10*time.Second, func() bool {
		s := dev.lastPlayback()
		return s.Mute && !s.Active
	})
	dev.mu.Lock()
	outs := dev.outputs
	states := slices.Clone(dev.playback)
	dev.mu.Unlock()
	if len(outs) != 1 {
		t.Fatalf("%d outputs opened, want 1", len(outs))
	}
	o := outs[0]
	if o.format != (AudioFormat{Rate: 48000, Channels: 2, Codec: "raw"}) {
		t.Errorf("output format %+v", o.format)
	}
	if !o.isClosed() {
		t.Error("STOP did not close the output")
	}
	// Every packet arrived after the output reported: all of it played,
	// unchanged.
	want := pcmS16ToFloat(nil, pcmPacket(0, 480*packets))
	if s := o.got(); !slices.Equal(s, want) {
		t.Errorf("output got %d samples, want the %d sent, unchanged", len(s), len(want))
	}
	var sawActive, sawVolume, sawLatency bool
	for _, s := range states {
		sawActive = sawActive || s.Active && s.Format.Rate == 48000
		sawVolume = sawVolume || slices.Equal(s.Volume, []uint16{0x8000, 0x8000})
		sawLatency = sawLatency || s.Latency == 150*time.Millisecond
		if !s.Linked {
			t.Errorf("state %+v while the channel is linked", s)
		}
	}
	if !sawActive || !sawVolume || !sawLatency {
		t.Errorf("states %+v: active %v volume %v latency %v", states, sawActive, sawVolume, sawLatency)
	}
	if s := sink.lastState(); s != "connected: Connected" {
		t.Errorf("session state %q", s)
	}
}

// TestPlaybackOpus: with a device that decodes Opus the client announces
// it, decodes each packet, and gives up on a stream whose packets keep
// failing, without ending the session.
func TestPlaybackOpus(t *testing.T) {
	dev := newFakeAudio(true)
	caps := make(chan spice.Caps, 1)
	srv := soundServer(t, map[spice.ChannelType]func(*spicetest.ServerChannel){
		spice.ChannelPlayback: func(ch *spicetest.ServerChannel) {
			caps <- ch.ChannelCaps
			sendMsg(ch, spice.MsgTypePlaybackMode, &spice.MsgPlaybackMode{Mode: spice.AudioDataModeOpus})
			sendMsg(ch, spice.MsgTypePlaybackStart, &spice.MsgPlaybackStart{Channels: 2, Format: spice.AudioFmtS16, Frequency: 48000})
			<-dev.opened
			for i := range 10 {
				sendMsg(ch, spice.MsgTypePlaybackData, &spice.MsgPlaybackData{Time: uint32(i), Data: []byte{byte(i), 1, 2, 3}})
			}
			for i := range opusMaxFailures {
				sendMsg(ch, spice.MsgTypePlaybackData, &spice.MsgPlaybackData{Time: uint32(i), Data: []byte{0xff, 0, 0}})
			}
			drain(ch)
		},
	}, playbackID)
	sink, done := startClient(t, srv, func(c *Client) { c.cfg.Audio = dev })
	select {
	case got := <-caps:
		if !got.Has(spice.PlaybackCapOpus) {
			t.Errorf("caps %v without Opus", got)
		}
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	}
	waitFor(t, "the stream given up", 10*time.Second, func() bool { return sink.hasLog("Opus packets in a row did not decode") })
	if !sink.hasLog("an Opus packet did not decode (not an Opus packet)") {
		t.Error("no warning for the first bad packet")
	}
	if s := dev.lastPlayback(); s.Active {
		t.Errorf("still active after the decoder gave up: %+v", s)
	}
	dev.mu.Lock()
	o, d := dev.outputs[0], dev.decoders[0]
	dev.mu.Unlock()
	if !d.closed || !o.isClosed() {
		t.Errorf("decoder closed %v, output closed %v", d.closed, o.isClosed())
	}
	if n := len(o.got()); n != 10*4*2 {
		t.Errorf("output got %d samples, want %d (10 packets of 4 stereo frames)", n, 10*4*2)
	}
	if s := sink.lastState(); s != "connected: Connected" {
		t.Errorf("session state %q", s)
	}
}

// TestPlaybackHostile: streams that cannot be played, data outside a
// stream and messages that do not decode are logged once each and
// skipped; the session goes on, and a good stream afterwards plays.
func TestPlaybackHostile(t *testing.T) {
	dev := newFakeAudio(false)
	srv := soundServer(t, map[spice.ChannelType]func(*spicetest.ServerChannel){
		spice.ChannelPlayback: func(ch *spicetest.ServerChannel) {
			data := &spice.MsgPlaybackData{Data: pcmPacket(0, 16)}
			sendMsg(ch, spice.MsgTypePlaybackData, data) // before START
			sendMsg(ch, spice.MsgTypePlaybackData, data)
			for _, st := range []spice.MsgPlaybackStart{
				{Channels: 2, Format: spice.AudioFmtS16, Frequency: 10_000_000},
				{Channels: 2, Format: spice.AudioFmtS16, Frequency: 0},
				{Channels: 0, Format: spice.AudioFmtS16, Frequency: 48000},
				{Channels: 255, Format: spice.AudioFmtS16, Frequency: 48000},
				{Channels: 2, Format: 7, Frequency: 48000},
			} {
				sendMsg(ch, spice.MsgTypePlaybackStart, &st)
				sendMsg(ch, spice.MsgTypePlaybackData, data)
			}
			sendMsg(ch, spice.MsgTypePlaybackMode, &spice.MsgPlaybackMode{Mode: spice.AudioDataModeCELT051})
			sendMsg(ch, spice.MsgTypePlaybackStart, &spice.MsgPlaybackStart{Channels: 2, Format: spice.AudioFmtS16, Frequency: 48000})
			sendMsg(ch, spice.MsgTypePlaybackMode, &spice.MsgPlaybackMode{Mode: spice.AudioDataModeOpus}) // no decoder
			sendMsg(ch, spice.MsgTypePlaybackStart, &spice.MsgPlaybackStart{Channels: 2, Format: spice.AudioFmtS16, Frequency: 48000})
			ch.Send(spice.MsgTypePlaybackStart, []byte{1, 2, 3})  // truncated
			ch.Send(spice.MsgTypePlaybackVolume, []byte{9, 1, 2}) // nine channels in two bytes
			ch.Send(spice.MsgTypePlaybackVolume, []byte{0})       // no channels
			ch.Send(spice.MsgTypePlaybackMute, nil)
			ch.Send(spice.MsgTypePlaybackData, make([]byte, 4+spice.MaxAudioPayload+1))
			ch.Send(999, []byte{1})
			// And now a good stream, with a packet of odd length in it.
			sendMsg(ch, spice.MsgTypePlaybackMode, &spice.MsgPlaybackMode{Mode: spice.AudioDataModeRaw})
			sendMsg(ch, spice.MsgTypePlaybackStart, &spice.MsgPlaybackStart{Channels: 2, Format: spice.AudioFmtS16, Frequency: 44100})
			<-dev.opened
			sendMsg(ch, spice.MsgTypePlaybackData, &spice.MsgPlaybackData{Data: pcmPacket(0, 441)})
			sendMsg(ch, spice.MsgTypePlaybackData, &spice.MsgPlaybackData{Data: pcmPacket(441, 441)[:1763]})
			sendMsg(ch, spice.MsgTypePlaybackData, &spice.MsgPlaybackData{Data: pcmPacket(441, 441)})
			drain(ch)
		},
	}, playbackID)
	sink, done := startClient(t, srv, func(c *Client) { c.cfg.Audio = dev })
	var o *fakeOutput
	waitFor(t, "the good stream's output", 10*time.Second, func() bool {
		dev.mu.Lock()
		if len(dev.outputs) > 0 {
			o = dev.outputs[0]
		}
		dev.mu.Unlock()
		return o != nil && len(o.got()) >= 2*441*2
	})
	select {
	case err := <-done:
		t.Fatalf("the session ended: %v", err)
	default:
	}
	dev.mu.Lock()
	n := len(dev.outputs)
	dev.mu.Unlock()
	if n != 1 {
		t.Errorf("%d outputs opened; only the last stream could play", n)
	}
	if o.format.Rate != 44100 {
		t.Errorf("output at %d Hz", o.format.Rate)
	}
	if got, want := o.got(), pcmS16ToFloat(nil, pcmPacket(0, 882)); !slices.Equal(got, want) {
		t.Errorf("output got %d samples, want %d: the whole packets, without the partial one", len(got), len(want))
	}
	for _, want := range []struct {
		log   string
		count int
	}{
		{"sound data outside a stream", 1},
		{"10000000 Hz is outside 8000-192000 Hz", 1},
		{"(0 Hz is outside", 1},
		{"0 channels, not 1 to 8", 1},
		{"255 channels, not 1 to 8", 1},
		{"sample format 7 is not 16-bit PCM", 1},
		{"this client cannot play celt", 1},
		{"no Opus decoder", 1},
		{"message 103 skipped: spice: invalid format: message too short", 1},
		{"message 105 skipped", 1}, // once, though two were bad
		{"message 106 skipped", 1},
		{"message 101 skipped: spice: invalid format: sound data of 65537 bytes", 1},
		{"skipping unhandled message type 999", 1},
		{"is not whole 2-channel 16-bit frames", 1},
	} {
		if n := sink.countLogs(want.log); n != want.count {
			t.Errorf("%d logs with %q, want %d", n, want.log, want.count)
		}
	}
	if t.Failed() {
		sink.mu.Lock()
		t.Logf("logs:\n%q", sink.logs)
		sink.mu.Unlock()
	}
}

// TestPlaybackSoundOff: without an AudioDevice the session does not open
// the sound channels, and says so.
func TestPlaybackSoundOff(t *testing.T) {
	srv := soundServer(t, map[spice.ChannelType]func(*spicetest.ServerChannel){
		spice.ChannelPlayback: func(ch *spicetest.ServerChannel) { t.Error("the playback channel was linked") },
		spice.ChannelRecord:   func(ch *spicetest.ServerChannel) { t.Error("the record channel was linked") },
	}, playbackID, spice.ChannelID{Type: spice.ChannelRecord}, spice.ChannelID{Type: spice.ChannelInputs})
	sink, _ := startClient(t, srv, nil)
	waitFor(t, "the channel list", 10*time.Second, func() bool { return sink.hasLog("channel list") })
	if want := "info: channel list: opening 1 of 3 listed channels; skipped sound turned off: 1 playback, 1 record"; !sink.hasLog(want) {
		sink.mu.Lock()
		t.Errorf("logs %q, want %q", sink.logs, want)
		sink.mu.Unlock()
	}
	time.Sleep(200 * time.Millisecond) // a channel opened anyway would link by now
	if n := srv.Accepted(); n != 2 {
		t.Errorf("%d connections, want main and inputs", n)
	}
}

// TestPlaybackDelayAndMMTime: the session's multimedia clock starts from
// MAIN_INIT, follows MULTI_MEDIA_TIME, and once sound plays is set from
// the packets' time less the playback delay.
func TestPlaybackDelayAndMMTime(t *testing.T) {
	dev := newFakeAudio(false)
	mmSet := make(chan struct{})
	srv := spicetest.NewServer(t)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			init := mainInitBody(srv.SessionID, spice.MouseModeServer, spice.MouseModeServer)
			binary.LittleEndian.PutUint32(init[24:], 5000) // multi_media_time
			ch.Send(spice.MsgTypeMainInit, init)
			ch.Expect(t, spice.MsgcTypeMainAttachChannels, 5*time.Second)
			ch.Send(spice.MsgTypeMainMultiMediaTime, binary.LittleEndian.AppendUint32(nil, 100000))
			<-mmSet
			ch.Send(spice.MsgTypeMainChannelsList, channelsListBody(playbackID))
			drain(ch)
		case spice.ChannelPlayback:
			sendMsg(ch, spice.MsgTypePlaybackStart, &spice.MsgPlaybackStart{Channels: 1, Format: spice.AudioFmtS16, Frequency: 8000})
			<-dev.opened
			sendMsg(ch, spice.MsgTypePlaybackData, &spice.MsgPlaybackData{Time: 500000, Data: make([]byte, 160)})
			drain(ch)
		}
	}
	srv.Start()
	var c *Client
	_, done := startClient(t, srv, func(cl *Client) { cl.cfg.Audio = dev; c = cl })
	waitFor(t, "MULTI_MEDIA_TIME", 10*time.Second, func() bool { mm, _ := c.MMTime(); return mm >= 100000 && mm < 101000 })
	if _, ok := c.PlaybackDelay(); ok {
		t.Error("a playback delay before any stream")
	}
	close(mmSet)
	waitFor(t, "the packet's time", 10*time.Second, func() bool { mm, _ := c.MMTime(); return mm >= 500000-200 && mm < 501000 })
	d, ok := c.PlaybackDelay()
	if !ok || d < 0 || d > PlayoutMaxBuffer {
		t.Errorf("PlaybackDelay %v, %v", d, ok)
	}
	select {
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	default:
	}
}

func TestPcmS16ToFloat(t *testing.T) {
	got := pcmS16ToFloat(nil, []byte{0, 0x80, 0xff, 0x7f, 1, 0, 0xff, 0xff, 9})
	want := []float32{-1, 32767.0 / 32768, 1.0 / 32768, -1.0 / 32768}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Every 16-bit value converts exactly and back.
	for v := math.MinInt16; v <= math.MaxInt16; v++ {
		f := pcmS16ToFloat(nil, binary.LittleEndian.AppendUint16(nil, uint16(int16(v))))[0]
		if int(f*32768) != v {
			t.Fatalf("%d -> %v", v, f)
		}
	}
}

func TestSplices(t *testing.T) {
	ramp := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(i)
		}
		return s
	}
	// Mono: cut 10 frames at 20 with no fade.
	got := cutFrames(ramp(100), 1, 20, 10, 0)
	if len(got) != 90 || got[19] != 19 || got[20] != 30 || got[89] != 99 {
		t.Errorf("cut: %v", got)
	}
	// Repeat 10 frames at 20: ... 29, 20, 21 ...
	got = repeatFrames(ramp(100), 1, 20, 10, 0)
	if len(got) != 110 || got[29] != 29 || got[30] != 20 || got[109] != 99 {
		t.Errorf("repeat: %v", got)
	}
	// With a fade the values blend monotonically between the two sides.
	got = cutFrames(ramp(100), 1, 20, 10, 4)
	for i, w := range []float32{22, 25, 28, 31} { // (20+i)*(1-w)+(30+i)*w, w=(i+1)/5
		if got[20+i] != w {
			t.Errorf("cut with fade: frame %d = %v, want %v", 20+i, got[20+i], w)
		}
	}
	if got[24] != 34 || len(got) != 90 {
		t.Errorf("cut with fade: after the fade %v, length %d", got[24], len(got))
	}
	// Stereo keeps channels apart; out-of-range edits change nothing.
	st := []float32{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}
	if got := cutFrames(slices.Clone(st), 2, 1, 2, 0); !slices.Equal(got, []float32{0, 10, 3, 13, 4, 14, 5, 15}) {
		t.Errorf("stereo cut: %v", got)
	}
	if got := cutFrames(slices.Clone(st), 2, 4, 3, 0); !slices.Equal(got, st) {
		t.Errorf("cut past the end changed the samples: %v", got)
	}
	if got := repeatFrames(slices.Clone(st), 2, -1, 2, 0); !slices.Equal(got, st) {
		t.Errorf("repeat before the start changed the samples: %v", got)
	}
	at, lvl := quietest([]float32{1, 1, 1, 0, 0, 1, 1, 1, 1}, 1, 0, 9, 2)
	if at != 3 || lvl != 0 {
		t.Errorf("quietest: %d %v", at, lvl)
	}
}
