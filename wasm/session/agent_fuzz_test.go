package session

import (
	"testing"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/vdagent"
)

// FuzzAgent feeds the main channel's agent handlers arbitrary sequences of
// AGENT_DATA, AGENT_TOKEN, AGENT_CONNECTED_TOKENS and AGENT_DISCONNECTED
// (records as in FuzzDisplay), with a file transfer and a clipboard of
// ours pending: no panic, and what the agent queues to send stays
// bounded by what the fuzz input could ask for.
func FuzzAgent(f *testing.F) {
	caps := vdagent.AppendMessage(nil, &vdagent.AnnounceCapabilities{Request: true, Caps: linuxAgentCaps}, nil)
	grab := vdagent.AppendMessage(nil, &vdagent.ClipboardGrab{Types: []vdagent.ClipboardType{1}}, linuxAgentCaps)
	clip := vdagent.AppendMessage(nil, &vdagent.Clipboard{DataType: 1, Data: []byte("x\r\ny")}, linuxAgentCaps)
	req := vdagent.AppendMessage(nil, &vdagent.ClipboardRequest{DataType: 1}, linuxAgentCaps)
	status := vdagent.AppendMessage(nil, &vdagent.FileXferStatus{ID: 1, Result: vdagent.XferCanSendData}, nil)
	done := vdagent.AppendMessage(nil, &vdagent.FileXferStatus{ID: 1, Result: vdagent.XferSuccess}, nil)
	reply := vdagent.AppendMessage(nil, &vdagent.Reply{Acked: vdagent.MsgMonitorsConfig, Error: 1}, nil)
	var seed []byte
	for _, m := range [][]byte{caps, grab, clip[:7], clip[7:], req, status, reply, done} {
		seed = append(seed, record(spice.MsgTypeMainAgentData, m)...)
	}
	seed = append(seed, record(spice.MsgTypeMainAgentToken, body{}.u32(50))...)
	seed = append(seed, record(spice.MsgTypeMainAgentDisconnected, body{}.u32(0))...)
	seed = append(seed, record(spice.MsgTypeMainAgentConnectedTokens, body{}.u32(5))...)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := New(Config{})
		ch := &channel{client: c, out: newSendQueue()}
		a := newAgent(c, ch)
		c.agent = a
		if err := a.start(10, true); err != nil {
			t.Fatal(err)
		}
		c.SendFile(1, &countingFile{data: make([]byte, 100<<10)}, "f")
		c.SetDisplaySize(1000, 700)
		messages(data, func(typ spice.MsgType, b []byte) bool {
			switch typ % 4 {
			case 0:
				if err := a.data(b); err != nil {
					t.Fatalf("agent data: %v", err)
				}
			case 1:
				if len(b) >= 4 {
					a.addTokens(uint32(b[0]) | uint32(b[1])<<8)
				}
			case 2:
				if err := a.start(uint32(len(b)), true); err != nil {
					t.Fatal(err)
				}
			case 3:
				a.stop()
			}
			if typ%7 == 0 {
				c.SetClipboard(ClipboardData{Text: string(b)})
			}
			return true
		})
		a.mu.Lock()
		queued := a.w.Bytes()
		a.mu.Unlock()
		// At most the file's pending piece and a few small messages per
		// input byte.
		if queued > 2*filePiece+64*len(data)+4096 {
			t.Fatalf("%d bytes queued for the agent from %d input bytes", queued, len(data))
		}
		a.close()
	})
}
