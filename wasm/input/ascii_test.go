package input

import "testing"

func TestTypeUS(t *testing.T) {
	for _, tc := range []struct {
		r     rune
		code  string
		shift bool
		ok    bool
	}{
		{'a', "KeyA", false, true}, {'Z', "KeyZ", true, true}, {'1', "Digit1", false, true},
		{'!', "Digit1", true, true}, {'@', "Digit2", true, true}, {'~', "Backquote", true, true},
		{'"', "Quote", true, true}, {'?', "Slash", true, true}, {' ', "Space", false, true},
		{'\n', "Enter", false, true}, {'\t', "Tab", false, true}, {'|', "Backslash", true, true},
		{'é', "", false, false}, {'\r', "", false, false}, {0x7f, "", false, false}, {-1, "", false, false},
	} {
		k, ok := TypeUS(tc.r)
		if ok != tc.ok || k.Code != tc.code || k.Shift != tc.shift {
			t.Errorf("TypeUS(%q) = %+v, %v; want %s shift=%v ok=%v", tc.r, k, ok, tc.code, tc.shift, tc.ok)
		}
	}
	// Every printable ASCII character has a key, and that key has a scancode.
	for r := rune(0x20); r < 0x7f; r++ {
		k, ok := TypeUS(r)
		if !ok {
			t.Errorf("%q has no key", r)
			continue
		}
		if _, ok := Scancode(k.Code); !ok {
			t.Errorf("%q: key %s has no scancode", r, k.Code)
		}
	}
}
