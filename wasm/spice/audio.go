package spice

import "strconv"

// Messages the playback and record channels share (spice.proto:
// AudioVolume, AudioMute), and the limits that bound sound messages.
//
// Sound messages are decoded and, unlike most server messages, encoded
// too: the session's tests and the scripted test server build them from
// these types. PCM and Opus payloads alias the message body.

// MaxAudioPayload bounds the sound data of one DATA message. spice-server
// sends 480 frames per message (1,920 bytes of stereo 16-bit PCM, or one
// Opus packet of at most 480 bytes); 64 KiB is 170 ms of 8-channel
// 48 kHz PCM, more than any server sends at once.
const MaxAudioPayload = 64 << 10

// MsgAudioVolume sets the volume of each channel, AudioVolumeFull being
// full scale (spice.proto: AudioVolume, sent as PlaybackChannel.volume and
// RecordChannel.volume).
type MsgAudioVolume struct {
	Volume []uint16
}

func (*MsgAudioVolume) server() {}

func (m *MsgAudioVolume) Decode(b []byte) error {
	r := newReader(b)
	n := r.count8(2)
	m.Volume = m.Volume[:0]
	for range n {
		m.Volume = append(m.Volume, r.u16())
	}
	return r.err
}

// Encode appends the message body; len(m.Volume) must fit in a byte.
func (m *MsgAudioVolume) Encode(dst []byte) []byte {
	dst = put8(dst, uint8(len(m.Volume)))
	for _, v := range m.Volume {
		dst = put16(dst, v)
	}
	return dst
}

// MsgAudioMute mutes (Mute != 0) or unmutes the stream (spice.proto:
// AudioMute, sent as PlaybackChannel.mute and RecordChannel.mute).
type MsgAudioMute struct {
	Mute uint8
}

func (*MsgAudioMute) server() {}

func (m *MsgAudioMute) Decode(b []byte) error {
	r := newReader(b)
	m.Mute = r.u8()
	return r.err
}

func (m *MsgAudioMute) Encode(dst []byte) []byte { return put8(dst, m.Mute) }

// decodePayload reads the trailing sound data of DATA and MODE messages,
// which takes the rest of the body (spice.proto: uint8 data[]
// @as_ptr(data_size) at the end of a message).
func decodePayload(r *reader) []byte {
	b := r.rest()
	if len(b) > MaxAudioPayload {
		r.fail(FormatError("sound data of " + strconv.Itoa(len(b)) + " bytes, more than the limit of " + strconv.Itoa(MaxAudioPayload)))
		return nil
	}
	return b
}
