package spicetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"spiceweb/spicecap"
	"spiceweb/wasm/spice"
)

// maxReplayBytes bounds what LoadReplay keeps of one capture: test
// fixtures are a few hundred KB.
const maxReplayBytes = 256 << 20

// Replay serves recorded sessions back to a client: each connection the
// client opens gets the server bytes of the capture whose channel matches
// the link message the client writes first. The client's own bytes are
// read and dropped (its ticket is random, so they cannot be compared).
type Replay struct {
	mu      sync.Mutex
	streams map[spice.ChannelID][]byte
	done    map[spice.ChannelID]chan struct{}
}

// LoadReplay reads every .spicecap file in dir.
func LoadReplay(dir string) (*Replay, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*"+spicecap.Ext))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	r := &Replay{streams: map[spice.ChannelID][]byte{}, done: map[spice.ChannelID]chan struct{}{}}
	for _, name := range names {
		client, server, err := spicecap.ReadStreams(name, maxReplayBytes)
		if err != nil {
			return nil, err
		}
		id, err := linkedChannel(client)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if _, dup := r.streams[id]; dup {
			return nil, fmt.Errorf("%s: a second capture of channel %v", name, id)
		}
		r.streams[id] = server
		r.done[id] = make(chan struct{})
	}
	if len(r.streams) == 0 {
		return nil, fmt.Errorf("no %s files in %s", spicecap.Ext, dir)
	}
	return r, nil
}

// linkedChannel reads the channel of a client's link message: the 16-byte
// SpiceLinkHeader, then connection_id (4 bytes), channel_type, channel_id.
func linkedChannel(client []byte) (spice.ChannelID, error) {
	if len(client) < 22 || string(client[:4]) != "REDQ" {
		return spice.ChannelID{}, errors.New("capture does not start with a link message")
	}
	return spice.ChannelID{Type: spice.ChannelType(client[20]), ID: client[21]}, nil
}

// Done is closed once the client has read every recorded byte of id.
func (r *Replay) Done(id spice.ChannelID) <-chan struct{} { return r.done[id] }

// Dial has the signature of session.Dialer.
func (r *Replay) Dial(ctx context.Context) (io.ReadWriteCloser, error) {
	client, server := net.Pipe()
	go r.serve(server)
	return client, nil
}

func (r *Replay) serve(c net.Conn) {
	defer c.Close()
	var hdr [22]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	id, err := linkedChannel(hdr[:])
	if err != nil {
		return
	}
	r.mu.Lock()
	stream, ok := r.streams[id]
	delete(r.streams, id) // each capture is served once
	r.mu.Unlock()
	if !ok {
		return // a channel that was not recorded: refuse it by closing
	}
	// Drain what the client writes, or its writes would block the pipe;
	// the connection stays open until the client closes it: the recording
	// ended, not the session.
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(closed)
	}()
	if _, err := c.Write(stream); err == nil {
		close(r.done[id])
	}
	<-closed
}

// RecordingDialer wraps dial so that every connection is recorded into a
// new capture file in dir, as serve -record does for websockets.
func RecordingDialer(dir string, dial func(context.Context) (io.ReadWriteCloser, error)) func(context.Context) (io.ReadWriteCloser, error) {
	var seq uint64
	var mu sync.Mutex
	return func(ctx context.Context) (io.ReadWriteCloser, error) {
		conn, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		seq++
		n := seq
		mu.Unlock()
		w, err := spicecap.Create(dir, n)
		if err != nil {
			conn.Close()
			return nil, err
		}
		return &recordedConn{ReadWriteCloser: conn, w: w}, nil
	}
}

type recordedConn struct {
	io.ReadWriteCloser
	w *spicecap.Writer
}

func (c *recordedConn) Read(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Read(p)
	if n > 0 {
		c.w.Record(spicecap.ServerToClient, p[:n])
	}
	return n, err
}

func (c *recordedConn) Write(p []byte) (int, error) {
	c.w.Record(spicecap.ClientToServer, p)
	return c.ReadWriteCloser.Write(p)
}

func (c *recordedConn) Close() error {
	err := c.ReadWriteCloser.Close()
	c.w.Close()
	return err
}

// RemoveCaptures deletes the capture files in dir (before recording anew).
func RemoveCaptures(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*"+spicecap.Ext))
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := os.Remove(n); err != nil {
			return err
		}
	}
	return nil
}
