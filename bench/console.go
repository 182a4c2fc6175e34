package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Figures of the console benchmarks (e2e/console_bench_test.go): our page
// and spice-html5 on the same live server in the same run.

// Shown summarises the frames the browser displayed during a measurement
// window: what the user saw change.
type Shown struct {
	Frames   int           // displayed frames inside the window
	PerSec   float64       // Frames over the window's length
	WorstGap time.Duration // longest time the screen stood still
}

// FramesShown computes Shown from the times of displayed frames (any
// order, on one clock) and the window [from, to) on the same clock. The
// window's edges count as boundaries of a gap, so a client that shows
// nothing for the first second has a gap of at least a second.
func FramesShown(times []time.Duration, from, to time.Duration) Shown {
	if to <= from {
		return Shown{}
	}
	in := make([]time.Duration, 0, len(times))
	for _, t := range times {
		if t >= from && t < to {
			in = append(in, t)
		}
	}
	slices.Sort(in)
	s := Shown{Frames: len(in), PerSec: float64(len(in)) / (to - from).Seconds()}
	prev := from
	for _, t := range append(in, to) {
		s.WorstGap = max(s.WorstGap, t-prev)
		prev = t
	}
	return s
}

// ChangeShown returns the time of the displayed frame that showed a change
// a probe of the page missed at miss and saw at seen, from times, the
// displayed frames, with the screen standing still but for the change:
// the last frame in (miss, seen] if there is one, or else the first one
// after seen, within limit. The first covers a canvas whose copy shows
// what has been displayed (an OffscreenCanvas placeholder shows the
// worker's committed frames); the second an ordinary canvas, whose copy
// shows its backing store, drawn before the next frame displays it. ok is
// false when neither exists.
func ChangeShown(times []time.Duration, miss, seen, limit time.Duration) (shown time.Duration, ok bool) {
	var before, after time.Duration
	var haveBefore, haveAfter bool
	for _, t := range times {
		switch {
		case t > miss && t <= seen && (!haveBefore || t > before):
			before, haveBefore = t, true
		case t > seen && t <= seen+limit && (!haveAfter || t < after):
			after, haveAfter = t, true
		}
	}
	if haveBefore {
		return before, true
	}
	return after, haveAfter
}

// Figure is one column of a side-by-side table: a quantity measured once
// per run per client.
type Figure struct {
	Name string // header, with the unit
	Prec int    // decimals printed
	// Goal, if set, is printed under the table: the target for ours, from
	// the issue, e.g. "<= 1/3 of spice-html5".
	Goal string
	// NoRatio leaves the figure out of the ratio row: it describes the
	// run (the machine's load), not the client.
	NoRatio bool
}

// Runs is what one client measured: Values[figure][run], in run order.
// A value that could not be measured is NaN.
type Runs struct {
	Client string
	Values [][]float64
}

// SideBySide formats the figures of two or more clients as a table: per
// client, the median over runs with the range, and a last row with the
// median and range of the per-run ratios of the first client over the
// second (runs are paired: a burst of load on the machine hits both
// clients of a run alike).
func SideBySide(figs []Figure, rows []Runs) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "\t")
	for _, f := range figs {
		fmt.Fprintf(w, "%s\t", f.Name)
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t", r.Client)
		for i, f := range figs {
			fmt.Fprintf(w, "%s\t", summary(column(r, i), f.Prec))
		}
		fmt.Fprintln(w)
	}
	if len(rows) >= 2 {
		fmt.Fprintf(w, "%s/%s\t", rows[0].Client, rows[1].Client)
		for i, f := range figs {
			if f.NoRatio {
				fmt.Fprint(w, "\t")
				continue
			}
			fmt.Fprintf(w, "%s\t", summary(PerRunRatios(column(rows[0], i), column(rows[1], i)), 2))
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	var goals []string
	for _, f := range figs {
		if f.Goal != "" {
			goals = append(goals, f.Name+": "+f.Goal)
		}
	}
	if len(goals) > 0 && len(rows) > 0 {
		fmt.Fprintf(&b, "goals for %s (issue 6): %s\n", rows[0].Client, strings.Join(goals, "; "))
	}
	return b.String()
}

func column(r Runs, i int) []float64 {
	if i < len(r.Values) {
		return r.Values[i]
	}
	return nil
}

// PerRunRatios is a[i]/b[i] for the runs where both are measured and b is
// not zero.
func PerRunRatios(a, b []float64) []float64 {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if !math.IsNaN(a[i]) && !math.IsNaN(b[i]) && b[i] != 0 {
			rs = append(rs, a[i]/b[i])
		}
	}
	return rs
}

// MedianFloat is the median of the values that are not NaN (the mean of
// the middle two for an even count); NaN when there are none.
func MedianFloat(xs []float64) float64 {
	s := slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// summary is "median (min-max)", with "[n of m]" when some runs have no
// value, and "-" when none has.
func summary(xs []float64, prec int) string {
	s := slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(s) == 0 {
		return "-"
	}
	out := fmt.Sprintf("%.*f", prec, MedianFloat(s))
	if len(s) > 1 {
		out += fmt.Sprintf(" (%.*f-%.*f)", prec, slices.Min(s), prec, slices.Max(s))
	}
	if len(s) < len(xs) {
		out += fmt.Sprintf(" [%d of %d]", len(s), len(xs))
	}
	return out
}

// Ms converts a duration to float milliseconds, for Runs.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
