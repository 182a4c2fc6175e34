package spice

// ImageDescriptor heads every image on the wire (spice.proto: Image.descriptor).
type ImageDescriptor struct {
	ID     uint64
	Type   ImageType
	Flags  uint8
	Width  uint32
	Height uint32
}

// Palette is a colour table (spice.proto: Palette). Entries are 0x00RRGGBB.
type Palette struct {
	Unique  uint64
	Entries []uint32
}

// maxPaletteEntries: SPICE palettes index at most 8-bit pixels.
const maxPaletteEntries = 256

// Image is a parsed image reference: the descriptor plus the fields of the
// type-specific part. Data aliases the message body; decoding the pixels is
// the codec packages' job.
type Image struct {
	Descriptor ImageDescriptor

	// BITMAP and LZ_PLT.
	BitmapFormat BitmapFmt // BITMAP only
	BitmapFlags  uint8     // BitmapFlag* (PAL_CACHE_ME, PAL_FROM_CACHE, TOP_DOWN)
	Stride       uint32    // BITMAP only
	PaletteID    uint64    // when BitmapFlags has BitmapFlagPalFromCache
	Palette      *Palette  // inline palette, or nil

	// ZLIB_GLZ_RGB: the size of the GLZ stream once inflated.
	GLZSize uint32
	// JPEG_ALPHA: TOP_DOWN flag and the length of the JPEG part of Data.
	JPEGAlphaFlags uint8
	JPEGSize       uint32
	// SURFACE: the source surface.
	SurfaceID uint32

	// Data is the encoded payload: pixel rows for BITMAP, the codec stream
	// otherwise; nil for FROM_CACHE, FROM_CACHE_LOSSLESS and SURFACE.
	Data []byte
}

// ParseImage decodes the image that the pointer ptr (an offset into body)
// designates. A zero pointer is an error: callers check optional images
// before calling.
func ParseImage(body []byte, ptr uint32) (*Image, error) {
	if ptr == 0 {
		return nil, FormatError("null image pointer")
	}
	r := newReader(body).at(ptr)
	img := &Image{}
	d := &img.Descriptor
	d.ID = r.u64()
	d.Type = ImageType(r.u8())
	d.Flags = r.u8()
	d.Width = r.u32()
	d.Height = r.u32()
	if r.err != nil {
		return nil, r.err
	}
	switch d.Type {
	case ImageTypeBitmap:
		img.BitmapFormat = BitmapFmt(r.u8())
		img.BitmapFlags = r.u8()
		x := r.u32()
		y := r.u32()
		img.Stride = r.u32()
		if r.err == nil && (x != d.Width || y != d.Height) {
			return nil, FormatError("bitmap size differs from its descriptor")
		}
		img.readPalette(r, false)
		n := uint64(img.Stride) * uint64(y)
		if r.err == nil && n > uint64(len(r.body)-r.off) {
			return nil, FormatError("bitmap data exceeds message")
		}
		img.Data = r.take(int(n))
	case ImageTypeQUIC, ImageTypeLZRGB, ImageTypeGLZRGB, ImageTypeJPEG, ImageTypeLZ4:
		img.Data = r.take(r.count32(1))
	case ImageTypeLZPLT:
		img.BitmapFlags = r.u8()
		size := r.u32()
		img.readPalette(r, true)
		if r.err == nil && uint64(size) > uint64(len(r.body)-r.off) {
			return nil, FormatError("image data exceeds message")
		}
		img.Data = r.take(int(size))
	case ImageTypeZlibGLZRGB:
		img.GLZSize = r.u32()
		img.Data = r.take(r.count32(1))
	case ImageTypeJPEGAlpha:
		img.JPEGAlphaFlags = r.u8()
		img.JPEGSize = r.u32()
		img.Data = r.take(r.count32(1))
		if r.err == nil && uint64(img.JPEGSize) > uint64(len(img.Data)) {
			return nil, FormatError("JPEG_ALPHA jpeg size exceeds data")
		}
	case ImageTypeSurface:
		img.SurfaceID = r.u32()
	case ImageTypeFromCache, ImageTypeFromCacheLossless:
	default:
		return nil, UnsupportedError(d.Type.String())
	}
	if r.err != nil {
		return nil, r.err
	}
	return img, nil
}

// readPalette reads the palette part shared by BITMAP and LZ_PLT: a cache
// id when PAL_FROM_CACHE is set, else a pointer to an inline palette
// (which LZ_PLT requires and BITMAP may omit).
func (img *Image) readPalette(r *reader, required bool) {
	if img.BitmapFlags&BitmapFlagPalFromCache != 0 {
		img.PaletteID = r.u64()
		return
	}
	ptr := r.u32()
	if r.err != nil {
		return
	}
	if ptr == 0 {
		if required {
			r.fail(FormatError("LZ_PLT image without palette"))
		}
		return
	}
	p := r.at(ptr)
	pal := &Palette{Unique: p.u64()}
	n := p.count16(4)
	if n > maxPaletteEntries {
		r.fail(FormatError("palette larger than 256 entries"))
		return
	}
	pal.Entries = make([]uint32, n)
	for i := range pal.Entries {
		pal.Entries[i] = p.u32()
	}
	if p.err != nil {
		r.fail(p.err)
		return
	}
	img.Palette = pal
}
