//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	stdpng "image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// The page's guest-agent features end to end: spice_auto.html, as nova
// serves it (websockify), with the client in its worker, against Xspice
// with the real spice-vdagent, in headless Chromium. The guest follows the
// window; the clipboard goes both ways in a secure context and through
// Ctrl+V's paste event in an insecure one; a file dropped onto the screen
// lands byte-exact in the agent's directory.

// agentUIWindow is the browser window: the guest is sized to the page's
// console area in it.
const agentUIWindowW, agentUIWindowH = 1100, 800

// grantClipboard lets pages of origin use the async Clipboard API, as a
// user who allowed it would.
func grantClipboard(t testing.TB, b *Browser, origin string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), actionTimeout)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: name},
				Setting:    cdpbrowser.PermissionSettingGranted,
				Origin:     strings.TrimSuffix(origin, "/"),
			})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatalf("e2e: granting clipboard access: %v", err)
	}
}

// setWindowSize resizes the browser window itself, as a user dragging its
// edge does (the page sees a resize, not an emulated viewport).
func setWindowSize(t testing.TB, b *Browser, w, h int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), actionTimeout)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		br := chromedp.FromContext(ctx).Browser
		win, err := cdp.Call(ctx, br, cdpbrowser.GetWindowForTarget, cdpbrowser.GetWindowForTargetParams{TargetID: tg.TargetID})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, br, cdpbrowser.SetWindowBounds, cdpbrowser.SetWindowBoundsParams{
			WindowID: win.WindowID, Bounds: &cdpbrowser.Bounds{Width: int64(w), Height: int64(h)},
		})
		return err
	}))
	if err != nil {
		t.Fatalf("e2e: resizing the window: %v", err)
	}
}

// keepFocused makes the tab behave as the focused window: headless
// Chromium gives up the page's focus when its window is resized, and the
// Clipboard API works only in a focused page.
func keepFocused(t testing.TB, b *Browser) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), actionTimeout)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	}))
	if err != nil {
		t.Fatalf("e2e: focus emulation: %v", err)
	}
}

// consoleArea is the console's area in CSS pixels, what the guest is sized to.
func consoleArea(b *Browser) (int, int) {
	a := Eval[[]int](b, `(() => { const r = document.querySelector(".spiceweb-console"); return [r.clientWidth, r.clientHeight]; })()`)
	return a[0], a[1]
}

// openAgentPage loads spice_auto.html from base and waits until the agent
// is connected with every feature.
func openAgentPage(t testing.TB, b *Browser, base string) {
	t.Helper()
	b.Navigate(base + "spice_auto.html")
	b.WaitJS(`document.body.dataset.state === "connected" && (({connected, clipboard, resize, files}) => connected && clipboard && resize && files)(SpiceWeb.pageConsole.agent)`, 60*time.Second)
	// The screen shows (it cannot take the focus before).
	b.WaitJS(`SpiceWeb.pageConsole.screenSize.width > 0 && getComputedStyle(document.querySelector("canvas.spiceweb-screen")).visibility === "visible"`, 30*time.Second)
}

