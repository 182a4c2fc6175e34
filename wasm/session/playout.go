package session

import (
	"sync"
	"time"
)

// The playout keeps a playback stream between the server's packets and
// the output (in the browser an AudioWorklet on the page, fed through a
// MessagePort). Its job is a short, steady delay:
//
//   - Batching: packets (10 ms each from spice-server) go out in batches
//     of playoutBatch, so the page gets about 50 messages a second; a
//     packet never waits more than playoutMaxWait for its batch.
//   - Margin: the output's queue should never run dry, so the playout
//     aims for its lowest level over each playoutWindow to be margin:
//     playoutStartMargin to begin with, raised after each underrun,
//     lowered again after a quiet spell. The output waits for margin
//     plus a batch before it plays, at the start and after running dry,
//     so that its level then bottoms out at the margin.
//   - Measuring: the level is sampled at each output report (about every
//     40 ms) and just before each batch lands (its low point); the median of the lowest levels of the last
//     playoutWindows windows is robust to the odd late packet.
//   - Drift: the server's clock and the audio device's differ by up to a
//     few parts per thousand. Over minutes that would fill or drain the
//     queue; instead the playout cuts or repeats a few frames when the
//     level strays, at the quietest moment it finds (crossfaded, so not
//     at a click), or anywhere after playoutForceEdit of waiting.
//   - Catching up: more than playoutCatchUp above the margin (a burst
//     after a network stall, a tab that stopped playing for a while) is
//     discarded at once, oldest first; and while the output does not
//     report (it is not playing: autoplay not yet allowed, a hidden tab)
//     only the newest margin of sound is kept.
//
// Everything is in frames of the stream; times come from now (tests
// substitute a clock).
type playout struct {
	out      AudioOutput
	rate     int
	channels int
	now      func() time.Time
	// afterFunc, when set, is time.AfterFunc: the playout then ticks
	// itself when a batch waits and no packet comes to flush it. Tests
	// tick by hand.
	afterFunc func(d time.Duration, f func()) *time.Timer

	mu     sync.Mutex
	timer  *time.Timer // ticks when a batch has waited playoutTickAfter
	closed bool

	// Sound not yet written: hold while the output is not playing, batch
	// once it is.
	batch   []float32
	batchAt time.Time // when the oldest frame in batch arrived
	hold    []float32

	sent int64 // frames written to out

	// The output's last report and when it came.
	rep      OutputReport
	repAt    time.Time
	reported bool

	// Control.
	margin       int // frames the output's queue should keep at its lowest
	winStart     time.Time
	winMin       int   // lowest level seen in the window, -1 before any
	lows         []int // the last windows' lowest levels, newest last, less what was cut since
	lastUnderrun time.Time
	edit         int       // frames to cut (> 0) or repeat (< 0)
	editSince    time.Time // when edit became non-zero
	lastForced   time.Time // the last splice made outside a quiet moment

	stats playoutStats
}

// playoutStats are counters for diagnostics and tests.
type playoutStats struct {
	Pushed    int64 // frames from the server (after decoding)
	Cut       int64 // frames cut to correct drift
	Repeated  int64 // frames repeated to correct drift
	Discarded int64 // frames dropped to catch up, here or at the output
	Stale     int64 // frames dropped while the output was not playing
	Batches   int   // Writes
	Underruns int
	// MaxReportGap is the longest wait between two output reports while
	// playing: how late the page's reports can come (a busy thread).
	MaxReportGap time.Duration
}

