package spice

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// audioEncoder is a server message this package also encodes (sound
// messages, which scripted test servers build from types).
type audioEncoder interface {
	ServerMessage
	Encode(dst []byte) []byte
}

// audioCases are playback and record messages with their bodies written
// byte by byte from spice.proto, not by Encode.
func audioCases() []serverCase {
	pcm := []byte{0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0xfe, 0xff} // 1, 32767, -32768, -2
	cases := []serverCase{
		{name: "playback data", ch: ChannelPlayback, t: MsgTypePlaybackData,
			body: append([]byte{0x10, 0x27, 0, 0}, pcm...), want: &MsgPlaybackData{Time: 10000, Data: pcm}, open: true},
		{name: "playback data, empty", ch: ChannelPlayback, t: MsgTypePlaybackData,
			body: []byte{1, 0, 0, 0x80}, want: &MsgPlaybackData{Time: 0x80000001}, open: true},
		{name: "playback mode", ch: ChannelPlayback, t: MsgTypePlaybackMode,
			body: []byte{0xe8, 3, 0, 0, 3, 0}, want: &MsgPlaybackMode{Time: 1000, Mode: AudioDataModeOpus}, open: true},
		{name: "playback start", ch: ChannelPlayback, t: MsgTypePlaybackStart,
			body: []byte{2, 0, 0, 0, 1, 0, 0x80, 0xbb, 0, 0, 0x39, 0x30, 0, 0},
			want: &MsgPlaybackStart{Channels: 2, Format: AudioFmtS16, Frequency: 48000, Time: 12345}},
		{name: "playback stop", ch: ChannelPlayback, t: MsgTypePlaybackStop, want: &MsgPlaybackStop{}},
		{name: "playback volume", ch: ChannelPlayback, t: MsgTypePlaybackVolume,
			body: []byte{2, 0xff, 0xff, 0x00, 0x80}, want: &MsgAudioVolume{Volume: []uint16{0xffff, 0x8000}}},
		{name: "playback volume, no channels", ch: ChannelPlayback, t: MsgTypePlaybackVolume,
			body: []byte{0}, want: &MsgAudioVolume{}},
		{name: "playback mute", ch: ChannelPlayback, t: MsgTypePlaybackMute, body: []byte{1}, want: &MsgAudioMute{Mute: 1}},
		{name: "playback latency", ch: ChannelPlayback, t: MsgTypePlaybackLatency,
			body: []byte{200, 0, 0, 0}, want: &MsgPlaybackLatency{LatencyMS: 200}},
		{name: "record start", ch: ChannelRecord, t: MsgTypeRecordStart,
			body: []byte{1, 0, 0, 0, 1, 0, 0x44, 0xac, 0, 0},
			want: &MsgRecordStart{Channels: 1, Format: AudioFmtS16, Frequency: 44100}},
		{name: "record stop", ch: ChannelRecord, t: MsgTypeRecordStop, want: &MsgRecordStop{}},
		{name: "record volume", ch: ChannelRecord, t: MsgTypeRecordVolume,
			body: []byte{1, 0x34, 0x12}, want: &MsgAudioVolume{Volume: []uint16{0x1234}}},
		{name: "record mute", ch: ChannelRecord, t: MsgTypeRecordMute, body: []byte{0}, want: &MsgAudioMute{}},
	}
	return cases
}

func TestAudioMessages(t *testing.T) {
	cases := audioCases()
	checkServerCases(t, cases)
	// Encode gives back the bytes spice.proto lays out.
	for _, tc := range cases {
		got := tc.want.(audioEncoder).Encode([]byte{0xaa})
		if got[0] != 0xaa || !bytes.Equal(got[1:], tc.body) {
			t.Errorf("%s: Encode gives aa % x, want aa % x", tc.name, got[1:], tc.body)
		}
	}
	for _, mt := range []MsgType{0, MsgTypePing, 100, 108, 200} {
		if m := NewPlaybackMessage(mt); m != nil {
			t.Errorf("playback type %d: %T, want nil", mt, m)
		}
	}
	for _, mt := range []MsgType{0, MsgTypePing, 100, 105, 200} {
		if m := NewRecordMessage(mt); m != nil {
			t.Errorf("record type %d: %T, want nil", mt, m)
		}
	}
}

