//go:build !js

package webui

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "directory to save the browser tests' screenshots in")

// The smallest valid WebAssembly module: magic and version, no sections.
// The fake Go runtime only needs an instance to exist.
var emptyWasm = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// chromium returns the browser to drive, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (set CHROMIUM or install the chromium package): skipping the page tests in a browser")
	return ""
}

// site serves the page as the build tool lays it out, with testdata/fake-go.js
// in place of wasm_exec.js. Paths are /<variant>[;knob=value…]/<file>; the
// knobs are fake-go.js's, the variant says how app.wasm.gz is served:
//
//	plain:   gzip bytes as a file server sends them (application/gzip)
//	decoded: gzip bytes with Content-Encoding: gzip, so the browser inflates them
//	raw:     the module itself, not compressed
//	missing: 404
//	html:    200 with an HTML page (a server's catch-all route)
func site(t *testing.T) *httptest.Server {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(emptyWasm)
	zw.Close()
	files := map[string][]byte{
		"spice_auto.html": []byte(readFile(t, "../static/spice_auto.html")),
		"app.js":          bundlePage(t),
		"wasm_exec.js":    []byte(readFile(t, "testdata/fake-go.js")),
		"frame.html": []byte(`<!doctype html><body style="margin:0;background:#ddd">` +
			`<iframe id="f" style="width:360px;height:240px;border:1px solid #888;margin:20px"` +
			` src="spice_auto.html?host=127.0.0.1&port=6082&title=tiny"></iframe></body>`),
		// A frame whose src and allow attribute come from the fragment
		// (#src=URL&allow=…), for cross-origin embedding.
		"xframe.html": []byte(`<!doctype html><body style="margin:0"><iframe id="f" style="width:780px;height:560px;border:0"></iframe>` +
			`<script>const q = new URLSearchParams(location.hash.slice(1)), f = document.getElementById("f");` +
			`if (q.get("allow")) f.allow = q.get("allow"); f.src = q.get("src");</script></body>`),
		// An embedder: app.js for the API only, no page markup.
		"embed.html": []byte(`<!doctype html><body style="margin:0">` +
			`<div id="box" style="width:640px;height:480px"></div>` +
			`<script src="wasm_exec.js"></script><script src="app.js"></script></body>`),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{variant}/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		// ";knob=value" after the variant is for fake-go.js.
		variant, _, _ := strings.Cut(r.PathValue("variant"), ";")
		if name == "app.wasm.gz" {
			switch variant {
			case "plain":
				w.Header().Set("Content-Type", "application/gzip")
				w.Write(gz.Bytes())
			case "decoded":
				w.Header().Set("Content-Type", "application/wasm")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gz.Bytes())
			case "raw":
				w.Header().Set("Content-Type", "application/octet-stream")
				w.Write(emptyWasm)
			case "html":
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<!doctype html><title>Console</title><p>Not here")
			default:
				http.NotFound(w, r)
			}
			return
		}
		b, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
	srv := httptest.NewServer(mux) // loopback only
	t.Cleanup(srv.Close)
	return srv
}

// browser starts headless Chromium for the test and returns a context for
// one tab of an 800×600 window.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// A name that is not loopback makes an insecure context (see insecureURL).
		chromedp.Flag("host-resolver-rules", "MAP console.test 127.0.0.1"),
		chromedp.WindowSize(800, 600),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 600)); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// tab opens a fresh tab of the browser, so scenarios share no state.
func tab(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 600)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates expr, awaiting it if it is a promise, and decodes its JSON
// value into a T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls the expression until it is truthy.
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		state := eval[string](t, ctx, `document.body.dataset.state + ": " + document.getElementById("status").textContent`)
		t.Fatalf("waiting for %s: %v (page: %s)", expr, err, state)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// calls returns the input calls the fake session recorded since the last
// call to calls, as JSON arrays.
func calls(t *testing.T, ctx context.Context) []string {
	t.Helper()
	raw := eval[[]json.RawMessage](t, ctx, `fakeSpice.calls.splice(0)`)
	out := make([]string, len(raw))
	for i, r := range raw {
		out[i] = string(r)
	}
	return out
}

func wantCalls(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	got := calls(t, ctx)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("calls:\n got %v\nwant %v", got, want)
	}
}

type rect struct{ Left, Top, Width, Height float64 }

func canvasRect(t *testing.T, ctx context.Context) rect {
	return eval[rect](t, ctx, `(() => { const r = SpiceWeb.pageConsole.canvas.getBoundingClientRect();
		return {Left: r.left, Top: r.top, Width: r.width, Height: r.height}; })()`)
}

