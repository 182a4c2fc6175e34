package replay

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// drawCopyGLZ is a DRAW_COPY of a GLZ image (its data is not looked at).
func drawCopyGLZ() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0) // surface
	for _, v := range []int32{0, 0, 8, 8} {
		b = le.AppendUint32(b, uint32(v)) // box
	}
	b = append(b, spice.ClipTypeNone)
	ptrAt := len(b)
	b = le.AppendUint32(b, 0) // src_bitmap, set below
	for _, v := range []int32{0, 0, 8, 8} {
		b = le.AppendUint32(b, uint32(v)) // src_area
	}
	b = le.AppendUint16(b, spice.RopdOpPut)
	b = append(b, spice.ImageScaleModeNearest)
	b = append(b, 0)                                 // mask flags
	b = le.AppendUint32(le.AppendUint32(b, 0), 0)    // mask pos
	b = le.AppendUint32(b, 0)                        // mask bitmap: none
	le.PutUint32(b[ptrAt:], uint32(len(b)))          // the image follows
	b = le.AppendUint64(b, 1)                        // id
	b = append(b, uint8(spice.ImageTypeGLZRGB), 0)   // type, flags
	b = le.AppendUint32(le.AppendUint32(b, 8), 8)    // width, height
	return append(le.AppendUint32(b, 4), 1, 2, 3, 4) // data
}

