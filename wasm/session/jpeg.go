package session

import (
	"context"
	"strconv"
	"strings"
	"time"

	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// JPEGDecoder decodes JPEG images outside Go: in the browser, with its own
// image decoders (jsbridge). The display channel calls DecodeJPEG from its
// goroutine and waits for it, so the decoder may block that goroutine until
// the browser answers (never a browser callback); the channel handles
// nothing else meanwhile, which keeps frames in order.
type JPEGDecoder interface {
	// Name identifies the decoder in the log ("createImageBitmap").
	Name() string
	// DecodeJPEG decodes jfif, a complete baseline JPEG whose frame header
	// says dst.W x dst.H (dst is already that size), into dst as opaque
	// RGBA rows, top row first. On error dst may hold anything; the
	// session then decodes the frame with Go.
	DecodeJPEG(ctx context.Context, jfif []byte, dst *raster.Image) error
}

// JPEGThreadTime is implemented by a JPEGDecoder that decodes away from
// the calling thread (the browser's decoders run on threads of their own):
// ThreadTime reports how long the last DecodeJPEG kept the calling thread
// busy, handing the frame over and copying the pixels back. For the rest
// of its wall-clock time the thread was free to run the session's other
// work, so that rest is no cost to the client.
type JPEGThreadTime interface {
	ThreadTime() time.Duration
}

// Choosing a decoder. Which way decodes fastest depends on the browser,
// on the context (main thread or worker), on how busy its event loop is
// and on the frame size: Go's decoder pays for Go in wasm, the browser's
// for the round trips through the event loop and the copy of the pixels
// back into Go. In the e2e video test (240x180 frames, the page's main
// thread busy with the session) Go's took 2.3 ms, ImageDecoder 6.2 ms and
// createImageBitmap 39 ms, while on an idle page ImageDecoder decodes a
// 320x240 frame 3 to 4 times faster than Go. But most of a browser
// decoder's wall-clock time is the event loop running other work while
// another thread decodes: what the client pays is the time its own thread
// is busy (JPEGThreadTime). So the first frames of each size are decoded by
// every way in turn and timed, and the rest go to the way that keeps the
// thread busy least, among those whose wall-clock time keeps up with a
// stream (jpegMaxWall). Every frame is decoded in full by one of
// them, so the stream shows every frame while this is measured. Now and
// then the ways that came close are measured again, since the page's load
// changes.
const (
	// jpegWarmup frames per way are decoded but not timed: the first calls
	// pay for one-time work (the canvas, the browser's decoder threads).
	jpegWarmup = 1
	// jpegSamples timed frames per way decide.
	jpegSamples = 5
	// jpegRecheck is how many frames of a size go to the chosen way before
	// the ways within jpegRecheckWithin times its median are measured
	// again (a minute of 25 frames a second).
	jpegRecheck       = 1500
	jpegRecheckWithin = 2
	// jpegMaxSizes bounds the frame sizes remembered; a server that sends
	// frames of ever new sizes makes the chooser start over.
	jpegMaxSizes = 16
	// jpegMaxFailures in a row disable an external decoder for the
	// channel.
	jpegMaxFailures = 3
	// jpegMaxWall is the median wall-clock time per frame above which a
	// way is not chosen however little it keeps the thread busy: the
	// display channel waits for each frame, so a slower way would hold a
	// 30 frames-a-second stream back. Go's decoder is always eligible.
	jpegMaxWall = 30 * time.Millisecond
)

// jpegWay is one way of decoding: Go's decoder (ext nil) or an external one.
type jpegWay struct {
	name     string
	ext      JPEGDecoder
	failures int // in a row
	off      bool
}

// jpegTrial is what the chooser knows about one frame size.
type jpegTrial struct {
	runs    []int             // frames decoded per way while measuring
	samples [][]time.Duration // timed frames per way: the thread's busy time
	walls   [][]time.Duration // and the wall-clock time
	medians []time.Duration   // per way, from the last measurement
	wallMed []time.Duration
	chosen  int // index into ways; -1 while measuring
	last    int // the way chosen before, -1 for none
	since   int // frames decoded since the choice
}

// jpegChooser decodes the complete JPEG frames of a display channel's
// video streams, choosing per frame size the fastest of Go's decoder and
// the external ones.
type jpegChooser struct {
	ways   []*jpegWay // [0] is Go's decoder
	trials map[[2]int]*jpegTrial
	log    func(level, msg string)
	// now, goDecode and recheck are time.Now, jpeg.Decode and
	// jpegRecheck; tests substitute a fake clock, a Go decoder that
	// advances it and a shorter recheck.
	now      func() time.Time
	goDecode func(jfif []byte, dst *raster.Image) error
	recheck  int
}

func newJPEGChooser(ext []JPEGDecoder, log func(level, msg string)) *jpegChooser {
	c := &jpegChooser{ways: []*jpegWay{{name: "Go"}}, trials: map[[2]int]*jpegTrial{}, log: log,
		now: time.Now, goDecode: jpeg.Decode, recheck: jpegRecheck}
	for _, d := range ext {
		if d != nil {
			c.ways = append(c.ways, &jpegWay{name: d.Name(), ext: d})
		}
	}
	return c
}

// decode decodes jfif, whose frame header says w x h, into dst.
func (c *jpegChooser) decode(ctx context.Context, jfif []byte, w, h int, dst *raster.Image) error {
	if err := dst.Resize(w, h); err != nil {
		return errfmt.Wrap("jpeg", err)
	}
	if len(c.ways) == 1 {
		return c.goDecode(jfif, dst)
	}
	key := [2]int{w, h}
	tr := c.trials[key]
	if tr == nil {
		if len(c.trials) >= jpegMaxSizes {
			clear(c.trials)
		}
		n := len(c.ways)
		tr = &jpegTrial{runs: make([]int, n), samples: make([][]time.Duration, n), walls: make([][]time.Duration, n),
			medians: make([]time.Duration, n), wallMed: make([]time.Duration, n), chosen: -1, last: -1}
		c.trials[key] = tr
	}
	if tr.chosen >= 0 {
		if tr.since++; tr.since > c.recheck {
			tr.recheck(c.ways)
		}
	}
	i := tr.chosen
	if i < 0 {
		i = tr.next(c.ways)
	}
	way := c.ways[i]
	t0 := c.now()
	var err error
	if way.ext == nil {
		err = c.goDecode(jfif, dst)
	} else {
		err = way.ext.DecodeJPEG(ctx, jfif, dst)
	}
	elapsed := c.now().Sub(t0)
	busy := elapsed
	if tt, ok := way.ext.(JPEGThreadTime); ok {
		busy = min(tt.ThreadTime(), elapsed)
	}
	if way.ext != nil {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if gerr := c.goDecode(jfif, dst); gerr != nil {
				return gerr // the frame is bad, not the decoder
			}
			c.failed(i, w, h, err)
			return nil
		}
		way.failures = 0
	}
	if err != nil || tr.chosen >= 0 {
		return err
	}
	if tr.runs[i]++; tr.runs[i] > jpegWarmup {
		tr.samples[i] = append(tr.samples[i], busy)
		tr.walls[i] = append(tr.walls[i], elapsed)
	}
	c.maybeChoose(tr, w, h)
	return nil
}