// mouse sends one mouse event the way a real mouse does, with the buttons
// mask that Chromium's automation does not fill in by itself.
func mouse(typ input.DispatchMouseEventType, x, y float64, button input.MouseButton, buttons int64) chromedp.Action[chromedp.Void] {
	return chromedp.MouseEvent(typ, x, y, func(p *input.DispatchMouseEventParams) {
		p.Button = button
		p.Buttons = buttons
		if typ == chromedp.MousePressed || typ == chromedp.MouseReleased {
			p.ClickCount = 1
		}
	})
}

// wheelParams is Input.dispatchMouseEvent for a wheel: the protocol wants
// deltaX and deltaY both present, and cdproto's type omits zeros.
type wheelParams struct {
	Type   string  `json:"type"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	DeltaX float64 `json:"deltaX"`
	DeltaY float64 `json:"deltaY"`
}

func wheel(x, y, deltaY float64) chromedp.Action[chromedp.Void] {
	cmd := cdp.Command[wheelParams, cdp.Empty]{Method: input.CommandDispatchMouseEvent}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, wheelParams{Type: "mouseWheel", X: x, Y: y, DeltaY: deltaY})
		return err
	})
}

func key(typ input.DispatchKeyEventType, code, key string, vk int64, repeat bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := input.DispatchKeyEventParams{Type: typ, Code: code, Key: key, WindowsVirtualKeyCode: vk}
		if repeat {
			p.AutoRepeat = &repeat
		}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p)
		return err
	})
}

func TestPageInBrowser(t *testing.T) {
	srv := site(t)
	ctx := browser(t)

	t.Run("nova URL, input and cursor", func(t *testing.T) {
		ctx := tab(t, ctx)
		// nova appends ?token= to a base URL that already has a query, and
		// Horizon appends &title=name(uuid).
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?host=127.0.0.1&port=5959?token=tok-1&title=my+vm(0c8e-11)&worker=0"))
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
	})

	t.Run("server mouse mode", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?host=127.0.0.1&port=5959&worker=0&scaling=down#fake-size=640x480"))
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
	})

	t.Run("wrong password asks, never retries", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?host=127.0.0.1&port=5959&password=bad&worker=0#fake-password=right"))
		waitFor(t, ctx, `document.body.dataset.state === "auth-failed"`)
		waitFor(t, ctx, `!document.getElementById("password-form").hidden && document.activeElement.id === "password"`)
		screenshot(t, ctx, "auth-failed")
		if n := eval[int](t, ctx, `new Promise(r => setTimeout(() => r(fakeSpice.connects.length), 500))`); n != 1 {
			t.Fatalf("%d connects after a refused password, want 1 (no automatic retry)", n)
		}
		do(t, ctx, chromedp.KeyEvent("right\r"))
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		pw := eval[[]string](t, ctx, `fakeSpice.connects.map(c => c.password)`)
		if strings.Join(pw, ",") != "bad,right" {
			t.Errorf("passwords tried = %q, want bad then right", pw)
		}
		if !eval[bool](t, ctx, `document.getElementById("password-form").hidden && document.getElementById("password").value === ""`) {
			t.Error("password form still shown (or still holds the password) after connecting")
		}
	})

	t.Run("disconnect and reconnect", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?host=127.0.0.1&port=5959&token=t2&worker=0"))
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		msg := "the console proxy refused the connection: the console link may have expired"
		eval[bool](t, ctx, fmt.Sprintf(`fakeSpice.session.events.status("disconnected", %q), true`, msg))
		type bar struct {
			State, Status         string
			Reconnect, CtrlAltDel bool
		}
		got := eval[bar](t, ctx, `({State: document.body.dataset.state, Status: document.getElementById("status").textContent,
			Reconnect: !document.getElementById("reconnect").hidden, CtrlAltDel: !document.getElementById("ctrl-alt-del").disabled})`)
		if want := (bar{State: "disconnected", Status: msg, Reconnect: true}); got != want {
			t.Errorf("after the proxy closed: %+v, want %+v", got, want)
		}
		screenshot(t, ctx, "disconnected")
		// Keys typed now go nowhere.
		calls(t, ctx)
		do(t, ctx, chromedp.Focus(chromedp.CSS("canvas.spiceweb-screen")), key(input.DispatchKeyEventTypeKeyDown, "KeyB", "b", 66, false), key(input.DispatchKeyEventTypeKeyUp, "KeyB", "b", 66, false))
		wantCalls(t, ctx)

		do(t, ctx, chromedp.Click(chromedp.CSS("#reconnect")))
		waitFor(t, ctx, `document.body.dataset.state === "connected" && fakeSpice.connects.length === 2`)
		if url := eval[string](t, ctx, `fakeSpice.connects[1].url`); !strings.HasSuffix(url, "?token=t2") {
			t.Errorf("reconnect URL %q lost the token", url)
		}
	})

	t.Run("guest name and server notice", func(t *testing.T) {
		type view struct {
			Title, Bar, Notice string
			Shown              bool
		}
		look := func(ctx context.Context) view {
			return eval[view](t, ctx, `({Title: document.title, Bar: document.getElementById("title").textContent,
				Notice: document.getElementById("notice-text").textContent, Shown: !document.getElementById("notice").hidden})`)
		}
		ctx1 := tab(t, ctx)
		do(t, ctx1, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?host=127.0.0.1&port=5959&worker=0"))
		waitFor(t, ctx1, `document.body.dataset.state === "connected"`)
		if v := look(ctx1); v.Shown || v.Bar != "" {
			t.Errorf("before the server said anything: %+v, want no notice and no title", v)
		}
		const notice = "A recording: the keyboard and mouse do nothing."
		eval[bool](t, ctx1, fmt.Sprintf(`fakeSpice.session.events.guestName("recorded desktop"), fakeSpice.session.events.notice(%q), true`, notice))
		if v, want := look(ctx1), (view{Title: "recorded desktop", Bar: "recorded desktop", Notice: notice, Shown: true}); v != want {
			t.Errorf("after NAME and NOTIFY: %+v, want %+v", v, want)
		}
		screenshot(t, ctx1, "notice")
		do(t, ctx1, chromedp.Click(chromedp.CSS("#notice-close")))
		if look(ctx1).Shown {
			t.Error("the notice stays after its close button was clicked")
		}
		// A title in the URL wins over the guest's name.
		ctx2 := tab(t, ctx)
		do(t, ctx2, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?host=127.0.0.1&port=5959&title=vm-7&worker=0"))
		waitFor(t, ctx2, `document.body.dataset.state === "connected"`)
		eval[bool](t, ctx2, `fakeSpice.session.events.guestName("recorded desktop"), true`)
		if v := look(ctx2); v.Title != "vm-7" || v.Bar != "vm-7" {
			t.Errorf("with title=vm-7 in the URL: %+v, want the URL's title", v)
		}
	})

	t.Run("module delivery", func(t *testing.T) {
		cases := []struct{ variant, state, status string }{
			{"decoded", "connected", ""},
			{"raw", "connected", ""},
			{"missing", "disconnected", "HTTP 404"},
			{"html", "disconnected", "web page instead of the client module"},
		}
		for _, c := range cases {
			t.Run(c.variant, func(t *testing.T) {
				ctx := tab(t, ctx)
				do(t, ctx, chromedp.Navigate(srv.URL+"/"+c.variant+"/spice_auto.html?host=127.0.0.1&port=5959"))
				waitFor(t, ctx, fmt.Sprintf(`document.body.dataset.state === %q`, c.state))
				status := eval[string](t, ctx, `document.getElementById("status").textContent`)
				if !strings.Contains(status, c.status) {
					t.Errorf("status %q, want it to contain %q", status, c.status)
				}
			})
		}
	})

	t.Run("embedder API", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/embed.html#fake-size=320x240"))
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
	})

	t.Run("sound buttons", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?host=127.0.0.1&port=5959&worker=0"))
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		// No sound channels: no buttons.
		if !eval[bool](t, ctx, `document.getElementById("sound").hidden && document.getElementById("mic").hidden`) {
			t.Error("sound buttons shown without sound channels")
		}
		if !eval[bool](t, ctx, `fakeSpice.session.opts.audio === true`) {
			t.Error("the console did not ask Go for sound")
		}
		// A playback channel: the speaker shows. Where the browser holds
		// sound back until a gesture (not this one: chromedp's automation
		// flags let it play; e2e's TestAudioPlayback covers that), it says
		// so and its click is the gesture.
		eval[bool](t, ctx, `fakeSpice.session.events.playback({linked: true, active: false, epoch: 0, rate: 0, channels: 0,
			codec: "", volume: [], mute: false, latencyMs: 0}), true`)
		waitFor(t, ctx, `!document.getElementById("sound").hidden && ["blocked", "idle"].includes(document.getElementById("sound").dataset.state)`)
		if eval[string](t, ctx, `document.getElementById("sound").dataset.state`) == "blocked" {
			if got := eval[string](t, ctx, `document.querySelector("#sound .label").textContent`); got != "Click to enable sound" {
				t.Errorf("blocked speaker says %q", got)
			}
			screenshot(t, ctx, "sound-blocked")
			do(t, ctx, chromedp.Click(chromedp.CSS("#sound")))
			waitFor(t, ctx, `document.getElementById("sound").dataset.state === "idle"`)
		}
		if got := eval[string](t, ctx, `document.querySelector("#sound .label").textContent + "|" + document.getElementById("sound").dataset.muted`); got != "|false" {
			t.Errorf("idle speaker: label|muted = %q", got)
		}
		// A stream: the page hands Go a port for it.
		eval[bool](t, ctx, `fakeSpice.session.events.playback({linked: true, active: true, epoch: 3, rate: 48000, channels: 2,
			codec: "raw", volume: [1, 1], mute: false, latencyMs: 0}), true`)
		waitFor(t, ctx, `fakeSpice.ports.length === 1 && SpiceWeb.pageConsole.playback.state === "playing"`)
		got := eval[string](t, ctx, `JSON.stringify([fakeSpice.ports[0].kind, fakeSpice.ports[0].epoch, fakeSpice.ports[0].port instanceof MessagePort,
			SpiceWeb.pageConsole.playback.player])`)
		if got != `["playback",3,true,"worklet"]` {
			t.Errorf("playback port and player: %s", got)
		}
		// The speaker mutes and unmutes; the server's mute shows too.
		do(t, ctx, chromedp.Click(chromedp.CSS("#sound")))
		if got := eval[string](t, ctx, `(() => { const b = document.getElementById("sound");
			return [b.getAttribute("aria-pressed"), b.dataset.muted, SpiceWeb.pageConsole.muted].join(); })()`); got != "true,true,true" {
			t.Errorf("after a click on the speaker: pressed, muted, console muted = %s", got)
		}
		do(t, ctx, chromedp.Click(chromedp.CSS("#sound")))
		eval[bool](t, ctx, `fakeSpice.session.events.playback({linked: true, active: true, epoch: 3, rate: 48000, channels: 2,
			codec: "raw", volume: [0.5, 0.5], mute: true, latencyMs: 0}), true`)
		if got := eval[string](t, ctx, `[document.getElementById("sound").dataset.muted, document.getElementById("sound").title].join()`); got != "true,The guest muted its sound" {
			t.Errorf("server mute: %s", got)
		}

		// A record channel: the microphone button, which says when the
		// guest listens. This browser has no microphone: the click ends in
		// an error that says so.
		eval[bool](t, ctx, `fakeSpice.session.events.record({linked: true, active: false, epoch: 0, rate: 0, channels: 0,
			volume: [], mute: false}), true`)
		waitFor(t, ctx, `!document.getElementById("mic").hidden && document.getElementById("mic").dataset.state === "off"`)
		eval[bool](t, ctx, `fakeSpice.session.events.record({linked: true, active: true, epoch: 4, rate: 44100, channels: 2,
			volume: [], mute: false}), true`)
		waitFor(t, ctx, `document.getElementById("mic").title.startsWith("The guest is listening")`)
		do(t, ctx, chromedp.Click(chromedp.CSS("#mic")))
		waitFor(t, ctx, `document.getElementById("mic").dataset.state === "error"`)
		title := eval[string](t, ctx, `document.getElementById("mic").title`)
		if !strings.HasPrefix(title, "Microphone: ") || !strings.HasSuffix(title, "; click to try again") {
			t.Errorf("microphone error title %q", title)
		}
		screenshot(t, ctx, "sound-mic-error")
		if n := eval[int](t, ctx, `fakeSpice.ports.filter(p => p.kind === "record").length`); n != 0 {
			t.Errorf("%d record ports handed over without a microphone", n)
		}
		// The session ends: the buttons go.
		eval[bool](t, ctx, `SpiceWeb.pageConsole.disconnect(), true`)
		waitFor(t, ctx, `document.getElementById("sound").hidden && document.getElementById("mic").hidden`)
	})

	t.Run("insecure context", func(t *testing.T) {
		// Most consoles are plain http on a routable name, where secure-only
		// APIs are missing; loading and running the page must not need them.
		ctx := tab(t, ctx)
		u := strings.Replace(srv.URL, "127.0.0.1", "console.test", 1)
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
	})

	// The default: the client in a dedicated worker drawing into the page's
	// canvas through an OffscreenCanvas. fakeSpice lives in the worker there,
	// so what reaches the fake is read from its log events.
	for _, host := range []string{"127.0.0.1", "console.test"} {
		t.Run("worker on "+host, func(t *testing.T) {
			ctx := tab(t, ctx)
			u := strings.Replace(srv.URL, "127.0.0.1", host, 1)
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
		})
	}

	t.Run("bad URL", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?port=99999"))
		waitFor(t, ctx, `document.body.dataset.state === "disconnected"`)
		type bar struct {
			Status    string
			Reconnect bool
			Connects  int
		}
		got := eval[bar](t, ctx, `({Status: document.getElementById("status").textContent,
			Reconnect: !document.getElementById("reconnect").hidden, Connects: fakeSpice.connects.length})`)
		if want := (bar{Status: `invalid port "99999"`}); got != want {
			t.Errorf("page with a bad port: %+v, want %+v", got, want)
		}
	})

	t.Run("small iframe", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/frame.html"))
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
	})
}

func containsCall(calls []string, want string) bool {
	for _, c := range calls {
		if c == want {
			return true
		}
	}
	return false
}
