package bench

import (
	"context"
	"fmt"
	"hash/crc32"

	"spiceweb/wasm/codec/bitmap"
	"spiceweb/wasm/codec/glz"
	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/codec/lz4"
	"spiceweb/wasm/codec/quic"
	"spiceweb/wasm/raster"
)

// glzWindow is the dictionary size tools/spicerec announced when the GLZ
// fixtures were recorded (glz/testdata/README); the session client uses
// the same order of size.
const glzWindow = 4 << 20

// Case decodes one Fixture repeatedly, as a display channel would: one
// decoder and one destination image kept across calls, so that steady
// state allocates nothing the decoder itself does not.
type Case struct {
	Fixture *Fixture
	// Bytes is the output of one Decode: 4 bytes per pixel of every image.
	Bytes int64
	// Shape describes the output for tables: "WxH", or for a sequence
	// "N images".
	Shape string

	dst    raster.Image
	decode func(p *Part) error // decodes one payload into dst
	begin  func()              // runs before each sequence (GLZ: empty window)
	sums   []uint32            // CRC-32 of each part's output, from the first Decode
}

// NewCase prepares f (whose Parts hold their Data) and decodes it once, to
// fail early and to size Bytes.
func NewCase(f *Fixture) (*Case, error) {
	if len(f.Parts) == 0 {
		return nil, fmt.Errorf("bench: %s: no payloads", f.ID())
	}
	c := &Case{Fixture: f, begin: func() {}, sums: make([]uint32, len(f.Parts))}
	switch f.Codec {
	case CodecQUIC:
		var d quic.Decoder
		c.decode = func(p *Part) error { return d.Decode(p.Data, &c.dst) }
	case CodecLZ:
		c.decode = func(p *Part) error { return decodeLZ(p.Data, f.Palette, &c.dst) }
	case CodecGLZ:
		w := glz.NewWindow(glzWindow)
		// A done context: a reference to a missing image fails at once
		// instead of waiting for another channel that does not exist.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c.begin = w.Reset
		c.decode = func(p *Part) error {
			if p.GLZSize > 0 {
				return w.DecodeZlib(ctx, p.Data, p.GLZSize, &c.dst)
			}
			return w.Decode(ctx, p.Data, &c.dst)
		}
	case CodecLZ4:
		c.decode = func(p *Part) error { return lz4.Decode(p.Data, f.Width, f.Height, &c.dst) }
	case CodecBitmap:
		c.decode = func(p *Part) error {
			return bitmap.Decode(p.Data, bitmap.Format(f.Format), f.Width, f.Height, f.Stride, f.TopDown, f.Palette, &c.dst)
		}
	case CodecJPEG:
		c.decode = func(p *Part) error {
			if f.JPEGSize > 0 {
				return jpeg.DecodeAlpha(p.Data, f.JPEGSize, f.TopDown, &c.dst)
			}
			return jpeg.Decode(p.Data, &c.dst)
		}
	default:
		return nil, fmt.Errorf("bench: %s: unknown codec %q", f.ID(), f.Codec)
	}
	// The first pass sizes Bytes and records the checksums.
	c.begin()
	for i := range f.Parts {
		if err := c.decode(&f.Parts[i]); err != nil {
			return nil, fmt.Errorf("bench: %s: %s: %w", f.ID(), f.Parts[i].File, err)
		}
		c.Bytes += int64(c.dst.W) * int64(c.dst.H) * 4
		c.sums[i] = imageSum(&c.dst)
	}
	c.Shape = fmt.Sprintf("%dx%d", c.dst.W, c.dst.H)
	if len(f.Parts) > 1 {
		c.Shape = fmt.Sprintf("%d images", len(f.Parts))
	}
	return c, nil
}

// decodeLZ decodes the way each LZ type is used: XXXA is only ever the
// alpha plane of JPEG_ALPHA, so it goes onto a cleared image with
// DecodeAlpha, as lz's own golden test does.
func decodeLZ(src []byte, pal []uint32, dst *raster.Image) error {
	h, err := lz.DecodeConfig(src)
	if err != nil {
		return err
	}
	if h.Type != lz.TypeXXXA {
		return lz.Decode(src, pal, dst)
	}
	if err := dst.Resize(h.Width, h.Height); err != nil {
		return err
	}
	clear(dst.Pix)
	return lz.DecodeAlpha(src, dst)
}

// Decode decodes every part once.
func (c *Case) Decode() error {
	c.begin()
	for i := range c.Fixture.Parts {
		if err := c.decode(&c.Fixture.Parts[i]); err != nil {
			return fmt.Errorf("bench: %s: %s: %w", c.Fixture.ID(), c.Fixture.Parts[i].File, err)
		}
	}
	return nil
}

// Run decodes n times, stopping at the first error.
func (c *Case) Run(n int) error {
	for range n {
		if err := c.Decode(); err != nil {
			return err
		}
	}
	return nil
}

// Check decodes once more and compares every part's output with the
// first decode's, so that a decoder whose state carries over between
// iterations (a GLZ window not reset) cannot go unnoticed.
func (c *Case) Check() error {
	c.begin()
	for i := range c.Fixture.Parts {
		p := &c.Fixture.Parts[i]
		if err := c.decode(p); err != nil {
			return fmt.Errorf("bench: %s: %s: %w", c.Fixture.ID(), p.File, err)
		}
		if s := imageSum(&c.dst); s != c.sums[i] {
			return fmt.Errorf("bench: %s: %s: repeated decode differs from the first (crc %08x, first %08x)",
				c.Fixture.ID(), p.File, s, c.sums[i])
		}
	}
	return nil
}

// Sum is a CRC-32 of everything the first Decode produced (every part's
// pixels, in order), to check that two builds of the decoders agree.
func (c *Case) Sum() uint32 {
	h := crc32.NewIEEE()
	var b [4]byte
	for _, s := range c.sums {
		b[0], b[1], b[2], b[3] = byte(s>>24), byte(s>>16), byte(s>>8), byte(s)
		h.Write(b[:])
	}
	return h.Sum32()
}

// Image is the output of the last part decoded, valid until the next
// Decode.
func (c *Case) Image() *raster.Image { return &c.dst }

// imageSum is the CRC-32 of an image's rows, stride padding excluded,
// followed by its size.
func imageSum(m *raster.Image) uint32 {
	h := crc32.NewIEEE()
	for y := range m.H {
		h.Write(m.Row(y))
	}
	var b [8]byte
	b[0], b[1], b[2], b[3] = byte(m.W>>24), byte(m.W>>16), byte(m.W>>8), byte(m.W)
	b[4], b[5], b[6], b[7] = byte(m.H>>24), byte(m.H>>16), byte(m.H>>8), byte(m.H)
	h.Write(b[:])
	return h.Sum32()
}
