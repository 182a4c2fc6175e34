package session

import (
	"encoding/binary"
	"math"
)

// PCM helpers of the playback path. Samples are float32 in [-1, 1],
// frames interleaved; n frames of c channels take n*c samples.

// pcmS16ToFloat appends the frames of 16-bit little-endian PCM to dst as
// float32. The conversion (x / 32768) is exact, so the page plays the
// server's samples unchanged.
func pcmS16ToFloat(dst []float32, src []byte) []float32 {
	for i := 0; i+1 < len(src); i += 2 {
		dst = append(dst, float32(int16(binary.LittleEndian.Uint16(src[i:])))/32768)
	}
	return dst
}

// quietest returns the frame index in [from, to) where the next win
// frames are quietest, and their mean absolute sample value: the place
// where cutting or repeating a few frames is least audible.
func quietest(pcm []float32, channels, from, to, win int) (at int, level float32) {
	n := len(pcm) / channels
	to = min(to, n-win)
	if from >= to || win <= 0 {
		return from, float32(math.Inf(1))
	}
	frameAbs := func(i int) float32 {
		var s float32
		for _, v := range pcm[i*channels : (i+1)*channels] {
			s += float32(math.Abs(float64(v)))
		}
		return s
	}
	var sum float32
	for i := from; i < from+win; i++ {
		sum += frameAbs(i)
	}
	best, bestSum := from, sum
	for i := from + 1; i < to; i++ {
		sum += frameAbs(i+win-1) - frameAbs(i-1)
		if sum < bestSum {
			best, bestSum = i, sum
		}
	}
	return best, max(bestSum, 0) / float32(win*channels)
}

// cutFrames removes k frames at frame at, blending the fade frames
// before the cut into those after it so that the splice does not click.
// It needs at+k+fade <= frames and works in place.
func cutFrames(pcm []float32, channels, at, k, fade int) []float32 {
	n := len(pcm) / channels
	if k <= 0 || at < 0 || at+k+fade > n {
		return pcm
	}
	for i := range fade {
		w := float32(i+1) / float32(fade+1)
		for c := range channels {
			a, b := pcm[(at+i)*channels+c], pcm[(at+k+i)*channels+c]
			pcm[(at+i)*channels+c] = a*(1-w) + b*w
		}
	}
	copy(pcm[(at+fade)*channels:], pcm[(at+k+fade)*channels:])
	return pcm[:(n-k)*channels]
}

// repeatFrames plays k frames at frame at twice: the stream continues
// from at+k, then goes back to at, blending over fade frames at the
// jump. It needs at+k+fade <= frames; the result may reallocate.
func repeatFrames(pcm []float32, channels, at, k, fade int) []float32 {
	n := len(pcm) / channels
	if k <= 0 || at < 0 || at+k+fade > n {
		return pcm
	}
	out := make([]float32, 0, (n+k)*channels)
	out = append(out, pcm[:(at+k)*channels]...)
	for i := range fade {
		w := float32(i+1) / float32(fade+1)
		for c := range channels {
			a, b := pcm[(at+k+i)*channels+c], pcm[(at+i)*channels+c]
			out = append(out, a*(1-w)+b*w)
		}
	}
	out = append(out, pcm[(at+fade)*channels:]...)
	return out
}
