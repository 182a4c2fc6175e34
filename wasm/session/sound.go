package session

import (
	"context"
	"sync"
	"time"

	"spiceweb/wasm/spice"
)

// sound is the session's sound state: the multimedia clock, the sound
// channels, and the counters of streams that have ended.
type sound struct {
	mm mmClock

	mu       sync.Mutex
	playback *playbackChannel
	record   *recordChannel
	ended    playoutStats
}

func (s *sound) addStats(st playoutStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended.add(st)
}

func (a *playoutStats) add(b playoutStats) {
	a.Pushed += b.Pushed
	a.Cut += b.Cut
	a.Repeated += b.Repeated
	a.Discarded += b.Discarded
	a.Stale += b.Stale
	a.Batches += b.Batches
	a.Underruns += b.Underruns
	a.MaxReportGap = max(a.MaxReportGap, b.MaxReportGap)
}

// mmClock estimates the server's multimedia time, in milliseconds: set
// from MAIN_INIT and MULTI_MEDIA_TIME, and by the playback channel to the
// time of the sound being heard (spice-gtk spice_session_set_mm_time);
// between settings it runs with the local clock.
type mmClock struct {
	mu   sync.Mutex
	base uint32
	at   time.Time
}

func (m *mmClock) set(t uint32) {
	m.mu.Lock()
	m.base, m.at = t, time.Now()
	m.mu.Unlock()
}

func (m *mmClock) now() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.at.IsZero() {
		return 0
	}
	return m.base + uint32(time.Since(m.at)/time.Millisecond)
}

// multiMediaTime handles MAIN_MULTI_MEDIA_TIME.
func (m *mainChannel) multiMediaTime(ctx context.Context, body []byte) error {
	var msg spice.MsgMainMultiMediaTime
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.c.sound.mm.set(msg.Time)
	return nil
}

// MMTime is the session's estimate of the server's multimedia time, in
// milliseconds: the time stamp of the sound being heard while a playback
// stream runs. A display channel that times video frames against sound
// shows a frame when this reaches the frame's time.
func (c *Client) MMTime() uint32 { return c.sound.mm.now() }

// PlaybackDelay is how long sound takes from its arrival to the speaker
// (the client's buffering and the device's latency) while a playback
// stream runs; ok is false otherwise. It is what spice-gtk reports as the
// audio delay of video stream reports (SPICE_MSGC_DISPLAY_STREAM_REPORT
// audio_delay), which lets the server time video against sound.
func (c *Client) PlaybackDelay() (d time.Duration, ok bool) {
	c.sound.mu.Lock()
	pc := c.sound.playback
	c.sound.mu.Unlock()
	if pc == nil {
		return 0, false
	}
	return pc.delay()
}

// AudioStats are the playback counters of a session, over every stream.
type AudioStats struct {
	// Frames from the server (after decoding), cut and repeated to
	// correct clock drift, discarded to catch up after a delay, and
	// dropped while the output was not playing.
	Pushed, Cut, Repeated, Discarded, Stale int64
	// Batches written to the output, and the times it ran dry.
	Batches, Underruns int
	// MaxReportGap is the longest the output's reports kept Go waiting.
	MaxReportGap time.Duration
	// Delay is the current playback delay (PlaybackDelay), 0 without a
	// stream.
	Delay time.Duration
	// RecordFrames counts frames sent to the record channel.
	RecordFrames int64
}

// AudioStats returns the session's sound counters.
func (c *Client) AudioStats() AudioStats {
	c.sound.mu.Lock()
	st := c.sound.ended
	pc, rc := c.sound.playback, c.sound.record
	c.sound.mu.Unlock()
	var out AudioStats
	if pc != nil {
		pc.mu.Lock()
		if pc.po != nil {
			st.add(pc.po.snapshot())
		}
		pc.mu.Unlock()
		out.Delay, _ = pc.delay()
	}
	out.Pushed, out.Cut, out.Repeated, out.Discarded, out.Stale = st.Pushed, st.Cut, st.Repeated, st.Discarded, st.Stale
	out.Batches, out.Underruns, out.MaxReportGap = st.Batches, st.Underruns, st.MaxReportGap
	if rc != nil {
		out.RecordFrames = rc.sentFrames()
	}
	return out
}
