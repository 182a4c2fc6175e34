package wasmfile

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// module builds a module with a custom section, the given data segments
// (written as listed, offsets as i32.const) and, if dataCount, a data
// count section before the data section, as the spec orders them.
func module(segs []Segment, dataCount bool) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	custom := append(appendUleb(nil, 4), "note"...)
	custom = append(custom, 1, 2, 3)
	b = append(b, 0)
	b = appendUleb(b, uint64(len(custom)))
	b = append(b, custom...)
	// memory section: one memory of 1 page minimum
	b = append(b, 5, 3, 1, 0, 1)
	if dataCount {
		c := appendUleb(nil, uint64(len(segs)))
		b = append(b, sectionDataCount)
		b = appendUleb(b, uint64(len(c)))
		b = append(b, c...)
	}
	body := appendUleb(nil, uint64(len(segs)))
	for _, s := range segs {
		body = append(body, 0, 0x41)
		body = appendSleb32(body, int32(s.Offset))
		body = append(body, 0x0b)
		body = appendUleb(body, uint64(len(s.Data)))
		body = append(body, s.Data...)
	}
	b = append(b, sectionData)
	b = appendUleb(b, uint64(len(body)))
	return append(b, body...)
}

// checkPacked packs m and checks that the initial memory is unchanged,
// that no two segments of the result are closer than maxGap, and that
// the other sections are untouched.
func checkPacked(t *testing.T, m []byte, maxGap int) (before, after int) {
	t.Helper()
	segs, _, err := DataSegments(m)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := PackData(m, maxGap)
	if err != nil {
		t.Fatal(err)
	}
	psegs, _, err := DataSegments(packed)
	if err != nil {
		t.Fatalf("packed module: %v", err)
	}
	wbase, want, err := Image(segs, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	gbase, got, err := Image(psegs, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if gbase != wbase || !bytes.Equal(got, want) {
		t.Fatal("packing changed the initial memory")
	}
	for i := 1; i < len(psegs); i++ {
		end := int(psegs[i-1].Offset) + len(psegs[i-1].Data)
		if gap := int(psegs[i].Offset) - end; gap < maxGap {
			t.Fatalf("segments %d and %d are %d bytes apart after packing with maxGap %d", i-1, i, gap, maxGap)
		}
	}
	osecs, _ := readSections(m)
	nsecs, _ := readSections(packed)
	if len(osecs) != len(nsecs) {
		t.Fatalf("%d sections became %d", len(osecs), len(nsecs))
	}
	for i := range osecs {
		if osecs[i].id != nsecs[i].id {
			t.Fatalf("section %d: id %d became %d", i, osecs[i].id, nsecs[i].id)
		}
		switch osecs[i].id {
		case sectionData:
		case sectionDataCount:
			if n, _, _ := uleb(nsecs[i].body, 0); n != uint64(len(psegs)) {
				t.Fatalf("data count %d for %d segments", n, len(psegs))
			}
		default:
			if !bytes.Equal(osecs[i].body, nsecs[i].body) {
				t.Fatalf("section %d (id %d) changed", i, osecs[i].id)
			}
		}
	}
	return len(segs), len(psegs)
}

func TestPackDataMergesCloseSegments(t *testing.T) {
	segs := []Segment{
		{Offset: 100, Data: []byte{1, 2}},
		{Offset: 102 + 18, Data: []byte{3}},    // 18 bytes after: merged
		{Offset: 20000, Data: []byte{4, 5, 6}}, // far: kept apart
		{Offset: 20003, Data: []byte{7}},       // adjacent: merged
	}
	for _, dc := range []bool{false, true} {
		before, after := checkPacked(t, module(segs, dc), 4096)
		if before != 4 || after != 2 {
			t.Errorf("data count %v: %d segments became %d, want 2", dc, before, after)
		}
	}
	// Addresses from 2 GiB up are negative as i32.const.
	high := []Segment{{Offset: 1 << 31, Data: []byte{8, 9}}, {Offset: 1<<31 + 10, Data: []byte{10, 11}}, {Offset: 1<<31 + 100000, Data: []byte{12}}}
	if _, after := checkPacked(t, module(high, false), 4096); after != 2 {
		t.Errorf("high segments packed into %d, want 2", after)
	}
	// Out of address order in the file, as Go's linker writes its
	// sections: sorted, then merged.
	shuffled := []Segment{segs[2], segs[0], segs[3], segs[1]}
	if _, after := checkPacked(t, module(shuffled, false), 4096); after != 2 {
		t.Errorf("shuffled segments packed into %d, want 2", after)
	}
	if _, after := checkPacked(t, module(segs, false), 0); after != 4 {
		t.Errorf("maxGap 0 gave %d segments, want all 4", after)
	}
	if _, after := checkPacked(t, module(segs, false), 1); after != 3 {
		t.Errorf("maxGap 1 gave %d segments, want 3 (only the adjacent ones merge)", after)
	}
}

func TestPackDataRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		var segs []Segment
		off := uint32(rng.IntN(100))
		for range rng.IntN(40) {
			d := make([]byte, 1+rng.IntN(30))
			for i := range d {
				d[i] = byte(rng.IntN(256))
			}
			segs = append(segs, Segment{off, d})
			off += uint32(len(d) + rng.IntN(60))
		}
		rng.Shuffle(len(segs), func(i, j int) { segs[i], segs[j] = segs[j], segs[i] })
		checkPacked(t, module(segs, rng.IntN(2) == 0), rng.IntN(50))
	}
}