// Playout tuning. Durations are converted to frames at the stream's rate.
const (
	playoutBatch       = 20 * time.Millisecond
	playoutMaxWait     = 10 * time.Millisecond
	playoutTickAfter   = 20 * time.Millisecond // a batch no packet has flushed
	playoutStartMargin = 40 * time.Millisecond
	playoutMinMargin   = 20 * time.Millisecond
	playoutMaxMargin   = 70 * time.Millisecond
	playoutMarginStep  = 10 * time.Millisecond
	playoutMarginDecay = 20 * time.Second // without underruns before margin steps down
	playoutWindow      = 500 * time.Millisecond
	playoutWindows     = 5 // the median of this many windows' lows decides drift corrections
	playoutTolerance   = 5 * time.Millisecond
	playoutCatchUp     = 30 * time.Millisecond
	playoutMaxEdit     = 2 * time.Millisecond // per splice
	playoutForceEdit   = 2 * time.Second
	playoutForceGap    = 100 * time.Millisecond // between splices outside quiet moments
	playoutFade        = 1500 * time.Microsecond
	// playoutStall: an output silent this long is taken as not playing
	// (its context is suspended: autoplay not allowed yet). Its reports
	// come every ~40 ms while it plays, but on the page's thread (the
	// fallback player, or Go itself on the page) they can be late by
	// as long as that thread is busy, while the output still plays.
	playoutStall = 500 * time.Millisecond
	// playoutQuiet is the mean absolute sample value (-60 dBFS) under
	// which a splice is inaudible.
	playoutQuiet = 1.0 / 1024
)

// PlayoutMaxBuffer is the most sound the client buffers: the output's
// queue is capped at playoutOutputCap and a batch waits about
// playoutMaxWait (the packet after it flushes it).
const (
	playoutOutputCap = 90 * time.Millisecond
	PlayoutMaxBuffer = playoutOutputCap + playoutMaxWait
)

func newPlayout(out AudioOutput, rate, channels int, now func() time.Time) *playout {
	p := &playout{out: out, rate: rate, channels: channels, now: now, winMin: -1}
	p.margin = p.frames(playoutStartMargin)
	p.winStart = now()
	p.lastUnderrun = p.winStart // the margin decays from the start too
	p.setMargin(p.margin)
	return p
}

// setMargin sets the margin and the output's refill level to match.
func (p *playout) setMargin(m int) {
	p.margin = m
	p.out.Refill(m + p.frames(playoutBatch))
}

func (p *playout) frames(d time.Duration) int {
	return int(int64(d) * int64(p.rate) / int64(time.Second))
}

func (p *playout) duration(frames int) time.Duration {
	return time.Duration(int64(frames) * int64(time.Second) / int64(p.rate))
}

// playing reports whether the output has reported recently.
func (p *playout) playing(now time.Time) bool {
	return p.reported && now.Sub(p.repAt) < playoutStall
}

// level estimates the frames the output holds or has on the way: its
// queue at the last report, plus what was written since it counted,
// minus what it has played since (it plays in real time).
func (p *playout) level(now time.Time) int {
	if !p.reported {
		return int(p.sent)
	}
	lvl := int64(p.rep.Queued) + p.sent - p.rep.Received - int64(p.frames(now.Sub(p.repAt)))
	return int(max(lvl, 0))
}

// push takes decoded frames from the server.
func (p *playout) push(pcm []float32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(pcm) < p.channels {
		return
	}
	pcm = pcm[:len(pcm)/p.channels*p.channels]
	now := p.now()
	p.stats.Pushed += int64(len(pcm) / p.channels)
	if !p.playing(now) {
		// Nobody is listening yet: keep only the newest margin, which
		// goes out as soon as the output reports.
		p.hold = append(append(p.hold, p.batch...), pcm...)
		p.batch = p.batch[:0]
		if extra := len(p.hold) - p.margin*p.channels; extra > 0 {
			extra = extra / p.channels * p.channels
			p.stats.Stale += int64(extra / p.channels)
			p.hold = append(p.hold[:0], p.hold[extra:]...)
		}
		return
	}
	if len(p.batch) == 0 {
		p.batchAt = now
	}
	p.batch = append(p.batch, pcm...)
	p.correct(now)
	p.maybeFlush(now)
	p.armTick()
}

