package spice

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// wb builds message bodies by hand, little-endian like the wire. Pointer
// fields are written as slots and patched once the pointed-to data's
// offset is known.
type wb struct{ b []byte }

func (w *wb) u8(v ...uint8) *wb { w.b = append(w.b, v...); return w }
func (w *wb) u16(v uint16) *wb  { w.b = binary.LittleEndian.AppendUint16(w.b, v); return w }
func (w *wb) u32(v uint32) *wb  { w.b = binary.LittleEndian.AppendUint32(w.b, v); return w }
func (w *wb) i16(v int16) *wb   { return w.u16(uint16(v)) }
func (w *wb) i32(v int32) *wb   { return w.u32(uint32(v)) }
func (w *wb) u64(v uint64) *wb  { w.b = binary.LittleEndian.AppendUint64(w.b, v); return w }

func (w *wb) rect(top, left, bottom, right int32) *wb {
	return w.i32(top).i32(left).i32(bottom).i32(right)
}

// slot writes a zero pointer and records where, for here.
func (w *wb) slot(at *int) *wb { *at = len(w.b); return w.u32(0) }

// here points the slot at to the current end of the body.
func (w *wb) here(at int) *wb {
	binary.LittleEndian.PutUint32(w.b[at:], uint32(len(w.b)))
	return w
}

// cachedImage appends an 18-byte FROM_CACHE image: a descriptor and nothing
// else, the smallest image an image pointer can lead to.
func (w *wb) cachedImage(id uint64) *wb {
	return w.u64(id).u8(uint8(ImageTypeFromCache), 0).u32(16).u32(8)
}

// base appends a DisplayBase: surface 1, a box reaching left of and above
// the origin, and two clip rectangles, one of them negative.
func (w *wb) base() *wb {
	return w.u32(1).rect(-5, -10, 20, 30).u8(ClipTypeRects).u32(2).
		rect(-5, -10, 0, 0).rect(0, 0, 20, 30)
}

var testBase = DisplayBase{
	SurfaceID: 1,
	Box:       Rect{Top: -5, Left: -10, Bottom: 20, Right: 30},
	Clip:      Clip{Type: ClipTypeRects, Rects: []Rect{{-5, -10, 0, 0}, {0, 0, 20, 30}}},
}

// noClipBase is a DisplayBase without clip rectangles.
func (w *wb) noClipBase() *wb { return w.u32(0).rect(0, 0, 4, 4).u8(ClipTypeNone) }

var testNoClipBase = DisplayBase{Box: Rect{0, 0, 4, 4}}

func TestRect(t *testing.T) {
	tests := []struct {
		r      Rect
		w, h   int
		empty  bool
		reason string
	}{
		{Rect{0, 0, 10, 20}, 20, 10, false, "plain"},
		{Rect{-5, -10, 5, 10}, 20, 10, false, "negative origin"},
		{Rect{3, 3, 3, 9}, 6, 0, true, "no rows"},
		{Rect{3, 9, 8, 3}, -6, 5, true, "inverted"},
		{Rect{-1 << 31, -1 << 31, 1<<31 - 1, 1<<31 - 1}, 1<<32 - 1, 1<<32 - 1, false, "extremes do not overflow"},
	}
	for _, tc := range tests {
		if got := tc.r.Width(); got != tc.w {
			t.Errorf("%s: Width = %d, want %d", tc.reason, got, tc.w)
		}
		if got := tc.r.Height(); got != tc.h {
			t.Errorf("%s: Height = %d, want %d", tc.reason, got, tc.h)
		}
		if got := tc.r.Empty(); got != tc.empty {
			t.Errorf("%s: Empty = %v, want %v", tc.reason, got, tc.empty)
		}
	}
}

