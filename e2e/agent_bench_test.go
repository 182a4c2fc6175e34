//go:build linux

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"spiceweb/wasm/session"
)

// BenchmarkAgentFileNative sends a 100 MB file through the real agent on
// Xspice with the native session and reports its throughput (MB/s) and
// the Go heap's high-water mark above the level before the transfer
// (heap-MB): the file streams from its source in 64 KiB pieces, so the
// heap must not grow with the file.
//
//	go test ./e2e -run '^$' -bench AgentFileNative -benchtime 1x
func BenchmarkAgentFileNative(b *testing.B) {
	Require(b, append(append([]Tool{}, xspiceTools...), AgentTools...)...)
	const size = 100 << 20
	x := StartXspice(b, XspiceOptions{VDAgent: true})
	c, sink := startAgentSessionTB(b, x)
	id := 0
	for b.Loop() {
		id++
		name := "bench-" + strconv.Itoa(id) + ".bin"
		src := &patternFile{size: size, seed: byte(id)}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		start := time.Now()
		c.SendFile(id, src, name)
		sink.waitTB(b, "the transfer to end", 10*time.Minute, func() bool {
			ev := sink.files[id]
			return len(ev) > 0 && ev[len(ev)-1].state >= session.FileDone
		})
		elapsed := time.Since(start)
		close(stop)
		<-sampled
		sink.mu.Lock()
		last := sink.files[id][len(sink.files[id])-1]
		sink.mu.Unlock()
		if last.state != session.FileDone {
			b.Fatalf("transfer ended %v: %s", last.state, last.msg)
		}
		got, err := x.AgentFile(name, size, 30*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if want := src.sha256(); got != want {
			b.Fatalf("received sha256 %s, want %s", got, want)
		}
		b.ReportMetric(float64(size)/1e6/elapsed.Seconds(), "MB/s")
		b.ReportMetric(float64(peak.Load()-min(base, peak.Load()))/1e6, "heap-MB")
	}
}

// patternFile is a FileSource of size pseudo-random bytes computed on
// demand, so the benchmark itself holds no copy of the file.
type patternFile struct {
	size int64
	seed byte
}

func (p *patternFile) Size() int64 { return p.size }

func (p *patternFile) byteAt(i int64) byte {
	v := uint64(i)*0x9e3779b97f4a7c15 + uint64(p.seed)
	return byte(v>>56) ^ byte(v>>23)
}

func (p *patternFile) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.size-off)
	for i := range n {
		b[i] = p.byteAt(off + i)
	}
	return int(n), nil
}

func (p *patternFile) sha256() string {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < p.size; off += int64(len(buf)) {
		n, _ := p.ReadAt(buf, off)
		h.Write(buf[:n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// BenchmarkAgentClipboardNative measures clipboard round trips through
// the real agent on Xspice, native session: guest-ms is from starting an
// X client that owns the guest's clipboard to the session's Clipboard
// event (the agent's grab, our request, its data); client-ms is from
// SetClipboard to xclip -o in the guest returning the text (polled, so it
// includes an xclip start per poll). Medians over b.N round trips.
//
//	go test ./e2e -run '^$' -bench AgentClipboardNative -benchtime 10x
func BenchmarkAgentClipboardNative(b *testing.B) {
	Require(b, append(append([]Tool{}, xspiceTools...), AgentTools...)...)
	x := StartXspice(b, XspiceOptions{VDAgent: true})
	c, sink := startAgentSessionTB(b, x)
	var guest, client []time.Duration
	i := 0
	for b.Loop() {
		i++
		text := "round trip " + strconv.Itoa(i)
		sink.mu.Lock()
		before := len(sink.clip)
		sink.mu.Unlock()
		start := time.Now()
		p := x.SetClipboard("UTF8_STRING", []byte(text))
		sink.waitTB(b, "the guest's clipboard", 20*time.Second, func() bool {
			return len(sink.clip) > before && sink.clip[len(sink.clip)-1].Text == text
		})
		guest = append(guest, time.Since(start))
		p.Stop()

		back := text + " back"
		start = time.Now()
		c.SetClipboard(session.ClipboardData{Text: back})
		err := waitUntil(b.Context(), 20*time.Second, "the guest to paste", nil, func(ctx context.Context) error {
			got, err := x.ClipboardText(ctx)
			if err == nil && got != back {
				err = errString("clipboard " + strconv.Quote(got))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		client = append(client, time.Since(start))
	}
	b.ReportMetric(float64(medianDur(guest).Microseconds())/1000, "guest-ms")
	b.ReportMetric(float64(medianDur(client).Microseconds())/1000, "client-ms")
}

func medianDur(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
