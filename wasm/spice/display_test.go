package spice

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// serverCase is one hand-encoded server message and what it decodes to.
// open marks bodies whose last field runs to the end of the message, so a
// shorter body still decodes; every other case must reject each of its
// prefixes.
type serverCase struct {
	name string
	ch   ChannelType
	t    MsgType
	body []byte
	want ServerMessage
	open bool
}

func newServerMessage(ch ChannelType, t MsgType) ServerMessage {
	switch ch {
	case ChannelDisplay:
		return NewDisplayMessage(t)
	case ChannelCursor:
		return NewCursorMessage(t)
	case ChannelInputs:
		return NewInputsMessage(t)
	case ChannelPlayback:
		return NewPlaybackMessage(t)
	case ChannelRecord:
		return NewRecordMessage(t)
	}
	return nil
}

// normalize clears decoder-internal state that is not part of a message's
// meaning and makes empty slices nil, so that decoded values compare with
// reflect.DeepEqual whether or not Decode reused a slice.
func normalize(m ServerMessage) {
	if s, ok := m.(*MsgDisplayDrawStroke); ok {
		s.Path.points = nil
	}
	nilEmpty(reflect.ValueOf(m).Elem())
}

func nilEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				nilEmpty(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			nilEmpty(v.Index(i))
		}
	}
}

