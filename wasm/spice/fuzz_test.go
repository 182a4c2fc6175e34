package spice

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Fuzz input for FuzzParse: one channel byte, a little-endian u16 message
// type, then the body (spice-common's helper-fuzzer-demarshallers.c). The
// channel byte selects inputs, cursor or display by its value modulo 3,
// which maps the real channel numbers 3, 4 and 2 to themselves.
func fuzzChannel(b byte) ChannelType {
	return [...]ChannelType{ChannelInputs, ChannelCursor, ChannelDisplay}[b%3]
}

func fuzzInput(ch ChannelType, t MsgType, body []byte) []byte {
	return append([]byte{byte(ch), byte(t), byte(t >> 8)}, body...)
}

func allServerCases() []serverCase {
	return append(append(displayCases(), cursorCases()...), inputsCases()...)
}

// seedDir holds message bodies captured from a real server, named
// <channel>-<type>-<n>.bin (see testdata/README).
const seedDir = "testdata/messages"

type seed struct {
	ch   ChannelType
	t    MsgType
	body []byte
}

func capturedSeeds(tb testing.TB) []seed {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(seedDir, "*.bin"))
	if err != nil {
		tb.Fatal(err)
	}
	var seeds []seed
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		var ch, t, n int
		if _, err := fmt.Sscanf(filepath.Base(name), "%d-%d-%d.bin", &ch, &t, &n); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		seeds = append(seeds, seed{ChannelType(ch), MsgType(t), b})
	}
	return seeds
}

func FuzzParse(f *testing.F) {
	previous := map[[2]int][]byte{} // a valid body per channel and type, decoded before the input
	for _, tc := range allServerCases() {
		f.Add(fuzzInput(tc.ch, tc.t, tc.body))
		previous[[2]int{int(tc.ch), int(tc.t)}] = tc.body
	}
	for _, s := range capturedSeeds(f) {
		f.Add(fuzzInput(s.ch, s.t, s.body))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return
		}
		ch := fuzzChannel(in[0])
		mt := MsgType(binary.LittleEndian.Uint16(in[1:]))
		body := in[3:]
		m := newServerMessage(ch, mt)
		if m == nil {
			return
		}
		err := m.Decode(body)
		if err != nil {
			var fe FormatError
			var ue UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		// Decoding into a value that held another message must give the
		// same result as decoding into a fresh one.
		if prev, ok := previous[[2]int{int(ch), int(mt)}]; ok {
			reused := newServerMessage(ch, mt)
			if reused.Decode(prev) == nil {
				if err := reused.Decode(body); err != nil {
					t.Fatalf("second decode failed: %v", err)
				}
				normalize(m)
				normalize(reused)
				if !reflect.DeepEqual(m, reused) {
					t.Fatalf("decode into a used value differs:\n%+v\n%+v", reused, m)
				}
			}
		}
		for _, p := range ImagePointers(m) {
			if p != 0 {
				ParseImage(body, p) // must not panic; errors are fine
			}
		}
		var c *Cursor
		switch m := m.(type) {
		case *MsgCursorInit:
			c = &m.Cursor
		case *MsgCursorSet:
			c = &m.Cursor
		}
		if c != nil && c.HasShape() {
			rgba, err := c.RGBA()
			if err == nil && len(rgba) != int(c.Header.Width)*int(c.Header.Height)*4 {
				t.Fatalf("RGBA gave %d bytes for %dx%d", len(rgba), c.Header.Width, c.Header.Height)
			}
		}
	})
}

// FuzzClientRoundTrip checks that what the client encodes is what a
// server decoding spice.proto's layout reads back.
func FuzzClientRoundTrip(f *testing.F) {
	f.Add(uint8(0), uint32(0x1de0), int32(-1), uint16(7), []byte{1, 2})
	f.Add(uint8(9), uint32(1<<31), int32(1<<30), uint16(0xffff), []byte(nil))
	f.Fuzz(func(t *testing.T, which uint8, u uint32, i int32, s uint16, data []byte) {
		msgs := []struct {
			ch ChannelType
			m  ClientMessage
		}{
			{ChannelDisplay, &MsgcDisplayInit{uint8(u), int64(i) << 8, uint8(s), i}},
			{ChannelDisplay, &MsgcDisplayPreferredCompression{ImageCompression(u)}},
			{ChannelDisplay, &MsgcDisplayStreamReport{u, u + 1, u + 2, u + 3, u + 4, u + 5, i, u ^ 0xffffffff}},
			{ChannelDisplay, &MsgcDisplayPreferredVideoCodecType{data[:min(len(data), 255)]}},
			{ChannelInputs, &MsgcInputsKeyDown{u}},
			{ChannelInputs, &MsgcInputsKeyUp{u}},
			{ChannelInputs, &MsgcInputsKeyModifiers{s}},
			{ChannelInputs, &MsgcInputsKeyScancode{data}},
			{ChannelInputs, &MsgcInputsMouseMotion{i, -i, s}},
			{ChannelInputs, &MsgcInputsMousePosition{u, u >> 3, s, uint8(i)}},
			{ChannelInputs, &MsgcInputsMousePress{uint8(u), s}},
			{ChannelInputs, &MsgcInputsMouseRelease{uint8(s), s}},
		}
		tc := msgs[int(which)%len(msgs)]
		got := decodeClient(t, tc.ch, tc.m.Type(), tc.m.Encode(nil))
		emptyToNil(got)
		emptyToNil(tc.m)
		if !reflect.DeepEqual(got, tc.m) {
			t.Fatalf("round trip of %#v gave %#v", tc.m, got)
		}
	})
}

// emptyToNil makes empty payloads nil so that DeepEqual ignores how a
// zero-length slice was produced.
func emptyToNil(m ClientMessage) {
	switch m := m.(type) {
	case *MsgcInputsKeyScancode:
		if len(m.Data) == 0 {
			m.Data = nil
		}
	case *MsgcDisplayPreferredVideoCodecType:
		if len(m.Codecs) == 0 {
			m.Codecs = nil
		}
	}
}

// TestCapturedMessages decodes every message captured from a real server,
// resolves the images draws point at, and converts the cursor shapes.
func TestCapturedMessages(t *testing.T) {
	seeds := capturedSeeds(t)
	if len(seeds) == 0 {
		t.Fatal("no captured messages in " + seedDir)
	}
	for _, s := range seeds {
		m := newServerMessage(s.ch, s.t)
		if m == nil {
			t.Errorf("%v message %d: no decoder", s.ch, s.t)
			continue
		}
		if err := m.Decode(s.body); err != nil {
			t.Errorf("%v message %d: %v", s.ch, s.t, err)
			continue
		}
		for _, p := range ImagePointers(m) {
			if p == 0 {
				continue
			}
			if _, err := ParseImage(s.body, p); err != nil {
				t.Errorf("%v message %d: image at %d: %v", s.ch, s.t, p, err)
			}
		}
		if c, ok := m.(*MsgCursorSet); ok && c.Cursor.HasShape() {
			if _, err := c.Cursor.RGBA(); err != nil {
				t.Errorf("cursor: %v", err)
			}
		}
	}
}
