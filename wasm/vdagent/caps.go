package vdagent

// Caps is an agent capability bitset, 32 capabilities per word.
type Caps []uint32

// capsWords is VD_AGENT_CAPS_SIZE: the words a client announces.
const capsWords = (int(capEnd) + 31) / 32

// maxCapsWords bounds what Decode keeps: a peer may announce more words
// (capabilities from a newer protocol) but none we know lives there.
const maxCapsWords = 8

func (c Caps) Has(cap Cap) bool {
	i := int(cap / 32)
	return i < len(c) && c[i]&(1<<(cap%32)) != 0
}

// With returns a copy of c with cap set; c itself is not changed, so a
// shared set can be extended safely.
func (c Caps) With(cap Cap) Caps {
	i := int(cap / 32)
	out := make(Caps, max(len(c), i+1))
	copy(out, c)
	out[i] |= 1 << (cap % 32)
	return out
}

// AnnounceCapabilities says what a side can do; Request asks the peer to
// announce its own in return (vd_agent.h: VDAgentAnnounceCapabilities).
type AnnounceCapabilities struct {
	Request bool
	Caps    Caps
}

func (*AnnounceCapabilities) Type() MsgType { return MsgAnnounceCapabilities }

func (m *AnnounceCapabilities) Encode(dst []byte, _ Caps) []byte {
	req := uint32(0)
	if m.Request {
		req = 1
	}
	dst = put32(dst, req)
	// Always whole words: the peer derives the count from the size.
	for i := range max(len(m.Caps), capsWords) {
		w := uint32(0)
		if i < len(m.Caps) {
			w = m.Caps[i]
		}
		dst = put32(dst, w)
	}
	return dst
}

func (m *AnnounceCapabilities) Decode(b []byte, _ Caps) error {
	r := reader{b: b}
	m.Request = r.u32() != 0
	if r.err != nil {
		return r.err
	}
	// A trailing partial word is ignored, as spice-gtk's
	// VD_AGENT_CAPS_SIZE_FROM_MSG_SIZE rounds down.
	n := min(r.left()/4, maxCapsWords)
	m.Caps = make(Caps, n)
	for i := range m.Caps {
		m.Caps[i] = r.u32()
	}
	return r.err
}
