package vdagent

import (
	"strconv"
	"strings"
)

// File transfer, client to guest: START with the file's name and size,
// the agent's STATUS CAN_SEND_DATA, DATA pieces, and the agent's final
// STATUS. Either side may send STATUS CANCELLED or ERROR to stop.

// MaxXferName bounds a file name in a START, in bytes. Guest file systems
// take 255.
const MaxXferName = 255

// maxXferStart bounds the key file of a START.
const maxXferStart = 4096

// FileXferStart starts a transfer (VDAgentFileXferStartMessage). The data
// after the id is a GKeyFile, NUL-terminated, as spice-gtk writes it:
//
//	[vdagent-file-xfer]
//	name=<file name>
//	size=<bytes>
type FileXferStart struct {
	ID   uint32
	Name string
	Size uint64
}

const xferGroup = "[vdagent-file-xfer]"

func (*FileXferStart) Type() MsgType { return MsgFileXferStart }

func (m *FileXferStart) Encode(dst []byte, _ Caps) []byte {
	dst = put32(dst, m.ID)
	dst = append(dst, xferGroup+"\nname="...)
	dst = appendKeyFileValue(dst, m.Name)
	dst = append(dst, "\nsize="...)
	dst = strconv.AppendUint(dst, m.Size, 10)
	return append(dst, '\n', 0)
}

func (m *FileXferStart) Decode(b []byte, _ Caps) error {
	r := reader{b: b}
	m.ID = r.u32()
	text := r.rest()
	if r.err != nil {
		return r.err
	}
	if len(text) > maxXferStart {
		return FormatError("file transfer start of " + itoa(uint64(len(text))) + " bytes")
	}
	if i := strings.IndexByte(string(text), 0); i >= 0 {
		text = text[:i]
	}
	var inGroup, haveName, haveSize bool
	for line := range strings.SplitSeq(string(text), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			inGroup = strings.TrimSpace(line) == xferGroup
			continue
		case !inGroup:
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return FormatError("file transfer start: line without '='")
		}
		switch strings.TrimSpace(k) {
		case "name":
			name, err := parseKeyFileValue(strings.TrimLeft(v, " \t"))
			if err != nil {
				return err
			}
			if len(name) > MaxXferName {
				return FormatError("file transfer start: name of " + itoa(uint64(len(name))) + " bytes")
			}
			m.Name, haveName = name, true
		case "size":
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return FormatError("file transfer start: bad size")
			}
			m.Size, haveSize = n, true
		}
	}
	if !haveName || !haveSize {
		return FormatError("file transfer start without name or size")
	}
	return nil
}

// appendKeyFileValue escapes s as g_key_file_set_string does: backslash,
// newline, carriage return and tab, and a leading space as \s.
func appendKeyFileValue(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			dst = append(dst, `\\`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		case ' ':
			if i == 0 {
				dst = append(dst, `\s`...)
			} else {
				dst = append(dst, ' ')
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func parseKeyFileValue(v string) (string, error) {
	if !strings.Contains(v, `\`) {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		i++
		if i == len(v) {
			return "", FormatError("file transfer start: name ends in a backslash")
		}
		switch v[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 's':
			b.WriteByte(' ')
		default:
			return "", FormatError("file transfer start: bad escape in name")
		}
	}
	return b.String(), nil
}

// FileXferStatus reports a transfer's state (VDAgentFileXferStatusMessage).
// Detail is the optional data after the result, under
// CapFileXferDetailedErrors; FreeSpace and IOError read it.
type FileXferStatus struct {
	ID     uint32
	Result XferStatus
	Detail []byte
}

func (*FileXferStatus) Type() MsgType { return MsgFileXferStatus }

func (m *FileXferStatus) Encode(dst []byte, _ Caps) []byte {
	return append(put32(put32(dst, m.ID), uint32(m.Result)), m.Detail...)
}

// maxXferDetail bounds the detail kept; the defined ones are 5 and 8 bytes.
const maxXferDetail = 64

func (m *FileXferStatus) Decode(b []byte, _ Caps) error {
	r := reader{b: b}
	m.ID = r.u32()
	m.Result = XferStatus(r.u32())
	d := r.rest()
	if len(d) > maxXferDetail {
		d = d[:maxXferDetail]
	}
	m.Detail = append([]byte(nil), d...)
	return r.err
}

// FreeSpace is the guest's free disk space in a NOT_ENOUGH_SPACE status
// (VDAgentFileXferStatusNotEnoughSpace), when the agent sent it.
func (m *FileXferStatus) FreeSpace() (uint64, bool) {
	if m.Result != XferNotEnoughSpace || len(m.Detail) < 8 {
		return 0, false
	}
	r := reader{b: m.Detail}
	return r.u64(), true
}

// IOError is the GIO error code of an ERROR status
// (VDAgentFileXferStatusError with error_type GLIB_IO), when sent.
func (m *FileXferStatus) IOError() (uint32, bool) {
	if m.Result != XferError || len(m.Detail) < 5 || m.Detail[0] != 0 {
		return 0, false
	}
	r := reader{b: m.Detail[1:]}
	return r.u32(), true
}

// FileXferData is one piece of a file (VDAgentFileXferDataMessage).
// Decode leaves Data aliasing its input.
type FileXferData struct {
	ID   uint32
	Data []byte
}

func (*FileXferData) Type() MsgType { return MsgFileXferData }

func (m *FileXferData) Encode(dst []byte, _ Caps) []byte {
	dst = put64(put32(dst, m.ID), uint64(len(m.Data)))
	return append(dst, m.Data...)
}

func (m *FileXferData) Decode(b []byte, _ Caps) error {
	r := reader{b: b}
	m.ID = r.u32()
	size := r.u64()
	if r.err != nil {
		return r.err
	}
	if size != uint64(r.left()) {
		return FormatError("file data declares " + itoa(size) + " bytes and carries " + itoa(uint64(r.left())))
	}
	m.Data = r.rest()
	return nil
}
