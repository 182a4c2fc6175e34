package input

import (
	"testing"

	"spiceweb/wasm/spice"
)

func TestButton(t *testing.T) {
	tests := []struct {
		dom    int
		button uint8
		mask   uint16
		ok     bool
	}{
		{0, spice.MouseButtonLeft, 1, true},
		{1, spice.MouseButtonMiddle, 2, true},
		{2, spice.MouseButtonRight, 4, true},
		{3, spice.MouseButtonSide, 0x20, true},
		{4, spice.MouseButtonExtra, 0x40, true},
		{5, 0, 0, false},
		{-1, 0, 0, false},
	}
	for _, tc := range tests {
		b, m, ok := Button(tc.dom)
		if b != tc.button || m != tc.mask || ok != tc.ok {
			t.Errorf("Button(%d) = %d, %#x, %v; want %d, %#x, %v", tc.dom, b, m, ok, tc.button, tc.mask, tc.ok)
		}
	}
}

func TestButtonsMask(t *testing.T) {
	tests := []struct {
		dom  int
		want uint16
	}{
		{0, 0},
		{1, spice.MouseButtonMaskLeft},
		{2, spice.MouseButtonMaskRight},
		{4, spice.MouseButtonMaskMiddle},
		{8, spice.MouseButtonMaskSide},
		{16, spice.MouseButtonMaskExtra},
		{31, 0x67},
		{32 | 1, spice.MouseButtonMaskLeft}, // unknown DOM bits are dropped
	}
	for _, tc := range tests {
		if got := ButtonsMask(tc.dom); got != tc.want {
			t.Errorf("ButtonsMask(%d) = %#x, want %#x", tc.dom, got, tc.want)
		}
	}
	// Each single DOM button agrees with Button's mask for the same button.
	for dom, bit := range []int{1, 4, 2, 8, 16} {
		_, m, _ := Button(dom)
		if got := ButtonsMask(bit); got != m {
			t.Errorf("button %d: ButtonsMask %#x, Button mask %#x", dom, got, m)
		}
	}
}

func TestWheelButton(t *testing.T) {
	if b, m := WheelButton(true); b != spice.MouseButtonDown || m != spice.MouseButtonMaskDown {
		t.Errorf("down: %d, %#x", b, m)
	}
	if b, m := WheelButton(false); b != spice.MouseButtonUp || m != spice.MouseButtonMaskUp {
		t.Errorf("up: %d, %#x", b, m)
	}
}
