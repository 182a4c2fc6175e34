// Command wasmsize reports where the bytes of a Go WebAssembly binary go:
// the code of its functions summed per Go package (from the name
// section), largest first, and the sizes of its sections. Use it to weigh
// an import against the download size:
//
//	go run build.go -keep-raw && go run ./tools/wasmsize dist/app.wasm
//	go run ./tools/wasmsize -by func -top 40 dist/app.wasm
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"spiceweb/tools/wasmfile"
)

func main() {
	by := flag.String("by", "package", "group code by `package` or func")
	top := flag.Int("top", 30, "rows to print")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-by package|func] [-top N] app.wasm")
		os.Exit(2)
	}
	b, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	m, err := parse(b)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%s: %d bytes, %d gzipped\n\nsections:\n", flag.Arg(0), len(b), gzSize(b))
	for _, s := range m.sections {
		fmt.Printf("  %-10s %9d\n", s.name, s.size)
	}
	// Segment headers are part of the data section's size; Go's linker
	// writes tens of thousands (see tools/wasmfile).
	if segs, headers, err := wasmfile.DataSegments(b); err == nil && len(segs) > 0 {
		fmt.Printf("  (data: %d segments, %d bytes of segment headers)\n", len(segs), headers)
	}
	groups := map[string]int{}
	gzGroups := map[string]*bytes.Buffer{}
	for i, body := range m.bodies {
		name := m.names[uint32(m.imported+i)]
		key := name
		if *by == "package" {
			key = pkgOf(name)
		}
		groups[key] += len(body)
		if gzGroups[key] == nil {
			gzGroups[key] = &bytes.Buffer{}
		}
		gzGroups[key].Write(body)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return groups[keys[i]] > groups[keys[j]] })
	fmt.Printf("\ncode by %s (raw bytes, gzipped alone):\n", *by)
	for i, k := range keys {
		if i == *top {
			break
		}
		fmt.Printf("  %9d %8d  %s\n", groups[k], gzSize(gzGroups[k].Bytes()), k)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wasmsize:", err)
	os.Exit(1)
}

func gzSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

// pkgOf returns the package of a function name. The name section spells
// import paths with '_' for '/' ("spiceweb_wasm_codec_quic.(*Decoder).Decode",
// "github.com_pierrec_lz4_v4_internal_lz4block.decodeBlockGo"), so a
// leading domain's dot is skipped before looking for the package's end.
func pkgOf(sym string) string {
	skip := 0
	if m := domain.FindStringIndex(sym); m != nil {
		skip = m[1]
	}
	dot := strings.IndexByte(sym[skip:], '.')
	if dot < 0 {
		return sym
	}
	return strings.ReplaceAll(sym[:skip+dot], "_", "/")
}

var domain = regexp.MustCompile(`^[a-z0-9-]+\.[a-z]+_`)

type section struct {
	name string
	size int
}

type module struct {
	sections []section
	imported int               // imported functions come first in the index space
	bodies   [][]byte          // code section bodies, in order
	names    map[uint32]string // function index -> name
}

var sectionNames = []string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"}

func parse(b []byte) (*module, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, errors.New("not a WebAssembly module")
	}
	m := &module{names: map[uint32]string{}}
	r := bytes.NewReader(b[8:])
	for r.Len() > 0 {
		id, _ := r.ReadByte()
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return nil, errors.New("truncated section")
		}
		body := make([]byte, n)
		io.ReadFull(r, body)
		name := fmt.Sprint(id)
		if int(id) < len(sectionNames) {
			name = sectionNames[id]
		}
		switch id {
		case 0:
			sr := bytes.NewReader(body)
			l, _ := binary.ReadUvarint(sr)
			nm := make([]byte, l)
			io.ReadFull(sr, nm)
			name = "custom:" + string(nm)
			if string(nm) == "name" {
				m.readNames(sr)
			}
		case 2:
			m.imported = countFuncImports(body)
		case 10:
			m.readCode(body)
		}
		m.sections = append(m.sections, section{name, int(n)})
	}
	return m, nil
}

func readName(r *bytes.Reader) string {
	l, _ := binary.ReadUvarint(r)
	b := make([]byte, l)
	io.ReadFull(r, b)
	return string(b)
}

func countFuncImports(body []byte) int {
	r := bytes.NewReader(body)
	n, _ := binary.ReadUvarint(r)
	funcs := 0
	for range n {
		readName(r)
		readName(r)
		kind, _ := r.ReadByte()
		switch kind {
		case 0:
			binary.ReadUvarint(r)
			funcs++
		case 1:
			r.ReadByte()
			readLimits(r)
		case 2:
			readLimits(r)
		case 3:
			r.ReadByte()
			r.ReadByte()
		}
	}
	return funcs
}

func readLimits(r *bytes.Reader) {
	flags, _ := r.ReadByte()
	binary.ReadUvarint(r)
	if flags&1 != 0 {
		binary.ReadUvarint(r)
	}
}

func (m *module) readCode(body []byte) {
	r := bytes.NewReader(body)
	n, _ := binary.ReadUvarint(r)
	for range n {
		l, _ := binary.ReadUvarint(r)
		f := make([]byte, l)
		io.ReadFull(r, f)
		m.bodies = append(m.bodies, f)
	}
}

func (m *module) readNames(r *bytes.Reader) {
	for r.Len() > 0 {
		id, _ := r.ReadByte()
		l, _ := binary.ReadUvarint(r)
		sub := make([]byte, l)
		io.ReadFull(r, sub)
		if id != 1 {
			continue
		}
		sr := bytes.NewReader(sub)
		count, _ := binary.ReadUvarint(sr)
		for range count {
			idx, _ := binary.ReadUvarint(sr)
			m.names[uint32(idx)] = readName(sr)
		}
	}
}
