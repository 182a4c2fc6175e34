package spice

import (
	"encoding/binary"
	"io"
	"strconv"
)

// Link stage structures (protocol.h SpiceLinkHeader, SpiceLinkMess,
// SpiceLinkReply). The link stage is not framed: each side sends a
// SpiceLinkHeader followed by exactly header.size bytes.

const (
	linkMagic        = 0x51444552 // "REDQ"
	VersionMajor     = 2
	VersionMinor     = 2
	linkHeaderSize   = 16
	linkMessSize     = 18
	linkReplySize    = 178
	TicketPubkeySize = 162 // SPICE_TICKET_PUBKEY_BYTES: DER SubjectPublicKeyInfo of RSA-1024
	TicketSize       = 128 // SPICE_TICKET_KEY_PAIR_LENGTH / 8
	maxLinkReplySize = 4096 + linkReplySize
)

// Caps is a capability bit set as sent on the wire: bit n of word n/32.
type Caps []uint32

// Has reports whether capability n is set.
func (c Caps) Has(n int) bool {
	return n/32 < len(c) && c[n/32]&(1<<(n%32)) != 0
}

// With returns c with capability n set, growing it as needed.
func (c Caps) With(n int) Caps {
	for len(c) <= n/32 {
		c = append(c, 0)
	}
	c[n/32] |= 1 << (n % 32)
	return c
}

// LinkMess is the client's link request (SpiceLinkMess plus caps).
type LinkMess struct {
	ConnectionID uint32 // 0 for main, the session id for every other channel
	ChannelType  ChannelType
	ChannelID    uint8
	CommonCaps   Caps
	ChannelCaps  Caps
}

// AppendLink appends the link header and message to dst.
func (m *LinkMess) AppendLink(dst []byte) []byte {
	size := linkMessSize + 4*(len(m.CommonCaps)+len(m.ChannelCaps))
	dst = put32(dst, linkMagic)
	dst = put32(dst, VersionMajor)
	dst = put32(dst, VersionMinor)
	dst = put32(dst, uint32(size))
	dst = put32(dst, m.ConnectionID)
	dst = put8(dst, uint8(m.ChannelType))
	dst = put8(dst, m.ChannelID)
	dst = put32(dst, uint32(len(m.CommonCaps)))
	dst = put32(dst, uint32(len(m.ChannelCaps)))
	dst = put32(dst, linkMessSize)
	for _, w := range m.CommonCaps {
		dst = put32(dst, w)
	}
	for _, w := range m.ChannelCaps {
		dst = put32(dst, w)
	}
	return dst
}

// LinkReply is the server's answer (SpiceLinkReply plus caps).
type LinkReply struct {
	Error       LinkErr
	PubKey      []byte // DER SubjectPublicKeyInfo
	CommonCaps  Caps
	ChannelCaps Caps
}

// ReadLinkReply reads the server's link header and reply.
func ReadLinkReply(r io.Reader) (*LinkReply, error) {
	var hdr [linkHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint32(hdr[0:]) != linkMagic {
		return nil, FormatError("link reply: bad magic (not a SPICE server?)")
	}
	if major := binary.LittleEndian.Uint32(hdr[4:]); major != VersionMajor {
		return nil, UnsupportedError("protocol major version " + strconv.Itoa(int(major)))
	}
	size := binary.LittleEndian.Uint32(hdr[12:])
	if size < 4 || size > maxLinkReplySize {
		return nil, FormatError("link reply: bad size")
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return ParseLinkReply(body)
}

// ParseLinkReply decodes the bytes following the link header.
func ParseLinkReply(body []byte) (*LinkReply, error) {
	rd := newReader(body)
	rep := &LinkReply{Error: LinkErr(rd.u32())}
	if rd.err != nil {
		return nil, rd.err
	}
	if rep.Error != LinkErrOK {
		// Error replies may be short; the error code is all that matters.
		return rep, nil
	}
	rep.PubKey = rd.take(TicketPubkeySize)
	nCommon := rd.u32()
	nChannel := rd.u32()
	capsOff := rd.u32()
	if rd.err != nil {
		return nil, FormatError("link reply too short")
	}
	if uint64(capsOff)+4*(uint64(nCommon)+uint64(nChannel)) > uint64(len(body)) {
		return nil, FormatError("link reply: capabilities outside message")
	}
	c := rd.at(capsOff)
	rep.CommonCaps = make(Caps, nCommon)
	for i := range rep.CommonCaps {
		rep.CommonCaps[i] = c.u32()
	}
	rep.ChannelCaps = make(Caps, nChannel)
	for i := range rep.ChannelCaps {
		rep.ChannelCaps[i] = c.u32()
	}
	return rep, c.err
}

// AuthMechanism is sent after the reply when the server offers
// CommonCapProtocolAuthSelection (SpiceLinkAuthMechanism).
func AppendAuthMechanism(dst []byte, capability uint32) []byte { return put32(dst, capability) }

// ReadLinkResult reads the bare u32 result that follows the ticket.
func ReadLinkResult(r io.Reader) (LinkErr, error) {
	var b [4]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	return LinkErr(binary.LittleEndian.Uint32(b[:])), nil
}
