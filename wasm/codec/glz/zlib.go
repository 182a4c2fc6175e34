package glz

import (
	"context"
	"encoding/binary"
	"hash/adler32"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// DecodeZlib decodes a ZLIB_GLZ_RGB payload: a zlib stream (RFC 1950, as
// the server's deflateInit writes it) that inflates to exactly glzSize
// bytes of GLZ, which is then decoded as by Decode.
// References: canvas_base.c canvas_get_zlib_glz_rgb, spice-gtk
// decode-zlib.c, server zlib-encoder.c.
func (w *Window) DecodeZlib(ctx context.Context, src []byte, glzSize int, dst *raster.Image) error {
	if glzSize < HeaderLen {
		return FormatError("GLZ size " + errfmt.Int(glzSize) + " is shorter than a header")
	}
	z := w.takeInflater()
	defer w.putInflater(z)
	glz, err := z.inflate(src, glzSize, w.max)
	if err != nil {
		return err
	}
	h, err := DecodeConfig(glz)
	if err != nil {
		return err
	}
	return w.decode(ctx, h, glz[HeaderLen:], dst)
}

// inflater is a reusable DEFLATE decoder with its output buffer.
type inflater struct {
	buf       []byte
	lit, dist huffman
}

// maxInflaters is how many idle inflaters a window keeps: one per display
// channel decoding at the same time is plenty.
const maxInflaters = 4

func (w *Window) takeInflater() *inflater {
	w.mu.Lock()
	defer w.mu.Unlock()
	if k := len(w.inflaters); k > 0 {
		z := w.inflaters[k-1]
		w.inflaters[k-1] = nil
		w.inflaters = w.inflaters[:k-1]
		return z
	}
	return new(inflater)
}

func (w *Window) putInflater(z *inflater) {
	if cap(z.buf) > w.max*4 {
		z.buf = nil // an outsized stream: don't keep its memory
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed && len(w.inflaters) < maxInflaters {
		w.inflaters = append(w.inflaters, z)
	}
}

// inflate returns the size bytes src inflates to. The zlib header and
// trailer are handled here and the checksum needs no allocation
// (hash/adler32.Checksum). The output buffer grows with the data actually
// inflated (deflate expands at most 1032:1), so a small message cannot
// claim a large allocation, and within what a GLZ image the window
// accepts can need.
func (z *inflater) inflate(src []byte, size, maxPixels int) ([]byte, error) {
	if len(src) < 2 {
		return nil, FormatError("short zlib stream")
	}
	cmf, flg := src[0], src[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint(cmf)<<8|uint(flg))%31 != 0 {
		return nil, FormatError("bad zlib header")
	}
	if flg&0x20 != 0 {
		return nil, FormatError("zlib stream with a preset dictionary")
	}
	d := deflate{src: src[2:], out: z.buf[:cap(z.buf)], size: size, lit: &z.lit, dist: &z.dist}
	used, err := d.run()
	z.buf = d.out[:0]
	switch err {
	case nil:
	case errTooLong:
		return nil, FormatError("zlib stream inflates to more than " + errfmt.Int(size) + " bytes")
	case errEOF:
		return nil, FormatError("zlib stream shorter than its GLZ size")
	default:
		return nil, FormatError("zlib: " + err.Error())
	}
	buf := d.out[:d.pos]
	if len(buf) < HeaderLen {
		return nil, FormatError("zlib stream shorter than its GLZ size")
	}
	h, err := DecodeConfig(buf)
	if err != nil {
		return nil, err
	}
	// Every token yields at least one pixel and takes at most 7 bytes
	// (glz-encode-match.tmpl.c), plus one length byte per 255 pixels; an
	// RGBA image has two passes.
	n := min(h.Width*h.Height, maxPixels)
	if limit := HeaderLen + 16*n + 64; size > limit {
		return nil, FormatError("GLZ size " + errfmt.Int(size) + " is too large for a " + errfmt.Int(h.Width) + "x" + errfmt.Int(h.Height) + " image")
	}
	if len(buf) < size {
		return nil, FormatError("zlib stream shorter than its GLZ size")
	}
	rest := src[2+used:]
	if len(rest) < 4 {
		return nil, FormatError("zlib stream without checksum")
	}
	if binary.BigEndian.Uint32(rest) != adler32.Checksum(buf) {
		return nil, FormatError("zlib checksum mismatch")
	}
	if len(rest) != 4 {
		return nil, FormatError("data after the zlib stream")
	}
	return buf, nil
}
