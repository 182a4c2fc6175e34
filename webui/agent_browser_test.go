//go:build !js

package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// The guest agent's features on the page (clipboard, resizing, files),
// against the fake module of testdata/fake-go.js, which plays an agent
// when the URL's fragment asks for one (#fake-agent=all).

// grantClipboard lets pages of origin read and write the clipboard, as a
// user who allowed it would.
func grantClipboard(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: name},
				Setting:    cdpbrowser.PermissionSettingGranted,
				Origin:     origin,
			})
			if err != nil {
				return fmt.Errorf("granting %s to %s: %w", name, origin, err)
			}
		}
		return nil
	}))
}

// keys sends raw key events with modifiers (2 = Ctrl), as a keyboard does.
func keys(evs ...input.DispatchKeyEventParams) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, p := range evs {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// ctrlV is Ctrl+V pressed and released, the user's paste.
var ctrlV = []input.DispatchKeyEventParams{
	{Type: input.DispatchKeyEventTypeRawKeyDown, Code: "ControlLeft", Key: "Control", WindowsVirtualKeyCode: 17, Modifiers: 2},
	{Type: input.DispatchKeyEventTypeRawKeyDown, Code: "KeyV", Key: "v", WindowsVirtualKeyCode: 86, Modifiers: 2},
	{Type: input.DispatchKeyEventTypeKeyUp, Code: "KeyV", Key: "v", WindowsVirtualKeyCode: 86, Modifiers: 2},
	{Type: input.DispatchKeyEventTypeKeyUp, Code: "ControlLeft", Key: "Control", WindowsVirtualKeyCode: 17},
}

// waitCalls polls the fake's recorded calls until one of them starts with
// prefix, and returns (and removes) every call recorded so far.
func waitCalls(t *testing.T, ctx context.Context, prefix string) []string {
	t.Helper()
	waitFor(t, ctx, fmt.Sprintf(`fakeSpice.calls.some((c) => JSON.stringify(c).startsWith(%q))`, prefix))
	return calls(t, ctx)
}

func sleep(t *testing.T, ctx context.Context, ms int) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`new Promise((r) => setTimeout(() => r(true), %d))`, ms))
}

// testFile writes n random bytes to dir/name and returns the path and
// their FNV-1a hash, which the fake computes of what it received.
func testFile(t *testing.T, dir, name string, n int) (string, uint32) {
	t.Helper()
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	r.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	h := fnv.New32a()
	h.Write(b)
	return p, h.Sum32()
}

type fakeFile struct {
	ID   int
	Name string
	Size int
	Fnv  uint32
}

type transferRow struct{ Name, State, Info string }

func transferRows(t *testing.T, ctx context.Context) []transferRow {
	return eval[[]transferRow](t, ctx, `Array.from(document.querySelectorAll("#files-list li"), (li) => ({
		Name: li.querySelector(".name").textContent, State: li.dataset.state, Info: li.querySelector(".info").textContent}))`)
}

