package session

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// Limits on what START may announce. spice-server streams 44.1 or 48 kHz
// stereo; anything outside these bounds is a broken server, and its
// stream is skipped (with a warning) rather than played.
const (
	audioMinRate     = 8000
	audioMaxRate     = 192000
	audioMaxChannels = 8
	opusMaxChannels  = 2 // without a channel-mapping table, Opus is mono or stereo
	// opusMaxFailures: after this many packets in a row that the decoder
	// rejects, the stream is given up until the next START.
	opusMaxFailures = 5
)

// playbackChannel is the playback channel (spice-gtk channel-playback.c):
// it decodes the server's stream and feeds it to a playout.
type playbackChannel struct {
	c   *Client
	ch  *channel
	dev AudioDevice

	// Read by the session (PlaybackDelay) and written by decoder
	// callbacks, hence the lock.
	mu       sync.Mutex
	mode     spice.AudioDataMode
	state    PlaybackState
	po       *playout
	dec      AudioDecoder
	decFails int
	decEpoch int // bumped at each START, so late decoder output of a previous stream is dropped
	lastTime uint32
	packets  int
	scratch  []float32
	warned   map[string]bool
}

func playbackCaps(c *Client) spice.Caps {
	caps := spice.Caps(nil).With(spice.PlaybackCapVolume).With(spice.PlaybackCapLatency)
	if c.cfg.Audio != nil && c.cfg.Audio.CanDecodeOpus() {
		caps = caps.With(spice.PlaybackCapOpus)
	}
	return caps
}

func (c *Client) setupPlayback(ch *channel) (handler, error) {
	pc := &playbackChannel{c: c, ch: ch, dev: c.cfg.Audio, mode: spice.AudioDataModeRaw, warned: map[string]bool{}}
	pc.state.Linked = true
	c.sound.mu.Lock()
	c.sound.playback = pc
	c.sound.mu.Unlock()
	pc.dev.Playback(pc.state)
	go func() {
		<-ch.out.done // the connection is closed: the session ends
		pc.mu.Lock()
		pc.stopLocked()
		pc.state = PlaybackState{}
		pc.mu.Unlock()
		pc.dev.Playback(PlaybackState{})
	}()
	return pc.handle, nil
}

var playbackHandlers = map[spice.MsgType]func(*playbackChannel, []byte) error{
	spice.MsgTypePlaybackMode:    (*playbackChannel).modeMsg,
	spice.MsgTypePlaybackStart:   (*playbackChannel).start,
	spice.MsgTypePlaybackData:    (*playbackChannel).data,
	spice.MsgTypePlaybackStop:    (*playbackChannel).stop,
	spice.MsgTypePlaybackVolume:  (*playbackChannel).volume,
	spice.MsgTypePlaybackMute:    (*playbackChannel).mute,
	spice.MsgTypePlaybackLatency: (*playbackChannel).latency,
}

// handle dispatches one message. Sound is never worth ending the session
// over: a message that does not decode, or a stream this client cannot
// play, is logged (once per kind) and skipped.
func (pc *playbackChannel) handle(ctx context.Context, t spice.MsgType, body []byte) error {
	h := playbackHandlers[t]
	if h == nil {
		return errUnknownMessage
	}
	if err := h(pc, body); err != nil {
		pc.warnOnce("msg"+errfmt.Int(t), "playback: message "+errfmt.Int(t)+" skipped: "+err.Error())
	}
	return nil
}

// warnOnce logs a warning the first time key comes up.
func (pc *playbackChannel) warnOnce(key, msg string) {
	pc.mu.Lock()
	seen := pc.warned[key]
	pc.warned[key] = true
	pc.mu.Unlock()
	if !seen {
		pc.c.log("warn", msg)
	}
}

func (pc *playbackChannel) modeMsg(body []byte) error {
	var m spice.MsgPlaybackMode
	if err := m.Decode(body); err != nil {
		return err
	}
	pc.mu.Lock()
	pc.mode = m.Mode
	pc.mu.Unlock()
	return nil
}