func displayCases() []serverCase {
	d := func(name string, t MsgType, w *wb, want ServerMessage) serverCase {
		return serverCase{name: name, ch: ChannelDisplay, t: t, body: w.b, want: want}
	}
	var p1, p2 int
	cases := []serverCase{
		d("mode", MsgTypeDisplayMode, (&wb{}).u32(1024).u32(768).u32(32),
			&MsgDisplayMode{XRes: 1024, YRes: 768, Bits: 32}),
		d("mark", MsgTypeDisplayMark, &wb{}, &MsgDisplayMark{}),
		d("reset", MsgTypeDisplayReset, &wb{}, &MsgDisplayReset{}),
		d("copy_bits", MsgTypeDisplayCopyBits, (&wb{}).base().i32(-7).i32(9),
			&MsgDisplayCopyBits{Base: testBase, SrcPos: Point{-7, 9}}),
		d("inval_list", MsgTypeDisplayInvalList,
			(&wb{}).u16(2).u8(ResourceTypePixmap).u64(0x0102030405060708).u8(ResourceTypePixmap).u64(9),
			&MsgDisplayInvalList{Resources: []ResourceID{{ResourceTypePixmap, 0x0102030405060708}, {ResourceTypePixmap, 9}}}),
		d("inval_all_pixmaps", MsgTypeDisplayInvalAllPixmaps,
			(&wb{}).u8(2).u8(uint8(ChannelDisplay), 1).u64(77).u8(uint8(ChannelDisplay), 0).u64(78),
			&MsgDisplayInvalAllPixmaps{Waits: []WaitForChannel{{ChannelDisplay, 1, 77}, {ChannelDisplay, 0, 78}}}),
		d("inval_palette", MsgTypeDisplayInvalPalette, (&wb{}).u64(1<<63|5), &MsgDisplayInvalPalette{ID: 1<<63 | 5}),
		d("inval_all_palettes", MsgTypeDisplayInvalAllPalettes, &wb{}, &MsgDisplayInvalAllPalettes{}),
		d("stream_create", MsgTypeDisplayStreamCreate,
			(&wb{}).u32(0).u32(3).u8(StreamFlagTopDown, VideoCodecVP8).u64(123456789).
				u32(640).u32(480).u32(320).u32(240).rect(-10, 0, 470, 640).u8(ClipTypeRects).u32(1).rect(0, 0, 480, 640),
			&MsgDisplayStreamCreate{ID: 3, Flags: StreamFlagTopDown, CodecType: VideoCodecVP8, Stamp: 123456789,
				StreamWidth: 640, StreamHeight: 480, SrcWidth: 320, SrcHeight: 240, Dest: Rect{-10, 0, 470, 640},
				Clip: Clip{Type: ClipTypeRects, Rects: []Rect{{0, 0, 480, 640}}}}),
		d("stream_data", MsgTypeDisplayStreamData, (&wb{}).u32(3).u32(999).u32(4).u8(0xff, 0xd8, 0xff, 0xd9),
			&MsgDisplayStreamData{ID: 3, MultiMediaTime: 999, Data: []byte{0xff, 0xd8, 0xff, 0xd9}}),
		d("stream_clip", MsgTypeDisplayStreamClip, (&wb{}).u32(3).u8(ClipTypeNone),
			&MsgDisplayStreamClip{ID: 3, Clip: Clip{Type: ClipTypeNone}}),
		d("stream_destroy", MsgTypeDisplayStreamDestroy, (&wb{}).u32(63), &MsgDisplayStreamDestroy{ID: 63}),
		d("stream_destroy_all", MsgTypeDisplayStreamDestroyAll, &wb{}, &MsgDisplayStreamDestroyAll{}),
		d("draw_fill", MsgTypeDisplayDrawFill,
			(&wb{}).base().u8(BrushTypeSolid).u32(0x00abcdef).u16(RopdOpPut).u8(0).i32(0).i32(0).u32(0),
			&MsgDisplayDrawFill{Base: testBase, Brush: Brush{Type: BrushTypeSolid, Color: 0x00abcdef}, RopDescriptor: RopdOpPut}),
		d("draw_opaque", MsgTypeDisplayDrawOpaque,
			(&wb{}).noClipBase().slot(&p1).rect(1, 2, 5, 6).u8(BrushTypeSolid).u32(7).u16(RopdOpAnd).
				u8(ImageScaleModeInterpolate).u8(0).i32(0).i32(0).u32(0).here(p1).cachedImage(1),
			&MsgDisplayDrawOpaque{Base: testNoClipBase, SrcBitmap: 62, SrcArea: Rect{1, 2, 5, 6},
				Brush: Brush{Type: BrushTypeSolid, Color: 7}, RopDescriptor: RopdOpAnd}),
		d("draw_copy", MsgTypeDisplayDrawCopy,
			(&wb{}).base().slot(&p1).rect(0, 0, 25, 40).u16(RopdOpPut).u8(ImageScaleModeNearest).
				u8(MaskFlagInvers).i32(3).i32(-4).slot(&p2).here(p1).cachedImage(1).here(p2).cachedImage(2),
			&MsgDisplayDrawCopy{Base: testBase, SrcBitmap: 93, SrcArea: Rect{0, 0, 25, 40}, RopDescriptor: RopdOpPut,
				ScaleMode: ImageScaleModeNearest, Mask: QMask{Flags: MaskFlagInvers, Pos: Point{3, -4}, Bitmap: 111}}),
		d("draw_blend", MsgTypeDisplayDrawBlend,
			(&wb{}).noClipBase().slot(&p1).rect(0, 0, 4, 4).u16(RopdOpPut|RopdInversSrc).u8(0).
				u8(0).i32(0).i32(0).u32(0).here(p1).cachedImage(1),
			&MsgDisplayDrawBlend{Base: testNoClipBase, SrcBitmap: 57, SrcArea: Rect{0, 0, 4, 4},
				RopDescriptor: RopdOpPut | RopdInversSrc}),
		d("draw_blackness", MsgTypeDisplayDrawBlackness, (&wb{}).base().u8(0).i32(0).i32(0).u32(0),
			&MsgDisplayDrawBlackness{Base: testBase}),
		d("draw_whiteness", MsgTypeDisplayDrawWhiteness,
			(&wb{}).noClipBase().u8(0).i32(1).i32(1).slot(&p1).here(p1).cachedImage(1),
			&MsgDisplayDrawWhiteness{Base: testNoClipBase, Mask: QMask{Pos: Point{1, 1}, Bitmap: 34}}),
		d("draw_invers", MsgTypeDisplayDrawInvers, (&wb{}).noClipBase().u8(0).i32(0).i32(0).u32(0),
			&MsgDisplayDrawInvers{Base: testNoClipBase}),
		d("draw_rop3", MsgTypeDisplayDrawRop3,
			(&wb{}).noClipBase().slot(&p1).rect(0, 0, 4, 4).u8(BrushTypePattern).slot(&p2).i32(2).i32(3).
				u8(0xca, ImageScaleModeNearest).u8(0).i32(0).i32(0).u32(0).here(p1).cachedImage(1).here(p2).cachedImage(2),
			&MsgDisplayDrawRop3{Base: testNoClipBase, SrcBitmap: 69, SrcArea: Rect{0, 0, 4, 4},
				Brush: Brush{Type: BrushTypePattern, Pattern: 87, Pos: Point{2, 3}}, Rop3: 0xca, ScaleMode: ImageScaleModeNearest}),
		d("draw_stroke", MsgTypeDisplayDrawStroke, strokeBody(), &strokeWant),
		d("draw_transparent", MsgTypeDisplayDrawTransparent,
			(&wb{}).noClipBase().slot(&p1).rect(0, 0, 4, 4).u32(0xff00ff).u32(0x00ff00ff).here(p1).cachedImage(1),
			&MsgDisplayDrawTransparent{Base: testNoClipBase, SrcBitmap: 49, SrcArea: Rect{0, 0, 4, 4},
				SrcColor: 0xff00ff, TrueColor: 0x00ff00ff}),
		d("draw_alpha_blend", MsgTypeDisplayDrawAlphaBlend,
			(&wb{}).noClipBase().u8(AlphaFlagsDestHasAlpha|AlphaFlagsSrcSurfaceHasAlpha, 0x80).slot(&p1).
				rect(0, 0, 4, 4).here(p1).cachedImage(1),
			&MsgDisplayDrawAlphaBlend{Base: testNoClipBase, AlphaFlags: AlphaFlagsDestHasAlpha | AlphaFlagsSrcSurfaceHasAlpha,
				Alpha: 0x80, SrcBitmap: 43, SrcArea: Rect{0, 0, 4, 4}}),
		d("surface_create", MsgTypeDisplaySurfaceCreate, (&wb{}).u32(0).u32(1024).u32(768).u32(uint32(SurfaceFmt32xRGB)).u32(SurfaceFlagPrimary),
			&MsgDisplaySurfaceCreate{Width: 1024, Height: 768, Format: SurfaceFmt32xRGB, Flags: SurfaceFlagPrimary}),
		d("surface_destroy", MsgTypeDisplaySurfaceDestroy, (&wb{}).u32(17), &MsgDisplaySurfaceDestroy{SurfaceID: 17}),
		d("stream_data_sized", MsgTypeDisplayStreamDataSized,
			(&wb{}).u32(2).u32(1000).u32(64).u32(48).rect(10, -20, 58, 44).u32(2).u8(1, 2),
			&MsgDisplayStreamDataSized{ID: 2, MultiMediaTime: 1000, Width: 64, Height: 48, Dest: Rect{10, -20, 58, 44}, Data: []byte{1, 2}}),
		d("monitors_config", MsgTypeDisplayMonitorsConfig,
			(&wb{}).u16(2).u16(4).u32(0).u32(0).u32(1024).u32(768).u32(0).u32(0).u32(0).
				u32(1).u32(0).u32(800).u32(600).u32(1024).u32(0).u32(0),
			&MsgDisplayMonitorsConfig{MaxAllowed: 4, Heads: []Head{
				{Width: 1024, Height: 768}, {MonitorID: 1, Width: 800, Height: 600, X: 1024}}}),
		d("draw_composite, everything", MsgTypeDisplayDrawComposite,
			(&wb{}).noClipBase().u32(3|2<<CompositeSrcFilterShift|4<<CompositeMaskFilterShift|1<<CompositeSrcRepeatShift|
				3<<CompositeMaskRepeatShift|CompositeHasMask|CompositeHasSrcTransform|CompositeHasMaskTransform).
				slot(&p1).slot(&p2).
				i32(1<<16).i32(0).i32(-5<<16).i32(0).i32(1<<16).i32(7).
				i32(2<<16).i32(0).i32(0).i32(0).i32(2<<16).i32(0).
				i16(-3).i16(4).i16(5).i16(-6).here(p1).cachedImage(1).here(p2).cachedImage(2),
			&MsgDisplayDrawComposite{Base: testNoClipBase,
				Flags: 3 | 2<<CompositeSrcFilterShift | 4<<CompositeMaskFilterShift | 1<<CompositeSrcRepeatShift |
					3<<CompositeMaskRepeatShift | CompositeHasMask | CompositeHasSrcTransform | CompositeHasMaskTransform,
				SrcBitmap: 89, MaskBitmap: 107,
				SrcTransform:  Transform{1 << 16, 0, -5 << 16, 0, 1 << 16, 7},
				MaskTransform: Transform{2 << 16, 0, 0, 0, 2 << 16, 0},
				SrcOrigin:     Point16{-3, 4}, MaskOrigin: Point16{5, -6}}),
		d("draw_composite, source only", MsgTypeDisplayDrawComposite,
			(&wb{}).noClipBase().u32(1).slot(&p1).i16(0).i16(0).i16(0).i16(0).here(p1).cachedImage(1),
			&MsgDisplayDrawComposite{Base: testNoClipBase, Flags: 1, SrcBitmap: 37}),
		d("stream_activate_report", MsgTypeDisplayStreamActivateReport, (&wb{}).u32(1).u32(2).u32(30).u32(1000),
			&MsgDisplayStreamActivateReport{StreamID: 1, UniqueID: 2, MaxWindowSize: 30, TimeoutMS: 1000}),
	}
	qi := d("quality_indicator", MsgTypeDisplayQualityIndicator, (&wb{}).u8('o', 'k', 0),
		&MsgDisplayQualityIndicator{Data: []byte("ok\x00")})
	qi.open = true
	text := d("draw_text", MsgTypeDisplayDrawText, textBody(StringFlagRasterA1, 1), &MsgDisplayDrawText{
		Base: testNoClipBase,
		String: String{Flags: StringFlagRasterA1, Length: 1, Glyphs: []RasterGlyph{{RenderPos: Point{0, 20},
			GlyphOrigin: Point{-1, -12}, Width: 9, Height: 2, Data: []byte{0, 1, 2, 3}}}},
		BackArea:  Rect{1, 2, 3, 4},
		ForeBrush: Brush{Type: BrushTypeSolid, Color: 0xffffff},
		ForeMode:  RopdOpPut,
	})
	return append(cases, qi, text)
}

