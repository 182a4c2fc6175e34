package raster

import (
	"encoding/binary"
	"errors"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// Format is a surface pixel format; the values are SpiceSurfaceFmt's.
// Whatever the format, a Surface stores 4-byte RGBA pixels; the format
// decides which values those pixels may hold (see Surface).
type Format uint32

const (
	FormatA1        = Format(spice.SurfaceFmt1A)
	FormatA8        = Format(spice.SurfaceFmt8A)
	FormatRGB16_555 = Format(spice.SurfaceFmt16_555)
	FormatXRGB32    = Format(spice.SurfaceFmt32xRGB)
	FormatRGB16_565 = Format(spice.SurfaceFmt16_565)
	FormatARGB32    = Format(spice.SurfaceFmt32ARGB)
)

func (f Format) String() string {
	switch f {
	case FormatA1:
		return "A1"
	case FormatA8:
		return "A8"
	case FormatRGB16_555:
		return "RGB16_555"
	case FormatXRGB32:
		return "xRGB32"
	case FormatRGB16_565:
		return "RGB16_565"
	case FormatARGB32:
		return "ARGB32"
	}
	return "Format(" + errfmt.Int(f) + ")"
}

// Valid reports whether f is one of the six SPICE surface formats.
func (f Format) Valid() bool {
	switch f {
	case FormatA1, FormatA8, FormatRGB16_555, FormatXRGB32, FormatRGB16_565, FormatARGB32:
		return true
	}
	return false
}

// Surface is a draw target: an Image whose pixels always hold values the
// format can represent, so reading a pixel back gives what spice-common's
// pixman canvas of that format holds:
//
//   - xRGB32: A is 255. pixman leaves the x byte to whatever was written;
//     nothing SPICE draws depends on it except its own value, and a
//     constant 255 lets the presenter copy rows straight to the browser.
//   - ARGB32: premultiplied RGBA, every byte as written.
//   - RGB16_555, RGB16_565: each channel is quantised to its depth and
//     expanded by bit replication (v<<3 | v>>2 for 5 bits), which is how
//     pixman truncates on store and expands on fetch; A is 255.
//   - A8: the value is in A; R, G and B are 0 (pixman's a8 fetch).
//   - A1: A is 0 or 255; R, G and B are 0.
//
// Drawing methods clip to the surface, add what they change to Damage and
// never panic, whatever the coordinates. A Surface keeps scratch buffers,
// so it must not be drawn to from two goroutines at once.
type Surface struct {
	Image
	Format Format

	// Damage accumulates the rects changed by drawing methods; the
	// presenter reads and resets it.
	Damage Damage

	scratch scratch
}

// NewSurface returns a w x h surface holding zero in its format: black
// for the colour formats (A=255 except ARGB32, which is transparent
// black), and A=0 for A8 and A1. spice-gtk's canvases start zeroed too.
func NewSurface(w, h int, f Format) (*Surface, error) {
	if !f.Valid() {
		return nil, errors.New("raster: unknown surface format " + errfmt.Int(f))
	}
	s := &Surface{Format: f}
	if err := s.Resize(w, h); err != nil {
		return nil, err
	}
	clear(s.Pix)
	s.fixAll()
	return s, nil
}

// Clear sets every pixel to zero in the surface's format, as spice-common's
// canvas_clear does on RESET, and damages the whole surface.
func (s *Surface) Clear() {
	if !s.Image.valid() {
		return
	}
	for y := 0; y < s.H; y++ {
		clear(s.Row(y))
	}
	s.fixAll()
	s.Damage.Add(s.Bounds())
}

func (s *Surface) fixAll() {
	if s.Format == FormatARGB32 || s.Format == FormatA8 || s.Format == FormatA1 {
		// zero is already a valid pixel in these formats
		return
	}
	for y := 0; y < s.H; y++ {
		fixSpan(s.Format, s.Row(y))
	}
}

// Pixel converts a colour as SPICE sends it for a surface of this format
// into the stored RGBA word (R in the low byte, as binary.LittleEndian
// reads the 4 bytes). The wire colour is a pixel value of the surface's
// own format: 0xAARRGGBB for the 32-bit formats (the top byte matters
// only for ARGB32), a 555 or 565 value in the low 16 bits for the 16-bit
// formats, the alpha in the low 8 bits for A8 and the low bit for A1.
// This is what pixman_fill and spice-common's solid ROP fills store, as
// they write the value as is (pixman_utils.c spice_pixman_fill_rect).
func (f Format) Pixel(c uint32) uint32 {
	switch f {
	case FormatARGB32:
		return c&0xff000000 | (c>>16)&0xff | c&0xff00 | (c&0xff)<<16
	case FormatRGB16_555:
		r, g, b := (c>>10)&31, (c>>5)&31, c&31
		return 0xff000000 | expand5(b)<<16 | expand5(g)<<8 | expand5(r)
	case FormatRGB16_565:
		r, g, b := (c>>11)&31, (c>>5)&63, c&31
		return 0xff000000 | expand5(b)<<16 | expand6(g)<<8 | expand5(r)
	case FormatA8:
		return (c & 0xff) << 24
	case FormatA1:
		return (c & 1) * 0xff000000
	}
	// xRGB32, and a default for invalid formats
	return 0xff000000 | (c>>16)&0xff | c&0xff00 | (c&0xff)<<16
}

func expand5(v uint32) uint32 { return v<<3 | v>>2 }
func expand6(v uint32) uint32 { return v<<2 | v>>4 }

// rgbWord converts a 0x00RRGGBB colour (TRANSPARENT's true_color) to the
// stored word layout, with A=0.
func rgbWord(c uint32) uint32 { return (c>>16)&0xff | c&0xff00 | (c&0xff)<<16 }

// fixSpan brings the pixels in b (whole pixels) to values the format can
// hold. Every draw applies it after computing new pixels, which matches
// pixman because all the SPICE operations are either bitwise (and bit
// selection followed by bit replication commutes with bitwise operators)
// or, for blending, compute in 8 bits and then store (truncate).
func fixSpan(f Format, b []byte) {
	var and, or uint64
	switch f {
	case FormatARGB32:
		return
	case FormatXRGB32:
		and, or = ^uint64(0), 0xff000000_ff000000
	case FormatA8:
		and, or = 0xff000000_ff000000, 0
	case FormatRGB16_555:
		fix555(b)
		return
	case FormatRGB16_565:
		fix565(b)
		return
	case FormatA1:
		fixA1(b)
		return
	default:
		return
	}
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(b[i:], w&and|or)
	}
	if i+4 <= len(b) {
		w := binary.LittleEndian.Uint32(b[i:])
		binary.LittleEndian.PutUint32(b[i:], w&uint32(and)|uint32(or))
	}
}