func TestAgentInBrowser(t *testing.T) {
	srv := site(t)
	ctx := browser(t)

	t.Run("without an agent, then with one", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?port=5959&worker=0"))
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		type bar struct {
			Agent                string
			FilesDisabled        bool
			FilesTitle, ClipNote string
			SendLabel            string
			Mode, Setting        string
			RemoteNote           string
		}
		read := func() bar {
			return eval[bar](t, ctx, `(() => { const c = SpiceWeb.pageConsole, $ = (id) => document.getElementById(id);
				return {Agent: $("agent").dataset.on, FilesDisabled: $("files-button").disabled, FilesTitle: $("files-button").title,
					ClipNote: $("clip-status").textContent, SendLabel: $("clip-send").textContent,
					Mode: c.scaling.mode, Setting: c.scaling.setting, RemoteNote: $("remote-note").textContent}; })()`)
		}
		got := read()
		if got.Agent != "false" || !got.FilesDisabled || !strings.Contains(got.FilesTitle, "spice-vdagent") ||
			!strings.Contains(got.ClipNote, "US keyboard layout") || got.SendLabel != "Type" ||
			got.Mode != "fit" || got.Setting != "auto" || !strings.HasPrefix(got.RemoteNote, "Unavailable now") {
			t.Errorf("without an agent: %+v", got)
		}
		// The guest is scaled to fit: 1024x768 into the area below the bar.
		r := canvasRect(t, ctx)
		if r.Width > 800 || r.Width < 700 {
			t.Errorf("without an agent the screen is %+v, want it scaled to fit the 800-pixel window", r)
		}

		// The panel types short ASCII text; it stops at what a US keyboard lacks.
		do(t, ctx, chromedp.Click(chromedp.CSS("#clipboard-button")))
		if eval[bool](t, ctx, `document.getElementById("clipboard-panel").hidden`) {
			t.Fatal("the clipboard button did not open its panel")
		}
		calls(t, ctx) // releaseAll: the screen lost the focus
		screenshot(t, ctx, "clipboard-panel-no-agent")
		eval[bool](t, ctx, `(document.getElementById("clip-send-text").value = "ls -l\n", true)`)
		do(t, ctx, chromedp.Click(chromedp.CSS("#clip-send")))
		eval[bool](t, ctx, `(document.getElementById("clip-send-text").value = "héllo", true)`)
		do(t, ctx, chromedp.Click(chromedp.CSS("#clip-send")))
		wantCalls(t, ctx, `["typeText","ls -l\n"]`, `["typeText","h"]`)
		if note := eval[string](t, ctx, `document.getElementById("clip-send-note").textContent`); !strings.Contains(note, "stopped at “é”") {
			t.Errorf("note after typing héllo: %q", note)
		}
		// Esc closes the panel and gives the keyboard back to the screen.
		do(t, ctx, chromedp.KeyEvent("\x1b"))
		if !eval[bool](t, ctx, `document.getElementById("clipboard-panel").hidden && document.activeElement === SpiceWeb.pageConsole.canvas`) {
			t.Error("Esc did not close the panel and focus the screen")
		}

		// The agent connects: the guest is sized to the console area, 1:1.
		calls(t, ctx)
		eval[bool](t, ctx, `(fakeSpice.setAgent({connected: true, clipboard: true, clipboardImages: false, resize: true, files: true}), true)`)
		area := eval[[]int](t, ctx, `(() => { const r = document.querySelector(".spiceweb-console"); return [r.clientWidth, r.clientHeight]; })()`)
		want := fmt.Sprintf(`["setDisplaySize",%d,%d]`, area[0]/8*8, area[1]/8*8)
		if got := waitCalls(t, ctx, `["setDisplaySize"`); !slices.Contains(got, want) {
			t.Errorf("after the agent connected: calls %v, want %s", got, want)
		}
		waitFor(t, ctx, fmt.Sprintf(`SpiceWeb.pageConsole.screenSize.width === %d`, area[0]/8*8))
		r = canvasRect(t, ctx)
		if int(r.Width) != area[0]/8*8 || int(r.Height) != area[1]/8*8 {
			t.Errorf("guest at the console's size shown at %+v, want 1:1", r)
		}
		got = read()
		if got.Agent != "true" || got.FilesDisabled || got.SendLabel != "Send" || got.Mode != "remote" || got.RemoteNote != "The guest's resolution follows the window" {
			t.Errorf("with an agent: %+v", got)
		}
		screenshot(t, ctx, "agent-connected")

		// It goes away: back to fit, files off again.
		eval[bool](t, ctx, `(fakeSpice.setAgent({connected: false, clipboard: false, clipboardImages: false, resize: false, files: false}), true)`)
		if got = read(); got.Agent != "false" || !got.FilesDisabled || got.Mode != "fit" {
			t.Errorf("after the agent left: %+v", got)
		}
	})

	t.Run("guest follows the window", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?port=5959&worker=0#fake-agent=all"))
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		waitCalls(t, ctx, `["setDisplaySize"`)
		// Several sizes in a row, as dragging a window edge does: the guest
		// ends up asked for the last one.
		for _, w := range []int64{700, 720, 1000} {
			do(t, ctx, chromedp.EmulateViewport(w, 700))
		}
		area := func() []int {
			return eval[[]int](t, ctx, `(() => { const r = document.querySelector(".spiceweb-console"); return [r.clientWidth, r.clientHeight]; })()`)
		}
		a := area()
		last := fmt.Sprintf(`["setDisplaySize",%d,%d]`, a[0]/8*8, a[1]/8*8)
		waitFor(t, ctx, fmt.Sprintf(`JSON.stringify(fakeSpice.calls.filter((c) => c[0] === "setDisplaySize").at(-1)) === %q`, last))
		waitFor(t, ctx, fmt.Sprintf(`SpiceWeb.pageConsole.canvas.width === %d`, a[0]/8*8))
		calls(t, ctx)

		// HiDPI on a 2x screen: device pixels.
		do(t, ctx, chromedp.EmulateViewport(800, 600, chromedp.EmulateScale(2)))
		sleep(t, ctx, 400)
		calls(t, ctx) // the new CSS size, without HiDPI
		do(t, ctx, chromedp.Click(chromedp.CSS("#settings-button")), chromedp.Click(chromedp.CSS("#hidpi")))
		a = area()
		want := fmt.Sprintf(`["setDisplaySize",%d,%d]`, a[0]*2/8*8, a[1]*2/8*8)
		if got := waitCalls(t, ctx, `["setDisplaySize"`); !slices.Contains(got, want) {
			t.Errorf("HiDPI at 2x: calls %v, want %s", got, want)
		}
		waitFor(t, ctx, fmt.Sprintf(`SpiceWeb.pageConsole.canvas.width === %d`, a[0]*2/8*8))
		if r := canvasRect(t, ctx); int(r.Width) != a[0]*2/8*8/2 {
			t.Errorf("HiDPI guest of %d pixels shown %v CSS pixels wide, want one guest pixel per device pixel", a[0]*2/8*8, r.Width)
		}
		screenshot(t, ctx, "hidpi")

		// The choice is remembered, and the URL wins over it.
		do(t, ctx, chromedp.Click(chromedp.CSS(`input[name=scaling][value=none]`)))
		if got := eval[string](t, ctx, `localStorage.getItem("spiceweb.settings")`); got != `{"hidpi":true,"scaling":"none"}` {
			t.Errorf("remembered settings %s", got)
		}
		if got := eval[string](t, ctx, `getComputedStyle(document.querySelector(".spiceweb-console")).overflow`); got != "auto" {
			t.Errorf("scaling none: the console's overflow is %q, want auto (scrolling)", got)
		}
		do(t, ctx, chromedp.Reload())
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		if got := eval[string](t, ctx, `JSON.stringify(SpiceWeb.pageConsole.scaling)`); got != `{"mode":"none","setting":"none","hidpi":true}` {
			t.Errorf("after a reload: scaling %s", got)
		}
		if !eval[bool](t, ctx, `document.querySelector("input[name=scaling][value=none]").checked && document.getElementById("hidpi").checked`) {
			t.Error("the settings menu does not show the remembered choice")
		}
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?port=5959&worker=0&scaling=fit&hidpi=0#fake-agent=all"))
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		if got := eval[string](t, ctx, `JSON.stringify(SpiceWeb.pageConsole.scaling)`); got != `{"mode":"fit","setting":"fit","hidpi":false}` {
			t.Errorf("URL scaling=fit over a remembered none: %s", got)
		}
		// The other tabs share this origin's storage.
		eval[bool](t, ctx, `(localStorage.removeItem("spiceweb.settings"), true)`)
	})

	t.Run("clipboard, secure context", func(t *testing.T) {
		ctx := tab(t, ctx)
		grantClipboard(t, ctx, srv.URL)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain/spice_auto.html?port=5959&worker=0#fake-agent=all"))
		waitFor(t, ctx, `document.body.dataset.state === "connected" && SpiceWeb.pageConsole.clipboardAccess.read`)
		if got := eval[string](t, ctx, `JSON.stringify(SpiceWeb.pageConsole.clipboardAccess)`); got != `{"read":true,"write":true,"reason":"","canAsk":false}` {
			t.Errorf("access with permission: %s", got)
		}
		// Guest to local: the guest copies, the local clipboard has it.
		eval[bool](t, ctx, `(fakeSpice.guestCopy({type: "text", text: "copied in the guest\nline 2"}), true)`)
		waitFor(t, ctx, `navigator.clipboard.readText().then((t) => t === "copied in the guest\nline 2")`)
		if got := eval[string](t, ctx, `document.getElementById("clip-guest").value`); got != "copied in the guest\nline 2" {
			t.Errorf("panel shows %q", got)
		}
		// Local to guest: copied locally, then the console gains focus.
		calls(t, ctx)
		eval[string](t, ctx, `navigator.clipboard.writeText("copied locally").then(() => "ok")`)
		refocus := `(SpiceWeb.pageConsole.canvas.blur(), SpiceWeb.pageConsole.canvas.focus(), true)`
		eval[bool](t, ctx, refocus)
		got := waitCalls(t, ctx, `["setClipboard"`)
		if !slices.Contains(got, `["setClipboard","text","copied locally"]`) {
			t.Errorf("after focus: calls %v", got)
		}
		// Focus again with nothing new, and the guest's own copy: nothing sent.
		eval[bool](t, ctx, refocus)
		eval[bool](t, ctx, `(fakeSpice.guestCopy({type: "text", text: "guest again"}), true)`)
		waitFor(t, ctx, `navigator.clipboard.readText().then((t) => t === "guest again")`)
		eval[bool](t, ctx, refocus)
		sleep(t, ctx, 200)
		for _, c := range calls(t, ctx) {
			if strings.HasPrefix(c, `["setClipboard"`) {
				t.Errorf("sent without a local change: %s", c)
			}
		}
		// An image copied in the guest arrives as a PNG on the local clipboard.
		eval[bool](t, ctx, `(async () => {
			const c = new OffscreenCanvas(3, 2); c.getContext("2d").fillRect(0, 0, 3, 2);
			const png = new Uint8Array(await (await c.convertToBlob({type: "image/png"})).arrayBuffer());
			fakeSpice.guestCopy({type: "image", mime: "image/png", data: png});
			return true; })()`)
		waitFor(t, ctx, `navigator.clipboard.read().then(async (items) => items.length > 0 && items[0].types.includes("image/png") &&
			createImageBitmap(await items[0].getType("image/png")).then((b) => b.width === 3 && b.height === 2))`)
		if eval[bool](t, ctx, `document.getElementById("clip-guest-image").hidden`) {
			t.Error("the panel does not show the guest's image")
		}
	})

	t.Run("clipboard, plain http: Ctrl+V and the panel", func(t *testing.T) {
		// Put text on the browser's clipboard from a page allowed to.
		sec := tab(t, ctx)
		grantClipboard(t, sec, srv.URL)
		do(t, sec, chromedp.Navigate(srv.URL+"/plain/embed.html"))
		eval[string](t, sec, `navigator.clipboard.writeText("pasted from the local clipboard").then(() => "ok")`)

		ctx := tab(t, ctx)
		u := strings.Replace(srv.URL, "127.0.0.1", "console.test", 1)
		do(t, ctx, chromedp.Navigate(u+"/plain/spice_auto.html?port=5959&worker=0#fake-agent=all"))
		waitFor(t, ctx, `document.body.dataset.state === "connected"`)
		if !strings.Contains(eval[string](t, ctx, `SpiceWeb.pageConsole.clipboardAccess.reason`), "not served over https") {
			t.Error("the console does not say why the clipboard is not synced automatically")
		}
		calls(t, ctx)
		do(t, ctx, chromedp.Focus(chromedp.CSS("canvas.spiceweb-screen")), keys(ctrlV...))
		waitFor(t, ctx, `fakeSpice.calls.length >= 5`)
		wantCalls(t, ctx, `["key","ControlLeft",true]`, `["setClipboard","text","pasted from the local clipboard"]`,
			`["key","KeyV",true]`, `["key","KeyV",false]`, `["key","ControlLeft",false]`)
		// The same clipboard pasted again is the guest's already: keys only.
		do(t, ctx, keys(ctrlV...))
		waitFor(t, ctx, `fakeSpice.calls.length >= 4`)
		wantCalls(t, ctx, `["key","ControlLeft",true]`, `["key","KeyV",true]`, `["key","KeyV",false]`, `["key","ControlLeft",false]`)

		// The guest copies: the panel shows it, and its Copy button puts it
		// on the local clipboard through the copy command.
		eval[bool](t, ctx, `(fakeSpice.guestCopy({type: "text", text: "from the guest"}), true)`)
		do(t, ctx, chromedp.Click(chromedp.CSS("#clipboard-button")))
		if got := eval[string](t, ctx, `document.getElementById("clip-guest").value`); got != "from the guest" {
			t.Errorf("panel shows %q", got)
		}
		if note := eval[string](t, ctx, `document.getElementById("clip-status").textContent`); !strings.Contains(note, "Ctrl+V") || !strings.Contains(note, "https") {
			t.Errorf("panel note %q", note)
		}
		screenshot(t, ctx, "clipboard-panel-http")
		do(t, ctx, chromedp.Click(chromedp.CSS("#clip-copy")))
		if got := eval[string](t, ctx, `document.getElementById("clip-copy-note").textContent`); got != "Copied" {
			t.Errorf("copy button: %q", got)
		}
		if got := eval[string](t, sec, `navigator.clipboard.readText()`); got != "from the guest" {
			t.Errorf("local clipboard after Copy: %q", got)
		}
		// Text typed into the panel is sent to the guest's clipboard.
		eval[bool](t, ctx, `(document.getElementById("clip-send-text").value = "sent from the panel", true)`)
		do(t, ctx, chromedp.Click(chromedp.CSS("#clip-send")))
		if got := waitCalls(t, ctx, `["setClipboard"`); !slices.Contains(got, `["setClipboard","text","sent from the panel"]`) {
			t.Errorf("after Send: calls %v", got)
		}
	})

	t.Run("clipboard in a cross-origin frame", func(t *testing.T) {
		// localhost and 127.0.0.1 are both secure, and different origins.
		outer := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		inner := srv.URL + "/plain/spice_auto.html?port=5959&worker=0#fake-agent=all"
		// A frame's permission is its top page's (Chrome's permission delegation).
		grantClipboard(t, ctx, outer)
		for _, c := range []struct {
			allow string
			read  bool
		}{{"", false}, {"clipboard-read; clipboard-write", true}} {
			ctx := tab(t, ctx)
			do(t, ctx, chromedp.Navigate(outer+"/plain/xframe.html#src="+url.QueryEscape(inner)+"&allow="+url.QueryEscape(c.allow)))
			fctx := frameContext(t, ctx, srv.URL)
			waitFor(t, fctx, `document.body.dataset.state === "connected"`)
			sleep(t, fctx, 100)
			type access struct {
				Read   bool
				Reason string
			}
			got := eval[access](t, fctx, `(({read, reason}) => ({Read: read, Reason: reason}))(SpiceWeb.pageConsole.clipboardAccess)`)
			if got.Read != c.read || (!c.read && !strings.Contains(got.Reason, `allow="clipboard-read; clipboard-write"`)) {
				t.Errorf("iframe allow=%q: %+v", c.allow, got)
			}
		}
	})

	t.Run("files", func(t *testing.T) {
		for _, worker := range []string{"0", "1"} {
			t.Run("worker="+worker, func(t *testing.T) { testFiles(t, tab(t, ctx), srv.URL, worker) })
		}
	})

	t.Run("embedder API", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain;fake-agent=all/embed.html"))
		eval[bool](t, ctx, `(() => {
			const con = new SpiceWeb.SpiceConsole(document.getElementById("box"), {url: "ws://127.0.0.1:1/x", worker: false});
			window.con = con;
			window.seen = [];
			for (const type of ["agent", "scaling", "clipboard", "clipboardaccess", "fileprogress"]) {
				con.addEventListener(type, (e) => seen.push([type, JSON.stringify(e.detail)]));
			}
			con.connect();
			return true;
		})()`)
		waitFor(t, ctx, `con.agent.resize && fakeSpice.calls.some((c) => c[0] === "setDisplaySize")`)
		type ev struct{ Type, Detail string }
		events := func() []ev {
			raw := eval[[][2]string](t, ctx, `seen.splice(0)`)
			out := make([]ev, len(raw))
			for i, r := range raw {
				out[i] = ev{r[0], r[1]}
			}
			return out
		}
		got := events()
		// What the browser allows, once the permissions have been looked at
		// (the clipboard tests before this one granted them to this origin).
		if i := slices.IndexFunc(got, func(e ev) bool { return e.Type == "clipboardaccess" }); i < 0 {
			t.Error("no clipboardaccess event")
		} else {
			got = slices.Delete(got, i, i+1)
		}
		want := []ev{
			{"agent", `{"connected":true,"clipboard":true,"clipboardImages":true,"resize":true,"files":true}`},
			{"scaling", `{"mode":"remote","setting":"auto","hidpi":false}`},
		}
		// The permission query and the connection race: compare as sets.
		byType := func(a, b ev) int { return strings.Compare(a.Type, b.Type) }
		slices.SortFunc(got, byType)
		slices.SortFunc(want, byType)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("events when the agent connected:\n got %v\nwant %v", got, want)
		}
		// The container changes size without the window: the guest follows.
		calls(t, ctx)
		eval[bool](t, ctx, `(document.getElementById("box").style.width = "500px", document.getElementById("box").style.height = "300px", true)`)
		if got := waitCalls(t, ctx, `["setDisplaySize"`); !slices.Contains(got, `["setDisplaySize",496,296]`) {
			t.Errorf("after the container shrank to 500x300: calls %v", got)
		}
		// The guest copies; a file goes; the scaling is changed.
		eval[bool](t, ctx, `(fakeSpice.guestCopy({type: "text", text: "hi"}), con.sendFile(new Blob(["abc"]), "x.txt"), con.setScaling("none"), true)`)
		waitFor(t, ctx, `seen.some((e) => e[0] === "fileprogress" && JSON.parse(e[1]).state === "done")`)
		var types []string
		for _, e := range events() {
			if e.Type != "fileprogress" || !slices.Contains(types, "fileprogress") {
				types = append(types, e.Type)
			}
		}
		if strings.Join(types, " ") != "clipboard fileprogress scaling" {
			t.Errorf("event types %v, want clipboard, fileprogress (several), scaling", types)
		}
		if got := eval[string](t, ctx, `JSON.stringify([con.guestClipboard, con.scaling, con.transfers.map((t) => [t.name, t.state, t.sent, t.total])])`); got != `[{"type":"text","text":"hi"},{"mode":"none","setting":"none","hidpi":false},[["x.txt","done",3,3]]]` {
			t.Errorf("properties: %s", got)
		}
	})

	t.Run("worker forwarding", func(t *testing.T) {
		ctx := tab(t, ctx)
		do(t, ctx, chromedp.Navigate(srv.URL+"/plain;fake-agent=all;fake-guest-clipboard=guest%20text/spice_auto.html?port=5959"))
		eval[bool](t, ctx, `(window.logs = [], SpiceWeb.pageConsole.addEventListener("log", (e) => logs.push(e.detail.message)), true)`)
		waitFor(t, ctx, `document.body.dataset.state === "connected" && SpiceWeb.pageConsole.agent.connected`)
		if eval[int](t, ctx, `fakeSpice.connects.length`) != 0 {
			t.Fatal("the fake on the page was used: not running in the worker")
		}
		waitFor(t, ctx, `SpiceWeb.pageConsole.guestClipboard?.text === "guest text"`)
		got := eval[int](t, ctx, `(() => { const c = SpiceWeb.pageConsole;
			c.setClipboard("to the guest");
			c.setClipboard({type: "image", mime: "image/png", data: new Uint8Array([137, 80, 78, 71])});
			return c.typeText("typed\tok\r\nnext é"); })()`)
		if got != 14 {
			t.Errorf("typeText returned %d, want 14 (up to the é, \\r\\n counting once)", got)
		}
		for _, want := range []string{`["setClipboard","text","to the guest"]`, `["setClipboard","image",4]`, `["typeText","typed\tok\nnext "]`} {
			waitFor(t, ctx, fmt.Sprintf(`logs.some((m) => m.startsWith("fake call: " + %q))`, want))
		}
		// setDisplaySize reached the fake in the worker: the guest took the area's size.
		area := eval[[]int](t, ctx, `(() => { const r = document.querySelector(".spiceweb-console"); return [r.clientWidth, r.clientHeight]; })()`)
		waitFor(t, ctx, fmt.Sprintf(`SpiceWeb.pageConsole.screenSize.width === %d && SpiceWeb.pageConsole.screenSize.height === %d`, area[0]/8*8, area[1]/8*8))
		// Cancelling goes through too.
		eval[bool](t, ctx, `(SpiceWeb.pageConsole.cancelFile(SpiceWeb.pageConsole.sendFile(new Blob([new Uint8Array(1 << 20)]), "c.bin").id), true)`)
		waitFor(t, ctx, `SpiceWeb.pageConsole.transfers.at(-1).state === "cancelled" || SpiceWeb.pageConsole.transfers.at(-1).state === "done"`)
		waitFor(t, ctx, `logs.some((m) => m.startsWith('fake call: ["cancelFile",'))`)
	})
}

