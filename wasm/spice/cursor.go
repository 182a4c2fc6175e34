package spice

import (
	"slices"
	"strconv"
)

// Cursor channel messages (spice.proto: channel CursorChannel) and the
// conversion of cursor shapes to RGBA. The client sends only base messages
// on this channel.

// NewCursorMessage returns a zero message value for a cursor-channel
// server message type, or nil for any other type.
func NewCursorMessage(t MsgType) ServerMessage {
	switch t {
	case MsgTypeCursorInit:
		return new(MsgCursorInit)
	case MsgTypeCursorReset:
		return new(MsgCursorReset)
	case MsgTypeCursorSet:
		return new(MsgCursorSet)
	case MsgTypeCursorMove:
		return new(MsgCursorMove)
	case MsgTypeCursorHide:
		return new(MsgCursorHide)
	case MsgTypeCursorTrail:
		return new(MsgCursorTrail)
	case MsgTypeCursorInvalOne:
		return new(MsgCursorInvalOne)
	case MsgTypeCursorInvalAll:
		return new(MsgCursorInvalAll)
	}
	return nil
}

// CursorHeader describes a cursor shape (spice.proto: CursorHeader).
type CursorHeader struct {
	Unique   uint64 // cache key
	Type     CursorType
	Width    uint16
	Height   uint16
	HotSpotX uint16
	HotSpotY uint16
}

// Cursor is a shape, a cache reference or no cursor (spice.proto: Cursor).
// With CursorFlagNone there is no header and no shape. With
// CursorFlagFromCache, Header.Unique names a cached shape and Data is
// empty. Otherwise Data holds the shape, to the end of the message; it
// aliases the message body, so convert it (RGBA) before the next read when
// CursorFlagCacheMe asks to keep it.
type Cursor struct {
	Flags  uint16
	Header CursorHeader
	Data   []byte
}

func (r *reader) cursor(c *Cursor) {
	c.Flags = r.u16()
	c.Header = CursorHeader{}
	if c.Flags&CursorFlagNone == 0 {
		c.Header = CursorHeader{Unique: r.u64(), Type: CursorType(r.u8()),
			Width: r.u16(), Height: r.u16(), HotSpotX: r.u16(), HotSpotY: r.u16()}
	}
	c.Data = r.rest()
}

// MsgCursorInit sets the cursor state when the channel links
// (spice.proto: CursorChannel.init).
type MsgCursorInit struct {
	Position       Point16
	TrailLength    uint16
	TrailFrequency uint16
	Visible        bool
	Cursor         Cursor
}

func (*MsgCursorInit) server() {}

func (m *MsgCursorInit) Decode(b []byte) error {
	r := newReader(b)
	m.Position = r.point16()
	m.TrailLength = r.u16()
	m.TrailFrequency = r.u16()
	m.Visible = r.u8() != 0
	r.cursor(&m.Cursor)
	return r.err
}

// MsgCursorReset drops the cursor cache and restores the default cursor
// (spice.proto: CursorChannel.reset).
type MsgCursorReset struct{}

func (*MsgCursorReset) server()               {}
func (*MsgCursorReset) Decode(b []byte) error { return nil }

// MsgCursorSet changes the shape (spice.proto: CursorChannel.set).
type MsgCursorSet struct {
	Position Point16
	Visible  bool
	Cursor   Cursor
}

func (*MsgCursorSet) server() {}

func (m *MsgCursorSet) Decode(b []byte) error {
	r := newReader(b)
	m.Position = r.point16()
	m.Visible = r.u8() != 0
	r.cursor(&m.Cursor)
	return r.err
}

// MsgCursorMove places the cursor in server mouse mode
// (spice.proto: CursorChannel.move).
type MsgCursorMove struct {
	Position Point16
}

func (*MsgCursorMove) server() {}

func (m *MsgCursorMove) Decode(b []byte) error {
	r := newReader(b)
	m.Position = r.point16()
	return r.err
}

// MsgCursorHide (spice.proto: CursorChannel.hide).
type MsgCursorHide struct{}

func (*MsgCursorHide) server()               {}
func (*MsgCursorHide) Decode(b []byte) error { return nil }

// MsgCursorTrail configures mouse trails, which clients ignore
// (spice.proto: CursorChannel.trail).
type MsgCursorTrail struct {
	Length    uint16
	Frequency uint16
}

func (*MsgCursorTrail) server() {}

func (m *MsgCursorTrail) Decode(b []byte) error {
	r := newReader(b)
	m.Length = r.u16()
	m.Frequency = r.u16()
	return r.err
}

// MsgCursorInvalOne drops one shape from the cursor cache
// (spice.proto: CursorChannel.inval_one).
type MsgCursorInvalOne struct {
	ID uint64
}

