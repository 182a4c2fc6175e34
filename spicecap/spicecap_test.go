package spicecap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type capRec struct {
	dir  Direction
	at   time.Duration
	data string
}

// fakeClock returns the stamps of recs in order, so a test controls the
// time each record is written at.
type fakeClock struct {
	base time.Time
	at   time.Duration
}

func (c *fakeClock) now() time.Time { return c.base.Add(c.at) }

// writeCap writes recs with a fake clock and returns the file bytes.
func writeCap(t testing.TB, recs []capRec) []byte {
	t.Helper()
	var buf bytes.Buffer
	clk := &fakeClock{base: time.Unix(1700000000, 0)}
	w, err := newWriter(&buf, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		clk.at = r.at
		if err := w.Record(r.dir, []byte(r.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t testing.TB, file []byte) ([]capRec, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(file))
	if err != nil {
		return nil, err
	}
	var out []capRec
	for {
		dir, at, data, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, capRec{dir, at, string(data)})
	}
}

func TestWireFormat(t *testing.T) {
	got := writeCap(t, []capRec{
		{0, 1500 * time.Microsecond, "REDQ"},
		{1, 70 * time.Second, "ab"},
	})
	want := []byte("SPICECAP 1\n" +
		"\x00\xdc\x05\x00\x00\x04\x00\x00\x00REDQ" +
		"\x01\x80\x1d\x2c\x04\x02\x00\x00\x00ab")
	if !bytes.Equal(got, want) {
		t.Fatalf("file bytes\n got %q\nwant %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	const us = time.Microsecond
	tests := []struct {
		name string
		recs []capRec
		want []capRec // nil: same as recs
	}{
		{"empty", nil, nil},
		{"one", []capRec{{0, 0, "x"}}, nil},
		{"interleaved", []capRec{{0, 10 * us, "hello"}, {1, 20 * us, "world"}, {0, 20 * us, "!"}}, nil},
		// Empty writes leave a marker record that readers skip.
		{"empty data skipped", []capRec{{0, 5 * us, ""}, {1, 6 * us, "y"}}, []capRec{{1, 6 * us, "y"}}},
		// Stamps past 2^32 µs (71 min) wrap; gap markers let the reader unwrap them.
		{"wrap", []capRec{{0, time.Hour, "a"}, {1, 2 * time.Hour, "b"}, {0, 5 * time.Hour, "c"}}, nil},
		{"long gap first", []capRec{{1, 30 * time.Hour, "late"}}, nil},
		// A clock going backwards must not make stamps go backwards.
		{"clamped", []capRec{{0, 50 * us, "a"}, {1, 40 * us, "b"}}, []capRec{{0, 50 * us, "a"}, {1, 50 * us, "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeCap(t, tt.recs)
			got, err := readAll(t, file)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = tt.recs
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("records\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestWriterSplitsLargeRecords(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), MaxRecord/16+3)
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Record(ServerToClient, big); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	var all []byte
	for {
		_, _, data, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(data))
		all = append(all, data...)
	}
	if len(sizes) != 2 || sizes[0] != MaxRecord || !bytes.Equal(all, big) {
		t.Fatalf("record sizes %v (want [%d 48]), content equal %v", sizes, MaxRecord, bytes.Equal(all, big))
	}
}

func TestWriterConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var sent [2][]byte
	var wg sync.WaitGroup
	for dir := range Direction(2) {
		wg.Go(func() {
			for i := range 500 {
				chunk := fmt.Appendf(nil, "%d:%d;", dir, i)
				sent[dir] = append(sent[dir], chunk...)
				if err := w.Record(dir, chunk); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	w.Close()

	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var got [2][]byte
	var last time.Duration
	for {
		dir, at, data, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if at < last {
			t.Fatalf("stamp went backwards: %v after %v", at, last)
		}
		last = at
		got[dir] = append(got[dir], data...)
	}
	for dir := range Direction(2) {
		if !bytes.Equal(got[dir], sent[dir]) {
			t.Errorf("direction %d: stream differs from what was recorded", dir)
		}
	}
}

func TestWriterAfterClose(t *testing.T) {
	w, err := NewWriter(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Record(0, []byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Record after Close: %v, want os.ErrClosed", err)
	}
	if err := w.Record(2, nil); err == nil {
		t.Fatal("Record with direction 2: no error")
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestWriterStickyError(t *testing.T) {
	w, err := NewWriter(&failWriter{n: 1})
	if err != nil {
		t.Fatal(err)
	}
	err1 := w.Record(0, []byte("a"))
	err2 := w.Record(1, []byte("b"))
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
		t.Fatalf("errors %v, %v: want the same write error twice", err1, err2)
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a write error returned nil")
	}
	if _, err := NewWriter(&failWriter{}); err == nil {
		t.Fatal("NewWriter on a failing writer returned nil error")
	}
}

func TestReaderErrors(t *testing.T) {
	hdr := func(dir byte, at, n uint32) string {
		b := []byte{dir}
		b = binary.LittleEndian.AppendUint32(b, at)
		b = binary.LittleEndian.AppendUint32(b, n)
		return string(b)
	}
	tests := []struct {
		name  string
		file  string
		want  string // substring of the error
		isEOF bool   // error wraps io.ErrUnexpectedEOF
	}{
		{"empty file", "", "bad magic", false},
		{"short magic", "SPICE", "bad magic", false},
		{"wrong version", "SPICECAP 2\n", "bad magic", false},
		{"pcap", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00", "bad magic", false},
		{"torn header", Magic + "\x00\x01\x02", "record 0 header", true},
		{"torn data", Magic + hdr(0, 1, 10) + "12345", "record 0 data", true},
		{"bad direction", Magic + hdr(2, 0, 0), "bad direction 2", false},
		{"too long", Magic + hdr(1, 0, MaxRecord+1), "exceeds", false},
		// The length is believable, the data is not there: must fail
		// without reading past the end.
		{"lying length", Magic + hdr(1, 0, MaxRecord) + "abc", "record 0 data", true},
		{"second record torn", Magic + hdr(0, 0, 1) + "x" + hdr(1, 0, 2) + "y", "record 1 data", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, []byte(tt.file))
			if err == nil {
				t.Fatal("no error")
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
			if got := errors.Is(err, io.ErrUnexpectedEOF); got != tt.isEOF {
				t.Fatalf("errors.Is(%v, io.ErrUnexpectedEOF) = %v, want %v", err, got, tt.isEOF)
			}
			if !tt.isEOF {
				var ce FormatError
				if !errors.As(err, &ce) {
					t.Fatalf("error %v is not a FormatError", err)
				}
			}
		})
	}
}

func TestStream(t *testing.T) {
	file := writeCap(t, []capRec{{0, 0, "RE"}, {1, 1, "srv"}, {0, 2, "DQ"}, {1, 3, "!"}})
	for dir, want := range []string{"REDQ", "srv!"} {
		r, err := NewReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Stream(Direction(dir), 1<<20)
		if err != nil || string(got) != want {
			t.Errorf("Stream(%d) = %q, %v; want %q", dir, got, err, want)
		}
	}
	r, _ := NewReader(bytes.NewReader(file))
	if _, err := r.Stream(7, 1<<20); err == nil {
		t.Error("Stream(7): no error")
	}
	// A torn capture gives what was read plus the error.
	r, _ = NewReader(bytes.NewReader(file[:len(file)-1]))
	got, err := r.Stream(0, 1<<20)
	if string(got) != "REDQ" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("torn Stream(0) = %q, %v; want \"REDQ\", unexpected EOF", got, err)
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(w.Name())
	if ok, _ := regexp.MatchString(`^0007-\d{19}\.spicecap$`, base); !ok || filepath.Dir(w.Name()) != dir {
		t.Fatalf("file name %q: want %s/0007-<unixnano>.spicecap", w.Name(), dir)
	}
	w.Record(ClientToServer, []byte("REDQ"))
	w.Record(ServerToClient, []byte("REDQ\x02"))
	w.Record(ClientToServer, []byte("more"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	client, server, err := ReadStreams(w.Name(), 1<<20)
	if err != nil || string(client) != "REDQmore" || string(server) != "REDQ\x02" {
		t.Fatalf("ReadStreams = %q, %q, %v", client, server, err)
	}
	if _, _, err := ReadStreams(filepath.Join(dir, "missing.spicecap"), 1<<20); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if (&Writer{}).Name() != "" {
		t.Fatal("Name of a writer without a file is not empty")
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGzip: a compressed capture reads as the plain one; a torn one ends
// with an error, not a short success.
func TestGzip(t *testing.T) {
	recs := []capRec{{0, 10 * time.Microsecond, "REDQ"}, {1, time.Second, strings.Repeat("screen", 5000)}}
	z := gzipped(t, writeCap(t, recs))
	got, err := readAll(t, z)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(recs) {
		t.Fatalf("compressed capture: %d records, %v; want the %d written", len(got), err, len(recs))
	}
	if _, err := readAll(t, z[:len(z)-6]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("torn compressed capture: %v, want unexpected EOF", err)
	}
	// Reset switches between compressed and plain input.
	r, err := NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range [][]byte{writeCap(t, recs[:1]), z, writeCap(t, recs[:1])} {
		if err := r.Reset(bytes.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		if _, _, data, err := r.Next(); err != nil || string(data) != "REDQ" {
			t.Fatalf("after Reset: %q, %v", data, err)
		}
	}
	if _, err := NewReader(bytes.NewReader(gzipped(t, []byte("not a capture")))); err == nil {
		t.Fatal("compressed garbage: no error")
	}
	if _, err := NewReader(strings.NewReader(gzipMagic + "junk")); err == nil {
		t.Fatal("gzip magic followed by junk: no error")
	}
}

// TestLimits: callers that keep whole streams bound them.
func TestLimits(t *testing.T) {
	file := writeCap(t, []capRec{{0, 0, "REDQ"}, {1, 1, "0123456789"}, {0, 2, "ab"}})
	r, _ := NewReader(bytes.NewReader(file))
	if got, err := r.Stream(ServerToClient, 10); err != nil || string(got) != "0123456789" {
		t.Fatalf("Stream at the limit: %q, %v", got, err)
	}
	r, _ = NewReader(bytes.NewReader(file))
	var le *LimitError
	if _, err := r.Stream(ServerToClient, 9); !errors.As(err, &le) || le.Limit != 9 {
		t.Fatalf("Stream over the limit: %v, want a LimitError", err)
	}
	name := filepath.Join(t.TempDir(), "x"+Ext)
	if err := os.WriteFile(name, file, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadStreams(name, 16); err != nil {
		t.Fatalf("ReadStreams at the limit: %v", err)
	}
	if _, _, err := ReadStreams(name, 15); !errors.As(err, &le) {
		t.Fatalf("ReadStreams over the limit: %v, want a LimitError", err)
	}
}

// capSeeds are well-formed and damaged captures for the fuzzer.
func capSeeds(t testing.TB) [][]byte {
	good := writeCap(t, []capRec{
		{0, 0, "REDQ\x02\x00\x00\x00"},
		{1, 300 * time.Microsecond, "REDQ\x02\x00\x00\x00\x00\x00"},
		{0, 3 * time.Hour, ""},
		{1, 5 * time.Hour, "late"},
	})
	return [][]byte{
		good,
		gzipped(t, good),
		gzipped(t, good)[:20],
		good[:len(good)-3],
		[]byte(Magic),
		[]byte(Magic + "\x01\xff\xff\xff\xff\x00\x00\x00\x01"),
		[]byte(Magic + "\x00\x00\x00\x00\x00\x00\x00\x00\x01Z"),
	}
}

// FuzzReader checks that the reader never panics, returns only records
// within bounds and with stamps that never go backwards, and that writing
// the records it read and reading them again gives the same records.
func FuzzReader(f *testing.F) {
	for _, s := range capSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		recs, _ := readAll(t, file)
		var last time.Duration
		for _, r := range recs {
			if r.dir != 0 && r.dir != 1 || len(r.data) == 0 || len(r.data) > MaxRecord {
				t.Fatalf("out-of-bounds record %v", r)
			}
			if r.at < last {
				t.Fatalf("stamp went backwards: %v after %v", r.at, last)
			}
			last = r.at
		}
		again, err := readAll(t, writeCap(t, recs))
		if err != nil {
			t.Fatalf("re-reading written records: %v", err)
		}
		if fmt.Sprint(again) != fmt.Sprint(recs) {
			t.Fatalf("round trip changed records\n got %v\nwant %v", again, recs)
		}
	})
}

// benchCap is a capture shaped like a proxied session: small client
// messages and server reads of up to 64 KiB.
func benchCap(b *testing.B) (file []byte, payload int) {
	var recs []capRec
	chunk := string(bytes.Repeat([]byte{0xa5}, 64<<10))
	for i := range 256 {
		recs = append(recs, capRec{0, time.Duration(i) * time.Millisecond, chunk[:40]})
		recs = append(recs, capRec{1, time.Duration(i) * time.Millisecond, chunk[:(i*977)%len(chunk)+1]})
	}
	for _, r := range recs {
		payload += len(r.data)
	}
	return writeCap(b, recs), payload
}

func BenchmarkReader(b *testing.B) {
	file, payload := benchCap(b)
	src := bytes.NewReader(file)
	r, err := NewReader(src)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(payload))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(file)
		if err := r.Reset(src); err != nil {
			b.Fatal(err)
		}
		for {
			_, _, _, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkWriter(b *testing.B) {
	w, err := NewWriter(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte{0x5a}, 16<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Record(ServerToClient, data); err != nil {
			b.Fatal(err)
		}
	}
}