// frameContext returns a context for the out-of-process iframe of origin
// in the tab of ctx.
func frameContext(t *testing.T, ctx context.Context, origin string) context.Context {
	t.Helper()
	parent := chromedp.FromContext(ctx).Target.TargetID
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range infos {
			if in.Type == "iframe" && in.ParentID == parent && strings.HasPrefix(in.URL, origin) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(in.TargetID))
				t.Cleanup(cancel)
				return fctx
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no iframe target of %s", origin)
	return nil
}

// testFiles sends files through the picker and by dropping them, queued,
// refused, cancelled; the fake agent checks the bytes.
func testFiles(t *testing.T, ctx context.Context, base, worker string) {
	dir := t.TempDir()
	do(t, ctx, chromedp.Navigate(base+"/plain;fake-agent=all;fake-file-delay=5/spice_auto.html?port=5959&worker="+worker))
	eval[bool](t, ctx, `(window.logs = [], window.progress = [], SpiceWeb.pageConsole.addEventListener("log", (e) => logs.push(e.detail.message)),
		SpiceWeb.pageConsole.addEventListener("fileprogress", (e) => progress.push(e.detail)), true)`)
	waitFor(t, ctx, `document.body.dataset.state === "connected" && SpiceWeb.pageConsole.agent.files`)
	received := func() []fakeFile {
		raw := eval[[]string](t, ctx, `logs.filter((m) => m.startsWith("fake file: ")).map((m) => m.slice(11))`)
		var out []fakeFile
		for _, r := range raw {
			var f fakeFile
			if err := json.Unmarshal([]byte(r), &f); err != nil {
				t.Fatalf("fake file log %q: %v", r, err)
			}
			out = append(out, f)
		}
		return out
	}

	// Two files picked at once: both arrive, in order, byte for byte.
	a, ha := testFile(t, dir, "a.bin", 300_000)
	b, hb := testFile(t, dir, "b.txt", 1_000)
	do(t, ctx, chromedp.Click(chromedp.CSS("#files-button")), chromedp.SetUploadFiles(chromedp.CSS("#files-input"), []string{a, b}))
	waitFor(t, ctx, `logs.filter((m) => m.startsWith("fake file: ")).length === 2`)
	want := []fakeFile{{1, "a.bin", 300_000, ha}, {2, "b.txt", 1_000, hb}}
	if got := received(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("received %v, want %v", got, want)
	}
	waitFor(t, ctx, `Array.from(document.querySelectorAll("#files-list li")).every((li) => li.dataset.state === "done")`)
	if got := transferRows(t, ctx); fmt.Sprint(got) != fmt.Sprint([]transferRow{{"a.bin", "done", "Sent · 300 KB"}, {"b.txt", "done", "Sent · 1.0 KB"}}) {
		t.Errorf("transfer list %+v", got)
	}
	states := eval[[]string](t, ctx, `progress.filter((p) => p.id === 1).map((p) => p.state).filter((s, i, a) => s !== a[i - 1])`)
	if strings.Join(states, " ") != "queued sending done" {
		t.Errorf("file 1 went through %v, want queued sending done", states)
	}

	// Dropped onto the screen.
	c, hc := testFile(t, dir, "dropped ✓.dat", 70_000)
	r := canvasRect(t, ctx)
	x, y := r.Left+r.Width/2, r.Top+r.Height/2
	drag := func(typ input.DispatchDragEventType) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.DispatchDragEvent, input.DispatchDragEventParams{
				Type: typ, X: x, Y: y, Data: &input.DragData{Items: []*input.DragDataItem{}, Files: []string{c}, DragOperationsMask: 1},
			})
			return err
		})
	}
	do(t, ctx, drag(input.DispatchDragEventTypeDragEnter), drag(input.DispatchDragEventTypeDragOver))
	if hint := eval[string](t, ctx, `(() => { const h = document.querySelector(".spiceweb-drop"); return h.style.display + " " + h.textContent; })()`); hint != "flex Drop files to send them to the guest" {
		t.Errorf("drop hint while dragging: %q", hint)
	}
	screenshot(t, ctx, "dragging-"+worker)
	do(t, ctx, drag(input.DispatchDragEventTypeDrop))
	waitFor(t, ctx, `logs.filter((m) => m.startsWith("fake file: ")).length === 3`)
	if got := received(); len(got) != 3 || got[2] != (fakeFile{3, "dropped ✓.dat", 70_000, hc}) {
		t.Errorf("after the drop: received %v", got)
	}
	if eval[string](t, ctx, `document.querySelector(".spiceweb-drop").style.display`) != "none" {
		t.Error("the drop hint stayed after the drop")
	}

	// Refused by the guest: the agent's words are shown.
	full, _ := testFile(t, dir, "full.bin", 10)
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#files-input"), []string{full}))
	waitFor(t, ctx, `document.querySelector("#files-list li:last-child").dataset.state === "failed"`)
	if got := transferRows(t, ctx); got[len(got)-1].Info != "Failed: not enough space in the guest" {
		t.Errorf("refused file: %+v", got[len(got)-1])
	}

	// Cancelled while sending: 4 MB at 5 ms per 64 KiB takes > 300 ms.
	big, _ := testFile(t, dir, "big.iso", 4_000_000)
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#files-input"), []string{big}))
	waitFor(t, ctx, `document.querySelector("#files-list li:last-child").dataset.state === "sending"`)
	screenshot(t, ctx, "sending-"+worker)
	do(t, ctx, chromedp.Click(chromedp.CSS("#files-list li:last-child button")))
	waitFor(t, ctx, `document.querySelector("#files-list li:last-child").dataset.state === "cancelled"`)
	sleep(t, ctx, 200)
	if n := len(received()); n != 3 {
		t.Errorf("%d files received after the cancel, want 3 (the cancelled one never completes)", n)
	}
	// Clear finished empties the list.
	do(t, ctx, chromedp.Click(chromedp.CSS("#files-clear")))
	if n := eval[int](t, ctx, `document.querySelectorAll("#files-list li").length`); n != 0 {
		t.Errorf("%d rows after clearing", n)
	}

	// A transfer running when the session ends fails with the reason.
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#files-input"), []string{big}))
	waitFor(t, ctx, `document.querySelector("#files-list li:last-child")?.dataset.state === "sending"`)
	eval[bool](t, ctx, `(SpiceWeb.pageConsole.disconnect(), true)`)
	waitFor(t, ctx, `document.querySelector("#files-list li:last-child").dataset.state === "failed"`)
	if got := transferRows(t, ctx); !strings.Contains(got[len(got)-1].Info, "the session ended") {
		t.Errorf("after disconnect: %+v", got[len(got)-1])
	}
	// Not connected: the button is off, sendFile fails at once with the reason.
	if !eval[bool](t, ctx, `document.getElementById("files-choose").disabled`) {
		t.Error("the file picker is enabled while disconnected")
	}
	if got := eval[string](t, ctx, `(() => { const t = SpiceWeb.pageConsole.sendFile(new Blob(["x"]), "x.txt"); return t.state + ": " + t.message; })()`); got != "failed: the console is not connected" {
		t.Errorf("sendFile while disconnected: %q", got)
	}
}
