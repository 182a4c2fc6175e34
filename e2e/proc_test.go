//go:build linux

package e2e

import "testing"

func TestTailLines(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nx\nx\nx\nb", 10, "a\nx\n        [previous line repeated 2 times]\nb"},
		{"x\nx", 10, "x\n        [previous line repeated 1 times]"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		if got := tailLines([]byte(tt.in), tt.n); got != tt.want {
			t.Errorf("tailLines(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"/usr/bin/Xspice", "--port", "5900", "", "a b", "it's"})
	want := `/usr/bin/Xspice --port 5900 '' 'a b' 'it'\''s'`
	if got != want {
		t.Errorf("shellQuote = %s, want %s", got, want)
	}
}

func TestTailLinesNoise(t *testing.T) {
	in := "start\n[1:2:ERROR:dbus/bus.cc:405] Failed to connect to the bus: x\nend"
	if got := tailLines([]byte(in), 10); got != "start\nend" {
		t.Errorf("tailLines = %q", got)
	}
}
