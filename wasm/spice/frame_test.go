package spice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// TestReadMessageTooLarge: a header declaring more than MaxMessageSize is
// refused from the header alone (no body is awaited or allocated), with an
// error that names the message and its size.
func TestReadMessageTooLarge(t *testing.T) {
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		mini bool
		hdr  []byte
	}{
		{"mini", true, le.AppendUint32(le.AppendUint16(nil, 302), MaxMessageSize+1)},
		{"full", false, le.AppendUint32(le.AppendUint32(le.AppendUint16(le.AppendUint64(nil, 1), 302), MaxMessageSize+1), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Frame{Mini: tc.mini}
			_, body, err := f.ReadMessage(bytes.NewReader(tc.hdr))
			if body != nil || !errors.Is(err, ErrTooLarge) {
				t.Fatalf("ReadMessage = %d bytes, %v; want ErrTooLarge", len(body), err)
			}
			var tl *TooLargeError
			if !errors.As(err, &tl) || tl.Type != 302 || tl.Size != MaxMessageSize+1 {
				t.Errorf("error %#v, want type 302 and size %d", err, MaxMessageSize+1)
			}
			want := "spice: message 302 declares 67112961 bytes, more than the limit of 67112960"
			if err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if cap(f.buf) != 0 {
				t.Errorf("a %d-byte buffer was allocated for a refused message", cap(f.buf))
			}
		})
	}
}
