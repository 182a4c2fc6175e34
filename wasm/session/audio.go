package session

import (
	"time"
)

// AudioDevice is the client's sound: the playback channel plays through it
// and the record channel captures from it. In the browser it is the page's
// audio graph (wasm/jsbridge/audio_js.go); natively, tests use fakes.
// Config.Audio nil turns sound off: the session then does not open the
// playback and record channels at all.
//
// Methods are called from channel goroutines and must not block, except
// CanDecodeOpus, which may wait briefly for the answer of a probe.
type AudioDevice interface {
	// CanDecodeOpus reports whether NewOpusDecoder works. The playback
	// channel announces Opus only then; otherwise the server sends RAW.
	CanDecodeOpus() bool
	// NewOpusDecoder returns a decoder for SPICE's Opus packets (one packet
	// per DATA message) at rate and channels. Decoded frames, interleaved
	// float32 in [-1, 1], go to out in packet order; a packet the decoder
	// rejects goes to fail. Both may be called from any goroutine, never
	// after Close returns.
	NewOpusDecoder(rate, channels int, out func(pcm []float32), fail func(error)) (AudioDecoder, error)
	// OpenPlayback prepares output for a stream of f.Rate and f.Channels.
	// report hears the output's progress (OutputReport), from any
	// goroutine, until Close.
	OpenPlayback(f AudioFormat, report func(OutputReport)) (AudioOutput, error)
	// Playback tells the user what the playback channel does.
	Playback(s PlaybackState)
	// OpenRecord asks for captured sound at f. The user decides whether a
	// microphone opens; while one does, its PCM (interleaved signed 16-bit
	// frames at f's rate and channels) goes to capture, from any
	// goroutine, until Close.
	OpenRecord(f AudioFormat, capture func(pcm []int16)) (AudioInput, error)
	// Record tells the user what the record channel does.
	Record(s RecordState)
}

// AudioFormat describes a sound stream.
type AudioFormat struct {
	Rate     int    // frames per second
	Channels int    // samples per frame, interleaved
	Codec    string // how the server codes it: "raw" or "opus"
}

// AudioDecoder decodes one stream's packets (AudioDevice.NewOpusDecoder).
type AudioDecoder interface {
	// Decode queues one packet; its frames come out later. The packet is
	// only valid during the call.
	Decode(packet []byte) error
	Close()
}

// AudioOutput plays one stream (AudioDevice.OpenPlayback).
type AudioOutput interface {
	// Write hands interleaved float32 frames to the output, which plays
	// them after those written before. pcm is only valid during the call.
	Write(pcm []float32)
	// Refill sets how much the output gathers before it plays, at the
	// start and whenever it has run dry: n frames.
	Refill(n int)
	// Discard drops the n oldest frames the output still holds (all of
	// them if it holds fewer), to catch up after a delay.
	Discard(n int)
	// Close ends the stream: what the output holds still plays.
	Close()
}

// AudioInput is one recording (AudioDevice.OpenRecord).
type AudioInput interface {
	Close()
}

// OutputReport is what an output says of its progress, in frames of its
// stream. The counters only grow; Queued is Received - Played - Dropped.
type OutputReport struct {
	Received  int64 // frames that reached the output
	Played    int64 // frames it has played
	Dropped   int64 // frames it discarded because its queue was full
	Queued    int   // frames waiting to be played
	Underruns int   // times it ran dry and played silence
	// Latency is the device's own delay after the output (the page's
	// AudioContext output latency): it counts in the playback delay.
	Latency time.Duration
}

// PlaybackState is the playback channel's state, for the user.
type PlaybackState struct {
	Linked bool        // the server has a playback channel and it is open
	Active bool        // a stream runs (between START and STOP)
	Format AudioFormat // the stream's, when Active
	// Volume is per channel, AudioVolumeFull for full scale; nil until
	// the server sends VOLUME. Mute is the server's.
	Volume []uint16
	Mute   bool
	// Latency is the playback delay the server asks for (LATENCY), 0 if
	// it has not.
	Latency time.Duration
}

// RecordState is the record channel's state, for the user.
type RecordState struct {
	Linked bool // the server has a record channel and it is open
	Active bool // the server wants sound (between START and STOP)
	Format AudioFormat
	Volume []uint16
	Mute   bool
}
