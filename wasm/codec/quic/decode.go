package quic

import (
	"encoding/binary"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// Type is QUIC's own image type enum, carried in the stream header. It is
// neither SpiceBitmapFmt nor the LZ image types.
// matches spice-common quic.h: QuicImageType.
type Type int

const (
	TypeGray  Type = 1 // one 8-bit plane; SPICE servers never send it
	TypeRGB16 Type = 2 // three 5-bit planes (x1r5g5b5 source)
	TypeRGB24 Type = 3 // three 8-bit planes
	TypeRGB32 Type = 4 // three 8-bit planes; same coding as RGB24
	TypeRGBA  Type = 5 // three 8-bit planes, then an 8-bit alpha plane per row
)

func (t Type) String() string {
	switch t {
	case TypeGray:
		return "GRAY"
	case TypeRGB16:
		return "RGB16"
	case TypeRGB24:
		return "RGB24"
	case TypeRGB32:
		return "RGB32"
	case TypeRGBA:
		return "RGBA"
	}
	return "Type(" + errfmt.Int(t) + ")"
}

// Config is the image header.
type Config struct {
	Type          Type
	Width, Height int
}

// FormatError reports a malformed stream.
type FormatError string

func (e FormatError) Error() string { return "quic: invalid format: " + string(e) }

var (
	errRunLength = FormatError("run length past the row segment")
	errTruncated = FormatError("truncated data")
	errCorrupt   = FormatError("codeword out of range")
)

const (
	magic     = 0x43495551 // "QUIC" as a little-endian word
	version   = 0          // major 0, minor 0
	headerLen = 5 * 4      // magic, version, type, width, height
)

// DecodeConfig parses and validates the header of a QUIC stream: src is the
// image data as carried in a SPICE QUIC image (after its data_size).
// matches spice-common quic.c: quic_decode_begin.
func DecodeConfig(src []byte) (Config, error) {
	if len(src)%4 != 0 {
		// The encoder only ever emits whole words.
		return Config{}, FormatError("data size " + errfmt.Int(len(src)) + " is not a multiple of 4")
	}
	if len(src) < headerLen {
		return Config{}, FormatError("short header")
	}
	word := func(i int) uint32 { return binary.LittleEndian.Uint32(src[4*i:]) }
	if m := word(0); m != magic {
		return Config{}, FormatError("bad magic " + errfmt.Hex(m, 8))
	}
	if v := word(1); v != version {
		return Config{}, FormatError("unsupported version " + errfmt.Hex(v, 0))
	}
	t := Type(word(2))
	if t < TypeGray || t > TypeRGBA {
		return Config{}, FormatError("unknown image type " + errfmt.Int(word(2)))
	}
	w, h := word(3), word(4)
	if w == 0 || h == 0 {
		return Config{}, FormatError("empty image " + errfmt.Int(w) + "x" + errfmt.Int(h))
	}
	if err := raster.CheckSize(int(w), int(h)); err != nil {
		return Config{}, errfmt.Wrap("quic: "+errfmt.Int(w)+"x"+errfmt.Int(h)+" image", err)
	}
	return Config{Type: t, Width: int(w), Height: int(h)}, nil
}

// Decoder decodes QUIC images. It keeps its buffers between calls, so a
// warm Decoder allocates nothing. The zero value is ready to use; a
// Decoder must not be used by two goroutines at once.
type Decoder struct {
	br      bitReader
	rgb     state    // colour channels (rgb_state)
	one     state    // alpha or gray channel (channels[3].state / channels[0].state)
	models  [4]model // r, g, b, then alpha or gray
	ctx3    []uint32 // colour residual row, see rgb.go
	ctx1    []byte   // alpha or gray residual row, same indexing
	zeros   []byte   // a row of zeros, read as the row above the first
	corrupt bool     // an escape codeword named a value beyond the sample range
}

// Decode decodes src into dst, resizing dst to the image's size. Output is
// RGBA: RGB24 and RGB32 get A=255, RGBA keeps the stream's alpha bytes
// as they are, RGB16 samples are widened to 8 bits and GRAY is replicated
// into R, G and B. On error dst holds an unspecified partial image.
func (d *Decoder) Decode(src []byte, dst *raster.Image) error {
	cfg, err := DecodeConfig(src)
	if err != nil {
		return err
	}
	if err := dst.Resize(cfg.Width, cfg.Height); err != nil {
		return err
	}
	d.reset(cfg)
	d.br.init(src, headerLen)

	w, h := cfg.Width, cfg.Height
	pix, stride := dst.Pix, dst.Stride
	var prev []byte
	for y := range h {
		cur := pix[y*stride : y*stride+4*w]
		switch cfg.Type {
		case TypeRGB24, TypeRGB32, TypeRGBA:
			d.startRow(false, y)
			if err := d.rgbRow(family8, prev, cur, w); err != nil {
				return err
			}
			if cfg.Type == TypeRGBA {
				d.startRow(true, y)
				if err := d.oneRow(prev, cur, 3, w); err != nil {
					return err
				}
			}
		case TypeRGB16:
			d.startRow(false, y)
			if err := d.rgbRow(family5, prev, cur, w); err != nil {
				return err
			}
			if prev != nil {
				widen5(prev)
			}
		case TypeGray:
			d.startRow(true, y)
			if err := d.oneRow(prev, cur, 0, w); err != nil {
				return err
			}
			// Row y+1 predicts from byte 0 only, so the row can be
			// completed now.
			for i := 0; i < len(cur); i += 4 {
				cur[i+1], cur[i+2], cur[i+3] = cur[i], cur[i], 0xff
			}
		}
		if d.corrupt {
			return errCorrupt
		}
		if d.br.overrun() {
			return errTruncated
		}
		prev = cur
	}
	if cfg.Type == TypeRGB16 {
		widen5(prev)
	}
	return nil
}

// Decode decodes src into dst with a fresh Decoder.
func Decode(src []byte, dst *raster.Image) error {
	var d Decoder
	return d.Decode(src, dst)
}

// reset prepares the decoder for an image: every image starts from fresh
// statistics and adaptation state.
// matches spice-common quic.c: encoder_reset, encoder_reset_channels.
func (d *Decoder) reset(cfg Config) {
	f := family8
	if cfg.Type == TypeRGB16 {
		f = family5
	}
	d.rgb.reset()
	d.one.reset()
	for i := range 3 {
		d.models[i].reset(f)
	}
	d.models[3].reset(family8)
	n := cfg.Width + 1
	if cap(d.ctx3) < n {
		d.ctx3 = make([]uint32, n)
		d.ctx1 = make([]byte, n)
	}
	d.ctx3, d.ctx1 = d.ctx3[:n], d.ctx1[:n]
	if len(d.zeros) < 4*cfg.Width {
		d.zeros = make([]byte, 4*cfg.Width)
	}
	d.corrupt = false
}

// startRow sets the "pixel -1" contexts of the colour channels (one ==
// false) or of the one-channel pass: zero on the first row, else the
// residuals of the previous row's first pixel.
// matches spice-common quic.c: uncompress_rgba and friends (correlate_row[-1]).
func (d *Decoder) startRow(one bool, y int) {
	switch {
	case one && y == 0:
		d.ctx1[0] = 0
	case one:
		d.ctx1[0] = d.ctx1[1]
	case y == 0:
		d.ctx3[0] = 0
	default:
		d.ctx3[0] = d.ctx3[1]
	}
}

// widen5 turns a row of 5-bit samples into 8-bit ones.
// matches spice-common quic_tmpl.c: QUIC_RGB16_TO_32 SET_r/g/b.
func widen5(row []byte) {
	for i := 0; i < len(row); i += 4 {
		px := row[i : i+3 : i+3]
		px[0] = px[0]<<3 | px[0]>>2
		px[1] = px[1]<<3 | px[1]>>2
		px[2] = px[2]<<3 | px[2]>>2
	}
}