// TestDrawSubstructures decodes FILL bodies whose brush, mask and clip
// exercise each variant and each error of the shared structures.
func TestDrawSubstructures(t *testing.T) {
	tests := []struct {
		name    string
		body    func(w *wb)
		want    MsgDisplayDrawFill
		wantErr string
	}{
		{
			name: "solid brush, no mask",
			body: func(w *wb) { w.base().u8(BrushTypeSolid).u32(0x00112233).u16(RopdOpPut).u8(0).i32(0).i32(0).u32(0) },
			want: MsgDisplayDrawFill{Base: testBase, Brush: Brush{Type: BrushTypeSolid, Color: 0x00112233}, RopDescriptor: RopdOpPut},
		},
		{
			name: "pattern brush and inverted mask",
			body: func(w *wb) {
				var pat, mask int
				w.noClipBase().u8(BrushTypePattern).slot(&pat).i32(-3).i32(7).u16(RopdOpXor | RopdInversBrush).
					u8(MaskFlagInvers).i32(-1).i32(2).slot(&mask)
				w.here(pat).cachedImage(5).here(mask).cachedImage(6)
			},
			want: MsgDisplayDrawFill{
				Base:          testNoClipBase,
				Brush:         Brush{Type: BrushTypePattern, Pattern: 49, Pos: Point{-3, 7}},
				RopDescriptor: RopdOpXor | RopdInversBrush,
				Mask:          QMask{Flags: MaskFlagInvers, Pos: Point{-1, 2}, Bitmap: 67},
			},
		},
		{
			name: "no brush",
			body: func(w *wb) { w.noClipBase().u8(BrushTypeNone).u16(RopdOpBlackness).u8(0).i32(0).i32(0).u32(0) },
			want: MsgDisplayDrawFill{Base: testNoClipBase, RopDescriptor: RopdOpBlackness},
		},
		{
			name: "pattern without image",
			body: func(w *wb) {
				w.noClipBase().u8(BrushTypePattern).u32(0).i32(0).i32(0).u16(0).u8(0).i32(0).i32(0).u32(0)
			},
			wantErr: "pattern brush without image",
		},
		{
			name:    "unknown brush type",
			body:    func(w *wb) { w.noClipBase().u8(3).u16(0).u8(0).i32(0).i32(0).u32(0) },
			wantErr: "unknown brush type",
		},
		{
			name:    "unknown clip type",
			body:    func(w *wb) { w.u32(0).rect(0, 0, 1, 1).u8(2).u8(BrushTypeNone).u16(0).u8(0).i32(0).i32(0).u32(0) },
			wantErr: "unknown clip type",
		},
		{
			name:    "clip count beyond body",
			body:    func(w *wb) { w.u32(0).rect(0, 0, 1, 1).u8(ClipTypeRects).u32(0x10000000).rect(0, 0, 1, 1) },
			wantErr: "element count exceeds message",
		},
		{
			name:    "mask pointer leaves no room for a descriptor",
			body:    func(w *wb) { w.noClipBase().u8(BrushTypeNone).u16(0).u8(0).i32(0).i32(0).u32(40).u64(0).u64(0) },
			wantErr: "image pointer past end of message",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &wb{}
			tc.body(w)
			var m MsgDisplayDrawFill
			err := m.Decode(w.b)
			if tc.wantErr != "" {
				if err == nil || err.Error() != "spice: invalid format: "+tc.wantErr {
					t.Fatalf("Decode error = %v, want %q", err, tc.wantErr)
				}
				var fe FormatError
				if !errors.As(err, &fe) {
					t.Errorf("error %T is not a FormatError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tc.want) {
				t.Errorf("got  %+v\nwant %+v", m, tc.want)
			}
		})
	}
}

// TestImagePointersResolve checks that the offsets draw messages keep are
// the ones ParseImage expects.
func TestImagePointersResolve(t *testing.T) {
	var src int
	w := (&wb{}).base().slot(&src).rect(0, 0, 25, 40).u16(RopdOpPut).u8(ImageScaleModeNearest).
		u8(0).i32(0).i32(0).u32(0)
	w.here(src).u64(0x1234).u8(uint8(ImageTypeQUIC), ImageFlagCacheMe).u32(40).u32(25).u32(3).u8(7, 8, 9)
	var m MsgDisplayDrawCopy
	if err := m.Decode(w.b); err != nil {
		t.Fatal(err)
	}
	img, err := ParseImage(w.b, m.SrcBitmap)
	if err != nil {
		t.Fatal(err)
	}
	d := img.Descriptor
	if d.ID != 0x1234 || d.Type != ImageTypeQUIC || d.Flags != ImageFlagCacheMe || d.Width != 40 || d.Height != 25 {
		t.Errorf("descriptor = %+v", d)
	}
	if string(img.Data) != "\x07\x08\x09" {
		t.Errorf("data = %x", img.Data)
	}
}

// TestDecodeReuse decodes into one value twice: the second, smaller
// message must not keep anything of the first.
func TestDecodeReuse(t *testing.T) {
	var m MsgDisplayStreamClip
	big := (&wb{}).u32(1).u8(ClipTypeRects).u32(3).rect(0, 0, 1, 1).rect(1, 1, 2, 2).rect(2, 2, 3, 3).b
	if err := m.Decode(big); err != nil || len(m.Clip.Rects) != 3 {
		t.Fatalf("first decode: %v, %d rects", err, len(m.Clip.Rects))
	}
	small := (&wb{}).u32(2).u8(ClipTypeNone).b
	if err := m.Decode(small); err != nil {
		t.Fatal(err)
	}
	if m.ID != 2 || m.Clip.Type != ClipTypeNone || len(m.Clip.Rects) != 0 {
		t.Errorf("second decode kept state: %+v", m)
	}

	var s MsgDisplayDrawStroke
	if err := s.Decode(strokeBody().b); err != nil {
		t.Fatal(err)
	}
	if err := s.Decode(strokeBody().b); err != nil {
		t.Fatal(err)
	}
	if len(s.Path.Segments) != 2 || len(s.Attr.Style) != 2 {
		t.Errorf("decoding twice changed the result: %+v", s)
	}
}

func strokeBody() *wb {
	var path, style int
	w := (&wb{}).base().slot(&path).u8(LineFlagStyled | LineFlagStartWithGap).u8(2).slot(&style).
		u8(BrushTypeSolid).u32(0xff0000).u16(RopdOpPut).u16(RopdOpOr)
	w.here(path).u32(2).
		u8(PathBegin).u32(2).i32(16).i32(32).i32(-16).i32(48).
		u8(PathEnd | PathClose | PathBezier).u32(1).i32(0).i32(-8)
	w.here(style).i32(64).i32(32)
	return w
}

var strokeWant = MsgDisplayDrawStroke{
	Base: testBase,
	Path: Path{Segments: []PathSegment{
		{Flags: PathBegin, Points: []PointFix{{16, 32}, {-16, 48}}},
		{Flags: PathEnd | PathClose | PathBezier, Points: []PointFix{{0, -8}}},
	}},
	Attr:     LineAttr{Flags: LineFlagStyled | LineFlagStartWithGap, Style: []int32{64, 32}},
	Brush:    Brush{Type: BrushTypeSolid, Color: 0xff0000},
	ForeMode: RopdOpPut,
	BackMode: RopdOpOr,
}

func textBody(flags uint8, glyphs int) *wb {
	var str int
	w := (&wb{}).noClipBase().slot(&str).rect(1, 2, 3, 4).
		u8(BrushTypeSolid).u32(0xffffff).u8(BrushTypeNone).u16(RopdOpPut).u16(0)
	w.here(str).u16(uint16(glyphs)).u8(flags)
	for i := range glyphs {
		// A 9x2 glyph: two bytes per row at 1 bpp, five at 4 bpp, nine at 8.
		w.i32(int32(10 * i)).i32(20).i32(-1).i32(-12).u16(9).u16(2)
		n := (9*stringBPP(flags) + 7) / 8 * 2
		for j := range n {
			w.u8(uint8(i*16 + j))
		}
	}
	return w
}

func TestDrawText(t *testing.T) {
	tests := []struct {
		flags   uint8
		rowSize int
	}{
		{StringFlagRasterA1, 2},
		{StringFlagRasterA4 | StringFlagRasterTopDown, 5},
		{StringFlagRasterA8, 9},
		{StringFlagRasterA1 | StringFlagRasterA8, 2}, // the first depth flag wins
	}
	for _, tc := range tests {
		var m MsgDisplayDrawText
		if err := m.Decode(textBody(tc.flags, 2).b); err != nil {
			t.Fatalf("flags %#x: %v", tc.flags, err)
		}
		if m.String.Flags != tc.flags || len(m.String.Glyphs) != 2 {
			t.Fatalf("flags %#x: string = %+v", tc.flags, m.String)
		}
		g := m.String.Glyphs[1]
		if g.RenderPos != (Point{10, 20}) || g.GlyphOrigin != (Point{-1, -12}) || g.Width != 9 || g.Height != 2 {
			t.Errorf("flags %#x: glyph = %+v", tc.flags, g)
		}
		if len(g.Data) != 2*tc.rowSize || g.Data[0] != 16 {
			t.Errorf("flags %#x: glyph data = %x", tc.flags, g.Data)
		}
		if m.BackArea != (Rect{1, 2, 3, 4}) || m.ForeBrush.Color != 0xffffff || m.BackBrush.Type != BrushTypeNone {
			t.Errorf("flags %#x: fields = %+v", tc.flags, m)
		}
	}

	var m MsgDisplayDrawText
	// Without a raster depth spice.proto has no glyph data: the string
	// is its length alone (spice-common's demarshaller reads the same).
	if err := m.Decode(textBody(StringFlagRasterTopDown, 1).b); err != nil || len(m.String.Glyphs) != 0 || m.String.Length != 1 {
		t.Errorf("string without a raster depth: %v, %+v", err, m.String)
	}
	if err := m.Decode(textBody(StringFlagRasterTopDown, 0).b); err != nil || len(m.String.Glyphs) != 0 {
		t.Errorf("empty string: %v, %+v", err, m.String)
	}
	b := textBody(StringFlagRasterA8, 1).b
	if err := m.Decode(b[:len(b)-1]); err == nil {
		t.Error("glyph data cut short decoded")
	}
	huge := textBody(StringFlagRasterA1, 0)
	binary.LittleEndian.PutUint16(huge.b[len(huge.b)-3:], 1000)
	if err := m.Decode(huge.b); err == nil {
		t.Error("glyph count beyond body decoded")
	}
}

func TestDrawStrokeErrors(t *testing.T) {
	var m MsgDisplayDrawStroke
	nullPath := (&wb{}).noClipBase().u32(0).u8(0).u8(BrushTypeNone).u16(0).u16(0).b
	if err := m.Decode(nullPath); err == nil {
		t.Error("stroke without path decoded")
	}
	var path int
	w := (&wb{}).noClipBase().slot(&path).u8(0).u8(BrushTypeNone).u16(0).u16(0)
	w.here(path).u32(1).u8(PathBegin).u32(1 << 30).i32(0).i32(0)
	if err := m.Decode(w.b); err == nil {
		t.Error("point count beyond body decoded")
	}
	w = (&wb{}).noClipBase().slot(&path).u8(0).u8(BrushTypeNone).u16(0).u16(0)
	w.here(path).u32(1 << 28)
	if err := m.Decode(w.b); err == nil {
		t.Error("segment count beyond body decoded")
	}
	var style int
	w = (&wb{}).noClipBase().slot(&path).u8(LineFlagStyled).u8(200).slot(&style).u8(BrushTypeNone).u16(0).u16(0)
	w.here(path).u32(0).here(style).i32(1)
	if err := m.Decode(w.b); err == nil {
		t.Error("style longer than body decoded")
	}
	// A styled line whose style pointer is null has no dashes.
	w = (&wb{}).noClipBase().slot(&path).u8(LineFlagStyled).u8(3).u32(0).u8(BrushTypeNone).u16(0).u16(0)
	w.here(path).u32(0)
	if err := m.Decode(w.b); err != nil || len(m.Attr.Style) != 0 || len(m.Path.Segments) != 0 {
		t.Errorf("null style: %v, %+v", err, m)
	}
}
