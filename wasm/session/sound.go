package session

import (
	"sync"
	"time"
)

// sound is the session's sound state: the sound channels and the
// counters of streams that have ended. The multimedia clock they share
// with video is the Client's (mmclock.go).
type sound struct {
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
