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

// compositeBody builds a DRAW_COMPOSITE over (l,t,r,b) of surface 0 with
// the given flags; src and mask are image bodies appended after the
// fixed part (mask nil: none), transforms are sent when the flags ask.
func compositeBody(l, t, r, bt int32, flags uint32, src, mask body, st, mt *spice.Transform, so, mo [2]int16) []byte {
	b := body{}.displayBase(0, l, t, r, bt).u32(flags)
	srcAt := len(b)
	b = b.u32(0)
	maskAt := -1
	if flags&spice.CompositeHasMask != 0 {
		maskAt = len(b)
		b = b.u32(0)
	}
	for _, tr := range []*spice.Transform{st, mt} {
		if tr != nil {
			b = b.u32(uint32(tr.T00)).u32(uint32(tr.T01)).u32(uint32(tr.T02)).u32(uint32(tr.T10)).u32(uint32(tr.T11)).u32(uint32(tr.T12))
		}
	}
	b = b.u16(uint16(so[0])).u16(uint16(so[1])).u16(uint16(mo[0])).u16(uint16(mo[1]))
	binary.LittleEndian.PutUint32(b[srcAt:], uint32(len(b)))
	b = append(b, src...)
	if maskAt >= 0 {
		binary.LittleEndian.PutUint32(b[maskAt:], uint32(len(b)))
		b = append(b, mask...)
	}
	return b
}

func surfaceImage(id uint32, w, h uint32) body {
	return body{}.u64(0).u8(uint8(spice.ImageTypeSurface)).u8(0).u32(w).u32(h).u32(id)
}

func newTestDisplay(t *testing.T) (*display, *recSink) {
	t.Helper()
	sink := newRecSink()
	c := New(Config{Sink: sink})
	t.Cleanup(c.caches.close)
	d := newDisplay(c, &channel{client: c, id: display0, conn: discardConn{}})
	return d, sink
}

func TestDisplayCapsComposite(t *testing.T) {
	if !displayCaps(New(Config{})).Has(spice.DisplayCapComposite) {
		t.Error("COMPOSITE is implemented but not advertised")
	}
}

// TestDrawComposite sends composites through the display handler and
// checks the surface against raster.Composite called with what the
// message means: the wiring of flags, images, formats and transforms.
// (The pixel arithmetic is checked against pixman in raster.)
func TestDrawComposite(t *testing.T) {
	ctx := context.Background()
	rot := spice.Transform{T00: 56756, T01: -32768, T02: 4 << 16, T10: 32768, T11: 56756, T12: -2 << 16}
	pix := make([]uint32, 8*6)
	for i := range pix {
		pix[i] = uint32(i)*0x0a0b0c0d | 0x80000000
	}
	for _, tc := range []struct {
		name  string
		flags uint32
		src   func(d *display) body
		mask  func(d *display) body
		st    *spice.Transform
		want  func(t *testing.T, d *display) raster.Composite
	}{
		{
			name:  "over from an ARGB surface, rotated, bilinear, with an A8 mask surface",
			flags: uint32(raster.OpOver) | 4<<spice.CompositeSrcFilterShift | 1<<spice.CompositeSrcRepeatShift | spice.CompositeHasMask | spice.CompositeHasSrcTransform,
			src:   func(*display) body { return surfaceImage(1, 16, 12) },
			mask:  func(*display) body { return surfaceImage(2, 16, 12) },
			st:    &rot,
			want: func(t *testing.T, d *display) raster.Composite {
				tr := raster.Transform{rot.T00, rot.T01, rot.T02, rot.T10, rot.T11, rot.T12}
				return raster.Composite{Op: raster.OpOver,
					Src:  raster.Picture{Image: &d.surfaces[1].Image, Format: raster.FormatARGB32, Transform: &tr, Filter: raster.FilterBilinear, Repeat: raster.RepeatNormal},
					Mask: &raster.Picture{Image: &d.surfaces[2].Image, Format: raster.FormatA8}}
			},
		},
		{
			name:  "source opaque reads an ARGB surface as xRGB",
			flags: uint32(raster.OpSrc) | spice.CompositeSourceOpaque,
			src:   func(*display) body { return surfaceImage(1, 16, 12) },
			want: func(t *testing.T, d *display) raster.Composite {
				return raster.Composite{Op: raster.OpSrc, Src: raster.Picture{Image: &d.surfaces[1].Image, Format: raster.FormatXRGB32}}
			},
		},
		{
			name:  "a BITMAP source with a component-alpha mask from the target itself",
			flags: uint32(raster.OpAdd) | spice.CompositeHasMask | spice.CompositeComponentAlpha | 2<<spice.CompositeMaskRepeatShift,
			src:   func(*display) body { return body{}.bitmapImage(8, 6, pix, 0, 0) },
			mask:  func(*display) body { return surfaceImage(0, 32, 24) },
			want: func(t *testing.T, d *display) raster.Composite {
				img, _ := raster.NewImage(8, 6)
				for i, p := range pix {
					// BITMAP 32-bit is opaque: A=255
					binary.LittleEndian.PutUint32(img.Pix[i*4:], p>>16&0xff|p&0xff00|(p&0xff)<<16|0xff000000)
				}
				self := &raster.Image{Pix: slices.Clone(d.surfaces[0].Pix), Stride: d.surfaces[0].Stride, W: 32, H: 24}
				return raster.Composite{Op: raster.OpAdd, Src: raster.Picture{Image: img, Format: raster.FormatARGB32},
					Mask: &raster.Picture{Image: self, Format: raster.FormatXRGB32, Repeat: raster.RepeatPad, ComponentAlpha: true}}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, sink := newTestDisplay(t)
			for _, sc := range []struct {
				id   uint32
				w, h uint32
				f    spice.SurfaceFmt
			}{{0, 32, 24, spice.SurfaceFmt32xRGB}, {1, 16, 12, spice.SurfaceFmt32ARGB}, {2, 16, 12, spice.SurfaceFmt8A}} {
				flags := uint32(0)
				if sc.id == 0 {
					flags = spice.SurfaceFlagPrimary
				}
				if err := d.surfaceCreate(ctx, surfaceCreateBody(sc.id, sc.w, sc.h, sc.f, flags)); err != nil {
					t.Fatal(err)
				}
				s := d.surfaces[sc.id]
				for i := 0; i < len(s.Pix); i += 4 {
					v := uint32(i)*0x9e3779b1 + sc.id
					a := v >> 24
					binary.LittleEndian.PutUint32(s.Pix[i:], s.Format.Pixel(a<<24|(v>>16&255)%(a+1)<<16|(v>>8&255)%(a+1)<<8|(v&255)%(a+1)))
				}
			}
			want := newSurfaceCopy(t, d.surfaces[0])
			c := tc.want(t, d)
			c.SrcOrigin, c.MaskOrigin = raster.Point{X: 1, Y: -2}, raster.Point{X: -1, Y: 3}
			if err := want.Composite(raster.Area{Box: raster.R(2, 3, 30, 21), Clip: []raster.Rect{raster.R(0, 0, 20, 24), raster.R(18, 5, 32, 10)}}, &c); err != nil {
				t.Fatal(err)
			}
			var mask body
			if tc.mask != nil {
				mask = tc.mask(d)
			}
			b := compositeBody(2, 3, 30, 21, tc.flags, tc.src(d), mask, tc.st, nil, [2]int16{1, -2}, [2]int16{-1, 3})
			// clip rects after the box: rebuild with them
			b = withClip(b, [4]int32{0, 0, 20, 24}, [4]int32{18, 5, 32, 10})
			if err := d.handle(ctx, spice.MsgTypeDisplayDrawComposite, b); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.surfaces[0].Pix, want.Pix) {
				t.Error("surface differs from raster.Composite with the message's meaning")
			}
			if w := warnings(sink); len(w) != 0 {
				t.Errorf("warnings: %q", w)
			}
		})
	}
}

