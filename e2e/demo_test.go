//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// demoLook is what TestDemoReadmeCommand reads from a page: the state,
// what says it is a recording, a checksum of the screen, and where the
// guest pointer is drawn.
type demoLook struct {
	State, Title, Notice string
	NoticeShown          bool
	Width, Sum           int
	Pointer              string // the overlay's left,top when shown, else ""
}

const demoLookJS = `(() => {
	const c = document.querySelector("canvas.spiceweb-screen");
	const look = {State: document.body.dataset.state, Title: document.title,
		Notice: document.getElementById("notice-text").textContent,
		NoticeShown: !document.getElementById("notice").hidden, Width: c.width, Sum: 0, Pointer: ""};
	const o = document.querySelector(".spiceweb-console canvas:not(.spiceweb-screen)");
	if (o && o.style.display === "block") look.Pointer = o.style.left + "," + o.style.top;
	if (c.width === 0) return look;
	const copy = document.createElement("canvas");
	copy.width = c.width; copy.height = c.height;
	const g = copy.getContext("2d", {willReadFrequently: true});
	g.drawImage(c, 0, 0);
	const d = g.getImageData(0, 0, c.width, c.height).data;
	let h = 0;
	for (let i = 0; i < d.length; i += 4) h = (Math.imul(h, 31) + (d[i] | d[i+1] << 8 | d[i+2] << 16)) | 0;
	look.Sum = h;
	return look;
})()`

// TestDemoReadmeCommand runs the README's first command, go run build.go
// serve, with no SPICE server on the machine (none is started), and opens
// the page in three tabs at once: each shows the recorded desktop, whose
// picture changes and whose pointer moves, with the title and the notice
// that say it is a recording. serve's log shows each tab got its own
// replay of every channel.
func TestDemoReadmeCommand(t *testing.T) {
	Require(t, browserTools...)
	t.Parallel()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	// The harness's own build of the site goes first, so that the command
	// below compiles from a warm build cache.
	Site(t)
	port := FreePort(t)
	// -o and -listen only keep it off the repository's dist/ and port 8080.
	p, err := startProc(t, procSpec{name: "go-run-build-serve", dir: root,
		path: filepath.Join(runtime.GOROOT(), "bin", "go"),
		args: []string{"run", "build.go", "-o", t.TempDir(), "serve", "-listen", "127.0.0.1:" + strconv.Itoa(port)},
		// build.go passes SIGTERM on to serve, which shuts down.
		deathSig: syscall.SIGTERM,
	})
	if err != nil {
		t.Fatal(err)
	}
	WaitListen(t, port, p, 5*time.Minute) // it builds the site first
	url := fmt.Sprintf("http://127.0.0.1:%d/spice_auto.html", port)

	b := StartBrowser(t, BrowserOptions{})
	const tabs = 3
	ctxs := []context.Context{b.Context()}
	for range tabs - 1 {
		ctx, cancel := chromedp.NewContext(b.Context())
		t.Cleanup(cancel)
		ctxs = append(ctxs, ctx)
	}
	for i, ctx := range ctxs {
		// A tab's first action creates it and must run on its own context.
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			t.Fatalf("tab %d: %v", i, err)
		}
	}
	look := func(ctx context.Context) (demoLook, error) {
		c, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		return chromedp.Run(c, chromedp.Evaluate[demoLook](demoLookJS))
	}
	type seen struct {
		last     demoLook
		pictures map[int]bool
		pointers map[string]bool
	}
	all := make([]seen, tabs)
	for i := range all {
		all[i] = seen{pictures: map[int]bool{}, pointers: map[string]bool{}}
	}
	done := func(s seen) bool {
		return s.last.State == "connected" && s.last.NoticeShown && len(s.pictures) >= 3 && len(s.pointers) >= 2
	}
	// The desktop appears at once, the pointer moves within 3 s, typing
	// starts then: 30 s is ample even for a loaded machine.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		finished := 0
		for i, ctx := range ctxs {
			l, err := look(ctx)
			if err != nil {
				t.Fatalf("tab %d: %v", i, err)
			}
			all[i].last = l
			if l.Width > 0 {
				all[i].pictures[l.Sum] = true
			}
			if l.Pointer != "" {
				all[i].pointers[l.Pointer] = true
			}
			if done(all[i]) {
				finished++
			}
		}
		if finished == tabs {
			break
		}
	}
	for i, s := range all {
		l := s.last
		if !done(s) || l.Width != 1024 || !strings.Contains(l.Title, "recorded desktop") || !strings.Contains(l.Notice, "recorded Xspice desktop") {
			t.Errorf("tab %d: %+v; %d pictures, %d pointer positions; want a connected 1024-pixel screen that changes (3 pictures) "+
				"with a moving pointer (2 positions), the demo's title and its notice shown", i, l, len(s.pictures), len(s.pointers))
		}
	}
	b.Close()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	logs, err := os.ReadFile(p.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	opened := regexp.MustCompile(`msg="websocket open" .*replay="the built-in demo"`).FindAllIndex(logs, -1)
	if n := len(opened); n != 4*tabs {
		t.Errorf("serve replayed %d connections, want 4 per tab (main, display, inputs, cursor):\n%s", n, logs)
	}
}
