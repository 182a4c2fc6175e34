package session

import (
	"context"
	"time"

	"spiceweb/wasm/spice"
)

// MMClock is the clock video frames are shown by: the server's multimedia
// time, in milliseconds, wrapping at 2^32 (spice-gtk's mm-time). The
// session keeps one from the main channel (MAIN_INIT and
// MULTI_MEDIA_TIME); a playback channel that plays audio gives a better
// one, the mm-time of the sample being heard, and installs it with
// Client.setAudioClock while it plays, so that pictures keep with the
// sound (spice-gtk: spice_session_get_mm_time follows the playback
// channel's).
type MMClock interface {
	// MMTime returns the multimedia time now; false while unknown.
	MMTime() (uint32, bool)
}

// mmClock is the session's own MMClock: the last mm-time the server sent,
// advanced by the monotonic time since.
type mmClock struct {
	base  uint32
	at    time.Time
	known bool
}

// setMMTime records the server's mm-time t as of now.
func (c *Client) setMMTime(t uint32) {
	c.mu.Lock()
	c.mm = mmClock{base: t, at: time.Now(), known: true}
	c.mu.Unlock()
}

// setAudioClock makes clk, while not nil, the clock frames are shown by;
// nil goes back to the session's mm-time. For the playback channel.
func (c *Client) setAudioClock(clk MMClock) {
	c.mu.Lock()
	c.audioClock = clk
	c.mu.Unlock()
}

// MMTime implements MMClock for the session: the audio clock while one
// is set and knows the time, else the main channel's mm-time.
func (c *Client) MMTime() (uint32, bool) {
	c.mu.Lock()
	audio, mm := c.audioClock, c.mm
	c.mu.Unlock()
	if audio != nil {
		if t, ok := audio.MMTime(); ok {
			return t, true
		}
	}
	if !mm.known {
		return 0, false
	}
	return mm.base + uint32(time.Since(mm.at).Milliseconds()), true
}

// mmDiff is a - b for mm-times, right across the 2^32 wrap as long as the
// two are within 24 days of each other (spice-gtk spice_mmtime_diff).
func mmDiff(a, b uint32) int32 { return int32(a - b) }

func (m *mainChannel) multiMediaTime(ctx context.Context, body []byte) error {
	var msg spice.MsgMainMultiMediaTime
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.c.setMMTime(msg.Time)
	return nil
}
