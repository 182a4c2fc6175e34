//go:build !js

package webui

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// testSoundButtons: the speaker and microphone buttons follow the sound
// channels, mute, and say why the microphone is unavailable.
func testSoundButtons(t *testing.T, br context.Context, base string) {
	ctx := tab(t, br)
	do(t, ctx, chromedp.Navigate(base+"/plain/spice_auto.html?host=127.0.0.1&port=5959&worker=0"))
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
}