// armTick makes a batch left waiting go out playoutTickAfter from now if
// no packet comes to flush it first. In steady state the next packet
// always does, and the timer, pushed back each time, never fires: a
// fired timer wakes the client's thread for nothing. Called with mu held.
func (p *playout) armTick() {
	if p.afterFunc == nil {
		return
	}
	if len(p.batch) == 0 {
		if p.timer != nil {
			p.timer.Stop()
		}
		return
	}
	if p.timer == nil {
		p.timer = p.afterFunc(playoutTickAfter, p.tick)
	} else {
		p.timer.Reset(playoutTickAfter)
	}
}

// maybeFlush writes the batch when it is big enough, has waited long
// enough, or the output is about to run dry. Called with mu held.
func (p *playout) maybeFlush(now time.Time) {
	n := len(p.batch) / p.channels
	if n == 0 {
		return
	}
	if n >= p.frames(playoutBatch) || now.Sub(p.batchAt) >= playoutMaxWait || p.level(now) < p.margin/2 {
		p.flush()
	}
}

func (p *playout) flush() {
	n := len(p.batch) / p.channels
	if n == 0 {
		return
	}
	// Just before a batch lands, the output's level is at its lowest:
	// the best moment to sample it, better than the reports, which come
	// every 40 ms whatever the level does.
	if p.reported {
		p.sample(p.level(p.now()))
	}
	p.out.Write(p.batch)
	p.sent += int64(n)
	p.stats.Batches++
	p.batch = p.batch[:0]
}

// tick writes a batch that has waited long enough and notices an output
// that stopped reporting; it runs when a batch has waited
// playoutTickAfter with no packet after it (armTick).
func (p *playout) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	now := p.now()
	if !p.playing(now) {
		if len(p.batch) > 0 {
			// Stalled mid-batch: what was batched waits with the rest.
			p.hold = append(p.hold, p.batch...)
			p.batch = p.batch[:0]
		}
		return
	}
	p.maybeFlush(now)
	p.armTick()
}

// report takes an output report.
func (p *playout) report(r OutputReport) {
	r.Queued = max(r.Queued, 0)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	now := p.now()
	if p.reported {
		p.stats.MaxReportGap = max(p.stats.MaxReportGap, now.Sub(p.repAt))
	}
	resumed := !p.playing(now)
	underran := p.reported && r.Underruns > p.rep.Underruns
	p.rep, p.repAt, p.reported = r, now, true
	if resumed {
		p.resume(now)
		return
	}
	if underran {
		p.stats.Underruns++
		p.lastUnderrun = now
		p.setMargin(min(p.margin+p.frames(playoutMarginStep), p.frames(playoutMaxMargin)))
		// The level just hit zero because of the gap, not of drift.
		p.winStart, p.winMin, p.lows = now, -1, p.lows[:0]
		p.edit = 0
		return
	}
	p.sample(p.level(now))
	if now.Sub(p.winStart) >= playoutWindow {
		p.endWindow(now)
	}
}

// sample takes a reading of the output's level into the window's lowest.
func (p *playout) sample(lvl int) {
	if p.winMin < 0 || lvl < p.winMin {
		p.winMin = lvl
	}
}

// resume starts writing to an output that reports (again): what was held
// goes out, after what the output still has from before it stopped
// beyond the margin is discarded, oldest first. Called with mu held.
func (p *playout) resume(now time.Time) {
	merged := make([]float32, 0, len(p.hold)+len(p.batch))
	merged = append(append(merged, p.hold...), p.batch...)
	p.batch, p.hold = merged, p.hold[:0]
	queued := int(max(int64(p.rep.Queued)+p.sent-p.rep.Received, 0))
	if excess := queued + len(p.batch)/p.channels - p.margin; excess > p.frames(playoutTolerance) {
		atOutput := min(excess, int(p.rep.Queued))
		if atOutput > 0 {
			p.out.Discard(atOutput)
		}
		inBatch := min(excess-atOutput, len(p.batch)/p.channels)
		if inBatch > 0 {
			p.batch = cutFrames(p.batch, p.channels, 0, inBatch, 0)
		}
		p.stats.Discarded += int64(atOutput + inBatch)
	}
	p.batchAt = now
	p.winStart, p.winMin, p.lows = now, -1, p.lows[:0]
	p.edit = 0
	p.flush()
}

