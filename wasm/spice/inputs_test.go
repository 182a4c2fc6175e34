package spice

import (
	"bytes"
	"reflect"
	"testing"
)

func inputsCases() []serverCase {
	return []serverCase{
		{name: "init", ch: ChannelInputs, t: MsgTypeInputsInit, body: []byte{KeyModifierNumLock | KeyModifierCapsLock, 0},
			want: &MsgInputsInit{KeyboardModifiers: KeyModifierNumLock | KeyModifierCapsLock}},
		{name: "key_modifiers", ch: ChannelInputs, t: MsgTypeInputsKeyModifiers, body: []byte{KeyModifierScrollLock, 0},
			want: &MsgInputsKeyModifiers{Modifiers: KeyModifierScrollLock}},
		{name: "mouse_motion_ack", ch: ChannelInputs, t: MsgTypeInputsMouseMotionAck, body: nil,
			want: &MsgInputsMouseMotionAck{}},
	}
}

func TestInputsMessages(t *testing.T) {
	checkServerCases(t, inputsCases())
	for _, mt := range []MsgType{0, MsgTypePing, 103, 110, 112} {
		if m := NewInputsMessage(mt); m != nil {
			t.Errorf("type %d: %T, want nil", mt, m)
		}
	}
}

func TestInputsClientMessages(t *testing.T) {
	tests := []struct {
		m    ClientMessage
		t    MsgType
		want []byte
	}{
		// Right Ctrl: E0 1D pressed, E0 9D released.
		{&MsgcInputsKeyDown{Code: 0x1de0}, MsgcTypeInputsKeyDown, []byte{0xe0, 0x1d, 0, 0}},
		{&MsgcInputsKeyUp{Code: 0x9de0}, MsgcTypeInputsKeyUp, []byte{0xe0, 0x9d, 0, 0}},
		{&MsgcInputsKeyModifiers{Modifiers: KeyModifierCapsLock}, MsgcTypeInputsKeyModifiers, []byte{4, 0}},
		{&MsgcInputsKeyScancode{Data: []byte{0x1e, 0x9e}}, MsgcTypeInputsKeyScancode, []byte{0x1e, 0x9e}},
		{&MsgcInputsMouseMotion{DX: -3, DY: 70000, ButtonsState: MouseButtonMaskLeft | MouseButtonMaskExtra},
			MsgcTypeInputsMouseMotion, []byte{0xfd, 0xff, 0xff, 0xff, 0x70, 0x11, 0x01, 0, 0x41, 0}},
		{&MsgcInputsMousePosition{X: 1023, Y: 767, ButtonsState: MouseButtonMaskRight, DisplayID: 2},
			MsgcTypeInputsMousePosition, []byte{0xff, 3, 0, 0, 0xff, 2, 0, 0, 4, 0, 2}},
		{&MsgcInputsMousePress{Button: MouseButtonUp, ButtonsState: MouseButtonMaskUp},
			MsgcTypeInputsMousePress, []byte{4, 8, 0}},
		{&MsgcInputsMouseRelease{Button: MouseButtonSide, ButtonsState: 0},
			MsgcTypeInputsMouseRelease, []byte{6, 0, 0}},
	}
	for _, tc := range tests {
		if tc.m.Type() != tc.t {
			t.Errorf("%T: type %d, want %d", tc.m, tc.m.Type(), tc.t)
		}
		got := tc.m.Encode([]byte{0xaa})
		if got[0] != 0xaa || !bytes.Equal(got[1:], tc.want) {
			t.Errorf("%T: encoded % x, want aa % x", tc.m, got, tc.want)
		}
		if back := decodeClient(t, ChannelInputs, tc.t, got[1:]); !reflect.DeepEqual(back, tc.m) {
			t.Errorf("%T: round trip gives %+v", tc.m, back)
		}
	}
}
