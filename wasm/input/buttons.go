package input

import "spiceweb/wasm/spice"

// Button maps MouseEvent.button (0 main/left, 1 auxiliary/middle,
// 2 secondary/right, 3 back, 4 forward) to the SPICE button number and
// its bit in the buttons-state mask. Back and forward become SIDE and
// EXTRA, as spice-gtk maps GDK buttons 8 and 9. Other values give false.
func Button(domButton int) (button uint8, mask uint16, ok bool) {
	switch domButton {
	case 0:
		return spice.MouseButtonLeft, spice.MouseButtonMaskLeft, true
	case 1:
		return spice.MouseButtonMiddle, spice.MouseButtonMaskMiddle, true
	case 2:
		return spice.MouseButtonRight, spice.MouseButtonMaskRight, true
	case 3:
		return spice.MouseButtonSide, spice.MouseButtonMaskSide, true
	case 4:
		return spice.MouseButtonExtra, spice.MouseButtonMaskExtra, true
	}
	return 0, 0, false
}

// ButtonsMask converts MouseEvent.buttons, whose bits are ordered primary,
// secondary, auxiliary, back, forward, to a SPICE buttons-state mask,
// ordered left, middle, right, up, down, side, extra. Note that the DOM
// swaps middle and right relative to MouseEvent.button.
func ButtonsMask(domButtons int) uint16 {
	var m uint16
	if domButtons&1 != 0 {
		m |= spice.MouseButtonMaskLeft
	}
	if domButtons&2 != 0 {
		m |= spice.MouseButtonMaskRight
	}
	if domButtons&4 != 0 {
		m |= spice.MouseButtonMaskMiddle
	}
	if domButtons&8 != 0 {
		m |= spice.MouseButtonMaskSide
	}
	if domButtons&16 != 0 {
		m |= spice.MouseButtonMaskExtra
	}
	return m
}

// WheelButton returns the SPICE button, and its mask bit, for one wheel
// step: MouseButtonDown when the page scrolls down (positive deltaY),
// MouseButtonUp otherwise. A step is sent as a press and a release; the
// server turns the press into a wheel motion.
func WheelButton(down bool) (button uint8, mask uint16) {
	if down {
		return spice.MouseButtonDown, spice.MouseButtonMaskDown
	}
	return spice.MouseButtonUp, spice.MouseButtonMaskUp
}
