//go:build linux

package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// AudioFIFO is a FIFO in Xspice's playback directory (XspiceOptions.
// AudioFIFODir) that the test writes sound into, as PulseAudio's
// module-pipe-sink would: 16-bit little-endian stereo PCM at the server's
// rate (48 kHz for a libspice-server with Opus, as Debian's is).
//
// Xspice only opens FIFOs created (or moved) into the directory after it
// started, watching it with inotify; it pads every 10 ms period it reads
// short with silence. So Play writes whole periods, each with one write
// (atomic for a pipe up to PIPE_BUF), at real-time pace.
type AudioFIFO struct {
	Path string
	Rate int
	f    *os.File
	t    testing.TB
}

// AudioPeriod is what Play writes at a time: Xspice's period.
const AudioPeriod = 10 * time.Millisecond

// NewAudioFIFO creates a FIFO in dir and waits (up to startTimeout) until
// Xspice has opened it for reading.
func NewAudioFIFO(t testing.TB, dir string, rate int) *AudioFIFO {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("test-%d.fifo", time.Now().UnixNano()))
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("e2e: mkfifo: %v", err)
	}
	// Opening for writing blocks until a reader opens it; with O_NONBLOCK
	// it fails with ENXIO until then, which lets the wait be bounded.
	deadline := time.Now().Add(startTimeout)
	var f *os.File
	for {
		fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			// Writes block again, so that Play is paced by the reader too
			// if it ever falls behind.
			if err := syscall.SetNonblock(fd, false); err != nil {
				t.Fatalf("e2e: %v", err)
			}
			f = os.NewFile(uintptr(fd), path)
			break
		}
		if err != syscall.ENXIO || time.Now().After(deadline) {
			t.Fatalf("e2e: Xspice did not open the audio FIFO %s: %v", path, err)
		}
		time.Sleep(pollInterval)
	}
	a := &AudioFIFO{Path: path, Rate: rate, f: f, t: t}
	t.Cleanup(func() { a.f.Close() })
	return a
}

// Play writes interleaved stereo samples period by period at real-time
// pace, from now, and returns when each period was written.
func (a *AudioFIFO) Play(ctx context.Context, stereo []int16) ([]time.Time, error) {
	return a.PlayFunc(ctx, len(stereo)/2, 1, func(i int) (int16, int16) { return stereo[2*i], stereo[2*i+1] })
}

// PlayFunc writes frames frames made by gen, period by period, at speed
// times real time (1.001: a server whose clock runs 0.1% fast), from
// now; it returns when each period was written.
func (a *AudioFIFO) PlayFunc(ctx context.Context, frames int, speed float64, gen func(frame int) (left, right int16)) ([]time.Time, error) {
	per := a.Rate * int(AudioPeriod/time.Millisecond) / 1000
	buf := make([]byte, 0, 4*per)
	written := make([]time.Time, 0, frames/per+1)
	start := time.Now()
	period := time.Duration(float64(AudioPeriod) / speed)
	for i := 0; i < frames; i += per {
		if d := time.Until(start.Add(time.Duration(len(written)) * period)); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return written, ctx.Err()
			}
		}
		buf = buf[:0]
		for j := i; j < i+per; j++ {
			var l, r int16
			if j < frames {
				l, r = gen(j)
			}
			buf = binary.LittleEndian.AppendUint16(buf, uint16(l))
			buf = binary.LittleEndian.AppendUint16(buf, uint16(r))
		}
		if _, err := a.f.Write(buf); err != nil {
			return written, fmt.Errorf("e2e: writing the audio FIFO: %w", err)
		}
		written = append(written, time.Now())
	}
	return written, nil
}

// Signals, as float64 in [-1, 1] per frame.

// Tone is a sine of hz at amplitude amp for n frames at rate.
func Tone(rate, n int, hz, amp float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate))
	}
	return s
}

// Chirp sweeps linearly from f0 to f1 Hz over n frames at amplitude amp.
func Chirp(rate, n int, f0, f1, amp float64) []float64 {
	s := make([]float64, n)
	dur := float64(n) / float64(rate)
	for i := range s {
		t := float64(i) / float64(rate)
		s[i] = amp * math.Sin(2*math.Pi*(f0*t+(f1-f0)*t*t/(2*dur)))
	}
	return s
}

// Stereo16 makes interleaved 16-bit stereo of a mono signal, the right
// channel at gain right (so that the channels can be told apart).
func Stereo16(mono []float64, right float64) []int16 {
	out := make([]int16, 0, 2*len(mono))
	for _, v := range mono {
		out = append(out, int16(math.Round(v*32767)), int16(math.Round(v*right*32767)))
	}
	return out
}

// Goertzel returns the power of frequency hz in x (sampled at rate),
// normalised so that a full-scale sine at hz gives about 0.25.
func Goertzel(x []float64, rate int, hz float64) float64 {
	w := 2 * math.Pi * hz / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := v + c*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	n := float64(len(x))
	return p / (n * n)
}

// PeakFrequency finds the frequency in [lo, hi] Hz with the most power in
// x, to within step Hz.
func PeakFrequency(x []float64, rate int, lo, hi, step float64) float64 {
	best, bestP := lo, -1.0
	for f := lo; f <= hi; f += step {
		if p := Goertzel(x, rate, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

// RMS is the root mean square of x.
func RMS(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(max(len(x), 1)))
}

// DBFS converts a level to decibels relative to full scale.
func DBFS(v float64) float64 { return 20 * math.Log10(max(v, 1e-12)) }
