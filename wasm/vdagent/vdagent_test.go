package vdagent

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// le builds little-endian wire bytes by hand, from vd_agent.h's layouts,
// independently of the encoders under test.
type le []byte

func (b le) u8(v ...uint8) le { return append(b, v...) }
func (b le) u16(v uint16) le  { return binary.LittleEndian.AppendUint16(b, v) }
func (b le) u32(v uint32) le  { return binary.LittleEndian.AppendUint32(b, v) }
func (b le) u64(v uint64) le  { return binary.LittleEndian.AppendUint64(b, v) }
func (b le) s(v string) le    { return append(b, v...) }

var (
	noCaps  Caps
	selCaps = Caps(nil).With(CapClipboardSelection)
	allCaps = Caps(nil).With(CapClipboardSelection).With(CapClipboardGrabSerial)
)

// The wire layout of every message, both ways: Encode gives exactly the
// bytes, Decode gives back the message.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
		peer Caps
		wire le
	}{
		{"caps", &AnnounceCapabilities{Request: true, Caps: Caps{0x20021}}, noCaps, le{}.u32(1).u32(0x20021)},
		{"grab plain", &ClipboardGrab{Types: []ClipboardType{ClipboardUTF8Text}}, noCaps, le{}.u32(1)},
		{"grab selection", &ClipboardGrab{Selection: SelectionPrimary, Types: []ClipboardType{ClipboardUTF8Text, ClipboardImagePNG}},
			selCaps, le{}.u8(1, 0, 0, 0).u32(1).u32(2)},
		{"grab serial", &ClipboardGrab{Serial: 7, Types: []ClipboardType{ClipboardImagePNG}}, allCaps, le{}.u8(0, 0, 0, 0).u32(7).u32(2)},
		{"request", &ClipboardRequest{DataType: ClipboardUTF8Text}, selCaps, le{}.u8(0, 0, 0, 0).u32(1)},
		{"request plain", &ClipboardRequest{DataType: ClipboardImagePNG}, noCaps, le{}.u32(2)},
		{"clipboard", &Clipboard{DataType: ClipboardUTF8Text, Data: []byte("hi")}, allCaps, le{}.u8(0, 0, 0, 0).u32(1).s("hi")},
		{"clipboard plain", &Clipboard{DataType: ClipboardUTF8Text, Data: []byte("x")}, noCaps, le{}.u32(1).s("x")},
		{"release", &ClipboardRelease{Selection: SelectionClipboard}, selCaps, le{}.u8(0, 0, 0, 0)},
		{"release plain", &ClipboardRelease{}, noCaps, le{}},
		{"max clipboard", &MaxClipboard{Max: -1}, noCaps, le{}.u32(0xffffffff)},
		{"monitors", &MonitorsConfig{Flags: MonitorsFlagUsePos, Monitors: []MonConfig{{Height: 600, Width: 800, Depth: 32, X: 0, Y: -1}}},
			noCaps, le{}.u32(1).u32(1).u32(600).u32(800).u32(32).u32(0).u32(0xffffffff)},
		{"monitors mm", &MonitorsConfig{Monitors: []MonConfig{{Height: 2, Width: 1, Depth: 32}}, PhysicalSizes: []MonitorMM{{Height: 300, Width: 400}}, Flags: MonitorsFlagPhysicalSize},
			noCaps, le{}.u32(1).u32(2).u32(2).u32(1).u32(32).u32(0).u32(0).u16(300).u16(400)},
		{"reply", &Reply{Acked: MsgMonitorsConfig, Error: ReplySuccess}, noCaps, le{}.u32(2).u32(1)},
		{"xfer start", &FileXferStart{ID: 3, Name: "a b.txt", Size: 12}, noCaps,
			le{}.u32(3).s("[vdagent-file-xfer]\nname=a b.txt\nsize=12\n\x00")},
		{"xfer start escaped", &FileXferStart{ID: 1, Name: " x\\y\n", Size: 0}, noCaps,
			le{}.u32(1).s("[vdagent-file-xfer]\nname=\\sx\\\\y\\n\nsize=0\n\x00")},
		{"xfer status", &FileXferStatus{ID: 9, Result: XferNotEnoughSpace, Detail: le{}.u64(1 << 20)}, noCaps, le{}.u32(9).u32(4).u64(1 << 20)},
		{"xfer data", &FileXferData{ID: 2, Data: []byte("abc")}, noCaps, le{}.u32(2).u64(3).s("abc")},
		{"client disconnected", &ClientDisconnected{}, noCaps, le{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.m.Encode(nil, tc.peer)
			if !bytes.Equal(got, tc.wire) {
				t.Errorf("Encode:\n got %s\nwant %s", hex.EncodeToString(got), hex.EncodeToString(tc.wire))
			}
			back := New(tc.m.Type())
			if back == nil {
				t.Fatalf("New(%v) = nil", tc.m.Type())
			}
			if err := back.Decode(tc.wire, tc.peer); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(normalize(back), normalize(tc.m)) {
				t.Errorf("Decode = %+v, want %+v", back, tc.m)
			}
		})
	}
}

