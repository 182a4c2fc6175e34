package session

import "time"

// Decode-to-present latency of video pictures, for benchmarks and
// diagnostics: from the moment a picture could be shown (decoded, and its
// mm-time reached) until Present hands it to the canvas. Frames held back
// until their mm-time do not count that wait: it is the schedule, not a
// delay. The compositor's own step to the screen is not included (it is
// the same for any content).

// LatencyBuckets is the length of VideoStats.PresentLatency: one bucket
// per millisecond, the last for everything at or beyond it.
const LatencyBuckets = 200

// maxDrawnWaiting bounds the pictures drawn and not yet presented whose
// time is kept: with no presentation (a hidden page), older ones are
// forgotten rather than kept without end.
const maxDrawnWaiting = 256

// drawnPicture notes that a video picture ready at t went into
// surface surfaceID; only the primary's count. Called with d.mu held, for display channel 0 only.
func (d *display) drawnPicture(surfaceID uint32, t time.Time) {
	if d.ch.id.ID != 0 || d.primary == nil || surfaceID != d.primaryID {
		return
	}
	if len(d.drawnAt) >= maxDrawnWaiting {
		d.drawnAt = d.drawnAt[:copy(d.drawnAt, d.drawnAt[1:])]
	}
	d.drawnAt = append(d.drawnAt, t)
}

// presented counts the latency of the pictures drawn since the last
// presentation. Called with d.mu held, right after the show.
func (d *display) presented() {
	if len(d.drawnAt) == 0 {
		return
	}
	now := time.Now()
	d.statsMu.Lock()
	for _, t := range d.drawnAt {
		ms := int(now.Sub(t) / time.Millisecond)
		d.stats.PresentLatency[max(0, min(ms, LatencyBuckets-1))]++
	}
	d.stats.Presented += len(d.drawnAt)
	d.statsMu.Unlock()
	d.drawnAt = d.drawnAt[:0]
}

// notePending records how many frames a stream's decoder holds without a
// picture, for VideoStats.PendingPeak.
func (d *display) notePending(n int) {
	d.statsMu.Lock()
	d.stats.PendingPeak = max(d.stats.PendingPeak, n)
	d.statsMu.Unlock()
}

// TakeVideoPeak returns VideoStats.PendingPeak and GapPeak of display
// channel 0 and starts new peaks, so that a caller reading them
// periodically gets the peaks of each period.
func (c *Client) TakeVideoPeak() (pending, gap int) {
	c.mu.Lock()
	d := c.screen
	c.mu.Unlock()
	if d == nil {
		return 0, 0
	}
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	pending, gap = d.stats.PendingPeak, d.stats.GapPeak
	d.stats.PendingPeak, d.stats.GapPeak = 0, 0
	return pending, gap
}

// The arrival margin histogram (VideoStats.Margin): 20 ms steps from
// -1 s to +3 s, the ends open.
const (
	MarginBuckets = 200
	MarginStep    = 20 // ms
	MarginOffset  = 50 // buckets below zero
)

func marginBucket(ms int32) int {
	i := int(ms)
	if i < 0 {
		i -= MarginStep - 1 // floor, not toward zero
	}
	return max(0, min(i/MarginStep+MarginOffset, MarginBuckets-1))
}
