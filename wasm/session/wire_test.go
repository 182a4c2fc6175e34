package session

import (
	"encoding/binary"

	"spiceweb/wasm/spice"
)

// Builders for server message bodies used by the tests: written from
// spice.proto independently of the decoders they exercise.

type body []byte

func (b body) u8(v uint8) body   { return append(b, v) }
func (b body) u16(v uint16) body { return binary.LittleEndian.AppendUint16(b, v) }
func (b body) u32(v uint32) body { return binary.LittleEndian.AppendUint32(b, v) }
func (b body) u64(v uint64) body { return binary.LittleEndian.AppendUint64(b, v) }

// rectLTRB appends a Rect in wire order (top, left, bottom, right).
func (b body) rectLTRB(l, t, r, bt int32) body {
	return b.u32(uint32(t)).u32(uint32(l)).u32(uint32(bt)).u32(uint32(r))
}

func mainInitBody(sessionID, supportedModes, currentMode uint32) []byte {
	return body{}.u32(sessionID).u32(1).u32(supportedModes).u32(currentMode).
		u32(0).u32(10).u32(0).u32(64 << 20)
}

func channelsListBody(ids ...spice.ChannelID) []byte {
	b := body{}.u32(uint32(len(ids)))
	for _, id := range ids {
		b = b.u8(uint8(id.Type)).u8(id.ID)
	}
	return b
}

func surfaceCreateBody(id, w, h uint32, f spice.SurfaceFmt, flags uint32) []byte {
	return body{}.u32(id).u32(w).u32(h).u32(uint32(f)).u32(flags)
}

// displayBase appends a DisplayBase with optional clip rects (l,t,r,b each).
func (b body) displayBase(surface uint32, l, t, r, bt int32, clip ...[4]int32) body {
	b = b.u32(surface).rectLTRB(l, t, r, bt)
	if len(clip) == 0 {
		return b.u8(spice.ClipTypeNone)
	}
	b = b.u8(spice.ClipTypeRects).u32(uint32(len(clip)))
	for _, c := range clip {
		b = b.rectLTRB(c[0], c[1], c[2], c[3])
	}
	return b
}

// noMask appends an empty QMask.
func (b body) noMask() body { return b.u8(0).u32(0).u32(0).u32(0) }

func drawFillBody(surface uint32, l, t, r, bt int32, color uint32, clip ...[4]int32) []byte {
	return body{}.displayBase(surface, l, t, r, bt, clip...).
		u8(spice.BrushTypeSolid).u32(color).u16(spice.RopdOpPut).noMask()
}

// drawCopyBitmapBody draws a w x h 32-bit top-down BITMAP at (x, y). The
// image follows the fixed part and its pointer.
func drawCopyBitmapBody(surface uint32, x, y int32, w, h uint32, pix []uint32, id uint64, flags uint8) []byte {
	b := body{}.displayBase(surface, x, y, x+int32(w), y+int32(h))
	ptrAt := len(b)
	b = b.u32(0).rectLTRB(0, 0, int32(w), int32(h)).u16(spice.RopdOpPut).u8(spice.ImageScaleModeNearest).noMask()
	binary.LittleEndian.PutUint32(b[ptrAt:], uint32(len(b)))
	return b.bitmapImage(w, h, pix, id, flags)
}

func (b body) bitmapImage(w, h uint32, pix []uint32, id uint64, flags uint8) body {
	b = b.u64(id).u8(uint8(spice.ImageTypeBitmap)).u8(flags).u32(w).u32(h)
	b = b.u8(uint8(spice.BitmapFmt32Bit)).u8(spice.BitmapFlagTopDown).u32(w).u32(h).u32(w * 4).u32(0)
	for _, p := range pix {
		b = b.u32(p)
	}
	return b
}

// drawCopyCachedBody draws the cached image id at (x, y).
func drawCopyCachedBody(surface uint32, x, y int32, w, h uint32, id uint64) []byte {
	b := body{}.displayBase(surface, x, y, x+int32(w), y+int32(h))
	ptrAt := len(b)
	b = b.u32(0).rectLTRB(0, 0, int32(w), int32(h)).u16(spice.RopdOpPut).u8(spice.ImageScaleModeNearest).noMask()
	binary.LittleEndian.PutUint32(b[ptrAt:], uint32(len(b)))
	return b.u64(id).u8(uint8(spice.ImageTypeFromCache)).u8(0).u32(w).u32(h)
}

func setAckBody(gen, window uint32) []byte { return body{}.u32(gen).u32(window) }

func pingBody(id uint32, ts uint64) []byte { return body{}.u32(id).u64(ts) }

// listBody wraps sub-messages in a MSG_LIST body.
func listBody(subs ...spice.SubMessage) []byte {
	b := body{}.u16(uint16(len(subs)))
	offAt := len(b)
	for range subs {
		b = b.u32(0)
	}
	for i, s := range subs {
		binary.LittleEndian.PutUint32(b[offAt+4*i:], uint32(len(b)))
		b = b.u16(uint16(s.Type)).u32(uint32(len(s.Body)))
		b = append(b, s.Body...)
	}
	return b
}
