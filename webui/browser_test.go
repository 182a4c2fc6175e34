//go:build !js

package webui

import "testing"

// TestPageInBrowser drives the page in one headless Chromium, against
// site's fake Go runtime. The scenarios live in files by concern (input,
// connect, load, embed, sound); each is given the browser's context (br)
// to open tabs of its own in, so they share no page state, and the site's
// base URL.
func TestPageInBrowser(t *testing.T) {
	srv := site(t)
	ctx := browser(t)
	t.Run("nova URL, input and cursor", func(t *testing.T) { testNovaURL(t, ctx, srv.URL) })
	t.Run("server mouse mode", func(t *testing.T) { testServerMouseMode(t, ctx, srv.URL) })
	t.Run("wrong password asks, never retries", func(t *testing.T) { testWrongPassword(t, ctx, srv.URL) })
	t.Run("disconnect and reconnect", func(t *testing.T) { testReconnect(t, ctx, srv.URL) })
	t.Run("guest name and server notice", func(t *testing.T) { testGuestNameNotice(t, ctx, srv.URL) })
	t.Run("module delivery", func(t *testing.T) { testModuleDelivery(t, ctx, srv.URL) })
	t.Run("embedder API", func(t *testing.T) { testEmbedderAPI(t, ctx, srv.URL) })
	t.Run("sound buttons", func(t *testing.T) { testSoundButtons(t, ctx, srv.URL) })
	t.Run("insecure context", func(t *testing.T) { testInsecureContext(t, ctx, srv.URL) })
	for _, host := range []string{"127.0.0.1", "console.test"} {
		t.Run("worker on "+host, func(t *testing.T) { testWorker(t, ctx, srv.URL, host) })
	}
	t.Run("bad URL", func(t *testing.T) { testBadURL(t, ctx, srv.URL) })
	t.Run("small iframe", func(t *testing.T) { testSmallIframe(t, ctx, srv.URL) })
}