// withClip turns the ClipTypeNone DisplayBase at the start of b into a
// rects clip, shifting the pointers that follow it.
func withClip(b []byte, rects ...[4]int32) []byte {
	const clipAt = 4 + 16
	ins := body{}.u32(uint32(len(rects)))
	for _, r := range rects {
		ins = ins.rectLTRB(r[0], r[1], r[2], r[3])
	}
	out := append(slices.Clone(b[:clipAt]), spice.ClipTypeRects)
	out = append(out, ins...)
	rest := slices.Clone(b[clipAt+1:])
	// The pointers right after the base (src, then mask when present)
	// are offsets into the body: shift them past the inserted bytes.
	shift := uint32(len(ins))
	flags := binary.LittleEndian.Uint32(rest)
	n := 1
	if flags&spice.CompositeHasMask != 0 {
		n = 2
	}
	for k := range n {
		p := binary.LittleEndian.Uint32(rest[4+4*k:])
		binary.LittleEndian.PutUint32(rest[4+4*k:], p+shift)
	}
	return append(out, rest...)
}

func newSurfaceCopy(t *testing.T, s *raster.Surface) *raster.Surface {
	t.Helper()
	c, err := raster.NewSurface(s.W, s.H, s.Format)
	if err != nil {
		t.Fatal(err)
	}
	copy(c.Pix, s.Pix)
	return c
}

// TestDrawCompositeUnsupported: an operator this client does not draw is
// skipped with a warning and the session goes on; its image is still
// decoded and cached (the touch rule).
func TestDrawCompositeUnsupported(t *testing.T) {
	ctx := context.Background()
	d, sink := newTestDisplay(t)
	if err := d.surfaceCreate(ctx, surfaceCreateBody(0, 32, 24, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)); err != nil {
		t.Fatal(err)
	}
	before := slices.Clone(d.surfaces[0].Pix)
	pix := make([]uint32, 4)
	b := compositeBody(0, 0, 8, 8, 0x0e, body{}.bitmapImage(2, 2, pix, 77, spice.ImageFlagCacheMe), nil, nil, nil, [2]int16{}, [2]int16{})
	if err := d.handle(ctx, spice.MsgTypeDisplayDrawComposite, b); err != nil {
		t.Fatalf("unsupported operator ended the channel: %v", err)
	}
	if !slices.Equal(before, d.surfaces[0].Pix) {
		t.Error("an unsupported composite drew")
	}
	if w := warnings(sink); len(w) != 1 || !strings.Contains(w[0], "COMPOSITE") {
		t.Errorf("warnings %q, want one naming COMPOSITE", w)
	}
	if _, err := d.c.caches.get(ctx, 77, false); err != nil {
		t.Errorf("the source image was not cached: %v", err)
	}
	// A malformed message is an error.
	if err := d.handle(ctx, spice.MsgTypeDisplayDrawComposite, b[:30]); err == nil {
		t.Error("a truncated composite was accepted")
	}
}

// warnings are the sink's log lines above debug level.
func warnings(s *recSink) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var w []string
	for _, l := range s.logs {
		if !strings.HasPrefix(l, "debug: ") {
			w = append(w, l)
		}
	}
	return w
}
