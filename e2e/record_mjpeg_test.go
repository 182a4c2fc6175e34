//go:build linux

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"hash/crc32"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// EnvRecordMJPEG names the directory TestRecordMJPEGFixtures writes MJPEG
// stream fixtures to (one subdirectory per size); the test is skipped
// without it. The codec tests and the benchmarks read
// wasm/codec/jpeg/testdata:
//
//	SPICEWEB_RECORD_MJPEG=$PWD/wasm/codec/jpeg/testdata go test ./e2e -run RecordMJPEGFixtures -v
const EnvRecordMJPEG = "SPICEWEB_RECORD_MJPEG"

// mjpegRecording is one fixture TestRecordMJPEGFixtures records: an
// animation of plasma pictures w x h, and how many consecutive frames of
// its stream to keep.
type mjpegRecording struct {
	w, h, frames int
}

var mjpegRecordings = []mjpegRecording{{320, 240, 16}, {640, 480, 10}}

// mjpegSeeds are the plasma seeds of the animation's pictures; animate
// loops over them.
const (
	mjpegFirstSeed = 300
	mjpegPictures  = 8
)

// TestRecordMJPEGFixtures records MJPEG video frames as Xspice streams
// them: an ImageMagick animation at 25 frames per second on a server
// without off-screen surfaces and with --streaming-video all, recorded by
// tools/spicerec. It keeps the first frames of the stream whose source is
// the animation (the first carries the tables the others lack), checks
// that every frame decodes to one of the animation's pictures within a
// mean error, and writes them with a manifest naming that picture.
func TestRecordMJPEGFixtures(t *testing.T) {
	out := os.Getenv(EnvRecordMJPEG)
	if out == "" {
		t.Skipf("set %s=DIR to record MJPEG fixtures", EnvRecordMJPEG)
	}
	animate := Tool{"animate", "/usr/bin/animate", "imagemagick"}
	Require(t, append(append(append([]Tool{}, xspiceTools...), xclientTools...), animate)...)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(t.TempDir(), "spicerec")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", rec, "./tools/spicerec")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building spicerec: %v\n%s", err, b)
	}
	for _, r := range mjpegRecordings {
		t.Run(fmt.Sprintf("%dx%d", r.w, r.h), func(t *testing.T) { recordMJPEG(t, rec, animate, r, out) })
	}
}

func recordMJPEG(t *testing.T, spicerec string, animate Tool, r mjpegRecording, out string) {
	x := StartXspice(t, XspiceOptions{DisableSurfaces: true, ExtraArgs: []string{"--streaming-video", "all", "--video-codecs", "spice:mjpeg"}})
	x.SetRootColor("#336633")
	x.MouseMove(image.Pt(1010, 750))
	var paths []string
	var pics []*raster.Image
	for i := range mjpegPictures {
		p, img := Plasma(t, r.w, r.h, mjpegFirstSeed+i)
		paths = append(paths, p)
		pics = append(pics, img)
	}
	x.Start("animate", animate, append([]string{"-delay", "4", "-geometry", "+100+80"}, paths...)...)
	time.Sleep(2 * time.Second) // the window is up and the server streams

	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if b, err := runCmd(ctx, nil, spicerec, "-addr", fmt.Sprintf("127.0.0.1:%d", x.Port), "-out", dir, "-for", "5s"); err != nil {
		t.Fatalf("spicerec: %v\n%s", err, b)
	}
	frames, flags := streamFrames(t, dir, r.w, r.h)
	if len(frames) < r.frames {
		t.Fatalf("recorded %d frames of a %dx%d stream, want %d", len(frames), r.w, r.h, r.frames)
	}
	frames = frames[:r.frames]

	// Every frame must be one of the pictures, bottom-up unless the
	// stream says top-down, within the error JPEG at the server's quality
	// leaves.
	const maxMean = 12.0
	var st jpeg.Stream
	var img raster.Image
	var lines []string
	total, tableless := 0, 0
	for i, f := range frames {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, next, err := jpeg.Complete(nil, data, jpeg.Tables{}); err != nil || next.DHT == nil {
			tableless++
		}
		if err := st.Decode(data, &img); err != nil {
			t.Fatalf("frame %d (%s): %v", i, filepath.Base(f), err)
		}
		if flags&spice.StreamFlagTopDown == 0 {
			flipImage(&img)
		}
		best, bestErr := -1, math.Inf(1)
		for k, p := range pics {
			if e := meanError(&img, p, image.Rectangle{}); e < bestErr {
				best, bestErr = k, e
			}
		}
		if bestErr > maxMean {
			t.Fatalf("frame %d: mean error %.2f against the closest picture, want <= %v", i, bestErr, maxMean)
		}
		name := fmt.Sprintf("%04d.mjpeg", i)
		lines = append(lines, fmt.Sprintf("%s seed=%d mae=%.2f", name, mjpegFirstSeed+best, bestErr))
		total += len(data)
	}
	if tableless == 0 {
		t.Errorf("every frame carries its Huffman tables; the fixture would not exercise Complete")
	}

	seq := filepath.Join(out, fmt.Sprintf("mjpeg-xspice-%dx%d", r.w, r.h))
	if err := os.RemoveAll(seq); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(seq, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(seq, fmt.Sprintf("%04d.mjpeg", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The pictures' checksums let a reader regenerate them (e2e.Plasma)
	// and know whether this ImageMagick draws the same ones.
	head := fmt.Sprintf("# %dx%d flags=%d; pictures: convert -seed SEED -size %dx%d plasma:fractal -depth 8, seeds %d-%d, crc32 of RGBA:",
		r.w, r.h, flags, r.w, r.h, mjpegFirstSeed, mjpegFirstSeed+mjpegPictures-1)
	for k, p := range pics {
		head += fmt.Sprintf(" %d=%08x", mjpegFirstSeed+k, crc32.ChecksumIEEE(p.Pix))
	}
	manifest := head + "\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(seq, "manifest"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d frames (%d bytes, %d without Huffman tables) to %s:\n%s", len(frames), total, tableless, seq, manifest)
}

// streamFrames reads spicerec's index in dir and returns the frame files
// of the first MJPEG stream of w x h, in order, and its flags.
func streamFrames(t *testing.T, dir string, w, h int) ([]string, uint8) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, flags := "", uint8(0)
	var frames []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 11 {
			continue
		}
		switch {
		case c[0] == "stream-create" && id == "" && c[2] == fmt.Sprintf("codec=%d", spice.VideoCodecMJPEG) &&
			c[5] == strconv.Itoa(w) && c[6] == strconv.Itoa(h):
			id = c[3]
			fl, err := strconv.Atoi(c[4])
			if err != nil {
				t.Fatalf("index: flags %q", c[4])
			}
			flags = uint8(fl)
		case c[2] == "stream-data" && id != "" && c[3] == id:
			frames = append(frames, filepath.Join(dir, c[0]+".bin"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatalf("no %dx%d MJPEG stream in the recording", w, h)
	}
	return frames, flags
}

// flipImage turns m upside down.
func flipImage(m *raster.Image) {
	tmp := make([]byte, m.W*4)
	for y0, y1 := 0, m.H-1; y0 < y1; y0, y1 = y0+1, y1-1 {
		copy(tmp, m.Row(y0))
		copy(m.Row(y0), m.Row(y1))
		copy(m.Row(y1), tmp)
	}
}
