package jsbridge

import (
	"errors"
	"syscall/js"

	"spiceweb/wasm/session"
)

// The guest agent's part of the contract (webui/src/goapi.ts): the
// session methods typeText, setClipboard, setDisplaySize, sendFile and
// cancelFile, and the events agent, clipboard and fileProgress, which the
// screen delivers as the session's AgentSink.

// agentMethods adds the agent's methods to a session handle.
func agentMethods(method func(string, func([]js.Value) any), client *session.Client) {
	method("typeText", func(a []js.Value) any {
		if v := arg(a, 0); v.Type() == js.TypeString {
			return client.TypeText(v.String())
		}
		return 0
	})
	method("setClipboard", func(a []js.Value) any {
		if d, ok := clipboardFromJS(arg(a, 0)); ok {
			client.SetClipboard(d)
		}
		return nil
	})
	method("setDisplaySize", func(a []js.Value) any {
		client.SetDisplaySize(argInt(a, 0), argInt(a, 1))
		return nil
	})
	method("sendFile", func(a []js.Value) any {
		id, blob, name := argInt(a, 0), arg(a, 1), arg(a, 2)
		if blob.Type() != js.TypeObject || blob.Get("slice").Type() != js.TypeFunction {
			js.Global().Get("console").Call("error", "spiceweb: sendFile(id, file, name): file must be a Blob")
			return nil
		}
		n := "file"
		if name.Type() == js.TypeString {
			n = name.String()
		}
		src := &blobSource{blob: blob, size: int64(blob.Get("size").Float())}
		// SendFile only queues and reports; reading happens on the
		// session's own goroutine.
		client.SendFile(id, src, n)
		return nil
	})
	method("cancelFile", func(a []js.Value) any { client.CancelFile(argInt(a, 0)); return nil })
}

// clipboardFromJS reads a ClipboardData object.
func clipboardFromJS(v js.Value) (session.ClipboardData, bool) {
	if v.Type() != js.TypeObject {
		return session.ClipboardData{}, false
	}
	switch v.Get("type").String() {
	case "text":
		if t := v.Get("text"); t.Type() == js.TypeString {
			return session.ClipboardData{Text: t.String()}, true
		}
	case "image":
		data := v.Get("data")
		if v.Get("mime").String() == "image/png" && data.InstanceOf(uint8Array) {
			b := make([]byte, data.Length())
			js.CopyBytesToGo(b, data)
			return session.ClipboardData{Image: true, PNG: b}, true
		}
	}
	return session.ClipboardData{}, false
}

func (s *screen) Agent(a session.AgentState) {
	s.call("agent", map[string]any{
		"connected":       a.Connected,
		"clipboard":       a.Clipboard,
		"clipboardImages": a.ClipboardImages,
		"resize":          a.Resize,
		"files":           a.Files,
	})
}

func (s *screen) Clipboard(d session.ClipboardData) {
	if !d.Image {
		s.call("clipboard", map[string]any{"type": "text", "text": d.Text})
		return
	}
	data := uint8Array.New(len(d.PNG))
	js.CopyBytesToJS(data, d.PNG)
	s.call("clipboard", map[string]any{"type": "image", "mime": "image/png", "data": data})
}

func (s *screen) FileProgress(id int, st session.FileState, sent, total int64, message string) {
	s.call("fileProgress", id, st.String(), float64(sent), float64(total), message)
}

// blobSource reads a Blob in pieces: blob.slice(a, b).arrayBuffer() for
// each range the session asks for, so a file of any size is never in
// memory whole, only the piece being sent.
type blobSource struct {
	blob js.Value
	size int64
}

func (b *blobSource) Size() int64 { return b.size }

func (b *blobSource) ReadAt(p []byte, off int64) (int, error) {
	if off >= b.size {
		return 0, errors.New("read past the end of the file")
	}
	end := min(off+int64(len(p)), b.size)
	buf, err := await(b.blob.Call("slice", float64(off), float64(end)).Call("arrayBuffer"))
	if err != nil {
		return 0, err
	}
	n := js.CopyBytesToGo(p, uint8Array.New(buf))
	if int64(n) < int64(len(p)) {
		return n, errors.New("the file is shorter than it was (changed while sending?)")
	}
	return n, nil
}

// await waits, on the calling goroutine (never the event loop), for a
// promise. The callbacks only hand the outcome over.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- result{v: arg(a, 0)}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, a []js.Value) any {
		msg := "the browser could not read the file"
		if e := arg(a, 0); e.Type() == js.TypeObject {
			msg += ": " + e.Call("toString").String()
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	p.Call("then", then, catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}
