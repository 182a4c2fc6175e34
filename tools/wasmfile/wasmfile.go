// Package wasmfile packs the data section of a WebAssembly module as Go's
// linker writes it, for a smaller download.
//
// Go's wasm linker leaves out every run of 8 or more zero bytes from the
// initial memory image and starts a new data segment after it, which
// saves raw bytes (each segment costs about 8 bytes of header) but not
// compressed ones: the client's image becomes some 45,000 segments of a
// median 2 bytes, separated mostly by 18-byte gaps of padding, and the
// 360 KB of segment headers compress far worse than the zeros they
// replace. PackData fills the short gaps back in. The memory the module
// starts with is the same byte for byte, since a gap is memory no segment
// writes and memory starts zeroed.
package wasmfile

import (
	"errors"
	"slices"
	"strconv"
)

// Segment is an active data segment: Data is copied to linear memory at
// Offset when the module is instantiated.
type Segment struct {
	Offset uint32
	Data   []byte
}

const (
	sectionData      = 11
	sectionDataCount = 12
)

// FormatError reports a module this package cannot read.
type FormatError string

func (e FormatError) Error() string { return "wasmfile: " + string(e) }

var errTruncated = FormatError("truncated module")

// section is one section of a module: its id and the bytes of its body.
type section struct {
	id   byte
	body []byte
}

func readSections(b []byte) ([]section, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" || string(b[4:8]) != "\x01\x00\x00\x00" {
		return nil, FormatError("not a version 1 WebAssembly module")
	}
	var secs []section
	for p := 8; p < len(b); {
		id := b[p]
		n, q, err := uleb(b, p+1)
		if err != nil {
			return nil, err
		}
		if n > uint64(len(b)-q) {
			return nil, errTruncated
		}
		secs = append(secs, section{id, b[q : q+int(n)]})
		p = q + int(n)
	}
	return secs, nil
}

// DataSegments returns the data segments of module b in file order, and
// the number of header bytes they take in the data section. Only active
// segments for memory 0 with an i32.const offset, all Go's linker
// writes, are supported.
func DataSegments(b []byte) (segs []Segment, headerBytes int, err error) {
	secs, err := readSections(b)
	if err != nil {
		return nil, 0, err
	}
	for _, s := range secs {
		if s.id == sectionData {
			segs, err = parseData(s.body)
			if err != nil {
				return nil, 0, err
			}
			payload := 0
			for _, sg := range segs {
				payload += len(sg.Data)
			}
			return segs, len(s.body) - payload, nil
		}
	}
	return nil, 0, nil
}

func parseData(body []byte) ([]Segment, error) {
	count, p, err := uleb(body, 0)
	if err != nil {
		return nil, err
	}
	// Each segment takes at least 5 bytes, which bounds the allocation.
	if count > uint64(len(body)/5) {
		return nil, FormatError("data section claims " + strconv.FormatUint(count, 10) + " segments")
	}
	segs := make([]Segment, 0, count)
	for range count {
		kind, q, err := uleb(body, p)
		if err != nil {
			return nil, err
		}
		if kind != 0 {
			return nil, FormatError("data segment of kind " + strconv.FormatUint(kind, 10) + " (only active segments of memory 0 are supported)")
		}
		if q >= len(body) || body[q] != 0x41 { // i32.const
			return nil, FormatError("data segment offset is not an i32.const")
		}
		off, q, err := sleb32(body, q+1)
		if err != nil {
			return nil, err
		}
		if q >= len(body) || body[q] != 0x0b { // end
			return nil, FormatError("data segment offset expression is not a single i32.const")
		}
		n, q, err := uleb(body, q+1)
		if err != nil {
			return nil, err
		}
		if n > uint64(len(body)-q) {
			return nil, errTruncated
		}
		// The i32.const is the address's 32 bits, read as unsigned.
		addr := uint32(off)
		if uint64(addr)+n > 1<<32 {
			return nil, FormatError("data segment past the 32-bit address space")
		}
		segs = append(segs, Segment{Offset: addr, Data: body[q : q+int(n)]})
		p = q + int(n)
	}
	if p != len(body) {
		return nil, FormatError("bytes after the last data segment")
	}
	return segs, nil
}

