package session

import (
	"context"
	"errors"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// Draw operations: each decodes its message, resolves images, brush and
// mask, and calls the matching raster operation on the target surface
// (spice-common canvas_base.c canvas_draw_*). Images are resolved even when
// the draw ends up clipped away: decoding is what keeps the caches and the
// GLZ window in step with the server (the "touch" rule).

func rect(r spice.Rect) raster.Rect {
	return raster.Rect{X0: int(r.Left), Y0: int(r.Top), X1: int(r.Right), Y1: int(r.Bottom)}
}

// area builds the pixels a draw may touch from its DisplayBase and mask.
func (d *display) area(ctx context.Context, body []byte, base *spice.DisplayBase, mask *spice.QMask) (raster.Area, error) {
	a := raster.Area{Box: rect(base.Box)}
	if base.Clip.Type == spice.ClipTypeRects {
		// A non-nil empty slice clips everything away.
		a.Clip = d.clipBuf[:0]
		for _, r := range base.Clip.Rects {
			a.Clip = append(a.Clip, rect(r))
		}
		d.clipBuf = a.Clip
	}
	if mask != nil && mask.Bitmap != 0 {
		m, err := d.mask(ctx, body, mask)
		if err != nil {
			return a, errfmt.Wrap("mask", err)
		}
		a.Mask = m
	}
	return a, nil
}

// mask resolves a QMask: a 1-bit BITMAP, or a cached one
// (canvas_base.c canvas_get_mask).
func (d *display) mask(ctx context.Context, body []byte, q *spice.QMask) (raster.Mask, error) {
	img, err := spice.ParseImage(body, q.Bitmap)
	if err != nil {
		return raster.Mask{}, err
	}
	desc := &img.Descriptor
	var src *raster.Image
	switch desc.Type {
	case spice.ImageTypeBitmap:
		f := img.BitmapFormat
		if f != spice.BitmapFmt1BitLE && f != spice.BitmapFmt1BitBE {
			return raster.Mask{}, spice.UnsupportedError("mask bitmap format " + errfmt.Int(f))
		}
		topDown := img.BitmapFlags&spice.BitmapFlagTopDown != 0
		b := &d.maskBits
		if err := b.SetBits(img.Data, int(img.Stride), int(desc.Width), int(desc.Height), f == spice.BitmapFmt1BitBE, topDown); err != nil {
			return raster.Mask{}, err
		}
		if desc.Flags&spice.ImageFlagCacheMe != 0 {
			// Cached masks are kept as images whose alpha is the bit.
			m, err := raster.NewImage(b.W, b.H)
			if err != nil {
				return raster.Mask{}, err
			}
			for y := 0; y < b.H; y++ {
				row := m.Row(y)
				for x := 0; x < b.W; x++ {
					if b.Bits[y*b.Stride+x>>3]>>(x&7)&1 != 0 {
						row[x*4+3] = 0xff
					}
				}
			}
			if err := d.c.caches.put(desc.ID, m, false); err != nil {
				return raster.Mask{}, err
			}
		}
		return raster.Mask{Bitmap: b, Pos: raster.Point{X: int(q.Pos.X), Y: int(q.Pos.Y)}, Invert: q.Flags&spice.MaskFlagInvers != 0}, nil
	case spice.ImageTypeFromCache, spice.ImageTypeFromCacheLossless:
		src, err = d.c.caches.get(ctx, desc.ID, desc.Type == spice.ImageTypeFromCacheLossless)
	case spice.ImageTypeSurface:
		s := d.surfaces[img.SurfaceID]
		if s == nil {
			return raster.Mask{}, errors.New("mask from unknown surface " + errfmt.Int(img.SurfaceID))
		}
		src = &s.Image
	default:
		return raster.Mask{}, spice.UnsupportedError("mask image type " + desc.Type.String())
	}
	if err != nil {
		return raster.Mask{}, err
	}
	d.maskBits.SetFromAlpha(src)
	return raster.Mask{Bitmap: &d.maskBits, Pos: raster.Point{X: int(q.Pos.X), Y: int(q.Pos.Y)}, Invert: q.Flags&spice.MaskFlagInvers != 0}, nil
}

// brush resolves a Brush; patterns decode into d.patternBuf.
func (d *display) brush(ctx context.Context, body []byte, b *spice.Brush) (raster.Brush, error) {
	switch b.Type {
	case spice.BrushTypeSolid:
		return raster.Brush{Color: b.Color}, nil
	case spice.BrushTypePattern:
		img, err := d.image(ctx, body, b.Pattern, &d.patternBuf)
		if err != nil {
			return raster.Brush{}, errfmt.Wrap("brush pattern", err)
		}
		return raster.Brush{Pattern: img, Pos: raster.Point{X: int(b.Pos.X), Y: int(b.Pos.Y)}}, nil
	}
	// BRUSH_TYPE_NONE paints colour 0, as spice-common does.
	return raster.Brush{}, nil
}

// source resolves a draw's source image. When the source is the target
// surface itself, it is copied first: the raster operations assume source
// and destination do not overlap.
func (d *display) source(ctx context.Context, body []byte, ptr uint32, target *raster.Surface) (*raster.Image, error) {
	img, err := d.image(ctx, body, ptr, &d.scratch)
	if err != nil {
		return nil, err
	}
	if img == &target.Image {
		if err := d.selfCopy.Resize(img.W, img.H); err != nil {
			return nil, err
		}
		copy(d.selfCopy.Pix, img.Pix)
		img = &d.selfCopy
	}
	return img, nil
}

// imageDraw resolves what every draw with a source image needs: the
// target surface, the source and the area. The source is resolved first so
// that a draw clipped to nothing still decodes it (the touch rule).
func (d *display) imageDraw(ctx context.Context, body []byte, base *spice.DisplayBase, src uint32, mask *spice.QMask) (*raster.Surface, *raster.Image, raster.Area, error) {
	s, err := d.surface(base.SurfaceID)
	if err != nil {
		return nil, nil, raster.Area{}, err
	}
	img, err := d.source(ctx, body, src, s)
	if err != nil {
		return nil, nil, raster.Area{}, err
	}
	a, err := d.area(ctx, body, base, mask)
	return s, img, a, err
}

func (d *display) drawFill(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawFill
	if err := m.Decode(body); err != nil {
		return err
	}
	s, err := d.surface(m.Base.SurfaceID)
	if err != nil {
		return err
	}
	b, err := d.brush(ctx, body, &m.Brush)
	if err != nil {
		return err
	}
	a, err := d.area(ctx, body, &m.Base, &m.Mask)
	if err != nil {
		return err
	}
	s.Fill(a, b, raster.RopFromDescriptor(m.RopDescriptor, raster.RopInputBrush, raster.RopInputDest))
	return nil
}

func (d *display) drawCopy(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawCopy
	if err := m.Decode(body); err != nil {
		return err
	}
	return d.copyLike(ctx, body, &m)
}

// drawBlend is drawn exactly like COPY (spice-common sets
// draw_blend = canvas_draw_copy).
func (d *display) drawBlend(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawBlend
	if err := m.Decode(body); err != nil {
		return err
	}
	return d.copyLike(ctx, body, (*spice.MsgDisplayDrawCopy)(&m))
}

func (d *display) copyLike(ctx context.Context, body []byte, m *spice.MsgDisplayDrawCopy) error {
	s, src, a, err := d.imageDraw(ctx, body, &m.Base, m.SrcBitmap, &m.Mask)
	if err != nil {
		return err
	}
	s.Copy(a, src, rect(m.SrcArea), raster.RopFromDescriptor(m.RopDescriptor, raster.RopInputSrc, raster.RopInputDest),
		raster.ScaleMode(m.ScaleMode))
	return nil
}

func (d *display) drawOpaque(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawOpaque
	if err := m.Decode(body); err != nil {
		return err
	}
	s, src, a, err := d.imageDraw(ctx, body, &m.Base, m.SrcBitmap, &m.Mask)
	if err != nil {
		return err
	}
	b, err := d.brush(ctx, body, &m.Brush)
	if err != nil {
		return err
	}
	s.Opaque(a, src, rect(m.SrcArea), b, raster.RopFromDescriptor(m.RopDescriptor, raster.RopInputBrush, raster.RopInputSrc),
		raster.ScaleMode(m.ScaleMode))
	return nil
}

func (d *display) drawRop3(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawRop3
	if err := m.Decode(body); err != nil {
		return err
	}
	s, src, a, err := d.imageDraw(ctx, body, &m.Base, m.SrcBitmap, &m.Mask)
	if err != nil {
		return err
	}
	b, err := d.brush(ctx, body, &m.Brush)
	if err != nil {
		return err
	}
	s.Rop3(a, src, rect(m.SrcArea), b, m.Rop3, raster.ScaleMode(m.ScaleMode))
	return nil
}

// drawSimple handles BLACKNESS, WHITENESS and INVERS, which share a layout.
func (d *display) drawSimple(ctx context.Context, body []byte, op func(*raster.Surface, raster.Area)) error {
	var m spice.MsgDisplayDrawBlackness
	if err := m.Decode(body); err != nil {
		return err
	}
	s, err := d.surface(m.Base.SurfaceID)
	if err != nil {
		return err
	}
	a, err := d.area(ctx, body, &m.Base, &m.Mask)
	if err != nil {
		return err
	}
	op(s, a)
	return nil
}

func (d *display) drawBlackness(ctx context.Context, body []byte) error {
	return d.drawSimple(ctx, body, (*raster.Surface).Blackness)
}

func (d *display) drawWhiteness(ctx context.Context, body []byte) error {
	return d.drawSimple(ctx, body, (*raster.Surface).Whiteness)
}

func (d *display) drawInvers(ctx context.Context, body []byte) error {
	return d.drawSimple(ctx, body, (*raster.Surface).Invert)
}

func (d *display) drawTransparent(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawTransparent
	if err := m.Decode(body); err != nil {
		return err
	}
	s, src, a, err := d.imageDraw(ctx, body, &m.Base, m.SrcBitmap, nil)
	if err != nil {
		return err
	}
	s.Transparent(a, src, rect(m.SrcArea), m.TrueColor)
	return nil
}

func (d *display) drawAlphaBlend(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawAlphaBlend
	if err := m.Decode(body); err != nil {
		return err
	}
	s, src, a, err := d.imageDraw(ctx, body, &m.Base, m.SrcBitmap, nil)
	if err != nil {
		return err
	}
	s.AlphaBlend(a, src, rect(m.SrcArea), m.Alpha)
	return nil
}

func (d *display) copyBits(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayCopyBits
	if err := m.Decode(body); err != nil {
		return err
	}
	s, err := d.surface(m.Base.SurfaceID)
	if err != nil {
		return err
	}
	a, err := d.area(ctx, body, &m.Base, nil)
	if err != nil {
		return err
	}
	s.CopyBits(a, raster.Point{X: int(m.SrcPos.X), Y: int(m.SrcPos.Y)})
	return nil
}
