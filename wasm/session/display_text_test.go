package session

import (
	"context"
	"encoding/binary"
	"slices"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// textBody builds a DRAW_TEXT on surface 0 with box (0,0)-(32,24), a
// solid or pattern fore brush (pattern: an image body placed after the
// string), a solid back brush and 1-bpp glyphs.
func textBody(clip [][4]int32, back [4]int32, fore uint32, forePattern body, patPos [2]int32, foreMode uint16, glyphs []raster.Glyph) []byte {
	b := body{}.displayBase(0, 0, 0, 32, 24, clip...)
	strAt := len(b)
	b = b.u32(0).rectLTRB(back[0], back[1], back[2], back[3])
	patAt := -1
	if forePattern != nil {
		b = b.u8(spice.BrushTypePattern)
		patAt = len(b)
		b = b.u32(0).u32(uint32(patPos[0])).u32(uint32(patPos[1]))
	} else {
		b = b.u8(spice.BrushTypeSolid).u32(fore)
	}
	b = b.u8(spice.BrushTypeSolid).u32(0x0000ff).u16(foreMode).u16(spice.RopdOpPut)
	binary.LittleEndian.PutUint32(b[strAt:], uint32(len(b)))
	b = b.u16(uint16(len(glyphs))).u8(spice.StringFlagRasterA1)
	for _, g := range glyphs {
		// render_pos + glyph_origin = the glyph's corner
		b = b.u32(uint32(g.X + 3)).u32(uint32(g.Y - 2)).u32(uint32(0xfffffffd)).u32(2).u16(uint16(g.W)).u16(uint16(g.H))
		b = append(b, g.Data...)
	}
	if patAt >= 0 {
		binary.LittleEndian.PutUint32(b[patAt:], uint32(len(b)))
		b = append(b, forePattern...)
	}
	return b
}

func TestDrawText(t *testing.T) {
	ctx := context.Background()
	glyphs := []raster.Glyph{
		{X: 2, Y: 3, W: 9, H: 2, Data: []byte{0xff, 0x80, 0x81, 0x00}},
		{X: 9, Y: 2, W: 5, H: 4, Data: []byte{0xf8, 0x88, 0x88, 0xf8}},
	}
	pat := []uint32{0x112233, 0x445566, 0x778899, 0xaabbcc}
	for _, tc := range []struct {
		name    string
		clip    [][4]int32
		back    [4]int32
		pattern bool
		mode    uint16
		want    func(s *raster.Surface) raster.Text
	}{
		{name: "solid fore over a back area", back: [4]int32{1, 1, 20, 10}, mode: spice.RopdOpPut,
			want: func(*raster.Surface) raster.Text {
				return raster.Text{BPP: 1, BackArea: raster.R(1, 1, 20, 10), Back: raster.Brush{Color: 0x0000ff},
					Fore: raster.Brush{Color: 0xc08040}, ForePut: true}
			}},
		{name: "pattern fore, clipped", clip: [][4]int32{{0, 0, 8, 24}, {10, 0, 32, 4}}, pattern: true, mode: spice.RopdOpPut,
			want: func(*raster.Surface) raster.Text {
				img, _ := raster.NewImage(2, 2)
				for i, p := range pat {
					binary.LittleEndian.PutUint32(img.Pix[i*4:], p>>16&0xff|p&0xff00|(p&0xff)<<16|0xff000000)
				}
				return raster.Text{BPP: 1, Fore: raster.Brush{Pattern: img, Pos: raster.Point{X: -3, Y: 5}}, ForeFormat: raster.FormatARGB32, ForePut: true}
			}},
		{name: "a back area with a fore mode other than PUT draws nothing", back: [4]int32{1, 1, 20, 10}, mode: spice.RopdOpOr,
			want: func(*raster.Surface) raster.Text {
				return raster.Text{BPP: 1, BackArea: raster.R(1, 1, 20, 10)}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, sink := newTestDisplay(t)
			if err := d.surfaceCreate(ctx, surfaceCreateBody(0, 32, 24, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)); err != nil {
				t.Fatal(err)
			}
			want := newSurfaceCopy(t, d.surfaces[0])
			before := slices.Clone(want.Pix)
			txt := tc.want(want)
			txt.Glyphs = glyphs
			var clip []raster.Rect
			for _, c := range tc.clip {
				clip = append(clip, raster.R(int(c[0]), int(c[1]), int(c[2]), int(c[3])))
			}
			if err := want.DrawText(raster.Area{Box: raster.R(0, 0, 32, 24), Clip: clip}, &txt); err != nil {
				t.Fatal(err)
			}
			var patBody body
			if tc.pattern {
				patBody = body{}.bitmapImage(2, 2, pat, 0, 0)
			}
			b := textBody(tc.clip, tc.back, 0xc08040, patBody, [2]int32{-3, 5}, tc.mode, glyphs)
			if err := d.handle(ctx, spice.MsgTypeDisplayDrawText, b); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.surfaces[0].Pix, want.Pix) {
				t.Error("surface differs from raster.DrawText with the message's meaning")
			}
			if tc.mode != spice.RopdOpPut && !slices.Equal(d.surfaces[0].Pix, before) {
				t.Error("drew although the fore mode is not PUT")
			}
			if w := warnings(sink); len(w) != 0 {
				t.Errorf("warnings %q", w)
			}
		})
	}
}