// PackData returns module b with its data segments in address order and
// each pair closer than maxGap bytes merged into one, the gap filled with
// zeros. Every other section is kept byte for byte (a data count section
// gets the new count). Overlapping segments are an error: their order
// would matter, and Go's linker never writes them.
func PackData(b []byte, maxGap int) ([]byte, error) {
	secs, err := readSections(b)
	if err != nil {
		return nil, err
	}
	di := slices.IndexFunc(secs, func(s section) bool { return s.id == sectionData })
	if di < 0 {
		return slices.Clone(b), nil
	}
	segs, err := parseData(secs[di].body)
	if err != nil {
		return nil, err
	}
	segs = slices.Clone(segs)
	slices.SortStableFunc(segs, func(a, b Segment) int {
		switch {
		case a.Offset < b.Offset:
			return -1
		case a.Offset > b.Offset:
			return 1
		}
		return 0
	})
	var merged []Segment
	for _, s := range segs {
		if k := len(merged); k > 0 {
			last := &merged[k-1]
			end := uint64(last.Offset) + uint64(len(last.Data))
			if uint64(s.Offset) < end {
				return nil, FormatError("overlapping data segments at " + strconv.FormatUint(uint64(s.Offset), 10))
			}
			if gap := uint64(s.Offset) - end; gap < uint64(max(maxGap, 0)) {
				// last.Data is this function's own copy: growing it
				// in place keeps the merging linear.
				last.Data = append(last.Data, make([]byte, gap)...)
				last.Data = append(last.Data, s.Data...)
				continue
			}
		}
		merged = append(merged, Segment{s.Offset, slices.Clone(s.Data)})
	}
	body := appendUleb(nil, uint64(len(merged)))
	for _, s := range merged {
		body = append(body, 0, 0x41)
		body = appendSleb32(body, int32(s.Offset))
		body = append(body, 0x0b)
		body = appendUleb(body, uint64(len(s.Data)))
		body = append(body, s.Data...)
	}
	out := append([]byte(nil), b[:8]...)
	for i, s := range secs {
		switch {
		case i == di:
			s.body = body
		case s.id == sectionDataCount:
			s.body = appendUleb(nil, uint64(len(merged)))
		}
		out = append(out, s.id)
		out = appendUleb(out, uint64(len(s.body)))
		out = append(out, s.body...)
	}
	return out, nil
}

// Image returns the initial memory the segments describe, from the
// lowest address any of them writes (base) to the end of the highest,
// later segments over earlier ones as instantiation applies them. An
// image longer than limit bytes is an error.
func Image(segs []Segment, limit int) (base uint32, mem []byte, err error) {
	if len(segs) == 0 {
		return 0, nil, nil
	}
	lo, hi := uint64(segs[0].Offset), uint64(0)
	for _, s := range segs {
		lo = min(lo, uint64(s.Offset))
		hi = max(hi, uint64(s.Offset)+uint64(len(s.Data)))
	}
	if hi-lo > uint64(limit) {
		return 0, nil, FormatError("data segments span " + strconv.FormatUint(hi-lo, 10) + " bytes, beyond the limit")
	}
	mem = make([]byte, hi-lo)
	for _, s := range segs {
		copy(mem[uint64(s.Offset)-lo:], s.Data)
	}
	return uint32(lo), mem, nil
}

func uleb(b []byte, p int) (uint64, int, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		if p >= len(b) {
			return 0, 0, errTruncated
		}
		c := b[p]
		p++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, p, nil
		}
	}
	return 0, 0, errors.New("wasmfile: LEB128 number too long")
}

// sleb32 reads a signed LEB128 number of at most 5 bytes, as an i32.
func sleb32(b []byte, p int) (int32, int, error) {
	var v int64
	for shift := 0; shift < 35; shift += 7 {
		if p >= len(b) {
			return 0, 0, errTruncated
		}
		c := b[p]
		p++
		v |= int64(c&0x7f) << shift
		if c < 0x80 {
			if c&0x40 != 0 {
				v -= 1 << (shift + 7) // sign-extend
			}
			return int32(v), p, nil
		}
	}
	return 0, 0, FormatError("i32.const too long")
}

func appendUleb(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendSleb32(b []byte, v int32) []byte {
	x := int64(v)
	for {
		c := byte(x & 0x7f)
		x >>= 7
		if (x == 0 && c&0x40 == 0) || (x == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