// normalize makes nil and empty slices compare equal.
func normalize(m Message) Message {
	switch v := m.(type) {
	case *AnnounceCapabilities:
		// Encode pads to the words a client sends; zero words say nothing.
		c := *v
		for len(c.Caps) > 0 && c.Caps[len(c.Caps)-1] == 0 {
			c.Caps = c.Caps[:len(c.Caps)-1]
		}
		if len(c.Caps) == 0 {
			c.Caps = nil
		}
		return &c
	case *ClipboardGrab:
		c := *v
		if len(c.Types) == 0 {
			c.Types = nil
		}
		return &c
	case *Clipboard:
		c := *v
		if len(c.Data) == 0 {
			c.Data = nil
		}
		return &c
	case *MonitorsConfig:
		c := *v
		if len(c.Monitors) == 0 {
			c.Monitors = nil
		}
		if len(c.PhysicalSizes) == 0 {
			c.PhysicalSizes = nil
		}
		return &c
	case *FileXferStatus:
		c := *v
		if len(c.Detail) == 0 {
			c.Detail = nil
		}
		return &c
	}
	return m
}

func TestAppendMessageHeader(t *testing.T) {
	b := AppendMessage([]byte{0xee}, &MaxClipboard{Max: 5}, nil)
	want := le{0xee}.u32(1).u32(14).u64(0).u32(4).u32(5)
	if !bytes.Equal(b, want) {
		t.Fatalf("got %x, want %x", b, want)
	}
	h, err := DecodeHeader(b[1:])
	if err != nil || h != (Header{Protocol: 1, Type: MsgMaxClipboard, Size: 4}) {
		t.Fatalf("DecodeHeader = %+v, %v", h, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
		peer Caps
		wire le
		want string
	}{
		{"caps short", &AnnounceCapabilities{}, nil, le{1, 0}, "too short"},
		{"grab short serial", &ClipboardGrab{}, allCaps, le{}.u8(0, 0, 0, 0).u16(1), "too short"},
		{"grab too many", &ClipboardGrab{}, nil, le(make([]byte, 4*65)), "65 types"},
		{"request short", &ClipboardRequest{}, selCaps, le{}.u8(0, 0, 0, 0), "too short"},
		{"monitors count", &MonitorsConfig{}, nil, le{}.u32(17).u32(0), "17 monitors"},
		{"monitors short", &MonitorsConfig{}, nil, le{}.u32(2).u32(0).u32(1), "too short"},
		{"monitors mm short", &MonitorsConfig{}, nil, le{}.u32(1).u32(2).u32(1).u32(1).u32(1).u32(0).u32(0), "too short"},
		{"xfer data size", &FileXferData{}, nil, le{}.u32(1).u64(10).s("abc"), "declares 10 bytes and carries 3"},
		{"xfer start no size", &FileXferStart{}, nil, le{}.u32(1).s("[vdagent-file-xfer]\nname=x\n"), "without name or size"},
		{"xfer start bad size", &FileXferStart{}, nil, le{}.u32(1).s("[vdagent-file-xfer]\nname=x\nsize=-1\n"), "bad size"},
		{"xfer start escape", &FileXferStart{}, nil, le{}.u32(1).s("[vdagent-file-xfer]\nname=x\\q\nsize=1\n"), "bad escape"},
		{"xfer start long name", &FileXferStart{}, nil, le{}.u32(1).s("[vdagent-file-xfer]\nname=" + strings.Repeat("n", 256) + "\nsize=1\n"), "name of 256 bytes"},
		{"status short", &FileXferStatus{}, nil, le{}.u32(1), "too short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.Decode(tc.wire, tc.peer)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode = %v, want an error containing %q", err, tc.want)
			}
			var fe FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a FormatError", err)
			}
		})
	}
}

