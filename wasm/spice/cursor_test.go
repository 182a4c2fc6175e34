package spice

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"testing"
)

// cursorHeader appends a Cursor's flags and header.
func (w *wb) cursorHeader(flags uint16, unique uint64, typ CursorType, width, height, hx, hy uint16) *wb {
	return w.u16(flags).u64(unique).u8(uint8(typ)).u16(width).u16(height).u16(hx).u16(hy)
}

func cursorCases() []serverCase {
	c := func(name string, t MsgType, w *wb, want ServerMessage) serverCase {
		return serverCase{name: name, ch: ChannelCursor, t: t, body: w.b, want: want}
	}
	shape := c("init with shape", MsgTypeCursorInit,
		(&wb{}).i16(-2).i16(300).u16(4).u16(9).u8(1).
			cursorHeader(CursorFlagCacheMe, 42, CursorTypeAlpha, 2, 1, 1, 0).u8(1, 2, 3, 4, 5, 6, 7, 8),
		&MsgCursorInit{Position: Point16{-2, 300}, TrailLength: 4, TrailFrequency: 9, Visible: true,
			Cursor: Cursor{Flags: CursorFlagCacheMe,
				Header: CursorHeader{Unique: 42, Type: CursorTypeAlpha, Width: 2, Height: 1, HotSpotX: 1},
				Data:   []byte{1, 2, 3, 4, 5, 6, 7, 8}}})
	shape.open = true
	return []serverCase{
		shape,
		c("reset", MsgTypeCursorReset, &wb{}, &MsgCursorReset{}),
		c("set from cache", MsgTypeCursorSet,
			(&wb{}).i16(10).i16(20).u8(0).cursorHeader(CursorFlagFromCache, 42, CursorTypeAlpha, 32, 32, 0, 0),
			&MsgCursorSet{Position: Point16{10, 20},
				Cursor: Cursor{Flags: CursorFlagFromCache,
					Header: CursorHeader{Unique: 42, Type: CursorTypeAlpha, Width: 32, Height: 32}, Data: []byte{}}}),
		c("set none", MsgTypeCursorSet, (&wb{}).i16(0).i16(0).u8(1).u16(CursorFlagNone),
			&MsgCursorSet{Visible: true, Cursor: Cursor{Flags: CursorFlagNone, Data: []byte{}}}),
		c("move", MsgTypeCursorMove, (&wb{}).i16(-1).i16(2), &MsgCursorMove{Position: Point16{-1, 2}}),
		c("hide", MsgTypeCursorHide, &wb{}, &MsgCursorHide{}),
		c("trail", MsgTypeCursorTrail, (&wb{}).u16(3).u16(5), &MsgCursorTrail{Length: 3, Frequency: 5}),
		c("inval_one", MsgTypeCursorInvalOne, (&wb{}).u64(0xfedcba9876543210), &MsgCursorInvalOne{ID: 0xfedcba9876543210}),
		c("inval_all", MsgTypeCursorInvalAll, &wb{}, &MsgCursorInvalAll{}),
	}
}

func TestCursorMessages(t *testing.T) {
	checkServerCases(t, cursorCases())
	for _, mt := range []MsgType{0, MsgTypeNotify, 100, 109} {
		if m := NewCursorMessage(mt); m != nil {
			t.Errorf("type %d: %T, want nil", mt, m)
		}
	}
}

func shapeCursor(typ CursorType, w, h uint16, data ...byte) *Cursor {
	return &Cursor{Header: CursorHeader{Type: typ, Width: w, Height: h}, Data: data}
}

// px writes RGBA pixels compactly in test tables.
func px(p ...[4]byte) []byte {
	var b []byte
	for _, q := range p {
		b = append(b, q[:]...)
	}
	return b
}

var (
	transp = [4]byte{0, 0, 0, 0}
	black  = [4]byte{0, 0, 0, 0xff}
	white  = [4]byte{0xff, 0xff, 0xff, 0xff}
	// spice-gtk's stand-ins for inverting pixels, by checkerboard parity.
	invOdd  = [4]byte{0x30, 0x30, 0x30, 0xc0}
	invEven = [4]byte{0x50, 0x50, 0x50, 0x30}
)

