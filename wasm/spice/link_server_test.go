package spice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestLinkMessRoundTrip(t *testing.T) {
	for _, m := range []LinkMess{
		{ChannelType: ChannelMain, CommonCaps: Caps{0b1011}, ChannelCaps: Caps{0b110}},
		{ConnectionID: 0xdeadbeef, ChannelType: ChannelDisplay, ChannelID: 3, CommonCaps: Caps{1, 2}, ChannelCaps: Caps{}},
		{ConnectionID: 7, ChannelType: ChannelInputs, CommonCaps: Caps{}, ChannelCaps: Caps{}},
	} {
		b := m.AppendLink(nil)
		got, err := ReadLinkMess(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if !reflect.DeepEqual(*got, m) {
			t.Errorf("read %+v, wrote %+v", *got, m)
		}
	}
}

func TestReadLinkMessErrors(t *testing.T) {
	good := (&LinkMess{ChannelType: ChannelMain, CommonCaps: Caps{8}}).AppendLink(nil)
	with := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "EOF"},
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "bad magic"},
		{"major 1", with(4, 1), "major version 1"},
		{"size 0", with(12, 0), "bad size"},
		{"size huge", with(12, 1<<30), "bad size"},
		{"torn", good[:len(good)-1], "unexpected EOF"},
		{"caps outside", with(16+10, 1000), "capabilities outside"},
		{"caps offset past end", with(16+14, 1<<31), "capabilities outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLinkMess(bytes.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// FuzzParseLinkMess: no panic, and what parses writes back to bytes that
// parse to the same message.
func FuzzParseLinkMess(f *testing.F) {
	f.Add((&LinkMess{ChannelType: ChannelMain, CommonCaps: Caps{0b1011}, ChannelCaps: Caps{0b110}}).AppendLink(nil)[16:])
	f.Add((&LinkMess{ConnectionID: 9, ChannelType: ChannelCursor}).AppendLink(nil)[16:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseLinkMess(body)
		if err != nil {
			var fe FormatError
			if !errors.As(err, &fe) && !errors.Is(err, ErrShort) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if 4*(len(m.CommonCaps)+len(m.ChannelCaps)) > len(body) {
			t.Fatalf("%d capability words from %d bytes", len(m.CommonCaps)+len(m.ChannelCaps), len(body))
		}
		again, err := ReadLinkMess(bytes.NewReader(m.AppendLink(nil)))
		if err != nil {
			if len(body) > MaxLinkMessSize {
				return // parses as a body, too long for the header's bound
			}
			t.Fatalf("re-reading %+v: %v", m, err)
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip %+v became %+v", m, again)
		}
	})
}

func TestLinkReplyAppend(t *testing.T) {
	key := bytes.Repeat([]byte{0x30}, TicketPubkeySize)
	ok := LinkReply{PubKey: key, CommonCaps: Caps{0b1011}, ChannelCaps: Caps{4178, 1}}
	got, err := ReadLinkReply(bytes.NewReader(ok.AppendLink(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, ok) {
		t.Errorf("read %+v, wrote %+v", *got, ok)
	}
	refused := LinkReply{Error: LinkErrChannelNotAvailable, PubKey: key, CommonCaps: Caps{1}}
	b := refused.AppendLink(nil)
	if len(b) != linkHeaderSize+linkReplySize {
		t.Errorf("error reply is %d bytes, want the fixed %d", len(b), linkHeaderSize+linkReplySize)
	}
	got, err = ReadLinkReply(bytes.NewReader(b))
	if err != nil || got.Error != LinkErrChannelNotAvailable {
		t.Fatalf("error reply read as %+v, %v", got, err)
	}
	if r, err := ReadLinkResult(bytes.NewReader(AppendLinkResult(nil, LinkErrPermissionDenied))); err != nil || r != LinkErrPermissionDenied {
		t.Errorf("link result %v, %v", r, err)
	}
	if _, err := ReadLinkResult(bytes.NewReader(nil)); err != io.EOF {
		t.Errorf("empty link result: %v", err)
	}
}

// TestServerEncode: each server Encode is the inverse of Decode.
func TestServerEncode(t *testing.T) {
	type encoder interface {
		ServerMessage
		Encode([]byte) []byte
	}
	for _, tc := range []struct{ m, fresh encoder }{
		{&MsgMainName{Name: "a recorded desktop"}, &MsgMainName{}},
		{&MsgMainName{}, &MsgMainName{}},
		{&MsgNotify{TimeStamp: 1 << 40, Severity: NotifySeverityInfo, Visibility: NotifyVisibilityHigh, What: 3, Message: "hello"}, &MsgNotify{}},
		{&MsgDisplaySurfaceDestroy{SurfaceID: 12}, &MsgDisplaySurfaceDestroy{}},
		{&MsgDisplayInvalAllPixmaps{Waits: []WaitForChannel{{ChannelDisplay, 1, 99}}}, &MsgDisplayInvalAllPixmaps{}},
		{&MsgDisplayInvalAllPixmaps{}, &MsgDisplayInvalAllPixmaps{}},
	} {
		if err := tc.fresh.Decode(tc.m.Encode(nil)); err != nil {
			t.Fatalf("%T: %v", tc.m, err)
		}
		normalize(tc.fresh)
		normalize(tc.m)
		if !reflect.DeepEqual(tc.fresh, tc.m) {
			t.Errorf("decoded %+v, encoded %+v", tc.fresh, tc.m)
		}
	}
}
