//go:build linux

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spiceweb/bench"
)

// BenchmarkAgentUI measures the guest agent's features as a user of
// spice_auto.html meets them (worker client, websockify, Xspice with the
// real spice-vdagent, headless Chromium, secure context):
//
//   - Clipboard: from a copy in the guest (xclip takes the selection) to
//     the text on the local clipboard (a 5 ms readText poll in the page),
//     and from a local copy plus the console gaining focus to the text on
//     the guest's clipboard (xclip -o polled by the test). Median of
//     agentUIRounds, ms.
//   - Resize: from the browser window's resize to the canvas at the new
//     guest resolution (a requestAnimationFrame poll in the page), the
//     page's 200 ms settling wait included. Median of agentUIRounds, ms.
//   - File: a 200 MB file picked in the files panel until the list says
//     done: MB/s, and the renderer's CPU meanwhile (all threads; its main
//     thread, which runs the page; the worker running the client), as a
//     share of one core, next to the renderer's CPU over 5 s of the same
//     page connected and idle.
//
// Times between the test and the page are compared on the wall clock
// (Date.now, time.Now), both read on this machine.
//
//	go test ./e2e -run '^$' -bench AgentUI -benchtime 1x   (~2 min)
func BenchmarkAgentUI(b *testing.B) {
	Require(b, append(append([]Tool{}, clientTools...), AgentTools...)...)
	x := StartXspice(b, XspiceOptions{VDAgent: true})
	x.SetRootColor("#336699")
	ws := StartWebsockify(b, Site(b), x.Port)
	br := StartBrowser(b, BrowserOptions{WindowWidth: agentUIWindowW, WindowHeight: agentUIWindowH})
	keepFocused(b, br)
	grantClipboard(b, br, ws.URL)
	openAgentPage(b, br, ws.URL)
	br.WaitJS(`SpiceWeb.pageConsole.clipboardAccess.read && SpiceWeb.pageConsole.clipboardAccess.write`, 10*time.Second)

	b.Run("Clipboard", func(b *testing.B) {
		// The page notes when each text first shows on the local clipboard.
		Eval[bool](br, `(window.clipSeen = {}, window.clipPoll = setInterval(async () => {
			try { const t = await navigator.clipboard.readText(); if (!(t in clipSeen)) clipSeen[t] = Date.now(); } catch {}
		}, 5), true)`)
		defer Eval[bool](br, `(clearInterval(clipPoll), true)`)
		var toLocal, toGuest []time.Duration
		for b.Loop() {
			for range agentUIRounds {
				text := fmt.Sprintf("guest %d", rand.Uint64())
				start := time.Now()
				x.SetClipboard("UTF8_STRING", []byte(text))
				br.WaitJS(fmt.Sprintf(`%q in clipSeen`, text), 20*time.Second)
				toLocal = append(toLocal, time.UnixMilli(int64(Eval[float64](br, fmt.Sprintf(`clipSeen[%q]`, text)))).Sub(start))

				text = fmt.Sprintf("local %d", rand.Uint64())
				Eval[bool](br, fmt.Sprintf(`(clipSeen[%q] = 0, navigator.clipboard.writeText(%q).then(() => true))`, text, text))
				start = time.Now()
				Eval[bool](br, `(() => { const c = document.querySelector("canvas.spiceweb-screen"); c.blur(); c.focus(); return true; })()`)
				for deadline := time.Now().Add(20 * time.Second); ; {
					got, err := x.ClipboardText(b.Context())
					if err == nil && got == text {
						toGuest = append(toGuest, time.Since(start))
						break
					}
					if time.Now().After(deadline) {
						b.Fatalf("the guest's clipboard is %q (%v), want %q", got, err, text)
					}
				}
			}
		}
		b.ReportMetric(ms(bench.Median(toLocal)), "guest-to-local-ms")
		b.ReportMetric(ms(bench.Median(toGuest)), "local-to-guest-ms")
		b.Logf("guest copy to local clipboard %v; local copy and focus to guest clipboard %v", toLocal, toGuest)
	})

	b.Run("Resize", func(b *testing.B) {
		var took []time.Duration
		sizes := [][2]int{{900, 640}, {1200, 860}}
		for b.Loop() {
			for i := range agentUIRounds {
				size := sizes[i%len(sizes)]
				Eval[bool](br, `(window.canvasSizes = [], (function watch() {
					const c = document.querySelector("canvas.spiceweb-screen"), s = c.width + "x" + c.height;
					if (canvasSizes.at(-1)?.[0] !== s) canvasSizes.push([s, Date.now()]);
					window.sizeWatch = requestAnimationFrame(watch);
				})(), true)`)
				start := time.Now()
				setWindowSize(b, br, size[0], size[1])
				br.WaitJS(fmt.Sprintf(`innerWidth === %d`, size[0]), 10*time.Second)
				cw, ch := consoleArea(br)
				want := fmt.Sprintf("%dx%d", cw/8*8, ch/8*8)
				br.WaitJS(fmt.Sprintf(`canvasSizes.some((s) => s[0] === %q)`, want), 20*time.Second)
				at := Eval[float64](br, fmt.Sprintf(`(cancelAnimationFrame(sizeWatch), canvasSizes.find((s) => s[0] === %q)[1])`, want))
				took = append(took, time.UnixMilli(int64(at)).Sub(start))
			}
		}
		setWindowSize(b, br, agentUIWindowW, agentUIWindowH)
		b.ReportMetric(ms(bench.Median(took)), "resize-to-canvas-ms")
		b.Logf("window resize to the canvas at the guest's new size: %v", took)
	})

	b.Run("File200MB", func(b *testing.B) {
		const size = 200_000_000
		path := filepath.Join(b.TempDir(), "bench-200MB.bin")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		chunk := make([]byte, 1<<20)
		rand.NewChaCha8([32]byte{9}).Read(chunk)
		for n := 0; n < size; n += len(chunk) {
			if _, err := f.Write(chunk[:min(len(chunk), size-n)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		pid, err := br.RendererPID(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(br.Context(), actionTimeout)
		defer cancel()
		// The renderer's CPU with the console connected and idle, for scale.
		idle, err := ReadProcCPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		idleStart := time.Now()
		time.Sleep(5 * time.Second)
		idleAfter, err := ReadProcCPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		idleCPU := idleAfter.Sub(idle).Total.Seconds() / time.Since(idleStart).Seconds() * 100
		for b.Loop() {
			Eval[bool](br, `(SpiceWeb.pageConsole.clearTransfers(), document.getElementById("files-clear").click(), true)`)
			before, err := ReadProcCPU(pid)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#files-input"), []string{path})); err != nil {
				b.Fatal(err)
			}
			br.WaitJS(`(() => { const t = SpiceWeb.pageConsole.transfers.at(-1); return t && t.state !== "queued" && t.state !== "sending"; })()`, 10*time.Minute)
			wall := time.Since(start)
			after, err := ReadProcCPU(pid)
			if err != nil {
				b.Fatal(err)
			}
			if st := Eval[string](br, `(({state, message}) => state + (message ? ": " + message : ""))(SpiceWeb.pageConsole.transfers.at(-1))`); st != "done" {
				b.Fatalf("the transfer ended %s", st)
			}
			cpu := after.Sub(before)
			b.ReportMetric(size/1e6/wall.Seconds(), "MB/s")
			b.ReportMetric(cpu.Total.Seconds()/wall.Seconds()*100, "renderer-%cpu")
			b.ReportMetric(cpu.Threads[MainThread].Seconds()/wall.Seconds()*100, "page-thread-%cpu")
			b.ReportMetric(cpu.Threads["DedicatedWorker"].Seconds()/wall.Seconds()*100, "worker-%cpu")
			b.ReportMetric(idleCPU, "idle-renderer-%cpu")
			b.Logf("200 MB in %v; renderer CPU %v (page thread %v, worker %v)", wall.Round(time.Millisecond),
				cpu.Total, cpu.Threads[MainThread], cpu.Threads["DedicatedWorker"])
		}
	})
}

// agentUIRounds is how many clipboard round trips and resizes a run measures.
const agentUIRounds = 5