func color4Data() []byte {
	w := &wb{}
	w.u8(0x12, 0x30, 0xf0, 0x10) // 3x2 nibbles, rows padded to 2 bytes
	for i := range 15 {
		w.u32(uint32(i) * 0x00010203)
	}
	w.u32(0x00ffffff)
	w.u8(0b0010_0000, 0b1000_0000) // AND mask
	return w.b
}

func TestCursorRGBA(t *testing.T) {
	tests := []struct {
		name string
		c    *Cursor
		want []byte
	}{
		{"alpha: premultiplied BGRA becomes straight RGBA", shapeCursor(CursorTypeAlpha, 4, 1,
			64, 128, 128, 128, 1, 2, 3, 255, 0, 0, 0, 0, 0, 0, 10, 20),
			[]byte{255, 255, 128, 128, 3, 2, 1, 255, 0, 0, 0, 0, 128, 0, 0, 20}},
		{"alpha: a channel above alpha means straight already", shapeCursor(CursorTypeAlpha, 3, 1,
			64, 128, 128, 128, 10, 20, 200, 100, 0, 0, 0, 0),
			[]byte{128, 128, 64, 128, 200, 20, 10, 100, 0, 0, 0, 0}},
		{"mono: the four AND/XOR combinations",
			// AND row 0 = .XX, XOR row 0 = X.X; row 1 all transp.
			shapeCursor(CursorTypeMono, 3, 2, 0b0110_0000, 0, 0b1010_0000, 0),
			px(white, transp, white, black, black, black)},
		{"mono: an all-inverting cursor is outlined in black",
			shapeCursor(CursorTypeMono, 5, 5,
				0xf8, 0xf8, 0xf8, 0xf8, 0xf8, // AND: every pixel
				0, 0, 0b0010_0000, 0, 0), // XOR: the centre
			px(transp, transp, transp, transp, transp,
				transp, black, black, black, transp,
				transp, black, white, black, transp,
				transp, black, black, black, transp,
				transp, transp, transp, transp, transp)},
		{"mono: padding bits of the AND mask do not matter",
			shapeCursor(CursorTypeMono, 4, 4, 0xf0, 0xf0, 0xf0, 0xf0, 0, 0b0100_0000, 0, 0),
			px(transp, transp, transp, transp,
				transp, white, black, transp,
				transp, black, black, transp,
				transp, transp, transp, transp)},
		{"color4: palette, odd width, mask and invert", shapeCursor(CursorTypeColor4, 3, 2, color4Data()...),
			px([4]byte{1, 2, 3, 255}, [4]byte{2, 4, 6, 255}, transp,
				invOdd, [4]byte{0, 0, 0, 255}, [4]byte{1, 2, 3, 255})},
		{"color16: 555 expanded, masked white inverts", shapeCursor(CursorTypeColor16, 3, 1,
			0x00, 0x7c, 0xff, 0x7f, 0x1f, 0x00, 0b0100_0000),
			px([4]byte{255, 0, 0, 255}, invOdd, [4]byte{0, 0, 255, 255})},
		{"color32: mask, invert and the unused byte", shapeCursor(CursorTypeColor32, 2, 2,
			0xff, 0xff, 0xff, 0x00, 0x11, 0x22, 0x33, 0x99,
			0x44, 0x55, 0x66, 0x00, 0xff, 0xff, 0xff, 0x00,
			0b1000_0000, 0b1000_0000),
			px(invEven, [4]byte{0x33, 0x22, 0x11, 255}, transp, white)},
	}
	for _, tc := range tests {
		got, err := tc.c.RGBA()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s:\ngot  % x\nwant % x", tc.name, got, tc.want)
		}
	}
}

