package glz

import (
	"encoding/binary"

	"spiceweb/wasm/codec/lz"
)

// A small GLZ encoder, for tests only. It writes every token form the
// decoder reads (literal runs, long lengths, short/medium/long pixel
// offsets, 0-3 image-distance bytes) and matches into earlier images,
// following the format rather than the server's heuristics.

// glzHeader returns a GLZ header.
func glzHeader(t lz.Type, w, h int, topDown bool, id uint64, dist uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, lz.Magic)
	b = binary.BigEndian.AppendUint32(b, lz.Version)
	tb := byte(t)
	if topDown {
		tb |= 1 << 4
	}
	b = append(b, tb)
	bpp := map[lz.Type]int{lz.TypeRGB16: 2, lz.TypeRGB24: 3, lz.TypeRGB32: 4, lz.TypeRGBA: 4}[t]
	for _, v := range []uint32{uint32(w), uint32(h), uint32(w * bpp)} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = binary.BigEndian.AppendUint64(b, id)
	return binary.BigEndian.AppendUint32(b, dist)
}

// refImage is an earlier image the encoder may match into: its coded
// units and its distance in ids from the image being coded.
type refImage struct {
	dist  int
	units []byte
}

// encodePass appends the GLZ coding of units (ub bytes each, in coded
// order). bias is the minimum match length; refs are earlier images of the
// same kind.
func encodePass(dst, units []byte, ub, bias int, refs []refImage) []byte {
	n := len(units) / ub
	unit := func(b []byte, i int) string { return string(b[i*ub : (i+1)*ub]) }
	type cand struct{ img, pos int } // img -1: this image
	seen := map[string][]cand{}
	for r, ref := range refs {
		for j := 0; j < len(ref.units)/ub; j++ {
			k := unit(ref.units, j)
			if len(seen[k]) < 8 {
				seen[k] = append(seen[k], cand{r, j})
			}
		}
	}
	var lit []int
	flush := func() {
		for len(lit) > 0 {
			k := min(len(lit), maxCopy)
			dst = append(dst, byte(k-1))
			for _, i := range lit[:k] {
				dst = append(dst, units[i*ub:(i+1)*ub]...)
			}
			lit = lit[k:]
		}
	}
	for i := 0; i < n; {
		key := unit(units, i)
		best, bestLen := cand{}, 0
		for _, c := range seen[key] {
			src := units
			if c.img >= 0 {
				src = refs[c.img].units
			}
			l := 0
			for i+l < n && (c.pos+l)*ub < len(src) && (c.img >= 0 || c.pos+l < i+l) &&
				unit(src, c.pos+l) == unit(units, i+l) {
				l++
			}
			if l > bestLen {
				best, bestLen = c, l
			}
		}
		if c := append(seen[key], cand{-1, i}); len(c) > 16 {
			seen[key] = c[1:]
		} else {
			seen[key] = c
		}
		if bestLen <= bias {
			lit = append(lit, i)
			i++
			continue
		}
		flush()
		if best.img < 0 {
			dst = appendMatch(dst, bestLen-bias, i-best.pos-1, 0)
		} else {
			dst = appendMatch(dst, bestLen-bias, best.pos, refs[best.img].dist)
		}
		i += bestLen
	}
	flush()
	return dst
}

// appendMatch codes a match of coded length l >= 1 at pixel offset ofs
// (coded distance for in-image matches, absolute offset otherwise) in the
// image imgDist ids back (glz-encode-match.tmpl.c encode_match layout).
func appendMatch(dst []byte, l, ofs, imgDist int) []byte {
	short := ofs < 1<<12
	ctrl := min(l, 7)<<5 | ofs&15
	if !short {
		ctrl |= 16
	}
	dst = append(dst, byte(ctrl))
	if l >= 7 {
		for l -= 7; l >= 255; l -= 255 {
			dst = append(dst, 255)
		}
		dst = append(dst, byte(l))
	}
	dst = append(dst, byte(ofs>>4))
	if short {
		switch {
		case imgDist < 1<<6:
			return append(dst, byte(imgDist))
		case imgDist < 1<<14:
			return append(dst, 1<<6|byte(imgDist&63), byte(imgDist>>6))
		case imgDist < 1<<22:
			return append(dst, 2<<6|byte(imgDist&63), byte(imgDist>>6), byte(imgDist>>14))
		default:
			return append(dst, 3<<6|byte(imgDist&63), byte(imgDist>>6), byte(imgDist>>14), byte(imgDist>>22))
		}
	}
	c := byte(ofs>>12) & 31
	long := ofs >= 1<<17
	if long {
		c |= 32
	}
	switch {
	case imgDist == 0:
		dst = append(dst, c)
	case imgDist < 1<<8:
		dst = append(dst, c|1<<6, byte(imgDist))
	case imgDist < 1<<16:
		dst = append(dst, c|2<<6, byte(imgDist), byte(imgDist>>8))
	default:
		dst = append(dst, c|3<<6, byte(imgDist), byte(imgDist>>8), byte(imgDist>>16))
	}
	if long {
		dst = append(dst, byte(ofs>>17))
	}
	return dst
}
