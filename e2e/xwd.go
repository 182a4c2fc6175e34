package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"spiceweb/wasm/raster"
)

// XWD is the X Window Dump format that `xwd` writes: a big-endian header,
// the window name, a colour table, then the pixels in the server's layout.
// Layout from X11/XWDFile.h (version 7); only the ZPixmap true-colour case
// an X server at depth 24 produces is supported.
const (
	xwdHeaderLen = 100 // sz_XWDheader: 25 CARD32 fields
	xwdColorLen  = 12  // sz_XWDColor
	xwdVersion   = 7
	xwdZPixmap   = 2
	xwdLSBFirst  = 0
	xwdMSBFirst  = 1
	xwdTrueColor = 4
	xwdDirect    = 5
)

var errXWDFormat = errors.New("e2e: xwd: invalid format")

func xwdFormatError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errXWDFormat, fmt.Sprintf(format, args...))
}

// XWDHeader holds the header fields DecodeXWD uses.
type XWDHeader struct {
	HeaderSize, Version, Format, Depth uint32
	Width, Height                      uint32
	ByteOrder, BitsPerPixel            uint32
	BytesPerLine, VisualClass          uint32
	RedMask, GreenMask, BlueMask       uint32
	NColors                            uint32
}

// DecodeXWDHeader reads and checks the header of an XWD file.
func DecodeXWDHeader(src []byte) (XWDHeader, error) {
	var h XWDHeader
	if len(src) < xwdHeaderLen {
		return h, xwdFormatError("%d bytes, want at least %d for the header", len(src), xwdHeaderLen)
	}
	f := func(i int) uint32 { return binary.BigEndian.Uint32(src[i*4:]) }
	h = XWDHeader{
		HeaderSize: f(0), Version: f(1), Format: f(2), Depth: f(3),
		Width: f(4), Height: f(5), ByteOrder: f(7), BitsPerPixel: f(11),
		BytesPerLine: f(12), VisualClass: f(13),
		RedMask: f(14), GreenMask: f(15), BlueMask: f(16), NColors: f(19),
	}
	switch {
	case h.Version != xwdVersion:
		return h, xwdFormatError("file version %d, want %d", h.Version, xwdVersion)
	case h.HeaderSize < xwdHeaderLen || uint64(h.HeaderSize) > uint64(len(src)):
		return h, xwdFormatError("header size %d outside [%d, %d]", h.HeaderSize, xwdHeaderLen, len(src))
	case h.Format != xwdZPixmap:
		return h, xwdFormatError("pixmap format %d, only ZPixmap (2) is supported", h.Format)
	case h.BitsPerPixel != 24 && h.BitsPerPixel != 32:
		return h, xwdFormatError("%d bits per pixel, only 24 and 32 are supported", h.BitsPerPixel)
	case h.VisualClass != xwdTrueColor && h.VisualClass != xwdDirect:
		return h, xwdFormatError("visual class %d, only TrueColor and DirectColor are supported", h.VisualClass)
	case h.ByteOrder != xwdLSBFirst && h.ByteOrder != xwdMSBFirst:
		return h, xwdFormatError("byte order %d", h.ByteOrder)
	case h.Width > raster.MaxDim || h.Height > raster.MaxDim:
		return h, raster.ErrTooLarge
	}
	if err := raster.CheckSize(int(h.Width), int(h.Height)); err != nil {
		return h, err
	}
	if uint64(h.BytesPerLine) < uint64(h.Width)*uint64(h.BitsPerPixel/8) {
		return h, xwdFormatError("%d bytes per line for %d pixels of %d bits", h.BytesPerLine, h.Width, h.BitsPerPixel)
	}
	for _, m := range []uint32{h.RedMask, h.GreenMask, h.BlueMask} {
		if _, _, ok := maskShape(m); !ok {
			return h, xwdFormatError("colour mask %#x is not one run of 1 to 8 bits", m)
		}
	}
	return h, nil
}

// maskShape returns the shift and width of a contiguous mask.
func maskShape(m uint32) (shift, width int, ok bool) {
	if m == 0 {
		return 0, 0, false
	}
	shift = bits.TrailingZeros32(m)
	width = bits.OnesCount32(m)
	if width > 8 || m>>shift != 1<<width-1 {
		return 0, 0, false
	}
	return shift, width, true
}

// DecodeXWD decodes an XWD dump of a true-colour ZPixmap into dst, resizing
// it, with alpha 255 (an X framebuffer has no alpha). Channels narrower than
// 8 bits are scaled to the full 0..255 range.
func DecodeXWD(src []byte, dst *raster.Image) error {
	h, err := DecodeXWDHeader(src)
	if err != nil {
		return err
	}
	w, ht := int(h.Width), int(h.Height)
	pixOff := uint64(h.HeaderSize) + uint64(h.NColors)*xwdColorLen
	need := pixOff + uint64(h.BytesPerLine)*uint64(ht)
	if ht > 0 {
		// The last row need not carry its padding.
		need -= uint64(h.BytesPerLine) - uint64(w)*uint64(h.BitsPerPixel/8)
	}
	if need > uint64(len(src)) {
		return xwdFormatError("%d bytes, want %d for %dx%d pixels", len(src), need, w, ht)
	}
	if err := dst.Resize(w, ht); err != nil {
		return err
	}
	var ch [3]struct {
		shift int
		lut   [256]byte // channel value -> 8 bits, for widths below 8
		width int
	}
	for i, m := range []uint32{h.RedMask, h.GreenMask, h.BlueMask} {
		ch[i].shift, ch[i].width, _ = maskShape(m)
		max := 1<<ch[i].width - 1
		for v := 0; v <= max; v++ {
			ch[i].lut[v] = byte((v*255 + max/2) / max)
		}
	}
	bpp := int(h.BitsPerPixel / 8)
	lsb := h.ByteOrder == xwdLSBFirst
	pix := src[pixOff:]
	fast := bpp == 4 && lsb && h.RedMask == 0xff0000 && h.GreenMask == 0xff00 && h.BlueMask == 0xff
	for y := 0; y < ht; y++ {
		in := pix[y*int(h.BytesPerLine):]
		out := dst.Row(y)
		if fast { // what Xorg on x86 writes: B, G, R, pad
			for x := 0; x < w; x++ {
				o, i := out[x*4:x*4+4], in[x*4:x*4+3]
				o[0], o[1], o[2], o[3] = i[2], i[1], i[0], 255
			}
			continue
		}
		for x := 0; x < w; x++ {
			p := in[x*bpp : x*bpp+bpp]
			var v uint32
			switch {
			case bpp == 4 && lsb:
				v = binary.LittleEndian.Uint32(p)
			case bpp == 4:
				v = binary.BigEndian.Uint32(p)
			case lsb:
				v = uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16
			default:
				v = uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
			}
			o := out[x*4 : x*4+4]
			for c := range 3 {
				o[c] = ch[c].lut[(v>>ch[c].shift)&(1<<ch[c].width-1)]
			}
			o[3] = 255
		}
	}
	return nil
}