func checkServerCases(t *testing.T, cases []serverCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newServerMessage(tc.ch, tc.t)
			if m == nil {
				t.Fatalf("no message for %v type %d", tc.ch, tc.t)
			}
			if reflect.TypeOf(m) != reflect.TypeOf(tc.want) {
				t.Fatalf("type %d gives %T, want %T", tc.t, m, tc.want)
			}
			if err := m.Decode(tc.body); err != nil {
				t.Fatal(err)
			}
			normalize(m)
			normalize(tc.want)
			if !reflect.DeepEqual(m, tc.want) {
				t.Errorf("got  %+v\nwant %+v", m, tc.want)
			}
			if tc.open {
				return
			}
			for k := range len(tc.body) {
				err := newServerMessage(tc.ch, tc.t).Decode(bytes.Clone(tc.body[:k]))
				var fe FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("body cut to %d of %d bytes: error %v, want a FormatError", k, len(tc.body), err)
				}
			}
		})
	}
}

func TestDisplayMessages(t *testing.T) { checkServerCases(t, displayCases()) }

func TestDisplayTableCoversEveryType(t *testing.T) {
	types := []MsgType{
		MsgTypeDisplayMode, MsgTypeDisplayMark, MsgTypeDisplayReset, MsgTypeDisplayCopyBits,
		MsgTypeDisplayInvalList, MsgTypeDisplayInvalAllPixmaps, MsgTypeDisplayInvalPalette,
		MsgTypeDisplayInvalAllPalettes, MsgTypeDisplayStreamCreate, MsgTypeDisplayStreamData,
		MsgTypeDisplayStreamClip, MsgTypeDisplayStreamDestroy, MsgTypeDisplayStreamDestroyAll,
		MsgTypeDisplayDrawFill, MsgTypeDisplayDrawOpaque, MsgTypeDisplayDrawCopy, MsgTypeDisplayDrawBlend,
		MsgTypeDisplayDrawBlackness, MsgTypeDisplayDrawWhiteness, MsgTypeDisplayDrawInvers,
		MsgTypeDisplayDrawRop3, MsgTypeDisplayDrawStroke, MsgTypeDisplayDrawText,
		MsgTypeDisplayDrawTransparent, MsgTypeDisplayDrawAlphaBlend, MsgTypeDisplaySurfaceCreate,
		MsgTypeDisplaySurfaceDestroy, MsgTypeDisplayStreamDataSized, MsgTypeDisplayMonitorsConfig,
		MsgTypeDisplayDrawComposite, MsgTypeDisplayStreamActivateReport, MsgTypeDisplayGLScanoutUnix,
		MsgTypeDisplayGLDraw, MsgTypeDisplayQualityIndicator,
	}
	seen := map[reflect.Type]bool{}
	for _, mt := range types {
		m := NewDisplayMessage(mt)
		if m == nil {
			t.Errorf("type %d: nil", mt)
			continue
		}
		if seen[reflect.TypeOf(m)] {
			t.Errorf("type %d: %T used twice", mt, m)
		}
		seen[reflect.TypeOf(m)] = true
	}
	for _, mt := range []MsgType{0, MsgTypeSetAck, MsgTypeList, 100, 109, 121, 127, 301, 323, 0xffff} {
		if m := NewDisplayMessage(mt); m != nil {
			t.Errorf("type %d: %T, want nil", mt, m)
		}
	}
}

