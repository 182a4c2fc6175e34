// Package input turns browser input events into the values the SPICE
// inputs channel carries: KeyboardEvent.code into PC scancodes, and
// MouseEvent buttons into SPICE button numbers and masks. It is pure Go
// and keeps no state; the session tracks what is pressed.
package input

import (
	"slices"
	"strings"
)

// A SPICE KEY_DOWN or KEY_UP code holds AT set-1 scancode bytes, least
// significant first; the server feeds them to the guest keyboard up to the
// first zero byte (spice server inputs-channel.cpp). A key with an E0
// prefix is therefore 0xE0 | sc<<8, which spice-gtk's spice_make_scancode
// builds from its 0x100|sc notation.
const (
	ext      = 0xe0 // prefix of the extended keys
	ext1     = 0xe1 // prefix of Pause
	released = 0x80 // set in a scancode byte when the key goes up
)

type key struct {
	code string
	sc   uint32
}

// keymap maps KeyboardEvent.code values (W3C UI Events KeyboardEvent code
// Values) to set-1 scancodes. It was written from that specification and
// the AT set-1 scancode assignments, and checked entry by entry against
// the "HTML code" and "AT set1 keycode" columns of qemu's keycodemapdb
// data/keymaps.csv at commit 22b8996 (TestKeymapAgainstKeycodemapdb runs
// the check when KEYMAPS_CSV names a copy of that file). Where it departs
// from keycodemapdb, the entry says why. It is sorted by code for binary
// search; a test keeps it so.
//
// F13 to F24 use the codes of Linux's atkbd driver, which keycodemapdb and
// therefore QEMU follow; Windows' own table puts F13-F23 at 0x64-0x6E and
// F24 at 0x76, so a Windows guest sees other keys for them.
var keymap = [...]key{
	{"Again", ext | 0x05<<8},
	{"AltLeft", 0x38},
	{"AltRight", ext | 0x38<<8},
	{"ArrowDown", ext | 0x50<<8},
	{"ArrowLeft", ext | 0x4b<<8},
	{"ArrowRight", ext | 0x4d<<8},
	{"ArrowUp", ext | 0x48<<8},
	{"AudioVolumeDown", ext | 0x2e<<8},
	{"AudioVolumeMute", ext | 0x20<<8},
	{"AudioVolumeUp", ext | 0x30<<8},
	{"Backquote", 0x29},
	{"Backslash", 0x2b},
	{"Backspace", 0x0e},
	{"BracketLeft", 0x1a},
	{"BracketRight", 0x1b},
	{"BrowserBack", ext | 0x6a<<8},
	{"BrowserFavorites", ext | 0x66<<8},
	{"BrowserForward", ext | 0x69<<8},
	{"BrowserHome", ext | 0x32<<8},
	{"BrowserRefresh", ext | 0x67<<8},
	{"BrowserSearch", ext | 0x65<<8},
	{"BrowserStop", ext | 0x68<<8},
	{"CapsLock", 0x3a},
	{"Comma", 0x33},
	{"ContextMenu", ext | 0x5d<<8},
	{"ControlLeft", 0x1d},
	{"ControlRight", ext | 0x1d<<8},
	{"Convert", 0x79},
	{"Copy", ext | 0x78<<8},
	{"Cut", ext | 0x3c<<8},
	{"Delete", ext | 0x53<<8},
	{"Digit0", 0x0b},
	{"Digit1", 0x02},
	{"Digit2", 0x03},
	{"Digit3", 0x04},
	{"Digit4", 0x05},
	{"Digit5", 0x06},
	{"Digit6", 0x07},
	{"Digit7", 0x08},
	{"Digit8", 0x09},
	{"Digit9", 0x0a},
	{"Eject", ext | 0x7d<<8},
	{"End", ext | 0x4f<<8},
	{"Enter", 0x1c},
	{"Equal", 0x0d},
	{"Escape", 0x01},
	{"F1", 0x3b},
	{"F10", 0x44},
	{"F11", 0x57},
	{"F12", 0x58},
	{"F13", 0x5d},
	{"F14", 0x5e},
	{"F15", 0x5f},
	{"F16", 0x55},
	{"F17", ext | 0x03<<8},
	{"F18", ext | 0x77<<8},
	{"F19", ext | 0x04<<8},
	{"F2", 0x3c},
	{"F20", 0x5a},
	{"F21", 0x74},
	{"F22", ext | 0x79<<8},
	{"F23", 0x6d},
	{"F24", 0x6f},
	{"F3", 0x3d},
	{"F4", 0x3e},
	{"F5", 0x3f},
	{"F6", 0x40},
	{"F7", 0x41},
	{"F8", 0x42},
	{"F9", 0x43},
	{"Find", ext | 0x41<<8},
	{"Help", ext | 0x75<<8},
	{"Hiragana", 0x77}, // older browsers' name for Lang4
	{"Home", ext | 0x47<<8},
	{"Insert", ext | 0x52<<8},
	{"IntlBackslash", 0x56},
	{"IntlRo", 0x73},
	{"IntlYen", 0x7d},
	{"KanaMode", 0x70},
	{"Katakana", 0x78}, // older browsers' name for Lang3
	{"KeyA", 0x1e},
	{"KeyB", 0x30},
	{"KeyC", 0x2e},
	{"KeyD", 0x20},
	{"KeyE", 0x12},
	{"KeyF", 0x21},
	{"KeyG", 0x22},
	{"KeyH", 0x23},
	{"KeyI", 0x17},
	{"KeyJ", 0x24},
	{"KeyK", 0x25},
	{"KeyL", 0x26},
	{"KeyM", 0x32},
	{"KeyN", 0x31},
	{"KeyO", 0x18},
	{"KeyP", 0x19},
	{"KeyQ", 0x10},
	{"KeyR", 0x13},
	{"KeyS", 0x1f},
	{"KeyT", 0x14},
	{"KeyU", 0x16},
	{"KeyV", 0x2f},
	{"KeyW", 0x11},
	{"KeyX", 0x2d},
	{"KeyY", 0x15},
	{"KeyZ", 0x2c},
	// Hangul and Hanja send F2 and F1 with no break code on real keyboards.
	// A SPICE server reads bit 7 as "released", so send the codes QEMU
	// numbers these keys by (keycodemapdb keymap-gen HANJA_HANGEUL_KEYS)
	// and let Release add bit 7.
	{"Lang1", 0x72},
	{"Lang2", 0x71},
	{"Lang3", 0x78},
	{"Lang4", 0x77},
	{"Lang5", 0x76},
	{"LaunchApp1", ext | 0x6b<<8},
	{"LaunchApp2", ext | 0x21<<8},
	{"LaunchMail", ext | 0x6c<<8},
	{"MediaPlayPause", ext | 0x22<<8},
	{"MediaSelect", ext | 0x6d<<8},
	{"MediaStop", ext | 0x24<<8},
	{"MediaTrackNext", ext | 0x19<<8},
	{"MediaTrackPrevious", ext | 0x10<<8},
	{"MetaLeft", ext | 0x5b<<8},
	{"MetaRight", ext | 0x5c<<8},
	{"Minus", 0x0c},
	{"NonConvert", 0x7b},
	{"NumLock", 0x45},
	{"Numpad0", 0x52},
	{"Numpad1", 0x4f},
	{"Numpad2", 0x50},
	{"Numpad3", 0x51},
	{"Numpad4", 0x4b},
	{"Numpad5", 0x4c},
	{"Numpad6", 0x4d},
	{"Numpad7", 0x47},
	{"Numpad8", 0x48},
	{"Numpad9", 0x49},
	{"NumpadAdd", 0x4e},
	{"NumpadComma", 0x7e},
	{"NumpadDecimal", 0x53},
	{"NumpadDivide", ext | 0x35<<8},
	{"NumpadEnter", ext | 0x1c<<8},
	{"NumpadEqual", 0x59},
	{"NumpadMultiply", 0x37},
	{"NumpadParenLeft", ext | 0x76<<8},
	{"NumpadParenRight", ext | 0x7b<<8},
	{"NumpadSubtract", 0x4a},
	{"OSLeft", ext | 0x5b<<8},  // MetaLeft before Firefox 118
	{"OSRight", ext | 0x5c<<8}, // MetaRight before Firefox 118
	{"Open", 0x64},
	{"PageDown", ext | 0x51<<8},
	{"PageUp", ext | 0x49<<8},
	{"Paste", 0x65},
	// Pause sends its whole make sequence E1 1D 45 on press and the break
	// sequence E1 9D C5 on release, as spice-gtk's send_pause does.
	// keycodemapdb gives E0 46, which is Ctrl+Break on a real keyboard.
	{"Pause", ext1 | 0x1d<<8 | 0x45<<16},
	{"Period", 0x34},
	{"Power", ext | 0x5e<<8},
	// Print Screen alone sends E0 37 (after a fake E0 2A shift); 0x54,
	// keycodemapdb's value, is what the key sends with Alt held (SysRq).
	// QEMU accepts both, but Xspice maps only E0 37 to Print.
	{"PrintScreen", ext | 0x37<<8},
	{"Props", ext | 0x06<<8},
	{"Quote", 0x28},
	{"ScrollLock", 0x46},
	{"Semicolon", 0x27},
	{"ShiftLeft", 0x2a},
	{"ShiftRight", 0x36},
	{"Slash", 0x35},
	{"Sleep", ext | 0x5f<<8},
	{"Space", 0x39},
	{"Suspend", ext | 0x25<<8},
	{"Tab", 0x0f},
	{"Undo", ext | 0x07<<8},
	{"VolumeDown", ext | 0x2e<<8}, // older browsers' AudioVolumeDown
	{"VolumeMute", ext | 0x20<<8}, // older browsers' AudioVolumeMute
	{"VolumeUp", ext | 0x30<<8},   // older browsers' AudioVolumeUp
	{"WakeUp", ext | 0x63<<8},
}

