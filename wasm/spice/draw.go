package spice

// Structures shared by the display channel's messages (spice.proto: the
// structs before "channel DisplayChannel"). Decode helpers here read them
// from a reader; image references stay uint32 offsets into the message body
// for ParseImage, while paths, strings and line styles, which only STROKE and
// TEXT use, are followed and decoded here.

// imageDescriptorSize is the wire size of an ImageDescriptor, the least an
// image pointer must leave room for.
const imageDescriptorSize = 18

// Point is a signed position (spice.proto: Point).
type Point struct{ X, Y int32 }

// Point16 is a signed 16-bit position (spice.proto: Point16).
type Point16 struct{ X, Y int16 }

// PointFix is a position in 28.4 fixed point (spice.proto: PointFix).
type PointFix struct{ X, Y int32 }

// Rect is a rectangle, Bottom and Right exclusive. The wire order is top,
// left, bottom, right and every field is signed: spice-html5 reads them
// unsigned, which breaks boxes that start left of or above a surface.
// (spice.proto: Rect)
type Rect struct{ Top, Left, Bottom, Right int32 }

// Width is Right-Left, computed in int so extreme coordinates cannot
// overflow; it is negative for an inverted rectangle.
func (r Rect) Width() int { return int(r.Right) - int(r.Left) }

// Height is Bottom-Top, computed like Width.
func (r Rect) Height() int { return int(r.Bottom) - int(r.Top) }

// Empty reports whether r covers no pixel, inverted rectangles included.
func (r Rect) Empty() bool { return r.Bottom <= r.Top || r.Right <= r.Left }

// Transform is a pixman 16.16 fixed-point affine matrix, rows t00 t01 t02
// and t10 t11 t12; the third row is implicitly 0 0 1. spice.proto declares
// the elements uint32, but they are pixman_fixed_t and so signed.
// (spice.proto: Transform)
type Transform struct {
	T00, T01, T02 int32
	T10, T11, T12 int32
}

// Clip restricts a draw to the union of Rects, or to nothing more than its
// box when Type is ClipTypeNone. The rectangles are inline on the wire,
// although spice-common's C type points at them. (spice.proto: Clip)
type Clip struct {
	Type  uint8 // ClipTypeNone or ClipTypeRects
	Rects []Rect
}

// DisplayBase heads every draw: the target surface, the bounding box and
// the clip (spice.proto: DisplayBase).
type DisplayBase struct {
	SurfaceID uint32
	Box       Rect
	Clip      Clip
}

// Brush is the paint of fills and strokes (spice.proto: Brush). Color is
// set for BrushTypeSolid (xRGB, top byte unused). Pattern and Pos are set
// for BrushTypePattern: Pattern is the offset of an Image in the message
// body, tiled with its origin at Pos.
type Brush struct {
	Type    uint8
	Color   uint32
	Pattern uint32
	Pos     Point
}

// QMask is an optional 1-bpp mask (spice.proto: QMask). Bitmap is the
// offset of an Image in the message body, 0 for none; Pos is its offset
// from the box's top left; Flags may hold MaskFlagInvers.
type QMask struct {
	Flags  uint8
	Pos    Point
	Bitmap uint32
}

// LineAttr describes STROKE lines (spice.proto: LineAttr). Style holds the
// dash lengths in 28.4 fixed point when Flags has LineFlagStyled.
type LineAttr struct {
	Flags uint8
	Style []int32
}

// PathSegment is a run of points sharing Flags (PathBegin, PathEnd,
// PathClose, PathBezier) (spice.proto: PathSegment).
type PathSegment struct {
	Flags  uint8
	Points []PointFix
}

// Path is the outline a STROKE draws (spice.proto: Path). Its segments are
// packed one after another on the wire.
type Path struct {
	Segments []PathSegment
	points   []PointFix // backing store of every segment's Points, reused
}

// RasterGlyph is one glyph of a TEXT string (spice.proto: RasterGlyphA1,
// A4, A8). Data holds Height rows of (Width*bpp+7)/8 bytes and aliases the
// message body.
type RasterGlyph struct {
	RenderPos   Point
	GlyphOrigin Point
	Width       uint16
	Height      uint16
	Data        []byte
}

// String is the text of a TEXT draw (spice.proto: String). Flags holds one
// of StringFlagRasterA1/A4/A8 and maybe StringFlagRasterTopDown.
type String struct {
	Flags  uint8
	Length uint16 // the glyph count, which is len(Glyphs) for raster strings
	Glyphs []RasterGlyph
}

// BitsPerPixel is the glyph depth that Flags selects: 1, 4 or 8, or 0 when
// no raster flag is set. Like spice-common's demarshaller it takes the
// first of A1, A4, A8 that is set.
func (s *String) BitsPerPixel() int { return stringBPP(s.Flags) }

func stringBPP(flags uint8) int {
	switch {
	case flags&StringFlagRasterA1 != 0:
		return 1
	case flags&StringFlagRasterA4 != 0:
		return 4
	case flags&StringFlagRasterA8 != 0:
		return 8
	}
	return 0
}

func (r *reader) point() Point     { return Point{r.i32(), r.i32()} }
func (r *reader) point16() Point16 { return Point16{r.i16(), r.i16()} }

func (r *reader) rect() Rect {
	return Rect{Top: r.i32(), Left: r.i32(), Bottom: r.i32(), Right: r.i32()}
}