func TestAgentUI(t *testing.T) {
	Require(t, append(append([]Tool{}, clientTools...), AgentTools...)...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{VDAgent: true})
	x.SetRootColor("#336699")
	ws := StartWebsockify(t, Site(t), x.Port)
	b := StartBrowser(t, BrowserOptions{
		// A name that is not loopback: a plain-http page in an insecure context.
		Flags:       []string{"host-resolver-rules=MAP console.test 127.0.0.1"},
		WindowWidth: agentUIWindowW, WindowHeight: agentUIWindowH,
	})
	keepFocused(t, b)
	// Park the X pointer where it is left out of comparisons.
	pointer := image.Pt(4, 4)
	x.MouseMove(pointer)

	t.Run("the guest follows the window", func(t *testing.T) {
		openAgentPage(t, b, ws.URL)
		if got := Eval[string](b, `SpiceWeb.pageConsole.scaling.mode`); got != "remote" {
			t.Fatalf("scaling %q with an agent that resizes, want remote", got)
		}
		check := func(what string) {
			t.Helper()
			cw, ch := consoleArea(b)
			w, h := cw/8*8, ch/8*8
			if err := x.WaitScreenSize(w, h, 20*time.Second); err != nil {
				t.Fatalf("%s: console area %dx%d: %v", what, cw, ch, err)
			}
			b.WaitJS(fmt.Sprintf(`(() => { const c = document.querySelector(%q); return c.width === %d && c.height === %d; })()`, screen, w, h), 20*time.Second)
			// Shown 1:1 in the console area.
			if r := Eval[[]float64](b, `(() => { const r = document.querySelector("canvas.spiceweb-screen").getBoundingClientRect(); return [r.width, r.height]; })()`); int(r[0]) != w || int(r[1]) != h {
				t.Errorf("%s: the %dx%d guest is shown at %vx%v CSS pixels, want 1:1", what, w, h, r[0], r[1])
			}
			WaitImagesMatch(t, "agent-resize-"+strings.ReplaceAll(what, " ", "-"), 20*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointer, 24))
		}
		check("first connect")
		for _, size := range [][2]int{{900, 640}, {1200, 860}} {
			setWindowSize(t, b, size[0], size[1])
			// The window's inner size follows a moment later.
			b.WaitJS(fmt.Sprintf(`innerWidth === %d`, size[0]), 10*time.Second)
			check(fmt.Sprintf("window %dx%d", size[0], size[1]))
		}
		setWindowSize(t, b, agentUIWindowW, agentUIWindowH)
	})

	t.Run("clipboard, secure context", func(t *testing.T) {
		grantClipboard(t, b, ws.URL)
		openAgentPage(t, b, ws.URL)
		b.WaitJS(`SpiceWeb.pageConsole.clipboardAccess.read && SpiceWeb.pageConsole.clipboardAccess.write`, 10*time.Second)

		// Copied in the guest: on the local clipboard, with no step by the user.
		fromGuest := fmt.Sprintf("copied in the guest ✓ %d\nsecond line", rand.Uint32())
		x.SetClipboard("UTF8_STRING", []byte(fromGuest))
		b.WaitJS(fmt.Sprintf(`navigator.clipboard.readText().then((t) => t === %q)`, fromGuest), 20*time.Second)

		// Copied locally: the guest has it once the console gains focus.
		fromPage := fmt.Sprintf("copied locally ✓ %d", rand.Uint32())
		Eval[bool](b, fmt.Sprintf(`navigator.clipboard.writeText(%q).then(() => true)`, fromPage))
		refocus := `(() => { const c = document.querySelector("canvas.spiceweb-screen"); c.blur(); c.focus(); return true; })()`
		Eval[bool](b, refocus)
		waitGuestClipboard(t, x, fromPage)

		// Images, both ways, as PNG.
		if !Eval[bool](b, `SpiceWeb.pageConsole.agent.clipboardImages`) {
			t.Fatal("the agent does not offer images on the clipboard")
		}
		var png bytes.Buffer
		img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{0x20, 0xc0, 0x40, 0xff}), image.Point{}, draw.Src)
		if err := stdpng.Encode(&png, img); err != nil {
			t.Fatal(err)
		}
		x.SetClipboard("image/png", png.Bytes())
		b.WaitJS(`navigator.clipboard.read().then(async (items) => {
			const it = items.find((i) => i.types.includes("image/png"));
			if (!it) return false;
			const bmp = await createImageBitmap(await it.getType("image/png"));
			const c = new OffscreenCanvas(bmp.width, bmp.height), g = c.getContext("2d");
			g.drawImage(bmp, 0, 0);
			return bmp.width === 40 && bmp.height === 30 && g.getImageData(5, 5, 1, 1).data.join() === "32,192,64,255";
		})`, 20*time.Second)

		Eval[bool](b, `(async () => {
			const c = new OffscreenCanvas(20, 10); const g = c.getContext("2d");
			g.fillStyle = "#c01020"; g.fillRect(0, 0, 20, 10);
			await navigator.clipboard.write([new ClipboardItem({"image/png": await c.convertToBlob({type: "image/png"})})]);
			return true;
		})()`)
		Eval[bool](b, refocus)
		var last string
		err := waitUntil(t.Context(), 20*time.Second, "a PNG on the guest's clipboard", nil, func(ctx context.Context) error {
			data, err := x.ClipboardData(ctx, "image/png")
			if err != nil {
				return err
			}
			m, err := stdpng.Decode(bytes.NewReader(data))
			if err != nil {
				return err
			}
			r, g, bl, _ := m.At(3, 3).RGBA()
			last = fmt.Sprintf("%v #%02x%02x%02x", m.Bounds().Size(), r>>8, g>>8, bl>>8)
			if last != "(20,10) #c01020" {
				return fmt.Errorf("%s", last)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("e2e: %v", err)
		}
	})

	t.Run("clipboard, plain http", func(t *testing.T) {
		// Still on the secure page: put text on the browser's clipboard.
		pasted := fmt.Sprintf("pasted with Ctrl+V ✓ %d", rand.Uint32())
		Eval[bool](b, fmt.Sprintf(`navigator.clipboard.writeText(%q).then(() => true)`, pasted))
		openAgentPage(t, b, strings.Replace(ws.URL, "127.0.0.1", "console.test", 1))
		if Eval[bool](b, `isSecureContext`) {
			t.Fatal("console.test is a secure context: the test needs an insecure one")
		}
		if reason := Eval[string](b, `SpiceWeb.pageConsole.clipboardAccess.reason`); !strings.Contains(reason, "https") {
			t.Errorf("no reason given for the clipboard being manual: %q", reason)
		}

		// Ctrl+V in the console: the paste event's text becomes the guest's.
		ctx, cancel := context.WithTimeout(b.Context(), actionTimeout)
		defer cancel()
		key := func(typ input.DispatchKeyEventType, code, k string, vk, mods int64) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Code: code, Key: k, WindowsVirtualKeyCode: vk, Modifiers: mods})
				return err
			})
		}
		if err := chromedp.Do(ctx,
			chromedp.Focus(chromedp.CSS(screen)),
			key(input.DispatchKeyEventTypeRawKeyDown, "ControlLeft", "Control", 17, 2),
			key(input.DispatchKeyEventTypeRawKeyDown, "KeyV", "v", 86, 2),
			key(input.DispatchKeyEventTypeKeyUp, "KeyV", "v", 86, 2),
			key(input.DispatchKeyEventTypeKeyUp, "ControlLeft", "Control", 17, 0),
		); err != nil {
			t.Fatal(err)
		}
		waitGuestClipboard(t, x, pasted)

		// Copied in the guest: the clipboard panel shows it.
		fromGuest := fmt.Sprintf("for the panel ✓ %d", rand.Uint32())
		x.SetClipboard("UTF8_STRING", []byte(fromGuest))
		b.WaitJS(fmt.Sprintf(`document.getElementById("clip-guest").value === %q`, fromGuest), 20*time.Second)
	})

	t.Run("file dropped onto the screen", func(t *testing.T) {
		openAgentPage(t, b, ws.URL)
		data := make([]byte, 3_000_000)
		rand.NewChaCha8([32]byte{7}).Read(data)
		path := filepath.Join(t.TempDir(), "dropped file ✓.bin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		r := Eval[[]float64](b, `(() => { const r = document.querySelector("canvas.spiceweb-screen").getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
		drag := func(typ input.DispatchDragEventType) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, input.DispatchDragEvent, input.DispatchDragEventParams{
					Type: typ, X: r[0], Y: r[1], Data: &input.DragData{Items: []*input.DragDataItem{}, Files: []string{path}, DragOperationsMask: 1},
				})
				return err
			})
		}
		ctx, cancel := context.WithTimeout(b.Context(), actionTimeout)
		defer cancel()
		if err := chromedp.Do(ctx, drag(input.DispatchDragEventTypeDragEnter), drag(input.DispatchDragEventTypeDragOver), drag(input.DispatchDragEventTypeDrop)); err != nil {
			t.Fatal(err)
		}
		// The agent's file has its full size before the last byte is in
		// (it is allocated at the start): the page's "done" comes first.
		b.WaitJS(`(() => { const li = document.querySelector("#files-list li"); return li && li.dataset.state !== "queued" && li.dataset.state !== "sending"; })()`, 60*time.Second)
		if row := Eval[[]string](b, `(() => { const li = document.querySelector("#files-list li"); return [li.dataset.state, li.querySelector(".info").textContent]; })()`); row[0] != "done" {
			t.Fatalf("the transfer list says %s: %s", row[0], row[1])
		}
		got, err := x.AgentFile(filepath.Base(path), int64(len(data)), 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if want := hex.EncodeToString(sum[:]); got != want {
			t.Fatalf("the guest received sha256 %s, want %s", got, want)
		}
	})
}

// waitGuestClipboard waits until the guest's CLIPBOARD selection is want.
func waitGuestClipboard(t *testing.T, x *Xspice, want string) {
	t.Helper()
	var last string
	err := waitUntil(t.Context(), 20*time.Second, "the guest's clipboard", nil, func(ctx context.Context) error {
		got, err := x.ClipboardText(ctx)
		last = got
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("e2e: %v (last %q, want %q)", err, last, want)
	}
}
