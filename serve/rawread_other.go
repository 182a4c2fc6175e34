//go:build !unix && !js

package main

import (
	"net"
	"sync"
)

// pooledReader reads into pooled buffers; here a waiting read holds its
// buffer.
type pooledReader struct{ tcp *net.TCPConn }

func newPooledReader(c *net.TCPConn) *pooledReader { return &pooledReader{tcp: c} }

func (r *pooledReader) read(pool *sync.Pool) (*[]byte, int, error) {
	bufp := pool.Get().(*[]byte)
	n, err := r.tcp.Read(*bufp)
	return bufp, n, err
}
