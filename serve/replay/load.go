package replay

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"spiceweb/spicecap"
	"spiceweb/wasm/spice"
)

// Defaults of Options.
const (
	DefaultHold     = 2 * time.Second
	DefaultLoopFor  = 10 * time.Minute
	DefaultMaxBytes = 256 << 20
)

// minPeriod keeps a tiny recording from looping in a tight circle.
const minPeriod = 100 * time.Millisecond

// Options tune a Recording. The zero value replays the recording as it
// is, looping with the defaults.
type Options struct {
	// Name, when set, is sent as the main channel's NAME right after
	// INIT, to clients that announce they take one; a recorded NAME is
	// then dropped.
	Name string
	// Notice, when set, is sent on the main channel right after INIT as a
	// NOTIFY of severity info and high visibility: a message for the
	// user.
	Notice string
	// Hold is how long the last frame stays before a looping channel
	// starts again; 0 means DefaultHold.
	Hold time.Duration
	// LoopFor bounds how long channels loop, counted from their link;
	// after it they hold the last frame. 0 means DefaultLoopFor; a
	// negative value turns looping off. A forgotten tab then costs no
	// more than one more pass of traffic.
	LoopFor time.Duration
	// MaxBytes bounds the recorded server bytes Load keeps; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
}

// Recording is a loaded session, ready to serve any number of clients.
// It is not modified after Load and is safe for concurrent use.
type Recording struct {
	// SessionID is the id the recorded main channel's INIT announced:
	// every other channel links with it.
	SessionID uint32
	// Period is the length of one pass of the looping channels, hold
	// included; 0 when none loops.
	Period time.Duration

	opts    Options
	tracks  map[spice.ChannelID]*track
	refused int // captures of links the server refused, not replayed
}

// Load reads every capture (*.spicecap, *.spicecap.gz) at the top of fsys
// as one recorded session: one capture of the main channel and one of
// each other channel, linked to it. Captures of links the server refused
// are skipped.
func Load(fsys fs.FS, opts Options) (*Recording, error) {
	if opts.Hold == 0 {
		opts.Hold = DefaultHold
	}
	if opts.LoopFor == 0 {
		opts.LoopFor = DefaultLoopFor
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	rec := &Recording{opts: opts, tracks: map[spice.ChannelID]*track{}}
	budget := opts.MaxBytes
	var main *track
	var others []*track
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !matchName(name) {
			continue
		}
		tr, err := loadCapture(fsys, name, &budget, opts.MaxBytes)
		if errors.Is(err, errRefused) {
			rec.refused++
			continue
		}
		if err != nil {
			return nil, err
		}
		if tr.id.Type == spice.ChannelMain {
			if main != nil {
				return nil, fmt.Errorf("replay: %s and %s both record a main channel: keep one session's captures", main.name, name)
			}
			main = tr
		} else {
			others = append(others, tr)
		}
	}
	if main == nil {
		return nil, errors.New("replay: no capture of a main channel (want the " + spicecap.Ext + " files serve -record wrote for one session)")
	}
	init := slices.IndexFunc(main.msgs, func(m message) bool { return m.typ == spice.MsgTypeMainInit })
	if init < 0 {
		return nil, fmt.Errorf("replay: %s: the main channel has no INIT message", main.name)
	}
	var mi spice.MsgMainInit
	if err := mi.Decode(main.msgs[init].body); err != nil {
		return nil, fmt.Errorf("replay: %s: INIT: %w", main.name, err)
	}
	rec.SessionID = mi.SessionID
	main.initIndex = init
	rec.tracks[main.id] = main
	for _, tr := range others {
		if tr.connID != rec.SessionID {
			return nil, fmt.Errorf("replay: %s: %v channel of session %#x, not of the recorded main channel's %#x: keep one session's captures",
				tr.name, tr.id.Type, tr.connID, rec.SessionID)
		}
		if prev := rec.tracks[tr.id]; prev != nil {
			return nil, fmt.Errorf("replay: %s and %s both record %v channel %d", prev.name, tr.name, tr.id.Type, tr.id.ID)
		}
		rec.tracks[tr.id] = tr
	}
	if opts.Name != "" {
		main.msgs = slices.DeleteFunc(main.msgs, func(m message) bool { return m.typ == spice.MsgTypeMainName })
		main.initIndex = slices.IndexFunc(main.msgs, func(m message) bool { return m.typ == spice.MsgTypeMainInit })
	}
	var longest time.Duration
	for _, tr := range rec.tracks {
		switch {
		case opts.LoopFor < 0:
			tr.why = "looping is off"
		case tr.id.Type == spice.ChannelDisplay:
			planDisplayLoop(tr)
		case tr.id.Type == spice.ChannelCursor:
			planCursorLoop(tr)
		default:
			tr.why = "plays once"
		}
		if tr.loops {
			longest = max(longest, tr.length)
		}
	}
	if rec.loops() {
		rec.Period = max(longest+opts.Hold, minPeriod)
	}
	return rec, nil
}

