package session

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// fakeAudio is an AudioDevice for tests. Its outputs play in real time:
// they report every 5 ms, as the page's worklet does every 20, taking in
// whatever was written; its Opus decoder turns a packet of n bytes into
// n frames whose samples are the bytes' values over 256.
type fakeAudio struct {
	opus bool

	mu        sync.Mutex
	playback  []PlaybackState
	record    []RecordState
	outputs   []*fakeOutput
	decoders  []*fakeDecoder
	inputs    []*fakeInput
	opened    chan *fakeOutput // each output, once it has reported
	recording chan *fakeInput
}

func newFakeAudio(opus bool) *fakeAudio {
	return &fakeAudio{opus: opus, opened: make(chan *fakeOutput, 8), recording: make(chan *fakeInput, 8)}
}

func (a *fakeAudio) CanDecodeOpus() bool { return a.opus }

func (a *fakeAudio) NewOpusDecoder(rate, channels int, out func([]float32), fail func(error)) (AudioDecoder, error) {
	if !a.opus {
		return nil, errors.New("no Opus here")
	}
	d := &fakeDecoder{channels: channels, out: out, fail: fail}
	a.mu.Lock()
	a.decoders = append(a.decoders, d)
	a.mu.Unlock()
	return d, nil
}

func (a *fakeAudio) OpenPlayback(f AudioFormat, report func(OutputReport)) (AudioOutput, error) {
	o := &fakeOutput{format: f, report: report, stop: make(chan struct{})}
	a.mu.Lock()
	a.outputs = append(a.outputs, o)
	a.mu.Unlock()
	go o.run(a.opened)
	return o, nil
}

func (a *fakeAudio) Playback(s PlaybackState) {
	a.mu.Lock()
	a.playback = append(a.playback, s)
	a.mu.Unlock()
}

func (a *fakeAudio) OpenRecord(f AudioFormat, capture func([]int16)) (AudioInput, error) {
	in := &fakeInput{format: f, capture: capture}
	a.mu.Lock()
	a.inputs = append(a.inputs, in)
	a.mu.Unlock()
	a.recording <- in
	return in, nil
}

func (a *fakeAudio) Record(s RecordState) {
	a.mu.Lock()
	a.record = append(a.record, s)
	a.mu.Unlock()
}

func (a *fakeAudio) lastPlayback() PlaybackState {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.playback) == 0 {
		return PlaybackState{}
	}
	return a.playback[len(a.playback)-1]
}

func (a *fakeAudio) lastRecord() RecordState {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.record) == 0 {
		return RecordState{}
	}
	return a.record[len(a.record)-1]
}

type fakeOutput struct {
	format AudioFormat
	report func(OutputReport)
	stop   chan struct{}

	mu      sync.Mutex
	samples []float32
	rep     OutputReport
	refill  int
	closed  bool
}

func (o *fakeOutput) run(opened chan<- *fakeOutput) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	first := true
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
		}
		o.mu.Lock()
		r := o.rep
		o.mu.Unlock()
		o.report(r)
		if first {
			first = false
			opened <- o
		}
	}
}

func (o *fakeOutput) Write(pcm []float32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.samples = append(o.samples, pcm...)
	n := int64(len(pcm) / o.format.Channels)
	o.rep.Received += n
	o.rep.Played += n
}
func (o *fakeOutput) Refill(n int) {
	o.mu.Lock()
	o.refill = n
	o.mu.Unlock()
}
func (o *fakeOutput) Discard(int) {}
func (o *fakeOutput) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.closed = true
		close(o.stop)
	}
}

func (o *fakeOutput) got() []float32 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]float32(nil), o.samples...)
}

func (o *fakeOutput) isClosed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closed
}

type fakeDecoder struct {
	channels int
	out      func([]float32)
	fail     func(error)

	mu      sync.Mutex
	packets int
	closed  bool
}

// Decode "decodes" synchronously: a packet starting with 0xff is garbage.
func (d *fakeDecoder) Decode(p []byte) error {
	d.mu.Lock()
	d.packets++
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return errors.New("decoder closed")
	}
	if len(p) > 0 && p[0] == 0xff {
		d.fail(errors.New("not an Opus packet"))
		return nil
	}
	pcm := make([]float32, 0, len(p)*d.channels)
	for _, b := range p {
		for range d.channels {
			pcm = append(pcm, float32(b)/256)
		}
	}
	d.out(pcm)
	return nil
}

func (d *fakeDecoder) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
}

type fakeInput struct {
	format  AudioFormat
	capture func([]int16)

	mu     sync.Mutex
	closed bool
}

func (in *fakeInput) Close() {
	in.mu.Lock()
	in.closed = true
	in.mu.Unlock()
}

func (in *fakeInput) isClosed() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.closed
}

// soundServer is a scripted server with a main channel listing ids, whose
// other channels run the handlers given per type (the others idle).
func soundServer(t *testing.T, handlers map[spice.ChannelType]func(*spicetest.ServerChannel), ids ...spice.ChannelID) *spicetest.Server {
	t.Helper()
	srv := spicetest.NewServer(t)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		if ch.Type == spice.ChannelMain {
			serveMain(t, ch, srv.SessionID, ids...)
			return
		}
		if h := handlers[ch.Type]; h != nil {
			h(ch)
			return
		}
		drain(ch)
	}
	srv.Start()
	return srv
}

// waitFor polls cond until it holds or fails the test after limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (s *recSink) hasLog(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.logs {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func (s *recSink) countLogs(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, l := range s.logs {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}
