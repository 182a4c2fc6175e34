//go:build linux

package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spiceweb/wasm/spice"
)

// The signal the playback tests write into Xspice's FIFO, at 48 kHz:
// silence while the stream starts, a 1 kHz tone at -6 dBFS, a chirp from
// 300 Hz to 3 kHz, silence, then clicks (5 ms bursts of 2 kHz) every
// 500 ms for the delay measurement. The right channel is the left at
// -0.5, so that channels cannot be swapped unnoticed.
const (
	sigRate      = 48000
	sigLead      = 1500 * time.Millisecond
	sigToneHz    = 1000
	sigAmp       = 0.5
	sigRight     = -0.5
	sigChirpFrom = 300
	sigChirpTo   = 3000
	sigClicks    = 6
	sigClickGap  = 500 * time.Millisecond
	sigClickLen  = 5 * time.Millisecond
	sigClickHz   = 2000
)

type testSignal struct {
	pcm         []int16 // interleaved stereo
	toneAt      int     // frame where the tone starts
	chirpAt     int
	clickAt     []int
	frames      int
	toneFrames  int
	chirpFrames int
}

func frames(d time.Duration) int { return int(d * sigRate / time.Second) }

func makeSignal() testSignal {
	var s testSignal
	var mono []float64
	mono = append(mono, make([]float64, frames(sigLead))...)
	s.toneAt = len(mono)
	s.toneFrames = sigRate
	mono = append(mono, Tone(sigRate, s.toneFrames, sigToneHz, sigAmp)...)
	s.chirpAt = len(mono)
	s.chirpFrames = sigRate
	mono = append(mono, Chirp(sigRate, s.chirpFrames, sigChirpFrom, sigChirpTo, sigAmp)...)
	mono = append(mono, make([]float64, frames(500*time.Millisecond))...)
	for range sigClicks {
		s.clickAt = append(s.clickAt, len(mono))
		mono = append(mono, Tone(sigRate, frames(sigClickLen), sigClickHz, 0.8)...)
		mono = append(mono, make([]float64, frames(sigClickGap-sigClickLen))...)
	}
	mono = append(mono, make([]float64, frames(300*time.Millisecond))...)
	s.frames = len(mono)
	s.pcm = Stereo16(mono, sigRight)
	return s
}

// playbackCase is one way of playing the signal to the page.
type playbackCase struct {
	name     string
	opus     bool
	insecure bool // through http://console.test (no AudioWorklet, no WebCodecs)
	query    string
	autoplay bool // the browser lets sound play before a gesture
}

// TestAudioPlayback plays a known signal through Xspice into the page
// and checks what the page's audio graph actually plays: levels,
// frequencies, for RAW the samples themselves, the player kind, and the
// delay from the FIFO to the graph's output (logged).
func TestAudioPlayback(t *testing.T) {
	Require(t, append(append([]Tool{}, xspiceTools...), browserTools...)...)
	t.Parallel()
	// One case at a time: each is a server, a browser and real-time
	// sound, and they would only disturb one another's timing.
	for _, tc := range []playbackCase{
		// No autoplay flag: the page must show "click to enable sound"
		// and start on a click.
		{name: "raw-worklet", autoplay: false},
		{name: "opus-worklet", opus: true, autoplay: true},
		{name: "raw-insecure", insecure: true, autoplay: true},
	} {
		t.Run(tc.name, func(t *testing.T) { testPlayback(t, tc) })
	}
}