func TestDisplayGLUnsupported(t *testing.T) {
	for _, mt := range []MsgType{MsgTypeDisplayGLScanoutUnix, MsgTypeDisplayGLDraw} {
		err := NewDisplayMessage(mt).Decode(make([]byte, 24))
		var ue UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("type %d: error %v, want UnsupportedError", mt, err)
		}
	}
}

func TestDisplayCountsAgainstBody(t *testing.T) {
	tests := []struct {
		name string
		t    MsgType
		body []byte
	}{
		{"inval_list", MsgTypeDisplayInvalList, (&wb{}).u16(0xffff).u8(1).u64(1).b},
		{"inval_all_pixmaps", MsgTypeDisplayInvalAllPixmaps, (&wb{}).u8(0xff).u8(2, 0).u64(1).b},
		{"monitors_config", MsgTypeDisplayMonitorsConfig, (&wb{}).u16(0xffff).u16(1).u32(0).b},
		{"stream_data", MsgTypeDisplayStreamData, (&wb{}).u32(0).u32(0).u32(0xffffffff).u8(1, 2, 3).b},
		{"stream_data_sized", MsgTypeDisplayStreamDataSized, (&wb{}).u32(0).u32(0).u32(1).u32(1).rect(0, 0, 1, 1).u32(5).u8(1).b},
		{"stream_create clip", MsgTypeDisplayStreamCreate, (&wb{}).u32(0).u32(0).u8(0, 1).u64(0).u32(1).u32(1).u32(1).u32(1).
			rect(0, 0, 1, 1).u8(ClipTypeRects).u32(0x7fffffff).b},
	}
	for _, tc := range tests {
		if err := NewDisplayMessage(tc.t).Decode(tc.body); err == nil {
			t.Errorf("%s: decoded a count larger than the body", tc.name)
		}
	}
}

