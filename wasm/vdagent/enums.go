package vdagent

// Protocol is the only VDAgentMessage.protocol value (VD_AGENT_PROTOCOL).
const Protocol = 1

// MaxDataSize is the most agent bytes one AGENT_DATA may carry
// (VD_AGENT_MAX_DATA_SIZE).
const MaxDataSize = 2048

// HeaderSize is the size of VDAgentMessage before its data.
const HeaderSize = 20

// MsgType is VDAgentMessage.type.
type MsgType uint32

// vd_agent.h: the VD_AGENT_* message enumeration.
const (
	MsgMouseState           MsgType = 1
	MsgMonitorsConfig       MsgType = 2
	MsgReply                MsgType = 3
	MsgClipboard            MsgType = 4
	MsgDisplayConfig        MsgType = 5
	MsgAnnounceCapabilities MsgType = 6
	MsgClipboardGrab        MsgType = 7
	MsgClipboardRequest     MsgType = 8
	MsgClipboardRelease     MsgType = 9
	MsgFileXferStart        MsgType = 10
	MsgFileXferStatus       MsgType = 11
	MsgFileXferData         MsgType = 12
	MsgClientDisconnected   MsgType = 13
	MsgMaxClipboard         MsgType = 14
	MsgAudioVolumeSync      MsgType = 15
	MsgGraphicsDeviceInfo   MsgType = 16
	msgEnd                  MsgType = 17
)

var msgNames = [...]string{"", "mouse-state", "monitors-config", "reply", "clipboard", "display-config",
	"announce-capabilities", "clipboard-grab", "clipboard-request", "clipboard-release", "file-xfer-start",
	"file-xfer-status", "file-xfer-data", "client-disconnected", "max-clipboard", "audio-volume-sync",
	"graphics-device-info"}

func (t MsgType) String() string {
	if t > 0 && t < msgEnd {
		return msgNames[t]
	}
	return "type-" + itoa(uint64(t))
}

// Cap is an agent capability bit (VD_AGENT_CAP_*).
type Cap uint32

const (
	CapMouseState                 Cap = 0
	CapMonitorsConfig             Cap = 1
	CapReply                      Cap = 2
	CapClipboard                  Cap = 3
	CapDisplayConfig              Cap = 4
	CapClipboardByDemand          Cap = 5
	CapClipboardSelection         Cap = 6
	CapSparseMonitorsConfig       Cap = 7
	CapGuestLineendLF             Cap = 8
	CapGuestLineendCRLF           Cap = 9
	CapMaxClipboard               Cap = 10
	CapAudioVolumeSync            Cap = 11
	CapMonitorsConfigPosition     Cap = 12
	CapFileXferDisabled           Cap = 13
	CapFileXferDetailedErrors     Cap = 14
	CapGraphicsDeviceInfo         Cap = 15
	CapClipboardNoReleaseOnRegrab Cap = 16
	CapClipboardGrabSerial        Cap = 17
	capEnd                        Cap = 18
)

// ClipboardType is a clipboard data type (VD_AGENT_CLIPBOARD_*).
type ClipboardType uint32

const (
	ClipboardNone      ClipboardType = 0
	ClipboardUTF8Text  ClipboardType = 1
	ClipboardImagePNG  ClipboardType = 2
	ClipboardImageBMP  ClipboardType = 3
	ClipboardImageTIFF ClipboardType = 4
	ClipboardImageJPG  ClipboardType = 5
	ClipboardFileList  ClipboardType = 6
)

// Clipboard selections (VD_AGENT_CLIPBOARD_SELECTION_*). Only X11 guests
// have the last two.
const (
	SelectionClipboard = 0
	SelectionPrimary   = 1
	SelectionSecondary = 2
)

// XferStatus is VDAgentFileXferStatusMessage.result.
type XferStatus uint32

const (
	XferCanSendData         XferStatus = 0
	XferCancelled           XferStatus = 1
	XferError               XferStatus = 2
	XferSuccess             XferStatus = 3
	XferNotEnoughSpace      XferStatus = 4
	XferSessionLocked       XferStatus = 5
	XferVDAgentNotConnected XferStatus = 6
	XferDisabled            XferStatus = 7
)

// Monitors config flags (VD_AGENT_CONFIG_MONITORS_FLAG_*).
const (
	MonitorsFlagUsePos       = 1 << 0
	MonitorsFlagPhysicalSize = 1 << 1
)

// VDAgentReply.error values.
const (
	ReplySuccess = 1
	ReplyError   = 2
)
