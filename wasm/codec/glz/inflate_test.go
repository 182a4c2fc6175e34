package glz

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"testing"
)

// deflateOf compresses b as raw DEFLATE at the given compress/flate level.
func deflateOf(b []byte, level int) []byte {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, level)
	if err != nil {
		panic(err)
	}
	fw.Write(b)
	fw.Close()
	return buf.Bytes()
}

// refInflate decodes raw DEFLATE with compress/flate, reading through a
// bytes.Reader as the decoder did before, and reports the output and the
// bytes of src it used.
func refInflate(src []byte, size int) ([]byte, int, error) {
	br := bytes.NewReader(src)
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(br), int64(size)+1))
	if err == nil && len(out) > size {
		err = errTooLong
	}
	return out, len(src) - br.Len(), err
}

// checkInflate decodes src with both decoders and compares: the same
// verdict, and on success the same output and end of stream.
func checkInflate(t *testing.T, src []byte, size int) {
	t.Helper()
	var z inflater
	d := deflate{src: src, size: size, lit: &z.lit, dist: &z.dist}
	used, err := d.run()
	want, wantUsed, wantErr := refInflate(src, size)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, compress/flate %v", err, wantErr)
	}
	if err != nil {
		return
	}
	if got := d.out[:d.pos]; !bytes.Equal(got, want) || used != wantUsed {
		t.Fatalf("%d bytes using %d, compress/flate %d bytes using %d", len(got), used, len(want), wantUsed)
	}
}

// inflateInputs are streams of every block type: stored, fixed and
// dynamic Huffman, from compress/flate at several levels, over data with
// long matches, short-distance repeats and noise.
func inflateInputs() [][]byte {
	rng := rand.New(rand.NewPCG(11, 12))
	var data [][]byte
	for _, n := range []int{0, 1, 7, 100, 3000, 70000} {
		b := make([]byte, n)
		for i := range b {
			switch {
			case i%1000 < 300:
				b[i] = byte(rng.IntN(256))
			case i%1000 < 600 && i >= 3:
				b[i] = b[i-1-rng.IntN(3)]
			default:
				b[i] = byte(i / 97)
			}
		}
		data = append(data, b)
	}
	var out [][]byte
	for _, b := range data {
		for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly} {
			out = append(out, deflateOf(b, level))
		}
	}
	return out
}

func TestInflateMatchesFlate(t *testing.T) {
	for i, src := range inflateInputs() {
		want, _, err := refInflate(src, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		checkInflate(t, src, 1<<20)
		checkInflate(t, src, len(want))
		if len(want) > 0 {
			checkInflate(t, src, len(want)-1)
		}
		checkInflate(t, append(bytes.Clone(src), 1, 2, 3), len(want))
		if t.Failed() {
			t.Fatalf("input %d", i)
		}
	}
}

// FuzzInflate compares the decoder with compress/flate on arbitrary
// input: the first byte picks an output limit.
func FuzzInflate(f *testing.F) {
	for _, src := range inflateInputs() {
		if len(src) < 4000 {
			f.Add(append([]byte{255}, src...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		checkInflate(t, data[1:], int(data[0])*256)
	})
}