func TestDisplayClientMessages(t *testing.T) {
	tests := []struct {
		m    ClientMessage
		t    MsgType
		want []byte
	}{
		{&MsgcDisplayInit{PixmapCacheID: 1, PixmapCacheSize: 80 << 20 / 4, GLZDictionaryID: 1, GLZDictionaryWindowSize: -1},
			MsgcTypeDisplayInit, []byte{1, 0, 0, 0x40, 1, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}},
		{&MsgcDisplayPreferredCompression{Compression: ImageCompressionAutoLZ},
			MsgcTypeDisplayPreferredCompression, []byte{3}},
		{&MsgcDisplayGLDrawDone{}, MsgcTypeDisplayGLDrawDone, nil},
		{&MsgcDisplayStreamReport{StreamID: 1, UniqueID: 2, StartFrameMMTime: 3, EndFrameMMTime: 4, NumFrames: 0,
			NumDrops: StreamReportInvalidDrops, LastFrameDelay: -2, AudioDelay: StreamReportNoAudio},
			MsgcTypeDisplayStreamReport, (&wb{}).u32(1).u32(2).u32(3).u32(4).u32(0).u32(0xffffffff).i32(-2).u32(0xffffffff).b},
		{&MsgcDisplayPreferredVideoCodecType{Codecs: []uint8{VideoCodecH264, VideoCodecVP8, VideoCodecMJPEG}},
			MsgcTypeDisplayPreferredVideoCodecType, []byte{3, 3, 2, 1}},
	}
	for _, tc := range tests {
		if tc.m.Type() != tc.t {
			t.Errorf("%T: type %d, want %d", tc.m, tc.m.Type(), tc.t)
		}
		prefix := []byte{0xaa}
		got := tc.m.Encode(prefix)
		if !bytes.Equal(got[:1], prefix) || !bytes.Equal(got[1:], tc.want) {
			t.Errorf("%T: encoded % x, want aa % x", tc.m, got, tc.want)
		}
		back := decodeClient(t, ChannelDisplay, tc.t, got[1:])
		if !reflect.DeepEqual(back, tc.m) {
			t.Errorf("%T: round trip gives %+v", tc.m, back)
		}
	}
	long := &MsgcDisplayPreferredVideoCodecType{Codecs: make([]uint8, 300)}
	if got := long.Encode(nil); got[0] != 255 || len(got) != 256 {
		t.Errorf("300 codecs encode as count %d, %d bytes", got[0], len(got))
	}
}

