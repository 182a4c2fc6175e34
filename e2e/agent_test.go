//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
)

// The Go session, natively (no browser), against the real guest agent on
// Xspice --vdagent: clipboard both ways checked with xclip on the display,
// a resize checked with xdpyinfo/xrandr and the new primary surface, and
// a file landing byte-exact in the agent's save directory.

// agentSink records what the session reports, agent events included.
type agentSink struct {
	client *session.Client

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every event
	agent   session.AgentState
	clip    []session.ClipboardData
	clipAt  []time.Time
	files   map[int][]fileEvent
	size    [2]int
	logs    []string
}

type fileEvent struct {
	state       session.FileState
	sent, total int64
	msg         string
}

func newAgentSink() *agentSink {
	return &agentSink{changed: make(chan struct{}), files: map[int][]fileEvent{}}
}

func (s *agentSink) event(f func()) {
	s.mu.Lock()
	f()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *agentSink) State(st session.State, m string) {}
func (s *agentSink) Log(l, m string)                  { s.event(func() { s.logs = append(s.logs, l+": "+m) }) }
func (s *agentSink) MouseMode(uint32)                 {}
func (s *agentSink) Resize(w, h int)                  { s.event(func() { s.size = [2]int{w, h} }) }
func (s *agentSink) Invalidate()                      { s.client.Present(func(*raster.Image, []image.Rectangle) {}) }
func (s *agentSink) FirstFrame()                      {}
func (s *agentSink) Cursor(*session.CursorShape)      {}
func (s *agentSink) CursorPosition(int, int, bool)    {}
func (s *agentSink) Agent(a session.AgentState)       { s.event(func() { s.agent = a }) }
func (s *agentSink) Clipboard(d session.ClipboardData) {
	s.event(func() { s.clip = append(s.clip, d); s.clipAt = append(s.clipAt, time.Now()) })
}
func (s *agentSink) FileProgress(id int, st session.FileState, sent, total int64, msg string) {
	s.event(func() { s.files[id] = append(s.files[id], fileEvent{st, sent, total, msg}) })
}

// wait blocks until cond (called with mu held) holds or timeout passes.
func (s *agentSink) wait(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	s.waitTB(t, what, timeout, cond)
}

func (s *agentSink) waitTB(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("waiting for %s: timed out after %v; agent %+v; last logs %q", what, timeout, s.agent, tail(s.logs, 8))
		}
	}
}

func tail(s []string, n int) []string { return s[max(0, len(s)-n):] }

// startAgentSession runs a native client against x until the agent is
// connected with every feature.
func startAgentSession(t *testing.T, x *Xspice) (*session.Client, *agentSink) {
	t.Helper()
	return startAgentSessionTB(t, x)
}

func startAgentSessionTB(t testing.TB, x *Xspice) (*session.Client, *agentSink) {
	t.Helper()
	sink := newAgentSink()
	dial := func(ctx context.Context) (io.ReadWriteCloser, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(x.Port))
	}
	c := session.New(session.Config{Dial: dial, Sink: sink})
	sink.client = c
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("session did not stop")
		}
	})
	sink.waitTB(t, "the agent with clipboard, resize and files", 60*time.Second, func() bool {
		a := sink.agent
		return a.Connected && a.Clipboard && a.Resize && a.Files
	})
	return c, sink
}

func TestAgentXspiceNative(t *testing.T) {
	Require(t, append(append([]Tool{}, xspiceTools...), AgentTools...)...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{VDAgent: true})
	c, sink := startAgentSession(t, x)

	t.Run("guest to client", func(t *testing.T) {
		const text = "copied in the guest ✓\nsecond line\n"
		sink.mu.Lock()
		before := len(sink.clip)
		sink.mu.Unlock()
		start := time.Now()
		x.SetClipboard("UTF8_STRING", []byte(text))
		sink.wait(t, "the guest's clipboard", 20*time.Second, func() bool {
			for _, d := range sink.clip[before:] {
				if !d.Image && d.Text == text {
					return true
				}
			}
			return false
		})
		t.Logf("guest copy to client clipboard event: %v", time.Since(start).Round(time.Millisecond))
	})

	t.Run("client to guest", func(t *testing.T) {
		const text = "pasted from the page\nwith two lines ✓"
		start := time.Now()
		if !c.SetClipboard(session.ClipboardData{Text: text}) {
			t.Fatal("SetClipboard refused")
		}
		err := waitUntil(t.Context(), 20*time.Second, "xclip to read the client's text", nil, func(ctx context.Context) error {
			got, err := x.ClipboardText(ctx)
			if err != nil {
				return err
			}
			if got != text {
				return fmt.Errorf("clipboard %q", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("client set to guest paste: %v", time.Since(start).Round(time.Millisecond))
	})

	t.Run("image to guest", func(t *testing.T) {
		png := []byte("\x89PNG\r\n\x1a\nnot really decoded by the agent, only carried")
		if !c.SetClipboard(session.ClipboardData{Image: true, PNG: png}) {
			t.Fatal("SetClipboard refused")
		}
		err := waitUntil(t.Context(), 20*time.Second, "xclip to read the PNG", nil, func(ctx context.Context) error {
			got, err := x.ClipboardData(ctx, "image/png")
			if err != nil {
				return err
			}
			if !bytes.Equal(got, png) {
				return fmt.Errorf("image/png: %d bytes", len(got))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("resize", func(t *testing.T) {
		// 803x601 rounds down to 800x600.
		start := time.Now()
		if !c.SetDisplaySize(803, 601) {
			t.Fatal("SetDisplaySize refused")
		}
		sink.wait(t, "a primary surface of 800x600", 30*time.Second, func() bool { return sink.size == [2]int{800, 600} })
		t.Logf("resize request to new primary surface: %v", time.Since(start).Round(time.Millisecond))
		if err := x.WaitScreenSize(800, 600, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("file", func(t *testing.T) {
		const size = 3<<20 + 12345
		data := make([]byte, size)
		rng := rand.New(rand.NewPCG(7, 8))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		sum := sha256.Sum256(data)
		start := time.Now()
		c.SendFile(1, memFile(data), "agent test.bin")
		sink.wait(t, "the file transfer to end", 120*time.Second, func() bool {
			ev := sink.files[1]
			return len(ev) > 0 && ev[len(ev)-1].state >= session.FileDone
		})
		sink.mu.Lock()
		ev := sink.files[1]
		sink.mu.Unlock()
		last := ev[len(ev)-1]
		if last.state != session.FileDone {
			t.Fatalf("transfer ended %v: %s", last.state, last.msg)
		}
		elapsed := time.Since(start)
		got, err := x.AgentFile("agent test.bin", size, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got != hex.EncodeToString(sum[:]) {
			t.Fatalf("received file sha256 %s, want %x", got, sum)
		}
		t.Logf("%d bytes in %v (%.1f MB/s), %d progress events", size, elapsed.Round(time.Millisecond),
			float64(size)/1e6/elapsed.Seconds(), len(ev))
	})
	runtime.KeepAlive(c)
}

// memFile is a FileSource over bytes.
type memFile []byte

func (m memFile) Size() int64 { return int64(len(m)) }
func (m memFile) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(m).ReadAt(p, off)
}
