package spice

// Display channel draw messages (spice.proto: DisplayChannel.draw_*). Each
// is a DisplayBase followed by the op's fields, which spice.proto wraps in a
// "data" struct and which are flattened here. Image fields are offsets into
// the message body, 0 for none: resolve them with ParseImage(body, ptr)
// against the same body. Decode reuses the receiver's slices, so a handler
// that keeps one message value per type decodes without allocating.

// MsgDisplayDrawFill (spice.proto: DisplayChannel.draw_fill).
type MsgDisplayDrawFill struct {
	Base          DisplayBase
	Brush         Brush
	RopDescriptor uint16 // Ropd* bits
	Mask          QMask
}

func (*MsgDisplayDrawFill) server() {}

func (m *MsgDisplayDrawFill) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.Brush = r.brush()
	m.RopDescriptor = r.u16()
	m.Mask = r.qmask()
	return r.err
}

// MsgDisplayDrawOpaque copies an image, then combines the brush with it
// (spice.proto: DisplayChannel.draw_opaque).
type MsgDisplayDrawOpaque struct {
	Base          DisplayBase
	SrcBitmap     uint32
	SrcArea       Rect
	Brush         Brush
	RopDescriptor uint16
	ScaleMode     uint8 // ImageScaleMode*
	Mask          QMask
}

func (*MsgDisplayDrawOpaque) server() {}

func (m *MsgDisplayDrawOpaque) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.SrcBitmap = r.imagePtr()
	m.SrcArea = r.rect()
	m.Brush = r.brush()
	m.RopDescriptor = r.u16()
	m.ScaleMode = r.u8()
	m.Mask = r.qmask()
	return r.err
}

// MsgDisplayDrawCopy blits SrcArea of an image to Box, scaling when their
// sizes differ (spice.proto: DisplayChannel.draw_copy).
type MsgDisplayDrawCopy struct {
	Base          DisplayBase
	SrcBitmap     uint32
	SrcArea       Rect
	RopDescriptor uint16
	ScaleMode     uint8
	Mask          QMask
}

func (*MsgDisplayDrawCopy) server() {}

func (m *MsgDisplayDrawCopy) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.SrcBitmap = r.imagePtr()
	m.SrcArea = r.rect()
	m.RopDescriptor = r.u16()
	m.ScaleMode = r.u8()
	m.Mask = r.qmask()
	return r.err
}

// MsgDisplayDrawBlend has DRAW_COPY's layout, and spice-common renders it
// as a copy (spice.proto: DisplayChannel.draw_blend, @ctype SpiceMsgDisplayDrawCopy).
type MsgDisplayDrawBlend MsgDisplayDrawCopy

func (*MsgDisplayDrawBlend) server() {}

func (m *MsgDisplayDrawBlend) Decode(b []byte) error { return (*MsgDisplayDrawCopy)(m).Decode(b) }

// MsgDisplayDrawBlackness fills the clipped box with black
// (spice.proto: DisplayChannel.draw_blackness).
type MsgDisplayDrawBlackness struct {
	Base DisplayBase
	Mask QMask
}

func (*MsgDisplayDrawBlackness) server() {}

func (m *MsgDisplayDrawBlackness) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.Mask = r.qmask()
	return r.err
}

// MsgDisplayDrawWhiteness fills with white; layout as DRAW_BLACKNESS
// (spice.proto: DisplayChannel.draw_whiteness).
type MsgDisplayDrawWhiteness MsgDisplayDrawBlackness

func (*MsgDisplayDrawWhiteness) server() {}

func (m *MsgDisplayDrawWhiteness) Decode(b []byte) error {
	return (*MsgDisplayDrawBlackness)(m).Decode(b)
}

// MsgDisplayDrawInvers inverts the destination; layout as DRAW_BLACKNESS
// (spice.proto: DisplayChannel.draw_invers).
type MsgDisplayDrawInvers MsgDisplayDrawBlackness

func (*MsgDisplayDrawInvers) server() {}

func (m *MsgDisplayDrawInvers) Decode(b []byte) error {
	return (*MsgDisplayDrawBlackness)(m).Decode(b)
}

// MsgDisplayDrawRop3 combines brush, source and destination with one of
// the 256 ternary raster operations (spice.proto: DisplayChannel.draw_rop3).
type MsgDisplayDrawRop3 struct {
	Base      DisplayBase
	SrcBitmap uint32
	SrcArea   Rect
	Brush     Brush
	Rop3      uint8
	ScaleMode uint8
	Mask      QMask
}

func (*MsgDisplayDrawRop3) server() {}

func (m *MsgDisplayDrawRop3) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.SrcBitmap = r.imagePtr()
	m.SrcArea = r.rect()
	m.Brush = r.brush()
	m.Rop3 = r.u8()
	m.ScaleMode = r.u8()
	m.Mask = r.qmask()
	return r.err
}

// MsgDisplayDrawStroke draws lines and Béziers; only the Windows XPDM
// driver sends it (spice.proto: DisplayChannel.draw_stroke). The path and
// the line style are decoded from where their pointers lead.
type MsgDisplayDrawStroke struct {
	Base     DisplayBase
	Path     Path
	Attr     LineAttr
	Brush    Brush
	ForeMode uint16 // Ropd* bits
	BackMode uint16
}

