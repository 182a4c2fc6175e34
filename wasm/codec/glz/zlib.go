package glz

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"io"

	"spiceweb/wasm/raster"
)

// DecodeZlib decodes a ZLIB_GLZ_RGB payload: a zlib stream (RFC 1950, as
// the server's deflateInit writes it) that inflates to exactly glzSize
// bytes of GLZ, which is then decoded as by Decode.
// References: canvas_base.c canvas_get_zlib_glz_rgb, spice-gtk
// decode-zlib.c, server zlib-encoder.c.
func (w *Window) DecodeZlib(ctx context.Context, src []byte, glzSize int, dst *raster.Image) error {
	if glzSize < HeaderLen {
		return FormatError(fmt.Sprintf("GLZ size %d is shorter than a header", glzSize))
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

// inflater is a reusable raw-deflate reader with its output buffer.
type inflater struct {
	src bytes.Reader
	fr  io.ReadCloser
	buf []byte
	one [1]byte // probes for the end of the stream; here, it would escape
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
	z.src.Reset(nil)
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
// trailer are handled here so that the checksum needs no allocation
// (hash/adler32.Checksum) and the flate reader can be reset and reused.
// The output buffer grows with the data actually inflated, within what
// a GLZ image the window accepts can need, so a small message cannot
// claim a huge allocation.
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
	z.src.Reset(src[2:])
	if z.fr == nil {
		z.fr = flate.NewReader(&z.src)
	} else if err := z.fr.(flate.Resetter).Reset(&z.src, nil); err != nil {
		return nil, zlibError(err)
	}

	buf := z.buf[:0]
	if cap(buf) < HeaderLen {
		buf = make([]byte, 0, 64<<10)
	}
	buf, err := z.fill(buf, HeaderLen)
	if err != nil {
		return nil, err
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
		return nil, FormatError(fmt.Sprintf("GLZ size %d is too large for a %dx%d image", size, h.Width, h.Height))
	}
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		if buf, err = z.fill(buf, min(size, cap(buf))); err != nil {
			z.buf = buf
			return nil, err
		}
	}
	z.buf = buf

	switch k, err := z.fr.Read(z.one[:]); {
	case k > 0:
		return nil, FormatError(fmt.Sprintf("zlib stream inflates to more than %d bytes", size))
	case err != io.EOF:
		return nil, zlibError(err)
	}
	if z.src.Len() < 4 {
		return nil, FormatError("zlib stream without checksum")
	}
	var sum [4]byte
	z.src.Read(sum[:])
	if binary.BigEndian.Uint32(sum[:]) != adler32.Checksum(buf) {
		return nil, FormatError("zlib checksum mismatch")
	}
	if z.src.Len() != 0 {
		return nil, FormatError("data after the zlib stream")
	}
	return buf, nil
}

// fill inflates into buf until it holds to bytes (to <= cap(buf)).
func (z *inflater) fill(buf []byte, to int) ([]byte, error) {
	k, err := io.ReadFull(z.fr, buf[len(buf):to])
	buf = buf[:len(buf)+k]
	if err != nil {
		return buf, zlibError(err)
	}
	return buf, nil
}

func zlibError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return FormatError("zlib stream shorter than its GLZ size")
	}
	return FormatError("zlib: " + err.Error())
}
