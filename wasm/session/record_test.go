package session

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

var recordID = spice.ChannelID{Type: spice.ChannelRecord}

// recvRecord reads the client's record messages (skipping acks and pongs)
// until n DATA messages came or the connection fails.
func recvRecord(t *testing.T, ch *spicetest.ServerChannel, n int) (types []spice.MsgType, bodies [][]byte) {
	ch.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer ch.Conn.SetReadDeadline(time.Time{})
	data := 0
	for data < n {
		mt, body, err := ch.Recv()
		if err != nil {
			t.Errorf("record channel: %v after %d messages", err, len(types))
			return
		}
		if mt == spice.MsgcTypeAckSync || mt == spice.MsgcTypeAck || mt == spice.MsgcTypePong {
			continue
		}
		types = append(types, mt)
		bodies = append(bodies, body)
		if mt == spice.MsgcTypeRecordData {
			data++
		}
	}
	return
}

// TestRecord: RECORD_START opens an input at the server's format; what it
// captures goes out as MODE (RAW), START_MARK, then DATA of 480 frames,
// exactly; STOP closes the input and later capture is dropped; a second
// START sends MODE and START_MARK again; VOLUME and MUTE reach the state.
func TestRecord(t *testing.T) {
	dev := newFakeAudio(false)
	caps := make(chan spice.Caps, 1)
	type got struct {
		types  []spice.MsgType
		bodies [][]byte
	}
	results := make(chan got, 2)
	checked := make(chan struct{}) // the test has seen the first recording's state
	srv := soundServer(t, map[spice.ChannelType]func(*spicetest.ServerChannel){
		spice.ChannelRecord: func(ch *spicetest.ServerChannel) {
			caps <- ch.ChannelCaps
			sendMsg(ch, spice.MsgTypeRecordVolume, &spice.MsgAudioVolume{Volume: []uint16{0xffff, 0x4000}})
			sendMsg(ch, spice.MsgTypeRecordStart, &spice.MsgRecordStart{Channels: 2, Format: spice.AudioFmtS16, Frequency: 44100})
			ty, b := recvRecord(t, ch, 2)
			results <- got{ty, b}
			<-checked
			sendMsg(ch, spice.MsgTypeRecordStop, &spice.MsgRecordStop{})
			sendMsg(ch, spice.MsgTypeRecordMute, &spice.MsgAudioMute{Mute: 1})
			sendMsg(ch, spice.MsgTypeRecordStart, &spice.MsgRecordStart{Channels: 1, Format: spice.AudioFmtS16, Frequency: 48000})
			ty, b = recvRecord(t, ch, 1)
			results <- got{ty, b}
			drain(ch)
		},
	}, recordID)
	seen := sync.OnceFunc(func() { close(checked) })
	t.Cleanup(seen) // a failed test must not leave the script waiting
	sink, done := startClient(t, srv, func(c *Client) { c.cfg.Audio = dev })
	select {
	case c := <-caps:
		if !c.Has(spice.RecordCapVolume) || c.Has(spice.RecordCapOpus) {
			t.Errorf("record caps %v: want volume, no Opus", c)
		}
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	}

	in := <-dev.recording
	if in.format != (AudioFormat{Rate: 44100, Channels: 2, Codec: "raw"}) {
		t.Errorf("input format %+v", in.format)
	}
	// 1000 stereo frames in uneven pieces, and one piece that is not
	// whole frames (dropped).
	var captured []int16
	for i := range 2000 {
		captured = append(captured, int16(i*13-9000))
	}
	in.capture(captured[:302])
	in.capture([]int16{1, 2, 3})
	in.capture(captured[302:1500])
	in.capture(captured[1500:])
	r := <-results
	want := []spice.MsgType{spice.MsgcTypeRecordMode, spice.MsgcTypeRecordStartMark, spice.MsgcTypeRecordData, spice.MsgcTypeRecordData}
	if len(r.types) != len(want) {
		t.Fatalf("messages %v, want %v", r.types, want)
	}
	for i := range want {
		if r.types[i] != want[i] {
			t.Fatalf("messages %v, want %v", r.types, want)
		}
	}
	var mode spice.MsgcRecordMode
	var mark spice.MsgcRecordStartMark
	if err := mode.Decode(r.bodies[0]); err != nil || mode.Mode != spice.AudioDataModeRaw || len(mode.Data) != 0 {
		t.Errorf("MODE %+v (%v)", mode, err)
	}
	// The scripted MAIN_INIT starts the multimedia clock at 0.
	if err := mark.Decode(r.bodies[1]); err != nil || mark.Time > 10000 || mode.Time != mark.Time {
		t.Errorf("START_MARK %+v, MODE time %d (%v): want the session's multimedia time, ms since INIT", mark, mode.Time, err)
	}
	var sent []byte
	for _, b := range r.bodies[2:] {
		var d spice.MsgcRecordData
		if err := d.Decode(b); err != nil || len(d.Data) != 480*4 {
			t.Fatalf("DATA of %d bytes (%v), want 480 stereo frames", len(d.Data), err)
		}
		sent = append(sent, d.Data...)
	}
	var wantBytes []byte
	for _, v := range captured[:960*2] {
		wantBytes = binary.LittleEndian.AppendUint16(wantBytes, uint16(v))
	}
	if !bytes.Equal(sent, wantBytes) {
		t.Error("DATA does not carry the captured samples in order")
	}
	s := dev.lastRecord()
	if !s.Active || len(s.Volume) != 2 || s.Volume[1] != 0x4000 {
		t.Errorf("record state %+v", s)
	}
	seen()

	// STOP closes the input; capture for the old recording is dropped.
	in2 := <-dev.recording
	if !in.isClosed() {
		t.Error("STOP did not close the input")
	}
	in.capture(captured)
	if in2.format.Channels != 1 || in2.format.Rate != 48000 {
		t.Errorf("second input %+v", in2.format)
	}
	mono := make([]int16, 480)
	for i := range mono {
		mono[i] = int16(i)
	}
	in2.capture(mono)
	r = <-results
	if len(r.types) != 3 || r.types[0] != spice.MsgcTypeRecordMode || r.types[1] != spice.MsgcTypeRecordStartMark {
		t.Fatalf("after the second START: %v, want MODE, START_MARK, DATA", r.types)
	}
	var d spice.MsgcRecordData
	if err := d.Decode(r.bodies[2]); err != nil || len(d.Data) != 960 || binary.LittleEndian.Uint16(d.Data[2:]) != 1 {
		t.Errorf("second recording's DATA: %d bytes (%v); the old recording's capture leaked in?", len(d.Data), err)
	}
	waitFor(t, "MUTE", 5*time.Second, func() bool { return dev.lastRecord().Mute })
	if n := sink.countLogs("captured sound in partial frames"); n != 1 {
		t.Errorf("%d warnings for a partial capture", n)
	}
}

