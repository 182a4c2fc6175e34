package vdagent

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// FuzzDecode: input is a u32 type, a caps word and the message data.
// Decode never panics; what decodes re-encodes to a message that decodes
// to the same value.
func FuzzDecode(f *testing.F) {
	seed := func(m Message, caps uint32) {
		b := binary.LittleEndian.AppendUint32(nil, uint32(m.Type()))
		b = binary.LittleEndian.AppendUint32(b, caps)
		f.Add(m.Encode(b, Caps{caps}))
	}
	all := uint32(1<<CapClipboardSelection | 1<<CapClipboardGrabSerial)
	seed(&AnnounceCapabilities{Request: true, Caps: Caps{0xffff}}, 0)
	seed(&ClipboardGrab{Serial: 3, Types: []ClipboardType{1, 2}}, all)
	seed(&ClipboardRequest{DataType: 1}, all)
	seed(&Clipboard{DataType: 1, Data: []byte("text")}, 0)
	seed(&ClipboardRelease{Selection: 1}, all)
	seed(&MaxClipboard{Max: 1 << 20}, 0)
	seed(&MonitorsConfig{Monitors: []MonConfig{{Width: 8, Height: 8, Depth: 32}}, PhysicalSizes: []MonitorMM{{1, 2}}}, 0)
	seed(&Reply{Acked: 2, Error: 1}, 0)
	seed(&FileXferStart{ID: 1, Name: "f\\n", Size: 10}, 0)
	seed(&FileXferStatus{ID: 1, Result: XferError, Detail: []byte{0, 1, 0, 0, 0}}, 0)
	seed(&FileXferData{ID: 1, Data: []byte{1, 2}}, 0)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 8 {
			return
		}
		typ := MsgType(binary.LittleEndian.Uint32(in))
		peer := Caps{binary.LittleEndian.Uint32(in[4:])}
		m := New(typ)
		if m == nil {
			return
		}
		if err := m.Decode(in[8:], peer); err != nil {
			return
		}
		again := New(typ)
		if err := again.Decode(m.Encode(nil, peer), peer); err != nil {
			t.Fatalf("%v: re-encoded message does not decode: %v", typ, err)
		}
		if !reflect.DeepEqual(normalize(again), normalize(m)) {
			t.Fatalf("%v: round trip changed %+v into %+v", typ, m, again)
		}
	})
}

// FuzzReader: the input is cut into AGENT_DATA payloads at lengths taken
// from its first bytes. The Reader never panics, never hands out more
// than the limit, and every message it completes has the size its header
// declared.
func FuzzReader(f *testing.F) {
	f.Add([]byte{3, 20, 200}, AppendMessage(AppendMessage(nil, &Clipboard{DataType: 1, Data: make([]byte, 300)}, nil), &ClipboardRelease{}, nil))
	f.Add([]byte{0}, []byte{1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, cuts, stream []byte) {
		r := Reader{MaxClipboard: 1000}
		i := 0
		for len(stream) > 0 {
			n := len(stream)
			if i < len(cuts) {
				n = min(n, int(cuts[i])+1)
				i++
			}
			err := r.Feed(stream[:n], func(in Incoming) error {
				if in.Err == nil && uint32(len(in.Data)) != in.Size {
					t.Fatalf("message of %d bytes declared %d", len(in.Data), in.Size)
				}
				if len(in.Data) > Limit(in.Type, 1000) {
					t.Fatalf("message of %d bytes past the limit", len(in.Data))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			stream = stream[n:]
		}
	})
}
