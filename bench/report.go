package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what BrowserDecode measured for one case: the median time
// per iteration of each implementation (0 when not measured) and the
// spread of its samples.
type Result struct {
	Fixture *Fixture
	Bytes   int64 // output bytes per iteration
	Pixels  string

	Native, Wasm, JS                   time.Duration
	NativeSpread, WasmSpread, JSSpread float64
	// PairedRatio and PairedSpeedup, when set, are the medians of the
	// per-round ratios (see Paired); Ratio and Speedup prefer them.
	PairedRatio, PairedSpeedup float64
	// Note says why spice-html5 has no figure or what its check found.
	Note string
}

// Ratio is wasm throughput over native throughput, 0 if either is missing.
func (r *Result) Ratio() float64 {
	if r.PairedRatio > 0 {
		return r.PairedRatio
	}
	return ratio(r.Native, r.Wasm)
}

// Speedup is our wasm throughput over spice-html5's, 0 if either is
// missing.
func (r *Result) Speedup() float64 {
	if r.PairedSpeedup > 0 {
		return r.PairedSpeedup
	}
	return ratio(r.JS, r.Wasm)
}

// Paired is the median over rounds of a[i]/b[i], times per iteration of
// two implementations sampled next to each other in round i: the
// throughput of b relative to a. Load that comes and goes on a shared
// machine moves both samples of a round alike, so this is steadier than
// the ratio of the two medians. It is 0 unless both have the same number
// of samples.
func Paired(a, b []time.Duration) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	rs := make([]float64, len(a))
	for i := range a {
		rs[i] = ratio(a[i], b[i])
	}
	slices.Sort(rs)
	if len(rs)%2 == 1 {
		return rs[len(rs)/2]
	}
	return (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
}

// ratio is the throughput of the implementation that took b over that of
// the one that took a: a/b, as times per iteration.
func ratio(a, b time.Duration) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Table formats results as an aligned text table, one row per case.
func Table(rs []Result) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "codec\tfixture\tpixels\tnative MB/s\twasm MB/s\twasm/native\tspice-html5 MB/s\twasm/html5\tspread n/w/js %\t note")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t %s\n",
			r.Fixture.Codec, r.Fixture.Name, r.Pixels,
			mbps(r.Bytes, r.Native), mbps(r.Bytes, r.Wasm), times(r.Ratio()),
			mbps(r.Bytes, r.JS), times(r.Speedup()),
			spreads(r), r.Note)
	}
	w.Flush()
	return b.String()
}

func mbps(bytes int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	v := MBps(bytes, d)
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func times(x float64) string {
	if x == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", x)
}

func spreads(r Result) string {
	f := func(d time.Duration, s float64) string {
		if d <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f", s)
	}
	return f(r.Native, r.NativeSpread) + "/" + f(r.Wasm, r.WasmSpread) + "/" + f(r.JS, r.JSSpread)
}

// Summary gives, per codec, the geometric mean over its cases of
// wasm/native and of wasm/spice-html5 (over the cases that have both
// figures), and the same over recorded fixtures only.
func Summary(rs []Result) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "codec\twasm/native (all)\twasm/native (recorded)\twasm/html5 (all)\twasm/html5 (recorded)\t")
	for _, codec := range Codecs {
		var all, rec, js, jsRec []float64
		for _, r := range rs {
			if r.Fixture.Codec != codec {
				continue
			}
			if x := r.Ratio(); x > 0 {
				all = append(all, x)
				if r.Fixture.Recorded {
					rec = append(rec, x)
				}
			}
			if x := r.Speedup(); x > 0 {
				js = append(js, x)
				if r.Fixture.Recorded {
					jsRec = append(jsRec, x)
				}
			}
		}
		if len(all) == 0 && len(js) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", codec, geo(all), geo(rec), geo(js), geo(jsRec))
	}
	w.Flush()
	return b.String()
}

// geo formats the geometric mean of xs with its count.
func geo(xs []float64) string {
	if len(xs) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx (%d)", GeoMean(xs), len(xs))
}

// GeoMean is the geometric mean of positive xs, 0 for none.
func GeoMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += math.Log(x)
	}
	return math.Exp(s / float64(len(xs)))
}
