package jpeg

import (
	"encoding/binary"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// Stream decodes the frames of one MJPEG video stream (SPICE stream codec
// MJPEG). The server's encoder writes its tables only when it must
// (mjpeg-encoder.c calls jpeg_start_compress with write_all_tables set for
// the first frame only), so a frame may lack its quantisation or Huffman
// tables and rely on those of earlier frames, which libjpeg in spice-gtk
// keeps in its decompressor. Stream keeps them too and puts them back into
// frames that lack them (see Complete).
type Stream struct {
	dqt, dht []byte // copies of the last tables seen
	buf      []byte // the last frame made standalone
}

// Complete returns frame as a standalone JPEG, with the tables of earlier
// frames put in where it lacks them, and remembers the tables it carries.
// The result is valid until the next call; it is frame itself when the
// frame needs nothing.
func (s *Stream) Complete(frame []byte) ([]byte, error) {
	jpg, next, err := Complete(s.buf[:0], frame, Tables{DQT: s.dqt, DHT: s.dht})
	if err != nil {
		return nil, err
	}
	if &jpg[0] != &frame[0] {
		s.buf = jpg // grown to fit: reused for the next frame
	}
	// next aliases frame (or s's own copies): keep copies, since the
	// caller reuses the frame's memory. Copying a slice onto itself is a
	// no-op, so the aliasing case needs no test.
	s.dqt = append(s.dqt[:0], next.DQT...)
	s.dht = append(s.dht[:0], next.DHT...)
	return jpg, nil
}

// Decode decodes one frame into dst (see Complete and Decode).
func (s *Stream) Decode(frame []byte, dst *raster.Image) error {
	src, err := s.Complete(frame)
	if err != nil {
		return err
	}
	return Decode(src, dst)
}

// Tables are the table segments an MJPEG stream carries from frame to
// frame: DQT and DHT marker segments, markers included, each kind
// concatenated. Nil means none seen.
type Tables struct {
	DQT, DHT []byte
}

// MaxTableBytes bounds each kind of table a frame may carry. A baseline
// JPEG needs at most 4 quantisation tables (under 600 bytes) and 8
// Huffman tables (under 2.2 KB); a larger set is hostile, and would be
// copied into every later frame.
const MaxTableBytes = 16 << 10

// Complete makes one MJPEG frame a standalone JPEG that any decoder (Go's,
// the browser's) accepts: where frame lacks quantisation or Huffman
// tables, those of prev are inserted after SOI; Huffman tables that no
// frame ever carried are the standard ones (ITU T.81 Annex K.3), which
// libjpeg assumes for MJPEG. It returns the JPEG and the tables for the
// next frame: frame's own where it has them, prev's otherwise.
//
// When frame has both kinds of tables, jpg is frame itself; otherwise the
// JPEG is appended to dst. next aliases frame or prev: copy it before
// frame's memory is reused. Complete reads only the segments before the
// scan (SOS); the scan itself is left to the decoder.
func Complete(dst, frame []byte, prev Tables) (jpg []byte, next Tables, err error) {
	if len(frame) < 4 || frame[0] != 0xff || frame[1] != 0xd8 {
		return nil, Tables{}, FormatError("stream frame does not start with SOI")
	}
	var dqt, dht segSpan
	for off := 2; ; {
		if off+4 > len(frame) || frame[off] != 0xff {
			return nil, Tables{}, FormatError("stream frame: bad marker before the scan")
		}
		marker := frame[off+1]
		if marker == 0xff { // fill byte
			off++
			continue
		}
		if marker == 0xda { // SOS: the tables must all come before it
			break
		}
		n := int(binary.BigEndian.Uint16(frame[off+2:]))
		if n < 2 || off+2+n > len(frame) {
			return nil, Tables{}, FormatError("stream frame: marker segment past the end")
		}
		switch marker {
		case 0xdb:
			dqt.add(frame, off, off+2+n)
		case 0xc4:
			dht.add(frame, off, off+2+n)
		}
		off += 2 + n
	}
	next = Tables{DQT: dqt.bytes(frame), DHT: dht.bytes(frame)}
	if len(next.DQT) > MaxTableBytes || len(next.DHT) > MaxTableBytes {
		return nil, Tables{}, FormatError("stream frame: " + errfmt.Int(len(next.DQT)) + " bytes of quantisation and " +
			errfmt.Int(len(next.DHT)) + " of Huffman tables, more than " + errfmt.Int(MaxTableBytes))
	}
	if next.DQT != nil && next.DHT != nil {
		return frame, next, nil
	}
	if next.DQT == nil {
		if len(prev.DQT) == 0 {
			return nil, Tables{}, FormatError("stream frame without quantisation tables, and none seen before")
		}
		next.DQT = prev.DQT
	}
	insDHT := next.DHT == nil
	if insDHT && len(prev.DHT) > 0 {
		next.DHT = prev.DHT
	}
	jpg = append(dst, frame[:2]...)
	if dqt.n == 0 {
		jpg = append(jpg, next.DQT...)
	}
	if insDHT {
		if len(next.DHT) > 0 {
			jpg = append(jpg, next.DHT...)
		} else {
			jpg = append(jpg, standardDHT...)
		}
	}
	return append(jpg, frame[2:]...), next, nil
}

// segSpan collects the segments of one kind of table. Encoders write them
// back to back (libjpeg one segment per table, Go one for all), so the
// span aliases the frame; segments apart are gathered into a new slice.
type segSpan struct {
	n          int // segments seen
	start, end int // the span of contiguous segments in the frame
	gathered   []byte
}

func (s *segSpan) add(frame []byte, start, end int) {
	switch {
	case s.n == 0:
		s.start, s.end = start, end
	case s.gathered == nil && start == s.end:
		s.end = end
	default:
		if s.gathered == nil {
			s.gathered = append([]byte(nil), frame[s.start:s.end]...)
		}
		s.gathered = append(s.gathered, frame[start:end]...)
	}
	s.n++
}

func (s *segSpan) bytes(frame []byte) []byte {
	switch {
	case s.n == 0:
		return nil
	case s.gathered != nil:
		return s.gathered
	}
	return frame[s.start:s.end:s.end]
}

// standardDHT is a DHT segment with the four Huffman tables of ITU T.81
// Annex K.3 (luminance and chrominance, DC and AC): the tables JPEG
// encoders use when they do not optimise, and libjpeg's defaults.
var standardDHT = func() []byte {
	tables := []struct {
		class  byte // Tc<<4 | Th
		counts [16]byte
		values []byte
	}{
		{0x00, [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{0x10, [16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d}, []byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa}},
		{0x01, [16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{0x11, [16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77}, []byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa}},
	}
	var body []byte
	for _, t := range tables {
		body = append(body, t.class)
		body = append(body, t.counts[:]...)
		body = append(body, t.values...)
	}
	seg := []byte{0xff, 0xc4, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}()
