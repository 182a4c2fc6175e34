package bench

import (
	"encoding/binary"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"spiceweb/wasm/codec/codectest"
	"spiceweb/wasm/spice"
)

// The codecs, by the name of their package under wasm/codec.
const (
	CodecQUIC   = "quic"
	CodecLZ     = "lz"
	CodecGLZ    = "glz"
	CodecLZ4    = "lz4"
	CodecBitmap = "bitmap"
	CodecJPEG   = "jpeg"
)

// Codecs lists every codec Load reads, in the order tables show them.
var Codecs = []string{CodecQUIC, CodecLZ, CodecGLZ, CodecLZ4, CodecBitmap, CodecJPEG}

// Fixture is one benchmark case: the payload(s) of one testdata fixture
// plus the image fields SPICE carries outside the payload (the descriptor's
// size for LZ4 and BITMAP, the BITMAP header, JPEG_ALPHA's jpeg_size).
// It travels to the browser as JSON; the bytes go separately, part by part
// (see Part.File).
type Fixture struct {
	Codec string `json:"codec"`
	Name  string `json:"name"`
	// Parts are the payloads decoded by one Case.Decode, in order: one,
	// except for GLZ, where they are a recorded sequence.
	Parts []Part `json:"parts"`
	// Palette is an LZ_PLT or BITMAP palette (0x00RRGGBB entries).
	Palette []uint32 `json:"palette,omitempty"`
	// Width and Height come from the image descriptor (LZ4, BITMAP);
	// other codecs read them from the stream.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// BITMAP header fields.
	Format  int  `json:"format,omitempty"`
	Stride  int  `json:"stride,omitempty"`
	TopDown bool `json:"topDown,omitempty"`
	// JPEG_ALPHA: the size of the JPEG before the LZ alpha plane; 0 for
	// plain JPEG.
	JPEGSize int `json:"jpegSize,omitempty"`
	// Recorded is true for payloads captured from a real server, false
	// for streams made with a reference encoder (testdata "ref-" and
	// "liblz4-" fixtures).
	Recorded bool `json:"recorded"`
}

// Part is one payload: File is its path under the codec's testdata
// directory, with slashes (also its URL below a fixtures root).
type Part struct {
	File string `json:"file"`
	// GLZSize is, for a ZLIB_GLZ_RGB payload, the size of the GLZ stream
	// it inflates to; 0 for everything else.
	GLZSize int `json:"glzSize,omitempty"`
	// Golden is the expected decode's PNG under testdata, if any.
	Golden string `json:"golden,omitempty"`
	Data   []byte `json:"-"`
}

// ID names the fixture in tables and filters: "codec/name".
func (f *Fixture) ID() string { return f.Codec + "/" + f.Name }

// Load reads every fixture under codecRoot (the repository's wasm/codec),
// in the order of Codecs, then by name. The layouts and metadata files are
// those each codec's testdata/README describes.
func Load(codecRoot string) ([]*Fixture, error) {
	var all []*Fixture
	for _, codec := range Codecs {
		dir := filepath.Join(codecRoot, codec, "testdata")
		var fs []*Fixture
		var err error
		switch codec {
		case CodecQUIC:
			fs, err = loadSingles(dir, codec, ".quic")
		case CodecLZ:
			fs, err = loadSingles(dir, codec, ".lz")
		case CodecGLZ:
			fs, err = loadGLZ(dir)
		default:
			fs, err = loadListed(dir, codec)
		}
		if err != nil {
			return nil, fmt.Errorf("bench: %s fixtures: %w", codec, err)
		}
		for _, f := range fs {
			for i := range f.Parts {
				p := &f.Parts[i]
				if p.Data, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.File))); err != nil {
					return nil, fmt.Errorf("bench: %s: %w", f.ID(), err)
				}
			}
		}
		all = append(all, fs...)
	}
	return all, nil
}

// isRecorded tells fixtures captured from servers from those made with a
// reference encoder, by the naming convention of the testdata READMEs.
func isRecorded(name string) bool {
	return !strings.HasPrefix(name, "ref-") && !strings.HasPrefix(name, "liblz4-")
}

// loadSingles reads QUIC and LZ fixtures: NAME.ext with NAME.png and, for
// LZ palette types, NAME.pal.
func loadSingles(dir, codec, ext string) ([]*Fixture, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no %s files in %s", ext, dir)
	}
	slices.Sort(paths)
	var out []*Fixture
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ext)
		f := &Fixture{Codec: codec, Name: name, Recorded: isRecorded(name),
			Parts: []Part{{File: name + ext, Golden: name + ".png"}}}
		pal, err := readPalette(filepath.Join(dir, name+".pal"))
		if err != nil {
			return nil, err
		}
		f.Palette = pal
		out = append(out, f)
	}
	return out, nil
}

