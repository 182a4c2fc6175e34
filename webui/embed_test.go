//go:build !js

package webui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// testEmbedderAPI: SpiceConsole in a page of its own: its events, "fit"
// scaling, connect() and disconnect() and destroy().
func testEmbedderAPI(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	do(t, ctx, chromedp.Navigate(base+"/plain/embed.html#fake-size=320x240"))
	// The page logic stays out of a page that does not ask for it.
	if eval[bool](t, ctx, `SpiceWeb.pageConsole !== null || document.querySelector("canvas") !== null`) {
		t.Fatal("app.js ran the console page in a page without data-spiceweb=\"page\"")
	}
	eval[bool](t, ctx, `(() => {
		const con = new SpiceWeb.SpiceConsole(document.getElementById("box"),
			{url: "ws://127.0.0.1:1/x", password: "pw", scaling: "fit", worker: false});
		window.con = con;
		window.seen = [];
		for (const type of ["status", "resize", "firstframe", "disconnect", "mousemode"]) {
			con.addEventListener(type, (e) => seen.push(type + (e.detail && e.detail.state ? ":" + e.detail.state : "")));
		}
		con.connect();
		return true;
	})()`)
	waitFor(t, ctx, `con.status.state === "connected"`)
	type view struct {
		Events               []string
		Width, Height        float64
		Rendering            string
		ConnectURL, Password string
	}
	got := eval[view](t, ctx, `(() => { const r = con.canvas.getBoundingClientRect();
		return {Events: seen.splice(0), Width: r.width, Height: r.height, Rendering: con.canvas.style.imageRendering,
			ConnectURL: fakeSpice.connects[0].url, Password: fakeSpice.connects[0].password}; })()`)
	got.Events = slices.Compact(got.Events) // loading reports several progress steps
	// "fit" enlarges the 320×240 guest to the 640×480 box, with sharp pixels.
	want := view{
		Events: []string{"status:connecting", "resize", "status:connected", "firstframe"},
		Width:  640, Height: 480, Rendering: "pixelated",
		ConnectURL: "ws://127.0.0.1:1/x", Password: "pw",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("embedded console:\n got %+v\nwant %+v", got, want)
	}

	// connect() while connected replaces the session; the old one's
	// farewell is not reported.
	eval[bool](t, ctx, `con.connect("pw2"), true`)
	waitFor(t, ctx, `con.status.state === "connected" && fakeSpice.connects.length === 2`)
	eval[bool](t, ctx, `new Promise(r => setTimeout(() => r(true), 100))`)
	if ev := eval[[]string](t, ctx, `seen.splice(0)`); strings.Contains(strings.Join(ev, " "), "disconnect") {
		t.Errorf("reconnecting reported the old session's end: %v", ev)
	}

	// disconnect() reports once, and Go's own later report is dropped.
	eval[bool](t, ctx, `con.disconnect(), true`)
	eval[bool](t, ctx, `new Promise(r => setTimeout(() => r(true), 100))`)
	if ev := eval[[]string](t, ctx, `seen.splice(0)`); strings.Join(ev, " ") != "status:disconnected disconnect" {
		t.Errorf("events after disconnect() = %v, want one status:disconnected and one disconnect", ev)
	}
	if !eval[bool](t, ctx, `con.destroy(), document.getElementById("box").childElementCount === 0`) {
		t.Error("destroy() left elements behind")
	}
}
