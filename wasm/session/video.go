package session

import (
	"context"
	"errors"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// VideoDecoder decodes the video codecs Go does not (VP8, VP9, H.264,
// H.265) outside Go: in the browser, WebCodecs' VideoDecoder (jsbridge).
// Decoding is asynchronous: frames are handed over as they arrive and
// their pictures come back later, in the order handed over.
type VideoDecoder interface {
	// Name identifies the decoder in the log ("WebCodecs").
	Name() string
	// Codecs lists the codecs (spice.VideoCodec*) this decoder can decode
	// in this context, the cheapest to decode first. It is asked once per
	// display channel, before the channel's capabilities are sent.
	Codecs() []uint8
	// Open starts decoding one stream of codec, whose frames are at most
	// w x h. An error means the stream cannot be decoded here.
	Open(codec uint8, w, h int) (VideoStream, error)
}

// VideoStream is one stream's decoder. Decode is called from the display
// channel's goroutine, Next from another; Close from either, once.
type VideoStream interface {
	// Decode hands one compressed frame over, tagged with seq (which
	// grows from frame to frame); key says whether it is a key frame. It
	// copies data and returns without waiting for the picture. An error
	// means the decoder failed and the stream cannot go on.
	Decode(data []byte, key bool, seq int64) error
	// Next waits for the next picture, writes it into dst (resized to the
	// picture's size) as opaque RGBA rows, top row first, and returns the
	// seq of the frame it belongs to. A decoder may give no picture for a
	// frame (the seqs then skip it), never pictures out of order; when it
	// knows that the frames up to seq will give none (a picture dropped,
	// a frame that does not decode) and no later picture may say so, it
	// returns seq with ErrNoPicture, so that nobody waits for them. Any
	// other error means the decoder failed, or ctx ended, or the stream
	// closed.
	Next(ctx context.Context, dst *raster.Image) (seq int64, err error)
	// Close releases the decoder; a Next waiting returns an error.
	Close()
}

// ErrNoPicture is what VideoStream.Next returns, with a seq, for frames
// that give no picture; dst is untouched.
var ErrNoPicture = errors.New("no picture")

// videoCodecCaps maps SPICE video codecs to the display capability that
// advertises them.
var videoCodecCaps = map[uint8]int{
	spice.VideoCodecMJPEG: spice.DisplayCapCodecMJPEG,
	spice.VideoCodecVP8:   spice.DisplayCapCodecVP8,
	spice.VideoCodecH264:  spice.DisplayCapCodecH264,
	spice.VideoCodecVP9:   spice.DisplayCapCodecVP9,
	spice.VideoCodecH265:  spice.DisplayCapCodecH265,
}

// videoCodecs is the order of preference the session sends: the user's
// (cfg.VideoCodecs) where this client can decode them, then the rest of
// the decoder's codecs in its order (cheapest first), then MJPEG, which Go
// always decodes. Codecs are advertised exactly when they appear here.
func (c *Client) videoCodecs() []uint8 {
	can := map[uint8]bool{spice.VideoCodecMJPEG: true}
	var decoderOrder []uint8
	if c.cfg.VideoDecoder != nil {
		c.videoOnce.Do(func() { c.decoderCodecs = c.cfg.VideoDecoder.Codecs() })
		for _, k := range c.decoderCodecs {
			if _, known := videoCodecCaps[k]; known && k != spice.VideoCodecMJPEG {
				can[k] = true
				decoderOrder = append(decoderOrder, k)
			}
		}
	}
	var out []uint8
	seen := map[uint8]bool{}
	add := func(k uint8) {
		if can[k] && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, k := range c.cfg.VideoCodecs {
		add(k)
	}
	for _, k := range decoderOrder {
		add(k)
	}
	add(spice.VideoCodecMJPEG)
	return out
}

// VideoCodecNames are the names of SPICE's video codecs as settings spell
// them (spice-gtk's and the server's --video-codecs names).
var VideoCodecNames = map[string]uint8{
	"mjpeg": spice.VideoCodecMJPEG,
	"vp8":   spice.VideoCodecVP8,
	"h264":  spice.VideoCodecH264,
	"vp9":   spice.VideoCodecVP9,
	"h265":  spice.VideoCodecH265,
}