func (*MsgCursorInvalOne) server() {}

func (m *MsgCursorInvalOne) Decode(b []byte) error {
	r := newReader(b)
	m.ID = r.u64()
	return r.err
}

// MsgCursorInvalAll empties the cursor cache (spice.proto: CursorChannel.inval_all).
type MsgCursorInvalAll struct{}

func (*MsgCursorInvalAll) server()               {}
func (*MsgCursorInvalAll) Decode(b []byte) error { return nil }

// MaxCursorSize bounds a cursor's width and height for RGBA: real cursors
// are at most 256 pixels, and the limit keeps a hostile header from
// costing more than 1 MiB.
const MaxCursorSize = 512

// HasShape reports whether c carries shape data, as opposed to hiding the
// cursor (CursorFlagNone) or naming a cached shape (CursorFlagFromCache).
func (c *Cursor) HasShape() bool {
	return c.Flags&(CursorFlagNone|CursorFlagFromCache) == 0
}

// HotSpot returns the hot spot clamped to the shape's size, as spice-gtk
// does for servers that send one outside it.
func (c *Cursor) HotSpot() (x, y int) {
	h := &c.Header
	return int(min(h.HotSpotX, h.Width)), int(min(h.HotSpotY, h.Height))
}

// RGBA converts the shape to Width*Height*4 bytes of straight-alpha RGBA,
// rows top-down. See AppendRGBA.
func (c *Cursor) RGBA() ([]byte, error) { return c.AppendRGBA(nil) }

// AppendRGBA appends the shape as straight-alpha RGBA to dst. It follows
// spice-gtk's channel-cursor.c set_cursor for MONO, COLOR4, COLOR16 and
// COLOR32, and converts premultiplied ALPHA shapes (see alphaRGBA).
// COLOR8 and COLOR24, which spice-gtk does not implement either, give an
// UnsupportedError. Data shorter than the type needs is a FormatError;
// extra bytes are ignored. On error dst is returned unchanged.
func (c *Cursor) AppendRGBA(dst []byte) ([]byte, error) {
	if !c.HasShape() {
		return dst, FormatError("cursor without shape")
	}
	h := &c.Header
	w, ht := int(h.Width), int(h.Height)
	if w == 0 || ht == 0 {
		return dst, FormatError("empty cursor")
	}
	if w > MaxCursorSize || ht > MaxCursorSize {
		return dst, UnsupportedError("cursor larger than 512 pixels")
	}
	n := w * ht
	bpl := (w + 7) / 8 // a 1-bpp mask row, padded to whole bytes
	maskSize := bpl * ht
	var need int
	switch h.Type {
	case CursorTypeAlpha:
		need = n * 4
	case CursorTypeMono:
		need = 2 * maskSize
	case CursorTypeColor4:
		need = (w+1)/2*ht + 16*4 + maskSize
	case CursorTypeColor16:
		need = n*2 + maskSize
	case CursorTypeColor32:
		need = n*4 + maskSize
	default:
		return dst, UnsupportedError("cursor type " + strconv.Itoa(int(h.Type)))
	}
	if len(c.Data) < need {
		return dst, FormatError("cursor data shorter than its shape")
	}
	start := len(dst)
	dst = slices.Grow(dst, n*4)[:start+n*4]
	out := dst[start:]
	d := c.Data
	switch h.Type {
	case CursorTypeAlpha:
		alphaRGBA(out, d[:n*4])
	case CursorTypeMono:
		monoRGBA(out, w, ht, d[:maskSize], d[maskSize:2*maskSize])
	case CursorTypeColor4:
		stride := (w + 1) / 2
		pal := d[stride*ht:]
		mask := d[stride*ht+64:]
		for y := range ht {
			for x := range w {
				v := d[y*stride+x/2]
				if x&1 == 0 {
					v >>= 4
				}
				p := le32(pal[int(v&15)*4:])
				maskedPixel(out[(y*w+x)*4:], p, bit(mask, bpl, x, y), x, y)
			}
		}
	case CursorTypeColor16:
		mask := d[n*2:]
		for y := range ht {
			for x := range w {
				i := y*w + x
				v := uint32(d[2*i]) | uint32(d[2*i+1])<<8
				r, g, b := v>>10&31, v>>5&31, v&31
				// Replicate the top bits so 0x7fff is full white; spice-gtk
				// shifts only, giving 0xf8.
				p := (r<<3|r>>2)<<16 | (g<<3|g>>2)<<8 | (b<<3 | b>>2)
				maskedPixel(out[i*4:], p, bit(mask, bpl, x, y), x, y)
			}
		}
	case CursorTypeColor32:
		mask := d[n*4:]
		for y := range ht {
			for x := range w {
				i := y*w + x
				maskedPixel(out[i*4:], le32(d[i*4:]), bit(mask, bpl, x, y), x, y)
			}
		}
	}
	return dst, nil
}

