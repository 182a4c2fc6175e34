package spice

// Inputs channel messages (spice.proto: channel InputsChannel). Key codes
// are AT set-1 scancode bytes packed little-end first; package
// spiceweb/wasm/input builds them from DOM key codes.

// NewInputsMessage returns a zero message value for an inputs-channel
// server message type, or nil for any other type.
func NewInputsMessage(t MsgType) ServerMessage {
	switch t {
	case MsgTypeInputsInit:
		return new(MsgInputsInit)
	case MsgTypeInputsKeyModifiers:
		return new(MsgInputsKeyModifiers)
	case MsgTypeInputsMouseMotionAck:
		return new(MsgInputsMouseMotionAck)
	}
	return nil
}

// MsgInputsInit carries the guest's lock-key state at link time
// (spice.proto: InputsChannel.init). KeyboardModifiers holds
// KeyModifier* bits.
type MsgInputsInit struct {
	KeyboardModifiers uint16
}

func (*MsgInputsInit) server() {}

func (m *MsgInputsInit) Decode(b []byte) error {
	r := newReader(b)
	m.KeyboardModifiers = r.u16()
	return r.err
}

// MsgInputsKeyModifiers reports a change of the guest's lock keys
// (spice.proto: InputsChannel.key_modifiers).
type MsgInputsKeyModifiers struct {
	Modifiers uint16
}

func (*MsgInputsKeyModifiers) server() {}

func (m *MsgInputsKeyModifiers) Decode(b []byte) error {
	r := newReader(b)
	m.Modifiers = r.u16()
	return r.err
}

// MsgInputsMouseMotionAck acknowledges InputMotionAckBunch motion or
// position messages (spice.proto: InputsChannel.mouse_motion_ack).
type MsgInputsMouseMotionAck struct{}

func (*MsgInputsMouseMotionAck) server()               {}
func (*MsgInputsMouseMotionAck) Decode(b []byte) error { return nil }

// MsgcInputsKeyDown presses a key (spice.proto: InputsChannel.key_down).
// The server feeds the bytes of Code to the keyboard from the least
// significant up to the first zero byte, so E0-prefixed keys are
// 0xE0|sc<<8.
type MsgcInputsKeyDown struct {
	Code uint32
}

func (*MsgcInputsKeyDown) client()                    {}
func (*MsgcInputsKeyDown) Type() MsgType              { return MsgcTypeInputsKeyDown }
func (m *MsgcInputsKeyDown) Encode(dst []byte) []byte { return put32(dst, m.Code) }

// MsgcInputsKeyUp releases a key; Code carries the break bytes
// (spice.proto: InputsChannel.key_up).
type MsgcInputsKeyUp struct {
	Code uint32
}

func (*MsgcInputsKeyUp) client()                    {}
func (*MsgcInputsKeyUp) Type() MsgType              { return MsgcTypeInputsKeyUp }
func (m *MsgcInputsKeyUp) Encode(dst []byte) []byte { return put32(dst, m.Code) }

// MsgcInputsKeyModifiers asks the server to bring the guest's lock keys to
// the given KeyModifier* state (spice.proto: InputsChannel.key_modifiers).
type MsgcInputsKeyModifiers struct {
	Modifiers uint16
}

func (*MsgcInputsKeyModifiers) client()                    {}
func (*MsgcInputsKeyModifiers) Type() MsgType              { return MsgcTypeInputsKeyModifiers }
func (m *MsgcInputsKeyModifiers) Encode(dst []byte) []byte { return put16(dst, m.Modifiers) }

// MsgcInputsKeyScancode sends raw scancode bytes in one message, for an
// atomic press and release; only for servers with InputsCapKeyScancode
// (spice.proto: InputsChannel.key_scancode).
type MsgcInputsKeyScancode struct {
	Data []byte
}

func (*MsgcInputsKeyScancode) client()                    {}
func (*MsgcInputsKeyScancode) Type() MsgType              { return MsgcTypeInputsKeyScancode }
func (m *MsgcInputsKeyScancode) Encode(dst []byte) []byte { return append(dst, m.Data...) }

// MsgcInputsMouseMotion is relative motion in server mouse mode
// (spice.proto: InputsChannel.mouse_motion). ButtonsState holds
// MouseButtonMask* bits.
type MsgcInputsMouseMotion struct {
	DX, DY       int32
	ButtonsState uint16
}

func (*MsgcInputsMouseMotion) client()       {}
func (*MsgcInputsMouseMotion) Type() MsgType { return MsgcTypeInputsMouseMotion }
func (m *MsgcInputsMouseMotion) Encode(dst []byte) []byte {
	dst = put32(dst, uint32(m.DX))
	dst = put32(dst, uint32(m.DY))
	return put16(dst, m.ButtonsState)
}

// MsgcInputsMousePosition is an absolute position in client mouse mode, in
// the pixels of display DisplayID (spice.proto: InputsChannel.mouse_position).
type MsgcInputsMousePosition struct {
	X, Y         uint32
	ButtonsState uint16
	DisplayID    uint8
}

func (*MsgcInputsMousePosition) client()       {}
func (*MsgcInputsMousePosition) Type() MsgType { return MsgcTypeInputsMousePosition }
func (m *MsgcInputsMousePosition) Encode(dst []byte) []byte {
	dst = put32(dst, m.X)
	dst = put32(dst, m.Y)
	dst = put16(dst, m.ButtonsState)
	return put8(dst, m.DisplayID)
}

// MsgcInputsMousePress presses Button (MouseButton*); ButtonsState is the
// mask after the press (spice.proto: InputsChannel.mouse_press). The wheel
// is a press and release of MouseButtonUp or MouseButtonDown.
type MsgcInputsMousePress struct {
	Button       uint8
	ButtonsState uint16
}

func (*MsgcInputsMousePress) client()       {}
func (*MsgcInputsMousePress) Type() MsgType { return MsgcTypeInputsMousePress }
func (m *MsgcInputsMousePress) Encode(dst []byte) []byte {
	dst = put8(dst, m.Button)
	return put16(dst, m.ButtonsState)
}

// MsgcInputsMouseRelease releases Button; ButtonsState is the mask after
// the release (spice.proto: InputsChannel.mouse_release).
type MsgcInputsMouseRelease struct {
	Button       uint8
	ButtonsState uint16
}

func (*MsgcInputsMouseRelease) client()       {}
func (*MsgcInputsMouseRelease) Type() MsgType { return MsgcTypeInputsMouseRelease }
func (m *MsgcInputsMouseRelease) Encode(dst []byte) []byte {
	dst = put8(dst, m.Button)
	return put16(dst, m.ButtonsState)
}