func TestAudioPayloadLimit(t *testing.T) {
	big := make([]byte, 4+MaxAudioPayload+1)
	for _, m := range []interface{ Decode([]byte) error }{
		new(MsgPlaybackData), new(MsgcRecordData),
	} {
		if err := m.Decode(big); !errors.As(err, new(FormatError)) {
			t.Errorf("%T of %d bytes: error %v, want a FormatError", m, len(big), err)
		}
		if err := m.Decode(big[:4+MaxAudioPayload]); err != nil {
			t.Errorf("%T at the limit: %v", m, err)
		}
	}
	mode := make([]byte, 6+MaxAudioPayload+1)
	if err := new(MsgPlaybackMode).Decode(mode); !errors.As(err, new(FormatError)) {
		t.Errorf("mode with %d bytes of data: %v, want a FormatError", len(mode)-6, err)
	}
}

func TestRecordClientMessages(t *testing.T) {
	tests := []struct {
		m    ClientMessage
		t    MsgType
		want []byte
	}{
		{&MsgcRecordData{Time: 0x01020304, Data: []byte{5, 6, 7, 8}}, MsgcTypeRecordData, []byte{4, 3, 2, 1, 5, 6, 7, 8}},
		{&MsgcRecordMode{Time: 7, Mode: AudioDataModeRaw}, MsgcTypeRecordMode, []byte{7, 0, 0, 0, 1, 0}},
		{&MsgcRecordStartMark{Time: 0xffffffff}, MsgcTypeRecordStartMark, []byte{0xff, 0xff, 0xff, 0xff}},
	}
	for _, tc := range tests {
		if tc.m.Type() != tc.t {
			t.Errorf("%T: type %d, want %d", tc.m, tc.m.Type(), tc.t)
		}
		got := tc.m.Encode([]byte{0xaa})
		if got[0] != 0xaa || !bytes.Equal(got[1:], tc.want) {
			t.Errorf("%T: encoded % x, want aa % x", tc.m, got, tc.want)
		}
		back := reflect.New(reflect.TypeOf(tc.m).Elem()).Interface().(interface{ Decode([]byte) error })
		if err := back.Decode(got[1:]); err != nil {
			t.Errorf("%T: decoding what was encoded: %v", tc.m, err)
		}
		emptyAudioToNil(back)
		if !reflect.DeepEqual(back, tc.m) {
			t.Errorf("%T: round trip gives %+v", tc.m, back)
		}
	}
}

// emptyAudioToNil makes empty payloads nil, so that DeepEqual ignores how
// a zero-length slice was produced.
func emptyAudioToNil(m any) {
	switch m := m.(type) {
	case *MsgPlaybackData:
		if len(m.Data) == 0 {
			m.Data = nil
		}
	case *MsgPlaybackMode:
		if len(m.Data) == 0 {
			m.Data = nil
		}
	case *MsgAudioVolume:
		if len(m.Volume) == 0 {
			m.Volume = nil
		}
	case *MsgcRecordData:
		if len(m.Data) == 0 {
			m.Data = nil
		}
	case *MsgcRecordMode:
		if len(m.Data) == 0 {
			m.Data = nil
		}
	}
}

func TestAudioDataModeString(t *testing.T) {
	for m, want := range map[AudioDataMode]string{AudioDataModeRaw: "raw", AudioDataModeOpus: "opus",
		AudioDataModeCELT051: "celt", 0: "audio mode 0", 9: "audio mode 9"} {
		if got := m.String(); got != want {
			t.Errorf("%d: %q, want %q", uint16(m), got, want)
		}
	}
}
