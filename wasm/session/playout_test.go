package session

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// simOutput is an AudioOutput that behaves like the page's worklet
// (webui/src/audio/worklet.ts): a queue capped at playoutOutputCap, drained
// by a device clock in render quanta of 128 frames; it waits for Refill
// frames at the start and after running dry, and reports about every
// 40 ms.
type simOutput struct {
	rate     int
	channels int
	cap      int

	queue    []float32
	waiting  bool
	refill   int
	received int64
	played   int64
	dropped  int64
	under    int
	quanta   int
	every    int // quanta between reports: about 40 ms
	closed   bool
	writes   int
	played32 []float32 // what it played, when recording
	record   bool
}

func newSimOutput(rate, channels int) *simOutput {
	return &simOutput{rate: rate, channels: channels, waiting: true, every: max(rate/25/128, 1),
		cap: int(int64(playoutOutputCap) * int64(rate) / int64(time.Second))}
}

func (o *simOutput) Write(pcm []float32) {
	o.writes++
	o.received += int64(len(pcm) / o.channels)
	o.queue = append(o.queue, pcm...)
	if extra := len(o.queue)/o.channels - o.cap; extra > 0 {
		o.queue = o.queue[extra*o.channels:]
		o.dropped += int64(extra)
	}
}
func (o *simOutput) Refill(n int) { o.refill = n }
func (o *simOutput) Discard(n int) {
	n = min(n, len(o.queue)/o.channels)
	o.queue = o.queue[n*o.channels:]
	o.dropped += int64(n)
}
func (o *simOutput) Close() { o.closed = true }

// quantum renders 128 frames; it returns whether a report is due.
func (o *simOutput) quantum() bool {
	const q = 128
	have := len(o.queue) / o.channels
	if o.waiting && have >= max(o.refill, 1) {
		o.waiting = false
	}
	if !o.waiting {
		n := min(q, have)
		if o.record {
			o.played32 = append(o.played32, o.queue[:n*o.channels]...)
		}
		o.queue = o.queue[n*o.channels:]
		o.played += int64(n)
		if n < q {
			o.under++
			o.waiting = true
		}
	}
	o.quanta++
	return o.quanta%o.every == 0
}

func (o *simOutput) report() OutputReport {
	return OutputReport{Received: o.received, Played: o.played, Dropped: o.dropped,
		Queued: len(o.queue) / o.channels, Underruns: o.under}
}

// simConfig describes one simulated stream.
type simConfig struct {
	rate, channels int
	length         time.Duration
	drift          float64       // the device's clock relative to the server's: +0.005 plays 0.5% fast
	jitter         time.Duration // packets arrive up to this late (in order)
	stalls         []simStall    // the output stops being pulled
	signal         func(frame int64) float32
	seed           uint64
}

type simStall struct{ at, length time.Duration }

// simResult is what a simulation measured.
type simResult struct {
	stats     playoutStats
	out       *simOutput
	levels    []time.Duration // client buffering (queue, in flight, batch) every 100 ms
	maxLevel  time.Duration   // highest after the first 5 s
	underruns int
}

// simulate runs a playout against a simOutput on a fake clock: the server
// sends 10 ms packets on its clock, they arrive with jitter, the device
// drains the output on its own clock.
func simulate(t testing.TB, c simConfig) simResult {
	t.Helper()
	rng := rand.New(rand.NewPCG(c.seed, 7))
	var clock time.Time
	now := func() time.Time { return clock }
	out := newSimOutput(c.rate, c.channels)
	p := newPlayout(out, c.rate, c.channels, now)
	packetFrames := c.rate / 100
	quantumDur := time.Duration(float64(time.Second) * 128 / (float64(c.rate) * (1 + c.drift)))

	var res simResult
	var nextQuantum, nextTick, nextSample, sentAt, lastArrival time.Duration
	var frame int64
	type arrival struct {
		at  time.Duration
		pcm []float32
	}
	var pending []arrival
	stalled := func(el time.Duration) bool {
		for _, s := range c.stalls {
			if el >= s.at && el < s.at+s.length {
				return true
			}
		}
		return false
	}
	// Event by event: whichever of the next packet sent, packet arrived,
	// render quantum, tick and sample comes first.
	for {
		el := min(sentAt, nextQuantum, nextTick, nextSample)
		if len(pending) > 0 {
			el = min(el, pending[0].at)
		}
		if el >= c.length {
			break
		}
		clock = time.Unix(0, 0).Add(el)
		switch {
		case sentAt == el:
			pcm := make([]float32, packetFrames*c.channels)
			for i := range packetFrames {
				v := c.signal(frame)
				frame++
				for ch := range c.channels {
					pcm[i*c.channels+ch] = v
				}
			}
			at := sentAt
			if c.jitter > 0 {
				at += time.Duration(rng.Int64N(int64(c.jitter)))
			}
			at = max(at, lastArrival) // a websocket keeps order
			lastArrival = at
			pending = append(pending, arrival{at, pcm})
			sentAt += 10 * time.Millisecond
		case len(pending) > 0 && pending[0].at == el:
			p.push(pending[0].pcm)
			pending = pending[1:]
		case nextQuantum == el:
			nextQuantum += quantumDur
			if !stalled(el) && out.quantum() {
				p.report(out.report())
			}
		case nextTick == el:
			nextTick += 5 * time.Millisecond
			p.tick()
		default:
			nextSample += 100 * time.Millisecond
			p.mu.Lock()
			lvl := p.duration(len(out.queue)/c.channels + int(p.sent-out.received) + len(p.batch)/c.channels)
			p.mu.Unlock()
			res.levels = append(res.levels, lvl)
			if el > 5*time.Second && lvl > res.maxLevel {
				res.maxLevel = lvl
			}
		}
	}
	res.stats = p.snapshot()
	res.out = out
	res.underruns = out.under
	return res
}

