package lz4

import (
	"encoding/binary"

	"spiceweb/wasm/spice"
)

// encodeImage is a test-only SPICE LZ4 encoder. Like the server's
// lz4_encode it writes the two header bytes, then compresses rowsPerBlock
// rows at a time into big-endian-size-prefixed LZ4 blocks whose matches
// may reach back into earlier blocks (one stream, 64 KiB window), which is
// what LZ4_compress_fast_continue produces. raw is the rows in stream
// order, stride bytes each.
func encodeImage(topDown bool, f spice.BitmapFmt, raw []byte, stride, rowsPerBlock int) []byte {
	out := []byte{0, byte(f)}
	if topDown {
		out[0] = 1
	}
	table := map[uint32]int{}
	step := stride * rowsPerBlock
	for start := 0; start < len(raw); start += step {
		end := min(start+step, len(raw))
		block := encodeBlock(raw, start, end, table)
		out = binary.BigEndian.AppendUint32(out, uint32(len(block)))
		out = append(out, block...)
	}
	return out
}

// encodeBlock compresses hist[start:end], finding matches anywhere in the
// 64 KiB before each position (including earlier blocks) through table,
// a map from 4-byte sequences to their last position in hist. It obeys the
// block format's end rules: the last 5 bytes are literals and no match
// starts in the last 12.
func encodeBlock(hist []byte, start, end int, table map[uint32]int) []byte {
	const (
		minMatch    = 4
		lastLits    = 5
		mfLimit     = 12
		maxDistance = 65535
	)
	var out []byte
	lit := start
	i := start
	for i+mfLimit <= end {
		key := binary.LittleEndian.Uint32(hist[i:])
		cand, ok := table[key]
		table[key] = i
		if !ok || i-cand > maxDistance {
			i++
			continue
		}
		n := minMatch
		for i+n < end-lastLits && hist[cand+n] == hist[i+n] {
			n++
		}
		out = appendSequence(out, hist[lit:i], i-cand, n)
		for j := i + 1; j < i+n && j+minMatch <= end; j++ {
			table[binary.LittleEndian.Uint32(hist[j:])] = j
		}
		i += n
		lit = i
	}
	// Final sequence: literals only, no offset.
	return appendSequence(out, hist[lit:end], 0, 0)
}

func appendSequence(out, lits []byte, offset, matchLen int) []byte {
	tok := len(lits)
	if tok > 15 {
		tok = 15
	}
	ml := 0
	if matchLen > 0 {
		ml = min(matchLen-4, 15)
	}
	out = append(out, byte(tok<<4|ml))
	out = appendLength(out, len(lits), 15)
	out = append(out, lits...)
	if matchLen == 0 {
		return out
	}
	out = binary.LittleEndian.AppendUint16(out, uint16(offset))
	return appendLength(out, matchLen-4, 15)
}

// appendLength writes the 255-run continuation of a length whose token
// nibble saturated at 15.
func appendLength(out []byte, n, nibble int) []byte {
	if n < nibble {
		return out
	}
	n -= nibble
	for ; n >= 255; n -= 255 {
		out = append(out, 255)
	}
	return append(out, byte(n))
}
