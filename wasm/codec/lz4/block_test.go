package lz4

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	// The LZ4 library the client used before block.go: kept as the
	// reference the decoder is checked against, in tests only, so it adds
	// nothing to the wasm binary (see package-notes.md).
	lz4ref "github.com/pierrec/lz4/v4"

	"spiceweb/wasm/spice"
)

// refInflate decodes with the reference library as inflate used to: the
// block into out[pos:], the preceding 64 KiB as its dictionary.
func refInflate(block, out []byte, pos int) (int, bool) {
	dict := out[max(0, pos-64<<10):pos]
	k, err := lz4ref.UncompressBlockWithDict(block, out[pos:len(out):len(out)], dict)
	if err != nil || k <= 0 {
		return 0, false
	}
	return pos + k, true
}

// blocks splits a SPICE LZ4 payload (after the header) into its blocks.
func blocks(tb testing.TB, src []byte) [][]byte {
	var out [][]byte
	for off := 0; off < len(src); {
		n := int(binary.BigEndian.Uint32(src[off:]))
		if off+4+n > len(src) {
			tb.Fatalf("block at %d overruns the payload", off)
		}
		out = append(out, src[off+4:off+4+n])
		off += 4 + n
	}
	return out
}

// rawLen is the size of a fixture's rows before expansion to RGBA.
func rawLen(fx fixture) int {
	return fx.W * fx.H * bytesPerPixel(spice.BitmapFmt(fx.Data[1]))
}

func TestInflateBlockHandMade(t *testing.T) {
	tests := []struct {
		name    string
		history []byte
		block   []byte
		room    int // bytes of out after the history
		want    []byte
		bad     bool
	}{
		{name: "literals only", block: []byte{0x30, 'a', 'b', 'c'}, room: 3, want: []byte("abc")},
		{name: "run of one byte", block: []byte{0x1f, 'x', 1, 0, 2}, room: 22, want: bytes.Repeat([]byte("x"), 22)},
		{name: "overlapping period 3", block: []byte{0x35, 'a', 'b', 'c', 3, 0, 0x00}, room: 12, want: []byte("abcabcabcabc")},
		{name: "match into history", history: []byte("0123456789"), block: []byte{0x04, 10, 0, 0x00}, room: 8, want: []byte("01234567")},
		{name: "long literal", block: append([]byte{0xf0, 5}, bytes.Repeat([]byte("L"), 20)...), room: 20, want: bytes.Repeat([]byte("L"), 20)},
		{name: "literal length 255 continues", block: append([]byte{0xf0, 255, 0}, bytes.Repeat([]byte("q"), 270)...), room: 270, want: bytes.Repeat([]byte("q"), 270)},
		{name: "ends after a match", block: []byte{0x10, 'z', 1, 0}, room: 5, want: []byte("zzzzz")},
		{name: "offset 0", block: []byte{0x10, 'z', 0, 0, 0x00}, room: 8, bad: true},
		{name: "offset before the history", history: []byte("ab"), block: []byte{0x10, 'z', 4, 0, 0x00}, room: 8, bad: true},
		{name: "match past out", block: []byte{0x10, 'z', 1, 0, 0x00}, room: 4, bad: true},
		{name: "literals past out", block: []byte{0x30, 'a', 'b', 'c'}, room: 2, bad: true},
		{name: "literals past src", block: []byte{0x30, 'a', 'b'}, room: 3, bad: true},
		{name: "match length nibble at the end", block: []byte{0x11, 'a'}, room: 8, bad: true},
		{name: "half an offset", block: []byte{0x10, 'a', 1}, room: 8, bad: true},
		{name: "literal extension missing", block: []byte{0xf0}, room: 30, bad: true},
		{name: "match extension missing", block: []byte{0x1f, 'a', 1, 0}, room: 30, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := append(append([]byte{}, tt.history...), make([]byte, tt.room)...)
			end, ok := inflateBlock(tt.block, out, len(tt.history))
			if tt.bad {
				if ok {
					t.Fatalf("decoded %q, want an error", out[len(tt.history):end])
				}
				return
			}
			if !ok {
				t.Fatal("decode failed")
			}
			if got := out[len(tt.history):end]; !bytes.Equal(got, tt.want) {
				t.Fatalf("decoded %q, want %q", got, tt.want)
			}
			if !bytes.Equal(out[:len(tt.history)], tt.history) {
				t.Fatal("the history was overwritten")
			}
			// The reference library agrees on every valid case.
			ref := append(append([]byte{}, tt.history...), make([]byte, tt.room)...)
			if rend, rok := refInflate(tt.block, ref, len(tt.history)); !rok || !bytes.Equal(ref[:rend], out[:end]) {
				t.Fatalf("reference library: ok %v, %q", rok, ref[:rend])
			}
		})
	}
}

