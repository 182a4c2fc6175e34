package vdagent

import "testing"

// BenchmarkWriterFileData: a 64 KiB FILE_XFER_DATA (the piece the session
// reads from a file) queued and cut into AGENT_DATA payloads.
func BenchmarkWriterFileData(b *testing.B) {
	data := make([]byte, 64<<10)
	var w Writer
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w.Queue(&FileXferData{ID: 1, Data: data}, nil, 1)
		for p := w.Next(); p != nil; p = w.Next() {
		}
	}
}

// BenchmarkReaderClipboard: a 1 MiB clipboard reassembled from AGENT_DATA
// payloads of MaxDataSize bytes.
func BenchmarkReaderClipboard(b *testing.B) {
	msg := AppendMessage(nil, &Clipboard{DataType: ClipboardUTF8Text, Data: make([]byte, 1<<20)}, nil)
	var r Reader
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for p := msg; len(p) > 0; {
			k := min(len(p), MaxDataSize)
			if err := r.Feed(p[:k], func(Incoming) error { n++; return nil }); err != nil {
				b.Fatal(err)
			}
			p = p[k:]
		}
	}
	if n == 0 {
		b.Fatal("no message completed")
	}
}
