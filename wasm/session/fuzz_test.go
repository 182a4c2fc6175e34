package session

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	stdjpeg "image/jpeg"
	"io"
	"testing"
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// discardConn stands in for a channel's connection: what the handlers
// send is dropped.
type discardConn struct{}

func (discardConn) Read([]byte) (int, error)    { return 0, io.EOF }
func (discardConn) Write(p []byte) (int, error) { return len(p), nil }
func (discardConn) Close() error                { return nil }

// messages splits fuzz input into [u16 type][u16 length][body] records.
func messages(data []byte, yield func(spice.MsgType, []byte) bool) {
	for len(data) >= 4 {
		t := spice.MsgType(binary.LittleEndian.Uint16(data))
		n := int(binary.LittleEndian.Uint16(data[2:]))
		data = data[4:]
		if n > len(data) {
			n = len(data)
		}
		if !yield(t, data[:n]) {
			return
		}
		data = data[n:]
	}
}

func record(t spice.MsgType, body []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(t))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// cursorBit in a record's type sends it to the cursor channel instead.
const cursorBit = 0x8000

// FuzzDisplay feeds a display channel and a cursor channel arbitrary
// message sequences: no panic, no hang (waits end with the context), and
// memory held within the budgets the handlers enforce.
func FuzzDisplay(f *testing.F) {
	pix := make([]uint32, 16)
	for i := range pix {
		pix[i] = uint32(i) * 0x01020304
	}
	seed := [][]byte{
		record(spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, 64, 48, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)),
		record(spice.MsgTypeDisplayDrawFill, drawFillBody(0, 0, 0, 64, 48, 0xff0000)),
		record(spice.MsgTypeDisplayDrawFill, drawFillBody(0, 0, 36, 20, 48, 0xff, [4]int32{2, 40, 6, 44})),
		record(spice.MsgTypeDisplayDrawCopy, drawCopyBitmapBody(0, 10, 10, 4, 4, pix, 7, spice.ImageFlagCacheMe)),
		record(spice.MsgTypeDisplayDrawCopy, drawCopyCachedBody(0, 30, 20, 4, 4, 7)),
		record(spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(3, 16, 16, spice.SurfaceFmt32ARGB, 0)),
		record(spice.MsgTypeDisplayCopyBits, body{}.displayBase(0, 5, 5, 30, 30).u32(0).u32(0)),
		record(spice.MsgTypeDisplayMark, nil),
		record(spice.MsgTypeDisplayMonitorsConfig, monitorsConfigBody(2, spice.Head{Width: 32, Height: 48}, spice.Head{MonitorID: 1, Width: 32, Height: 40, X: 32, Y: 8})),
		record(spice.MsgTypeDisplayInvalList, body{}.u16(1).u8(spice.ResourceTypePixmap).u64(7)),
		record(spice.MsgTypeDisplaySurfaceDestroy, body{}.u32(3)),
		record(spice.MsgTypeDisplayReset, nil),
		// Cursor INIT with a cached 2x2 ALPHA shape, then SET from cache.
		record(cursorBit|spice.MsgTypeCursorInit, body{}.u16(5).u16(6).u16(0).u16(0).u8(1).
			u16(spice.CursorFlagCacheMe).u64(9).u8(uint8(spice.CursorTypeAlpha)).u16(2).u16(2).u16(1).u16(1).
			u32(0xff112233).u32(0x80102030).u32(0).u32(0xffffffff)),
		record(cursorBit|spice.MsgTypeCursorSet, body{}.u16(7).u16(8).u8(1).u16(spice.CursorFlagFromCache).
			u64(9).u8(0).u16(2).u16(2).u16(0).u16(0)),
		record(cursorBit|spice.MsgTypeCursorInvalOne, body{}.u64(9)),
		record(spice.MsgTypeDisplayStreamCreate, streamCreateBody(2, spice.StreamFlagTopDown, 8, 8, 16, 8)),
		record(spice.MsgTypeDisplayStreamData, streamDataBody(2, smallJPEG(f, 16, 8, false))),
		record(spice.MsgTypeDisplayStreamData, streamDataBody(2, smallJPEG(f, 16, 8, true))),
		record(spice.MsgTypeDisplayStreamDestroy, body{}.u32(2)),
		// Streams decoded outside Go (the fake decoder below): reports,
		// sized frames, a clip, garbage, frames for streams that are gone.
		record(spice.MsgTypeDisplayStreamCreate, videoCreateBody(4, spice.VideoCodecVP8, 4, 4, 16, 16)),
		record(spice.MsgTypeDisplayStreamActivateReport, body{}.u32(4).u32(8).u32(3).u32(1000)),
		record(spice.MsgTypeDisplayStreamData, videoDataBody(4, 0, vp8Frame(true, 0x20))),
		record(spice.MsgTypeDisplayStreamDataSized, body{}.u32(4).u32(0).u32(16).u32(16).rectLTRB(0, 0, 8, 8).u32(4).u8(0x31).u8(4).u8(0).u8(9)),
		record(spice.MsgTypeDisplayStreamClip, body{}.u32(4).u8(spice.ClipTypeRects).u32(1).rectLTRB(4, 4, 10, 10)),
		record(spice.MsgTypeDisplayStreamData, videoDataBody(4, 0, []byte{0xff, 0xfe, 0xfd})),
		record(spice.MsgTypeDisplayStreamCreate, videoCreateBody(5, spice.VideoCodecH264, 0, 0, 1<<16, 1<<16)),
		record(spice.MsgTypeDisplayStreamData, videoDataBody(9, 0, vp8Frame(true, 1))),
		record(spice.MsgTypeDisplayStreamDestroyAll, nil),
		record(spice.MsgTypeDisplayStreamData, videoDataBody(4, 0, vp8Frame(false, 0x21))),
		record(spice.MsgTypeDisplayDrawComposite, compositeBody(2, 2, 30, 20, uint32(raster.OpOver)|spice.CompositeHasMask|spice.CompositeHasSrcTransform,
			surfaceImage(3, 16, 16), surfaceImage(0, 64, 48), &spice.Transform{T00: 40000, T01: 9000, T11: 70000}, nil, [2]int16{1, 2}, [2]int16{-3, 0})),
		record(spice.MsgTypeDisplayDrawText, textBody(nil, [4]int32{1, 1, 20, 10}, 0xc08040, nil, [2]int32{}, spice.RopdOpPut,
			[]raster.Glyph{{X: 2, Y: 3, W: 9, H: 2, Data: []byte{0xff, 0x80, 0x81, 0x00}}})),
		record(spice.MsgTypeDisplayDrawStroke, strokeBody([]raster.PathSegment{{Points: []raster.PathPoint{{X: 32, Y: 32}, {X: 400, Y: 300}, {X: 30, Y: 500}}}},
			[]uint8{spice.PathBegin | spice.PathEnd}, []int32{48, 32}, spice.LineFlagStyled, 0xffffff, spice.RopdOpXor)),
	}
	var all []byte
	for _, s := range seed {
		f.Add(s)
		all = append(all, s...)
	}
	f.Add(all)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := New(Config{VideoDecoder: &fakeVideo{codecs: []uint8{spice.VideoCodecVP8}}})
		defer c.caches.close()
		ch := &channel{client: c, conn: discardConn{}, out: newSendQueue()}
		d := newDisplay(c, ch)
		// Budgets small enough that the fuzzer cannot spend its time
		// allocating: the limits, not their sizes, are what is tested.
		d.budget = 1 << 20
		cc := &cursorChannel{c: c, cache: map[uint64]*CursorShape{}}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		messages(data, func(t spice.MsgType, b []byte) bool {
			var err error
			if t&cursorBit != 0 {
				err = cc.handle(ctx, t&^cursorBit, b)
			} else {
				err = d.handle(ctx, t, b)
			}
			return err == nil || err == errUnknownMessage
		})
		// Whatever the monitors, presenting stays inside the canvas.
		c.Present(func(img *raster.Image, damage []image.Rectangle) {
			for _, r := range damage {
				if !r.In(image.Rect(0, 0, img.W, img.H)) {
					t.Fatalf("damage %v outside the %dx%d canvas", r, img.W, img.H)
				}
			}
		})
		if d.pixels > d.budget {
			t.Fatalf("surfaces hold %d pixels, budget %d", d.pixels, d.budget)
		}
		if cc.bytes > cursorCacheBytes {
			t.Fatalf("cursor cache holds %d bytes", cc.bytes)
		}
		for id, s := range d.surfaces {
			if s.W*s.H > raster.MaxPixels {
				t.Fatalf("surface %d is %dx%d", id, s.W, s.H)
			}
		}
	})
}

// smallJPEG encodes a w x h gradient with Go's encoder; without tables it
// is an MJPEG frame that relies on an earlier one's.
func smallJPEG(tb testing.TB, w, h int, noTables bool) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := stdjpeg.Encode(&b, img, nil); err != nil {
		tb.Fatal(err)
	}
	out := b.Bytes()
	if !noTables {
		return out
	}
	// Drop the DQT and DHT segments before SOS.
	res := append([]byte(nil), out[:2]...)
	off := 2
	for off+4 <= len(out) && out[off+1] != 0xda {
		n := int(binary.BigEndian.Uint16(out[off+2:]))
		if m := out[off+1]; m != 0xdb && m != 0xc4 {
			res = append(res, out[off:off+2+n]...)
		}
		off += 2 + n
	}
	return append(res, out[off:]...)
}
