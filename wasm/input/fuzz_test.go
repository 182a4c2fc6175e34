package input

import "testing"

// FuzzScancode checks Scancode on arbitrary strings and Release on
// arbitrary codes: no panics, releases are idempotent, keep their
// prefixes, and set bit 7 in every other byte up to the first zero.
func FuzzScancode(f *testing.F) {
	for _, k := range keymap {
		f.Add(k.code, k.sc)
	}
	f.Add("", uint32(0))
	f.Add("Unidentified", uint32(0xe0e0e0e0))
	f.Fuzz(func(t *testing.T, code string, down uint32) {
		if sc, ok := Scancode(code); ok && Release(sc) == sc {
			t.Fatalf("%q: release equals press %#x", code, sc)
		}
		up := Release(down)
		if Release(up) != up {
			t.Fatalf("Release not idempotent on %#x", down)
		}
		for shift := 0; shift < 32; shift += 8 {
			d, u := byte(down>>shift), byte(up>>shift)
			if d == 0 {
				if up>>shift != 0 {
					t.Fatalf("Release(%#x) = %#x kept bytes after a zero", down, up)
				}
				break
			}
			if d == ext || d == ext1 {
				if u != d {
					t.Fatalf("Release(%#x) = %#x changed a prefix", down, up)
				}
			} else if u != d|released {
				t.Fatalf("Release(%#x) = %#x", down, up)
			}
		}
	})
}
