package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"spiceweb/wasm/codec/codectest"
	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
)

// MJPEGSequence is a recorded MJPEG video stream:
// wasm/codec/jpeg/testdata/mjpeg-*/ (see its README). It travels to the
// browser as JSON; the frames go separately.
type MJPEGSequence struct {
	Name          string `json:"name"`
	Width, Height int    `json:"-"`
	// Frames are the frames in stream order; File is the path under the
	// jpeg testdata directory.
	Frames []Part `json:"frames"`
	// Seeds are the plasma seeds of the pictures each frame shows, and
	// PictureCRC the CRC-32 of each picture's RGBA pixels, from the
	// manifest: a reader regenerating the pictures checks them.
	Seeds      []int          `json:"-"`
	PictureCRC map[int]uint32 `json:"-"`
}

// LoadMJPEG reads every MJPEG sequence under codecRoot (the repository's
// wasm/codec), by name.
func LoadMJPEG(codecRoot string) ([]*MJPEGSequence, error) {
	dir := filepath.Join(codecRoot, CodecJPEG, "testdata")
	mans, err := filepath.Glob(filepath.Join(dir, "mjpeg-*", "manifest"))
	if err != nil {
		return nil, err
	}
	if len(mans) == 0 {
		return nil, fmt.Errorf("bench: no mjpeg-*/manifest in %s", dir)
	}
	slices.Sort(mans)
	var out []*MJPEGSequence
	for _, man := range mans {
		s, err := loadMJPEGSequence(dir, man)
		if err != nil {
			return nil, fmt.Errorf("bench: %s: %w", man, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func loadMJPEGSequence(dir, man string) (*MJPEGSequence, error) {
	name := filepath.Base(filepath.Dir(man))
	s := &MJPEGSequence{Name: name, PictureCRC: map[int]uint32{}}
	head, err := os.ReadFile(man)
	if err != nil {
		return nil, err
	}
	// The header's "SEED=CRC" words (codec/jpeg/testdata/README).
	first, _, _ := strings.Cut(string(head), "\n")
	for _, w := range strings.Fields(first) {
		k, v, ok := strings.Cut(w, "=")
		seed, err1 := strconv.Atoi(k)
		crc, err2 := strconv.ParseUint(v, 16, 32)
		if ok && err1 == nil && err2 == nil {
			s.PictureCRC[seed] = uint32(crc)
		}
	}
	list, err := codectest.ReadList(man, "seed", "mae")
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		seed, _, err := e.Int("seed")
		if err != nil {
			return nil, err
		}
		p := Part{File: name + "/" + e.Name}
		if p.Data, err = os.ReadFile(filepath.Join(dir, name, e.Name)); err != nil {
			return nil, err
		}
		s.Frames = append(s.Frames, p)
		s.Seeds = append(s.Seeds, seed)
	}
	if len(s.Frames) == 0 {
		return nil, fmt.Errorf("no frames")
	}
	w, h, err := jpeg.DecodeConfig(s.Frames[0].Data)
	if err != nil {
		return nil, fmt.Errorf("first frame: %w", err)
	}
	s.Width, s.Height = w, h
	return s, nil
}

// MJPEGCase decodes a sequence frame by frame as a display channel does
// (session/display_stream.go, session/jpeg.go): each frame made a complete
// JPEG with the stream's tables, then decoded by one way, Go's decoder or
// an external one, into one reused image.
type MJPEGCase struct {
	Seq *MJPEGSequence
	// Ext is the external decoder; nil decodes with Go.
	Ext session.JPEGDecoder

	stream jpeg.Stream
	dst    raster.Image
}

// Name is the way's name, as the session logs it.
func (c *MJPEGCase) Name() string {
	if c.Ext == nil {
		return "Go"
	}
	return c.Ext.Name()
}

// Frame decodes frame i, which must follow frame i-1 of the same pass (a
// pass starts at frame 0, with a new stream), and returns the image,
// valid until the next call.
func (c *MJPEGCase) Frame(ctx context.Context, i int) (*raster.Image, error) {
	if i == 0 {
		c.stream = jpeg.Stream{}
	}
	jfif, err := c.stream.Complete(c.Seq.Frames[i].Data)
	if err != nil {
		return nil, err
	}
	w, h, err := jpeg.DecodeConfig(jfif)
	if err != nil {
		return nil, err
	}
	if err := c.dst.Resize(w, h); err != nil {
		return nil, err
	}
	if c.Ext == nil {
		err = jpeg.Decode(jfif, &c.dst)
	} else {
		err = c.Ext.DecodeJPEG(ctx, jfif, &c.dst)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %s frame %d: %w", c.Seq.Name, c.Name(), i, err)
	}
	return &c.dst, nil
}

// Run decodes the whole sequence n times.
func (c *MJPEGCase) Run(ctx context.Context, n int) error {
	for range n {
		for i := range c.Seq.Frames {
			if _, err := c.Frame(ctx, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// FrameError compares the colour of two same-sized images: the mean
// absolute difference per R, G, B sample and the largest one.
func FrameError(got, want *raster.Image) (mean float64, maxd int, err error) {
	if got.W != want.W || got.H != want.H {
		return 0, 0, fmt.Errorf("bench: %dx%d against %dx%d", got.W, got.H, want.W, want.H)
	}
	var sum int
	for y := range got.H {
		g, w := got.Row(y), want.Row(y)
		for i := range g {
			if i%4 == 3 {
				continue
			}
			d := int(g[i]) - int(w[i])
			d = max(d, -d)
			sum += d
			maxd = max(maxd, d)
		}
	}
	return float64(sum) / float64(3*got.W*got.H), maxd, nil
}
