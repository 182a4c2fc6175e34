package session

import (
	"context"
	"errors"

	"spiceweb/wasm/codec/bitmap"
	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/codec/lz4"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// image resolves the image a draw message points at: parses it, decodes
// it with the codec its type names (or takes it from a cache or surface),
// and caches it when the server says so. The returned image may be
// scratch (reused by the next call with it), a cached image or a surface's
// pixels: callers only read it.
func (d *display) image(ctx context.Context, body []byte, ptr uint32, scratch *raster.Image) (*raster.Image, error) {
	img, err := spice.ParseImage(body, ptr)
	if err != nil {
		return nil, err
	}
	if d.c.cfg.ImageHook != nil {
		d.c.cfg.ImageHook(d.ch.id.ID, img)
	}
	desc := &img.Descriptor
	switch desc.Type {
	case spice.ImageTypeFromCache, spice.ImageTypeFromCacheLossless:
		return d.c.caches.get(ctx, desc.ID, desc.Type == spice.ImageTypeFromCacheLossless)
	case spice.ImageTypeSurface:
		s := d.surfaces[img.SurfaceID]
		if s == nil {
			return nil, errors.New("image from unknown surface " + errfmt.Int(img.SurfaceID))
		}
		return &s.Image, nil
	}

	if !d.seenType[desc.Type] {
		// Once per type: tells which codecs a session really uses.
		d.seenType[desc.Type] = true
		d.c.log("debug", "display: decoding "+desc.Type.String()+" images")
	}
	cacheMe := desc.Flags&(spice.ImageFlagCacheMe|spice.ImageFlagCacheReplaceMe) != 0
	dst := scratch
	if cacheMe {
		dst = &raster.Image{} // the cache keeps it
	}
	lossy, err := d.decode(ctx, img, dst)
	if err != nil {
		return nil, errfmt.Wrap(desc.Type.String()+" image "+errfmt.Int(desc.Width)+"x"+errfmt.Int(desc.Height), err)
	}
	if dst.W != int(desc.Width) || dst.H != int(desc.Height) {
		return nil, errors.New(desc.Type.String() + " image: decoded " + errfmt.Int(dst.W) + "x" + errfmt.Int(dst.H) +
			", descriptor says " + errfmt.Int(desc.Width) + "x" + errfmt.Int(desc.Height))
	}
	if desc.Flags&spice.ImageFlagHighBitsSet != 0 {
		// The image is x8r8g8b8 whose top byte is meaningful to the
		// guest but must read as opaque (canvas_base.c forces 0xff).
		setOpaque(dst)
	}
	if cacheMe {
		if err := d.c.caches.put(desc.ID, dst, lossy); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// decode fills dst from an encoded image and reports whether the codec
// is lossy (the cache must know for FROM_CACHE_LOSSLESS).
func (d *display) decode(ctx context.Context, img *spice.Image, dst *raster.Image) (lossy bool, err error) {
	desc := &img.Descriptor
	w, h := int(desc.Width), int(desc.Height)
	if err := raster.CheckSize(w, h); err != nil {
		return false, err
	}
	switch desc.Type {
	case spice.ImageTypeBitmap:
		pal, err := d.palette(img)
		if err != nil {
			return false, err
		}
		topDown := img.BitmapFlags&spice.BitmapFlagTopDown != 0
		return false, bitmap.Decode(img.Data, img.BitmapFormat, w, h, int(img.Stride), topDown, pal, dst)
	case spice.ImageTypeQUIC:
		return false, d.quic.Decode(img.Data, dst)
	case spice.ImageTypeLZRGB:
		return false, lz.Decode(img.Data, nil, dst)
	case spice.ImageTypeLZPLT:
		pal, err := d.palette(img)
		if err != nil {
			return false, err
		}
		return false, lz.Decode(img.Data, pal, dst)
	case spice.ImageTypeGLZRGB:
		return false, d.c.caches.glz.Decode(ctx, img.Data, dst)
	case spice.ImageTypeZlibGLZRGB:
		return false, d.c.caches.glz.DecodeZlib(ctx, img.Data, int(img.GLZSize), dst)
	case spice.ImageTypeLZ4:
		return false, lz4.Decode(img.Data, w, h, dst)
	case spice.ImageTypeJPEG:
		return true, jpeg.Decode(img.Data, dst)
	case spice.ImageTypeJPEGAlpha:
		topDown := img.JPEGAlphaFlags&1 != 0
		return true, jpeg.DecodeAlpha(img.Data, int(img.JPEGSize), topDown, dst)
	}
	return false, spice.UnsupportedError(desc.Type.String())
}

// palette returns the palette of a BITMAP or LZ_PLT image, from the
// message or the channel's palette cache, caching it when asked.
func (d *display) palette(img *spice.Image) ([]uint32, error) {
	if img.BitmapFlags&spice.BitmapFlagPalFromCache != 0 {
		p, ok := d.palettes[img.PaletteID]
		if !ok {
			return nil, errors.New("palette " + errfmt.Hex(img.PaletteID, 0) + " is not in the cache")
		}
		return p, nil
	}
	if img.Palette == nil {
		return nil, nil // a BITMAP of a format without palette
	}
	if img.BitmapFlags&spice.BitmapFlagPalCacheMe != 0 {
		if len(d.palettes) >= maxPalettes {
			return nil, errors.New("palette cache overflow: the server cached more than " + errfmt.Int(maxPalettes) + " palettes")
		}
		d.palettes[img.Palette.Unique] = img.Palette.Entries
	}
	return img.Palette.Entries, nil
}

// maxPalettes bounds the palette cache; the server invalidates palettes
// long before this.
const maxPalettes = 4096

func setOpaque(m *raster.Image) {
	for y := 0; y < m.H; y++ {
		row := m.Row(y)
		for i := 3; i < len(row); i += 4 {
			row[i] = 0xff
		}
	}
}
