//go:build unix

package main

import (
	"io"
	"net"
	"sync"
	"syscall"
)

// pooledReader reads a TCP connection into pooled buffers, taking a
// buffer only once the socket has data: while it waits, a connection
// holds no buffer. A blocking Read(buf) would pin a 64 KiB buffer to
// every idle console (gobwas/ws and other servers of many idle
// connections do the same with the poller).
type pooledReader struct {
	rc  syscall.RawConn
	tcp *net.TCPConn
}

func newPooledReader(c *net.TCPConn) *pooledReader {
	rc, err := c.SyscallConn()
	if err != nil {
		return &pooledReader{tcp: c}
	}
	return &pooledReader{rc: rc, tcp: c}
}

// read returns a buffer from pool holding n bytes, or an error (io.EOF
// when the peer closed). The caller returns the buffer to pool.
func (r *pooledReader) read(pool *sync.Pool) (*[]byte, int, error) {
	if r.rc == nil {
		bufp := pool.Get().(*[]byte)
		n, err := r.tcp.Read(*bufp)
		return bufp, n, err
	}
	var bufp *[]byte
	var n int
	var rerr error
	err := r.rc.Read(func(fd uintptr) bool {
		if bufp == nil {
			bufp = pool.Get().(*[]byte)
		}
		for {
			n, rerr = syscall.Read(int(fd), *bufp)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			// Nothing yet: give the buffer back while the poller waits.
			pool.Put(bufp)
			bufp = nil
			return false
		}
		return true
	})
	if err != nil {
		return bufp, 0, err
	}
	if rerr != nil {
		return bufp, 0, rerr
	}
	if n == 0 {
		return bufp, 0, io.EOF
	}
	return bufp, n, nil
}
