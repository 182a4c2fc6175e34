package input

import (
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestKeymapSorted(t *testing.T) {
	for i := 1; i < len(keymap); i++ {
		if keymap[i-1].code >= keymap[i].code {
			t.Errorf("keymap not sorted or duplicated at %q, %q", keymap[i-1].code, keymap[i].code)
		}
	}
}

func TestScancode(t *testing.T) {
	tests := []struct {
		code string
		want uint32
	}{
		{"KeyA", 0x1e}, {"KeyQ", 0x10}, {"KeyZ", 0x2c}, {"KeyM", 0x32},
		{"Digit1", 0x02}, {"Digit0", 0x0b},
		{"Escape", 0x01}, {"Backspace", 0x0e}, {"Tab", 0x0f}, {"Enter", 0x1c}, {"Space", 0x39},
		{"Backquote", 0x29}, {"Minus", 0x0c}, {"Equal", 0x0d}, {"BracketLeft", 0x1a}, {"BracketRight", 0x1b},
		{"Backslash", 0x2b}, {"Semicolon", 0x27}, {"Quote", 0x28}, {"Comma", 0x33}, {"Period", 0x34}, {"Slash", 0x35},
		{"F1", 0x3b}, {"F10", 0x44}, {"F11", 0x57}, {"F12", 0x58},
		{"F13", 0x5d}, {"F16", 0x55}, {"F17", 0x03e0}, {"F20", 0x5a}, {"F24", 0x6f},
		{"ShiftLeft", 0x2a}, {"ShiftRight", 0x36},
		{"ControlLeft", 0x1d}, {"ControlRight", 0x1de0},
		{"AltLeft", 0x38}, {"AltRight", 0x38e0},
		{"MetaLeft", 0x5be0}, {"MetaRight", 0x5ce0}, {"OSLeft", 0x5be0}, {"OSRight", 0x5ce0},
		{"ContextMenu", 0x5de0}, {"CapsLock", 0x3a}, {"NumLock", 0x45}, {"ScrollLock", 0x46},
		{"Insert", 0x52e0}, {"Delete", 0x53e0}, {"Home", 0x47e0}, {"End", 0x4fe0},
		{"PageUp", 0x49e0}, {"PageDown", 0x51e0},
		{"ArrowUp", 0x48e0}, {"ArrowDown", 0x50e0}, {"ArrowLeft", 0x4be0}, {"ArrowRight", 0x4de0},
		{"Numpad0", 0x52}, {"Numpad5", 0x4c}, {"Numpad9", 0x49}, {"NumpadDecimal", 0x53},
		{"NumpadAdd", 0x4e}, {"NumpadSubtract", 0x4a}, {"NumpadMultiply", 0x37},
		{"NumpadDivide", 0x35e0}, {"NumpadEnter", 0x1ce0}, {"NumpadEqual", 0x59}, {"NumpadComma", 0x7e},
		{"IntlBackslash", 0x56}, {"IntlRo", 0x73}, {"IntlYen", 0x7d},
		{"Lang1", 0x72}, {"Lang2", 0x71}, {"Lang3", 0x78}, {"Lang4", 0x77}, {"Lang5", 0x76},
		{"KanaMode", 0x70}, {"Convert", 0x79}, {"NonConvert", 0x7b},
		{"PrintScreen", 0x37e0}, {"Pause", 0x451de1},
		{"AudioVolumeMute", 0x20e0}, {"AudioVolumeDown", 0x2ee0}, {"AudioVolumeUp", 0x30e0},
		{"VolumeMute", 0x20e0},
		{"MediaPlayPause", 0x22e0}, {"MediaStop", 0x24e0}, {"MediaTrackNext", 0x19e0}, {"MediaTrackPrevious", 0x10e0},
		{"BrowserBack", 0x6ae0}, {"BrowserHome", 0x32e0}, {"LaunchMail", 0x6ce0},
		{"Power", 0x5ee0}, {"Sleep", 0x5fe0}, {"WakeUp", 0x63e0},
	}
	for _, tc := range tests {
		got, ok := Scancode(tc.code)
		if !ok || got != tc.want {
			t.Errorf("Scancode(%q) = %#x, %v; want %#x", tc.code, got, ok, tc.want)
		}
	}
	for _, code := range []string{"", "Unidentified", "Fn", "FnLock", "NumpadMemoryAdd", "NumpadClear",
		"keya", "KeyA ", "Hyper", "Super", "Select"} {
		if got, ok := Scancode(code); ok {
			t.Errorf("Scancode(%q) = %#x, want no scancode", code, got)
		}
	}
}

func TestRelease(t *testing.T) {
	tests := []struct{ down, up uint32 }{
		{0x1e, 0x9e},               // A
		{0x1de0, 0x9de0},           // right Ctrl: the prefix stays
		{0x451de1, 0xc59de1},       // Pause: E1 1D 45 -> E1 9D C5, as spice-gtk sends
		{0x72, 0xf2},               // Lang1
		{0x9e, 0x9e},               // already a release
		{0, 0},                     // nothing
		{0x1e00, 0},                // bytes after a zero byte are never sent
		{0x37e0_2ae0, 0xb7e0_aae0}, // a two-key sequence
		{0xe0e0e0e0, 0xe0e0e0e0},   // prefixes only
		{0x0102_0304, 0x8182_8384}, // every byte
	}
	for _, tc := range tests {
		if got := Release(tc.down); got != tc.up {
			t.Errorf("Release(%#x) = %#x, want %#x", tc.down, got, tc.up)
		}
	}
}

// TestKeymapCodes checks properties every entry needs: its scancode bytes
// are make codes (bit 7 clear) after at most one prefix, so the server
// reads a press, and its release differs from it.
func TestKeymapCodes(t *testing.T) {
	for _, k := range keymap {
		b := []byte{byte(k.sc), byte(k.sc >> 8), byte(k.sc >> 16), byte(k.sc >> 24)}
		i := 0
		if b[0] == ext || b[0] == ext1 {
			i = 1
		}
		if b[i] == 0 || b[i]&released != 0 {
			t.Errorf("%s: %#x has no make code after its prefix", k.code, k.sc)
		}
		for _, c := range b[i:] {
			if c&released != 0 {
				t.Errorf("%s: %#x carries a break byte", k.code, k.sc)
			}
		}
		if Release(k.sc) == k.sc {
			t.Errorf("%s: release equals press", k.code)
		}
	}
	if got := CtrlAltDelete(); got != [3]uint32{0x1d, 0x38, 0x53e0} {
		t.Errorf("CtrlAltDelete = %#x", got)
	}
	for _, c := range []string{"ControlLeft", "AltLeft", "Delete"} {
		if _, ok := Scancode(c); !ok {
			t.Errorf("%s missing", c)
		}
	}
}

// TestKeymapAgainstKeycodemapdb compares the table with qemu's
// keycodemapdb data/keymaps.csv (not part of this repository): set
// KEYMAPS_CSV to its path, e.g. from a checkout of
// https://gitlab.com/qemu-project/keycodemapdb at commit 22b8996.
func TestKeymapAgainstKeycodemapdb(t *testing.T) {
	path := os.Getenv("KEYMAPS_CSV")
	if path == "" {
		t.Skip("KEYMAPS_CSV not set; see the comment on this test")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	htmlCol, set1Col := col["HTML code"], col["AT set1 keycode"]
	if htmlCol == 0 || set1Col == 0 {
		t.Fatalf("columns not found in %v", rows[0])
	}
	// Entries that knowingly differ; keymap.go says why at each.
	differs := map[string]bool{"Pause": true, "PrintScreen": true, "Lang1": true, "Lang2": true}
	// Names keycodemapdb does not list: older browser names of listed keys.
	aliases := map[string]bool{"OSLeft": true, "OSRight": true, "VolumeDown": true, "VolumeMute": true, "VolumeUp": true}

	checked := map[string]bool{}
	for _, row := range rows[1:] {
		code, set1 := row[htmlCol], row[set1Col]
		if code == "" {
			continue
		}
		got, ok := Scancode(code)
		if set1 == "" {
			if ok {
				t.Errorf("%s: keycodemapdb has no set-1 code, table has %#x", code, got)
			}
			continue
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(set1, "0x"), 16, 32)
		if err != nil {
			t.Fatalf("%s: set-1 %q: %v", code, set1, err)
		}
		want := uint32(v)
		if v > 0xff {
			if v>>8 != ext {
				t.Fatalf("%s: unexpected prefix in %#x", code, v)
			}
			want = ext | uint32(v&0xff)<<8
		}
		checked[code] = true
		switch {
		case !ok:
			t.Errorf("%s: missing, keycodemapdb has %#x", code, want)
		case got != want && !differs[code]:
			t.Errorf("%s: table %#x, keycodemapdb %#x", code, got, want)
		case got == want && differs[code]:
			t.Errorf("%s: listed as differing but matches", code)
		}
	}
	for _, k := range keymap {
		if !checked[k.code] && !aliases[k.code] {
			t.Errorf("%s: not in keycodemapdb and not a known alias", k.code)
		}
	}
	t.Logf("%d codes checked against %s", len(checked), path)
}

// TestCodes: the list the page gets has exactly the codes Scancode knows.
func TestCodes(t *testing.T) {
	codes := Codes()
	if len(codes) != len(keymap) {
		t.Fatalf("%d codes, want %d", len(codes), len(keymap))
	}
	for _, c := range codes {
		if _, ok := Scancode(c); !ok {
			t.Errorf("Codes lists %q, which has no scancode", c)
		}
	}
	if _, ok := Scancode("Fn"); ok || slices.Contains(codes, "Fn") {
		t.Error("Fn must have no scancode and not be listed")
	}
}
