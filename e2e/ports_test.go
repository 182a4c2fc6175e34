//go:build linux

package e2e

import (
	"fmt"
	"os"
	"testing"
)

func TestDisplayInUse(t *testing.T) {
	const n = 9973 // far above the numbers FreeDisplay hands out
	lock := fmt.Sprintf("/tmp/.X%d-lock", n)
	if _, err := os.Lstat(lock); err == nil {
		t.Skipf("%s exists; not touching it", lock)
	}
	t.Cleanup(func() { os.Remove(lock) })
	tests := []struct {
		content string
		want    bool
	}{
		{fmt.Sprintf("%10d\n", os.Getpid()), true}, // a live process holds it
		{fmt.Sprintf("%10d\n", 1<<22+7), false},    // above pid_max: stale
		{"garbage\n", true},
	}
	for _, tt := range tests {
		if err := os.WriteFile(lock, []byte(tt.content), 0o444); err != nil {
			t.Fatal(err)
		}
		if got := displayInUse(n); got != tt.want {
			t.Errorf("lock %q: displayInUse = %v, want %v", tt.content, got, tt.want)
		}
		os.Remove(lock)
	}
	if displayInUse(n) {
		t.Errorf("display %d in use with no lock and no socket", n)
	}
}

func TestFreePortUnique(t *testing.T) {
	seen := map[int]bool{}
	for range 50 {
		p := FreePort(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}
