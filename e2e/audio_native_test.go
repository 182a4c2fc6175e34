//go:build linux

package e2e

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"spiceweb/spicecap"
	"spiceweb/wasm/session"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// nativeAudio is a session.AudioDevice that plays in real time on the
// test's clock, like the page's worklet: a queue drained at the stream's
// rate, waiting for its refill level at the start and after running dry,
// reporting every 20 ms. It keeps what it played, with when.
type nativeAudio struct {
	opus bool // claim to decode Opus (the decoder counts packets and plays nothing)

	mu      sync.Mutex
	outputs []*nativeOutput
	opened  chan *nativeOutput
	states  []session.PlaybackState
}

func newNativeAudio() *nativeAudio { return &nativeAudio{opened: make(chan *nativeOutput, 4)} }

func (a *nativeAudio) CanDecodeOpus() bool { return a.opus }
func (a *nativeAudio) NewOpusDecoder(int, int, func([]float32), func(error)) (session.AudioDecoder, error) {
	if !a.opus {
		return nil, errors.New("no Opus natively")
	}
	return nopDecoder{}, nil
}

type nopDecoder struct{}

func (nopDecoder) Decode([]byte) error { return nil }
func (nopDecoder) Close()              {}
func (a *nativeAudio) OpenRecord(session.AudioFormat, func([]int16)) (session.AudioInput, error) {
	return nil, errors.New("no microphone natively")
}
func (a *nativeAudio) Record(session.RecordState) {}
func (a *nativeAudio) Playback(s session.PlaybackState) {
	a.mu.Lock()
	a.states = append(a.states, s)
	a.mu.Unlock()
}

func (a *nativeAudio) OpenPlayback(f session.AudioFormat, report func(session.OutputReport)) (session.AudioOutput, error) {
	o := &nativeOutput{format: f, report: report, stop: make(chan struct{}), waiting: true}
	a.mu.Lock()
	a.outputs = append(a.outputs, o)
	a.mu.Unlock()
	go o.run()
	a.opened <- o
	return o, nil
}

type nativeOutput struct {
	format session.AudioFormat
	report func(session.OutputReport)
	stop   chan struct{}

	mu      sync.Mutex
	queue   []float32
	waiting bool
	refill  int
	rep     session.OutputReport
	played  []float32   // everything played, silence included
	at      []time.Time // when each 128-frame piece of played started
	closed  bool
}

func (o *nativeOutput) Write(pcm []float32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queue = append(o.queue, pcm...)
	o.rep.Received += int64(len(pcm) / o.format.Channels)
	limit := o.format.Rate * 90 / 1000 // the worklet's cap
	if extra := len(o.queue)/o.format.Channels - limit; extra > 0 {
		o.queue = o.queue[extra*o.format.Channels:]
		o.rep.Dropped += int64(extra)
	}
}
func (o *nativeOutput) Refill(n int) { o.mu.Lock(); o.refill = n; o.mu.Unlock() }
func (o *nativeOutput) Discard(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n = min(n, len(o.queue)/o.format.Channels)
	o.queue = o.queue[n*o.format.Channels:]
	o.rep.Dropped += int64(n)
}
func (o *nativeOutput) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.closed = true
		close(o.stop)
	}
}

// run renders 128-frame quanta on the wall clock.
func (o *nativeOutput) run() {
	const q = 128
	ch := o.format.Channels
	start := time.Now()
	var quanta int64
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	lastReport := start
	for {
		select {
		case <-o.stop:
			return
		case <-tick.C:
		}
		due := int64(time.Since(start).Seconds()*float64(o.format.Rate)) / q
		o.mu.Lock()
		for ; quanta < due; quanta++ {
			have := len(o.queue) / ch
			if o.waiting && have >= max(o.refill, 1) {
				o.waiting = false
			}
			out := make([]float32, q*ch)
			if !o.waiting {
				n := min(q, have)
				copy(out, o.queue[:n*ch])
				o.queue = o.queue[n*ch:]
				o.rep.Played += int64(n)
				if n < q {
					o.rep.Underruns++
					o.waiting = true
				}
			}
			o.played = append(o.played, out...)
			o.at = append(o.at, start.Add(time.Duration(float64(quanta*q)/float64(o.format.Rate)*float64(time.Second))))
		}
		o.rep.Queued = len(o.queue) / ch
		r := o.rep
		o.mu.Unlock()
		if time.Since(lastReport) >= 20*time.Millisecond {
			lastReport = time.Now()
			o.report(r)
		}
	}
}

