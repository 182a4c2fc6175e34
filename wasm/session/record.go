package session

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// recordMaxPending bounds captured sound waiting to fill a frame; the
// page sends about 20 ms at a time, so anything near this is a bug.
const recordMaxPending = 1 << 20

// recordChannel is the record channel (spice-gtk channel-record.c): while
// the server records (START to STOP) and the user lets the microphone
// open, captured sound goes to the server as RAW DATA messages of 480
// frames, preceded once per START by MODE and START_MARK, as spice-gtk
// sends them.
type recordChannel struct {
	c   *Client
	ch  *channel
	dev AudioDevice

	mu      sync.Mutex
	state   RecordState
	in      AudioInput
	epoch   int  // bumped at each START and STOP: capture from an older recording is dropped
	started bool // MODE and START_MARK went out for this START
	pending []byte
	sent    int64 // frames sent
	warned  map[string]bool
}

// recordCaps announces volume only: the client records RAW (it has no
// Opus encoder it could count on), which every server takes.
func recordCaps(*Client) spice.Caps { return spice.Caps(nil).With(spice.RecordCapVolume) }

func (c *Client) setupRecord(ch *channel) (handler, error) {
	rc := &recordChannel{c: c, ch: ch, dev: c.cfg.Audio, warned: map[string]bool{}}
	rc.state.Linked = true
	c.sound.mu.Lock()
	c.sound.record = rc
	c.sound.mu.Unlock()
	rc.dev.Record(rc.state)
	go func() {
		<-ch.out.done
		rc.mu.Lock()
		rc.stopLocked()
		rc.state = RecordState{}
		rc.mu.Unlock()
		rc.dev.Record(RecordState{})
	}()
	return rc.handle, nil
}

var recordHandlers = map[spice.MsgType]func(*recordChannel, []byte) error{
	spice.MsgTypeRecordStart:  (*recordChannel).start,
	spice.MsgTypeRecordStop:   (*recordChannel).stop,
	spice.MsgTypeRecordVolume: (*recordChannel).volume,
	spice.MsgTypeRecordMute:   (*recordChannel).mute,
}

// handle dispatches one message; like playback, problems are logged
// once and skipped.
func (rc *recordChannel) handle(ctx context.Context, t spice.MsgType, body []byte) error {
	h := recordHandlers[t]
	if h == nil {
		return errUnknownMessage
	}
	if err := h(rc, body); err != nil {
		rc.warnOnce("msg"+errfmt.Int(t), "record: message "+errfmt.Int(t)+" skipped: "+err.Error())
	}
	return nil
}

func (rc *recordChannel) warnOnce(key, msg string) {
	rc.mu.Lock()
	seen := rc.warned[key]
	rc.warned[key] = true
	rc.mu.Unlock()
	if !seen {
		rc.c.log("warn", msg)
	}
}

func (rc *recordChannel) start(body []byte) error {
	var m spice.MsgRecordStart
	if err := m.Decode(body); err != nil {
		return err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.stopLocked()
	f, err := checkFormat(spice.AudioDataModeRaw, m.Channels, m.Format, m.Frequency)
	if err != nil {
		rc.c.log("warn", "record: the server asks for sound this client cannot send ("+err.Error()+")")
		return nil
	}
	rc.epoch++
	epoch := rc.epoch
	rc.started = false
	rc.pending = rc.pending[:0]
	in, err := rc.dev.OpenRecord(f, func(pcm []int16) { rc.capture(epoch, pcm) })
	if err != nil {
		rc.c.log("warn", "record: "+err.Error())
		return nil
	}
	rc.in = in
	rc.state.Active, rc.state.Format = true, f
	rc.notifyLocked()
	return nil
}

func (rc *recordChannel) notifyLocked() {
	s := rc.state
	s.Volume = append([]uint16(nil), s.Volume...)
	rc.dev.Record(s)
}

func (rc *recordChannel) stopLocked() {
	if rc.in != nil {
		rc.in.Close()
		rc.in = nil
	}
	rc.epoch++
	rc.pending = rc.pending[:0]
	if rc.state.Active {
		rc.state.Active, rc.state.Format = false, AudioFormat{}
		rc.notifyLocked()
	}
}

func (rc *recordChannel) stop(body []byte) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.stopLocked()
	return nil
}

// capture takes captured frames of the recording epoch and sends them in
// whole frames of spice.AudioFrameSize, as spice-gtk does (the server
// reads any size, but its Opus decoder, were MODE ever Opus, needs
// exactly that).
func (rc *recordChannel) capture(epoch int, pcm []int16) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if epoch != rc.epoch || !rc.state.Active {
		return
	}
	f := rc.state.Format
	if len(pcm)%f.Channels != 0 {
		rc.mu.Unlock()
		rc.warnOnce("partial", "record: captured sound in partial frames skipped")
		rc.mu.Lock()
		return
	}
	if len(rc.pending)+2*len(pcm) > recordMaxPending {
		rc.pending = rc.pending[:0]
	}
	for _, v := range pcm {
		rc.pending = binary.LittleEndian.AppendUint16(rc.pending, uint16(v))
	}
	frameBytes := spice.AudioFrameSize * 2 * f.Channels
	if len(rc.pending) < frameBytes {
		return
	}
	now, _ := rc.c.MMTime()
	if !rc.started {
		rc.started = true
		if rc.ch.send(&spice.MsgcRecordMode{Time: now, Mode: spice.AudioDataModeRaw}) != nil ||
			rc.ch.send(&spice.MsgcRecordStartMark{Time: now}) != nil {
			return
		}
	}
	off := 0
	for ; len(rc.pending)-off >= frameBytes; off += frameBytes {
		// The queue copies the body as it frames it.
		if err := rc.ch.send(&spice.MsgcRecordData{Time: now, Data: rc.pending[off : off+frameBytes]}); err != nil {
			break
		}
		rc.sent += spice.AudioFrameSize
	}
	rc.pending = append(rc.pending[:0], rc.pending[off:]...)
}

func (rc *recordChannel) volume(body []byte) error {
	var m spice.MsgAudioVolume
	if err := m.Decode(body); err != nil {
		return err
	}
	if len(m.Volume) == 0 {
		return errors.New("volume for no channels")
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.state.Volume = append(rc.state.Volume[:0], m.Volume...)
	rc.notifyLocked()
	return nil
}

func (rc *recordChannel) mute(body []byte) error {
	var m spice.MsgAudioMute
	if err := m.Decode(body); err != nil {
		return err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.state.Mute = m.Mute != 0
	rc.notifyLocked()
	return nil
}

func (rc *recordChannel) sentFrames() int64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.sent
}