// next is the way to measure next: the one with the fewest frames, so the
// ways take turns and a burst of load on the machine hits them alike.
func (tr *jpegTrial) next(ways []*jpegWay) int {
	best := -1
	for i, w := range ways {
		if !w.off && (best < 0 || tr.runs[i] < tr.runs[best]) {
			best = i
		}
	}
	return best // never -1: Go's way is never off
}

// recheck starts measuring again the ways that came within
// jpegRecheckWithin of the chosen one; the others keep their figures.
func (tr *jpegTrial) recheck(ways []*jpegWay) {
	limit := tr.medians[tr.chosen] * jpegRecheckWithin
	for i, w := range ways {
		if !w.off && tr.medians[i] <= limit {
			tr.runs[i], tr.samples[i], tr.walls[i] = 0, tr.samples[i][:0], tr.walls[i][:0]
		}
	}
	tr.last, tr.chosen, tr.since = tr.chosen, -1, 0
}

// maybeChoose picks, once every way has its samples, the way with the
// lowest median busy time among those whose median wall-clock time is
// within jpegMaxWall (Go's always is), and logs the figures: at info level
// when the choice is new.
func (c *jpegChooser) maybeChoose(tr *jpegTrial, w, h int) {
	best := -1
	for i, way := range c.ways {
		if way.off {
			continue
		}
		if len(tr.samples[i]) < jpegSamples {
			return
		}
		tr.medians[i] = median(tr.samples[i])
		tr.wallMed[i] = median(tr.walls[i])
	}
	for i, way := range c.ways {
		if way.off || (i > 0 && tr.wallMed[i] > jpegMaxWall) {
			continue
		}
		if best < 0 || tr.medians[i] < tr.medians[best] {
			best = i
		}
	}
	tr.chosen = best
	var figs []string
	for i, way := range c.ways {
		if way.off {
			continue
		}
		fig := way.name + " " + ms(tr.medians[i])
		if tr.wallMed[i] != tr.medians[i] {
			fig += " (" + ms(tr.wallMed[i]) + " wall)"
		}
		figs = append(figs, fig)
	}
	level := "info"
	if best == tr.last {
		level = "debug"
	}
	c.log(level, "display: MJPEG "+size(w, h)+" frames decoded by "+c.ways[best].name+
		" (thread time per frame, median of "+errfmt.Int(jpegSamples)+": "+strings.Join(figs, ", ")+")")
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}

// failed counts a failure of external way i; after jpegMaxFailures in a
// row the way is off for the channel, and sizes that had chosen it are
// measured again among the others.
func (c *jpegChooser) failed(i, w, h int, err error) {
	way := c.ways[i]
	way.failures++
	if way.failures == 1 {
		c.log("warn", "display: "+way.name+" could not decode a "+size(w, h)+" MJPEG frame, decoded with Go instead: "+err.Error())
	}
	if way.failures < jpegMaxFailures {
		return
	}
	way.off = true
	c.log("warn", "display: "+way.name+" failed "+errfmt.Int(way.failures)+" frames in a row; MJPEG frames are no longer decoded with it")
	for _, tr := range c.trials {
		if tr.chosen == i {
			tr.chosen = -1
		}
		tr.samples[i], tr.walls[i] = nil, nil
		tr.runs[i] = 0
	}
}

func size(w, h int) string { return errfmt.Int(w) + "x" + errfmt.Int(h) }

// median of a few samples. An insertion sort, because slices.Sort's
// generic pdqsort would add 12 KB to the wasm binary for five numbers.
func median(ds []time.Duration) time.Duration {
	s := make([]time.Duration, 0, len(ds))
	for _, d := range ds {
		i := len(s)
		s = append(s, d)
		for ; i > 0 && s[i-1] > d; i-- {
			s[i] = s[i-1]
		}
		s[i] = d
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
