// Package spicetest holds test support for the SPICE client: the .spicecap
// capture format written by serve -record and read back by replay tools.
package spicetest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// A .spicecap file holds the bytes of one proxied SPICE connection, both
// directions interleaved in the order the proxy received them:
//
//	"SPICECAP 1\n"
//	record*: [u8 direction][u32 LE µs since open][u32 LE length][length bytes]
//
// Stamps are the low 32 bits of the time since the connection opened
// (they wrap after about 71 minutes). Writers never let two consecutive
// records be more than 2^31 µs apart, inserting empty records as time
// markers if needed, so readers can unwrap stamps by adding the forward
// distance modulo 2^32. Readers skip empty records.
const CapMagic = "SPICECAP 1\n"

// Record directions.
const (
	CapClientToServer = 0
	CapServerToClient = 1
)

// CapExt is the file name extension of capture files.
const CapExt = ".spicecap"

// MaxCapRecord bounds one record's payload. Writers split larger writes
// (the streams are plain byte streams, so that is invisible to readers);
// readers reject larger lengths instead of allocating for them.
const MaxCapRecord = 16 << 20

const (
	capHeaderSize = 9
	capMaxGap     = 1 << 31 // µs between consecutive stamps, see CapMagic
	capReadStep   = 1 << 20 // large records are read in steps this size
)

// CapError reports a capture file that does not follow the format.
type CapError string

func (e CapError) Error() string { return "spicetest: invalid capture: " + string(e) }

// CapWriter writes a capture. Record may be called from several
// goroutines (the proxy's two copy loops); each record is written with one
// Write call, so a capture cut short by a crash ends at a record boundary
// unless the write itself was torn.
type CapWriter struct {
	mu     sync.Mutex
	w      io.Writer
	f      *os.File // set when the writer owns a file (CreateCapFile)
	start  time.Time
	now    func() time.Time // time.Now; tests substitute a fake clock
	last   uint64           // stamp of the last record, µs since start
	buf    []byte
	err    error // first write error; the writer is unusable after it
	closed bool
}

// NewCapWriter writes the magic line to w and returns a writer whose
// stamps count from now.
func NewCapWriter(w io.Writer) (*CapWriter, error) {
	return newCapWriter(w, time.Now)
}

func newCapWriter(w io.Writer, now func() time.Time) (*CapWriter, error) {
	if _, err := io.WriteString(w, CapMagic); err != nil {
		return nil, fmt.Errorf("spicetest: write capture: %w", err)
	}
	return &CapWriter{w: w, start: now(), now: now}, nil
}

// CapFileName is the name serve -record gives the capture of its seq'th
// connection, opened at t: "<seq>-<unixnano>.spicecap". The sequence
// number is zero-padded so a directory listing sorts in connection order.
func CapFileName(seq uint64, t time.Time) string {
	return fmt.Sprintf("%04d-%d%s", seq, t.UnixNano(), CapExt)
}

// CreateCapFile creates dir/CapFileName(seq, now) and returns a writer
// that owns it; Close closes the file.
func CreateCapFile(dir string, seq uint64) (*CapWriter, error) {
	name := filepath.Join(dir, CapFileName(seq, time.Now()))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("spicetest: create capture: %w", err)
	}
	c, err := NewCapWriter(f)
	if err != nil {
		f.Close()
		os.Remove(name)
		return nil, err
	}
	c.f = f
	return c, nil
}

// Name returns the file name for a writer made by CreateCapFile, else "".
func (c *CapWriter) Name() string {
	if c.f == nil {
		return ""
	}
	return c.f.Name()
}

// Record appends data as received in direction dir at the current time.
// It does not retain data. After the first write error every call returns
// that error.
func (c *CapWriter) Record(dir int, data []byte) error {
	if dir != CapClientToServer && dir != CapServerToClient {
		return fmt.Errorf("spicetest: record: bad direction %d", dir)
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
	for at-c.last > capMaxGap {
		c.last += capMaxGap
		if err := c.write(dir, c.last, nil); err != nil {
			return err
		}
	}
	c.last = at
	for {
		n := min(len(data), MaxCapRecord)
		if err := c.write(dir, at, data[:n]); err != nil {
			return err
		}
		data = data[n:]
		if len(data) == 0 {
			return nil
		}
	}
}

func (c *CapWriter) write(dir int, at uint64, data []byte) error {
	c.buf = append(c.buf[:0], byte(dir))
	c.buf = binary.LittleEndian.AppendUint32(c.buf, uint32(at))
	c.buf = binary.LittleEndian.AppendUint32(c.buf, uint32(len(data)))
	c.buf = append(c.buf, data...)
	if _, err := c.w.Write(c.buf); err != nil {
		c.err = fmt.Errorf("spicetest: write capture: %w", err)
		return c.err
	}
	return nil
}

// Close closes the file of a writer made by CreateCapFile; for other
// writers it only stops further records. It returns the first write
// error, if any.
func (c *CapWriter) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.err
	if c.f != nil {
		if cerr := c.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("spicetest: close capture: %w", cerr)
		}
	}
	if c.err == nil {
		c.err = fmt.Errorf("spicetest: capture closed: %w", os.ErrClosed)
	}
	return err
}

