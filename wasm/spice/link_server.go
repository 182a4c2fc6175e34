package spice

import (
	"encoding/binary"
	"io"
	"strconv"
)

// The server's side of the link stage, for programs that play a SPICE
// server (serve's replay of a recorded session, test servers): reading the
// client's SpiceLinkMess and writing a SpiceLinkReply.

// MaxLinkMessSize bounds the client's link message: 18 bytes and its
// capability words. Real clients send a few words; spice-server reads at
// most 4 KiB (reds.c: the link header's size is checked against a fixed
// buffer).
const MaxLinkMessSize = 4096

// ReadLinkMess reads a client's link header and message, the bytes
// LinkMess.AppendLink writes.
func ReadLinkMess(r io.Reader) (*LinkMess, error) {
	var hdr [linkHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint32(hdr[0:]) != linkMagic {
		return nil, FormatError("link: bad magic (not a SPICE client?)")
	}
	if major := binary.LittleEndian.Uint32(hdr[4:]); major != VersionMajor {
		return nil, UnsupportedError("protocol major version " + strconv.Itoa(int(major)))
	}
	size := binary.LittleEndian.Uint32(hdr[12:])
	if size < linkMessSize || size > MaxLinkMessSize {
		return nil, FormatError("link message: bad size " + strconv.Itoa(int(size)))
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return ParseLinkMess(body)
}

// ParseLinkMess decodes the bytes following the client's link header.
func ParseLinkMess(body []byte) (*LinkMess, error) {
	rd := newReader(body)
	m := &LinkMess{ConnectionID: rd.u32(), ChannelType: ChannelType(rd.u8()), ChannelID: rd.u8()}
	nCommon := rd.u32()
	nChannel := rd.u32()
	capsOff := rd.u32()
	if rd.err != nil {
		return nil, FormatError("link message too short")
	}
	if uint64(capsOff)+4*(uint64(nCommon)+uint64(nChannel)) > uint64(len(body)) {
		return nil, FormatError("link message: capabilities outside message")
	}
	c := rd.at(capsOff)
	m.CommonCaps = make(Caps, nCommon)
	for i := range m.CommonCaps {
		m.CommonCaps[i] = c.u32()
	}
	m.ChannelCaps = make(Caps, nChannel)
	for i := range m.ChannelCaps {
		m.ChannelCaps[i] = c.u32()
	}
	return m, c.err
}

// AppendLink appends the link header and the reply to dst, laid out as
// spice-server writes it (reds.c reds_send_link_ack): the fixed reply, then
// the capability words. A reply with an error has no key and no
// capabilities but keeps the fixed part's size, as reds_send_link_error
// does. A PubKey of another length than TicketPubkeySize is cut or padded
// with zeros.
func (m *LinkReply) AppendLink(dst []byte) []byte {
	common, channel := m.CommonCaps, m.ChannelCaps
	if m.Error != LinkErrOK {
		common, channel = nil, nil
	}
	dst = put32(dst, linkMagic)
	dst = put32(dst, VersionMajor)
	dst = put32(dst, VersionMinor)
	dst = put32(dst, uint32(linkReplySize+4*(len(common)+len(channel))))
	dst = put32(dst, uint32(m.Error))
	key := m.PubKey
	if m.Error != LinkErrOK {
		key = nil
	}
	key = key[:min(len(key), TicketPubkeySize)]
	dst = append(dst, key...)
	dst = append(dst, make([]byte, TicketPubkeySize-len(key))...)
	dst = put32(dst, uint32(len(common)))
	dst = put32(dst, uint32(len(channel)))
	dst = put32(dst, linkReplySize)
	for _, w := range common {
		dst = put32(dst, w)
	}
	for _, w := range channel {
		dst = put32(dst, w)
	}
	return dst
}

// AppendLinkResult appends the bare u32 result that follows the ticket.
func AppendLinkResult(dst []byte, result LinkErr) []byte { return put32(dst, uint32(result)) }