// TestRecordHostile: a START the client cannot honour opens nothing; the
// session goes on.
func TestRecordHostile(t *testing.T) {
	dev := newFakeAudio(false)
	srv := soundServer(t, map[spice.ChannelType]func(*spicetest.ServerChannel){
		spice.ChannelRecord: func(ch *spicetest.ServerChannel) {
			sendMsg(ch, spice.MsgTypeRecordStart, &spice.MsgRecordStart{Channels: 2, Format: spice.AudioFmtS16, Frequency: 1})
			sendMsg(ch, spice.MsgTypeRecordStart, &spice.MsgRecordStart{Channels: 99, Format: spice.AudioFmtS16, Frequency: 48000})
			ch.Send(spice.MsgTypeRecordStart, []byte{2, 0})
			ch.Send(spice.MsgTypeRecordVolume, []byte{0})
			sendMsg(ch, spice.MsgTypeRecordStop, &spice.MsgRecordStop{})
			drain(ch)
		},
	}, recordID)
	sink, done := startClient(t, srv, func(c *Client) { c.cfg.Audio = dev })
	waitFor(t, "the warnings", 10*time.Second, func() bool { return sink.countLogs("record:") >= 4 })
	for _, w := range []string{"1 Hz is outside", "99 channels", "message 101 skipped", "message 103 skipped"} {
		if !sink.hasLog(w) {
			t.Errorf("no warning with %q", w)
		}
	}
	dev.mu.Lock()
	n := len(dev.inputs)
	dev.mu.Unlock()
	if n != 0 {
		t.Errorf("%d inputs opened", n)
	}
	select {
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	default:
	}
}
