package vdagent

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

type got struct {
	h    Header
	data []byte
	err  error
}

func feedAll(t *testing.T, r *Reader, pieces [][]byte) []got {
	t.Helper()
	var out []got
	for _, p := range pieces {
		if err := r.Feed(p, func(in Incoming) error {
			out = append(out, got{in.Header, bytes.Clone(in.Data), in.Err})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// split cuts b at the given offsets.
func split(b []byte, at ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, a := range at {
		out = append(out, b[prev:a])
		prev = a
	}
	return append(out, b[prev:])
}

func TestReaderReassembles(t *testing.T) {
	text := bytes.Repeat([]byte("0123456789"), 700) // 7000 bytes: four AGENT_DATA
	stream := AppendMessage(nil, &Clipboard{DataType: ClipboardUTF8Text, Data: text}, nil)
	stream = AppendMessage(stream, &ClipboardRelease{}, nil) // empty data
	stream = AppendMessage(stream, &Reply{Acked: MsgMonitorsConfig, Error: ReplySuccess}, nil)
	n := len(stream)
	for _, tc := range []struct {
		name string
		at   []int
	}{
		{"whole", nil},
		{"header split", []int{7, 20, 2048}},
		{"every byte", func() []int {
			a := make([]int, n-1)
			for i := range a {
				a[i] = i + 1
			}
			return a
		}()},
		{"agent chunks", []int{2048, 4096, 6144}},
		{"two messages in one", []int{n - 28 - 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Reader
			out := feedAll(t, &r, split(stream, tc.at...))
			if len(out) != 3 {
				t.Fatalf("%d messages, want 3", len(out))
			}
			var c Clipboard
			if err := c.Decode(out[0].data, nil); err != nil || !bytes.Equal(c.Data, text) || out[0].h.Type != MsgClipboard {
				t.Errorf("clipboard: %v, %d bytes", err, len(c.Data))
			}
			if out[1].h.Type != MsgClipboardRelease || len(out[1].data) != 0 {
				t.Errorf("release: %+v", out[1])
			}
			var rep Reply
			if err := rep.Decode(out[2].data, nil); err != nil || rep.Acked != MsgMonitorsConfig {
				t.Errorf("reply: %+v %v", rep, err)
			}
			if r.Pending() {
				t.Error("Pending after whole messages")
			}
		})
	}
}

func TestReaderLimits(t *testing.T) {
	r := Reader{MaxClipboard: 100}
	big := AppendMessage(nil, &Clipboard{DataType: ClipboardUTF8Text, Data: make([]byte, 105)}, nil)
	// 104 bytes and the type word: 108, the limit (which allows for a selection word too).
	ok := AppendMessage(nil, &Clipboard{DataType: ClipboardUTF8Text, Data: make([]byte, 104)}, nil)
	small := AppendMessage(nil, &FileXferStatus{ID: 1, Detail: make([]byte, 10)}, nil)
	// A status claiming 1 MiB of data: far past the small-message limit.
	liar := le{}.u32(1).u32(uint32(MsgFileXferStatus)).u64(0).u32(1 << 20)
	badProto := le{}.u32(2).u32(uint32(MsgReply)).u64(0).u32(8).u32(0).u32(0)
	stream := append(append(append(append(append([]byte{}, big...), ok...), small...), badProto...), liar...)
	var pieces [][]byte
	for len(stream) > 0 {
		n := min(len(stream), 37)
		pieces = append(pieces, stream[:n])
		stream = stream[n:]
	}
	// The liar's data: 1 MiB streamed past in AGENT_DATA-sized pieces.
	for range (1 << 20) / MaxDataSize {
		pieces = append(pieces, make([]byte, MaxDataSize))
	}
	out := feedAll(t, &r, pieces)
	if len(out) != 5 {
		t.Fatalf("%d messages, want 5", len(out))
	}
	var tl *TooLargeError
	if !errors.As(out[0].err, &tl) || tl.Limit != 108 || out[0].data != nil {
		t.Errorf("over-limit clipboard: %+v", out[0])
	}
	if out[1].err != nil || len(out[1].data) != 108 {
		t.Errorf("clipboard at the limit: err %v, %d bytes", out[1].err, len(out[1].data))
	}
	if out[2].err != nil {
		t.Errorf("status: %v", out[2].err)
	}
	var pe ProtocolError
	if !errors.As(out[3].err, &pe) || pe != 2 {
		t.Errorf("protocol 2: %+v", out[3])
	}
	if !errors.As(out[4].err, &tl) || tl.Size != 1<<20 {
		t.Errorf("liar: %+v", out[4])
	}
	if cap(r.data) > maxSmallMessage {
		t.Errorf("reader kept %d bytes after skipping", cap(r.data))
	}
}

func TestReaderCallbackError(t *testing.T) {
	var r Reader
	stop := errors.New("stop")
	err := r.Feed(AppendMessage(nil, &ClipboardRelease{}, nil), func(Incoming) error { return stop })
	if err != stop {
		t.Fatalf("Feed = %v", err)
	}
	r.Reset()
	if r.Pending() {
		t.Fatal("pending after Reset")
	}
}

func TestWriterPieces(t *testing.T) {
	var w Writer
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(i)
	}
	w.Queue(&Clipboard{DataType: ClipboardUTF8Text, Data: data}, nil, 0) // 5024 bytes: 3 pieces
	w.Queue(&ClipboardRelease{}, nil, 0)                                 // 20 bytes
	w.Queue(&FileXferData{ID: 5, Data: data[:2016]}, nil, 5)             // 2048 exactly: 1 piece
	if w.Pieces() != 5 || w.Bytes() != 5024+20+2048 {
		t.Fatalf("Pieces %d Bytes %d", w.Pieces(), w.Bytes())
	}
	var sizes []int
	var all []byte
	for p := w.Next(); p != nil; p = w.Next() {
		sizes = append(sizes, len(p))
		all = append(all, p...)
	}
	want := []int{2048, 2048, 928, 20, 2048}
	if len(sizes) != len(want) {
		t.Fatalf("piece sizes %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("piece sizes %v, want %v", sizes, want)
		}
	}
	// Reassembled, they are the three messages.
	var r Reader
	if n := len(feedAll(t, &r, [][]byte{all})); n != 3 {
		t.Fatalf("%d messages", n)
	}
	if w.Pieces() != 0 || w.Bytes() != 0 {
		t.Fatalf("left: %d pieces, %d bytes", w.Pieces(), w.Bytes())
	}
}

func TestWriterDrop(t *testing.T) {
	var w Writer
	w.Queue(&FileXferData{ID: 1, Data: make([]byte, 3000)}, nil, 1)
	w.Queue(&FileXferData{ID: 1, Data: make([]byte, 3000)}, nil, 1)
	w.Queue(&ClipboardRelease{}, nil, 0)
	w.Queue(&FileXferData{ID: 2, Data: make([]byte, 10)}, nil, 2)
	first := w.Next() // the first message has started going out
	if len(first) != MaxDataSize {
		t.Fatal(len(first))
	}
	if n := w.Drop(1); n != 1 {
		t.Fatalf("Drop removed %d, want 1 (the started one stays)", n)
	}
	var rest []byte
	for p := w.Next(); p != nil; p = w.Next() {
		rest = append(rest, p...)
	}
	var r Reader
	out := feedAll(t, &r, [][]byte{first, rest})
	if len(out) != 3 || out[0].h.Size != 3012 || out[1].h.Type != MsgClipboardRelease || out[2].h.Type != MsgFileXferData {
		t.Fatalf("after Drop: %+v", out)
	}
	if w.Drop(0) != 0 {
		t.Error("Drop(0) removed untagged messages")
	}
}

// Random splits of a random message sequence reassemble exactly.
func TestReaderRandomSplits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []byte
	var want [][]byte
	for range 200 {
		d := make([]byte, rng.IntN(5000))
		for i := range d {
			d[i] = byte(rng.Uint32())
		}
		want = append(want, d)
		stream = AppendMessage(stream, &Clipboard{DataType: ClipboardImagePNG, Data: d}, nil)
	}
	for trial := range 20 {
		var pieces [][]byte
		for s := stream; len(s) > 0; {
			n := min(len(s), 1+rng.IntN(3*MaxDataSize))
			pieces = append(pieces, s[:n])
			s = s[n:]
		}
		var r Reader
		out := feedAll(t, &r, pieces)
		if len(out) != len(want) {
			t.Fatalf("trial %d: %d messages", trial, len(out))
		}
		for i := range want {
			if !bytes.Equal(out[i].data[4:], want[i]) {
				t.Fatalf("trial %d: message %d differs", trial, i)
			}
		}
	}
}