func TestLoad(t *testing.T) {
	good := synthetic(t)
	rec, err := Load(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.SessionID != testSession || len(rec.tracks) != 3 {
		t.Fatalf("session %#x with %d channels, want %#x with 3", rec.SessionID, len(rec.tracks), testSession)
	}
	for _, want := range []string{"session 0x5eed:", "main 3 messages", "display 6 messages 0.3s loops", "inputs 1 messages"} {
		if s := rec.String(); !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}

	// Compressed captures load the same; files of other names are not
	// looked at.
	zipped := fstest.MapFS{"notes.txt": {Data: []byte("not a capture")}}
	for name, f := range good {
		zipped[name+".gz"] = &fstest.MapFile{Data: gz(t, f.Data)}
	}
	zrec, err := Load(zipped, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if zrec.String() != rec.String() {
		t.Errorf("compressed: %q\nplain: %q", zrec.String(), rec.String())
	}

	// A refused link (a wrong password, say) is skipped.
	refused := fstest.MapFS{}
	for name, f := range good {
		refused[name] = f
	}
	link := (&spice.LinkMess{ChannelType: spice.ChannelMain, CommonCaps: commonCaps}).AppendLink(nil)
	refused["0000-0.spicecap"] = &fstest.MapFile{Data: capBytes([]capRec{
		{0, 0, link},
		{1, 0, (&spice.LinkReply{Error: spice.LinkErrPermissionDenied}).AppendLink(nil)},
	})}
	rrec, err := Load(refused, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(rrec.String(), "; 1 refused links skipped") {
		t.Errorf("summary %q does not count the refused link", rrec.String())
	}

	if rec, err := Load(good, Options{LoopFor: -1}); err != nil || rec.Period != 0 || !strings.Contains(rec.String(), "(looping is off)") {
		t.Errorf("LoopFor -1: %v, period %v, %q", err, rec.Period, rec)
	}
}

func TestLoadDisplayWithGLZDoesNotLoop(t *testing.T) {
	fsys := synthetic(t)
	fsys["0002-2.spicecap"] = &fstest.MapFile{Data: recChannel(t, displayID, testSession, nil, []sent{
		{0, spice.MsgTypeDisplaySurfaceCreate, spicetest.SurfaceCreate(0, 64, 48, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)},
		{time.Millisecond, spice.MsgTypeDisplayDrawFill, spicetest.DrawFill(0, image.Rect(0, 0, 8, 8), colourA)},
		{2 * time.Millisecond, spice.MsgTypeDisplayDrawCopy, drawCopyGLZ()},
	})}
	rec, err := Load(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr := rec.tracks[displayID]; tr.loops || rec.Period != 0 {
		t.Errorf("a display recording with GLZ loops (period %v)", rec.Period)
	}
	if !strings.Contains(rec.String(), "display 3 messages 0.0s (GLZ images cannot repeat)") {
		t.Errorf("summary %q does not say why the display does not loop", rec)
	}
}

func TestLoadErrors(t *testing.T) {
	good := synthetic(t)
	with := func(extra fstest.MapFS, drop ...string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range good {
			m[k] = v
		}
		for _, k := range drop {
			delete(m, k)
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	mainCap := good["0001-1.spicecap"].Data
	displayCap := good["0002-2.spicecap"].Data
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		opts Options
		want string
	}{
		{"empty", fstest.MapFS{}, Options{}, "no capture of a main channel"},
		{"no main", with(nil, "0001-1.spicecap"), Options{}, "no capture of a main channel"},
		{"two sessions", with(fstest.MapFS{"0009-9.spicecap": {Data: mainCap}}), Options{}, "both record a main channel"},
		{"twice the display", with(fstest.MapFS{"0009-9.spicecap": {Data: displayCap}}), Options{}, "both record display channel 0"},
		{"another session's display", with(fstest.MapFS{"0002-2.spicecap": {Data: recChannel(t, displayID, 42, nil, nil)}}), Options{}, "of session 0x2a, not of the recorded main channel's 0x5eed"},
		{"main without INIT", with(fstest.MapFS{"0001-1.spicecap": {Data: recChannel(t, mainID, 0, nil, []sent{{0, spice.MsgTypePing, spicetest.Ping(1, 2)}})}}), Options{}, "has no INIT"},
		{"not a capture", with(fstest.MapFS{"x.spicecap": {Data: []byte("hello")}}), Options{}, "bad magic"},
		{"torn", with(fstest.MapFS{"0002-2.spicecap": {Data: displayCap[:len(displayCap)-3]}}), Options{}, "unexpected EOF"},
		{"torn compressed", with(fstest.MapFS{"0002-2.spicecap.gz": {Data: gz(t, displayCap)[:40]}}, "0002-2.spicecap"), Options{}, "unexpected EOF"},
		{"over the limit", good, Options{MaxBytes: 1000}, "more than the 1000 bytes allowed"},
		{"no link message", with(fstest.MapFS{"0002-2.spicecap": {Data: capBytes([]capRec{{0, 0, []byte("REDQ")}})}}), Options{}, "the client's link message"},
		{"no reply", with(fstest.MapFS{"0002-2.spicecap": {Data: capBytes([]capRec{{0, 0, (&spice.LinkMess{ConnectionID: testSession, ChannelType: spice.ChannelDisplay}).AppendLink(nil)}})}}), Options{}, "no link reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.fsys, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// FuzzLoad: a capture file of any content, as the display channel of the
// synthetic session, loads or fails with an error, never a panic; what
// loads can be served to a client that links and reads a little.
func FuzzLoad(f *testing.F) {
	good := synthetic(f)
	for _, name := range []string{"0001-1.spicecap", "0002-2.spicecap", "0003-3.spicecap"} {
		f.Add(good[name].Data)
	}
	f.Add(gz(f, good["0002-2.spicecap"].Data))
	f.Add(recChannel(f, displayID, testSession, nil, []sent{{0, spice.MsgTypeDisplayDrawCopy, drawCopyGLZ()}, {0, spice.MsgTypeList, nil}}))
	f.Fuzz(func(t *testing.T, capture []byte) {
		fsys := fstest.MapFS{"0001-1.spicecap": good["0001-1.spicecap"], "0002-2.spicecap": {Data: capture}}
		rec, err := Load(fsys, Options{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		for _, tr := range rec.tracks {
			if len(tr.reply) < 16 || len(tr.result) != 4 {
				t.Fatalf("%v: link reply %d bytes, result %d", tr.id, len(tr.reply), len(tr.result))
			}
			for _, m := range tr.msgs {
				if m.at < 0 || m.at > tr.length {
					t.Fatalf("%v: message at %v outside 0..%v", tr.id, m.at, tr.length)
				}
			}
		}
	})
}

// FuzzServeClient: whatever a client sends, Serve ends once the client
// has closed, with no panic.
func FuzzServeClient(f *testing.F) {
	rec := loadSynthetic(f, Options{Hold: 10 * time.Millisecond})
	for _, id := range []spice.ChannelID{mainID, displayID, inputsID, {Type: spice.ChannelCursor}} {
		link := (&spice.LinkMess{ConnectionID: testSession, ChannelType: id.Type, ChannelID: id.ID, CommonCaps: commonCaps}).AppendLink(nil)
		fr := spice.Frame{Mini: true}
		msgs := fr.AppendMessage(nil, &spice.MsgcInputsMousePosition{X: 1})
		f.Add(append(append(append(link, 1, 0, 0, 0), make([]byte, spice.TicketSize)...), msgs...))
	}
	f.Add([]byte("REDQ\x02\x00\x00\x00\x02\x00\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		client, done := servePipe(t.Context(), rec)
		go io.Copy(io.Discard, client)
		client.Write(in)
		client.Close()
		served(t, done, "Serve did not end after the client closed")
	})
}
