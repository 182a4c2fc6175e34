package bench

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Timer runs n iterations of one decode and returns how long they took,
// measured by the implementation itself (time.Now natively,
// performance.now in the browser), so that the caller's overhead (a
// DevTools round trip) stays outside.
type Timer func(n int) (time.Duration, error)

// The protocol of the project's figures: every measurement lasts at least
// MinDuration, and the reported figure is the median of Reps of them.
const (
	MinDuration = 200 * time.Millisecond
	Reps        = 5
)

// maxIterations bounds calibration against a timer that reports nothing.
const maxIterations = 1 << 30

// Meter measures one implementation on one case. Calibrate once, then
// call Sample Reps times, interleaved with the other meters, so that a
// burst of load on a shared machine hits every implementation alike.
type Meter struct {
	Timer Timer
	Min   time.Duration // at least this long per sample; MinDuration if 0
	N     int           // iterations per sample, set by Calibrate
	// PerOp holds the time per iteration of each sample.
	PerOp []time.Duration
}

func (m *Meter) min() time.Duration {
	if m.Min > 0 {
		return m.Min
	}
	return MinDuration
}

// Calibrate finds an iteration count whose run takes at least Min. The
// runs it makes also warm up the implementation (JIT tiers, caches) and
// are not kept as samples.
func (m *Meter) Calibrate() error {
	n := max(m.N, 1)
	for {
		d, err := m.Timer(n)
		if err != nil {
			return err
		}
		if d >= m.min() {
			m.N = n
			return nil
		}
		if n >= maxIterations {
			return fmt.Errorf("bench: %d iterations took only %v", n, d)
		}
		n = grow(n, d, m.min())
	}
}

// grow returns an iteration count expected to take 1.2 x target given that
// n took d, at least doubling from n and at most multiplying it by 100.
func grow(n int, d, target time.Duration) int {
	next := n * 100
	if d > 0 {
		next = int(math.Ceil(float64(n) * 1.2 * float64(target) / float64(d)))
	}
	return max(min(next, n*100), n*2)
}

// Sample takes one measurement. If the run was shorter than Min (the
// calibration ran on a slow moment), the count grows and it runs again.
func (m *Meter) Sample() error {
	if m.N == 0 {
		return errors.New("bench: Sample before Calibrate")
	}
	for {
		d, err := m.Timer(m.N)
		if err != nil {
			return err
		}
		if d >= m.min() || m.N >= maxIterations {
			m.PerOp = append(m.PerOp, d/time.Duration(m.N))
			return nil
		}
		m.N = grow(m.N, d, m.min())
	}
}

// Median is the median time per iteration of the samples so far, 0 if
// there are none.
func (m *Meter) Median() time.Duration { return Median(m.PerOp) }

// Median returns the median of ds (the mean of the middle two for an even
// count), 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Spread is (max-min)/median of ds in percent: how noisy the samples were.
func Spread(ds []time.Duration) float64 {
	med := Median(ds)
	if med == 0 {
		return 0
	}
	return 100 * float64(slices.Max(ds)-slices.Min(ds)) / float64(med)
}

// MBps converts bytes per op and time per op into MB/s (10^6 bytes, as go
// test -bench reports).
func MBps(bytes int64, perOp time.Duration) float64 {
	if perOp <= 0 {
		return 0
	}
	return float64(bytes) / perOp.Seconds() / 1e6
}