func TestCursorRGBAErrors(t *testing.T) {
	big := make([]byte, 600*4)
	tests := []struct {
		name        string
		c           *Cursor
		unsupported bool
	}{
		{"no cursor", &Cursor{Flags: CursorFlagNone}, false},
		{"from cache", &Cursor{Flags: CursorFlagFromCache, Header: CursorHeader{Width: 1, Height: 1}}, false},
		{"zero width", shapeCursor(CursorTypeAlpha, 0, 1), false},
		{"zero height", shapeCursor(CursorTypeAlpha, 1, 0), false},
		{"too wide", shapeCursor(CursorTypeAlpha, 513, 1, big...), true},
		{"too tall", shapeCursor(CursorTypeAlpha, 1, 600, big...), true},
		{"color8", shapeCursor(CursorTypeColor8, 1, 1, big...), true},
		{"color24", shapeCursor(CursorTypeColor24, 1, 1, big...), true},
		{"unknown type", shapeCursor(7, 1, 1, big...), true},
		{"short alpha", shapeCursor(CursorTypeAlpha, 2, 2, big[:15]...), false},
		{"short mono", shapeCursor(CursorTypeMono, 9, 2, big[:7]...), false},
		{"short color4", shapeCursor(CursorTypeColor4, 3, 2, color4Data()[:69]...), false},
		{"short color16", shapeCursor(CursorTypeColor16, 8, 1, big[:16]...), false},
		{"short color32", shapeCursor(CursorTypeColor32, 8, 1, big[:32]...), false},
	}
	for _, tc := range tests {
		got, err := tc.c.AppendRGBA([]byte{9})
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !bytes.Equal(got, []byte{9}) {
			t.Errorf("%s: dst changed to % x", tc.name, got)
		}
		var ue UnsupportedError
		var fe FormatError
		if tc.unsupported && !errors.As(err, &ue) || !tc.unsupported && !errors.As(err, &fe) {
			t.Errorf("%s: error %T %v", tc.name, err, err)
		}
	}
}

func TestCursorAppendRGBA(t *testing.T) {
	c := shapeCursor(CursorTypeAlpha, 1, 1, 1, 2, 3, 255)
	got, err := c.AppendRGBA([]byte{0xaa})
	if err != nil || !bytes.Equal(got, []byte{0xaa, 3, 2, 1, 255}) {
		t.Errorf("AppendRGBA = % x, %v", got, err)
	}
	// Extra data after the shape is ignored.
	c.Data = append(c.Data, 0xee, 0xee)
	if got, err := c.RGBA(); err != nil || len(got) != 4 {
		t.Errorf("with trailing bytes: % x, %v", got, err)
	}
}

func TestCursorHotSpot(t *testing.T) {
	c := &Cursor{Header: CursorHeader{Width: 32, Height: 16, HotSpotX: 40, HotSpotY: 3}}
	if x, y := c.HotSpot(); x != 32 || y != 3 {
		t.Errorf("HotSpot = %d, %d; want 32, 3", x, y)
	}
}

func BenchmarkCursorRGBA(b *testing.B) {
	for _, tc := range []struct {
		typ  CursorType
		size int
		data int
	}{
		{CursorTypeAlpha, 64, 64 * 64 * 4},
		{CursorTypeMono, 32, 2 * 4 * 32},
		{CursorTypeColor32, 64, 64*64*4 + 8*64},
	} {
		b.Run(fmt.Sprintf("type%d_%d", tc.typ, tc.size), func(b *testing.B) {
			c := shapeCursor(tc.typ, uint16(tc.size), uint16(tc.size), make([]byte, tc.data)...)
			dst := make([]byte, 0, tc.size*tc.size*4)
			b.SetBytes(int64(tc.size * tc.size * 4))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = c.AppendRGBA(dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// update rewrites the cursor goldens. (raster/rastertest cannot be used:
// package raster imports this one.)
var update = flag.Bool("update", false, "rewrite golden PNG files")

// TestCapturedCursors converts the cursor shapes Xspice sent and compares
// them byte for byte with goldens (see testdata/README). PNG stores
// straight alpha, like RGBA's output, so NRGBA keeps the bytes exact.
func TestCapturedCursors(t *testing.T) {
	for _, n := range []string{"1", "3"} {
		body, err := os.ReadFile("testdata/messages/4-103-" + n + ".bin")
		if err != nil {
			t.Fatal(err)
		}
		var m MsgCursorSet
		if err := m.Decode(body); err != nil {
			t.Fatal(err)
		}
		rgba, err := m.Cursor.RGBA()
		if err != nil {
			t.Fatal(err)
		}
		w, h := int(m.Cursor.Header.Width), int(m.Cursor.Header.Height)
		got := &image.NRGBA{Pix: rgba, Stride: w * 4, Rect: image.Rect(0, 0, w, h)}
		path := "testdata/cursor-xspice-" + n + ".png"
		if *update {
			var buf bytes.Buffer
			if err := png.Encode(&buf, got); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		want, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		nw, ok := want.(*image.NRGBA)
		if !ok || !bytes.Equal(nw.Pix, got.Pix) || nw.Rect != got.Rect {
			t.Errorf("%s: conversion differs from the golden", path)
		}
	}
}
