//go:build !js

package webui

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// testNovaURL: a page opened from a URL as nova and Horizon build it
// connects with its token and title, shows the guest's cursor, and passes
// the mouse, wheel and keys to the guest in client mouse mode.
func testNovaURL(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	// nova appends ?token= to a base URL that already has a query, and
	// Horizon appends &title=name(uuid).
	do(t, ctx, chromedp.Navigate(base+"/plain/spice_auto.html?host=127.0.0.1&port=5959?token=tok-1&title=my+vm(0c8e-11)&worker=0"))
	waitFor(t, ctx, `document.body.dataset.state === "connected"`)

	type connectOpts struct{ URL, Password, Protocol string }
	type pageInfo struct {
		Connects    []connectOpts
		Title, Bar  string
		Cookie      string
		Status      string
		CtrlAltDel  bool
		Reconnect   bool
		Focused     bool
		Runs        int
		CanvasW     int
		CanvasH     int
		CursorStyle string
	}
	info := eval[pageInfo](t, ctx, `({
		Connects: fakeSpice.connects.map(c => ({URL: c.url, Password: c.password, Protocol: c.protocol})),
		Title: document.title, Bar: document.getElementById("title").textContent,
		Cookie: document.cookie, Status: document.getElementById("status").textContent,
		CtrlAltDel: !document.getElementById("ctrl-alt-del").disabled,
		Reconnect: !document.getElementById("reconnect").hidden,
		Focused: document.activeElement === SpiceWeb.pageConsole.canvas,
		Runs: fakeSpice.runs,
		CanvasW: SpiceWeb.pageConsole.canvas.width, CanvasH: SpiceWeb.pageConsole.canvas.height,
		CursorStyle: SpiceWeb.pageConsole.canvas.style.cursor,
	})`)
	want := connectOpts{URL: "ws://127.0.0.1:5959/websockify?token=tok-1", Password: "", Protocol: "binary"}
	if len(info.Connects) != 1 || info.Connects[0] != want {
		t.Errorf("connects = %+v, want [%+v]", info.Connects, want)
	}
	if info.Title != "my vm(0c8e-11)" || info.Bar != "my vm" {
		t.Errorf("document.title %q, bar title %q; want %q and %q", info.Title, info.Bar, "my vm(0c8e-11)", "my vm")
	}
	if !strings.Contains(info.Cookie, "token=tok-1") {
		t.Errorf("cookie %q lacks token=tok-1", info.Cookie)
	}
	if info.Status != "Connected (fake)" || !info.CtrlAltDel || info.Reconnect || !info.Focused || info.Runs != 1 {
		t.Errorf("after connecting: %+v", info)
	}
	if info.CanvasW != 1024 || info.CanvasH != 768 {
		t.Errorf("canvas backing store %dx%d, want the guest's 1024x768", info.CanvasW, info.CanvasH)
	}
	if !strings.HasPrefix(info.CursorStyle, `url("data:image/png;base64,`) || !strings.HasSuffix(info.CursorStyle, ", auto") {
		t.Errorf("cursor style %.60q…, want a PNG data URL with a hot spot", info.CursorStyle)
	}

	// The 1024×768 guest is scaled down into the 800×567 area below the bar.
	r := canvasRect(t, ctx)
	if r.Width > 800 || r.Height > 600-32 || math.Abs(r.Width/r.Height-1024.0/768) > 0.01 {
		t.Errorf("canvas shown at %+v: want it inside 800x568 with the guest's aspect ratio", r)
	}
	screenshot(t, ctx, "connected-800x600")
	calls(t, ctx) // drop anything so far

	// Client mouse mode: CSS position → guest pixel, then buttons.
	// Whole CSS pixels: Chromium rounds wheel event coordinates.
	x, y := math.Round(r.Left+r.Width*0.5), math.Round(r.Top+r.Height*0.25)
	pos := fmt.Sprintf(`["mousePosition",%d,%d]`, int((x-r.Left)*1024/r.Width), int((y-r.Top)*768/r.Height))
	do(t, ctx,
		mouse(chromedp.MouseMoved, x, y, input.MouseButtonNone, 0),
		mouse(chromedp.MousePressed, x, y, input.MouseButtonLeft, 1),
		mouse(chromedp.MouseReleased, x, y, input.MouseButtonLeft, 0),
		mouse(chromedp.MousePressed, x, y, input.MouseButtonRight, 2),
		mouse(chromedp.MouseReleased, x, y, input.MouseButtonRight, 0),
	)
	wantCalls(t, ctx, pos,
		`["mouseButton",0,true]`, `["mouseButton",0,false]`,
		`["mouseButton",2,true]`, `["mouseButton",2,false]`)

	// A drag past the edge pins the guest pointer to the last pixel.
	do(t, ctx,
		mouse(chromedp.MousePressed, x, y, input.MouseButtonLeft, 1),
		mouse(chromedp.MouseMoved, r.Left+r.Width+40, r.Top+r.Height+20, input.MouseButtonLeft, 1),
		mouse(chromedp.MouseReleased, r.Left+r.Width+40, r.Top+r.Height+20, input.MouseButtonLeft, 0),
	)
	wantCalls(t, ctx, `["mouseButton",0,true]`, `["mousePosition",1023,767]`, `["mouseButton",0,false]`)

	// Wheel: one notch down, one up.
	do(t, ctx,
		wheel(x, y, 100),
		wheel(x, y, -100),
	)
	wantCalls(t, ctx, pos, `["wheel",1]`, `["wheel",-1]`)

	// Keys go to the guest by code; repeats are further key-downs; Tab
	// stays in the console instead of moving the focus.
	do(t, ctx,
		key(input.DispatchKeyEventTypeKeyDown, "KeyA", "a", 65, false),
		key(input.DispatchKeyEventTypeKeyDown, "KeyA", "a", 65, true),
		key(input.DispatchKeyEventTypeKeyUp, "KeyA", "a", 65, false),
		key(input.DispatchKeyEventTypeKeyDown, "Tab", "Tab", 9, false),
		key(input.DispatchKeyEventTypeKeyUp, "Tab", "Tab", 9, false),
	)
	wantCalls(t, ctx, `["key","KeyA",true]`, `["key","KeyA",true]`, `["key","KeyA",false]`,
		`["key","Tab",true]`, `["key","Tab",false]`)
	if !eval[bool](t, ctx, `document.activeElement === SpiceWeb.pageConsole.canvas`) {
		t.Error("Tab moved the focus off the screen")
	}

	// The button sends Ctrl+Alt+Del and gives the keyboard back.
	do(t, ctx, chromedp.Click(chromedp.CSS("#ctrl-alt-del")))
	got := calls(t, ctx)
	if !containsCall(got, `["ctrlAltDel"]`) {
		t.Errorf("calls after the Ctrl-Alt-Del button: %v", got)
	}
	if !eval[bool](t, ctx, `document.activeElement === SpiceWeb.pageConsole.canvas`) {
		t.Error("focus did not return to the screen after Ctrl-Alt-Del")
	}

	// Losing focus releases everything held.
	eval[bool](t, ctx, `SpiceWeb.pageConsole.canvas.blur(), true`)
	wantCalls(t, ctx, `["releaseAll"]`)

	// A hidden cursor.
	if got := eval[string](t, ctx, `fakeSpice.session.events.cursor(null, 0, 0, 0, 0), SpiceWeb.pageConsole.canvas.style.cursor`); got != "none" {
		t.Errorf("hidden cursor style = %q, want none", got)
	}
}

