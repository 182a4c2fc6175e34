package session

import (
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// strokeBody builds a DRAW_STROKE over surface 0's (0,0)-(32,24): path
// segments (flags and 28.4 points), an optional dash style (28.4), a solid
// colour and a fore mode.
func strokeBody(segs []raster.PathSegment, flags []uint8, style []int32, attr uint8, color uint32, foreMode uint16) []byte {
	b := body{}.displayBase(0, 0, 0, 32, 24)
	pathAt := len(b)
	b = b.u32(0).u8(attr)
	styleAt := -1
	if attr&spice.LineFlagStyled != 0 {
		b = b.u8(uint8(len(style)))
		styleAt = len(b)
		b = b.u32(0)
	}
	b = b.u8(spice.BrushTypeSolid).u32(color).u16(foreMode).u16(0)
	binary.LittleEndian.PutUint32(b[pathAt:], uint32(len(b)))
	b = b.u32(uint32(len(segs)))
	for i, s := range segs {
		b = b.u8(flags[i]).u32(uint32(len(s.Points)))
		for _, p := range s.Points {
			b = b.u32(uint32(p.X)).u32(uint32(p.Y))
		}
	}
	if styleAt >= 0 {
		binary.LittleEndian.PutUint32(b[styleAt:], uint32(len(b)))
		for _, v := range style {
			b = b.u32(uint32(v))
		}
	}
	return b
}

func TestDrawStroke(t *testing.T) {
	ctx := context.Background()
	pp := func(x, y int32) raster.PathPoint { return raster.PathPoint{X: x << 4, Y: y<<4 + 3} }
	segs := []raster.PathSegment{
		{Begin: true, Points: []raster.PathPoint{pp(2, 2), pp(28, 5)}},
		{Bezier: true, Points: []raster.PathPoint{pp(30, 20), pp(10, 22), pp(3, 12)}},
		{End: true, Close: true, Points: []raster.PathPoint{pp(6, 8)}},
	}
	flags := []uint8{spice.PathBegin, spice.PathBezier, spice.PathEnd | spice.PathClose}
	for _, tc := range []struct {
		name  string
		attr  uint8
		style []int32
		mode  uint16
		rop   raster.ROP
	}{
		{name: "solid, copy", mode: spice.RopdOpPut, rop: raster.RopCopy},
		{name: "solid, xor", mode: spice.RopdOpXor, rop: raster.ROP(6)},
		{name: "dashed from a gap", attr: spice.LineFlagStyled | spice.LineFlagStartWithGap, style: []int32{4 << 4, 2<<4 + 9}, mode: spice.RopdOpPut, rop: raster.RopCopy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, sink := newTestDisplay(t)
			if err := d.surfaceCreate(ctx, surfaceCreateBody(0, 32, 24, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)); err != nil {
				t.Fatal(err)
			}
			want := newSurfaceCopy(t, d.surfaces[0])
			st := raster.Stroke{Path: segs, Brush: raster.Brush{Color: 0x20c0f0}, Rop: tc.rop, Style: tc.style,
				StartWithGap: tc.attr&spice.LineFlagStartWithGap != 0}
			if err := want.DrawStroke(raster.Area{Box: raster.R(0, 0, 32, 24)}, &st); err != nil {
				t.Fatal(err)
			}
			if err := d.handle(ctx, spice.MsgTypeDisplayDrawStroke, strokeBody(segs, flags, tc.style, tc.attr, 0x20c0f0, tc.mode)); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.surfaces[0].Pix, want.Pix) {
				t.Error("surface differs from raster.DrawStroke with the message's meaning")
			}
			if slices.Equal(d.surfaces[0].Pix, newSurfaceCopyBlank(t).Pix) {
				t.Error("nothing was drawn")
			}
			if w := warnings(sink); len(w) != 0 {
				t.Errorf("warnings %q", w)
			}
		})
	}
	t.Run("a style of zero-pixel dashes is skipped with a warning", func(t *testing.T) {
		d, sink := newTestDisplay(t)
		if err := d.surfaceCreate(ctx, surfaceCreateBody(0, 32, 24, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)); err != nil {
			t.Fatal(err)
		}
		err := d.handle(ctx, spice.MsgTypeDisplayDrawStroke, strokeBody(segs, flags, []int32{3, 8}, spice.LineFlagStyled, 0xffffff, spice.RopdOpPut))
		if err != nil {
			t.Fatalf("ended the channel: %v", err)
		}
		if w := warnings(sink); len(w) != 1 || !strings.Contains(w[0], "STROKE") {
			t.Errorf("warnings %q", w)
		}
	})
}

func newSurfaceCopyBlank(t *testing.T) *raster.Surface {
	t.Helper()
	s, err := raster.NewSurface(32, 24, raster.FormatXRGB32)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