// checkFormat says why a START cannot be played, or returns the format.
func checkFormat(mode spice.AudioDataMode, channels uint32, f spice.AudioFmt, rate uint32) (AudioFormat, error) {
	switch {
	case f != spice.AudioFmtS16:
		return AudioFormat{}, errors.New("sample format " + errfmt.Int(f) + " is not 16-bit PCM")
	case rate < audioMinRate || rate > audioMaxRate:
		return AudioFormat{}, errors.New(errfmt.Int(rate) + " Hz is outside " + errfmt.Int(audioMinRate) + "-" + errfmt.Int(audioMaxRate) + " Hz")
	case channels < 1 || channels > audioMaxChannels:
		return AudioFormat{}, errors.New(errfmt.Int(channels) + " channels, not 1 to " + errfmt.Int(audioMaxChannels))
	}
	af := AudioFormat{Rate: int(rate), Channels: int(channels), Codec: mode.String()}
	switch mode {
	case spice.AudioDataModeRaw:
	case spice.AudioDataModeOpus:
		if channels > opusMaxChannels {
			return AudioFormat{}, errors.New("Opus with " + errfmt.Int(channels) + " channels")
		}
	default:
		return AudioFormat{}, errors.New("this client cannot play " + mode.String())
	}
	return af, nil
}

func (pc *playbackChannel) start(body []byte) error {
	var m spice.MsgPlaybackStart
	if err := m.Decode(body); err != nil {
		return err
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.stopLocked()
	f, err := checkFormat(pc.mode, m.Channels, m.Format, m.Frequency)
	if err != nil {
		pc.c.log("warn", "playback: the server's stream cannot be played ("+err.Error()+"); sound is off until it starts another")
		return nil
	}
	pc.decFails = 0
	pc.lastTime, pc.packets = m.Time, 0
	if pc.mode == spice.AudioDataModeOpus {
		epoch := pc.decEpoch
		dec, err := pc.dev.NewOpusDecoder(f.Rate, f.Channels,
			func(pcm []float32) { pc.decoded(epoch, pcm) },
			func(err error) { pc.decodeFailed(epoch, err) })
		if err != nil {
			pc.c.log("warn", "playback: no Opus decoder: "+err.Error())
			return nil
		}
		pc.dec = dec
	}
	// Reports may come before OpenPlayback returns, from another goroutine.
	var cur atomic.Pointer[playout]
	out, err := pc.dev.OpenPlayback(f, func(r OutputReport) {
		if po := cur.Load(); po != nil {
			po.report(r)
		}
	})
	if err != nil {
		if pc.dec != nil {
			pc.dec.Close()
			pc.dec = nil
		}
		pc.c.log("warn", "playback: no sound output: "+err.Error())
		return nil
	}
	po := newPlayout(out, f.Rate, f.Channels, time.Now)
	po.afterFunc = time.AfterFunc
	cur.Store(po)
	pc.po = po
	pc.state.Active, pc.state.Format = true, f
	pc.notifyLocked()
	pc.c.log("info", "playback: "+f.Codec+" stream, "+errfmt.Int(f.Rate)+" Hz, "+errfmt.Int(f.Channels)+" channels")
	return nil
}

// notifyLocked tells the device the state; called with mu held, it must
// not block (AudioDevice methods never do).
func (pc *playbackChannel) notifyLocked() {
	s := pc.state
	s.Volume = append([]uint16(nil), s.Volume...)
	pc.dev.Playback(s)
}

// stopLocked ends the current stream, if any. Called with mu held.
func (pc *playbackChannel) stopLocked() {
	if pc.dec != nil {
		pc.dec.Close()
		pc.dec = nil
	}
	if pc.po != nil {
		pc.po.close()
		pc.c.sound.addStats(pc.po.snapshot())
		pc.po = nil
	}
	pc.decEpoch++
	if pc.state.Active {
		pc.state.Active, pc.state.Format = false, AudioFormat{}
		pc.notifyLocked()
	}
}

func (pc *playbackChannel) stop(body []byte) error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.stopLocked()
	return nil
}

