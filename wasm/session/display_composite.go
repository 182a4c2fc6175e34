package session

import (
	"context"
	"errors"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// drawComposite draws DRAW_COMPOSITE, which a server sends only to
// clients advertising DisplayCapComposite: the QXL X driver in a guest
// uses it for RENDER's Composite (spice-common canvas_base.c
// canvas_draw_composite).
func (d *display) drawComposite(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawComposite
	if err := m.Decode(body); err != nil {
		return err
	}
	s, err := d.surface(m.Base.SurfaceID)
	if err != nil {
		return err
	}
	c := raster.Composite{
		Op:        raster.CompositeOp(m.Op()),
		SrcOrigin: raster.Point{X: int(m.SrcOrigin.X), Y: int(m.SrcOrigin.Y)},
	}
	src, err := d.picture(ctx, body, m.SrcBitmap, s, &d.scratch, &d.selfCopy, m.Flags&spice.CompositeSourceOpaque != 0)
	if err != nil {
		return errfmt.Wrap("composite source", err)
	}
	c.Src = src
	c.Src.Filter = raster.Filter(m.SrcFilter())
	c.Src.Repeat = raster.Repeat(m.SrcRepeat())
	if m.Flags&spice.CompositeHasSrcTransform != 0 {
		t := transform(m.SrcTransform)
		c.Src.Transform = &t
	}
	if m.Flags&spice.CompositeHasMask != 0 {
		// spice-common reads the mask in its own format whatever
		// MASK_OPAQUE says (get_image(..., FALSE)).
		mask, err := d.picture(ctx, body, m.MaskBitmap, s, &d.patternBuf, &d.ops.maskCopy, false)
		if err != nil {
			return errfmt.Wrap("composite mask", err)
		}
		mask.Filter = raster.Filter(m.MaskFilter())
		mask.Repeat = raster.Repeat(m.MaskRepeat())
		mask.ComponentAlpha = m.Flags&spice.CompositeComponentAlpha != 0
		if m.Flags&spice.CompositeHasMaskTransform != 0 {
			t := transform(m.MaskTransform)
			mask.Transform = &t
		}
		c.Mask = &mask
		c.MaskOrigin = raster.Point{X: int(m.MaskOrigin.X), Y: int(m.MaskOrigin.Y)}
	}
	a, err := d.area(ctx, body, &m.Base, nil)
	if err != nil {
		return err
	}
	err = s.Composite(a, &c)
	// a type switch, not errors.As, which would link reflection into
	// the client (wasm/deps_test.go)
	if _, unsupported := err.(raster.CompositeError); unsupported || errors.Is(err, raster.ErrCompositeTransform) {
		// A valid message this client cannot draw like the server:
		// the rest of the screen goes on.
		d.unsupportedDraw("COMPOSITE (" + err.Error() + ")")
		return nil
	}
	return err
}

func transform(t spice.Transform) raster.Transform {
	return raster.Transform{t.T00, t.T01, t.T02, t.T10, t.T11, t.T12}
}

// picture resolves a composite source or mask and the format pixman reads
// it as. A surface is read in its own format, an ARGB32 one as xRGB32
// when opaque is set (sw_canvas.c get_image). Other images are what
// canvas_get_image makes of them for the target: on 32-bit surfaces
// a8r8g8b8 or x8r8g8b8, which the decoders' A=255 for images without
// alpha makes the same as reading them as ARGB32; on other surfaces they
// are first converted to the surface's format. When the image is the
// target itself it is copied into selfBuf: the composite must read the
// surface as it was before the draw.
func (d *display) picture(ctx context.Context, body []byte, ptr uint32, target *raster.Surface, scratch, selfBuf *raster.Image, opaque bool) (raster.Picture, error) {
	img, err := spice.ParseImage(body, ptr)
	if err != nil {
		return raster.Picture{}, err
	}
	if img.Descriptor.Type == spice.ImageTypeSurface {
		s := d.surfaces[img.SurfaceID]
		if s == nil {
			return raster.Picture{}, errors.New("image from unknown surface " + errfmt.Int(img.SurfaceID))
		}
		f := s.Format
		if opaque && f == raster.FormatARGB32 {
			f = raster.FormatXRGB32
		}
		src := &s.Image
		if s == target {
			if err := selfBuf.Resize(src.W, src.H); err != nil {
				return raster.Picture{}, err
			}
			copy(selfBuf.Pix, src.Pix)
			src = selfBuf
		}
		return raster.Picture{Image: src, Format: f}, nil
	}
	src, err := d.image(ctx, body, ptr, scratch)
	if err != nil {
		return raster.Picture{}, err
	}
	switch target.Format {
	case raster.FormatXRGB32, raster.FormatARGB32:
		return raster.Picture{Image: src, Format: raster.FormatARGB32}, nil
	}
	// canvas_get_target_format: the image becomes the surface's format.
	if err := selfBuf.Resize(src.W, src.H); err != nil {
		return raster.Picture{}, err
	}
	raster.ConvertTo(target.Format, selfBuf, src)
	return raster.Picture{Image: selfBuf, Format: target.Format}, nil
}

// opScratch holds the buffers STROKE, TEXT and COMPOSITE reuse.
type opScratch struct {
	maskCopy    raster.Image // a composite mask converted or copied from the target
	forePattern raster.Image // TEXT's fore brush, decoded
	text        spice.MsgDisplayDrawText
	glyphs      []raster.Glyph
	stroke      spice.MsgDisplayDrawStroke
	rstroke     raster.Stroke
	points      []raster.PathPoint
	style       []int32
}
