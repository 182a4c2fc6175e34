package spice

// Main channel messages (spice.proto: channel MainChannel).

// MsgMainInit (spice.proto: MainChannel.init).
type MsgMainInit struct {
	SessionID           uint32
	DisplayChannelsHint uint32
	SupportedMouseModes uint32
	CurrentMouseMode    uint32
	AgentConnected      uint32
	AgentTokens         uint32
	MultiMediaTime      uint32
	RAMHint             uint32
}

func (*MsgMainInit) server() {}

func (m *MsgMainInit) Decode(b []byte) error {
	r := newReader(b)
	m.SessionID = r.u32()
	m.DisplayChannelsHint = r.u32()
	m.SupportedMouseModes = r.u32()
	m.CurrentMouseMode = r.u32()
	m.AgentConnected = r.u32()
	m.AgentTokens = r.u32()
	m.MultiMediaTime = r.u32()
	m.RAMHint = r.u32()
	return r.err
}

// ChannelID names one channel of the session.
type ChannelID struct {
	Type ChannelType
	ID   uint8
}

// MsgMainChannelsList (spice.proto: MainChannel.channels_list).
type MsgMainChannelsList struct {
	Channels []ChannelID
}

func (*MsgMainChannelsList) server() {}

func (m *MsgMainChannelsList) Decode(b []byte) error {
	r := newReader(b)
	n := r.count32(2)
	m.Channels = make([]ChannelID, n)
	for i := range m.Channels {
		m.Channels[i] = ChannelID{ChannelType(r.u8()), r.u8()}
	}
	return r.err
}

// MsgMainMouseMode (spice.proto: MainChannel.mouse_mode): u16 fields, unlike INIT.
type MsgMainMouseMode struct {
	SupportedModes uint16
	CurrentMode    uint16
}

func (*MsgMainMouseMode) server() {}

func (m *MsgMainMouseMode) Decode(b []byte) error {
	r := newReader(b)
	m.SupportedModes = r.u16()
	m.CurrentMode = r.u16()
	return r.err
}

// MsgMainMultiMediaTime (spice.proto: MainChannel.multi_media_time).
type MsgMainMultiMediaTime struct{ Time uint32 }

func (*MsgMainMultiMediaTime) server() {}

func (m *MsgMainMultiMediaTime) Decode(b []byte) error {
	r := newReader(b)
	m.Time = r.u32()
	return r.err
}

// MsgMainAgentDisconnected (spice.proto: MainChannel.agent_disconnected).
type MsgMainAgentDisconnected struct{ Error uint32 }

func (*MsgMainAgentDisconnected) server() {}

func (m *MsgMainAgentDisconnected) Decode(b []byte) error {
	r := newReader(b)
	m.Error = r.u32()
	return r.err
}

// MsgMainAgentToken grants tokens for client-to-agent data
// (spice.proto: MainChannel.agent_token); AGENT_CONNECTED_TOKENS has the
// same body.
type MsgMainAgentToken struct{ NumTokens uint32 }

func (*MsgMainAgentToken) server() {}

func (m *MsgMainAgentToken) Decode(b []byte) error {
	r := newReader(b)
	m.NumTokens = r.u32()
	return r.err
}

// MsgMainName (spice.proto: MainChannel.name): the VM's name.
type MsgMainName struct{ Name string }

func (*MsgMainName) server() {}

func (m *MsgMainName) Decode(b []byte) error {
	r := newReader(b)
	s := r.take(r.count32(1))
	for len(s) > 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-1]
	}
	m.Name = string(s)
	return r.err
}

// MsgMainUUID (spice.proto: MainChannel.uuid).
type MsgMainUUID struct{ UUID [16]byte }

func (*MsgMainUUID) server() {}

func (m *MsgMainUUID) Decode(b []byte) error {
	r := newReader(b)
	copy(m.UUID[:], r.take(16))
	return r.err
}

// MsgcMainAttachChannels asks for the channel list (spice.proto: MainChannel.attach_channels).
type MsgcMainAttachChannels struct{}

func (*MsgcMainAttachChannels) client()                  {}
func (*MsgcMainAttachChannels) Type() MsgType            { return MsgcTypeMainAttachChannels }
func (*MsgcMainAttachChannels) Encode(dst []byte) []byte { return dst }

// MsgcMainMouseModeRequest (spice.proto: MainChannel.mouse_mode_request).
type MsgcMainMouseModeRequest struct{ Mode uint16 }

func (*MsgcMainMouseModeRequest) client()                    {}
func (*MsgcMainMouseModeRequest) Type() MsgType              { return MsgcTypeMainMouseModeRequest }
func (m *MsgcMainMouseModeRequest) Encode(dst []byte) []byte { return put16(dst, m.Mode) }

// MsgcMainAgentStart grants the server tokens for agent-to-client data
// (spice.proto: MainChannel.agent_start).
type MsgcMainAgentStart struct{ NumTokens uint32 }

func (*MsgcMainAgentStart) client()                    {}
func (*MsgcMainAgentStart) Type() MsgType              { return MsgcTypeMainAgentStart }
func (m *MsgcMainAgentStart) Encode(dst []byte) []byte { return put32(dst, m.NumTokens) }

// MsgcMainAgentData carries at most 2048 bytes of agent protocol
// (spice.proto: MainChannel.agent_data).
type MsgcMainAgentData struct{ Data []byte }

func (*MsgcMainAgentData) client()                    {}
func (*MsgcMainAgentData) Type() MsgType              { return MsgcTypeMainAgentData }
func (m *MsgcMainAgentData) Encode(dst []byte) []byte { return append(dst, m.Data...) }

// MsgcMainMigrateConnectError tells the server a migration target cannot
// be reached, which a browser behind a fixed proxy never can.
type MsgcMainMigrateConnectError struct{}

func (*MsgcMainMigrateConnectError) client()                  {}
func (*MsgcMainMigrateConnectError) Type() MsgType            { return MsgcTypeMainMigrateConnectError }
func (*MsgcMainMigrateConnectError) Encode(dst []byte) []byte { return dst }

// MsgcMainAgentToken returns tokens to the server for agent-to-client
// data the client has consumed (spice.proto: MainChannel.agent_token).
type MsgcMainAgentToken struct{ NumTokens uint32 }

func (*MsgcMainAgentToken) client()                    {}
func (*MsgcMainAgentToken) Type() MsgType              { return MsgcTypeMainAgentToken }
func (m *MsgcMainAgentToken) Encode(dst []byte) []byte { return put32(dst, m.NumTokens) }