// testServerMouseMode: in server mouse mode the page draws the cursor itself,
// takes the pointer lock on a click and sends relative motion.
func testServerMouseMode(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	do(t, ctx, chromedp.Navigate(base+"/plain/spice_auto.html?host=127.0.0.1&port=5959&worker=0&scaling=down#fake-size=640x480"))
	waitFor(t, ctx, `document.body.dataset.state === "connected"`)
	type overlay struct {
		Hint             bool
		Display          string
		Left, Top, Width string
	}
	got := eval[overlay](t, ctx, `(() => {
		const ev = fakeSpice.session.events;
		ev.mouseMode("server");
		ev.cursorPosition(100, 50, true);
		const c = SpiceWeb.pageConsole.canvas, o = c.nextElementSibling, h = o.nextElementSibling;
		return {Hint: getComputedStyle(h).display !== "none", Display: o.style.display,
			Left: o.style.left, Top: o.style.top, Width: o.style.width};
	})()`)
	// 640×480 fits 1:1; the arrow's hot spot is (1,1).
	want := overlay{Hint: true, Display: "block", Left: "99px", Top: "49px", Width: "12px"}
	if got != want {
		t.Errorf("server-mode cursor overlay = %+v, want %+v", got, want)
	}
	screenshot(t, ctx, "server-mode-640x480")

	// The click that takes the pointer lock is not sent to the guest.
	r := canvasRect(t, ctx)
	calls(t, ctx)
	do(t, ctx,
		mouse(chromedp.MousePressed, r.Left+10, r.Top+10, input.MouseButtonLeft, 1),
		mouse(chromedp.MouseReleased, r.Left+10, r.Top+10, input.MouseButtonLeft, 0),
	)
	for _, c := range calls(t, ctx) {
		if strings.HasPrefix(c, `["mouse`) {
			t.Errorf("unlocked server-mode click reached the guest: %s", c)
		}
	}
	waitFor(t, ctx, `document.pointerLockElement === SpiceWeb.pageConsole.canvas`)
	if eval[bool](t, ctx, `getComputedStyle(SpiceWeb.pageConsole.canvas.nextElementSibling.nextElementSibling).display !== "none"`) {
		t.Error("the click-to-capture hint is still shown while the pointer is locked")
	}

	// Locked: relative motion (1:1 here) and buttons go to the guest.
	x0, y0 := r.Left+10, r.Top+10
	do(t, ctx,
		mouse(chromedp.MouseMoved, x0+20, y0+10, input.MouseButtonNone, 0),
		mouse(chromedp.MousePressed, x0+20, y0+10, input.MouseButtonLeft, 1),
	)
	wantCalls(t, ctx, `["mouseMotion",20,10]`, `["mouseButton",0,true]`)
	// Losing the lock (Esc) releases the held button.
	eval[bool](t, ctx, `document.exitPointerLock(), true`)
	waitFor(t, ctx, `document.pointerLockElement === null && fakeSpice.calls.length > 0`)
	wantCalls(t, ctx, `["mouseButton",0,false]`)

	// Back to client mode: the overlay goes, the hint too.
	got = eval[overlay](t, ctx, `(() => {
		fakeSpice.session.events.mouseMode("client");
		const o = SpiceWeb.pageConsole.canvas.nextElementSibling;
		return {Hint: getComputedStyle(o.nextElementSibling).display !== "none", Display: o.style.display};
	})()`)
	if got.Hint || got.Display != "none" {
		t.Errorf("client mode after server mode: %+v", got)
	}
}