func testPlayback(t *testing.T, tc playbackCase) {
	fifoDir := t.TempDir()
	x := StartXspice(t, XspiceOptions{AudioFIFODir: fifoDir, AudioOpus: tc.opus, Width: 640, Height: 480})
	capDir := t.TempDir()
	s := StartServe(t, x.Port, "-record", capDir)
	var flags []string
	if tc.autoplay {
		flags = append(flags, "autoplay-policy=no-user-gesture-required")
	}
	host := "127.0.0.1"
	if tc.insecure {
		flags = append(flags, "host-resolver-rules=MAP console.test 127.0.0.1")
		host = "console.test"
	}
	b := StartBrowser(t, BrowserOptions{Flags: flags})
	b.InstallAudioTap(false)
	// The page's websockets go to its own host (serve/ checks the Origin).
	b.Navigate(fmt.Sprintf("http://%s:%d/spice_auto.html?port=%d%s", host, s.Port, s.Port, tc.query))
	waitState(t, b, "connected")
	if tc.insecure && Eval[bool](b, `isSecureContext`) {
		t.Fatal("console.test is a secure context; the insecure case needs it not to be")
	}

	// The playback channel: the page makes its audio context at once.
	b.WaitJS(`SpiceWeb.pageConsole.playback.state !== "off"`, 20*time.Second)
	if !tc.autoplay {
		// Before any gesture: a muted speaker saying why.
		b.WaitJS(`document.getElementById("sound").dataset.state === "blocked"`, 10*time.Second)
		label := Eval[string](b, `document.querySelector("#sound .label").textContent`)
		if label != "Click to enable sound" || Eval[string](b, `document.getElementById("sound").dataset.muted`) != "true" {
			t.Errorf("before a gesture the speaker says %q", label)
		}
		// A click anywhere on the page lets it play.
		if err := clickAt(b, 5, 5); err != nil {
			t.Fatal(err)
		}
		b.WaitJS(`document.getElementById("sound").dataset.state === "idle"`, 10*time.Second)
	}

	// The stream starts with sound in the FIFO.
	fifo := NewAudioFIFO(t, fifoDir, sigRate)
	sig := makeSignal()
	type result struct {
		written []time.Time
		err     error
	}
	wrote := make(chan result, 1)
	go func() {
		w, err := fifo.Play(t.Context(), sig.pcm)
		wrote <- result{w, err}
	}()
	b.WaitJS(`SpiceWeb.pageConsole.playback.state === "playing"`, 20*time.Second)
	// The context's clock, paired with the wall clock while it runs: the
	// page parks it once the stream ends, and its time then stands still.
	clocks := collectClocks(b)
	pd := Eval[map[string]any](b, `SpiceWeb.pageConsole.playback`)
	t.Logf("playback: %v", pd)
	wantCodec, wantPlayer := "raw", "worklet"
	if tc.opus {
		wantCodec = "opus"
	}
	if tc.insecure {
		wantPlayer = "scheduled"
	}
	if pd["codec"] != wantCodec || pd["player"] != wantPlayer || pd["rate"] != float64(sigRate) || pd["channels"] != 2.0 {
		t.Errorf("playback %v: want codec %s, player %s, 48 kHz stereo", pd, wantCodec, wantPlayer)
	}
	if got := Eval[string](b, `document.getElementById("sound").dataset.state`); got != "playing" {
		t.Errorf("speaker button state %q", got)
	}
	time.Sleep(time.Second)
	midDelay := Eval[float64](b, `SpiceWeb.pageConsole.stats().then((s) => s.audio.delayMs)`)

	r := <-wrote
	if r.err != nil {
		t.Fatal(r.err)
	}
	time.Sleep(500 * time.Millisecond) // the end plays out
	pairs := clocks()
	if len(pairs) == 0 {
		t.Fatal("the audio context never ran while the test read its clock")
	}
	clk := pairs[len(pairs)-1]
	heard, _ := b.TakeAudio(0)
	stats := Eval[map[string]any](b, `SpiceWeb.pageConsole.stats().then((s) => s && s.audio)`)
	t.Logf("tap: %s, %d Hz, %d frames; clock %+v; audio stats %v", Eval[string](b, `__audioTap.kind`), heard.Rate,
		len(heard.Channels[0]), clk, stats)
	t.Cleanup(func() {
		if dir := ArtifactDir(t); t.Failed() && dir != "" {
			path := filepath.Join(dir, "heard.wav")
			if err := heard.SaveWAV(path); err == nil {
				t.Logf("e2e: saved %s", path)
			}
		}
	})
	if heard.Rate != sigRate {
		t.Fatalf("the page's context runs at %d Hz, want the stream's %d", heard.Rate, sigRate)
	}
	checkHeard(t, tc, sig, heard)
	// The clicks: from the FIFO to the graph's output, and the client's
	// own part, from the proxy to the graph's output.
	played := heardTimes(heard, pairs, clickOnsets(heard.Channels[0]))
	if len(played) == 0 {
		t.Errorf("no click heard")
	}
	d := pairDelays(played, fifoClicks(sig, r.written))
	if heard.Quantum != 128 {
		t.Logf("delays not measured: the ScriptProcessor tap does not time samples exactly")
	} else if len(d) > 0 {
		t.Logf("FIFO to graph output, %d of %d clicks: median %v, worst %v (includes Xspice's reading ahead and spice-server)",
			len(d), len(sig.clickAt), median(d), slices.Max(d))
	}
	// Not a speed test, a sanity bound: clicks that come more than a
	// click apart (500 ms) after being written pair with nothing, and only
	// broken buffering (growth, stale sound) makes most of them do so.
	// Only the worklet tap knows when each sample rendered.
	if heard.Quantum == 128 && len(d) < len(played)/2 {
		t.Errorf("%d of %d clicks played within %v of being written", len(d), len(played), sigClickGap)
	}
	if !tc.opus && heard.Quantum == 128 {
		if d := pairDelays(played, proxyClicks(PlaybackCapture(t, capDir))); len(d) > 0 {
			t.Logf("added by the client (proxy to graph output), %d clicks: median %v, worst %v", len(d), median(d), slices.Max(d))
		}
	}
	t.Logf("the client's playback delay while playing (its estimate: queue, batch, device): %v ms", midDelay)
	if tc.name == "raw-worklet" {
		checkStall(t, b, fifo)
	}
}