// alphaRGBA converts an ALPHA cursor, B,G,R,A in memory. X Render cursors,
// which Xspice and the X QXL driver forward, are premultiplied: in the
// cursors captured from Xspice (testdata/messages/4-103-*.bin) no
// translucent pixel has a colour channel above its alpha. spice-gtk and
// spice-html5 pass the bytes through as straight alpha, which darkens
// antialiased edges. Data with a channel above its alpha cannot be
// premultiplied, so such a cursor is taken as straight alpha unchanged.
func alphaRGBA(out, d []byte) {
	premultiplied := true
	for i := 0; i < len(d); i += 4 {
		if max(d[i], d[i+1], d[i+2]) > d[i+3] {
			premultiplied = false
			break
		}
	}
	for i := 0; i < len(d); i += 4 {
		b, g, r, a := d[i], d[i+1], d[i+2], d[i+3]
		if premultiplied && a != 0xff {
			b, g, r = unpremul(b, a), unpremul(g, a), unpremul(r, a)
		}
		out[i], out[i+1], out[i+2], out[i+3] = r, g, b, a
	}
}

// unpremul returns c/a scaled to 0..255, rounded; c <= a.
func unpremul(c, a byte) byte {
	if a == 0 {
		return 0
	}
	return byte((uint(c)*255 + uint(a)/2) / uint(a))
}

// maskedPixel writes one pixel of a colour cursor with an AND mask. Mask
// bit 0 draws the colour opaque, bit 1 leaves the screen alone, except
// that a masked white pixel means "invert the screen", which no browser
// cursor can do: like spice-gtk's get_pix_hack, draw it as a translucent
// grey checker so it stays visible on any background.
func maskedPixel(o []byte, p uint32, masked bool, x, y int) {
	switch {
	case !masked:
		o[0], o[1], o[2], o[3] = byte(p>>16), byte(p>>8), byte(p), 0xff
	case p&0xffffff == 0xffffff && (x^y)&1 != 0:
		o[0], o[1], o[2], o[3] = 0x30, 0x30, 0x30, 0xc0
	case p&0xffffff == 0xffffff:
		o[0], o[1], o[2], o[3] = 0x50, 0x50, 0x50, 0x30
	default:
		o[0], o[1], o[2], o[3] = 0, 0, 0, 0
	}
}

// monoRGBA converts a monochrome AND/XOR cursor, after spice-gtk's
// spice_mono_edge_highlight: AND 0 paints black (XOR 0) or white (XOR 1);
// AND 1 is transparent (XOR 0) or inverts the screen (XOR 1), drawn white.
// When the AND mask is set for every pixel (spice-gtk also tests the row
// padding bits), the cursor consists only of inverting
// pixels, so transparent pixels bordering them turn black to outline it.
func monoRGBA(out []byte, w, h int, and, xor []byte) {
	bpl := (w + 7) / 8
	andOnes := true
	for y := 0; y < h && andOnes; y++ {
		for x := range w {
			if !bit(and, bpl, x, y) {
				andOnes = false
				break
			}
		}
	}
	for y := range h {
		for x := range w {
			o := out[(y*w+x)*4:]
			a, v := bit(and, bpl, x, y), bit(xor, bpl, x, y)
			switch {
			case andOnes && !v && monoEdge(xor, bpl, w, h, x, y):
				o[0], o[1], o[2], o[3] = 0, 0, 0, 0xff
			case v:
				o[0], o[1], o[2], o[3] = 0xff, 0xff, 0xff, 0xff
			case a:
				o[0], o[1], o[2], o[3] = 0, 0, 0, 0
			default:
				o[0], o[1], o[2], o[3] = 0, 0, 0, 0xff
			}
		}
	}
}

// monoEdge reports whether an interior pixel touches a set XOR pixel among
// its eight neighbours; border pixels never count, as in spice-gtk.
func monoEdge(xor []byte, bpl, w, h, x, y int) bool {
	if x == 0 || y == 0 || x == w-1 || y == h-1 {
		return false
	}
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			if (dx != 0 || dy != 0) && bit(xor, bpl, x+dx, y+dy) {
				return true
			}
		}
	}
	return false
}

// bit reads pixel (x, y) of a 1-bpp mask with bpl bytes per row, most
// significant bit leftmost. Rows are padded to whole bytes, the layout the
// original SPICE client sized cursor data by; spice-gtk indexes the colour
// cursors' masks as one unpadded bit run, which agrees whenever the width
// is a multiple of 8.
func bit(m []byte, bpl, x, y int) bool {
	return m[y*bpl+x/8]&(0x80>>(x%8)) != 0
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