// endWindow decides the correction for the window just ended. Called with
// mu held.
func (p *playout) endWindow(now time.Time) {
	low := p.winMin
	p.winStart, p.winMin = now, -1
	if low < 0 {
		return
	}
	if now.Sub(p.lastUnderrun) >= playoutMarginDecay {
		if m := max(p.margin-p.frames(playoutMarginStep)/2, p.frames(playoutMinMargin)); m != p.margin {
			p.setMargin(m)
		}
		p.lastUnderrun = now // one step per decay period
	}
	if excess := low - p.margin; excess > p.frames(playoutCatchUp) {
		// Far too much for a whole window: discard the oldest at once,
		// at the output first.
		drop := excess - p.frames(playoutTolerance)/2
		inBatch := min(drop, len(p.batch)/p.channels)
		if inBatch > 0 {
			p.batch = cutFrames(p.batch, p.channels, 0, inBatch, 0)
		}
		if rest := drop - inBatch; rest > 0 {
			p.out.Discard(rest)
		}
		p.stats.Discarded += int64(drop)
		p.edit, p.lows = 0, p.lows[:0]
		return
	}
	if len(p.lows) == playoutWindows {
		p.lows = append(p.lows[:0], p.lows[1:]...)
	}
	p.lows = append(p.lows, low)
	if len(p.lows) < 3 {
		return
	}
	sorted := append([]int(nil), p.lows...)
	for i := 1; i < len(sorted); i++ { // insertion sort: at most playoutWindows
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	excess := sorted[len(sorted)/2] - p.margin
	tol := p.frames(playoutTolerance)
	switch {
	case excess > tol || excess < -tol:
		if p.edit == 0 {
			p.editSince = now
		}
		p.edit = excess
	default:
		p.edit = 0
	}
}

// correct makes the pending drift correction in the batch when it finds a
// quiet place, or anywhere (at most every playoutForceGap) once it has
// waited playoutForceEdit. Called with mu held.
func (p *playout) correct(now time.Time) {
	if p.edit == 0 {
		return
	}
	n := len(p.batch) / p.channels
	fade := max(p.frames(playoutFade), 1)
	k := min(abs(p.edit), p.frames(playoutMaxEdit))
	win := k + fade
	if n < 2*win {
		return
	}
	at, level := quietest(p.batch, p.channels, 0, n-k-fade, win)
	if level > playoutQuiet {
		if now.Sub(p.editSince) < playoutForceEdit || now.Sub(p.lastForced) < playoutForceGap {
			return
		}
		p.lastForced = now
	}
	if p.edit > 0 {
		p.batch = cutFrames(p.batch, p.channels, at, k, fade)
		p.edit -= k
		p.stats.Cut += int64(k)
		k = -k
	} else {
		p.batch = repeatFrames(p.batch, p.channels, at, k, fade)
		p.edit += k
		p.stats.Repeated += int64(k)
	}
	// The levels measured before the splice are k frames off now.
	for i := range p.lows {
		p.lows[i] += k
	}
}

// delay is the client's playback delay now: sound the output holds or has
// on the way, the batch, and the device's own latency. The session's
// multimedia clock runs this far behind the newest packet
// (spice-gtk spice_playback_channel_set_delay).
func (p *playout) delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	d := p.duration(p.level(now) + len(p.batch)/p.channels + len(p.hold)/p.channels)
	return d + p.rep.Latency
}

// close writes what is batched (the end of a stream plays out) and
// closes the output.
func (p *playout) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if p.playing(p.now()) {
		p.flush()
	}
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
	}
	p.out.Close()
}

func (p *playout) snapshot() playoutStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
