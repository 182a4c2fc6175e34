package bench

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestFramesShown(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		times    []time.Duration
		from, to time.Duration
		want     Shown
	}{
		{"steady 25 fps", []time.Duration{1040 * ms, 1000 * ms, 1080 * ms, 1120 * ms, 1160 * ms}, 1000 * ms, 1200 * ms,
			Shown{Frames: 5, PerSec: 25, WorstGap: 40 * ms}},
		{"outside the window", []time.Duration{900 * ms, 1100 * ms, 2000 * ms, 2500 * ms}, 1000 * ms, 2000 * ms,
			Shown{Frames: 1, PerSec: 1, WorstGap: 900 * ms}},
		{"a stall", []time.Duration{10 * ms, 20 * ms, 400 * ms, 410 * ms}, 0, 500 * ms,
			Shown{Frames: 4, PerSec: 8, WorstGap: 380 * ms}},
		{"nothing shown", nil, 0, 2 * time.Second, Shown{WorstGap: 2 * time.Second}},
		{"empty window", []time.Duration{ms}, ms, ms, Shown{}},
	} {
		if got := FramesShown(tc.times, tc.from, tc.to); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestSideBySide(t *testing.T) {
	nan := math.NaN()
	tab := SideBySide([]Figure{{Name: "busy s", Prec: 2, Goal: "<= 1/3 of theirs"}, {Name: "fps", Prec: 1}}, []Runs{
		{Client: "ours", Values: [][]float64{{1, 2, 3}, {20, nan, 24}}},
		{Client: "theirs", Values: [][]float64{{4, 4, 4}, {25, 25, 25}}},
	})
	for _, want := range []string{
		"2.00 (1.00-3.00)",          // ours busy: median (range)
		"22.0 (20.0-24.0) [2 of 3]", // a run without a value
		"4.00 (4.00-4.00)",
		"ours/theirs",
		"0.50 (0.25-0.75)", // per-run ratios 0.25, 0.5, 0.75
		"0.88 (0.80-0.96)", // 20/25 and 24/25; the NaN run is left out
		"goals for ours (issue 6): busy s: <= 1/3 of theirs",
	} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
	if got := SideBySide([]Figure{{Name: "x", Prec: 0}}, []Runs{{Client: "a", Values: [][]float64{{nan}}}}); !strings.Contains(got, "-") {
		t.Errorf("a client without values shows no dash:\n%s", got)
	}
	got := SideBySide([]Figure{{Name: "load %", Prec: 0, NoRatio: true}}, []Runs{
		{Client: "ours", Values: [][]float64{{10, 20}}}, {Client: "theirs", Values: [][]float64{{5, 5}}}})
	if strings.Contains(got, "3.00") || strings.Contains(got, "4.00") {
		t.Errorf("a NoRatio figure has ratios:\n%s", got)
	}
}

func TestMedianFloat(t *testing.T) {
	if m := MedianFloat([]float64{3, math.NaN(), 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v, want 2.5", m)
	}
	if m := MedianFloat([]float64{math.NaN()}); !math.IsNaN(m) {
		t.Errorf("median of nothing = %v, want NaN", m)
	}
}

func TestChangeShown(t *testing.T) {
	ms := time.Millisecond
	times := []time.Duration{30 * ms, 10 * ms, 50 * ms, 20 * ms, 90 * ms}
	for _, tc := range []struct {
		miss, seen time.Duration
		want       time.Duration
		ok         bool
	}{
		{0, 100 * ms, 90 * ms, true},
		{10 * ms, 30 * ms, 30 * ms, true}, // miss is left out, seen is in
		{30 * ms, 45 * ms, 50 * ms, true}, // none between: the next one
		{50 * ms, 60 * ms, 0, false},      // the next one is past the limit
		{90 * ms, 95 * ms, 0, false},
	} {
		got, ok := ChangeShown(times, tc.miss, tc.seen, 20*ms)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ChangeShown(%v, %v) = %v, %v; want %v, %v", tc.miss, tc.seen, got, ok, tc.want, tc.ok)
		}
	}
}