func TestXferStartIgnoresOtherGroupsAndKeys(t *testing.T) {
	var m FileXferStart
	wire := le{}.u32(4).s("# c\n[other]\nname=no\n[vdagent-file-xfer]\r\nname = spaced.txt\r\nmtime=1\nsize=99\n\x00junk")
	if err := m.Decode(wire, nil); err != nil {
		t.Fatal(err)
	}
	if m != (FileXferStart{ID: 4, Name: "spaced.txt", Size: 99}) {
		t.Fatalf("got %+v", m)
	}
}

func TestXferStatusDetail(t *testing.T) {
	s := FileXferStatus{Result: XferNotEnoughSpace, Detail: le{}.u64(12345)}
	if n, ok := s.FreeSpace(); !ok || n != 12345 {
		t.Errorf("FreeSpace = %d, %v", n, ok)
	}
	s = FileXferStatus{Result: XferError, Detail: le{}.u8(0).u32(13)}
	if c, ok := s.IOError(); !ok || c != 13 {
		t.Errorf("IOError = %d, %v", c, ok)
	}
	s = FileXferStatus{Result: XferError, Detail: le{}.u8(0)}
	if _, ok := s.IOError(); ok {
		t.Error("IOError from a short detail")
	}
	if _, ok := (&FileXferStatus{Result: XferSuccess, Detail: le{}.u64(1)}).FreeSpace(); ok {
		t.Error("FreeSpace on a success")
	}
}

func TestCaps(t *testing.T) {
	c := Caps(nil).With(CapClipboardGrabSerial).With(CapMouseState).With(Cap(40))
	for _, tc := range []struct {
		cap  Cap
		want bool
	}{{CapMouseState, true}, {CapClipboardGrabSerial, true}, {40, true}, {CapReply, false}, {39, false}, {100, false}} {
		if c.Has(tc.cap) != tc.want {
			t.Errorf("Has(%d) = %v", tc.cap, !tc.want)
		}
	}
	base := Caps{1}
	if ext := base.With(CapReply); base[0] != 1 || !ext.Has(CapReply) {
		t.Error("With changed its receiver")
	}
	// A short announcement still encodes the words a client must send.
	b := (&AnnounceCapabilities{}).Encode(nil, nil)
	if len(b) != 4+4*capsWords {
		t.Errorf("empty caps encode to %d bytes", len(b))
	}
	var m AnnounceCapabilities
	if err := m.Decode(le{}.u32(0).u32(1).u8(0xff), nil); err != nil || len(m.Caps) != 1 || m.Caps[0] != 1 {
		t.Errorf("trailing partial word: %+v, %v", m, err)
	}
	big := le{}.u32(0)
	for range 100 {
		big = big.u32(0xffffffff)
	}
	if err := m.Decode(big, nil); err != nil || len(m.Caps) != maxCapsWords {
		t.Errorf("100 words kept as %d, %v", len(m.Caps), err)
	}
}

func TestMsgTypeString(t *testing.T) {
	if s := MsgClipboardGrab.String(); s != "clipboard-grab" {
		t.Error(s)
	}
	if s := MsgType(99).String(); s != "type-99" {
		t.Error(s)
	}
}