// CapReader reads the records of a capture.
type CapReader struct {
	r    *bufio.Reader
	f    *os.File // set by OpenCap
	hdr  [capHeaderSize]byte
	buf  []byte
	last uint64 // unwrapped stamp of the last record, µs
	n    int    // records read, for error messages
}

// NewCapReader checks the magic line of r and returns a reader positioned
// at the first record.
func NewCapReader(r io.Reader) (*CapReader, error) {
	c := &CapReader{}
	if err := c.Reset(r); err != nil {
		return nil, err
	}
	return c, nil
}

// OpenCap opens a capture file; Close closes it.
func OpenCap(name string) (*CapReader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("spicetest: open capture: %w", err)
	}
	c, err := NewCapReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.f = f
	return c, nil
}

// Reset makes c read a new capture from r, reusing its buffers.
func (c *CapReader) Reset(r io.Reader) error {
	if c.r == nil {
		c.r = bufio.NewReader(r)
	} else {
		c.r.Reset(r)
	}
	c.last, c.n = 0, 0
	magic, err := c.r.Peek(len(CapMagic))
	if err != nil && err != io.EOF {
		return fmt.Errorf("spicetest: read capture: %w", err)
	}
	if string(magic) != CapMagic {
		return CapError(fmt.Sprintf("bad magic %q", magic))
	}
	_, err = c.r.Discard(len(magic))
	return err
}

// Close closes the file of a reader made by OpenCap.
func (c *CapReader) Close() error {
	if c.f == nil {
		return nil
	}
	return c.f.Close()
}

// Next returns the next non-empty record: its direction, its time since
// the connection opened and its bytes. data is valid until the next call.
// At the end of a well-formed capture it returns io.EOF; a capture cut
// inside a record gives an error wrapping io.ErrUnexpectedEOF.
func (c *CapReader) Next() (dir int, at time.Duration, data []byte, err error) {
	for {
		if _, err := io.ReadFull(c.r, c.hdr[:]); err != nil {
			if err == io.EOF {
				return 0, 0, nil, io.EOF
			}
			return 0, 0, nil, c.readErr("header", err)
		}
		dir = int(c.hdr[0])
		if dir != CapClientToServer && dir != CapServerToClient {
			return 0, 0, nil, CapError(fmt.Sprintf("record %d: bad direction %d", c.n, dir))
		}
		stamp := binary.LittleEndian.Uint32(c.hdr[1:5])
		c.last += uint64(stamp - uint32(c.last))
		size := binary.LittleEndian.Uint32(c.hdr[5:9])
		if size > MaxCapRecord {
			return 0, 0, nil, CapError(fmt.Sprintf("record %d: length %d exceeds %d", c.n, size, MaxCapRecord))
		}
		if data, err = c.readData(int(size)); err != nil {
			return 0, 0, nil, c.readErr("data", err)
		}
		c.n++
		if len(data) > 0 {
			return dir, time.Duration(c.last) * time.Microsecond, data, nil
		}
	}
}

func (c *CapReader) readErr(part string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("spicetest: capture record %d %s: %w", c.n, part, err)
}

// readData reads n bytes into c.buf. A length beyond the buffer's
// capacity is read in steps, so a header that lies about its length costs
// at most one step more than the input actually holds.
func (c *CapReader) readData(n int) ([]byte, error) {
	if n <= cap(c.buf) {
		c.buf = c.buf[:n]
		_, err := io.ReadFull(c.r, c.buf)
		return c.buf, err
	}
	b := c.buf[:0]
	for len(b) < n {
		step := min(n-len(b), capReadStep)
		b = slices.Grow(b, step)
		m, err := io.ReadFull(c.r, b[len(b):len(b)+step])
		b = b[:len(b)+m]
		if err != nil {
			c.buf = b
			return nil, err
		}
	}
	c.buf = b
	return b, nil
}

// Stream reads the remaining records and returns the bytes of direction
// dir concatenated: the byte stream that side sent. On error it returns
// what it had read so far along with the error.
func (c *CapReader) Stream(dir int) ([]byte, error) {
	if dir != CapClientToServer && dir != CapServerToClient {
		return nil, fmt.Errorf("spicetest: stream: bad direction %d", dir)
	}
	var out []byte
	for {
		d, _, data, err := c.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if d == dir {
			out = append(out, data...)
		}
	}
}

// ReadCapStreams reads the capture file name and returns both byte
// streams: what the client sent and what the server sent.
func ReadCapStreams(name string) (client, server []byte, err error) {
	c, err := OpenCap(name)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	for {
		dir, _, data, err := c.Next()
		if err == io.EOF {
			return client, server, nil
		}
		if err != nil {
			return client, server, fmt.Errorf("%s: %w", name, err)
		}
		if dir == CapClientToServer {
			client = append(client, data...)
		} else {
			server = append(server, data...)
		}
	}
}