// TestAudioXspiceNative plays a tone and a chirp through Xspice's FIFO
// into the session natively: the samples reach the output exactly as the
// test wrote them.
func TestAudioXspiceNative(t *testing.T) {
	Require(t, xspiceTools...)
	t.Parallel()
	fifoDir := t.TempDir()
	x := StartXspice(t, XspiceOptions{AudioFIFODir: fifoDir, Width: 640, Height: 480})
	dev := newNativeAudio()
	var d net.Dialer
	c := session.New(session.Config{
		Dial: func(ctx context.Context) (io.ReadWriteCloser, error) {
			return d.DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(x.Port))
		},
		Audio: dev,
		Sink:  logSink{t},
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	// Xspice starts the stream (START) when sound comes: the FIFO, then
	// half a second of silence while the client opens its output.
	fifo := NewAudioFIFO(t, fifoDir, 48000)
	sig := append(Tone(48000, 48000, 1000, 0.5), Chirp(48000, 48000, 200, 4000, 0.5)...)
	pcm := Stereo16(sig, -0.5)
	wrote := make(chan error, 1)
	go func() {
		_, err := fifo.Play(ctx, append(make([]int16, 48000), pcm...))
		wrote <- err
	}()
	var o *nativeOutput
	select {
	case o = <-dev.opened:
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no playback stream started")
	}
	t.Logf("stream: %+v", o.format)
	if o.format.Rate != 48000 || o.format.Channels != 2 || o.format.Codec != "raw" {
		t.Fatalf("stream %+v, want 48 kHz stereo RAW", o.format)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	o.mu.Lock()
	played := append([]float32(nil), o.played...)
	o.mu.Unlock()
	got := make([]int16, len(played))
	for i, v := range played {
		got[i] = int16(v * 32768)
	}
	matched, longest, _, _ := matchedFrames(got, pcm, 480)
	t.Logf("played %d frames; %d of %d written frames came out unchanged (the longest run %d)", len(got)/2, matched, len(pcm)/2, longest)
	// A loaded machine may make the output run dry now and then (a gap)
	// or lose a late burst; what plays must be the samples written.
	if matched < len(pcm)/2*90/100 {
		t.Errorf("only %d of %d written frames came out unchanged", matched, len(pcm)/2)
	}
	st := c.AudioStats()
	t.Logf("stats %+v", st)
}

// logSink is a session.Sink that logs what it hears to the test.
type logSink struct{ t testing.TB }

func (s logSink) State(st session.State, m string) { s.t.Logf("session: %s: %s", st, m) }
func (s logSink) Log(level, m string)              { s.t.Logf("session: %s: %s", level, m) }
func (logSink) MouseMode(uint32)                   {}
func (logSink) Resize(int, int)                    {}
func (logSink) Invalidate()                        {}
func (logSink) FirstFrame()                        {}
func (logSink) Cursor(*session.CursorShape)        {}
func (logSink) CursorPosition(int, int, bool)      {}

// EnvRecordAudio names the directory TestRecordAudioFixtures writes
// playback message bodies to, as wasm/spice/testdata/audio holds them:
//
//	SPICEWEB_RECORD_AUDIO=$PWD/wasm/spice/testdata/audio go test ./e2e -run RecordAudioFixtures
const EnvRecordAudio = "SPICEWEB_RECORD_AUDIO"

// TestRecordAudioFixtures records Xspice's playback channel, RAW and then
// Opus (a client announcing it gets it), and keeps the first MODE, START
// and two DATA bodies of each as fuzz seeds for package spice.
func TestRecordAudioFixtures(t *testing.T) {
	out := os.Getenv(EnvRecordAudio)
	if out == "" {
		t.Skip(EnvRecordAudio + " is not set")
	}
	Require(t, xspiceTools...)
	for _, opus := range []bool{false, true} {
		fifoDir := t.TempDir()
		x := StartXspice(t, XspiceOptions{AudioFIFODir: fifoDir, AudioOpus: opus, Width: 640, Height: 480})
		capDir := t.TempDir()
		var d net.Dialer
		dev := newNativeAudio()
		dev.opus = opus
		c := session.New(session.Config{
			Dial: spicetest.RecordingDialer(capDir, func(ctx context.Context) (io.ReadWriteCloser, error) {
				return d.DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(x.Port))
			}),
			Audio: dev,
		})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		fifo := NewAudioFIFO(t, fifoDir, 48000)
		if _, err := fifo.Play(ctx, Stereo16(Tone(48000, 24000, 440, 0.25), 1)); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-done
		msgs := playbackMessages(t, capDir)
		kept := map[spice.MsgType]int{}
		for _, m := range msgs {
			limit := 1
			if m.Type == spice.MsgTypePlaybackData {
				limit = 2
			}
			if kept[m.Type] >= limit {
				continue
			}
			kept[m.Type]++
			n := kept[m.Type]
			if opus {
				n += 10 // Opus seeds are numbered from 11
			}
			name := filepath.Join(out, fmt.Sprintf("%d-%d-%d.bin", spice.ChannelPlayback, m.Type, n))
			if err := os.WriteFile(name, m.Body, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", name, len(m.Body))
		}
	}
}

// playbackMessages parses the server side of the playback channel's
// capture in dir: the link reply, the link result, then messages with the
// mini header.
func playbackMessages(t *testing.T, dir string) []spice.SubMessage {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*"+spicecap.Ext))
	for _, name := range names {
		client, server, err := spicecap.ReadStreams(name, 256<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(client) < 22 || spice.ChannelType(client[20]) != spice.ChannelPlayback {
			continue
		}
		if len(server) < 16 {
			t.Fatalf("%s: no link reply", name)
		}
		off := 16 + int(binary.LittleEndian.Uint32(server[12:])) + 4
		var msgs []spice.SubMessage
		for off+6 <= len(server) {
			mt := spice.MsgType(binary.LittleEndian.Uint16(server[off:]))
			size := int(binary.LittleEndian.Uint32(server[off+2:]))
			if off+6+size > len(server) {
				break
			}
			msgs = append(msgs, spice.SubMessage{Type: mt, Body: server[off+6 : off+6+size]})
			off += 6 + size
		}
		return msgs
	}
	t.Fatalf("no playback channel capture in %s", dir)
	return nil
}