func (r *reader) transform() Transform {
	return Transform{r.i32(), r.i32(), r.i32(), r.i32(), r.i32(), r.i32()}
}

// imagePtr reads an image pointer and checks that a non-zero one leaves
// room for an image descriptor, so ParseImage later fails only on the
// image's own contents.
func (r *reader) imagePtr() uint32 {
	p := r.u32()
	if r.err == nil && p != 0 && uint64(p)+imageDescriptorSize > uint64(len(r.body)) {
		r.fail(FormatError("image pointer past end of message"))
	}
	return p
}

// clip reads a Clip into c, reusing c.Rects.
func (r *reader) clip(c *Clip) {
	c.Type = r.u8()
	c.Rects = c.Rects[:0]
	switch c.Type {
	case ClipTypeNone:
	case ClipTypeRects:
		n := r.count32(16)
		for range n {
			c.Rects = append(c.Rects, r.rect())
		}
	default:
		r.fail(FormatError("unknown clip type"))
	}
}

func (r *reader) displayBase(b *DisplayBase) {
	b.SurfaceID = r.u32()
	b.Box = r.rect()
	r.clip(&b.Clip)
}

func (r *reader) brush() Brush {
	b := Brush{Type: r.u8()}
	switch b.Type {
	case BrushTypeNone:
	case BrushTypeSolid:
		b.Color = r.u32()
	case BrushTypePattern:
		b.Pattern = r.imagePtr()
		b.Pos = r.point()
		if r.err == nil && b.Pattern == 0 {
			// spice.proto: Pattern.pat is @nonnull.
			r.fail(FormatError("pattern brush without image"))
		}
	default:
		r.fail(FormatError("unknown brush type"))
	}
	return b
}

func (r *reader) qmask() QMask {
	return QMask{Flags: r.u8(), Pos: r.point(), Bitmap: r.imagePtr()}
}

// lineAttr reads a LineAttr into a, following its style pointer.
func (r *reader) lineAttr(a *LineAttr) {
	a.Flags = r.u8()
	a.Style = a.Style[:0]
	if a.Flags&LineFlagStyled == 0 {
		return
	}
	n := int(r.u8())
	ptr := r.u32()
	if r.err != nil || ptr == 0 {
		return
	}
	s := r.at(ptr)
	if s.err == nil && n*4 > len(s.body)-s.off {
		s.fail(FormatError("line style exceeds message"))
	}
	if s.err != nil {
		r.fail(s.err)
		return
	}
	for range n {
		a.Style = append(a.Style, s.i32())
	}
}

// path decodes the Path at ptr into p. The points of all segments share
// one backing array, sized by a first pass, so decoding into a reused Path
// does not allocate.
func (r *reader) path(ptr uint32, p *Path) {
	p.Segments = p.Segments[:0]
	if r.err != nil {
		return
	}
	if ptr == 0 {
		// spice.proto: Stroke.path is @nonnull.
		r.fail(FormatError("stroke without path"))
		return
	}
	s := r.at(ptr)
	n := s.count32(5) // a segment is at least its flags and count
	total := 0
	for range n {
		s.u8()
		c := s.count32(8)
		s.take(c * 8)
		total += c
	}
	if s.err != nil {
		r.fail(s.err)
		return
	}
	// count32 bounded every count by the bytes left, so total is at most
	// len(body)/8.
	if cap(p.points) < total {
		p.points = make([]PointFix, total)
	}
	pts := p.points[:total]
	s = r.at(ptr)
	s.u32()
	for range n {
		seg := PathSegment{Flags: s.u8()}
		c := int(s.u32())
		seg.Points = pts[:c:c]
		pts = pts[c:]
		for i := range seg.Points {
			seg.Points[i] = PointFix{s.i32(), s.i32()}
		}
		p.Segments = append(p.Segments, seg)
	}
}

// glyphHeaderSize is RasterGlyph's fixed part: two Points and two u16.
const glyphHeaderSize = 20

// str decodes the String at ptr into st, reusing st.Glyphs. Glyph data
// aliases the body.
func (r *reader) str(ptr uint32, st *String) {
	st.Glyphs = st.Glyphs[:0]
	if r.err != nil {
		return
	}
	if ptr == 0 {
		// spice.proto: Text.str is @nonnull.
		r.fail(FormatError("text without string"))
		return
	}
	s := r.at(ptr)
	n := int(s.u16())
	st.Flags = s.u8()
	st.Length = uint16(n)
	bpp := stringBPP(st.Flags)
	if bpp == 0 {
		// spice.proto's String has glyph data only for the raster
		// depths; the vector glyphs of old were dropped from the
		// protocol, so such a string carries its length and nothing
		// else (spice-common then draws only the back area).
		if s.err != nil {
			r.fail(s.err)
		}
		return
	}
	if s.err == nil && n*glyphHeaderSize > len(s.body)-s.off {
		s.fail(FormatError("glyph count exceeds message"))
	}
	for i := 0; i < n && s.err == nil; i++ {
		g := RasterGlyph{RenderPos: s.point(), GlyphOrigin: s.point(), Width: s.u16(), Height: s.u16()}
		// spice.proto image_size(bpp, width, height): whole bytes per row.
		size := (int(g.Width)*bpp + 7) / 8 * int(g.Height)
		g.Data = s.take(size)
		st.Glyphs = append(st.Glyphs, g)
	}
	if s.err != nil {
		st.Glyphs = st.Glyphs[:0]
		r.fail(s.err)
	}
}
