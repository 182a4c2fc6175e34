package spicecap

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

// FormatError reports a capture that does not follow the format.
type FormatError string

func (e FormatError) Error() string { return "spicecap: invalid capture: " + string(e) }

// LimitError reports a capture whose kept bytes would exceed the limit
// the caller set (ReadStreams, Reader.Stream).
type LimitError struct{ Limit int64 }

func (e *LimitError) Error() string {
	return fmt.Sprintf("spicecap: capture holds more than the %d bytes allowed", e.Limit)
}

// gzipMagic starts a gzip stream (RFC 1952); a capture never starts so.
const gzipMagic = "\x1f\x8b"

// Reader reads the records of a capture, plain or gzip-compressed.
type Reader struct {
	src  *bufio.Reader // the input as given
	gz   *gzip.Reader  // decompresses src, for a compressed capture
	out  *bufio.Reader // gz's output, buffered
	r    *bufio.Reader // where records are read: src or out
	f    *os.File      // set by Open
	hdr  [headerSize]byte
	buf  []byte
	last uint64 // unwrapped stamp of the last record, µs
	n    int    // records read, for error messages
}

// NewReader checks the magic line of r and returns a reader positioned at
// the first record.
func NewReader(r io.Reader) (*Reader, error) {
	c := &Reader{}
	if err := c.Reset(r); err != nil {
		return nil, err
	}
	return c, nil
}

// Open opens a capture file; Close closes it.
func Open(name string) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("spicecap: open capture: %w", err)
	}
	c, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.f = f
	return c, nil
}

// Reset makes c read a new capture from r, reusing its buffers.
func (c *Reader) Reset(r io.Reader) error {
	if c.src == nil {
		c.src = bufio.NewReader(r)
	} else {
		c.src.Reset(r)
	}
	c.r = c.src
	c.last, c.n = 0, 0
	if b, _ := c.src.Peek(len(gzipMagic)); string(b) == gzipMagic {
		var err error
		if c.gz == nil {
			c.gz, err = gzip.NewReader(c.src)
		} else {
			err = c.gz.Reset(c.src)
		}
		if err != nil {
			return fmt.Errorf("spicecap: read compressed capture: %w", err)
		}
		if c.out == nil {
			c.out = bufio.NewReader(c.gz)
		} else {
			c.out.Reset(c.gz)
		}
		c.r = c.out
	}
	magic, err := c.r.Peek(len(Magic))
	if err != nil && err != io.EOF {
		return fmt.Errorf("spicecap: read capture: %w", err)
	}
	if string(magic) != Magic {
		return FormatError(fmt.Sprintf("bad magic %q", magic))
	}
	_, err = c.r.Discard(len(magic))
	return err
}

// Close closes the file of a reader made by Open.
func (c *Reader) Close() error {
	if c.f == nil {
		return nil
	}
	return c.f.Close()
}

// Next returns the next non-empty record: its direction, its time since
// the connection opened and its bytes. data is valid until the next call.
// At the end of a well-formed capture it returns io.EOF; a capture cut
// inside a record gives an error wrapping io.ErrUnexpectedEOF.
func (c *Reader) Next() (dir Direction, at time.Duration, data []byte, err error) {
	for {
		if _, err := io.ReadFull(c.r, c.hdr[:]); err != nil {
			if err == io.EOF {
				return 0, 0, nil, io.EOF
			}
			return 0, 0, nil, c.readErr("header", err)
		}
		dir = Direction(c.hdr[0])
		if dir != ClientToServer && dir != ServerToClient {
			return 0, 0, nil, FormatError(fmt.Sprintf("record %d: bad direction %d", c.n, dir))
		}
		stamp := binary.LittleEndian.Uint32(c.hdr[1:5])
		c.last += uint64(stamp - uint32(c.last))
		size := binary.LittleEndian.Uint32(c.hdr[5:9])
		if size > MaxRecord {
			return 0, 0, nil, FormatError(fmt.Sprintf("record %d: length %d exceeds %d", c.n, size, MaxRecord))
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

func (c *Reader) readErr(part string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("spicecap: record %d %s: %w", c.n, part, err)
}

// readData reads n bytes into c.buf. A length beyond the buffer's
// capacity is read in steps, so a header that lies about its length costs
// at most one step more than the input actually holds.
func (c *Reader) readData(n int) ([]byte, error) {
	if n <= cap(c.buf) {
		c.buf = c.buf[:n]
		_, err := io.ReadFull(c.r, c.buf)
		return c.buf, err
	}
	b := c.buf[:0]
	for len(b) < n {
		step := min(n-len(b), readStep)
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
// dir concatenated: the byte stream that side sent. More than max bytes
// is a *LimitError. On error it returns what it had read so far along
// with the error.
func (c *Reader) Stream(dir Direction, max int64) ([]byte, error) {
	if dir != ClientToServer && dir != ServerToClient {
		return nil, fmt.Errorf("spicecap: stream: bad direction %d", dir)
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
			if int64(len(out))+int64(len(data)) > max {
				return out, &LimitError{Limit: max}
			}
			out = append(out, data...)
		}
	}
}

// ReadStreams reads the capture file name and returns both byte streams:
// what the client sent and what the server sent. More than max bytes in
// all is a *LimitError.
func ReadStreams(name string, max int64) (client, server []byte, err error) {
	c, err := Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	for {
		dir, _, data, err := c.Next()
		if err == io.EOF {
			return client, server, nil
		}
		if err == nil && int64(len(client))+int64(len(server))+int64(len(data)) > max {
			err = &LimitError{Limit: max}
		}
		if err != nil {
			return client, server, fmt.Errorf("%s: %w", name, err)
		}
		if dir == ClientToServer {
			client = append(client, data...)
		} else {
			server = append(server, data...)
		}
	}
}
