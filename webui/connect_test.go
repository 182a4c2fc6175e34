//go:build !js

package webui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// testWrongPassword: a refused password brings up the password form; the
// page never retries by itself.
func testWrongPassword(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	do(t, ctx, chromedp.Navigate(base+"/plain/spice_auto.html?host=127.0.0.1&port=5959&password=bad&worker=0#fake-password=right"))
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
}

// testReconnect: a session the proxy ends says why, drops keys, and the
// Reconnect button connects again with the same token.
func testReconnect(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	do(t, ctx, chromedp.Navigate(base+"/plain/spice_auto.html?host=127.0.0.1&port=5959&token=t2&worker=0"))
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
}

// testBadURL: a bad port in the URL is reported and never dialled.
func testBadURL(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	do(t, ctx, chromedp.Navigate(base+"/plain/spice_auto.html?port=99999"))
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
}

// testGuestNameNotice: the guest's name and a server notice show in the bar,
// and a title in the URL wins over the name.
func testGuestNameNotice(t *testing.T, br context.Context, base string) {
	type view struct {
		Title, Bar, Notice string
		Shown              bool
	}
	look := func(ctx context.Context) view {
		return eval[view](t, ctx, `({Title: document.title, Bar: document.getElementById("title").textContent,
			Notice: document.getElementById("notice-text").textContent, Shown: !document.getElementById("notice").hidden})`)
	}
	ctx1 := tab(t, br)
	do(t, ctx1, chromedp.Navigate(base+"/plain/spice_auto.html?host=127.0.0.1&port=5959&worker=0"))
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
	ctx2 := tab(t, br)
	do(t, ctx2, chromedp.Navigate(base+"/plain/spice_auto.html?host=127.0.0.1&port=5959&title=vm-7&worker=0"))
	waitFor(t, ctx2, `document.body.dataset.state === "connected"`)
	eval[bool](t, ctx2, `fakeSpice.session.events.guestName("recorded desktop"), true`)
	if v := look(ctx2); v.Title != "vm-7" || v.Bar != "vm-7" {
		t.Errorf("with title=vm-7 in the URL: %+v, want the URL's title", v)
	}
}