// readPalette reads u32 LE entries; a missing file is no palette.
func readPalette(p string) ([]uint32, error) {
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not whole u32 entries", p, len(b))
	}
	pal := make([]uint32, len(b)/4)
	for i := range pal {
		pal[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return pal, nil
}

// loadGLZ reads each DIR/manifest: one line per payload, "NNNN.glz" or
// "NNNN.zlib SIZE", in the order the server sent them.
func loadGLZ(dir string) ([]*Fixture, error) {
	mans, err := filepath.Glob(filepath.Join(dir, "*", "manifest"))
	if err != nil {
		return nil, err
	}
	if len(mans) == 0 {
		return nil, fmt.Errorf("no */manifest in %s", dir)
	}
	slices.Sort(mans)
	var out []*Fixture
	for _, man := range mans {
		seq := filepath.Base(filepath.Dir(man))
		b, err := os.ReadFile(man)
		if err != nil {
			return nil, err
		}
		f := &Fixture{Codec: CodecGLZ, Name: seq, Recorded: isRecorded(seq)}
		for ln, line := range strings.Split(string(b), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			p := Part{File: path.Join(seq, fields[0]),
				Golden: path.Join(seq, strings.TrimSuffix(fields[0], path.Ext(fields[0]))+".png")}
			switch {
			case len(fields) == 1 && path.Ext(fields[0]) == ".glz":
			case len(fields) == 2 && path.Ext(fields[0]) == ".zlib":
				if p.GLZSize, err = strconv.Atoi(fields[1]); err != nil || p.GLZSize <= 0 {
					return nil, fmt.Errorf("%s:%d: bad size %q", man, ln+1, fields[1])
				}
			default:
				return nil, fmt.Errorf("%s:%d: want \"NNNN.glz\" or \"NNNN.zlib SIZE\", got %q", man, ln+1, line)
			}
			f.Parts = append(f.Parts, p)
		}
		if len(f.Parts) == 0 {
			return nil, fmt.Errorf("%s lists no images", man)
		}
		out = append(out, f)
	}
	return out, nil
}

// loadListed reads the codecs whose fixtures.txt gives the fields that
// travel outside the payload: "name key=value ...".
func loadListed(dir, codec string) ([]*Fixture, error) {
	list, err := codectest.ReadList(filepath.Join(dir, "fixtures.txt"),
		"kind", "orig", "w", "h", "fmt", "stride", "flags", "jpeg_size")
	if err != nil {
		return nil, err
	}
	var out []*Fixture
	for _, e := range list {
		f := &Fixture{Codec: codec, Name: e.Name, Recorded: isRecorded(e.Name)}
		ext := "." + codec
		for k, v := range e.Fields {
			if err := f.set(k, v, &ext); err != nil {
				return nil, fmt.Errorf("%s/fixtures.txt: %s: %s=%s: %w", dir, e.Name, k, v, err)
			}
		}
		f.Parts = []Part{{File: f.Name + ext, Golden: f.Name + ".png"}}
		if f.Palette, err = readPalette(filepath.Join(dir, f.Name+".pal")); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s/fixtures.txt lists no fixtures", dir)
	}
	return out, nil
}

// set applies one key=value of fixtures.txt (the keys of the lz4, bitmap
// and jpeg testdata READMEs).
func (f *Fixture) set(k, v string, ext *string) error {
	switch k {
	case "kind": // jpeg: jpeg or jpeg_alpha, also the file extension
		if v != "jpeg" && v != "jpeg_alpha" {
			return fmt.Errorf("unknown kind")
		}
		*ext = "." + v
		return nil
	case "orig": // jpeg: the server's source pixels, not needed here
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return err
	}
	switch k {
	case "w":
		f.Width = n
	case "h":
		f.Height = n
	case "fmt":
		f.Format = n
	case "stride":
		f.Stride = n
	case "flags":
		// BITMAP: SPICE_BITMAP_FLAGS_TOP_DOWN; JPEG_ALPHA:
		// SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN = 1 (spice.proto), which
		// wasm/spice does not name.
		if f.Codec == CodecBitmap {
			f.TopDown = n&spice.BitmapFlagTopDown != 0
		} else {
			f.TopDown = n&1 != 0
		}
	case "jpeg_size":
		f.JPEGSize = n
	default:
		return fmt.Errorf("unknown key")
	}
	return nil
}