// Scancode returns the SPICE KEY_DOWN code for a KeyboardEvent.code value,
// or false for codes without a PC scancode (Fn, the numpad memory keys,
// "Unidentified", ...), which the page may leave to the browser.
func Scancode(code string) (uint32, bool) {
	i, ok := slices.BinarySearchFunc(keymap[:], code, func(k key, c string) int {
		return strings.Compare(k.code, c)
	})
	if !ok {
		return 0, false
	}
	return keymap[i].sc, true
}

// Release returns the KEY_UP code for a KEY_DOWN code: bit 7 set in every
// scancode byte, the E0 and E1 prefixes left as they are.
func Release(down uint32) uint32 {
	var up uint32
	for shift := 0; shift < 32; shift += 8 {
		b := down >> shift & 0xff
		if b == 0 {
			break
		}
		if b != ext && b != ext1 {
			b |= released
		}
		up |= b << shift
	}
	return up
}

// CtrlAltDelete lists the KEY_DOWN codes of Ctrl+Alt+Delete in pressing
// order; release them in reverse.
func CtrlAltDelete() [3]uint32 {
	return [3]uint32{0x1d, 0x38, ext | 0x53<<8}
}

// Codes returns every KeyboardEvent.code value that has a scancode, sorted.
// The page runs the client in a worker and must decide synchronously
// whether a key event is the guest's (and so preventDefault it); it asks
// once for this list instead of asking per key.
func Codes() []string {
	out := make([]string, len(keymap))
	for i, k := range keymap {
		out[i] = k.code
	}
	return out
}