func tone(rate int, hz float64) func(int64) float32 {
	return func(i int64) float32 { return float32(0.5 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate))) }
}

// speech is a tone switched on and off every 300 ms: quiet moments to
// hide splices in.
func speech(rate int) func(int64) float32 {
	tn := tone(rate, 440)
	return func(i int64) float32 {
		if (i*1000/int64(rate))/300%2 == 1 {
			return 0
		}
		return tn(i)
	}
}

func mean(d []time.Duration) time.Duration {
	var s time.Duration
	for _, v := range d {
		s += v
	}
	return s / time.Duration(max(len(d), 1))
}

// TestPlayoutDrift: over ten simulated minutes with the device's clock off
// by ±0.5% (four for the other cases), the buffering neither grows nor
// drains, stays under PlayoutMaxBuffer, and the output never runs dry.
func TestPlayoutDrift(t *testing.T) {
	for _, tc := range []struct {
		name    string
		drift   float64
		signal  func(int) func(int64) float32
		minutes int
	}{
		{"device fast, speech", 0.005, speech, 10},
		{"device slow, speech", -0.005, speech, 10},
		{"device fast, continuous tone", 0.002, func(r int) func(int64) float32 { return tone(r, 1000) }, 4},
		{"device slow, continuous tone", -0.002, func(r int) func(int64) float32 { return tone(r, 1000) }, 4},
		{"same clocks", 0, speech, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const rate = 48000
			length := time.Duration(tc.minutes) * time.Minute
			r := simulate(t, simConfig{rate: rate, channels: 2, length: length, drift: tc.drift,
				jitter: 5 * time.Millisecond, signal: tc.signal(rate), seed: 1})
			// The margin settles in the first two minutes (it decays while
			// nothing runs dry); from then on the level must hold.
			third, last := mean(r.levels[1200:1800]), mean(r.levels[len(r.levels)-600:])
			t.Logf("buffering: minute 3 %v, minute %d %v, max %v; cut %d repeated %d discarded %d frames, underruns %d, batches %d",
				third, tc.minutes, last, r.maxLevel, r.stats.Cut, r.stats.Repeated, r.stats.Discarded, r.underruns, r.stats.Batches)
			if d := last - third; d > 5*time.Millisecond || d < -5*time.Millisecond {
				t.Errorf("buffering moved from %v to %v between minutes 3 and %d", third, last, tc.minutes)
			}
			if r.maxLevel > PlayoutMaxBuffer {
				t.Errorf("buffering reached %v, more than %v", r.maxLevel, PlayoutMaxBuffer)
			}
			if r.underruns != 0 {
				t.Errorf("%d underruns", r.underruns)
			}
			if r.out.dropped != 0 {
				t.Errorf("the output dropped %d frames at its cap", r.out.dropped)
			}
			// The drift is made up by cuts or repeats, about rate*drift
			// frames a second.
			want := int64(math.Abs(tc.drift) * rate * length.Seconds())
			got := r.stats.Cut + r.stats.Repeated
			// A fast device drains the queue: frames are repeated; a slow
			// one lets it fill: frames are cut.
			if tc.drift > 0 && r.stats.Cut > want/20 || tc.drift < 0 && r.stats.Repeated > want/20 {
				t.Errorf("cut %d and repeated %d frames: the wrong way for drift %v", r.stats.Cut, r.stats.Repeated, tc.drift)
			}
			if got < want*9/10 || got > want*11/10+int64(rate/10) {
				t.Errorf("corrected %d frames, want about %d", got, want)
			}
			// Batches of about 20 ms: about 50 writes a second.
			if per := float64(r.stats.Batches) / length.Seconds(); per < 40 || per > 70 {
				t.Errorf("%.1f writes a second, want about 50", per)
			}
		})
	}
}

