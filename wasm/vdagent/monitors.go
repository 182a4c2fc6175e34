package vdagent

// MaxMonitors bounds a MONITORS_CONFIG. spice-gtk keeps 16 displays.
const MaxMonitors = 16

// MonConfig is one monitor (VDAgentMonConfig); note height comes first.
// A zero size disables the monitor under CapSparseMonitorsConfig.
type MonConfig struct {
	Height, Width, Depth uint32
	X, Y                 int32
}

// MonitorMM is a monitor's physical size in millimetres (VDAgentMonitorMM).
type MonitorMM struct {
	Height, Width uint16
}

// MonitorsConfig asks the guest for a monitor layout
// (VDAgentMonitorsConfig). PhysicalSizes is on the wire only with
// MonitorsFlagPhysicalSize in Flags, one per monitor (zeros where
// PhysicalSizes is short).
type MonitorsConfig struct {
	Flags         uint32
	Monitors      []MonConfig
	PhysicalSizes []MonitorMM
}

func (*MonitorsConfig) Type() MsgType { return MsgMonitorsConfig }

func (m *MonitorsConfig) Encode(dst []byte, _ Caps) []byte {
	dst = put32(dst, uint32(len(m.Monitors)))
	dst = put32(dst, m.Flags)
	for _, c := range m.Monitors {
		dst = put32(dst, c.Height)
		dst = put32(dst, c.Width)
		dst = put32(dst, c.Depth)
		dst = put32(dst, uint32(c.X))
		dst = put32(dst, uint32(c.Y))
	}
	if m.Flags&MonitorsFlagPhysicalSize != 0 {
		for i := range m.Monitors {
			var mm MonitorMM
			if i < len(m.PhysicalSizes) {
				mm = m.PhysicalSizes[i]
			}
			dst = put16(put16(dst, mm.Height), mm.Width)
		}
	}
	return dst
}

func (m *MonitorsConfig) Decode(b []byte, _ Caps) error {
	r := reader{b: b}
	n := r.u32()
	m.Flags = r.u32()
	if r.err != nil {
		return r.err
	}
	if n > MaxMonitors {
		return FormatError("monitors config with " + itoa(uint64(n)) + " monitors")
	}
	if r.left() < int(n)*20 {
		return ErrShort
	}
	m.Monitors = make([]MonConfig, n)
	for i := range m.Monitors {
		m.Monitors[i] = MonConfig{Height: r.u32(), Width: r.u32(), Depth: r.u32(), X: int32(r.u32()), Y: int32(r.u32())}
	}
	m.PhysicalSizes = nil
	if m.Flags&MonitorsFlagPhysicalSize != 0 {
		if r.left() < int(n)*4 {
			return ErrShort
		}
		m.PhysicalSizes = make([]MonitorMM, n)
		for i := range m.PhysicalSizes {
			m.PhysicalSizes[i] = MonitorMM{Height: r.u16(), Width: r.u16()}
		}
	}
	return r.err
}