// decodeClient parses a client message body the way a server would; the
// client never decodes its own messages, so this lives with the tests.
func decodeClient(t *testing.T, ch ChannelType, mt MsgType, b []byte) ClientMessage {
	t.Helper()
	r := newReader(b)
	var m ClientMessage
	switch {
	case ch == ChannelDisplay && mt == MsgcTypeDisplayInit:
		m = &MsgcDisplayInit{r.u8(), r.i64(), r.u8(), r.i32()}
	case ch == ChannelDisplay && mt == MsgcTypeDisplayPreferredCompression:
		m = &MsgcDisplayPreferredCompression{ImageCompression(r.u8())}
	case ch == ChannelDisplay && mt == MsgcTypeDisplayGLDrawDone:
		m = &MsgcDisplayGLDrawDone{}
	case ch == ChannelDisplay && mt == MsgcTypeDisplayStreamReport:
		m = &MsgcDisplayStreamReport{r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.i32(), r.u32()}
	case ch == ChannelDisplay && mt == MsgcTypeDisplayPreferredVideoCodecType:
		m = &MsgcDisplayPreferredVideoCodecType{r.take(r.count8(1))}
	case ch == ChannelInputs && mt == MsgcTypeInputsKeyDown:
		m = &MsgcInputsKeyDown{r.u32()}
	case ch == ChannelInputs && mt == MsgcTypeInputsKeyUp:
		m = &MsgcInputsKeyUp{r.u32()}
	case ch == ChannelInputs && mt == MsgcTypeInputsKeyModifiers:
		m = &MsgcInputsKeyModifiers{r.u16()}
	case ch == ChannelInputs && mt == MsgcTypeInputsKeyScancode:
		m = &MsgcInputsKeyScancode{r.rest()}
	case ch == ChannelInputs && mt == MsgcTypeInputsMouseMotion:
		m = &MsgcInputsMouseMotion{r.i32(), r.i32(), r.u16()}
	case ch == ChannelInputs && mt == MsgcTypeInputsMousePosition:
		m = &MsgcInputsMousePosition{r.u32(), r.u32(), r.u16(), r.u8()}
	case ch == ChannelInputs && mt == MsgcTypeInputsMousePress:
		m = &MsgcInputsMousePress{r.u8(), r.u16()}
	case ch == ChannelInputs && mt == MsgcTypeInputsMouseRelease:
		m = &MsgcInputsMouseRelease{r.u8(), r.u16()}
	default:
		t.Fatalf("no test decoder for %v message %d", ch, mt)
	}
	if r.err != nil {
		t.Fatalf("%v message %d: %v", ch, mt, r.err)
	}
	if r.off != len(b) {
		t.Fatalf("%v message %d: %d trailing bytes", ch, mt, len(b)-r.off)
	}
	return m
}

// BenchmarkDecode decodes messages into one reused value per type, the way
// a session keeps them; steady state should not allocate.
func BenchmarkDecode(b *testing.B) {
	clipped := (&wb{}).u32(0).rect(0, 0, 768, 1024).u8(ClipTypeRects).u32(16)
	for i := range int32(16) {
		clipped.rect(i*48, 0, i*48+40, 1024)
	}
	var p int
	clipped.slot(&p).rect(0, 0, 768, 1024).u16(RopdOpPut).u8(0).u8(0).i32(0).i32(0).u32(0).here(p).cachedImage(1)

	var path int
	stroke := (&wb{}).noClipBase().slot(&path).u8(0).u8(BrushTypeSolid).u32(0).u16(RopdOpPut).u16(0)
	stroke.here(path).u32(8)
	for range 8 {
		stroke.u8(PathBegin).u32(8)
		for j := range int32(16) {
			stroke.i32(j)
		}
	}

	inval := (&wb{}).u16(100)
	for i := range uint64(100) {
		inval.u8(ResourceTypePixmap).u64(i)
	}

	tests := []struct {
		name string
		t    MsgType
		body []byte
	}{
		{"draw_copy_16_clip_rects", MsgTypeDisplayDrawCopy, clipped.b},
		{"draw_stroke_64_points", MsgTypeDisplayDrawStroke, stroke.b},
		{"draw_text_32_glyphs", MsgTypeDisplayDrawText, textBody(StringFlagRasterA8, 32).b},
		{"stream_data_64k", MsgTypeDisplayStreamData, (&wb{}).u32(1).u32(2).u32(65536).u8(make([]byte, 65536)...).b},
		{"inval_list_100", MsgTypeDisplayInvalList, inval.b},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			m := NewDisplayMessage(tc.t)
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := m.Decode(tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