// TestPlayoutJitter: packets that arrive in bursts make the playout raise
// its margin until the output stops running dry, and the buffering still
// stays under PlayoutMaxBuffer.
func TestPlayoutJitter(t *testing.T) {
	r := simulate(t, simConfig{rate: 48000, channels: 2, length: 2 * time.Minute, jitter: 45 * time.Millisecond,
		signal: speech(48000), seed: 3})
	t.Logf("underruns %d, max buffering %v, mean %v, margin-driven cuts %d repeats %d discards %d",
		r.underruns, r.maxLevel, mean(r.levels[50:]), r.stats.Cut, r.stats.Repeated, r.stats.Discarded)
	if r.maxLevel > PlayoutMaxBuffer {
		t.Errorf("buffering reached %v", r.maxLevel)
	}
	// Underruns at first are how the margin learns; a handful at most.
	if r.underruns > 6 {
		t.Errorf("%d underruns in two minutes of 45 ms jitter", r.underruns)
	}
}

// TestPlayoutStall: an output that stops playing for two seconds (autoplay
// not allowed yet, a hidden tab) hears only the newest sound when it
// resumes, and the buffering is back under the limit within a second.
func TestPlayoutStall(t *testing.T) {
	r := simulate(t, simConfig{rate: 44100, channels: 2, length: 20 * time.Second,
		stalls: []simStall{{at: 8 * time.Second, length: 2 * time.Second}}, signal: speech(44100), seed: 5})
	t.Logf("stale %d discarded %d frames, underruns %d, max %v", r.stats.Stale, r.stats.Discarded, r.underruns, r.maxLevel)
	after := r.levels[111:] // from 11.1 s
	if m := slices.Max(after); m > PlayoutMaxBuffer {
		t.Errorf("buffering %v after the stall", m)
	}
	if r.stats.Stale < 44100 {
		t.Errorf("only %d frames dropped as stale over a 2 s stall", r.stats.Stale)
	}
}

// TestPlayoutStartHold: before the output's first report nothing is
// written, and only the newest margin of sound is kept for it.
func TestPlayoutStartHold(t *testing.T) {
	var clock time.Time
	out := newSimOutput(48000, 1)
	p := newPlayout(out, 48000, 1, func() time.Time { return clock })
	for i := range 50 {
		pcm := make([]float32, 480)
		for j := range pcm {
			pcm[j] = float32(i*480+j) / 1e6
		}
		p.push(pcm)
		clock = clock.Add(10 * time.Millisecond)
	}
	if out.writes != 0 {
		t.Fatalf("%d writes before the output reported", out.writes)
	}
	p.report(out.report())
	if out.writes != 1 || out.received != int64(p.margin) {
		t.Fatalf("first report: %d writes, %d frames; want 1 write of the %d-frame margin", out.writes, out.received, p.margin)
	}
	// The newest frames, in order.
	last := float32(50*480-1) / 1e6
	if got := out.queue[len(out.queue)-1]; got != last {
		t.Errorf("last frame written %v, want %v", got, last)
	}
	if s := p.snapshot().Stale; s != int64(50*480-p.margin) {
		t.Errorf("stale %d", s)
	}
}

// TestPlayoutExact: without drift, the output plays the server's samples
// unchanged.
func TestPlayoutExact(t *testing.T) {
	var clock time.Time
	out := newSimOutput(8000, 1)
	out.record = true
	p := newPlayout(out, 8000, 1, func() time.Time { return clock })
	var want []float32
	n := 0
	for step := range 4000 { // 4 s in 1 ms steps
		clock = clock.Add(time.Millisecond)
		if step%10 == 0 {
			pcm := make([]float32, 80)
			for i := range pcm {
				pcm[i] = float32(n%200-100) / 128
				n++
			}
			want = append(want, pcm...)
			p.push(pcm)
		}
		if step%16 == 0 { // 128 frames at 8 kHz: reports every 16 ms
			if out.quantum() {
				p.report(out.report())
			}
		}
		if step%5 == 0 {
			p.tick()
		}
	}
	st := p.snapshot()
	if st.Cut+st.Repeated+st.Discarded != 0 {
		t.Fatalf("edits without drift: %+v", st)
	}
	got := out.played32
	// The output starts with the first frames the playout kept: those
	// before the first report were dropped as stale.
	want = want[st.Stale:]
	if len(got) < 8000*3 {
		t.Fatalf("played %d frames", len(got))
	}
	if !slices.Equal(got, want[:len(got)]) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("frame %d: played %v, sent %v", i, got[i], want[i])
			}
		}
	}
}

