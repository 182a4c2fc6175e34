package raster

import "encoding/binary"

// AlphaBlend composites src's rect sr over the area's box with pixman's
// OVER operator and a constant mask alpha/255: DRAW_ALPHA_BLEND. src is
// premultiplied (images without alpha have A=255). A size change scales
// with NEAREST, whatever the message says, as spice-common does. Source
// pixels outside src leave the surface unchanged (REPEAT_NONE is
// transparent). An alpha of 0 or an empty area draws nothing.
//
// The message's alpha_flags only say whether an xRGB32 surface's x byte
// is to be read or written as alpha (sw_canvas.c canvas_get_as_surface).
// Colour results do not depend on the destination's alpha under OVER, and
// Surface keeps xRGB32's x byte at 255, so the flags need no parameter.
// Matches spice-common canvas_base.c canvas_draw_alpha_blend and
// sw_canvas.c __blend_image / __blend_scale_image.
func (s *Surface) AlphaBlend(a Area, src *Image, sr Rect, alpha uint8) {
	g := s.region(&a)
	if alpha == 0 || g.empty() || !src.valid() {
		return
	}
	box := a.Box
	blend := func(dst, from []byte) {
		over(dst, from, alpha)
		fixSpan(s.Format, dst)
	}
	if sr.Dx() == box.Dx() && sr.Dy() == box.Dy() {
		s.eachSpan(g, src, Point{sr.X0 - box.X0, sr.Y0 - box.Y0}, blend)
		s.Damage.Add(g.ext)
		return
	}
	sm := s.scaleSetup(g, box, src, sr, ScaleNearest)
	if sm == nil {
		return
	}
	s.eachScaledSpan(g, box, sm, blend)
	s.Damage.Add(g.ext)
}

// over sets dst = src*m + dst*(255 - alpha(src*m)) per channel, with
// pixman's rounding division by 255 and saturating add: combine_over_u
// with a solid mask (UN8x4_MUL_UN8, UN8x4_MUL_UN8_ADD_UN8x4). Its SSE2
// fast paths compute the same values.
func over(dst, src []byte, m uint8) {
	n := min(len(dst), len(src))
	for i := 0; i+4 <= n; i += 4 {
		sp := binary.LittleEndian.Uint32(src[i:])
		if m != 0xff {
			sp = mulUN8x4(sp, uint32(m))
		}
		if sp == 0 {
			continue // x + 0*... = x exactly
		}
		ia := 0xff - sp>>24
		if ia == 0 {
			binary.LittleEndian.PutUint32(dst[i:], sp)
			continue
		}
		d := binary.LittleEndian.Uint32(dst[i:])
		binary.LittleEndian.PutUint32(dst[i:], addSatUN8x4(mulUN8x4(d, ia), sp))
	}
}

// mulUN8x4 multiplies each byte of x by a/255, rounding as pixman's
// UN8x4_MUL_UN8: t = c*a + 128; (t + (t >> 8)) >> 8, two bytes at a time.
func mulUN8x4(x, a uint32) uint32 {
	rb := (x&0x00ff00ff)*a + 0x00800080
	rb = (rb + (rb>>8)&0x00ff00ff) >> 8 & 0x00ff00ff
	ag := (x>>8&0x00ff00ff)*a + 0x00800080
	ag = (ag + (ag>>8)&0x00ff00ff) & 0xff00ff00
	return rb | ag
}

// addSatUN8x4 adds bytewise, saturating at 255 (UN8x4_ADD_UN8x4).
func addSatUN8x4(x, y uint32) uint32 {
	rb := x&0x00ff00ff + y&0x00ff00ff
	rb |= 0x10000100 - (rb>>8)&0x00ff00ff
	ag := x>>8&0x00ff00ff + y>>8&0x00ff00ff
	ag |= 0x10000100 - (ag>>8)&0x00ff00ff
	return rb&0x00ff00ff | (ag&0x00ff00ff)<<8
}

// Transparent copies src's rect sr into the area's box except the pixels
// whose colour equals trueColor (0x00RRGGBB): DRAW_TRANSPARENT. The key
// is compared at the surface's depth: the RGB bytes on 32-bit surfaces,
// the quantised 555/565 value on 16-bit ones; on A8 and A1 surfaces
// pixels with alpha 0 are the transparent ones. A size change scales with
// NEAREST, and samples outside src are transparent black, which is then
// keyed like any other colour.
// Matches spice-common canvas_base.c canvas_draw_transparent and
// pixman_utils.c spice_pixman_blit_colorkey.
func (s *Surface) Transparent(a Area, src *Image, sr Rect, trueColor uint32) {
	g := s.region(&a)
	if g.empty() || !src.valid() {
		return
	}
	key, keyMask := s.colorKey(trueColor)
	box := a.Box
	keyed := func(dst, from []byte) { s.keyed(dst, from, key, keyMask) }
	if sr.Dx() == box.Dx() && sr.Dy() == box.Dy() {
		s.eachSpan(g, src, Point{sr.X0 - box.X0, sr.Y0 - box.Y0}, keyed)
		s.Damage.Add(g.ext)
		return
	}
	sm := s.scaleSetup(g, box, src, sr, ScaleNearest)
	if sm == nil {
		return
	}
	s.eachScaledSpan(g, box, sm, keyed)
	s.Damage.Add(g.ext)
}

// colorKey returns the stored-word value and mask a source pixel is
// compared with after being brought to the surface's format.
func (s *Surface) colorKey(trueColor uint32) (key, mask uint32) {
	switch s.Format {
	case FormatA8, FormatA1:
		// spice-common uses transparent_color = 0 on these canvases and
		// compares the 8-bit (alpha) value
		return 0, 0xff000000
	}
	return fixWord(s.Format, rgbWord(trueColor)) & 0xffffff, 0xffffff
}

// keyed copies the pixels of src not matching the key into dst, storing
// them by the surface's rules.
func (s *Surface) keyed(dst, src []byte, key, mask uint32) {
	n := min(len(dst), len(src))
	var or uint32
	switch s.Format {
	case FormatXRGB32:
		or = 0xff000000
	case FormatARGB32:
	default:
		for i := 0; i+4 <= n; i += 4 {
			p := fixWord(s.Format, binary.LittleEndian.Uint32(src[i:]))
			if p&mask != key {
				binary.LittleEndian.PutUint32(dst[i:], p)
			}
		}
		return
	}
	// 32-bit surfaces store the source as is (but for xRGB32's alpha)
	for i := 0; i+4 <= n; i += 4 {
		p := binary.LittleEndian.Uint32(src[i:])
		if p&mask != key {
			binary.LittleEndian.PutUint32(dst[i:], p|or)
		}
	}
}