// fix555 keeps the top 5 bits of R, G and B and replicates them into the
// low 3 (two pixels per 64-bit word; the masks keep lanes apart).
func fix555(b []byte) {
	const hiMask, loMask, alpha = 0x00f8f8f8_00f8f8f8, 0x00070707_00070707, 0xff000000_ff000000
	i := 0
	for ; i+8 <= len(b); i += 8 {
		hi := binary.LittleEndian.Uint64(b[i:]) & hiMask
		binary.LittleEndian.PutUint64(b[i:], hi|(hi>>5)&loMask|alpha)
	}
	if i+4 <= len(b) {
		hi := binary.LittleEndian.Uint32(b[i:]) & (hiMask & 0xffffffff)
		binary.LittleEndian.PutUint32(b[i:], hi|(hi>>5)&(loMask&0xffffffff)|alpha&0xffffffff)
	}
}

// fix565 is fix555 with 6 bits of green (byte 1).
func fix565(b []byte) {
	const hiMask, lo5, lo6, alpha = 0x00f8fcf8_00f8fcf8, 0x00070007_00070007, 0x00000300_00000300, 0xff000000_ff000000
	i := 0
	for ; i+8 <= len(b); i += 8 {
		hi := binary.LittleEndian.Uint64(b[i:]) & hiMask
		binary.LittleEndian.PutUint64(b[i:], hi|(hi>>5)&lo5|(hi>>6)&lo6|alpha)
	}
	if i+4 <= len(b) {
		hi := binary.LittleEndian.Uint32(b[i:]) & (hiMask & 0xffffffff)
		binary.LittleEndian.PutUint32(b[i:], hi|(hi>>5)&(lo5&0xffffffff)|(hi>>6)&(lo6&0xffffffff)|alpha&0xffffffff)
	}
}

// fixA1 keeps the top bit of A and replicates it over the byte.
func fixA1(b []byte) {
	const top = 0x00000001_00000001
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(b[i:], (w>>31)&top*0xff000000)
	}
	if i+4 <= len(b) {
		w := binary.LittleEndian.Uint32(b[i:])
		binary.LittleEndian.PutUint32(b[i:], (w>>31)*0xff000000)
	}
}

// fixWord is fixSpan for one pixel word.
func fixWord(f Format, w uint32) uint32 {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], w)
	fixSpan(f, b[:])
	return binary.LittleEndian.Uint32(b[:])
}
