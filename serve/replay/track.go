package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"spiceweb/wasm/spice"
)

// track is the recording of one channel.
type track struct {
	name string // the capture's file name, for errors
	id   spice.ChannelID

	connID       uint32     // the connection id the recorded client linked with
	clientCommon spice.Caps // the recorded client's capabilities
	clientCaps   spice.Caps

	reply       []byte     // the recorded link header and reply, as sent
	serverComm  spice.Caps // the server's capabilities, from reply
	result      []byte     // the recorded link result (4 bytes)
	msgs        []message  // the server's messages after the link
	length      time.Duration
	initIndex   int // main channel: the INIT message
	loops       bool
	why         string    // why it does not loop, for the summary
	resets      []message // sent before every pass after the first
	primarySkip int       // display: the message skipped on later passes, -1 for none
}

// message is one recorded server message: when its last byte arrived,
// counted from the arrival of the client's link message, and what it was.
type message struct {
	at   time.Duration
	typ  spice.MsgType
	body []byte
}

// pingKeep is what a PING keeps of its body: id and timestamp, without the
// padding of spice-server's network test.
const pingKeep = 12

// parseTrack splits the byte streams of one capture into the link stage
// and the server's messages. server holds the server's bytes, marks where
// each of its records ended and when it arrived; linkAt is when the
// client's link message was complete.
func parseTrack(name string, client, server []byte, marks []mark, linkAt time.Duration) (*track, error) {
	mess, err := spice.ReadLinkMess(bytes.NewReader(client))
	if err != nil {
		return nil, errors.New("the client's link message: " + err.Error())
	}
	tr := &track{name: name, id: spice.ChannelID{Type: mess.ChannelType, ID: mess.ChannelID},
		connID: mess.ConnectionID, clientCommon: mess.CommonCaps, clientCaps: mess.ChannelCaps, primarySkip: -1}
	if len(server) < 16 {
		return nil, errors.New("no link reply from the server")
	}
	n := 16 + int(binary.LittleEndian.Uint32(server[12:]))
	reply, err := spice.ReadLinkReply(bytes.NewReader(server))
	if err != nil {
		return nil, errors.New("the server's link reply: " + err.Error())
	}
	if reply.Error != spice.LinkErrOK {
		return nil, errRefused
	}
	if len(server) < n+4 {
		return nil, errors.New("no link result from the server")
	}
	tr.reply = server[:n:n]
	tr.serverComm = reply.CommonCaps
	tr.result = server[n : n+4 : n+4]
	if spice.LinkErr(binary.LittleEndian.Uint32(tr.result)) != spice.LinkErrOK {
		return nil, errRefused
	}
	// The recording's framing is what that client and server agreed on.
	f := spice.Frame{Mini: mess.CommonCaps.Has(spice.CommonCapMiniHeader) && reply.CommonCaps.Has(spice.CommonCapMiniHeader)}
	rd := bytes.NewReader(server[n+4:])
	for {
		t, body, err := f.ReadMessage(rd)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break // the capture ends here, possibly inside a message the client never saw whole
		}
		if err != nil {
			return nil, errors.New("server message " + strconv.Itoa(len(tr.msgs)) + ": " + err.Error())
		}
		end := len(server) - rd.Len()
		i := sort.Search(len(marks), func(i int) bool { return marks[i].end >= end })
		at := max(marks[min(i, len(marks)-1)].at-linkAt, 0)
		if t == spice.MsgTypePing && len(body) > pingKeep {
			body = body[:pingKeep]
		}
		tr.msgs = append(tr.msgs, message{at: at, typ: t, body: slices.Clone(body)})
		tr.length = at
	}
	return tr, nil
}

// planCursorLoop: a cursor recording starts with INIT, which sets shape,
// position and visibility afresh; the cache is emptied first, as INIT
// does in spice-gtk and in our client, for clients that do not.
func planCursorLoop(tr *track) {
	tr.loops = true
	tr.resets = []message{{typ: spice.MsgTypeCursorInvalAll}}
}

// planDisplayLoop decides whether a display recording can loop and what
// undoes a pass: see the package doc.
func planDisplayLoop(tr *track) {
	alive := map[uint32][]byte{} // surface id: its SURFACE_CREATE body
	primary := -1                // index of the first primary SURFACE_CREATE
	var primaryID uint32
	streams, glz := false, false
	var visit func(i int, t spice.MsgType, body []byte)
	visit = func(i int, t spice.MsgType, body []byte) {
		switch t {
		case spice.MsgTypeList:
			subs, err := spice.ParseList(body)
			if err != nil {
				return
			}
			for _, s := range subs {
				visit(-1, s.Type, s.Body)
			}
		case spice.MsgTypeDisplaySurfaceCreate:
			var m spice.MsgDisplaySurfaceCreate
			if m.Decode(body) != nil {
				return
			}
			alive[m.SurfaceID] = body
			if m.Flags&spice.SurfaceFlagPrimary != 0 && primary < 0 && i >= 0 {
				primary, primaryID = i, m.SurfaceID
			}
		case spice.MsgTypeDisplaySurfaceDestroy:
			var m spice.MsgDisplaySurfaceDestroy
			if m.Decode(body) == nil {
				delete(alive, m.SurfaceID)
			}
		case spice.MsgTypeDisplayStreamCreate:
			streams = true
		default:
			m := spice.NewDisplayMessage(t)
			if m == nil || m.Decode(body) != nil {
				return
			}
			for _, p := range spice.ImagePointers(m) {
				if p == 0 {
					continue
				}
				if img, err := spice.ParseImage(body, p); err == nil &&
					(img.Descriptor.Type == spice.ImageTypeGLZRGB || img.Descriptor.Type == spice.ImageTypeZlibGLZRGB) {
					glz = true
				}
			}
		}
	}
	for i, m := range tr.msgs {
		visit(i, m.typ, m.body)
	}
	if glz {
		tr.why = "GLZ images cannot repeat"
		return
	}
	tr.loops = true
	if streams {
		tr.resets = append(tr.resets, message{typ: spice.MsgTypeDisplayStreamDestroyAll})
	}
	keep := primary >= 0 && alive[primaryID] != nil && bytes.Equal(alive[primaryID], tr.msgs[primary].body)
	ids := make([]uint32, 0, len(alive))
	for id := range alive {
		if !keep || id != primaryID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		tr.resets = append(tr.resets, message{typ: spice.MsgTypeDisplaySurfaceDestroy,
			body: (&spice.MsgDisplaySurfaceDestroy{SurfaceID: id}).Encode(nil)})
	}
	tr.resets = append(tr.resets,
		message{typ: spice.MsgTypeDisplayInvalAllPixmaps, body: (&spice.MsgDisplayInvalAllPixmaps{}).Encode(nil)},
		message{typ: spice.MsgTypeDisplayInvalAllPalettes})
	if keep {
		tr.primarySkip = primary
	}
}
