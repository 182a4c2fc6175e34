package lz

import (
	"encoding/binary"
	"fmt"
)

// A small LZ encoder, for tests only: it writes streams of every type and
// orientation the servers here never send (palette, RGB16, A8, bottom-up),
// exercising every token form (literal runs, short and long lengths, near
// and far distances, overlapping runs). It follows the format the decoder
// reads, not spice-common's encoder heuristics.

// header returns an LZ header.
func header(t Type, w, h, stride int, topDown bool) []byte {
	b := make([]byte, 0, HeaderLen)
	td := uint32(0)
	if topDown {
		td = 1
	}
	for _, v := range []uint32{Magic, Version, uint32(t), uint32(w), uint32(h), uint32(stride), td} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// encodePass appends the LZ coding of units (each ub bytes, already in
// coded byte order) to dst. bias is the type's minimum match length.
// maxDist limits how far back matches may reach, so tests can force near
// or far distances; 0 means no limit beyond the format's.
func encodePass(dst []byte, units []byte, ub, bias, maxDist int) []byte {
	n := len(units) / ub
	unit := func(i int) []byte { return units[i*ub : (i+1)*ub] }
	same := func(i, j int) bool { return string(unit(i)) == string(unit(j)) }
	const farMax = maxDistance + 65535 // largest coded distance + 1
	limit := farMax
	if maxDist > 0 && maxDist < limit {
		limit = maxDist
	}
	var lit []int // pending literal units
	flush := func() {
		for len(lit) > 0 {
			k := min(len(lit), maxCopy)
			dst = append(dst, byte(k-1))
			for _, i := range lit[:k] {
				dst = append(dst, unit(i)...)
			}
			lit = lit[k:]
		}
	}
	// Candidates: the last few positions starting with the same unit.
	seen := map[string][]int{}
	for i := 0; i < n; {
		bestLen, bestDist := 0, 0
		key := string(unit(i))
		for _, j := range seen[key] {
			d := i - j
			if d > limit {
				continue
			}
			l := 0
			for i+l < n && same(i+l-d, i+l) {
				l++
			}
			if l > bestLen {
				bestLen, bestDist = l, d
			}
		}
		if c := seen[key]; len(c) < 8 {
			seen[key] = append(c, i)
		} else {
			copy(c, c[1:])
			c[len(c)-1] = i
		}
		if bestLen < bias {
			lit = append(lit, i)
			i++
			continue
		}
		flush()
		dst = appendMatch(dst, bestLen-bias, bestDist-1)
		i += bestLen
	}
	flush()
	return dst
}

// appendMatch codes a match of coded length l and coded distance d.
func appendMatch(dst []byte, l, d int) []byte {
	lc := min(l, 6) + 1
	if d < maxDistance {
		dst = append(dst, byte(lc<<5|d>>8))
	} else {
		dst = append(dst, byte(lc<<5|31))
	}
	if l >= 6 {
		for l -= 6; l >= 255; l -= 255 {
			dst = append(dst, 255)
		}
		dst = append(dst, byte(l))
	}
	if d < maxDistance {
		return append(dst, byte(d))
	}
	d -= maxDistance
	if d > 0xffff {
		// invariant: encodePass never looks farther back than the format codes
		panic(fmt.Sprintf("test encoder distance %d too far", d))
	}
	return append(dst, 255, byte(d>>8), byte(d))
}