func (*MsgDisplayDrawStroke) server() {}

func (m *MsgDisplayDrawStroke) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	ptr := r.u32()
	r.lineAttr(&m.Attr)
	m.Brush = r.brush()
	m.ForeMode = r.u16()
	m.BackMode = r.u16()
	r.path(ptr, &m.Path)
	return r.err
}

// MsgDisplayDrawText paints glyphs with the fore brush over BackArea
// filled with the back brush; XPDM only (spice.proto: DisplayChannel.draw_text).
type MsgDisplayDrawText struct {
	Base      DisplayBase
	String    String
	BackArea  Rect
	ForeBrush Brush
	BackBrush Brush
	ForeMode  uint16
	BackMode  uint16
}

func (*MsgDisplayDrawText) server() {}

func (m *MsgDisplayDrawText) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	ptr := r.u32()
	m.BackArea = r.rect()
	m.ForeBrush = r.brush()
	m.BackBrush = r.brush()
	m.ForeMode = r.u16()
	m.BackMode = r.u16()
	r.str(ptr, &m.String)
	return r.err
}

// MsgDisplayDrawTransparent copies an image except the pixels whose colour
// is TrueColor (spice.proto: DisplayChannel.draw_transparent).
type MsgDisplayDrawTransparent struct {
	Base      DisplayBase
	SrcBitmap uint32
	SrcArea   Rect
	SrcColor  uint32
	TrueColor uint32
}

func (*MsgDisplayDrawTransparent) server() {}

func (m *MsgDisplayDrawTransparent) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.SrcBitmap = r.imagePtr()
	m.SrcArea = r.rect()
	m.SrcColor = r.u32()
	m.TrueColor = r.u32()
	return r.err
}

// MsgDisplayDrawAlphaBlend composites an image OVER the destination with a
// constant alpha (spice.proto: DisplayChannel.draw_alpha_blend).
type MsgDisplayDrawAlphaBlend struct {
	Base       DisplayBase
	AlphaFlags uint8 // AlphaFlags*
	Alpha      uint8
	SrcBitmap  uint32
	SrcArea    Rect
}

func (*MsgDisplayDrawAlphaBlend) server() {}

func (m *MsgDisplayDrawAlphaBlend) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.AlphaFlags = r.u8()
	m.Alpha = r.u8()
	m.SrcBitmap = r.imagePtr()
	m.SrcArea = r.rect()
	return r.err
}

// MsgDisplayDrawComposite is a pixman composite, sent by the X QXL driver
// in a guest when the client has DisplayCapComposite (Xspice's build of
// the driver never sends it: e2e TestDrawOpsXspiceWorkload)
// (spice.proto: DisplayChannel.draw_composite). MaskBitmap, SrcTransform
// and MaskTransform are present only when Flags has CompositeHasMask,
// CompositeHasSrcTransform and CompositeHasMaskTransform; otherwise they
// are zero.
type MsgDisplayDrawComposite struct {
	Base          DisplayBase
	Flags         uint32
	SrcBitmap     uint32
	MaskBitmap    uint32
	SrcTransform  Transform
	MaskTransform Transform
	SrcOrigin     Point16
	MaskOrigin    Point16
}

func (*MsgDisplayDrawComposite) server() {}

func (m *MsgDisplayDrawComposite) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.Flags = r.u32()
	m.SrcBitmap = r.imagePtr()
	m.MaskBitmap = 0
	if m.Flags&CompositeHasMask != 0 {
		m.MaskBitmap = r.imagePtr()
	}
	m.SrcTransform = Transform{}
	if m.Flags&CompositeHasSrcTransform != 0 {
		m.SrcTransform = r.transform()
	}
	m.MaskTransform = Transform{}
	if m.Flags&CompositeHasMaskTransform != 0 {
		m.MaskTransform = r.transform()
	}
	m.SrcOrigin = r.point16()
	m.MaskOrigin = r.point16()
	return r.err
}

// Op is the pixman operator (pixman_op_t) in Flags.
func (m *MsgDisplayDrawComposite) Op() uint8 { return uint8(m.Flags & CompositeOpMask) }

// SrcFilter and MaskFilter are pixman_filter_t values.
func (m *MsgDisplayDrawComposite) SrcFilter() uint8 {
	return uint8(m.Flags >> CompositeSrcFilterShift & 7)
}

func (m *MsgDisplayDrawComposite) MaskFilter() uint8 {
	return uint8(m.Flags >> CompositeMaskFilterShift & 7)
}

// SrcRepeat and MaskRepeat are pixman_repeat_t values.
func (m *MsgDisplayDrawComposite) SrcRepeat() uint8 {
	return uint8(m.Flags >> CompositeSrcRepeatShift & 3)
}

func (m *MsgDisplayDrawComposite) MaskRepeat() uint8 {
	return uint8(m.Flags >> CompositeMaskRepeatShift & 3)
}
