//go:build !js

package webui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// testModuleDelivery: the module loads however a server sends it, and a missing
// or wrong one ends in a status that says so.
func testModuleDelivery(t *testing.T, br context.Context, base string) {
	cases := []struct{ variant, state, status string }{
		{"decoded", "connected", ""},
		{"raw", "connected", ""},
		{"missing", "disconnected", "HTTP 404"},
		{"html", "disconnected", "web page instead of the client module"},
	}
	for _, c := range cases {
		t.Run(c.variant, func(t *testing.T) {
			ctx := tab(t, br)
			do(t, ctx, chromedp.Navigate(base+"/"+c.variant+"/spice_auto.html?host=127.0.0.1&port=5959"))
			waitFor(t, ctx, fmt.Sprintf(`document.body.dataset.state === %q`, c.state))
			status := eval[string](t, ctx, `document.getElementById("status").textContent`)
			if !strings.Contains(status, c.status) {
				t.Errorf("status %q, want it to contain %q", status, c.status)
			}
		})
	}
}

// testInsecureContext: the page loads and runs on plain http under a routable
// name, without the APIs only secure contexts have.
func testInsecureContext(t *testing.T, br context.Context, base string) {
	// Most consoles are plain http on a routable name, where secure-only
	// APIs are missing; loading and running the page must not need them.
	ctx := tab(t, br)
	u := strings.Replace(base, "127.0.0.1", "console.test", 1)
	do(t, ctx, chromedp.Navigate(u+"/plain/spice_auto.html?port=5959&worker=0"))
	waitFor(t, ctx, `document.body.dataset.state === "connected"`)
	type ctxInfo struct {
		Secure bool
		URL    string
	}
	got := eval[ctxInfo](t, ctx, `({Secure: isSecureContext, URL: fakeSpice.connects[0].url})`)
	if want := (ctxInfo{false, "ws://console.test:5959/websockify"}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// No AudioWorklet here: the fallback player; no getUserMedia: the
	// microphone button says why.
	eval[bool](t, ctx, `(fakeSpice.session.events.playback({linked: true, active: true, epoch: 1, rate: 44100, channels: 2,
		codec: "raw", volume: [], mute: false, latencyMs: 0}),
		fakeSpice.session.events.record({linked: true, active: true, epoch: 2, rate: 44100, channels: 2, volume: [], mute: false}), true)`)
	waitFor(t, ctx, `SpiceWeb.pageConsole.playback.player === "scheduled"`)
	mic := eval[string](t, ctx, `[document.getElementById("mic").hidden, document.getElementById("mic").getAttribute("aria-disabled"),
		document.getElementById("mic").title].join()`)
	if mic != "false,true,Microphone unavailable: the microphone needs a secure (https) page" {
		t.Errorf("insecure microphone button: %s", mic)
	}
}

// testWorker: the default, the client in a dedicated worker drawing into
// the page's canvas through an OffscreenCanvas, on host (loopback is a
// secure context, console.test is not). fakeSpice lives in the worker
// there, so what reaches the fake is read from its log events.
func testWorker(t *testing.T, br context.Context, base, host string) {
	ctx := tab(t, br)
	u := strings.Replace(base, "127.0.0.1", host, 1)
	do(t, ctx, chromedp.Navigate(u+"/plain/spice_auto.html?port=5959"))
	eval[bool](t, ctx, `(window.logs = [], SpiceWeb.pageConsole.addEventListener("log", (e) => logs.push(e.detail.message)), true)`)
	// The placeholder takes the worker's size with its first frame.
	waitFor(t, ctx, `document.body.dataset.state === "connected" && SpiceWeb.pageConsole.canvas.width > 0`)
	type info struct {
		Mode           string
		Secure         bool
		PageConnects   int // the fake on the page must stay unused
		ContextThrows  bool
		W, H           int
		Corner, Middle []int
	}
	got := eval[info](t, ctx, `(async () => {
		const c = SpiceWeb.pageConsole.canvas;
		// The worker's frames reach the placeholder asynchronously.
		await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
		let throws = false;
		try { c.getContext("2d"); } catch { throws = true; }
		const copy = document.createElement("canvas");
		copy.width = c.width; copy.height = c.height;
		const g = copy.getContext("2d");
		g.drawImage(c, 0, 0);
		const px = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
		const st = await SpiceWeb.pageConsole.stats();
		return {Mode: st ? st.mode : "", Secure: isSecureContext, PageConnects: fakeSpice.connects.length,
			ContextThrows: throws, W: c.width, H: c.height, Corner: px(2, 2), Middle: px(520, 5)};
	})()`)
	want := info{Mode: "worker", Secure: host == "127.0.0.1", ContextThrows: true, W: 1024, H: 768,
		Corner: []int{255, 255, 255, 255}, Middle: []int{0, 192, 0, 255}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("worker console:\n got %+v\nwant %+v", got, want)
	}
	r := canvasRect(t, ctx)
	do(t, ctx, chromedp.Focus(chromedp.CSS("canvas.spiceweb-screen")),
		key(input.DispatchKeyEventTypeKeyDown, "KeyA", "a", 65, false), key(input.DispatchKeyEventTypeKeyUp, "KeyA", "a", 65, false),
		mouse(chromedp.MousePressed, r.Left+r.Width/2, r.Top+10, input.MouseButtonLeft, 1), mouse(chromedp.MouseReleased, r.Left+r.Width/2, r.Top+10, input.MouseButtonLeft, 0))
	waitFor(t, ctx, `logs.some((m) => m.includes('"mouseButton",0,false'))`)
	calls := eval[[]string](t, ctx, `logs.filter((m) => m.startsWith("fake call: ")).map((m) => m.slice(11))`)
	for _, want := range []string{`["key","KeyA",true]`, `["key","KeyA",false]`, `["mouseButton",0,true]`} {
		if !slices.Contains(calls, want) {
			t.Errorf("the fake in the worker saw %v; want %s among them", calls, want)
		}
	}
	screenshot(t, ctx, "worker-"+host)
}

// testSmallIframe: the page fits a small iframe without overflowing it.
func testSmallIframe(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	do(t, ctx, chromedp.Navigate(base+"/plain/frame.html"))
	waitFor(t, ctx, `document.getElementById("f").contentDocument?.body?.dataset.state === "connected"`)
	type fit struct{ ScrollW, ClientW, ScrollH, ClientH, CanvasW, CanvasH float64 }
	got := eval[fit](t, ctx, `(() => {
		const d = document.getElementById("f").contentDocument, e = d.documentElement;
		const r = d.querySelector("canvas.spiceweb-screen").getBoundingClientRect();
		return {ScrollW: e.scrollWidth, ClientW: e.clientWidth, ScrollH: e.scrollHeight, ClientH: e.clientHeight,
			CanvasW: r.width, CanvasH: r.height};
	})()`)
	if got.ScrollW > got.ClientW || got.ScrollH > got.ClientH {
		t.Errorf("the page overflows a 360x240 iframe: %+v", got)
	}
	if got.CanvasW > 360 || got.CanvasH > 240-32 || got.CanvasW < 200 {
		t.Errorf("screen in a 360x240 iframe shown at %.0fx%.0f", got.CanvasW, got.CanvasH)
	}
	screenshot(t, ctx, "iframe-360x240")
}
