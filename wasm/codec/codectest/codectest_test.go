package codectest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fixtures.txt")
	os.WriteFile(path, []byte("# comment\n\nphoto w=96 h=72 kind=jpeg\nicon w=24\n"), 0o644)
	list, err := ReadList(path, "w", "h", "kind")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "photo" || list[1].Name != "icon" {
		t.Fatalf("got %+v", list)
	}
	if w, ok, err := list[0].Int("w"); w != 96 || !ok || err != nil {
		t.Errorf("w = %d %v %v", w, ok, err)
	}
	if _, ok, _ := list[1].Int("h"); ok {
		t.Error("absent field reported present")
	}
	if _, _, err := list[0].Int("kind"); err == nil {
		t.Error("non-number read as a number")
	}
	if _, err := ReadList(path, "w", "h"); err == nil {
		t.Error("unknown key accepted")
	}
}
