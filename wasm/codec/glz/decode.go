package glz

import (
	"context"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// Decode decodes one GLZ image into dst (resized to its size, top row
// first) and adds it to the window. A reference to an image that has not
// arrived yet waits for it (another display channel may be decoding it)
// until it arrives, ctx is done, or the window is closed or reset; with a
// ctx that is already done, a missing image fails at once.
//
// RGB16, RGB24 and RGB32 images get A=255; RGBA images keep their alpha
// bytes as sent. On error dst's contents are unspecified. An image whose
// header was valid keeps its place in the id sequence even if it fails,
// so that the window can still release older images; references to it
// are errors.
func (w *Window) Decode(ctx context.Context, src []byte, dst *raster.Image) error {
	h, err := DecodeConfig(src)
	if err != nil {
		return err
	}
	return w.decode(ctx, h, src[HeaderLen:], dst)
}

func (w *Window) decode(ctx context.Context, h Header, in []byte, dst *raster.Image) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := dst.Resize(h.Width, h.Height); err != nil {
		return err
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.images.get(h.ID) != nil {
		return FormatError("image " + errfmt.Int(h.ID) + " decoded twice")
	}
	n := h.Width * h.Height
	if n > w.max {
		// The server never codes an image this large
		// (image-encoders.cpp image_encoders_compress_glz).
		w.fail(h.ID, h.WinHeadDist)
		return FormatError(errfmt.Int(n) + "-pixel image in a " + errfmt.Int(w.max) + "-pixel window")
	}
	if h.ID == w.tailGap {
		// Nothing older is missing, so no later image can need what lies
		// before this image's head: release it before allocating.
		w.releaseBefore(h.ID - uint64(h.WinHeadDist))
	}
	pix, err := w.reserve(n)
	if err != nil {
		w.fail(h.ID, h.WinHeadDist)
		return err
	}
	d := decoder{w: w, ctx: ctx, gen: w.gen, id: h.ID, alpha: h.Type == lz.TypeRGBA}
	var used int
	switch h.Type {
	case lz.TypeRGB16:
		used, err = d.pass(in, pix, kindRGB16)
	default:
		// RGB24 is decoded as RGB32, like spice-gtk: both code 3 bytes
		// per pixel.
		used, err = d.pass(in, pix, kindRGB)
		if err == nil && h.Type == lz.TypeRGBA {
			var more int
			more, err = d.pass(in[used:], pix, kindAlpha)
			used += more
		}
	}
	if err == nil && used != len(in) {
		err = FormatError("data after the last pixel")
	}
	if d.gen != w.gen {
		// Reset or closed while waiting: the reservation went with the
		// old images.
		w.recycle(pix)
		if w.closed {
			return ErrClosed
		}
		return ErrReset
	}
	if err != nil {
		w.used -= cost(n)
		w.recycle(pix)
		w.fail(h.ID, h.WinHeadDist)
		return err
	}

	stride := h.Width * 4
	if h.TopDown {
		copy(dst.Pix, pix)
	} else {
		for y := 0; y < h.Height; y++ {
			copy(dst.Pix[y*stride:(y+1)*stride], pix[(h.Height-1-y)*stride:])
		}
	}
	if !w.add(h.ID, entry{pix: pix, n: n, alpha: d.alpha, dist: h.WinHeadDist}) {
		// another channel delivered the same id while this one waited
		return FormatError("image " + errfmt.Int(h.ID) + " decoded twice")
	}
	return nil
}

// decoder is the state of one image being decoded, with w.mu held.
type decoder struct {
	w     *Window
	ctx   context.Context
	gen   uint64
	id    uint64
	alpha bool

	// Images referenced by this image, direct-mapped by distance
	// (refDist 0: free slot), valid until w.mu is released. Both passes
	// look here before calling ref, which costs more than the lookup.
	refDist [8]int
	refPix  [8][]byte
}

// kind selects how a pass turns coded bytes into RGBA pixels.
type kind uint8

const (
	kindRGB   kind = iota // B, G, R -> R, G, B, 255
	kindRGB16             // x1r5g5b5 high byte first -> R, G, B, 255
	kindAlpha             // one byte -> A only
)

// units gives coded bytes per literal pixel and the minimum match length
// added back to coded lengths (decode-glz-tmpl.c: +2 for alpha, +1 for
// RGB16, nothing for RGB24/32).
var units = [...]struct{ bytes, bias int }{
	kindRGB:   {3, 0},
	kindRGB16: {2, 1},
	kindAlpha: {1, 2},
}

const maxCopy = 32 // ctrl bytes below this start a literal run

var (
	errShort   = FormatError("stream ends before the image")
	errOverrun = FormatError("run past the end of the image")
	errBadRef  = FormatError("match before the first pixel")
)

// ref returns the pixels of image d.id-dist, waiting for it to arrive,
// and enters them in d.refPix.
func (d *decoder) ref(dist uint64) ([]byte, error) {
	if dist > d.id {
		return nil, FormatError("image " + errfmt.Int(d.id) + " references " + errfmt.Int(dist) + " images back")
	}
	id := d.id - dist
	w := d.w
	for {
		if e := w.images.get(id); e != nil {
			switch {
			case e.pix == nil:
				return nil, FormatError("reference to image " + errfmt.Int(id) + ", which failed to decode")
			case e.alpha != d.alpha:
				// The server only matches images of the same type
				// (glz-encoder-priv.h REF_SEG_IS_VALID); mixing would
				// copy meaningless alpha.
				return nil, FormatError("image " + errfmt.Int(d.id) + " references image " + errfmt.Int(id) + " of another type")
			}
			i := dist % uint64(len(d.refDist))
			d.refDist[i], d.refPix[i] = int(dist), e.pix
			return e.pix, nil
		}
		if id < w.oldest {
			return nil, FormatError("reference to released image " + errfmt.Int(id))
		}
		if w.closed {
			return nil, ErrClosed
		}
		if w.gen != d.gen {
			return nil, ErrReset
		}
		if err := d.ctx.Err(); err != nil {
			return nil, errfmt.Wrap("glz: waiting for image "+errfmt.Int(id), err)
		}
		w.wait(d.ctx)
		d.refDist = [8]int{} // the window may have changed
	}
}