func (pc *playbackChannel) data(body []byte) error {
	var m spice.MsgPlaybackData
	if err := m.Decode(body); err != nil {
		return err
	}
	pc.mu.Lock()
	po, dec, f := pc.po, pc.dec, pc.state.Format
	if po == nil {
		pc.mu.Unlock()
		pc.warnOnce("nostream", "playback: sound data outside a stream (before START, or a stream this client cannot play) skipped")
		return nil
	}
	pc.lastTime = m.Time
	pc.packets++
	// Every 100 packets, as spice-gtk does, the session's multimedia
	// clock is set to the time of the sound being heard now.
	if pc.packets%100 == 1 {
		pc.c.setMMTime(m.Time - uint32(po.delay()/time.Millisecond))
	}
	pc.mu.Unlock()
	if dec != nil {
		if err := dec.Decode(m.Data); err != nil {
			pc.decodeFailed(pc.decEpochNow(), err)
		}
		return nil
	}
	frameBytes := 2 * f.Channels
	if len(m.Data)%frameBytes != 0 {
		pc.warnOnce("partial", "playback: a packet of "+errfmt.Int(len(m.Data))+" bytes is not whole "+
			errfmt.Int(f.Channels)+"-channel 16-bit frames; such packets are skipped")
		return nil
	}
	pc.scratch = pcmS16ToFloat(pc.scratch[:0], m.Data)
	po.push(pc.scratch)
	return nil
}

func (pc *playbackChannel) decEpochNow() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.decEpoch
}

// decoded takes the decoder's output for the stream of epoch.
func (pc *playbackChannel) decoded(epoch int, pcm []float32) {
	pc.mu.Lock()
	po := pc.po
	if epoch != pc.decEpoch || po == nil {
		pc.mu.Unlock()
		return
	}
	pc.decFails = 0
	pc.mu.Unlock()
	po.push(pcm)
}

// decodeFailed counts a packet the decoder rejected; too many in a row
// and the stream is given up until the next START.
func (pc *playbackChannel) decodeFailed(epoch int, err error) {
	pc.mu.Lock()
	if epoch != pc.decEpoch || pc.po == nil {
		pc.mu.Unlock()
		return
	}
	pc.decFails++
	giveUp := pc.decFails >= opusMaxFailures
	if giveUp {
		pc.stopLocked()
	}
	pc.mu.Unlock()
	pc.warnOnce("opus", "playback: an Opus packet did not decode ("+err.Error()+"); such packets are skipped")
	if giveUp {
		pc.c.log("warn", "playback: "+errfmt.Int(opusMaxFailures)+" Opus packets in a row did not decode; sound is off until the server starts another stream")
	}
}

func (pc *playbackChannel) volume(body []byte) error {
	var m spice.MsgAudioVolume
	if err := m.Decode(body); err != nil {
		return err
	}
	if len(m.Volume) == 0 {
		// spice-gtk ignores these too.
		return errors.New("volume for no channels")
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.state.Volume = append(pc.state.Volume[:0], m.Volume...)
	pc.notifyLocked()
	return nil
}

func (pc *playbackChannel) mute(body []byte) error {
	var m spice.MsgAudioMute
	if err := m.Decode(body); err != nil {
		return err
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.state.Mute = m.Mute != 0
	pc.notifyLocked()
	return nil
}

// latency records the delay the server asks for. This client shows video
// frames as they arrive rather than at their multimedia time, so delaying
// sound to match would put it behind the picture: the request is shown to
// the user (PlaybackState.Latency) but the playout keeps its own, shorter
// margin.
func (pc *playbackChannel) latency(body []byte) error {
	var m spice.MsgPlaybackLatency
	if err := m.Decode(body); err != nil {
		return err
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.state.Latency = time.Duration(m.LatencyMS) * time.Millisecond
	pc.notifyLocked()
	return nil
}

// delay is the stream's playback delay, when one runs.
func (pc *playbackChannel) delay() (time.Duration, bool) {
	pc.mu.Lock()
	po := pc.po
	pc.mu.Unlock()
	if po == nil {
		return 0, false
	}
	return po.delay(), true
}