// Loops reports whether the recorded channel id loops.
func (r *Recording) Loops(id spice.ChannelID) bool {
	tr := r.tracks[id]
	return tr != nil && tr.loops
}

func (r *Recording) loops() bool {
	for _, tr := range r.tracks {
		if tr.loops {
			return true
		}
	}
	return false
}

// String summarises the recording for a log line.
func (r *Recording) String() string {
	ids := make([]spice.ChannelID, 0, len(r.tracks))
	for id := range r.tracks {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b spice.ChannelID) int {
		if a.Type != b.Type {
			return int(a.Type) - int(b.Type)
		}
		return int(a.ID) - int(b.ID)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "session %#x:", r.SessionID)
	for i, id := range ids {
		tr := r.tracks[id]
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %v", sep, id.Type)
		if id.ID != 0 {
			fmt.Fprintf(&b, " %d", id.ID)
		}
		fmt.Fprintf(&b, " %d messages %.1fs", len(tr.msgs), tr.length.Seconds())
		if tr.loops {
			b.WriteString(" loops")
		} else if tr.id.Type == spice.ChannelDisplay || tr.id.Type == spice.ChannelCursor {
			b.WriteString(" (" + tr.why + ")")
		}
	}
	if r.Period > 0 {
		fmt.Fprintf(&b, "; a pass is %.1fs, looping for %v", r.Period.Seconds(), r.opts.LoopFor)
	}
	if r.refused > 0 {
		fmt.Fprintf(&b, "; %d refused links skipped", r.refused)
	}
	return b.String()
}

// errRefused marks a capture of a link the server refused.
var errRefused = errors.New("the server refused this link")

// mark is where a server record ended in the server's byte stream, and
// when it arrived.
type mark struct {
	end int
	at  time.Duration
}

// loadCapture reads one capture into a track. budget is what may still be
// kept of the recording's server bytes; it is decreased.
func loadCapture(fsys fs.FS, name string, budget *int64, limit int64) (*track, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	r, err := spicecap.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("replay: %s: %w", name, err)
	}
	var client, server []byte
	var marks []mark
	linkEnd := -1 // the end of the client's link message in client, once known
	var linkAt time.Duration
	for {
		dir, at, data, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("replay: %s: %w", name, err)
		}
		if dir == spicecap.ClientToServer {
			// Only the link message is needed from the client.
			if linkEnd < 0 {
				client = append(client, data[:min(len(data), 16+spice.MaxLinkMessSize-len(client))]...)
				if len(client) >= 16 {
					linkEnd = 16 + int(uint32(client[12])|uint32(client[13])<<8|uint32(client[14])<<16|uint32(client[15])<<24)
					if linkEnd > 16+spice.MaxLinkMessSize || len(client) < linkEnd {
						linkEnd = -1
					} else {
						linkAt = at
					}
				}
			}
			continue
		}
		if *budget -= int64(len(data)); *budget < 0 {
			return nil, fmt.Errorf("replay: %s: the recording holds more than the %d bytes allowed", name, limit)
		}
		server = append(server, data...)
		marks = append(marks, mark{len(server), at})
	}
	tr, err := parseTrack(name, client, server, marks, linkAt)
	if err != nil && !errors.Is(err, errRefused) {
		return nil, fmt.Errorf("replay: %s: %w", name, err)
	}
	return tr, err
}

// matchName reports whether a file name is a capture Load reads.
func matchName(name string) bool {
	return strings.HasSuffix(name, spicecap.Ext) || strings.HasSuffix(name, spicecap.Ext+".gz")
}
