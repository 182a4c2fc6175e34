package spicecap

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Magic starts every capture file; the digit is the format version.
const Magic = "SPICECAP 1\n"

// Ext is the file name extension of capture files.
const Ext = ".spicecap"

// Direction says which side sent a record's bytes.
type Direction uint8

const (
	ClientToServer Direction = 0
	ServerToClient Direction = 1
)

func (d Direction) String() string {
	switch d {
	case ClientToServer:
		return "client-to-server"
	case ServerToClient:
		return "server-to-client"
	}
	return fmt.Sprintf("direction(%d)", uint8(d))
}

// MaxRecord bounds one record's payload. Writers split larger writes;
// readers reject larger lengths instead of allocating for them.
const MaxRecord = 16 << 20

const (
	headerSize = 9
	maxGap     = 1 << 31 // µs between consecutive stamps, see the package doc
	readStep   = 1 << 20 // large records are read in steps this size
)

// Writer writes a capture. Record may be called from several goroutines
// (a proxy's two copy loops); each record is written with one Write call,
// so a capture cut short by a crash ends at a record boundary unless the
// write itself was torn.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	f      *os.File // set when the writer owns a file (Create)
	start  time.Time
	now    func() time.Time // time.Now; tests substitute a fake clock
	last   uint64           // stamp of the last record, µs since start
	buf    []byte
	err    error // first write error; the writer is unusable after it
	closed bool
}

// NewWriter writes the magic line to w and returns a writer whose stamps
// count from now.
func NewWriter(w io.Writer) (*Writer, error) {
	return newWriter(w, time.Now)
}

func newWriter(w io.Writer, now func() time.Time) (*Writer, error) {
	if _, err := io.WriteString(w, Magic); err != nil {
		return nil, fmt.Errorf("spicecap: write capture: %w", err)
	}
	return &Writer{w: w, start: now(), now: now}, nil
}

// FileName is the name serve -record gives the capture of its seq'th
// connection, opened at t: "<seq>-<unixnano>.spicecap". The sequence
// number is zero-padded so a directory listing sorts in connection order.
func FileName(seq uint64, t time.Time) string {
	return fmt.Sprintf("%04d-%d%s", seq, t.UnixNano(), Ext)
}

// Create creates dir/FileName(seq, now) and returns a writer that owns
// it; Close closes the file.
func Create(dir string, seq uint64) (*Writer, error) {
	name := filepath.Join(dir, FileName(seq, time.Now()))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("spicecap: create capture: %w", err)
	}
	c, err := NewWriter(f)
	if err != nil {
		f.Close()
		os.Remove(name)
		return nil, err
	}
	c.f = f
	return c, nil
}

// Name returns the file name for a writer made by Create, else "".
func (c *Writer) Name() string {
	if c.f == nil {
		return ""
	}
	return c.f.Name()
}

// Record appends data as received in direction dir at the current time.
// It does not retain data. After the first write error every call returns
// that error.
func (c *Writer) Record(dir Direction, data []byte) error {
	if dir != ClientToServer && dir != ServerToClient {
		return fmt.Errorf("spicecap: record: bad direction %d", dir)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	// The clock is read under the lock so stamps never go backwards in
	// file order even with two goroutines recording.
	at := c.last
	if d := c.now().Sub(c.start); d > 0 && uint64(d/time.Microsecond) > at {
		at = uint64(d / time.Microsecond)
	}
	for at-c.last > maxGap {
		c.last += maxGap
		if err := c.write(dir, c.last, nil); err != nil {
			return err
		}
	}
	c.last = at
	for {
		n := min(len(data), MaxRecord)
		if err := c.write(dir, at, data[:n]); err != nil {
			return err
		}
		data = data[n:]
		if len(data) == 0 {
			return nil
		}
	}
}

func (c *Writer) write(dir Direction, at uint64, data []byte) error {
	c.buf = append(c.buf[:0], byte(dir))
	c.buf = binary.LittleEndian.AppendUint32(c.buf, uint32(at))
	c.buf = binary.LittleEndian.AppendUint32(c.buf, uint32(len(data)))
	c.buf = append(c.buf, data...)
	if _, err := c.w.Write(c.buf); err != nil {
		c.err = fmt.Errorf("spicecap: write capture: %w", err)
		return c.err
	}
	return nil
}

// Close closes the file of a writer made by Create; for other writers it
// only stops further records. It returns the first write error, if any.
func (c *Writer) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.err
	if c.f != nil {
		if cerr := c.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("spicecap: close capture: %w", cerr)
		}
	}
	if c.err == nil {
		c.err = fmt.Errorf("spicecap: capture closed: %w", os.ErrClosed)
	}
	return err
}
