package session

import (
	"context"
	"time"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// mmClock is the clock video frames are shown by and recorded sound is
// stamped with: the server's multimedia time, in milliseconds, wrapping
// at 2^32 (spice-gtk's mm-time). The main channel sets it (MAIN_INIT and
// MULTI_MEDIA_TIME); a playback channel that plays audio sets it to the
// mm-time of the sample being heard (playback.go), so that pictures keep
// with the sound (spice-gtk: spice_session_set_mm_time from the playback
// channel). Between settings it advances with the monotonic clock.
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

// MMTime is the session's estimate of the server's multimedia
// time now, in milliseconds, as last set by the main channel or by the
// sound being heard; false before the server has sent one.
func (c *Client) MMTime() (uint32, bool) {
	c.mu.Lock()
	mm := c.mm
	c.mu.Unlock()
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
	before, known := m.c.MMTime()
	m.c.setMMTime(msg.Time)
	if d := mmDiff(msg.Time, before); known && (d > mmJumpLog || d < -mmJumpLog) {
		// The server changed the latency it keeps video at: frames
		// waiting for their time are now that much earlier or later.
		m.c.log("debug", "main: the server moved mm-time by "+errfmt.Int(d)+" ms")
	}
	return nil
}

// mmJumpLog is the change of mm-time worth a line in the log.
const mmJumpLog = 20