// TestInflateBlockMatchesReference decodes every block of the fixtures
// (liblz4 streams and Xspice recordings, with their cross-block matches)
// and blocks the reference library compresses from varied data, and
// requires the library's exact output.
func TestInflateBlockMatchesReference(t *testing.T) {
	streams := 0
	for _, fx := range loadFixtures(t) {
		out := make([]byte, rawLen(fx))
		ref := make([]byte, len(out))
		pos := 0
		for i, b := range blocks(t, fx.Data[headerLen:]) {
			end, ok := inflateBlock(b, out, pos)
			rend, rok := refInflate(b, ref, pos)
			if !ok || !rok || end != rend || !bytes.Equal(out[:end], ref[:rend]) {
				t.Fatalf("%s block %d: ok %v end %d, reference ok %v end %d", fx.Name, i, ok, end, rok, rend)
			}
			pos = end
		}
		streams++
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var c lz4ref.Compressor
	for i := range 200 {
		src := make([]byte, 1+rng.IntN(5000))
		// From incompressible noise to long runs, with short repeats in
		// between, so every literal and match length form occurs.
		period := 1 + rng.IntN(1+i%40)
		for j := range src {
			if rng.IntN(1+i%7) == 0 || j < period {
				src[j] = byte(rng.IntN(256))
			} else {
				src[j] = src[j-period]
			}
		}
		dst := make([]byte, lz4ref.CompressBlockBound(len(src)))
		n, err := c.CompressBlock(src, dst)
		if err != nil || n == 0 {
			continue // incompressible: the library declines
		}
		out := make([]byte, len(src))
		end, ok := inflateBlock(dst[:n], out, 0)
		if !ok || end != len(src) || !bytes.Equal(out, src) {
			t.Fatalf("case %d (%d bytes, period %d): ok %v end %d", i, len(src), period, ok, end)
		}
		streams++
	}
	if streams < 100 {
		t.Fatalf("only %d streams checked", streams)
	}
}

// FuzzInflateBlock compares the decoder with the reference library on
// arbitrary blocks. The input is u16 LE history length, u16 LE output
// room, then the history and the block.
func FuzzInflateBlock(f *testing.F) {
	in := func(history, block []byte, room int) []byte {
		b := binary.LittleEndian.AppendUint16(nil, uint16(len(history)))
		b = binary.LittleEndian.AppendUint16(b, uint16(room))
		return append(append(b, history...), block...)
	}
	f.Add(in(nil, []byte{0x1f, 'x', 1, 0, 2}, 22))
	f.Add(in([]byte("0123456789"), []byte{0x04, 10, 0, 0x00}, 8))
	for _, fx := range loadFixtures(f) {
		if fx.W*fx.H > 200*150 {
			continue
		}
		out := make([]byte, rawLen(fx))
		pos := 0
		for _, b := range blocks(f, fx.Data[headerLen:]) {
			end, _ := inflateBlock(b, out, pos)
			if pos <= 0xffff && end-pos <= 0xffff {
				f.Add(in(out[:pos], b, end-pos))
			}
			pos = end
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		hl := int(binary.LittleEndian.Uint16(data))
		room := int(binary.LittleEndian.Uint16(data[2:]))
		data = data[4:]
		if hl > len(data) {
			return
		}
		history, block := data[:hl], data[hl:]
		out := append(append([]byte{}, history...), make([]byte, room)...)
		guard := append([]byte{}, history...)
		end, ok := inflateBlock(block, out, hl)
		if !bytes.Equal(out[:hl], guard) {
			t.Fatal("the history was overwritten")
		}
		// An empty block decodes to nothing, which inflate rejects as
		// the library does.
		ok = ok && end > hl
		ref := append(append([]byte{}, history...), make([]byte, room)...)
		rend, rok := refInflate(block, ref, hl)
		if rok && (!ok || end != rend || !bytes.Equal(out[:end], ref[:rend])) {
			t.Fatalf("reference decoded %d bytes; ours ok %v end %d", rend-hl, ok, end)
		}
		if ok && !rok {
			// The library's fast paths copy 16 bytes at a time and fail
			// near the end of a short output; with room to spare it must
			// agree.
			slack := append(append([]byte{}, history...), make([]byte, room+64)...)
			rend, rok = refInflate(block, slack, hl)
			if !rok || rend != end || !bytes.Equal(out[:end], slack[:rend]) {
				t.Fatalf("ours decoded %d bytes, the reference fails even with slack (ok %v end %d)", end-hl, rok, rend)
			}
		}
	})
}

// BenchmarkInflate decodes each fixture's block chain with this package's
// decoder and with the reference library, alternating within every
// iteration so that both see the same machine load, and reports the
// median throughput of each and the ratio of the medians (own/ref above
// 1 means this decoder is faster). Natively the library uses its amd64
// assembly unless built with -tags noasm; the wasm client would only get
// its portable Go decoder, so compare under GOOS=js GOARCH=wasm (node) or
// with -tags noasm.
func BenchmarkInflate(b *testing.B) {
	for _, fx := range loadFixtures(b) {
		bl := blocks(b, fx.Data[headerLen:])
		out := make([]byte, rawLen(fx))
		// Each sample decodes about 1 MB, so that even the cursor takes
		// long enough for the timer (node's is coarse).
		reps := max(1, (1<<20)/len(out))
		run := func(f func(block, out []byte, pos int) (int, bool)) time.Duration {
			start := time.Now()
			for range reps {
				pos := 0
				for _, blk := range bl {
					end, ok := f(blk, out, pos)
					if !ok {
						b.Fatal("decode failed")
					}
					pos = end
				}
			}
			return time.Since(start)
		}
		b.Run(fx.Name, func(b *testing.B) {
			var own, ref []time.Duration
			for b.Loop() {
				own = append(own, run(inflateBlock))
				ref = append(ref, run(refInflate))
			}
			mbps := func(d time.Duration) float64 { return float64(reps*len(out)) / d.Seconds() / 1e6 }
			o, r := median(own), median(ref)
			b.ReportMetric(mbps(o), "own-MB/s")
			b.ReportMetric(mbps(r), "ref-MB/s")
			b.ReportMetric(float64(r)/float64(o), "own/ref")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
