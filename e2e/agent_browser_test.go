//go:build linux

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// agentPage embeds the console with the client on the page (worker off)
// and listens in on the Go contract: it wraps spicewebGo.connect to add
// the agent's events and keep the GoSession (the page's own UI for them
// is another change), and WebAssembly.instantiate to keep Go's linear
// memory, whose size is the high-water mark of the module's heap (it
// grows and never shrinks).
const agentPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>agent</title></head><body>
<div id="c" style="width:1024px;height:768px"></div>
<script>
window.agentLog = { states: [], clips: [], files: {} };
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (m, imports) {
  const r = await instantiate.call(this, m, imports);
  window.wasmMem = (r.instance || r).exports.mem;
  return r;
};
let api;
Object.defineProperty(globalThis, "spicewebGo", {
  configurable: true,
  get() { return api; },
  set(v) {
    const connect = v.connect;
    v.connect = (opts, events) => {
      events.agent = (s) => agentLog.states.push(s);
      events.clipboard = (d) => agentLog.clips.push(d.type === "text" ? d.text : d.data.length);
      events.fileProgress = (id, st, sent, total, msg) => (agentLog.files[id] ||= []).push([st, sent, total, msg]);
      return (window.goSession = connect(opts, events));
    };
    api = v;
  },
});
</script>
<script src="wasm_exec.js"></script>
<script src="app.js"></script>
<script>
const con = new SpiceWeb.SpiceConsole(document.getElementById("c"),
  { url: "ws://" + location.host + "/websockify", password: "", worker: false });
con.connect();
</script>
</body></html>
`

// agentSite is the built site plus agentPage, for StartServe's -web.
func agentSite(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	if out, err := exec.Command("cp", "-r", Site(t), dir).CombinedOutput(); err != nil {
		t.Fatalf("copy site: %v: %s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "agent.html"), []byte(agentPage), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAgentBrowserFileMemory sends a 64 MiB Blob through the page's Go
// session to Xspice's agent: the file lands byte-exact, and the module's
// memory grows by far less than the file, since the Blob is read
// blob.slice(a, b).arrayBuffer() one piece at a time.
func TestAgentBrowserFileMemory(t *testing.T) {
	Require(t, append(append(append([]Tool{}, xspiceTools...), AgentTools...), browserTools...)...)
	t.Parallel()
	const mib = 64
	x := StartXspice(t, XspiceOptions{VDAgent: true})
	s := StartServe(t, x.Port, "-web", agentSite(t))
	b := StartBrowser(t, BrowserOptions{})
	b.Navigate(s.URL + "agent.html")
	b.WaitJS(`window.goSession && agentLog.states.some((s) => s.connected && s.files)`, 60*time.Second)

	// The Blob: mib copies of one 1 MiB pattern (the browser keeps it in
	// its blob storage, not in the module).
	before := Eval[float64](b, `(() => {
		const chunk = new Uint8Array(1 << 20);
		for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + (i >> 11)) & 255;
		window.blob = new Blob(Array.from({ length: `+strconv.Itoa(mib)+` }, () => chunk));
		return wasmMem.buffer.byteLength;
	})()`)
	start := time.Now()
	Eval[any](b, `goSession.sendFile(1, blob, "browser.bin")`)
	var peak float64
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		st := Eval[[]any](b, `(() => { const f = agentLog.files[1] || []; const l = f[f.length - 1] || []; return [wasmMem.buffer.byteLength, l[0] || "", l[3] || ""]; })()`)
		peak = max(peak, st[0].(float64))
		if state := st[1].(string); state == "done" {
			break
		} else if state == "failed" || state == "cancelled" {
			t.Fatalf("transfer %s: %s", state, st[2])
		}
		if time.Now().After(deadline) {
			t.Fatal("the transfer did not end within 5 minutes")
		}
	}
	elapsed := time.Since(start)

	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i*31 + i>>11)
	}
	h := sha256.New()
	for range mib {
		h.Write(chunk)
	}
	got, err := x.AgentFile("browser.bin", mib<<20, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Fatalf("received sha256 %s, want %s", got, want)
	}
	growth := (peak - before) / (1 << 20)
	t.Logf("%d MiB in %v (%.1f MB/s); wasm memory %.1f MiB before, %.1f MiB at most during (+%.1f MiB)",
		mib, elapsed.Round(time.Millisecond), float64(mib<<20)/1e6/elapsed.Seconds(), before/(1<<20), peak/(1<<20), growth)
	if growth > 24 {
		t.Errorf("the module's memory grew by %.1f MiB while sending a %d MiB file", growth, mib)
	}
}
