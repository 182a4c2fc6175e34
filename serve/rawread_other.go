//go:build !unix && !js

package main

import (
	"net"
	"sync"
)

// pooledReader reads into pooled buffers; here a waiting read holds its
// buffer.
type pooledReader struct{ conn net.Conn }

func newPooledReader(c net.Conn) *pooledReader { return &pooledReader{conn: c} }

func (r *pooledReader) read(pool *sync.Pool) (*[]byte, int, error) {
	bufp := pool.Get().(*[]byte)
	n, err := r.conn.Read(*bufp)
	return bufp, n, err
}
