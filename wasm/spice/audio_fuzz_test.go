package spice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// audioSeedDir holds playback message bodies captured from Xspice, named
// <channel>-<type>-<n>.bin like testdata/messages (see testdata/README).
const audioSeedDir = "testdata/audio"

func audioSeeds(tb testing.TB) []seed {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(audioSeedDir, "*.bin"))
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

// audioFuzzChannel maps the first input byte to a sound channel: even
// bytes (the record channel's 6 among them) to record, odd ones (5) to
// playback.
func audioFuzzChannel(b byte) ChannelType {
	if b%2 == 0 {
		return ChannelRecord
	}
	return ChannelPlayback
}

// FuzzAudio decodes playback and record messages, server and client side
// (input: channel byte, u16 LE type, body). Whatever the input: no panic,
// only typed errors, payloads within MaxAudioPayload, and what decodes
// encodes back to a prefix of the input (the layouts have no padding;
// bytes after the last field are ignored) that decodes to the same value.
func FuzzAudio(f *testing.F) {
	for _, tc := range audioCases() {
		f.Add(fuzzInput(tc.ch, tc.t, tc.body))
	}
	for _, s := range audioSeeds(f) {
		f.Add(fuzzInput(s.ch, s.t, s.body))
	}
	f.Add(fuzzInput(ChannelRecord, MsgcTypeRecordData+1000, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(fuzzInput(ChannelRecord, MsgcTypeRecordStartMark+1000, []byte{1, 2, 3, 4}))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return
		}
		ch := audioFuzzChannel(in[0])
		mt := MsgType(binary.LittleEndian.Uint16(in[1:]))
		body := in[3:]
		// Types above 1000 stand for the client's record messages.
		var m interface {
			Decode([]byte) error
			Encode([]byte) []byte
		}
		var fresh func() any
		switch {
		case ch == ChannelRecord && mt == MsgcTypeRecordData+1000:
			fresh = func() any { return new(MsgcRecordData) }
		case ch == ChannelRecord && mt == MsgcTypeRecordMode+1000:
			fresh = func() any { return new(MsgcRecordMode) }
		case ch == ChannelRecord && mt == MsgcTypeRecordStartMark+1000:
			fresh = func() any { return new(MsgcRecordStartMark) }
		default:
			if newServerMessage(ch, mt) == nil {
				return
			}
			fresh = func() any { return newServerMessage(ch, mt) }
		}
		m = fresh().(interface {
			Decode([]byte) error
			Encode([]byte) []byte
		})
		if err := m.Decode(body); err != nil {
			if !errors.As(err, new(FormatError)) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		switch m := m.(type) {
		case *MsgPlaybackData:
			if len(m.Data) > MaxAudioPayload {
				t.Fatalf("payload of %d bytes", len(m.Data))
			}
		case *MsgcRecordData:
			if len(m.Data) > MaxAudioPayload {
				t.Fatalf("payload of %d bytes", len(m.Data))
			}
		}
		enc := m.Encode(nil)
		if !bytes.HasPrefix(body, enc) {
			t.Fatalf("%T: encodes to % x, not a prefix of the input % x", m, enc, body)
		}
		back := fresh().(interface{ Decode([]byte) error })
		if err := back.Decode(enc); err != nil {
			t.Fatalf("%T: decoding its own encoding: %v", m, err)
		}
		emptyAudioToNil(m)
		emptyAudioToNil(back)
		if !reflect.DeepEqual(m, back) {
			t.Fatalf("round trip of %+v gives %+v", m, back)
		}
	})
}