func TestPackDataRefuses(t *testing.T) {
	good := module([]Segment{{Offset: 8, Data: []byte{1, 2, 3}}}, false)
	overlap := module([]Segment{{Offset: 8, Data: []byte{1, 2, 3}}, {Offset: 10, Data: []byte{4}}}, false)
	passive := append([]byte{}, good...)
	passive[len(passive)-8] = 1 // the segment's kind byte: passive
	tests := map[string][]byte{
		"empty":            nil,
		"not wasm":         []byte("\x7fELF\x02\x01\x01\x00"),
		"truncated":        good[:len(good)-1],
		"section too long": append(append([]byte{}, good[:8]...), 11, 0xff, 0xff, 0x03),
		"overlapping":      overlap,
		"passive segment":  passive,
	}
	for name, m := range tests {
		_, err := PackData(m, 64)
		var fe FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a FormatError", name, err)
		}
	}
}

// FuzzPackData: no input panics, and whatever packs keeps its memory.
func FuzzPackData(f *testing.F) {
	f.Add(module([]Segment{{Offset: 8, Data: []byte{1}}, {Offset: 30, Data: []byte{2, 3}}}, true))
	f.Add(module(nil, false))
	f.Fuzz(func(t *testing.T, m []byte) {
		segs, _, err := DataSegments(m)
		packed, perr := PackData(m, 32)
		if err != nil || perr != nil {
			return
		}
		psegs, _, err := DataSegments(packed)
		if err != nil {
			t.Fatalf("packed module unreadable: %v", err)
		}
		wbase, want, err := Image(segs, 1<<20)
		if err != nil {
			return // too large to compare here
		}
		gbase, got, err := Image(psegs, 1<<20)
		if err != nil || gbase != wbase || !bytes.Equal(got, want) {
			t.Fatalf("initial memory changed (%v)", err)
		}
	})
}

// TestPackedGoProgramRuns packs a real Go wasm binary (this repository's
// errfmt tests) and, when node is installed, runs it with Go's wasm_exec
// loader: the runtime must start from the packed data and the tests pass.
func TestPackedGoProgramRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "errfmt.wasm")
	cmd := exec.Command("go", "test", "-c", "-o", bin, "spiceweb/wasm/internal/errfmt")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the wasm test binary: %v\n%s", err, out)
	}
	m, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	before, after := checkPacked(t, m, 4096)
	if after*100 > before {
		t.Errorf("%d segments only became %d", before, after)
	}
	t.Logf("%d data segments became %d", before, after)
	packed, _ := PackData(m, 4096)
	if err := os.WriteFile(bin, packed, 0o644); err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the packed binary was checked but not run")
	}
	run := exec.Command(node, filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec_node.js"), bin, "-test.v")
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nPASS") {
		t.Fatalf("the packed binary failed under node: %v\n%s", err, out)
	}
}
