// Command spicerec connects to a SPICE server over TCP as a display-only
// client and writes every image payload and every video stream frame the
// server sends, raw, with an index describing each. Codec fixtures under
// wasm/codec/*/testdata are recorded with it.
//
//	go run ./tools/spicerec -addr 127.0.0.1:5900 -out /tmp/rec -for 5s [-compression glz]
//
// It is a development tool: it links main and display channels only,
// answers pings and acks, announces a GLZ window like the real client, and
// draws nothing.
package main

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/ticket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5900", "SPICE server address")
	password := flag.String("password", "", "SPICE ticket password")
	out := flag.String("out", "rec", "output directory")
	dur := flag.Duration("for", 5*time.Second, "how long to record")
	comp := flag.String("compression", "", "preferred image compression to ask for (off, auto_glz, auto_lz, quic, glz, lz, lz4)")
	max := flag.Int("max", 10000, "stop after this many images")
	flag.Parse()
	var pref spice.ImageCompression
	if *comp != "" {
		if pref = spice.ParseImageCompression(*comp); pref == spice.ImageCompressionInvalid {
			log.Fatalf("unknown compression %q", *comp)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	r := &recorder{addr: *addr, password: *password, out: *out, max: *max, pref: pref, codecs: map[uint32]uint8{}}
	if err := r.run(*dur); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d images to %s", r.n, *out)
}

type recorder struct {
	addr, password, out string
	max, n              int
	pref                spice.ImageCompression
	index               *os.File
	codecs              map[uint32]uint8 // video codec by stream id
}

type conn struct {
	c     net.Conn
	r     *bufio.Reader
	frame spice.Frame
	ack   uint32
	left  uint32
}

func (r *recorder) link(t spice.ChannelType, connID uint32, caps spice.Caps) (*conn, error) {
	c, err := net.DialTimeout("tcp", r.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	common := spice.Caps(nil).With(spice.CommonCapProtocolAuthSelection).With(spice.CommonCapAuthSpice).With(spice.CommonCapMiniHeader)
	m := spice.LinkMess{ConnectionID: connID, ChannelType: t, CommonCaps: common, ChannelCaps: caps}
	if _, err := c.Write(m.AppendLink(nil)); err != nil {
		return nil, err
	}
	rep, err := spice.ReadLinkReply(c)
	if err != nil {
		return nil, err
	}
	if rep.Error != spice.LinkErrOK {
		return nil, fmt.Errorf("link %s: %s", t, rep.Error)
	}
	if rep.CommonCaps.Has(spice.CommonCapProtocolAuthSelection) {
		c.Write(spice.AppendAuthMechanism(nil, spice.CommonCapAuthSpice))
	}
	tk, err := ticket.Encrypt(rep.PubKey, r.password, rand.Reader)
	if err != nil {
		return nil, err
	}
	c.Write(tk)
	res, err := spice.ReadLinkResult(c)
	if err != nil {
		return nil, err
	}
	if res != spice.LinkErrOK {
		return nil, fmt.Errorf("link %s: %s", t, res)
	}
	cn := &conn{c: c, r: bufio.NewReaderSize(c, 1<<16)}
	cn.frame.Mini = rep.CommonCaps.Has(spice.CommonCapMiniHeader)
	return cn, nil
}

func (cn *conn) send(t spice.MsgType, body []byte) error {
	_, err := cn.c.Write(cn.frame.AppendMessage(nil, &spice.MsgcRaw{MsgType: t, Body: body}))
	return err
}

// next reads a message, handling the base-channel duties.
func (cn *conn) next() (spice.MsgType, []byte, error) {
	for {
		t, body, err := cn.frame.ReadMessage(cn.r)
		if err != nil {
			return 0, nil, err
		}
		if cn.ack > 0 {
			if cn.left--; cn.left == 0 {
				cn.left = cn.ack
				cn.send(spice.MsgcTypeAck, nil)
			}
		}
		switch t {
		case spice.MsgTypeSetAck:
			var m spice.MsgSetAck
			m.Decode(body)
			cn.ack, cn.left = m.Window, m.Window
			cn.send(spice.MsgcTypeAckSync, binary.LittleEndian.AppendUint32(nil, m.Generation))
			continue
		case spice.MsgTypePing:
			var m spice.MsgPing
			m.Decode(body)
			cn.send(spice.MsgcTypePong, (&spice.MsgcPong{ID: m.ID, Timestamp: m.Timestamp}).Encode(nil))
			continue
		}
		return t, body, nil
	}
}

func (r *recorder) run(dur time.Duration) error {
	var err error
	r.index, err = os.Create(filepath.Join(r.out, "index.tsv"))
	if err != nil {
		return err
	}
	defer r.index.Close()
	fmt.Fprintln(r.index, "seq\tmsg\ttype\tid\tflags\twidth\theight\tsurface\tbox(l,t,r,b)\tsrc(l,t,r,b)\textra")

	mainc, err := r.link(spice.ChannelMain, 0, nil)
	if err != nil {
		return err
	}
	defer mainc.c.Close()
	var sessionID uint32
	for sessionID == 0 {
		t, body, err := mainc.next()
		if err != nil {
			return err
		}
		if t == spice.MsgTypeMainInit {
			var m spice.MsgMainInit
			if err := m.Decode(body); err != nil {
				return err
			}
			sessionID = m.SessionID
		}
	}
	mainc.send(spice.MsgcTypeMainAttachChannels, nil)
	go func() {
		for {
			if _, _, err := mainc.next(); err != nil {
				return
			}
		}
	}()
	caps := spice.Caps(nil).With(spice.DisplayCapPrefCompression)
	if r.pref == spice.ImageCompressionLZ4 {
		caps = caps.With(spice.DisplayCapLZ4Compression)
	}
	disp, err := r.link(spice.ChannelDisplay, sessionID, caps)
	if err != nil {
		return err
	}
	defer disp.c.Close()
	// DISPLAY_INIT: pixmap cache id 1, 8 Mi pixels, GLZ dictionary id 1, 4 Mi pixel window.
	init := []byte{1}
	init = binary.LittleEndian.AppendUint64(init, 8<<20)
	init = append(init, 1)
	init = binary.LittleEndian.AppendUint32(init, 4<<20)
	disp.send(spice.MsgcTypeDisplayInit, init)
	if r.pref != 0 {
		disp.send(spice.MsgcTypeDisplayPreferredCompression, []byte{byte(r.pref)})
	}
	disp.c.SetReadDeadline(time.Now().Add(dur))
	for r.n < r.max {
		t, body, err := disp.next()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if t == spice.MsgTypeList {
			subs, err := spice.ParseList(body)
			if err != nil {
				return err
			}
			for _, s := range subs {
				r.message(s.Type, s.Body)
			}
			continue
		}
		r.message(t, body)
	}
	return nil
}

// imageOffset gives, for draw messages with a source image, where the
// image pointer sits after DisplayBase.
var imageOffset = map[spice.MsgType]bool{
	spice.MsgTypeDisplayDrawCopy: true, spice.MsgTypeDisplayDrawBlend: true,
	spice.MsgTypeDisplayDrawOpaque: true, spice.MsgTypeDisplayDrawTransparent: true,
	spice.MsgTypeDisplayDrawRop3: true,
}

func rect(b []byte) [4]int32 {
	// wire order: top, left, bottom, right; printed as l,t,r,b
	top := int32(binary.LittleEndian.Uint32(b))
	left := int32(binary.LittleEndian.Uint32(b[4:]))
	bottom := int32(binary.LittleEndian.Uint32(b[8:]))
	right := int32(binary.LittleEndian.Uint32(b[12:]))
	return [4]int32{left, top, right, bottom}
}

func (r *recorder) message(t spice.MsgType, body []byte) {
	var ptrAt int
	switch {
	case t == spice.MsgTypeDisplayStreamCreate, t == spice.MsgTypeDisplayStreamData, t == spice.MsgTypeDisplayStreamDataSized:
		r.stream(t, body)
		return
	case imageOffset[t]:
	case t == spice.MsgTypeDisplayDrawAlphaBlend:
	default:
		return
	}
	// DisplayBase: u32 surface, Rect box (16), Clip: u8 type [u32 n, n*16].
	if len(body) < 21 {
		return
	}
	surface := binary.LittleEndian.Uint32(body)
	box := rect(body[4:])
	off := 21
	if body[20] == spice.ClipTypeRects {
		if len(body) < 25 {
			return
		}
		n := int(binary.LittleEndian.Uint32(body[21:]))
		off = 25 + 16*n
	}
	if t == spice.MsgTypeDisplayDrawAlphaBlend {
		off += 2 // alpha_flags, alpha
	}
	ptrAt = off
	if len(body) < ptrAt+4+16 {
		return
	}
	ptr := binary.LittleEndian.Uint32(body[ptrAt:])
	src := rect(body[ptrAt+4:])
	img, err := spice.ParseImage(body, ptr)
	if err != nil {
		log.Printf("msg %d: %v", t, err)
		return
	}
	r.n++
	d := img.Descriptor
	var extra []string
	switch d.Type {
	case spice.ImageTypeBitmap:
		extra = append(extra, fmt.Sprintf("fmt=%d bflags=%d stride=%d", img.BitmapFormat, img.BitmapFlags, img.Stride))
	case spice.ImageTypeLZPLT:
		extra = append(extra, fmt.Sprintf("bflags=%d", img.BitmapFlags))
	case spice.ImageTypeZlibGLZRGB:
		extra = append(extra, fmt.Sprintf("glz_size=%d", img.GLZSize))
	case spice.ImageTypeJPEGAlpha:
		extra = append(extra, fmt.Sprintf("jpeg_size=%d alpha_flags=%d", img.JPEGSize, img.JPEGAlphaFlags))
	case spice.ImageTypeSurface:
		extra = append(extra, fmt.Sprintf("src_surface=%d", img.SurfaceID))
	case spice.ImageTypeFromCache, spice.ImageTypeFromCacheLossless:
	}
	base := fmt.Sprintf("%05d-%s-%dx%d", r.n, strings.ToLower(d.Type.String()), d.Width, d.Height)
	if img.Data != nil {
		os.WriteFile(filepath.Join(r.out, base+".bin"), img.Data, 0o644)
	}
	if img.Palette != nil {
		var pal []byte
		for _, e := range img.Palette.Entries {
			pal = binary.LittleEndian.AppendUint32(pal, e)
		}
		os.WriteFile(filepath.Join(r.out, base+".pal"), pal, 0o644)
		extra = append(extra, fmt.Sprintf("palette_unique=%#x", img.Palette.Unique))
	}
	if img.BitmapFlags&spice.BitmapFlagPalFromCache != 0 {
		extra = append(extra, fmt.Sprintf("palette_id=%#x", img.PaletteID))
	}
	fmt.Fprintf(r.index, "%s\t%d\t%s\t%#x\t%d\t%d\t%d\t%d\t%v\t%v\t%s\n", base, t, d.Type, d.ID, d.Flags,
		d.Width, d.Height, surface, box, src, strings.Join(extra, " "))
}

// stream records a STREAM_CREATE as an index line and each frame of
// STREAM_DATA and STREAM_DATA_SIZED as NNNNN-stream<ID>-<codec>.bin, the
// frame data exactly as sent (for MJPEG, frames after the first lack
// their Huffman tables).
func (r *recorder) stream(t spice.MsgType, body []byte) {
	var err error
	switch t {
	case spice.MsgTypeDisplayStreamCreate:
		var m spice.MsgDisplayStreamCreate
		if err = m.Decode(body); err == nil {
			r.codecs[m.ID] = m.CodecType
			fmt.Fprintf(r.index, "stream-create\t%d\tcodec=%d\t%d\t%d\t%d\t%d\t%d\t%v\t-\tstream_size=%dx%d\n", t, m.CodecType, m.ID, m.Flags,
				m.SrcWidth, m.SrcHeight, m.SurfaceID, [4]int32{m.Dest.Left, m.Dest.Top, m.Dest.Right, m.Dest.Bottom}, m.StreamWidth, m.StreamHeight)
		}
	case spice.MsgTypeDisplayStreamData:
		var m spice.MsgDisplayStreamData
		if err = m.Decode(body); err == nil {
			r.frame(t, m.ID, m.Data, fmt.Sprintf("mm_time=%d", m.MultiMediaTime))
		}
	case spice.MsgTypeDisplayStreamDataSized:
		var m spice.MsgDisplayStreamDataSized
		if err = m.Decode(body); err == nil {
			r.frame(t, m.ID, m.Data, fmt.Sprintf("mm_time=%d size=%dx%d dest=%v", m.MultiMediaTime, m.Width, m.Height,
				[4]int32{m.Dest.Left, m.Dest.Top, m.Dest.Right, m.Dest.Bottom}))
		}
	}
	if err != nil {
		log.Printf("msg %d: %v", t, err)
	}
}

var codecNames = map[uint8]string{spice.VideoCodecMJPEG: "mjpeg", spice.VideoCodecVP8: "vp8", spice.VideoCodecH264: "h264",
	spice.VideoCodecVP9: "vp9", spice.VideoCodecH265: "h265"}

func (r *recorder) frame(t spice.MsgType, id uint32, data []byte, extra string) {
	r.n++
	codec := codecNames[r.codecs[id]]
	if codec == "" {
		codec = fmt.Sprintf("codec%d", r.codecs[id])
	}
	base := fmt.Sprintf("%05d-stream%d-%s", r.n, id, codec)
	os.WriteFile(filepath.Join(r.out, base+".bin"), data, 0o644)
	fmt.Fprintf(r.index, "%s\t%d\tstream-data\t%d\t-\t-\t-\t-\t-\t-\t%s bytes=%d\n", base, t, id, extra, len(data))
}