// countingOutput records what a playout asks of its output.
type countingOutput struct {
	written   int64
	discarded int64
	refill    int
	closed    bool
}

func (o *countingOutput) Write(pcm []float32) { o.written += int64(len(pcm)) }
func (o *countingOutput) Refill(n int)        { o.refill = n }
func (o *countingOutput) Discard(n int)       { o.discarded += int64(n) }
func (o *countingOutput) Close()              { o.closed = true }

// FuzzPlayout drives a playout with arbitrary packets, reports (however
// inconsistent: the page's numbers are not trusted) and clock steps. It
// must not panic, must keep what it holds bounded, and must never write
// more than it was given plus what it repeated.
func FuzzPlayout(f *testing.F) {
	f.Add([]byte{0, 10, 1, 2, 3, 0, 20, 1, 5, 5, 5, 2, 30, 0, 200, 4})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 255, 0, 255, 1, 3, 1, 0, 40, 3, 100, 2, 100})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var clock time.Time
		out := &countingOutput{}
		const rate, channels = 8000, 2
		p := newPlayout(out, rate, channels, func() time.Time { return clock })
		var rep OutputReport
		next := func(i *int) byte {
			if *i >= len(ops) {
				return 0
			}
			b := ops[*i]
			*i++
			return b
		}
		for i := 0; i < len(ops); {
			switch next(&i) % 5 {
			case 0: // a packet of up to 255*8 frames of a ramp
				n := int(next(&i)) * 8
				pcm := make([]float32, n*channels+int(next(&i)%2)) // sometimes a stray sample
				for j := range pcm {
					pcm[j] = float32(j%64-32) / 64
				}
				p.push(pcm)
			case 1: // a report
				rep.Received += int64(next(&i)) * 16
				rep.Played += int64(next(&i)) * 16
				rep.Queued = int(next(&i))*16 - 512
				rep.Underruns += int(next(&i) % 2)
				p.report(rep)
			case 2:
				clock = clock.Add(time.Duration(next(&i)) * time.Millisecond)
			case 3:
				p.tick()
			case 4:
				if d := p.delay(); d < 0 {
					t.Fatalf("delay %v", d)
				}
			}
			p.mu.Lock()
			margin := p.margin
			hold, batch := len(p.hold)/channels, len(p.batch)/channels
			p.mu.Unlock()
			if hold > margin+255*8 {
				t.Fatalf("holding %d frames, margin %d", hold, margin)
			}
			if batch > p.frames(playoutBatch)+2*255*8 {
				t.Fatalf("batch of %d frames", batch)
			}
			if margin < p.frames(playoutMinMargin) || margin > p.frames(playoutMaxMargin) {
				t.Fatalf("margin %d frames", margin)
			}
		}
		st := p.snapshot()
		if w := out.written / channels; w > st.Pushed+st.Repeated {
			t.Fatalf("wrote %d frames, given %d and repeated %d", w, st.Pushed, st.Repeated)
		}
		p.close()
		if !out.closed {
			t.Fatal("close did not close the output")
		}
	})
}

// BenchmarkPlayoutPacket is the client's own work per 10 ms RAW packet of
// 48 kHz stereo: conversion to float, the playout (with a drift
// correction pending, so that it looks for quiet places), a write every
// other packet and a report every fourth.
func BenchmarkPlayoutPacket(b *testing.B) {
	var clock time.Time
	out := newSimOutput(48000, 2)
	p := newPlayout(out, 48000, 2, func() time.Time { return clock })
	p.report(out.report())
	raw := make([]byte, 480*4)
	for i := range 480 {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/48000))
		binary.LittleEndian.PutUint16(raw[4*i:], uint16(v))
		binary.LittleEndian.PutUint16(raw[4*i+2:], uint16(v))
	}
	var pcm []float32
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		clock = clock.Add(10 * time.Millisecond)
		p.mu.Lock()
		p.edit, p.editSince = 48, clock
		p.mu.Unlock()
		pcm = pcmS16ToFloat(pcm[:0], raw)
		p.push(pcm)
		out.queue = out.queue[:0] // the device keeps up
		out.played = out.received
		if i%4 == 0 {
			p.report(out.report())
		}
	}
}