// checkStall: while a stream plays, the page's audio context stops for
// two seconds (as a browser may stop a hidden tab's sound). When it runs
// again the client does not play the two seconds it missed: it drops
// them, and its delay is back to normal within a second.
func checkStall(t *testing.T, b *Browser, fifo *AudioFIFO) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := fifo.PlayFunc(t.Context(), 6*sigRate, 1, music)
		done <- err
	}()
	b.WaitJS(`SpiceWeb.pageConsole.playback.state === "playing"`, 20*time.Second)
	time.Sleep(time.Second)
	type counters struct {
		Stale     float64 `json:"stale"`
		Discarded float64 `json:"discarded"`
		DelayMs   float64 `json:"delayMs"`
	}
	const read = `SpiceWeb.pageConsole.stats().then((s) => s.audio)`
	before := Eval[counters](b, read)
	Eval[bool](b, `__audioTap.ctx.suspend().then(() => true)`)
	time.Sleep(2 * time.Second)
	Eval[bool](b, `__audioTap.ctx.resume().then(() => true)`)
	time.Sleep(time.Second)
	after := Eval[counters](b, read)
	dropped := after.Stale + after.Discarded - before.Stale - before.Discarded
	t.Logf("a 2 s stall: %.0f ms of sound dropped, delay %v ms before, %v ms a second after", dropped*1000/sigRate, before.DelayMs, after.DelayMs)
	if dropped < sigRate*6/5 {
		t.Errorf("only %.0f ms of sound dropped over a 2 s stall (want most of it): the rest would play late", dropped*1000/sigRate)
	}
	if after.DelayMs > 150 {
		t.Errorf("playback delay %v ms a second after the stall", after.DelayMs)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// clickAt clicks the page at (x, y): a user gesture.
func clickAt(b *Browser, x, y float64) error {
	ctx, cancel := context.WithTimeout(b.Context(), actionTimeout)
	defer cancel()
	return chromedp.Do(ctx, chromedp.MouseClickXY(x, y))
}

// checkHeard compares what the graph played with the signal; it returns
// where in heard the tone starts. On a loaded machine the output may run
// dry now and then (a gap of silence) and the playout may cut or repeat a
// few milliseconds: the checks look past those.
func checkHeard(t *testing.T, tc playbackCase, sig testSignal, heard TappedAudio) int {
	t.Helper()
	left, right := heard.Channels[0], heard.Channels[len(heard.Channels)-1]
	// The tone's start: the first sample above a quarter of its amplitude
	// (its first samples are 0, 0.033, 0.065, 0.098, 0.13...).
	start := -1
	for i := range left {
		if math.Abs(left[i]) > sigAmp/4 {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatal("the page played no sound")
	}
	toneAt := max(start-4, 0)
	// Where the output ran dry it played silence, which shifts what
	// follows: take the gaps out (runs of exact zeros; the signal has none
	// until after the chirp) so that the tone and chirp are where written.
	left, right, gaps := withoutGaps(left[toneAt:], right[toneAt:], 32, sig.toneFrames+sig.chirpFrames)
	if gaps > 0 {
		t.Logf("%d gaps (the output ran dry) in the tone and chirp", gaps)
	}
	retAt := toneAt
	toneAt = 0
	// The tone: the 20 ms windows of the first second whose peak is
	// 1 kHz (on a loaded machine some of it may be lost, and then the
	// chirp comes sooner). At least half of it must be there.
	win := sigRate / 50
	var toneL, toneR []float64
	for a := 0; a+win <= min(sig.toneFrames, len(left)); a += win {
		if RMS(left[a:a+win]) > sigAmp/4 && math.Abs(PeakFrequency(left[a:a+win], sigRate, 200, 3200, 10)-sigToneHz) <= 20 {
			toneL = append(toneL, left[a:a+win]...)
			toneR = append(toneR, right[a:a+win]...)
		}
	}
	if len(toneL) < sig.toneFrames/2 {
		t.Fatalf("only %d ms of the tone played", len(toneL)*1000/sigRate)
	}
	rms := windowedRMS(toneL, win)
	hz := PeakFrequency(toneL, sigRate, 900, 1100, 1)
	t.Logf("tone: %d ms at %.1f Hz, %.2f dBFS (written: 1000 ms at %d Hz, %.2f dBFS)", len(toneL)*1000/sigRate, hz, DBFS(rms),
		sigToneHz, DBFS(sigAmp/math.Sqrt2))
	tol := 0.1 // dB: RAW plays the same samples
	if tc.opus {
		tol = 1
	}
	if d := DBFS(rms) - DBFS(sigAmp/math.Sqrt2); math.Abs(d) > tol {
		t.Errorf("the tone plays %.2f dB off", d)
	}
	if math.Abs(hz-sigToneHz) > 2 {
		t.Errorf("the tone plays at %.1f Hz", hz)
	}
	if rr := windowedRMS(toneR, win) / rms; math.Abs(rr-math.Abs(sigRight)) > 0.05 {
		t.Errorf("right/left level %.3f, want %.3f", rr, math.Abs(sigRight))
	}
	if tc.opus {
		checkChirp(t, sig, left)
		return retAt
	}
	// RAW: the samples themselves, before any resampling (the context
	// runs at the stream's rate). Every written frame of the tone and
	// chirp must come out unchanged, in runs of 10 ms or more, but for
	// what gaps and splices cost.
	var got []int16
	for i := toneAt - 4800; i < toneAt+sig.toneFrames+sig.chirpFrames+4800 && i < len(left); i++ {
		if i >= 0 {
			got = append(got, int16(math.Round(left[i]*32768)), int16(math.Round(right[i]*32768)))
		}
	}
	want := sig.pcm[2*sig.toneAt : 2*(sig.toneAt+sig.toneFrames+sig.chirpFrames)]
	matched, longest, first, last := matchedFrames(got, want, 480)
	// Between the first and the last frame that matched, what played but
	// matches nothing was changed: a splice, a fade at a gap.
	changed := 0
	if last >= first {
		changed = last - first + 1 - matched
	}
	t.Logf("RAW: %d of %d written frames played unchanged (in runs of 10 ms or more; the longest %d), %d frames among them changed",
		matched, len(want)/2, longest, changed)
	// A loaded machine may lose some sound (a burst that came too late
	// to keep the delay bounded): most of it must play. What plays must
	// be exact but for splices and fades.
	if matched < len(want)/2*60/100 {
		t.Errorf("only %d of %d frames of the tone and chirp played as written", matched, len(want)/2)
	}
	if changed > (last-first+1)*3/100 {
		t.Errorf("%d of the %d frames played between the first and last exact ones were changed", changed, last-first+1)
	}
	return retAt
}

// checkChirp reads the chirp's frequency in 50 ms windows of left (gaps
// removed): it rises by (3000-300) Hz a second. The median of the rises
// between neighbouring windows ignores the odd splice or lost stretch,
// which a straight fit would not.
func checkChirp(t *testing.T, sig testSignal, left []float64) {
	t.Helper()
	toneAt := 0
	chirpAt := toneAt + (sig.chirpAt - sig.toneAt)
	win := sigRate / 20
	var rises []float64
	var lo, hi float64 = math.Inf(1), 0
	prev := -1.0
	for a := chirpAt + win; a+win <= chirpAt+sig.chirpFrames-win && a+win <= len(left); a += win {
		if RMS(left[a:a+win]) < sigAmp/4 {
			prev = -1 // a gap: no frequency to read
			continue
		}
		f := PeakFrequency(left[a:a+win], sigRate, 200, 3200, 2)
		lo, hi = min(lo, f), max(hi, f)
		if prev >= 0 {
			rises = append(rises, (f-prev)/(float64(win)/sigRate))
		}
		prev = f
	}
	if len(rises) < 10 {
		t.Fatalf("only %d pairs of chirp windows had sound", len(rises))
	}
	slices.Sort(rises)
	rise := rises[len(rises)/2]
	t.Logf("chirp: %.0f to %.0f Hz, rising %.0f Hz/s (written: %d to %d Hz over 1 s)", lo, hi, rise, sigChirpFrom, sigChirpTo)
	if math.Abs(rise-(sigChirpTo-sigChirpFrom))/(sigChirpTo-sigChirpFrom) > 0.05 || hi < lo+1000 {
		t.Errorf("the chirp does not sweep as written")
	}
}

// withoutGaps drops the runs of at least n frames where both channels are
// exactly zero, until it has kept limit frames, and says how many there
// were.
func withoutGaps(l, r []float64, n, limit int) (left, right []float64, gaps int) {
	for i := 0; i < len(l); {
		if len(left) >= limit {
			return append(left, l[i:]...), append(right, r[i:]...), gaps
		}
		j := i
		for j < len(l) && l[j] == 0 && r[j] == 0 {
			j++
		}
		if j-i >= n {
			gaps++
			i = j
			continue
		}
		if j == i {
			j++
		}
		left = append(left, l[i:j]...)
		right = append(right, r[i:j]...)
		i = j
	}
	return left, right, gaps
}

// windowedRMS is the median of the RMS of x's windows of n samples: a
// level that a few silent windows (gaps) do not pull down.
func windowedRMS(x []float64, n int) float64 {
	var r []float64
	for a := 0; a+n <= len(x); a += n {
		r = append(r, RMS(x[a:a+n]))
	}
	slices.Sort(r)
	return r[len(r)/2]
}

// matchedFrames counts the frames of want (interleaved stereo) that got
// contains unchanged, in order, in runs of at least minRun frames; it
// resynchronises after each break (a gap, a splice) on 64 frames that
// match exactly. longest is the longest run; first and last are the
// frames of got where the counted runs start and end (last < first if
// none).
func matchedFrames(got, want []int16, minRun int) (matched, longest, first, last int) {
	first, last = -1, -2
	ng, nw := len(got)/2, len(want)/2
	key := func(s []int16, i int) uint64 {
		return uint64(uint16(s[2*i]))<<48 | uint64(uint16(s[2*i+1]))<<32 | uint64(uint16(s[2*i+2]))<<16 | uint64(uint16(s[2*i+3]))
	}
	at := map[uint64][]int{}
	for j := 0; j+1 < nw; j++ {
		at[key(want, j)] = append(at[key(want, j)], j)
	}
	same := func(i, j, n int) bool {
		if i+n > ng || j+n > nw {
			return false
		}
		return slices.Equal(got[2*i:2*(i+n)], want[2*j:2*(j+n)])
	}
	w, run := -1, 0
	g := 0
	end := func() {
		if run >= minRun {
			matched += run
			if first < 0 {
				first = g - run
			}
			last = g - 1
		}
		longest = max(longest, run)
		run = 0
	}
	for ; g < ng; g++ {
		if w >= 0 && w < nw && got[2*g] == want[2*w] && got[2*g+1] == want[2*w+1] {
			w++
			run++
			continue
		}
		end()
		w = -1
		if g+1 >= ng || (got[2*g] == 0 && got[2*g+1] == 0) {
			continue
		}
		for _, j := range at[key(got, g)] {
			if same(g, j, 64) {
				w, run = j+1, 1
				break
			}
		}
	}
	end()
	return min(matched, nw), longest, first, last
}

// fitLine fits y = a*x + b by least squares; resid is the rms deviation.
func fitLine(x, y []float64) (a, b, resid float64) {
	n := float64(len(x))
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
		sxx += x[i] * x[i]
		sxy += x[i] * y[i]
	}
	a = (n*sxy - sx*sy) / (n*sxx - sx*sx)
	b = (sy - a*sx) / n
	var ss float64
	for i := range x {
		d := y[i] - (a*x[i] + b)
		ss += d * d
	}
	return a, b, math.Sqrt(ss / n)
}

// clickOnsets finds the clicks in x: after the last 50 ms of sustained
// sound (the chirp), each sample above 0.3 with none in the 150 ms before
// (a lossy codec's ringing around a click stays below that).
func clickOnsets(x []float64) []int {
	win := sigRate / 20
	end := 0
	for a := 0; a+win <= len(x); a += win / 2 {
		if RMS(x[a:a+win]) > 0.25 {
			end = a + win
		}
	}
	var out []int
	since := frames(time.Second)
	for i := end; i < len(x); i++ {
		since++
		if math.Abs(x[i]) > 0.3 {
			if since > frames(150*time.Millisecond) {
				out = append(out, i)
			}
			since = 0
		}
	}
	return out
}

// pairDelays pairs each heard click (wall time) with the latest source
// click at or before it and returns the delays; with delays under the
// clicks' spacing, the pairing is unambiguous.
func pairDelays(heard, source []time.Time) []time.Duration {
	var out []time.Duration
	for _, h := range heard {
		var best time.Time
		for _, s := range source {
			if !s.After(h) && s.After(best) {
				best = s
			}
		}
		if !best.IsZero() && h.Sub(best) < sigClickGap {
			out = append(out, h.Sub(best))
		}
	}
	return out
}

// heardTimes maps onsets (frames of heard) to wall times, each with the
// clock pairing nearest to it.
func heardTimes(heard TappedAudio, pairs []AudioClock, onsets []int) []time.Time {
	var out []time.Time
	for _, o := range onsets {
		t := heard.TimeOf(o)
		out = append(out, nearestClock(pairs, t).WallTime(t))
	}
	return out
}

// fifoClicks are when each click's period was written to the FIFO: its
// sound was there from then.
func fifoClicks(sig testSignal, written []time.Time) []time.Time {
	per := sigRate / 100
	var out []time.Time
	for _, at := range sig.clickAt {
		if at/per < len(written) {
			out = append(out, written[at/per])
		}
	}
	return out
}

// proxyClicks finds the clicks in the RAW DATA messages the proxy passed
// (the left channel above 0.3 of full scale after 50 ms of quiet, after
// the sustained sound of the tone and chirp) and returns when each
// message carrying one passed the proxy.
func proxyClicks(msgs []CapturedPlayback) []time.Time {
	var x []float64
	var at []time.Time // per frame, when its message passed
	for _, m := range msgs {
		if m.Type != spice.MsgTypePlaybackData || len(m.Body) < 4 {
			continue
		}
		pcm := m.Body[4:]
		for i := 0; i+3 < len(pcm); i += 4 {
			x = append(x, float64(int16(binary.LittleEndian.Uint16(pcm[i:])))/32768)
			at = append(at, m.At)
		}
	}
	var out []time.Time
	for _, o := range clickOnsets(x) {
		out = append(out, at[o])
	}
	return out
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
